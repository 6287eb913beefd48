"""PNG plots of the run: latency distributions, the 2-hop comparison, throughput vs concurrency."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

from bench.stats import percentile


def latency_distributions(series: dict[str, list[float]], unit: str, title: str, path: Path) -> Path:
    """One empirical CDF per series on a log time axis, p50 and p99 marked."""
    figure, axes = plt.subplots(figsize=(9, 5))
    for label, samples in series.items():
        ordered = sorted(samples)
        fractions = [index / len(ordered) for index in range(len(ordered) + 1)]
        xs = [ordered[0], *ordered]
        (line,) = axes.step(xs, fractions, where="post", label=f"{label} (n={len(ordered)})")
        for q, marker in ((50, "o"), (99, "^")):
            axes.plot([percentile(ordered, q)], [q / 100], marker=marker, color=line.get_color())
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    # Label the minor ticks at 2x and 5x each decade only; all nine crowd each other.
    axes.xaxis.set_minor_formatter(FuncFormatter(lambda value, _: f"{value:g}" if f"{value:g}"[0] in "25" else ""))
    axes.tick_params(axis="x", which="minor", labelsize="x-small")
    axes.set_xlabel(f"time per request ({unit}, log scale); o = p50, ^ = p99")
    axes.set_ylabel("fraction of requests")
    axes.set_ylim(0, 1.02)
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small", loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def grouped_bars(groups: dict[str, dict[str, float]], ylabel: str, title: str, path: Path) -> Path:
    """groups: {"1 MB": {"direct (ours)": 1.2, "2-hop": 30.0}, ...}."""
    figure, axes = plt.subplots(figsize=(8, 5))
    names = list(groups)
    series = sorted({label for values in groups.values() for label in values})
    width = 0.8 / max(1, len(series))
    for index, label in enumerate(series):
        xs = [group + index * width for group in range(len(names))]
        heights = [groups[name].get(label, 0.0) for name in names]
        bars = axes.bar(xs, heights, width, label=label)
        axes.bar_label(bars, fmt="%.3g", fontsize="small")
    axes.set_xticks([group + width * (len(series) - 1) / 2 for group in range(len(names))], names)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def throughput_vs_concurrency(curves: dict[str, dict[int, tuple[float, float]]], title: str, path: Path) -> Path:
    """curves: {"uploads": {concurrency: (ops per second, p99 ms)}}; two panels."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for label, points in curves.items():
        xs = sorted(points)
        left.plot(xs, [points[x][0] for x in xs], marker="o", label=label)
        right.plot(xs, [points[x][1] for x in xs], marker="o", label=label)
    levels = sorted({level for points in curves.values() for level in points})
    for axes, ylabel in ((left, "operations per second"), (right, "p99 latency (ms)")):
        axes.set_xscale("log", base=2)
        axes.set_xticks(levels, [str(level) for level in levels])
        axes.set_ylim(bottom=0)
        axes.set_xlabel("concurrent clients")
        axes.set_ylabel(ylabel)
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize="small")
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
