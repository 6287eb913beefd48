"""The issue's acceptance check on the real tree, in a scratch copy: one bogus argument on an
aws_s3_bucket makes the whole validation fail with Terraform's "Unsupported argument"."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from tfo_helpers import ROOT, run_tool
from tfo_helpers import output as _output

_BUCKET = re.compile(r'^(resource "aws_s3_bucket" "[^"]+" \{\n)', re.M)


def _tree_with_a_bucket() -> tuple[Path, str] | None:
    for tf in sorted((ROOT / "terraform").rglob("*.tf")):
        if ".terraform" not in tf.parts and _BUCKET.search(tf.read_text()):
            return tf, tf.read_text()
    return None


def test_bogus_argument_on_a_bucket_fails_tf_validate(stand_ins: Path, tmp_path: Path) -> None:
    found = _tree_with_a_bucket()
    if found is None:
        pytest.skip("terraform/ has no aws_s3_bucket yet")
    source, text = found
    tree = tmp_path / "terraform"
    shutil.copytree(ROOT / "terraform", tree, ignore=shutil.ignore_patterns(".terraform"))
    target = tree / source.relative_to(ROOT / "terraform")
    target.write_text(_BUCKET.sub(r"\1  bogus_argument = 1\n", text, count=1))
    result = run_tool("validate", str(tree))
    assert result.returncode == 1
    assert "Error: Unsupported argument" in _output(result), _output(result)[-3000:]
    assert 'An argument named "bogus_argument" is not expected here.' in _output(result)
