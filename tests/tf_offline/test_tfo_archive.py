"""archive_file as the stand-in builds it: the real zip, deterministic, with true digests."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import pytest

from tf_offline import archive


def _config(tmp_path: Path, **extra: object) -> dict[str, object]:
    return {"type": "zip", "output_path": str(tmp_path / "out" / "a.zip"), **extra}


def test_sources_are_zipped_and_digests_describe_the_file(tmp_path: Path) -> None:
    config = _config(tmp_path, source=[{"content": "b", "filename": "pkg/b.py"}, {"content": "a", "filename": "a.txt"}])
    computed = archive.build(config)
    data = (tmp_path / "out" / "a.zip").read_bytes()
    assert computed["output_size"] == len(data)
    assert computed["output_base64sha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert computed["output_md5"] == hashlib.md5(data).hexdigest()
    with zipfile.ZipFile(tmp_path / "out" / "a.zip") as zf:
        assert zf.namelist() == ["a.txt", "pkg/b.py"]
        assert zf.read("pkg/b.py") == b"b"


def test_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    config = _config(tmp_path, source_content="x", source_content_filename="x.txt")
    first = archive.build(config)["output_sha256"]
    assert archive.build(config)["output_sha256"] == first
    changed = archive.build({**config, "source_content": "y"})["output_sha256"]
    assert changed != first


def test_source_dir_honours_excludes(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "keep.py").write_text("k")
    (src / "pkg" / "drop.pyc").write_text("d")
    archive.build(_config(tmp_path, source_dir=str(src), excludes=["**/*.pyc", "pkg/*.pyc"]))
    with zipfile.ZipFile(tmp_path / "out" / "a.zip") as zf:
        assert zf.namelist() == ["pkg/keep.py"]


def test_other_archive_types_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="only writes zip"):
        archive.build(_config(tmp_path, type="tar.gz", source_content="x", source_content_filename="x"))
