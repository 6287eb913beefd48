"""Time from upload completion to `ready`, as the owner sees it: the status route polled at a
fixed interval from the moment the upload completed (the kit's waitUntilReady backs off; the
bench polls at one fine interval so that the resolution is known)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Fine enough to resolve tens of milliseconds; the report's labels quote it.
POLL_SECONDS = 0.025


@dataclass(frozen=True)
class Poll:
    sent: float  # clock() before the request
    answered: float  # clock() after the answer
    verification: str | None


@dataclass(frozen=True)
class Observation:
    """latency_ms: completion to the answer of the first poll that said `ready` (what a client
    waits). resolution_ms: the record became ready at most this long before that answer (after
    the previous poll was sent, or after completion for the first poll)."""

    latency_ms: float
    resolution_ms: float
    polls: int


class RejectedError(RuntimeError):
    """The verifier rejected a bench upload: the bench's content is wrong, not slow."""


class NotReadyError(RuntimeError):
    """Still not ready when the bench stopped waiting."""


def observe(completed: float, polls: Sequence[Poll]) -> Observation:
    for index, poll in enumerate(polls):
        if poll.verification == "ready":
            earliest = max(completed, polls[index - 1].sent) if index else completed
            return Observation((poll.answered - completed) * 1000, (poll.answered - earliest) * 1000, index + 1)
    raise ValueError("no poll said ready")


def poll_until_ready(
    status: Callable[[], Mapping[str, Any]],
    completed: float,
    *,
    interval: float,
    timeout: float,
    clock: Callable[[], float] = time.perf_counter,
    sleep: Callable[[float], None] = time.sleep,
) -> Observation:
    """Call `status` (the status route's body) every `interval` seconds after the previous
    answer until it says ready; RejectedError / NotReadyError otherwise."""
    polls: list[Poll] = []
    while True:
        sent = clock()
        body = status()
        answered = clock()
        verification = body.get("verification")
        polls.append(Poll(sent, answered, verification if isinstance(verification, str) else None))
        if verification == "ready":
            return observe(completed, polls)
        if verification == "rejected":
            raise RejectedError(f"rejected: {body.get('rejection_reason')}")
        if answered - completed >= timeout:
            raise NotReadyError(f"still {verification} after {timeout:g} s")
        sleep(interval)


def per_mb(sizes_bytes: Sequence[int], p50s_ms: Sequence[float]) -> float | None:
    """Marginal time per MB (10^6 bytes): between the smallest and the largest size, so that the
    fixed part of each invocation (record lookup, head, sniff, record update) cancels out."""
    if len(sizes_bytes) != len(p50s_ms) or len(sizes_bytes) < 2:
        return None
    points = sorted(zip(sizes_bytes, p50s_ms, strict=True))
    (small, small_ms), (large, large_ms) = points[0], points[-1]
    if large == small:
        return None
    return (large_ms - small_ms) / ((large - small) / 1e6)
