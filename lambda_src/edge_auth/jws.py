"""Compact JWS (RFC 7515) parsing and RS256 verification, with PyJWT's strict rules.

The edge used PyJWS for this; importing PyJWT (which pulls in urllib.request, http.client,
ssl and email for its JWKS client) was the largest part of a cold start, and its
per-character base64url loop cost more than the OpenSSL verify of a new token. This module
applies the rules PyJWS.decode_complete applies with `algorithms=["RS256"]` and no detached
payload, and tests/unit/test_edge_jws.py checks, on arbitrary and on mutated real tokens,
that it accepts exactly the tokens PyJWS accepts, with the same header and payload:

- exactly three segments (`header.payload.signature`, the payload may not contain ".");
- each segment base64url: at most two trailing "=", and then only on a length that is a
  multiple of 4, and the one canonical spelling of its bytes (which also refuses any
  character outside the alphabet and a length of 1 mod 4);
- the header a JSON object; `kid`, if present, a string; `crit`, if present, a non-empty
  list of strings, each a supported extension ("b64") present in the header; `b64: false`
  (unencoded payload) always refused, as PyJWS refuses it without a detached payload;
- `alg` exactly "RS256", and the signature verified over the first two segments as sent.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from edge_auth.rs256 import VerifyKey

ALGORITHM = "RS256"
_SUPPORTED_CRIT = frozenset({"b64"})


class JwsError(ValueError):
    """The token is not a compact JWS that PyJWS would have accepted."""


def b64url_segment(segment: str) -> bytes:
    stripped = segment.rstrip("=")
    padding = len(segment) - len(stripped)
    if padding > 2 or (padding and len(segment) % 4):
        raise JwsError("invalid base64url padding")
    try:
        decoded = base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except ValueError as exc:  # binascii.Error
        raise JwsError("invalid base64url") from exc
    if base64.urlsafe_b64encode(decoded).rstrip(b"=") != stripped.encode("ascii"):
        raise JwsError("not the canonical base64url spelling")
    return decoded


class CompactJws:
    """A parsed compact JWS: header read and checked, signature not verified yet."""

    __slots__ = ("_payload_segment", "_signature_segment", "header", "signing_input")

    def __init__(self, token: str) -> None:
        if not token.isascii():
            raise JwsError("not ASCII")
        signing_input, dot, self._signature_segment = token.rpartition(".")
        header_segment, dot2, self._payload_segment = signing_input.partition(".")
        if not dot or not dot2:
            raise JwsError("not enough segments")
        self.signing_input = signing_input
        header_bytes = b64url_segment(header_segment)
        try:
            header = json.loads(header_bytes)
        except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8/16/32, nested too deeply
            raise JwsError("header is not JSON") from exc
        if not isinstance(header, dict):
            raise JwsError("header is not a JSON object")
        if "kid" in header and not isinstance(header["kid"], str):
            raise JwsError("kid is not a string")
        if "crit" in header:
            crit = header["crit"]
            if not isinstance(crit, list) or not crit:
                raise JwsError("crit is not a non-empty list")
            for extension in crit:
                if not isinstance(extension, str) or extension not in _SUPPORTED_CRIT or extension not in header:
                    raise JwsError("unsupported or absent critical extension")
        if header.get("b64", True) is False:
            raise JwsError("unencoded payloads are not accepted")
        if header.get("alg") != ALGORITHM:
            raise JwsError("alg is not RS256")
        self.header: dict[str, Any] = header

    def verified_payload(self, key: VerifyKey) -> bytes:
        """The payload's bytes once the signature verifies with `key`."""
        payload = b64url_segment(self._payload_segment)
        signature = b64url_segment(self._signature_segment)
        if not key.verify(self.signing_input.encode("ascii"), signature):
            raise JwsError("signature verification failed")
        return payload
