"""A bounded in-container cache of verified tokens.

Viewer-request functions run on every image view, cache hits included. A page of thumbnails
presents the same token many times to the same warm container, so remembering "this exact
token verified" removes the signature check and the token parsing from every request but
the first. Entries are keyed by the whole token string and dropped once `exp` (plus leeway)
passes.

Each entry also remembers the request URIs (exactly as CloudFront sent them) that the path
rule already granted this token under the configured uploads prefix: the rule is a pure
function of (URI, claims, prefix), so the same URI again needs no second evaluation. Only
grants are remembered, never refusals, and at most MAX_GRANTED_URIS per token; any other
URI goes through the full path rule.
"""

from __future__ import annotations

from collections import OrderedDict

from edge_auth.verify import VerifiedToken

MAX_GRANTED_URIS = 32


class CachedToken:
    __slots__ = ("_granted", "_prefix", "verified")

    def __init__(self, verified: VerifiedToken) -> None:
        self.verified = verified
        self._prefix: str | None = None
        self._granted: set[str] = set()

    def granted(self, uri: str, prefix: str) -> bool:
        """True when the path rule already granted exactly this URI under `prefix`."""
        return prefix == self._prefix and uri in self._granted

    def remember_grant(self, uri: str, prefix: str) -> None:
        if prefix != self._prefix:
            self._prefix, self._granted = prefix, set()
        if len(self._granted) < MAX_GRANTED_URIS:
            self._granted.add(uri)


class VerifiedTokenCache:
    def __init__(self, max_entries: int = 512) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[str, CachedToken] = OrderedDict()

    def entry(self, token: str, now: float, leeway: int) -> CachedToken | None:
        cached = self._entries.get(token)
        if cached is None:
            return None
        if now > cached.verified.expires_at + leeway:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return cached

    def get(self, token: str, now: float, leeway: int) -> VerifiedToken | None:
        cached = self.entry(token, now, leeway)
        return None if cached is None else cached.verified

    def put(self, token: str, verified: VerifiedToken) -> CachedToken:
        cached = self._entries[token] = CachedToken(verified)
        self._entries.move_to_end(token)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return cached

    def __len__(self) -> int:
        return len(self._entries)
