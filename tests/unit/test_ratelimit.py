"""The rate limit holds over ANY window of the configured length, not epoch-aligned windows."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lambda_testkit import TABLE

from upload_api.errors import RateLimitedError
from upload_api.ratelimit import RateLimiter

LIMIT, WINDOW = 3, 60


def _accepted(limiter: RateLimiter, sub: str, times: list[float]) -> list[float]:
    accepted = []
    for now in times:
        try:
            limiter.hit("uploads", sub, now)
        except RateLimitedError:
            continue
        accepted.append(now)
    return accepted


def test_a_burst_across_an_epoch_aligned_boundary_is_refused(aws):
    """3 at 59 s and 3 at 61 s pass a fixed window aligned to the epoch: 6 in 2 s."""
    limiter = RateLimiter(aws.dynamodb, TABLE, LIMIT, WINDOW)
    base = 1_800_000_000 // WINDOW * WINDOW
    accepted = _accepted(limiter, "boundary", [base + 59.0] * 3 + [base + 61.0] * 3)
    assert accepted == [base + 59.0] * 3


def test_the_allowance_returns_after_the_window_and_retry_after_says_when(aws):
    """Positive control: the limit is not a ban; Retry-After points to when one passes again."""
    limiter = RateLimiter(aws.dynamodb, TABLE, LIMIT, WINDOW)
    start = 1_800_000_030.0
    assert _accepted(limiter, "control", [start] * 3) == [start] * 3
    with pytest.raises(RateLimitedError) as refused:
        limiter.hit("uploads", "control", start + 1)
    retry_at = start + 1 + refused.value.retry_after
    assert retry_at <= start + WINDOW + limiter.bucket_seconds
    assert _accepted(limiter, "control", [retry_at]) == [retry_at]


@given(gaps=st.lists(st.floats(min_value=0, max_value=40, allow_nan=False), min_size=1, max_size=25))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_interval_of_the_window_length_holds_more_than_the_limit(aws, gaps):
    limiter = RateLimiter(aws.dynamodb, TABLE, LIMIT, WINDOW)
    sub = f"prop-{id(gaps)}-{len(gaps)}-{sum(gaps)}"
    times, now = [], 1_800_000_000.0
    for gap in gaps:
        now += gap
        times.append(now)
    accepted = _accepted(limiter, sub, times)
    for i, first in enumerate(accepted):
        assert sum(1 for t in accepted[i:] if t < first + WINDOW) <= LIMIT


# -- found by mutation testing (make mutation) --------------------------------------------


def _item(aws, sub: str) -> dict:
    return aws.dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": f"uploads#{sub}"}})["Item"]


def test_buckets_left_over_from_before_a_long_idle_gap_are_removed(aws):
    limiter = RateLimiter(aws.dynamodb, TABLE, LIMIT, WINDOW)
    length, m = limiter.bucket_seconds, limiter.lookback
    start = 1_800_000_000.0
    limiter.hit("uploads", "idle", start)
    old = f"b{int(start) // length}"
    # Within the REMOVE range of the next request's update, the old bucket goes with it (control).
    soon = start + (m + 1) * length
    limiter.hit("uploads", "idle", soon)
    assert old not in _item(aws, "idle")
    # Beyond it (more than 2m + 1 buckets later) only the follow-up clean-up removes it.
    limiter.hit("uploads", "idle", soon + 1)
    older = f"b{int(soon) // length}"
    later = soon + (2 * m + 3) * length
    limiter.hit("uploads", "idle", later)
    item = _item(aws, "idle")
    assert older not in item
    assert item[f"b{int(later) // length}"] == {"N": "1"}


def test_buckets_left_over_from_before_a_long_idle_gap_are_all_removed(aws):
    """Two old buckets, so the clean-up's REMOVE lists more than one attribute."""
    limiter = RateLimiter(aws.dynamodb, TABLE, LIMIT, WINDOW)
    length, m = limiter.bucket_seconds, limiter.lookback
    first = 1_800_000_000 // length
    limiter.hit("uploads", "gap2", first * length + 1.0)
    limiter.hit("uploads", "gap2", (first + 1) * length + 1.0)
    later = (first + 1 + 2 * m + 3) * length + 1.0
    limiter.hit("uploads", "gap2", later)
    item = _item(aws, "gap2")
    assert f"b{first}" not in item
    assert f"b{first + 1}" not in item
    assert item[f"b{int(later) // length}"] == {"N": "1"}


def _refused(limiter: RateLimiter, sub: str, hits: list[float], last: float) -> int:
    """Retry-After of the request at `last`, after `hits` (all of which must pass)."""
    assert _accepted(limiter, sub, hits) == hits
    with pytest.raises(RateLimitedError) as refused:
        limiter.hit("uploads", sub, last)
    return refused.value.retry_after


def test_retry_after_is_the_second_left_until_the_oldest_bucket_leaves_the_window(aws):
    """2 requests in the oldest bucket of the range, 1 + 1 refused in the current one, 0.5 s
    before the next bucket: from then on only the current bucket's 2 count, so 1 more passes."""
    limiter = RateLimiter(aws.dynamodb, TABLE, LIMIT, WINDOW)
    length, m = limiter.bucket_seconds, limiter.lookback
    current = 1_800_000_000 // length
    oldest = (current - m) * length + 1.0
    last = (current + 1) * length - 0.5
    assert _refused(limiter, "soon", [oldest, oldest, current * length + 1.0], last) == 1
    assert _accepted(limiter, "soon", [last + 1]) == [last + 1]


def test_retry_after_waits_until_the_last_bucket_before_the_current_one_has_left(aws):
    """The excess is in the bucket just before the current one: it leaves the window m buckets on."""
    limiter = RateLimiter(aws.dynamodb, TABLE, LIMIT, WINDOW)
    length, m = limiter.bucket_seconds, limiter.lookback
    current = 1_800_000_000 // length
    previous = (current - 1) * length + 1.0
    now = current * length + 2.5
    retry_after = _refused(limiter, "late", [previous, previous, now], now)
    assert retry_after == math.ceil((current + m) * length - now)
    assert _accepted(limiter, "late", [now + retry_after]) == [now + retry_after]


def test_retry_after_waits_a_whole_range_when_the_current_bucket_alone_is_full(aws):
    limiter = RateLimiter(aws.dynamodb, TABLE, LIMIT, WINDOW)
    length, m = limiter.bucket_seconds, limiter.lookback
    current = 1_800_000_000 // length
    now = current * length + 2.5
    retry_after = _refused(limiter, "full", [now] * LIMIT, now)
    assert retry_after == math.ceil((current + m + 1) * length - now)
    assert _accepted(limiter, "full", [now + retry_after]) == [now + retry_after]
