"""Lambda@Edge viewer-request entry point: let a request through only with a valid token
for exactly the requested path. Any malformed input ends in a 4xx, never an exception."""

from __future__ import annotations

import json
import sys
import time
from functools import lru_cache
from typing import Any

from edge_auth.cache import CachedToken, VerifiedTokenCache
from edge_auth.config import ConfigError, EdgeConfig, load_config
from edge_auth.paths import normalise_uri
from edge_auth.policy import grants_path
from edge_auth.request import (
    AmbiguousTokenError,
    MalformedRequestError,
    ensure_origin,
    find_token,
    strip_token,
    viewer_request,
)
from edge_auth.responses import allow_origin, deny, forbidden, missing_token
from edge_auth.rs256 import BACKEND
from edge_auth.verify import TokenRejectedError, verify_token

_CACHE = VerifiedTokenCache()
_config: EdgeConfig | ConfigError | None = None


@lru_cache(maxsize=128)
def _log_line(decision: str, reason: str) -> str:
    # Reasons come from a small fixed set (rule names, exception type names): encode each once.
    return json.dumps({"decision": decision, "reason": reason}) + "\n"


def _log(decision: str, reason: str) -> None:
    # One structured line per decision. Never the token, the query string or a header.
    # (sys.stdout looked up per call, as print does: a test or the runtime may replace it.)
    sys.stdout.write(_log_line(decision, reason))


def config() -> EdgeConfig:
    """The baked configuration, parsed on first use (a broken file denies everything)."""
    global _config  # noqa: PLW0603 - one parse per container is the point
    if _config is None:
        # Once per container: which RS256 backend verifies here (never any key material).
        print(json.dumps({"event": "cold start", "rs256_backend": BACKEND.name, "detail": BACKEND.detail}))
        try:
            _config = load_config()
        except ConfigError as exc:
            _config = exc
    if isinstance(_config, ConfigError):
        raise _config
    return _config


def _verified(token: str, cfg: EdgeConfig, now: float, cached: CachedToken | None) -> CachedToken:
    """The cache entry of a verified token: the one found, else a new one after verifying."""
    if cached is not None:
        return cached
    return _CACHE.put(token, verify_token(token, cfg, now))


def authorize(event: object, cfg: EdgeConfig, now: float) -> dict[str, Any]:
    """The request to pass on, or a generated response (readable by the allowed origins)."""
    try:
        request = viewer_request(event)
    except MalformedRequestError as exc:
        _log("deny", str(exc))
        return deny(400)
    result = _decide(request, cfg, now)
    if "status" in result:
        allow_origin(result, request, cfg.allowed_origins)
    return result


def _decide(request: dict[str, Any], cfg: EdgeConfig, now: float) -> dict[str, Any]:  # noqa: PLR0911 - one exit per rule
    method = request["method"].upper()
    if method == "OPTIONS":
        return request  # CORS preflight carries no credentials; S3 answers it
    if method not in {"GET", "HEAD"}:
        _log("deny", "method")
        return deny(405, {"Allow": "GET, HEAD, OPTIONS"})
    try:
        found = find_token(request, cfg.query_param, cfg.cookie_name)
    except AmbiguousTokenError as exc:
        _log("deny", f"several tokens in {exc}")
        return forbidden()
    if found is None:
        _log("deny", "no token")
        return missing_token()
    uri = request["uri"]
    cached = _CACHE.entry(found.value, now, cfg.leeway_seconds)
    # A token seen before, for a URI the path rule already granted it: nothing left to check.
    if cached is None or not cached.granted(uri, cfg.uploads_prefix):
        path = normalise_uri(uri)
        if path is None:
            _log("deny", "unsafe path")
            return forbidden()
        try:
            cached = _verified(found.value, cfg, now, cached)
        except TokenRejectedError as exc:
            _log("deny", str(exc))
            return forbidden()
        if not grants_path(cached.verified, path, cfg.uploads_prefix):
            _log("deny", "path not granted")
            return forbidden()
        cached.remember_grant(uri, cfg.uploads_prefix)
    strip_token(request, found)
    ensure_origin(request, cfg.default_origin)
    _log("allow", found.source)
    return request


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    try:
        return authorize(event, config(), time.time())
    except ConfigError as exc:
        _log("deny", f"configuration: {exc}")
        return forbidden()
    except Exception as exc:  # the last line of defence: a bug must still deny, never 502
        _log("deny", f"internal error ({type(exc).__name__})")
        return forbidden()
