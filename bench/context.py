"""What every part of the bench shares: paths, the QUICK switch and its sample counts."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUNNER = Path(__file__).with_name("handler_runner.py")


@dataclass(frozen=True)
class Sizes:
    """Sample counts. QUICK=1 keeps every code path but measures almost nothing."""

    edge_requests: int
    cold_starts: int
    api_requests: int
    twohop_uploads: int
    e2e_seconds: float
    e2e_concurrency: tuple[int, ...]

    @classmethod
    def for_run(cls, quick: bool) -> Sizes:
        if quick:
            return cls(
                edge_requests=50,
                cold_starts=1,
                api_requests=5,
                twohop_uploads=1,
                e2e_seconds=0.5,
                e2e_concurrency=(1, 4),
            )
        return cls(
            edge_requests=10_000,
            cold_starts=15,
            api_requests=300,
            twohop_uploads=15,
            e2e_seconds=10.0,
            e2e_concurrency=(1, 4, 16, 64),
        )


@dataclass
class BenchContext:
    root: Path
    out_dir: Path
    work_dir: Path
    quick: bool
    sizes: Sizes

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    def log(self, message: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_handler(
    spec: dict[str, Any], work_dir: Path, name: str, *, isolated: bool = True, timeout: float = 900
) -> dict[str, Any]:
    """Run handler_runner.py on `spec` in a fresh interpreter and return what it measured.

    isolated: `-I -S` (no venv site-packages, no environment variables such as PYTHONPATH):
    only the package directory and the standard library are importable.
    """
    spec_file = work_dir / f"{name}.spec.json"
    out_file = work_dir / f"{name}.out.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    # -P: never put this directory (bench modules) on the handler's sys.path.
    flags = ["-I", "-S", "-B"] if isolated else ["-P", "-B"]
    completed = subprocess.run(
        [sys.executable, *flags, str(RUNNER), str(spec_file), str(out_file)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{name}: handler runner failed ({completed.returncode}): {completed.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out_file.read_text(encoding="utf-8"))
    return result
