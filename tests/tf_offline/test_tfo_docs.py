"""The README input/output tables match the .tf files (harness/tf_offline/docs.py)."""

import subprocess

from tfo_helpers import ROOT

CHECKOV_PYTHON = ROOT / "build" / "tools" / "checkov" / "bin" / "python"
DOCS = ROOT / "harness" / "tf_offline" / "docs.py"


def _check() -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECKOV_PYTHON), str(DOCS), "--check"], capture_output=True, text=True, cwd=ROOT)


def test_readme_tables_are_up_to_date() -> None:
    result = _check()
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_stale_table_is_detected() -> None:
    readme = ROOT / "terraform" / "modules" / "storage" / "README.md"
    original = readme.read_text()
    try:
        readme.write_text(original.replace("| `bucket_name` |", "| `bucket_nam` |", 1))
        result = _check()
    finally:
        readme.write_text(original)
    assert result.returncode == 1
    assert "terraform/modules/storage/README.md" in result.stdout
