"""Reading the token out of a CloudFront viewer request, and taking it out again."""

from __future__ import annotations

from typing import Any, NamedTuple
from urllib.parse import unquote_plus

Headers = dict[str, list[dict[str, str]]]


class MalformedRequestError(ValueError):
    """The event is not a viewer request we can reason about."""


class AmbiguousTokenError(ValueError):
    """More than one token in one place: refuse rather than guess which one is meant."""


class FoundToken(NamedTuple):  # immutable; a tuple is built several times faster than a frozen dataclass
    value: str
    source: str  # "query" | "header" | "cookie"
    # The query string without the token parameter (and without empty parts): what goes on.
    kept_query: str = ""


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
    if not isinstance(headers, dict):
        raise MalformedRequestError("headers are not in CloudFront's form")
    for entries in headers.values():  # plain loops: this walk runs on every request
        if not isinstance(entries, list):
            raise MalformedRequestError("headers are not in CloudFront's form")
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
                raise MalformedRequestError("headers are not in CloudFront's form")
    return request


def _unquote_plus(text: str) -> str:
    # unquote_plus is the identity on text without "%" or "+"; skip the call for those.
    return unquote_plus(text) if "%" in text or "+" in text else text


def _header_values(headers: Headers, name: str) -> list[str]:
    entries = headers.get(name)
    return [entry["value"] for entry in entries] if entries else []


def _query_tokens(querystring: str, param: str) -> tuple[list[str], str]:
    """The values of `param` in the query string, and the query string without them."""
    tokens, kept = [], []
    # Most requests carry the token alone: no split (a copy of the whole token) without a "&".
    for part in querystring.split("&") if "&" in querystring else (querystring,):
        name, _, value = part.partition("=")
        if (unquote_plus(name) if "%" in name or "+" in name else name) == param:
            tokens.append(_unquote_plus(value))
        elif part:
            kept.append(part)
    return tokens, "&".join(kept)


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


def _one(source: str, tokens: list[str], kept_query: str) -> FoundToken:
    if len(tokens) > 1:
        raise AmbiguousTokenError(source)
    return FoundToken(tokens[0], source, kept_query)


def find_token(request: dict[str, Any], query_param: str, cookie_name: str | None) -> FoundToken | None:
    """The token, looked for in the query string, then a Bearer header, then the cookie."""
    # Each source is read only when the ones before it hold no token: the first one that does
    # decides, and a later one is never looked at (for ambiguity or anything else).
    query_tokens, kept_query = _query_tokens(request.get("querystring", ""), query_param)
    if query_tokens:
        return _one("query", query_tokens, kept_query)
    headers: Headers = request.get("headers", {})
    bearer_tokens = _bearer_tokens(headers)
    if bearer_tokens:
        return _one("header", bearer_tokens, kept_query)
    cookie_tokens = _cookie_tokens(headers, cookie_name)
    if cookie_tokens:
        return _one("cookie", cookie_tokens, kept_query)
    return None


def strip_token(request: dict[str, Any], found: FoundToken) -> None:
    """Remove the token from what goes on to the cache key and the origin (RFC 6750 §2.3:
    tokens in URLs end up in logs). A Bearer Authorization header never reaches S3 either:
    S3 would read it as (invalid) AWS credentials."""
    request["querystring"] = found.kept_query
    headers: Headers = request.get("headers", {})
    if "authorization" in headers and _bearer_tokens(headers):
        del headers["authorization"]


def ensure_origin(request: dict[str, Any], default_origin: str | None) -> None:
    """Add an Origin header when the viewer sent none, so that S3 always answers with its
    CORS headers and no copy without them gets cached for later cross-origin readers."""
    headers: Headers = request.setdefault("headers", {})
    if headers.get("origin"):
        return
    origin = default_origin
    if origin is None:
        hosts = headers.get("host")
        if not hosts:
            return
        origin = "https://" + hosts[0]["value"]
    headers["origin"] = [{"key": "Origin", "value": origin}]
