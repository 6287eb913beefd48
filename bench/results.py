"""The result model written to build/bench/results.json: sections of figures, each figure with
its unit, plus a description of the machine the run happened on."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from bench.stats import Summary

Status = Literal["ok", "skipped", "failed"]
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Figure:
    """One number of the report. `key` is stable (for diffs between runs), `label` is for humans."""

    key: str
    label: str
    value: float | int | None
    unit: str
    note: str = ""


@dataclass
class Section:
    key: str
    title: str
    status: Status = "ok"
    reason: str = ""
    figures: list[Figure] = field(default_factory=list)
    # Parameters of the measurement (request counts, file sizes, what was measured how).
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, key: str, label: str, value: float | int | None, unit: str, note: str = "") -> Figure:
        if isinstance(value, float):
            value = float(f"{value:.6g}")  # more digits than any of these measurements can resolve
        figure = Figure(f"{self.key}.{key}", label, value, unit, note)
        self.figures.append(figure)
        return figure

    def add_summary(
        self, key: str, label: str, summary: Summary, unit: str, *, stats: tuple[str, ...] = ("p50", "p99")
    ) -> None:
        for stat in stats:
            self.add(f"{key}.{stat}", f"{label} {stat}", getattr(summary, stat), unit)
        self.details.setdefault("samples", {})[key] = summary.n

    def skip(self, reason: str) -> Section:
        self.status, self.reason = "skipped", reason
        return self

    def fail(self, reason: str) -> Section:
        self.status, self.reason = "failed", reason
        return self


@dataclass
class Results:
    machine: dict[str, Any]
    quick: bool
    started_at: str
    sections: list[Section] = field(default_factory=list)
    finished_at: str = ""
    plots: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA_VERSION, **asdict(self)}

    def figure(self, key: str) -> Figure | None:
        for section in self.sections:
            for figure in section.figures:
                if figure.key == key:
                    return figure
        return None


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return ""


def _cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


def _memory_total_mib() -> int | None:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    return None


def _git_commit(root: Path) -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = head.stdout.strip() or "unknown"
    return commit + ("+uncommitted changes" if dirty.stdout.strip() else "")


def describe_machine(root: Path) -> dict[str, Any]:
    """What a reader needs to judge the numbers: CPU, cores usable, memory, OS, Python, load."""
    return {
        "cpu_model": _cpu_model(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_mib": _memory_total_mib(),
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "python_executable": sys.executable,
        "load_average_at_start": list(os.getloadavg()),
        "git_commit": _git_commit(root),
    }
