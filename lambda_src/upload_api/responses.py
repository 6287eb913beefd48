"""JSON in and out: the error format, the common headers, the caller and the body of a request."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router

from upload_api.auth import Principal, bearer_token
from upload_api.errors import ApiError, BadRequestError, PayloadTooLargeError
from upload_api.services import Services

MAX_BODY_BYTES = 16 * 1024
# Responses carry presigned URLs and tokens: no cache anywhere may keep them.
COMMON_HEADERS = {"Cache-Control": "no-store", "Vary": "Origin"}


def error_response(error: ApiError) -> Response[str]:
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"error": {"code": error.code, "message": error.message}}),
        headers={**COMMON_HEADERS, **error.headers},
    )


def json_response(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body), headers=COMMON_HEADERS
    )


def services_of(router: Router) -> Services:
    services = router.context.get("services")
    if not isinstance(services, Services):  # pragma: no cover - the handler always appends them
        raise ApiError()
    return services


def json_body(router: Router) -> object:
    raw = router.current_event.decoded_body or ""
    if len(raw.encode("utf-8")) > MAX_BODY_BYTES:
        raise PayloadTooLargeError("The request body is too large.")
    try:
        return json.loads(raw)
    except ValueError:
        raise BadRequestError("The body must be JSON.") from None


def caller(router: Router) -> Principal:
    return services_of(router).verifier.verify(bearer_token(router.current_event.headers or {}))


def iso(epoch: int) -> str:
    """An epoch second as the API writes times: `2026-11-25T13:00:00Z`."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
