"""The edge package as Terraform deploys it: the built zip with its configuration baked in by the
edge_auth module's own bake_package.py (what `terraform apply` runs), for the local stack, the
bench and the tests. Nothing here re-implements the bake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BAKE_SCRIPT = ROOT / "terraform" / "modules" / "edge_auth" / "bake_package.py"
BUILT_PACKAGE = ROOT / "build" / "lambda" / "edge_auth.zip"


class BakeFailed(RuntimeError):
    """bake_package.py refused; the message is its own."""


def bake(config: dict[str, Any], out: Path, package: Path = BUILT_PACKAGE) -> Path:
    """Write `out`: `package` with `config` as edge_auth/config.json, exactly as apply bakes it."""
    env = {**os.environ, "EDGE_AUTH_CONFIG": json.dumps(config)}
    result = subprocess.run(
        [sys.executable, str(BAKE_SCRIPT), "--package", str(package), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    if result.returncode != 0:
        raise BakeFailed(result.stderr.strip() or result.stdout.strip())
    return out
