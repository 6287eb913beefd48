"""The responses the edge generates itself: tiny, uncacheable, and never echoing input."""

from __future__ import annotations

from typing import Any

_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 405: "Method Not Allowed"}


def _header(name: str, value: str) -> list[dict[str, str]]:
    return [{"key": name, "value": value}]


def deny(status: int, extra_headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A CloudFront generated response with status 400/401/403/405."""
    reason = _REASONS[status]
    headers = {
        "cache-control": _header("Cache-Control", "no-store"),
        "content-type": _header("Content-Type", "text/plain; charset=utf-8"),
    }
    for name, value in (extra_headers or {}).items():
        headers[name.lower()] = _header(name, value)
    return {"status": str(status), "statusDescription": reason, "headers": headers, "body": reason}


def missing_token() -> dict[str, Any]:
    return deny(401, {"WWW-Authenticate": "Bearer"})


def forbidden() -> dict[str, Any]:
    return deny(403)
