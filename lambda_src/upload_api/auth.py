"""Who is calling: the user's JWT from the identity provider, verified with PyJWT.

RFC 8725: an allow-list of asymmetric algorithms, and the algorithm bound to the key that
`kid` selects (a PyJWK refuses a token whose `alg` differs from its own), so neither
`none` nor HS256-with-the-public-key can get through; iss, aud, exp, nbf checked with a
small leeway."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKSet

from objectkeys import MAX_SUB_BYTES
from upload_api.errors import ServiceUnavailableError, UnauthorizedError

LEEWAY_SECONDS = 30
MAX_TOKEN_LENGTH = 8192
JWKS_CACHE_SECONDS = 300


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


class UserTokenVerifier:
    def __init__(
        self,
        issuer: str,
        audience: str,
        algorithms: tuple[str, ...],
        jwks_url: str | None = None,
        jwks: dict[str, Any] | None = None,
    ) -> None:
        self._issuer = issuer
        self._audience = audience
        self._algorithms = list(algorithms)
        # The client caches the key set and refetches it when an unknown kid shows up (key
        # rotation), at most once per 30 s cooldown, so random kids cannot cause a fetch storm.
        self._client = (
            PyJWKClient(jwks_url, cache_jwk_set=True, lifespan=JWKS_CACHE_SECONDS, timeout=5) if jwks_url else None
        )
        self._keys = self._load_set(jwks) if jwks is not None else {}

    @staticmethod
    def _load_set(jwks: dict[str, Any]) -> dict[str, PyJWK]:
        key_set = PyJWKSet.from_dict(jwks)
        return {key.key_id: key for key in key_set.keys if key.key_id}

    def _key_for(self, token: str) -> PyJWK:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise UnauthorizedError("Malformed token.") from None
        if not isinstance(kid, str) or not kid:
            raise UnauthorizedError("Token has no key id.")
        if self._client is None:
            key = self._keys.get(kid)
            if key is None:
                raise UnauthorizedError("Unknown signing key.")
            return key
        try:
            return self._client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError:
            raise ServiceUnavailableError("The identity provider's keys are unavailable.") from None
        except jwt.PyJWKClientError:
            raise UnauthorizedError("Unknown signing key.") from None

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
