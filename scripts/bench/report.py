"""build/bench/report.md: the results as Markdown tables, one per section."""

from __future__ import annotations

from typing import Any

# The figures of the summary table at the top (and of the README's Performance section).
HEADLINE = (
    "edge.warm.ours_cached.p50",
    "edge.warm.ours_uncached.p50",
    "edge.warm.reference.p50",
    "edge.warm.ratio_uncached_vs_reference",
    "edge.warm.ratio_cached_vs_reference",
    "edge.cold.ours.p50",
    "edge.cold.reference.p50",
    "edge.cold_bytecode.ours.p50",
    "edge.package.ours",
    "api.uploads.total.p50",
    "api.uploads.total.p99",
    "api.uploads.ours.p50",
    "api.downloads.total.p50",
    "api.downloads.ours.p50",
    "api.uploads.cold.p50",
    "api.uploads.cold_bytecode.p50",
    "twohop.direct.10MB.cpu",
    "twohop.proxy.10MB.cpu",
    "twohop.ratio.1MB",
    "twohop.ratio.10MB",
    "e2e.uploads.c16.rate",
    "e2e.uploads.c16.p99",
    "e2e.downloads.c16.rate",
    "e2e.downloads.c16.p99",
)

_UNIT_SUFFIX = {
    "us": " µs",
    "ms": " ms",
    "s": " s",
    "bytes": " B",
    "x": "\N{MULTIPLICATION SIGN}",
    "%": " %",
    "req/s": " req/s",
}


def format_number(value: float | int | None) -> str:
    """Three significant figures or so, thousands separated; integers stay exact."""
    if value is None:
        return "n/a"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_value(value: float | int | None, unit: str) -> str:
    text = format_number(value)
    if value is None:
        return text
    return text + _UNIT_SUFFIX.get(unit, f" {unit}" if unit else "")


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(figures: list[dict[str, Any]]) -> list[str]:
    lines = ["| Figure | Value | Note |", "|---|---:|---|"]
    for figure in figures:
        value = format_value(figure["value"], figure["unit"])
        lines.append(f"| {_escape(figure['label'])} | {value} | {_escape(figure.get('note', ''))} |")
    return [*lines, ""]


def render_headline(results: dict[str, Any]) -> list[str]:
    """The summary table: the HEADLINE figures this run produced, plus what it did not measure."""
    by_key = {figure["key"]: figure for section in results["sections"] for figure in section["figures"]}
    figures = [by_key[key] for key in HEADLINE if key in by_key]
    missing = [
        f"{section['title']}: {section['status']}" for section in results["sections"] if section["status"] != "ok"
    ]
    lines = ["## Summary", ""]
    if figures:
        lines += _table(figures)
    if missing:
        lines += ["Not measured in this run: " + "; ".join(missing) + " (reasons below).", ""]
    return lines


def render_section(section: dict[str, Any]) -> list[str]:
    lines = [f"### {section['title']}", ""]
    if section["status"] != "ok":
        lines += [f"**{section['status'].upper()}**: {_escape(section['reason'])}", ""]
    if section["figures"]:
        lines += _table(section["figures"])
    method = section.get("details", {}).get("method")
    if method:
        lines += [f"How: {method}", ""]
    return lines


def render(results: dict[str, Any]) -> str:
    machine = results["machine"]
    lines = [
        "# Benchmark report",
        "",
        f"Run {results['started_at']} .. {results['finished_at']}"
        + (" (QUICK=1: tiny sample counts, numbers are not meaningful)" if results["quick"] else ""),
        "",
        f"Machine: {machine['cpu_model']}, {machine['cpus_usable']} usable CPUs, "
        f"{machine.get('memory_mib')} MiB, {machine['os']}, {machine['python']}; "
        f"load average at start {', '.join(f'{x:.2f}' for x in machine['load_average_at_start'])}; "
        f"commit {machine['git_commit']}.",
        "",
    ]
    lines += render_headline(results)
    lines += ["## Details", ""]
    for section in results["sections"]:
        lines += render_section(section)
    if results.get("plots"):
        lines += ["### Plots", ""] + [f"![{name}]({name})" for name in results["plots"]] + [""]
    return "\n".join(lines)
