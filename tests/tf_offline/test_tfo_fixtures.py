"""Each broken fixture must fail `python -m tf_offline validate` (what `make tf-validate` runs)
with Terraform core's own diagnostic; the valid one must pass, tests and plan included."""

from __future__ import annotations

import json
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from tfo_helpers import FIXTURES, ROOT, run_tool
from tfo_helpers import output as _output

BROKEN = {
    "unknown_argument": ["Error: Unsupported argument", 'An argument named "bogus_argument" is not expected here.'],
    "unknown_nested_block": ["Error: Unsupported block type", 'Blocks of type "bogus_block" are not expected here.'],
    "wrong_attribute_type": ["Error: Incorrect attribute value type", 'Inappropriate value for attribute "tags"'],
    "missing_required_argument": ["Error: Missing required argument", '"assume_role_policy" is required'],
    "undeclared_attribute_reference": ["Error: Unsupported attribute", 'exported attribute named\n"bucket_arn"'],
    "unknown_resource_type": ["Error: Invalid resource type", 'does not support resource type "aws_s3_bukket"'],
}


@pytest.fixture(scope="module")
def broken_runs(stand_ins: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every broken fixture validated, two at a time (each run mostly waits on process start-up)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda name: run_tool("validate", str(FIXTURES / name)), sorted(BROKEN))
        return dict(zip(sorted(BROKEN), results, strict=True))


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_fixture_fails_with_terraforms_diagnostic(
    broken_runs: dict[str, subprocess.CompletedProcess[str]], name: str
) -> None:
    result = broken_runs[name]
    assert result.returncode == 1, result.stdout + result.stderr
    for expected in BROKEN[name]:
        assert expected in _output(result), result.stdout + result.stderr
    assert "FAILED at validate" in _output(result)


def test_valid_fixture_passes_validate_and_its_mocked_test(stand_ins: Path) -> None:
    result = run_tool("validate", str(FIXTURES / "valid"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success! The configuration is valid." in _output(result)
    assert 'run "bucket_is_named_from_the_variable"... pass' in _output(result)
    # The child module declares configuration_aliases and is validated on its own too.
    assert "terraform/modules/site" in _output(result)


def test_fmt_violation_fails_but_does_not_hide_the_other_checks(stand_ins: Path, tmp_path: Path) -> None:
    tree = tmp_path / "unformatted"
    tree.mkdir()
    header = (FIXTURES / "unknown_resource_type" / "main.tf").read_text().split("# A resource type", 1)[0]
    (tree / "main.tf").write_text(header + 'resource "aws_s3_bucket" "b" {\n  bucket     =    "x"\n}\n')
    result = run_tool("validate", str(tree))
    assert result.returncode == 1
    summary = _output(result).split("\ntf-validate (", 1)[1]
    assert any(line.split()[:3] == ["terraform", "fmt", "-check"] and "FAILED" in line for line in summary.splitlines())
    assert "Success! The configuration is valid." in _output(result)


def test_plan_json_marks_computed_unknown_and_builds_the_real_zip(stand_ins: Path) -> None:
    result = run_tool("plan-json", "local", str(FIXTURES / "valid"))
    assert result.returncode == 0, result.stdout + result.stderr
    plan_path = ROOT / _output(result).split("tf-plan-json: wrote ", 1)[1].split("\n", 1)[0]
    plan = json.loads(plan_path.read_text())
    bucket = next(r for r in plan["resource_changes"] if r["address"] == "module.fixture.aws_s3_bucket.uploads")
    assert bucket["change"]["actions"] == ["create"]
    assert bucket["change"]["after"]["bucket"] == "tf-offline-fixture"
    assert bucket["change"]["after_unknown"]["arn"] is True
    outputs = plan["planned_values"]["outputs"]
    assert outputs["account_id"]["value"] == "000000000000"
    archive = plan_path.parent / ".build" / "package.zip"
    assert outputs["package_size"]["value"] == archive.stat().st_size
    with zipfile.ZipFile(archive) as zf:
        assert zf.read("pkg/handler.py") == b"print('hello')\n"


def test_a_tree_without_terraform_is_skipped_green(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_tool("validate", str(tmp_path / "empty"))
    assert result.returncode == 0
    assert "SKIPPED everything" in result.stdout
