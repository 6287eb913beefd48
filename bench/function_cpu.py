"""CPU time a local-stack function has used, read from /proc: the bench runs outside the adapter
process that owns the function's workers, so it sums the user + system time of every live
awslambdaric worker whose handler is the function's. A worker that exits between two readings
takes its time with it; the warm pool keeps the upload API's one worker alive for sequential calls."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def _stat_seconds(stat: str, ticks: int) -> float:
    # The command name (field 2) may hold spaces and ')', so split after the last ')'.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14 and 15)


def worker_cpu_seconds(handler: str, *, proc: Path = PROC, ticks: int | None = None) -> float:
    """User + system seconds of the live `python -m awslambdaric <handler>` processes."""
    ticks = ticks or os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if b"awslambdaric" not in argv or handler.encode() not in argv:
                continue
            total += _stat_seconds((entry / "stat").read_text(), ticks)
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError, ValueError):
            continue  # gone between listing and reading, or not ours to read
    return total
