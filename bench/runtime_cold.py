"""Cold starts as the local stack's Lambda runtime reports them (harness/stack/lambda_host.py):
a new awslambdaric worker per attempt, on the runtime environment (never the dev venv), and the
figure is its REPORT line's Init Duration + Duration, as Lambda bills a cold request.

The worker's environment is exactly what the caller passes (plus the variables the runtime sets):
for the upload API, the planned environment pointing at the bench's own emulators, never at the
local stack's ports."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_REPORT = re.compile(r"\tDuration: (?P<duration>[0-9.]+) ms\t.*\tInit Duration: (?P<init>[0-9.]+) ms")
_MAX_MEMORY = re.compile(r"\tMax Memory Used: (?P<mb>[0-9]+) MB")


class RuntimeColdStartError(RuntimeError):
    """The runtime is missing, or the cold request failed or left no REPORT line."""


@dataclass(frozen=True)
class ColdReport:
    """What the REPORT line of a cold request says."""

    init_ms: float
    duration_ms: float
    max_memory_mb: int

    @property
    def total_ms(self) -> float:
        return self.init_ms + self.duration_ms


def cold_report(log_text: str) -> ColdReport:
    """The first REPORT line that has an Init Duration."""
    for line in log_text.splitlines():
        if line.startswith("REPORT "):
            match = _REPORT.search(line)
            if match:
                memory = _MAX_MEMORY.search(line)
                return ColdReport(float(match["init"]), float(match["duration"]), int(memory["mb"]) if memory else 0)
    raise RuntimeColdStartError("no REPORT line with an Init Duration")


def cold_report_ms(log_text: str) -> float:
    """Init Duration + Duration of the first REPORT line that has an Init Duration."""
    return cold_report(log_text).total_ms


def runtime_cold_start(
    code_dir: Path,
    handler: str,
    event: dict[str, Any],
    *,
    memory_mb: int,
    log_dir: Path,
    name: str,
    environment: dict[str, str] | None = None,
    timeout_seconds: float = 10,
) -> tuple[ColdReport, Any]:
    """One cold start in a new worker: (its REPORT figures, the function's answer)."""
    from stack.lambda_host import FunctionError, FunctionHost, runtime_python

    try:
        runtime_python()
    except RuntimeError as exc:
        raise RuntimeColdStartError(str(exc)) from None
    shutil.rmtree(log_dir, ignore_errors=True)
    host = FunctionHost(
        code_dir,
        handler,
        environment=environment,
        function_name=name,
        memory_mb=memory_mb,
        timeout_seconds=timeout_seconds,
        warm_workers=0,
        log_dir=log_dir,
    )
    try:
        answer = host.invoke(event)
    except FunctionError as exc:
        raise RuntimeColdStartError(f"the cold request failed: {exc}") from None
    finally:
        host.close()
    return cold_report((log_dir / f"{name}.log").read_text()), answer


def runtime_cold_start_ms(
    code_dir: Path, handler: str, event: dict[str, Any], *, memory_mb: int, log_dir: Path, name: str
) -> tuple[float, Any]:
    """One cold start in a new worker: (milliseconds, the function's answer)."""
    report, answer = runtime_cold_start(code_dir, handler, event, memory_mb=memory_mb, log_dir=log_dir, name=name)
    return report.total_ms, answer


def runtime_cold_starts(
    count: int,
    code_dir: Path,
    handler: str,
    event: dict[str, Any],
    *,
    accept: Callable[[Any], bool],
    memory_mb: int,
    log_dir: Path,
    name: str,
    environment: dict[str, str] | None = None,
    timeout_seconds: float = 10,
) -> list[ColdReport]:
    """`count` cold starts, each in a new worker; an answer `accept` refuses is an error (a
    cold start that failed fast must not pass for a fast one)."""
    reports = []
    for attempt in range(count):
        report, answer = runtime_cold_start(
            code_dir,
            handler,
            event,
            memory_mb=memory_mb,
            log_dir=log_dir / f"{name}-{attempt}",
            name=name,
            environment=environment,
            timeout_seconds=timeout_seconds,
        )
        if not accept(answer):
            raise RuntimeColdStartError(f"the cold request got an unexpected answer: {str(answer)[:200]}")
        reports.append(report)
    return reports
