"""The time an invocation has left, and AWS clients whose retries stay inside it.

botocore's defaults (3 attempts, 60 s connect and read timeouts) outlast the function's
timeout, so a hanging DynamoDB or KMS would kill the invocation and API Gateway would answer
502. Here every attempt is bounded (CONNECT + READ seconds) and, before each attempt is sent,
a `before-send` hook checks that the attempt can finish inside the invocation's remaining
time (less a margin for answering); if not, the call fails with DeadlineExceededError,
which the callers turn into the documented 503."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from botocore.config import Config as BotoConfig

from upload_api import clients

CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 2.0
MAX_ATTEMPTS = 3
# Left for logging and answering after the last attempt gave up.
ANSWER_MARGIN_SECONDS = 1.0
ATTEMPT_SECONDS = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS


class DeadlineExceededError(Exception):
    """Not enough of the invocation is left for another attempt."""


class RemainingTime(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


class Deadline:
    """When the current invocation must have answered (monotonic clock); one per container,
    re-armed by the handler at the start of every invocation."""

    def __init__(self) -> None:
        self._at = float("inf")

    def start(self, context: RemainingTime | None) -> None:
        remaining_ms = context.get_remaining_time_in_millis() if context is not None else None
        self._at = time.monotonic() + remaining_ms / 1000 - ANSWER_MARGIN_SECONDS if remaining_ms else float("inf")

    def remaining(self) -> float:
        return self._at - time.monotonic()

    def require(self, seconds: float) -> None:
        if self.remaining() < seconds:
            raise DeadlineExceededError

    def before_send(self, **_: Any) -> None:
        """botocore `before-send` hook: refuse to start an attempt that cannot finish in time."""
        self.require(ATTEMPT_SECONDS)


def client(service: str, deadline: Deadline, **config: Any) -> Any:
    """A client (upload_api/clients.py: botocore, no boto3) with bounded attempts whose every
    attempt respects `deadline`."""
    boto_config = BotoConfig(
        retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        **config,
    )
    aws_client = clients.client(service, boto_config)
    aws_client.meta.events.register("before-send", deadline.before_send)
    return aws_client


class LazyClient:
    """A client made on first use. A container that serves only `POST /uploads` then never
    loads the KMS client (its service model is a large part of a cold start)."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self.made: Any = None

    def __getattr__(self, name: str) -> Any:
        if self.made is None:
            self.made = self._factory()
        return getattr(self.made, name)


def lazy_client(service: str, deadline: Deadline, **config: Any) -> LazyClient:
    """`client(...)`, made when first used."""
    return LazyClient(lambda: client(service, deadline, **config))
