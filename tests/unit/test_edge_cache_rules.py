"""edge_auth.cache on its own: verified tokens are remembered until exp plus leeway, the
least recently used goes first, and only grants of exactly one URI under one prefix are
remembered per token."""

from __future__ import annotations

from edge_auth.cache import MAX_GRANTED_URIS, CachedToken, VerifiedTokenCache
from edge_auth.verify import VerifiedToken

EXP = 1000


def verified(sub: str = "alice") -> VerifiedToken:
    return VerifiedToken(None, {"sub": sub, "exp": EXP})  # type: ignore[arg-type]


def test_a_put_token_is_found_with_its_verified_claims():
    cache = VerifiedTokenCache()
    token = verified()
    entry = cache.put("t", token)
    assert entry.verified is token
    assert cache.entry("t", EXP, 0) is entry
    assert cache.get("t", EXP, 0) is token
    assert cache.get("other", EXP, 0) is None
    assert cache.entry("other", EXP, 0) is None


def test_an_entry_lives_until_exp_plus_leeway_then_is_dropped():
    cache = VerifiedTokenCache()
    cache.put("t", verified())
    assert cache.get("t", EXP + 30, 30) is not None  # exactly at the end of the leeway
    assert cache.get("t", EXP + 1, 30) is not None
    assert len(cache) == 1
    assert cache.get("t", EXP + 31, 30) is None
    assert len(cache) == 0
    cache.put("t", verified())
    assert cache.entry("t", EXP + 1, 0) is None
    assert len(cache) == 0


def test_putting_a_token_again_replaces_its_entry():
    cache = VerifiedTokenCache()
    first = cache.put("t", verified("alice"))
    first.remember_grant("/a", "uploads/")
    second = cache.put("t", verified("bob"))
    assert len(cache) == 1
    assert cache.entry("t", 0, 0) is second
    assert not second.granted("/a", "uploads/")


def test_the_default_cache_holds_512_tokens():
    cache = VerifiedTokenCache()
    for i in range(600):
        cache.put(f"t{i}", verified())
    assert len(cache) == 512
    assert cache.get("t87", 0, 0) is None
    assert cache.get("t88", 0, 0) is not None


def test_the_least_recently_used_token_goes_first():
    cache = VerifiedTokenCache(max_entries=3)
    for name in ("a", "b", "c"):
        cache.put(name, verified(name))
    assert len(cache) == 3
    assert cache.get("a", 0, 0) is not None  # "a" is now the most recently used
    cache.put("d", verified("d"))
    assert len(cache) == 3
    assert cache.get("b", 0, 0) is None
    assert [cache.get(name, 0, 0).claims["sub"] for name in ("a", "c", "d")] == ["a", "c", "d"]
    cache.put("c", verified("c2"))  # a put refreshes too
    cache.put("e", verified("e"))
    assert cache.get("a", 0, 0) is None
    assert cache.get("c", 0, 0).claims["sub"] == "c2"


def test_a_granted_uri_is_granted_again_only_under_the_same_prefix():
    cached = CachedToken(verified())
    assert not cached.granted("/a", "uploads/")
    cached.remember_grant("/a", "uploads/")
    assert cached.granted("/a", "uploads/")
    assert not cached.granted("/b", "uploads/")
    assert not cached.granted("/a", "private/")
    assert not cached.granted("/a", "")


def test_a_new_prefix_forgets_the_grants_of_the_old_one():
    cached = CachedToken(verified())
    cached.remember_grant("/a", "uploads/")
    cached.remember_grant("/b", "private/")
    assert cached.granted("/b", "private/")
    assert not cached.granted("/a", "private/")
    assert not cached.granted("/a", "uploads/")
    cached.remember_grant("/c", "private/")
    assert cached.granted("/b", "private/") and cached.granted("/c", "private/")


def test_at_most_max_granted_uris_are_remembered_per_token():
    cached = CachedToken(verified())
    uris = [f"/u/{i}" for i in range(MAX_GRANTED_URIS + 1)]
    for uri in uris:
        cached.remember_grant(uri, "uploads/")
    assert [cached.granted(uri, "uploads/") for uri in uris] == [True] * MAX_GRANTED_URIS + [False]
