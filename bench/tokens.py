"""Keys and tokens for the bench: an RS256 key pair (harness/devkeys.py), tokens signed with PyJWT +
cryptography in the bench process (never inside a timed handler)."""

from __future__ import annotations

import time
from typing import Any

from devkeys import SigningKey

__all__ = ["SigningKey", "download_claims"]


def download_claims(issuer: str, audience: str, sub: str, path: str, ttl: int = 900, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": issuer, "aud": audience, "sub": sub, "iat": now, "exp": now + ttl, "path": path, **extra}
