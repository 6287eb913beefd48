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

# Active content: types a browser renders as a document that can run script or load
# resources in the serving origin (HTML, XHTML, SVG, any XML, JavaScript, Flash). Served from
# a CDN hostname that is same-site with the app, an upload of one of them is stored XSS.
# They need the explicit opt-in ALLOW_ACTIVE_CONTENT=true (Terraform: allow_active_content).
# The classification is by the type's shape, not by the list above, so that a type added to
# EXTENSIONS later cannot slip past it. terraform/modules/upload_api/variables.tf holds the
# same pattern (RE2 and Python agree on it; tests/unit/test_media_types.py compares them).
ACTIVE_CONTENT_PATTERN = (
    r"(?i)^\s*[^/;\s]+/(html|xml|[^/;\s]*\+xml|xml-[^/;\s]*|[^/;\s]*script[^/;\s]*|x-shockwave-flash)\s*(;.*)?$"
)
_ACTIVE_RE = re.compile(ACTIVE_CONTENT_PATTERN)


def is_active(content_type: str) -> bool:
    """Whether a browser may run script from a response of this type (see ACTIVE_CONTENT_PATTERN)."""
    return _ACTIVE_RE.match(content_type) is not None


def extension_for(content_type: str, filename: str | None) -> str:
    """The key's extension: the filename's, if it is a known spelling for the content type,
    else the canonical one. Nothing else from the filename ever reaches the key."""
    known = EXTENSIONS[content_type]
    match = _SUFFIX_RE.search(filename or "")
    suffix = match.group(0).lower() if match else ""
    return suffix if suffix in known else known[0]
