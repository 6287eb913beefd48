"""The one canonical form of a request URI that a token's `path` claim is compared with."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

MAX_URI_LENGTH = 2048
# After decoding: a "%" left (double encoding), a backslash, NUL or another control character.
_UNSAFE = re.compile(r"[%\\\x00-\x1f\x7f]")


def normalise_uri(uri: object) -> str | None:
    """The URI percent-decoded exactly once, or None when it is not a plain, safe path.

    Rejected: anything but an absolute path; invalid UTF-8 after decoding; a `%` left after
    decoding (double encoding such as %252e%252e); NUL or other control characters;
    backslashes; empty, `.` or `..` segments. S3 decodes the URI once too, so what is
    compared here is the object CloudFront will fetch.
    """
    if not isinstance(uri, str) or not uri.startswith("/") or len(uri) > MAX_URI_LENGTH:
        return None
    try:
        decoded = unquote_to_bytes(uri).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _UNSAFE.search(decoded):
        return None
    segments = decoded[1:].split("/")
    if "" in segments or "." in segments or ".." in segments:
        return None
    return decoded
