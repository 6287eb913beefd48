"""Content types the API can accept, and the file extension each one gets in its key."""

from __future__ import annotations

import re

# Canonical extension first; the others are accepted spellings from a client's filename.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/avif": (".avif",),
    "image/heic": (".heic",),
    "image/svg+xml": (".svg",),
    "application/pdf": (".pdf",),
    "video/mp4": (".mp4",),
    "text/plain": (".txt",),
}
_SUFFIX_RE = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def extension_for(content_type: str, filename: str | None) -> str:
    """The key's extension: the filename's, if it is a known spelling for the content type,
    else the canonical one. Nothing else from the filename ever reaches the key."""
    known = EXTENSIONS[content_type]
    match = _SUFFIX_RE.search(filename or "")
    suffix = match.group(0).lower() if match else ""
    return suffix if suffix in known else known[0]
