"""Reference viewer-request authorizer: the same checks as edge_auth, written the obvious way
with PyJWT + cryptography. It cannot ship to Lambda@Edge (cryptography alone is several MB
against the 1 MB limit); it exists to show what the pure-Python verify and the cache cost.

Installed by the bench as the package `reference_edge` (this file as its __init__.py) with its
configuration in reference_edge/config.json, the same format as edge_auth/config.json.
"""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

_CONFIG = json.loads(Path(__file__).with_name("config.json").read_text(encoding="utf-8"))


def _rsa_key(pem: str) -> RSAPublicKey:
    key = load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, RSAPublicKey):
        raise TypeError("the edge trusts RSA keys only")
    return key


_KEYS = {spec["kid"]: _rsa_key(spec["pem"]) for spec in _CONFIG["keys"]}
_PARAM = _CONFIG.get("query_param", "authorization")
_COOKIE = _CONFIG.get("cookie_name")
_LEEWAY = _CONFIG.get("leeway_seconds", 30)


def _deny(status: int, reason: str) -> dict[str, Any]:
    return {
        "status": str(status),
        "statusDescription": reason,
        "headers": {"cache-control": [{"key": "Cache-Control", "value": "no-store"}]},
        "body": reason,
    }


def _token(request: dict[str, Any], query: list[tuple[str, str]]) -> str | None:
    for name, value in query:
        if name == _PARAM:
            return value
    headers = request.get("headers", {})
    for header in headers.get("authorization", []):
        scheme, _, value = header["value"].partition(" ")
        if scheme.lower() == "bearer" and value:
            return value.strip()
    if _COOKIE:
        for header in headers.get("cookie", []):
            morsel = SimpleCookie(header["value"]).get(_COOKIE)
            if morsel is not None:
                return morsel.value
    return None


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    request = event["Records"][0]["cf"]["request"]
    if request["method"] == "OPTIONS":
        return request
    query = parse_qsl(request.get("querystring", ""), keep_blank_values=True)
    token = _token(request, query)
    if not token:
        return _deny(401, "Unauthorized")
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = _KEYS.get(kid) if isinstance(kid, str) else None
        if key is None:
            return _deny(403, "Forbidden")
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=_CONFIG["audience"],
            issuer=_CONFIG["issuer"],
            leeway=_LEEWAY,
            options={"require": ["exp", "iat", "sub", "path"]},
        )
    except jwt.PyJWTError:
        return _deny(403, "Forbidden")
    uri = unquote(request["uri"])
    if uri != claims["path"] or ".." in uri:
        return _deny(403, "Forbidden")
    request["querystring"] = urlencode([(name, value) for name, value in query if name != _PARAM])
    headers = request.setdefault("headers", {})
    headers.pop("authorization", None)
    if "origin" not in headers:
        host = headers.get("host", [{"value": "localhost"}])[0]["value"]
        headers["origin"] = [{"key": "Origin", "value": f"https://{host}"}]
    return request
