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


def allow_origin(response: dict[str, Any], request: dict[str, Any], allowed: frozenset[str]) -> None:
    """CORS headers on a generated response when the viewer's Origin is one of the allowed
    origins, so that a page's fetch() sees the 401/403 instead of a network error."""
    origins = [entry.get("value") for entry in request.get("headers", {}).get("origin", [])]
    if len(origins) == 1 and origins[0] in allowed:
        headers = response["headers"]
        headers["access-control-allow-origin"] = _header("Access-Control-Allow-Origin", str(origins[0]))
        headers["access-control-expose-headers"] = _header("Access-Control-Expose-Headers", "WWW-Authenticate")
        headers["vary"] = _header("Vary", "Origin")
