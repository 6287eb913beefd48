"""JwksCache on a fake clock and a fake identity provider: how long keys are kept, when a
fetch happens again, and what each failure answers (the HTTP side is in test_jwks_url.py).
Each rule is checked on both sides of its boundary."""

from __future__ import annotations

import json

import pytest
from lambda_testkit import user_jwks

from upload_api.auth import (
    FAILURE_COOLDOWN_SECONDS,
    JWKS_CACHE_SECONDS,
    MAX_JWKS_BYTES,
    UNKNOWN_KID_COOLDOWN_SECONDS,
    JwksCache,
)
from upload_api.errors import ServiceUnavailableError, UnauthorizedError

JWKS = json.dumps(user_jwks()).encode()
UNAVAILABLE = "The identity provider's keys are unavailable."
UNUSABLE = "The identity provider's keys are unusable."


class Provider:
    """Answers each fetch with the next of `answers` (bytes, or an exception to raise)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.fetched = 0

    def __call__(self, url, timeout):
        self.fetched += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Remaining:
    def remaining(self):
        return 30.0


def cache_for(provider, clock):
    return JwksCache("https://idp.example.test/jwks", Remaining(), provider, clock)


def refused(cache, kid="user-rsa"):
    with pytest.raises((ServiceUnavailableError, UnauthorizedError)) as info:
        cache.key(kid)
    return info.value


def test_keys_are_kept_for_jwks_cache_seconds_then_fetched_again():
    provider, clock = Provider(JWKS), Clock()
    cache = cache_for(provider, clock)
    assert cache.key("user-rsa").key_id == "user-rsa"
    clock.now += JWKS_CACHE_SECONDS - 0.5
    cache.key("user-rsa")
    assert (provider.fetched, cache.fetches) == (1, 1)
    clock.now += 0.5  # exactly JWKS_CACHE_SECONDS after the fetch
    cache.key("user-rsa")
    assert (provider.fetched, cache.fetches) == (2, 2)


@pytest.mark.parametrize(
    ("answer", "message", "reason"),
    [
        (b"<html>", UNUSABLE, "jwks_invalid"),
        (JWKS + b" " * (MAX_JWKS_BYTES + 1 - len(JWKS)), UNUSABLE, "jwks_invalid"),
        (OSError("connection refused"), UNAVAILABLE, "jwks_unreachable"),
    ],
    ids=["not json", "one byte too large", "unreachable"],
)
def test_a_failed_fetch_is_a_503_with_its_reason_and_the_next_waits_for_the_cooldown(answer, message, reason):
    provider, clock = Provider(answer, JWKS), Clock()
    cache = cache_for(provider, clock)
    first = refused(cache)
    assert (type(first), first.message, first.reason) == (ServiceUnavailableError, message, reason)
    clock.now += FAILURE_COOLDOWN_SECONDS - 0.5
    second = refused(cache)
    assert (second.message, second.reason) == (UNAVAILABLE, "jwks_cooldown")
    assert provider.fetched == 1
    clock.now += 0.5  # the cooldown has passed: the provider answers again
    assert cache.key("user-rsa").key_id == "user-rsa"
    assert (provider.fetched, cache.fetches) == (2, 2)


def test_a_document_of_exactly_the_size_limit_is_accepted():
    provider = Provider(JWKS + b" " * (MAX_JWKS_BYTES - len(JWKS)))
    assert cache_for(provider, Clock()).key("user-rsa").key_id == "user-rsa"


def test_known_keys_keep_working_while_the_provider_is_down_without_refetching_in_the_cooldown():
    provider, clock = Provider(JWKS, OSError("down")), Clock()
    cache = cache_for(provider, clock)
    key = cache.key("user-rsa")
    clock.now += JWKS_CACHE_SECONDS  # stale: refetched, the fetch fails, the known key answers
    assert cache.key("user-rsa") is key
    assert provider.fetched == 2
    clock.now += FAILURE_COOLDOWN_SECONDS - 0.5  # in the cooldown: no fetch, still the known key
    assert cache.key("user-rsa") is key
    assert provider.fetched == 2
    unknown = refused(cache, "never-published")  # a kid the provider never published
    assert (unknown.message, unknown.reason) == (UNAVAILABLE, "jwks_cooldown")


def test_an_unknown_kid_refetches_at_most_once_per_cooldown():
    provider, clock = Provider(JWKS), Clock()
    cache = cache_for(provider, clock)
    cache.key("user-rsa")
    clock.now += UNKNOWN_KID_COOLDOWN_SECONDS - 0.5
    unknown = refused(cache, "rotated-in")
    assert (type(unknown), unknown.message) == (UnauthorizedError, "Unknown signing key.")
    assert provider.fetched == 1
    clock.now += 0.5  # the cooldown has passed: one refetch, and the kid is still unknown
    again = refused(cache, "rotated-in")
    assert (type(again), again.message) == (UnauthorizedError, "Unknown signing key.")
    assert provider.fetched == 2
