"""Token verification: RS256 signature against a baked key chosen by `kid`, then the claims
(RFC 8725: one algorithm, explicit issuer and audience, exp/nbf with a small leeway)."""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from typing import Any

from edge_auth.config import EdgeConfig, TrustDomain
from edge_auth.jws import CompactJws

# The `typ` header values accepted (absent means JWT): download tokens are "JWT"; identity-
# provider tokens may also be OAuth access tokens typed "at+jwt" (RFC 9068 section 2.1).
DOWNLOAD_TYPES = frozenset({"JWT"})
IDP_TYPES = frozenset({"JWT", "at+jwt"})

# A 2048-bit RS256 token with our claims is ~700 characters; anything far larger is abuse.
MAX_TOKEN_LENGTH = 4096


class TokenRejectedError(Exception):
    """The token is not acceptable. The message is for logs and never contains the token."""


@dataclass(frozen=True)
class VerifiedToken:
    domain: TrustDomain
    claims: dict[str, Any]

    @property
    def expires_at(self) -> float:
        return float(self.claims["exp"])


def _number(claims: dict[str, Any], name: str, *, required: bool) -> float | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenRejectedError(f"{name} must be a number")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond float range
        raise TokenRejectedError(f"{name} must be a finite number") from None
    if not math.isfinite(number):  # NaN, Infinity, 1e999: a token that never expires
        raise TokenRejectedError(f"{name} must be a finite number")
    return number


def check_times(claims: dict[str, Any], leeway: int, now: float) -> None:
    exp = _number(claims, "exp", required=True)
    if exp is not None and now > exp + leeway:
        raise TokenRejectedError("expired")
    nbf = _number(claims, "nbf", required=False)
    if nbf is not None and now + leeway < nbf:
        raise TokenRejectedError("not yet valid")
    iat = _number(claims, "iat", required=False)
    if iat is not None and now + leeway < iat:
        raise TokenRejectedError("issued in the future")


def _check_claims(claims: object, domain: TrustDomain, leeway: int, now: float) -> dict[str, Any]:
    if not isinstance(claims, dict):
        raise TokenRejectedError("payload is not a JSON object")
    if claims.get("iss") != domain.issuer:
        raise TokenRejectedError("wrong issuer")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if domain.audience not in audiences:
        raise TokenRejectedError("wrong audience")
    check_times(claims, leeway, now)
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise TokenRejectedError("sub missing")
    if domain.owner_claim is None and not isinstance(claims.get("path"), str):
        raise TokenRejectedError("path missing")
    return claims


def verify_token(token: str, config: EdgeConfig, now: float | None = None) -> VerifiedToken:
    """The verified token, or TokenRejectedError. Never any other exception."""
    now = time.time() if now is None else now
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_LENGTH or not token.isascii():
        raise TokenRejectedError("malformed or oversized token")
    try:
        jws = CompactJws(token)  # PyJWS's strict rules (edge_auth/jws.py)
        kid = jws.header.get("kid")
        if not isinstance(kid, str):
            raise TokenRejectedError("unknown kid")
        domain = config.domain_for_kid(kid)
        if domain is None:
            raise TokenRejectedError("unknown kid")
        if jws.header.get("typ", "JWT") not in (DOWNLOAD_TYPES if domain.owner_claim is None else IDP_TYPES):
            raise TokenRejectedError("unexpected typ")
        claims = json.loads(jws.verified_payload(domain.keys[kid]))
    except TokenRejectedError:
        raise
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        raise TokenRejectedError(f"invalid token ({type(exc).__name__})") from None
    return VerifiedToken(domain, _check_claims(claims, domain, config.leeway_seconds, now))
