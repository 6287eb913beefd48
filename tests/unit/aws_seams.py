"""botocore's own event hooks as test seams, for what moto cannot show or do: the parameters a
call was made with, and an AWS failure of one operation while the rest of the client stays on
moto. Each hook is registered for the `with` block only (the moto clients live per module)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError


def _event(client: Any, stage: str, operation: str) -> str:
    return f"{stage}.{client.meta.service_model.service_id.hyphenize()}.{operation}"


@contextmanager
def _hooked(client: Any, event: str, handler: Callable[..., Any]) -> Iterator[None]:
    client.meta.events.register(event, handler)
    try:
        yield
    finally:
        client.meta.events.unregister(event, handler)


@contextmanager
def recorded(client: Any, operation: str) -> Iterator[list[dict[str, Any]]]:
    """The parameters of every `operation` call (e.g. "HeadObject") made in the block; the
    calls themselves still go to moto."""
    calls: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(copy.deepcopy(params))

    with _hooked(client, _event(client, "before-parameter-build", operation), record):
        yield calls


@contextmanager
def failing(client: Any, operation: str, code: str, status: int = 503) -> Iterator[list[dict[str, Any]]]:
    """Every `operation` call in the block fails as AWS answers an error: a ClientError with
    `code` and HTTP `status`, without retries (the answer replaces the request). Yields the
    failed calls' parameters."""
    calls: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(copy.deepcopy(params))

    def fail(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        error = {"Code": code, "Message": f"injected {code}"}
        return AWSResponse("https://aws.invalid/", status, {}, None), {
            "Error": error,
            "ResponseMetadata": {"HTTPStatusCode": status},
        }

    with (
        _hooked(client, _event(client, "before-parameter-build", operation), record),
        _hooked(client, _event(client, "before-call", operation), fail),
    ):
        yield calls


@contextmanager
def unreachable(client: Any, operation: str) -> Iterator[None]:
    """Every `operation` call in the block fails as a network that never connects does."""

    def refuse(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://aws.invalid/")

    with _hooked(client, _event(client, "before-call", operation), refuse):
        yield


@contextmanager
def answering(client: Any, operation: str, answer: Callable[[dict[str, Any]], dict[str, Any]]) -> Iterator[None]:
    """Every `operation` call in the block gets `answer(params)` as S3's parsed answer (for
    fields real S3 returns and moto leaves out, e.g. each part's ChecksumSHA256 in ListParts)."""
    pending: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        pending.append(copy.deepcopy(params))

    def reply(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        parsed = answer(pending.pop())
        return AWSResponse("https://aws.invalid/", 200, {}, None), {
            **parsed,
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }

    with (
        _hooked(client, _event(client, "before-parameter-build", operation), record),
        _hooked(client, _event(client, "before-call", operation), reply),
    ):
        yield
