"""SHA-256 checksums as S3 spells them: standard base64 of the 32-byte digest."""

from __future__ import annotations

import base64
import re

from upload_api.errors import InvalidChecksumError

SHA256_BYTES = 32
# 32 bytes are 44 base64 characters, the last one padding.
_B64_44_RE = re.compile(r"[A-Za-z0-9+/]{43}=")


def parse_sha256(value: object, field: str = "sha256") -> str:
    """`value` if it is the canonical base64 of exactly 32 bytes, else 400 invalid_checksum.
    Canonical: the unused low bits of the last character are zero, so one digest has one
    spelling (S3 compares the header with its own encoding)."""
    if not isinstance(value, str) or not _B64_44_RE.fullmatch(value):
        raise InvalidChecksumError(f"{field} must be the base64 of a SHA-256 digest (32 bytes, 44 characters).")
    if base64.b64encode(base64.b64decode(value)).decode("ascii") != value:
        raise InvalidChecksumError(f"{field} is not canonical base64.")
    return value
