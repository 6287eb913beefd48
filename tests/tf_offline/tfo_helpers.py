"""Helpers: run the tool's CLI exactly as `make tf-validate` does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PLUGIN_STAMP = ROOT / "build" / "tf_offline" / "plugins" / ".installed"


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "harness"), "TF_PROVIDERS": "offline"}
    return subprocess.run(
        [sys.executable, "-m", "tf_offline", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def output(result: subprocess.CompletedProcess[str]) -> str:
    """Everything the run printed: Terraform writes its diagnostics to stderr."""
    return result.stdout + result.stderr
