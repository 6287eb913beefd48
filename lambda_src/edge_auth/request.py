"""Reading the token out of a CloudFront viewer request, and taking it out again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

Headers = dict[str, list[dict[str, str]]]


class MalformedRequestError(ValueError):
    """The event is not a viewer request we can reason about."""


class AmbiguousTokenError(ValueError):
    """More than one token in one place: refuse rather than guess which one is meant."""


@dataclass(frozen=True)
class FoundToken:
    value: str
    source: str  # "query" | "header" | "cookie"


def viewer_request(event: object) -> dict[str, Any]:
    """The request of a viewer-request event, checked for the fields the authorizer reads."""
    try:
        request = event["Records"][0]["cf"]["request"]  # type: ignore[index]
    except (KeyError, IndexError, TypeError) as exc:
        raise MalformedRequestError("not a CloudFront event") from exc
    if not isinstance(request, dict):
        raise MalformedRequestError("request is not an object")
    if not isinstance(request.get("uri"), str) or not isinstance(request.get("method"), str):
        raise MalformedRequestError("uri and method are required")
    if not isinstance(request.get("querystring", ""), str):
        raise MalformedRequestError("querystring must be a string")
    headers = request.get("headers", {})
    if not isinstance(headers, dict) or not all(
        isinstance(entries, list) and all(isinstance(e, dict) and isinstance(e.get("value"), str) for e in entries)
        for entries in headers.values()
    ):
        raise MalformedRequestError("headers are not in CloudFront's form")
    return request


def _header_values(headers: Headers, name: str) -> list[str]:
    return [entry["value"] for entry in headers.get(name, [])]


def _query_tokens(querystring: str, param: str) -> list[str]:
    tokens = []
    for part in querystring.split("&"):
        name, _, value = part.partition("=")
        if unquote_plus(name) == param:
            tokens.append(unquote_plus(value))
    return tokens


def _bearer_tokens(headers: Headers) -> list[str]:
    tokens = []
    for value in _header_values(headers, "authorization"):
        scheme, _, credentials = value.strip().partition(" ")
        if scheme.lower() == "bearer":
            tokens.append(credentials.strip())
    return tokens


def _cookie_tokens(headers: Headers, cookie_name: str | None) -> list[str]:
    if not cookie_name:
        return []
    tokens = []
    for value in _header_values(headers, "cookie"):
        for pair in value.split(";"):
            name, _, cookie_value = pair.strip().partition("=")
            if name == cookie_name:
                tokens.append(cookie_value.strip().strip('"'))
    return tokens


def find_token(request: dict[str, Any], query_param: str, cookie_name: str | None) -> FoundToken | None:
    """The token, looked for in the query string, then a Bearer header, then the cookie."""
    headers: Headers = request.get("headers", {})
    candidates = (
        ("query", _query_tokens(request.get("querystring", ""), query_param)),
        ("header", _bearer_tokens(headers)),
        ("cookie", _cookie_tokens(headers, cookie_name)),
    )
    for source, tokens in candidates:
        if len(tokens) > 1:
            raise AmbiguousTokenError(source)
        if tokens:
            return FoundToken(tokens[0], source)
    return None


def strip_token(request: dict[str, Any], query_param: str) -> None:
    """Remove the token from what goes on to the cache key and the origin (RFC 6750 §2.3:
    tokens in URLs end up in logs). A Bearer Authorization header never reaches S3 either:
    S3 would read it as (invalid) AWS credentials."""
    kept = [
        part
        for part in request.get("querystring", "").split("&")
        if part and unquote_plus(part.partition("=")[0]) != query_param
    ]
    request["querystring"] = "&".join(kept)
    headers: Headers = request.get("headers", {})
    if _bearer_tokens(headers):
        del headers["authorization"]


def ensure_origin(request: dict[str, Any], default_origin: str | None) -> None:
    """Add an Origin header when the viewer sent none, so that S3 always answers with its
    CORS headers and no copy without them gets cached for later cross-origin readers."""
    headers: Headers = request.setdefault("headers", {})
    if headers.get("origin"):
        return
    origin = default_origin
    if origin is None:
        hosts = _header_values(headers, "host")
        if not hosts:
            return
        origin = "https://" + hosts[0]
    headers["origin"] = [{"key": "Origin", "value": origin}]
