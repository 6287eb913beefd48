"""`data "archive_file"` done for real: the stand-in writes the zip and reports its size and
digests, so that plans see the true package (our edge package has a size precondition)."""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import os
import zipfile
from pathlib import Path
from typing import Any

# A fixed timestamp keeps the archive byte-identical for identical inputs (no perpetual diff).
_EPOCH = (1980, 1, 1, 0, 0, 0)


def _entries(config: dict[str, Any]) -> list[tuple[str, bytes, int]]:
    """(name in archive, content, unix mode) for every source the config names."""
    out: list[tuple[str, bytes, int]] = []
    if config.get("source_content_filename") is not None:
        content = (config.get("source_content") or "").encode()
        out.append((config["source_content_filename"], content, 0o644))
    if config.get("source_file"):
        path = Path(config["source_file"])
        out.append((path.name, path.read_bytes(), path.stat().st_mode & 0o777))
    if config.get("source_dir"):
        out += _dir_entries(Path(config["source_dir"]), config)
    for source in config.get("source") or []:
        out.append((source["filename"], (source.get("content") or "").encode(), 0o644))
    return out


def _dir_entries(root: Path, config: dict[str, Any]) -> list[tuple[str, bytes, int]]:
    excludes = list(config.get("excludes") or [])
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=not config.get("exclude_symlink_directories")):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if any(fnmatch.fnmatch(rel, pattern) or rel == pattern for pattern in excludes):
                continue
            out.append((rel, path.read_bytes(), path.stat().st_mode & 0o777))
    return out


def build(config: dict[str, Any]) -> dict[str, Any]:
    """Write config['output_path'] and return the computed attributes of archive_file."""
    if config.get("type") != "zip":
        raise ValueError(f"the stand-in archive provider only writes zip archives, not {config.get('type')!r}")
    entries = sorted(_entries(config), key=lambda e: e[0])
    if not entries:
        raise ValueError("archive_file has no source")
    forced_mode = config.get("output_file_mode")
    output = Path(config["output_path"])
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content, mode in entries:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (int(forced_mode, 8) if forced_mode else mode) << 16
            zf.writestr(info, content)
    data = output.read_bytes()
    sha1 = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    sha256 = hashlib.sha256(data).digest()
    sha512 = hashlib.sha512(data).digest()
    return {
        "id": sha1,
        "output_size": len(data),
        "output_sha": sha1,
        "output_sha256": sha256.hex(),
        "output_base64sha256": base64.b64encode(sha256).decode(),
        "output_sha512": sha512.hex(),
        "output_base64sha512": base64.b64encode(sha512).decode(),
        "output_md5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
    }
