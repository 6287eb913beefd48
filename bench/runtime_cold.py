"""Cold starts as the local stack's Lambda runtime reports them (harness/stack/lambda_host.py):
a new awslambdaric worker per attempt, on the runtime environment (never the dev venv), and the
figure is its REPORT line's Init Duration + Duration, as Lambda bills a cold request."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

_REPORT = re.compile(r"\tDuration: (?P<duration>[0-9.]+) ms\t.*\tInit Duration: (?P<init>[0-9.]+) ms")


class RuntimeColdStartError(RuntimeError):
    """The runtime is missing, or the cold request failed or left no REPORT line."""


def cold_report_ms(log_text: str) -> float:
    """Init Duration + Duration of the first REPORT line that has an Init Duration."""
    for line in log_text.splitlines():
        if line.startswith("REPORT "):
            match = _REPORT.search(line)
            if match:
                return float(match["init"]) + float(match["duration"])
    raise RuntimeColdStartError("no REPORT line with an Init Duration")


def runtime_cold_start_ms(
    code_dir: Path, handler: str, event: dict[str, Any], *, memory_mb: int, log_dir: Path, name: str
) -> tuple[float, Any]:
    """One cold start in a new worker: (milliseconds, the function's answer)."""
    from stack.lambda_host import FunctionError, FunctionHost, runtime_python

    try:
        runtime_python()
    except RuntimeError as exc:
        raise RuntimeColdStartError(str(exc)) from None
    shutil.rmtree(log_dir, ignore_errors=True)
    host = FunctionHost(
        code_dir, handler, function_name=name, memory_mb=memory_mb, timeout_seconds=10, warm_workers=0, log_dir=log_dir
    )
    try:
        answer = host.invoke(event)
    except FunctionError as exc:
        raise RuntimeColdStartError(f"the cold request failed: {exc}") from None
    finally:
        host.close()
    return cold_report_ms((log_dir / f"{name}.log").read_text()), answer
