"""A bounded in-container cache of verified tokens.

Viewer-request functions run on every image view, cache hits included, and a pure-Python
RSA verify costs ~150 µs. A page of thumbnails presents the same token many times to the
same warm container, so remembering "this exact token verified" removes most of that cost.
Entries are keyed by the whole token string and dropped once `exp` (plus leeway) passes;
the path rule is still checked on every request.
"""

from __future__ import annotations

from collections import OrderedDict

from edge_auth.verify import VerifiedToken


class VerifiedTokenCache:
    def __init__(self, max_entries: int = 512) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[str, VerifiedToken] = OrderedDict()

    def get(self, token: str, now: float, leeway: int) -> VerifiedToken | None:
        verified = self._entries.get(token)
        if verified is None:
            return None
        if now > verified.expires_at + leeway:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return verified

    def put(self, token: str, verified: VerifiedToken) -> None:
        self._entries[token] = verified
        self._entries.move_to_end(token)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
