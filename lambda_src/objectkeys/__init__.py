"""The object key scheme shared by the upload API and the edge authorizer.

Keys look like ``uploads/<owner>/<32 hex chars><.ext>``. ``<owner>`` is the unpadded
base64url encoding of the user's ``sub``: it is safe in an S3 key and in a URL path
(``[A-Za-z0-9_-]`` only, nothing to percent-encode), and it is reversible, so both the
API's owner check and the edge's identity-provider rule can recover whose object it is
from the key alone. This module is copied into both Lambda packages; keep it
dependency-free.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass

# A `sub` longer than this is not a real identity provider's subject; it would also make
# keys approach S3's 1,024-byte limit.
MAX_SUB_BYTES = 255

_OWNER_RE = re.compile(r"[A-Za-z0-9_-]{1,340}")
_OBJECT_RE = re.compile(r"(?P<id>[0-9a-f]{32})(?P<ext>\.[a-z0-9]{1,5})")


class InvalidOwnerError(ValueError):
    """The subject cannot be encoded, or the segment is not an encoded subject."""


def encode_owner(sub: str) -> str:
    """The key segment for a user's `sub`."""
    raw = sub.encode("utf-8") if isinstance(sub, str) else b""
    if not raw or len(raw) > MAX_SUB_BYTES:
        raise InvalidOwnerError("sub must be 1..255 bytes of UTF-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_owner(segment: str) -> str:
    """The `sub` a key segment was made from; rejects anything encode_owner cannot produce."""
    if not isinstance(segment, str) or not _OWNER_RE.fullmatch(segment):
        raise InvalidOwnerError("not an owner segment")
    try:
        sub = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidOwnerError("not an owner segment") from exc
    # Canonical form only: one sub has exactly one segment, so string comparison is safe.
    if encode_owner(sub) != segment:
        raise InvalidOwnerError("not a canonical owner segment")
    return sub


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

    @property
    def sub(self) -> str:
        return decode_owner(self.owner)


def new_key(prefix: str, sub: str, extension: str) -> ObjectKey:
    """A fresh, unguessable key for `sub`; the caller never chooses any part of it."""
    if not _OBJECT_RE.fullmatch("0" * 32 + extension):
        raise ValueError("bad extension")
    return ObjectKey(prefix, encode_owner(sub), secrets.token_hex(16), extension)


def parse_key(key: object, prefix: str) -> ObjectKey | None:
    """The parts of `key` if it is exactly a key new_key could have made under `prefix`, else None."""
    if not isinstance(key, str) or not key.startswith(prefix) or len(key) > 1024:
        return None
    owner, sep, rest = key[len(prefix) :].partition("/")
    match = _OBJECT_RE.fullmatch(rest)
    if not sep or not match:
        return None
    try:
        decode_owner(owner)
    except InvalidOwnerError:
        return None
    return ObjectKey(prefix, owner, match["id"], match["ext"])
