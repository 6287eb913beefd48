"""The checksum POST /uploads takes: base64 of the file's SHA-256 digest."""

from __future__ import annotations

import base64
import hashlib


def b64sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
