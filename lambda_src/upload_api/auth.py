"""Who is calling: the user's JWT from the identity provider, verified with PyJWT.

RFC 8725: an allow-list of asymmetric algorithms, and the algorithm bound to the key that
`kid` selects (a PyJWK refuses a token whose `alg` differs from its own), so neither
`none` nor HS256-with-the-public-key can get through; iss, aud, exp, nbf checked with a
small leeway.

A JWKS URL is fetched by `JwksCache`: kept JWKS_CACHE_SECONDS; an unknown `kid` refetches it
at most once per UNKNOWN_KID_COOLDOWN_SECONDS (random kids cannot cause a fetch storm). An
identity provider that is unreachable, hangs, does not speak HTTP, or answers anything but a JWKS with usable
keys (HTML, `{"keys": []}`, `[1]`) is a 503 with Retry-After, logged with its own reason
(`jwks_unreachable` / `jwks_invalid`); after a failure the next fetch waits
FAILURE_COOLDOWN_SECONDS, and keys fetched before keep working while the provider is down."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWK, PyJWKSet

from objectkeys import MAX_SUB_BYTES
from upload_api.budget import Deadline
from upload_api.errors import ServiceUnavailableError, UnauthorizedError

LEEWAY_SECONDS = 30
MAX_TOKEN_LENGTH = 8192
JWKS_CACHE_SECONDS = 300
UNKNOWN_KID_COOLDOWN_SECONDS = 30
FAILURE_COOLDOWN_SECONDS = 5
JWKS_TIMEOUT_SECONDS = 2.0
MAX_JWKS_BYTES = 256 * 1024
ASYMMETRIC_KEY_TYPES = frozenset({"RSA", "EC", "OKP"})

Fetch = Callable[[str, float], bytes]


@dataclass(frozen=True)
class Principal:
    sub: str


def bearer_token(headers: Mapping[str, str]) -> str:
    """The token of an `Authorization: Bearer` header (header names are case-insensitive)."""
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
    if not value:
        raise UnauthorizedError("Missing bearer token.", missing=True)
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        raise UnauthorizedError("Malformed Authorization header.")
    return token


def http_get(url: str, timeout: float) -> bytes:
    """GET `url` (the configured JWKS URL: https, or http on loopback) within `timeout` seconds."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - scheme checked in config
        if response.status != 200:  # pragma: no cover - urlopen raises HTTPError for these
            raise urllib.error.HTTPError(url, response.status, "not 200", response.headers, None)
        body: bytes = response.read(MAX_JWKS_BYTES + 1)
    return body


def parse_jwks(document: bytes) -> dict[str, PyJWK]:
    """The usable keys of a JWKS document by kid; ValueError if there are none."""
    try:
        data = json.loads(document)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError("not a JWK set")
    try:
        key_set = PyJWKSet.from_dict(data)
    except jwt.PyJWTError:
        raise ValueError("no usable keys") from None
    # Asymmetric keys only: a symmetric ("oct") key in an identity provider's set is never ours to trust.
    keys = {
        key.key_id: key
        for key in key_set.keys
        if isinstance(key.key_id, str) and key.key_id and key.key_type in ASYMMETRIC_KEY_TYPES
    }
    if not keys:
        raise ValueError("no usable keys with a kid")
    return keys


def _monotonic() -> float:
    return time.monotonic()  # looked up per call, so tests can move the clock


class JwksCache:
    def __init__(
        self, url: str, deadline: Deadline, fetch: Fetch = http_get, clock: Callable[[], float] | None = None
    ) -> None:
        self._url = url
        self._deadline = deadline
        self._fetch = fetch
        self._clock = clock or _monotonic
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None  # last successful fetch
        self._attempted_at: float | None = None  # last attempt, successful or not
        self._failed = False
        self.fetches = 0

    def _since(self, moment: float | None) -> float:
        return float("inf") if moment is None else self._clock() - moment

    def _refresh(self) -> None:
        timeout = min(JWKS_TIMEOUT_SECONDS, self._deadline.remaining())
        if timeout <= 0.1:
            raise ServiceUnavailableError("The identity provider's keys are unavailable.", reason="jwks_deadline")
        self._attempted_at = self._clock()
        self.fetches += 1
        try:
            document = self._fetch(self._url, timeout)
            if len(document) > MAX_JWKS_BYTES:
                raise ValueError("too large")
            keys = parse_jwks(document)
        except ValueError:
            self._failed = True
            raise ServiceUnavailableError("The identity provider's keys are unusable.", reason="jwks_invalid") from None
        # Refused, reset, timed out, an HTTP error status, or no HTTP at all (http.client raises
        # BadStatusLine, which is not an OSError, for a server speaking another protocol).
        except (OSError, urllib.error.URLError, http.client.HTTPException):
            self._failed = True
            raise ServiceUnavailableError(
                "The identity provider's keys are unavailable.", reason="jwks_unreachable"
            ) from None
        self._keys, self._fetched_at, self._failed = keys, self._attempted_at, False

    def key(self, kid: str) -> PyJWK:
        known = self._keys.get(kid)
        if known is not None and self._since(self._fetched_at) < JWKS_CACHE_SECONDS:
            return known
        if self._failed and self._since(self._attempted_at) < FAILURE_COOLDOWN_SECONDS:
            if known is not None:
                return known  # the provider is down; keys it published before still verify
            raise ServiceUnavailableError("The identity provider's keys are unavailable.", reason="jwks_cooldown")
        recently = self._since(self._attempted_at) < UNKNOWN_KID_COOLDOWN_SECONDS
        if known is None and self._fetched_at is not None and recently:
            raise UnauthorizedError("Unknown signing key.")
        try:
            self._refresh()
        except ServiceUnavailableError:
            if known is not None:
                return known
            raise
        key = self._keys.get(kid)
        if key is None:
            raise UnauthorizedError("Unknown signing key.")
        return key


class UserTokenVerifier:
    def __init__(
        self,
        issuer: str,
        audience: str,
        algorithms: tuple[str, ...],
        *,
        jwks_url: str | None = None,
        jwks: dict[str, Any] | None = None,
        deadline: Deadline | None = None,
        fetch: Fetch = http_get,
    ) -> None:
        self._issuer = issuer
        self._audience = audience
        self._algorithms = list(algorithms)
        self.cache = JwksCache(jwks_url, deadline or Deadline(), fetch) if jwks_url else None
        self._keys = parse_jwks(json.dumps(jwks).encode()) if jwks is not None else {}

    def _key_for(self, token: str) -> PyJWK:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise UnauthorizedError("Malformed token.") from None
        if not isinstance(kid, str) or not kid:
            raise UnauthorizedError("Token has no key id.")
        if self.cache is not None:
            return self.cache.key(kid)
        key = self._keys.get(kid)
        if key is None:
            raise UnauthorizedError("Unknown signing key.")
        return key

    def verify(self, token: str) -> Principal:
        key = self._key_for(token)
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud", "sub"], "verify_signature": True},
            )
        except jwt.PyJWTError:
            raise UnauthorizedError("Invalid token.") from None
        # RFC 7519 NumericDate is a JSON number; PyJWT would also take "1700000000".
        for name in ("exp", "nbf", "iat"):
            value = claims.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise UnauthorizedError("Invalid token.")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub or len(sub.encode("utf-8")) > MAX_SUB_BYTES:
            raise UnauthorizedError("Invalid token subject.")
        return Principal(sub)
