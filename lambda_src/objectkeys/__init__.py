"""The object key scheme shared by the upload API and the edge authorizer.

Keys look like ``uploads/<owner>/<32 hex chars><.ext>``. ``<owner>`` is a keyed pseudonym of
the user's ``sub``: the first 128 bits of HMAC-SHA256(owner key, sub), unpadded base64url
(22 characters of ``[A-Za-z0-9_-]``, nothing to percent-encode in a key or a URL). Without the
owner key (a per-deployment secret) a segment reveals nothing about the `sub`, not even its
length, and no one can tell whether a guessed `sub` (an email address) made it; with the key,
the same `sub` always gives the same segment, so the API's owner check and the edge's
identity-provider rule compare the segment of the caller's `sub` with the key's. Previous
owner keys (after a rotation) are still accepted when checking ownership, never used for new
keys. This module is copied into both Lambda packages; keep it dependency-free.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

# A `sub` longer than this is not a real identity provider's subject (the API refuses such tokens).
MAX_SUB_BYTES = 255
# 256 bits, SHA-256's own strength; both parsers and Terraform refuse shorter secrets.
MIN_OWNER_KEY_BYTES = 32
SEGMENT_BYTES = 16  # 128 bits: collisions between owners stay negligible (birthday bound 2**64)

# 22 characters encode 132 bits; the last one carries only 2 of the digest, so canonical
# segments end in one of the four characters whose low 4 bits are zero.
_OWNER_RE = re.compile(r"[A-Za-z0-9_-]{21}[AQgw]")
_OBJECT_RE = re.compile(r"(?P<id>[0-9a-f]{32})(?P<ext>\.[a-z0-9]{1,5})")
_BASE64_RE = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


class InvalidOwnerError(ValueError):
    """The subject cannot be made into an owner segment."""


class InvalidOwnerKeyError(ValueError):
    """An owner key is not base64 of at least MIN_OWNER_KEY_BYTES bytes."""


def parse_owner_key(text: object, name: str) -> bytes:
    """The secret bytes of a padded standard-base64 owner key (as Terraform's random_bytes.base64)."""
    if not isinstance(text, str) or not _BASE64_RE.fullmatch(text):
        raise InvalidOwnerKeyError(f"{name} must be standard base64 (with padding)")
    secret = base64.b64decode(text)  # the pattern admits valid base64 only
    if len(secret) < MIN_OWNER_KEY_BYTES:
        raise InvalidOwnerKeyError(f"{name} must be at least {MIN_OWNER_KEY_BYTES} bytes (base64 of 32 random bytes)")
    return secret


@dataclass(frozen=True)
class OwnerKeys:
    """The deployment's owner key (new keys) and the previous ones (ownership checks only)."""

    current: bytes = field(repr=False)
    previous: tuple[bytes, ...] = field(default=(), repr=False)

    def segment(self, sub: str) -> str:
        """The key segment of `sub` under the current owner key."""
        return _segment(self.current, sub)

    def owns(self, segment: str, sub: str) -> bool:
        """Whether `segment` is `sub`'s under the current or a previous owner key."""
        return any(segment == _segment(key, sub) for key in (self.current, *self.previous))


def _segment(key: bytes, sub: str) -> str:
    raw = sub.encode("utf-8") if isinstance(sub, str) else b""
    if not raw or len(raw) > MAX_SUB_BYTES:
        raise InvalidOwnerError("sub must be 1..255 bytes of UTF-8")
    digest = hmac.new(key, raw, hashlib.sha256).digest()[:SEGMENT_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class ObjectKey:
    """A parsed upload key."""

    prefix: str
    owner: str
    object_id: str
    extension: str

    @property
    def key(self) -> str:
        return f"{self.prefix}{self.owner}/{self.object_id}{self.extension}"

    @property
    def path(self) -> str:
        """The CDN path that serves this key (the `path` claim of a download token)."""
        return "/" + self.key


def new_key(prefix: str, sub: str, extension: str, *, owner_keys: OwnerKeys) -> ObjectKey:
    """A fresh, unguessable key for `sub`; the caller never chooses any part of it."""
    if not _OBJECT_RE.fullmatch("0" * 32 + extension):
        raise ValueError("bad extension")
    return ObjectKey(prefix, owner_keys.segment(sub), secrets.token_hex(16), extension)


def parse_key(key: object, prefix: str) -> ObjectKey | None:
    """The parts of `key` if it is exactly a key new_key could have made under `prefix`, else None."""
    if not isinstance(key, str) or not key.startswith(prefix) or len(key) > 1024:
        return None
    owner, sep, rest = key[len(prefix) :].partition("/")
    match = _OBJECT_RE.fullmatch(rest)
    if not sep or not match or not _OWNER_RE.fullmatch(owner):
        return None
    return ObjectKey(prefix, owner, match["id"], match["ext"])
