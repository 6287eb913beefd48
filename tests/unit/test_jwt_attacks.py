"""The JWT attack catalog, run against both functions.

Every attack starts from a token that is accepted (the control case), changes one thing,
and must be refused: 401 from the API, 403 from the edge."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import rsa as pyrsa
from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa
from lambda_testkit import (
    DOWNLOAD_AUDIENCE,
    DOWNLOAD_ISSUER,
    SMALL_UPLOAD,
    USER_AUDIENCE,
    USER_ISSUER,
    api_event,
    b64url,
    body_of,
    cf_event,
    owner_segment,
    public_pem,
    rsa_key,
    unsigned_token,
)

from edge_auth import handler as edge

PATH = f"/uploads/{owner_segment('alice')}/{'a' * 32}.png"
OTHER_PATH = f"/uploads/{owner_segment('alice')}/{'b' * 32}.png"


@dataclass(frozen=True)
class Target:
    """How a legitimate token for one of the functions is made."""

    key: crypto_rsa.RSAPrivateKey
    kid: str
    issuer: str
    audience: str
    extra: dict[str, Any] = field(default_factory=dict)

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.audience, "sub": "alice", "iat": now, "exp": now + 300, **self.extra}
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def header(self, **changes: Any) -> dict[str, Any]:
        return {"alg": "RS256", "typ": "JWT", "kid": self.kid, **changes}

    def sign(
        self,
        header: dict[str, Any],
        claims: dict[str, Any],
        key: crypto_rsa.RSAPrivateKey | None = None,
        hash_method: str = "SHA-256",
    ) -> str:
        signing_input = ".".join(b64url(json.dumps(part).encode()) for part in (header, claims))
        numbers = (key or self.key).private_numbers()
        private = pyrsa.PrivateKey(numbers.public_numbers.n, numbers.public_numbers.e, numbers.d, numbers.p, numbers.q)
        signature = pyrsa.sign(signing_input.encode(), private, hash_method)
        return f"{signing_input}.{b64url(signature)}"

    def token(self, **claim_changes: Any) -> str:
        return self.sign(self.header(), self.claims(**claim_changes))


API = Target(rsa_key("user"), "user-rsa", USER_ISSUER, USER_AUDIENCE)
# The edge's download tokens; the edge config fixture trusts rsa_key("download") as "download-key".
EDGE = Target(rsa_key("download"), "download-key", DOWNLOAD_ISSUER, DOWNLOAD_AUDIENCE, {"path": PATH})


def _flip(segment: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return b64url(bytes(raw))


def hs256_with_public_key(t: Target) -> str:
    signing_input = ".".join(b64url(json.dumps(p).encode()) for p in (t.header(alg="HS256"), t.claims()))
    mac = hmac.new(public_pem(t.key).encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def tampered_payload(t: Target) -> str:
    header, _, signature = t.token().split(".")
    # Another subject and a later expiry, same path: every rule but the signature still holds.
    claims = t.claims()
    forged = b64url(json.dumps({**claims, "sub": "mallory", "exp": claims["exp"] + 60}).encode())
    return f"{header}.{forged}.{signature}"


def tampered_signature(t: Target) -> str:
    header, payload, signature = t.token().split(".")
    return f"{header}.{payload}.{_flip(signature)}"


def embedded_jwk(t: Target) -> str:
    attacker = rsa_key("attacker")
    numbers = attacker.public_key().public_numbers()
    jwk = {"kty": "RSA", "n": b64url(numbers.n.to_bytes(256, "big")), "e": "AQAB"}
    return t.sign(t.header(jwk=jwk), t.claims(), key=attacker)


def _with_signature(t: Target, change: Callable[[str], str | None]) -> str:
    """A valid token whose signature segment is re-spelt by `change` (None: try another
    token). The signature bytes a lenient base64 decoder reads stay the same, so only the
    strict base64url rule (PyJWT's, kept by edge_auth.verify.StrictJWS) refuses it."""
    for jti in range(100):
        signing_input, _, signature = t.token(jti=str(jti)).rpartition(".")
        respelt = change(signature)
        if respelt is not None:
            assert base64.urlsafe_b64decode(respelt.rstrip("=") + "==") == base64.urlsafe_b64decode(signature + "==")
            return f"{signing_input}.{respelt}"
    raise AssertionError("no signature could be re-spelt")


_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _trailing_bits(signature: str) -> str:
    # 256 bytes end in a 2-character group whose last character carries 4 unused bits.
    return signature[:-1] + _B64URL[_B64URL.index(signature[-1]) | 0x0F]


def _standard_alphabet(signature: str) -> str | None:
    if "-" not in signature and "_" not in signature:
        return None
    return signature.replace("-", "+").replace("_", "/")


ATTACKS: dict[str, Callable[[Target], str]] = {
    "alg none": lambda t: unsigned_token(t.header(alg="none"), t.claims()),
    "alg None capitalised": lambda t: unsigned_token(t.header(alg="None"), t.claims()),
    "alg missing": lambda t: unsigned_token({"typ": "JWT", "kid": t.kid}, t.claims(), b"x" * 256),
    "HS256 signed with the RSA public key": hs256_with_public_key,
    "RS256 header, SHA-1 signature": lambda t: t.sign(t.header(), t.claims(), hash_method="SHA-1"),
    "RS512 header": lambda t: t.sign(t.header(alg="RS512"), t.claims(), hash_method="SHA-512"),
    "expired": lambda t: t.token(exp=int(time.time()) - 120, iat=int(time.time()) - 400),
    "not yet valid": lambda t: t.token(nbf=int(time.time()) + 120),
    "issued in the future": lambda t: t.token(iat=int(time.time()) + 600, exp=int(time.time()) + 900),
    "exp missing": lambda t: t.token(exp=None),
    "exp as string": lambda t: t.token(exp=str(int(time.time()) + 300)),
    "wrong iss": lambda t: t.token(iss=t.issuer + "evil"),
    "iss missing": lambda t: t.token(iss=None),
    "wrong aud": lambda t: t.token(aud="someone-else"),
    "aud missing": lambda t: t.token(aud=None),
    "sub missing": lambda t: t.token(sub=None),
    "unknown kid": lambda t: t.sign(t.header(kid="not-a-known-key"), t.claims()),
    "kid missing": lambda t: t.sign({"alg": "RS256", "typ": "JWT"}, t.claims()),
    "kid not a string": lambda t: t.sign(t.header(kid=["x"]), t.claims()),
    "signed by another key with a trusted kid": lambda t: t.sign(t.header(), t.claims(), key=rsa_key("attacker")),
    "embedded jwk header": embedded_jwk,
    "jku header": lambda t: t.sign(t.header(jku="https://evil.example/jwks.json"), t.claims(), key=rsa_key("attacker")),
    "tampered payload": tampered_payload,
    "tampered signature": tampered_signature,
    "signature stripped": lambda t: t.token().rsplit(".", 1)[0] + ".",
    "signature truncated": lambda t: t.token()[:-10],
    "payload not an object": lambda t: t.sign(t.header(), ["alice"]),  # type: ignore[arg-type]
    "oversized": lambda t: t.token(padding="x" * 20_000),
    "garbage": lambda t: "garbage",
    "three dots": lambda t: "...",
    "non-ascii": lambda t: "eyJ☃.eyJ☃.☃",
    "json header garbage": lambda t: b64url(b"{not json") + "." + b64url(b"{}") + ".",
    # The base64url spelling rules (GHSA-hxm8-2xgr-2p9m): the signature's bytes are right,
    # only their spelling is not the one canonical base64url encoding.
    "signature with a non-alphabet character": lambda t: _with_signature(t, lambda s: s[:100] + "!" + s[100:]),
    "signature with whitespace": lambda t: _with_signature(t, lambda s: s[:100] + "\n" + s[100:]),
    "signature in the standard base64 alphabet": lambda t: _with_signature(t, _standard_alphabet),
    "signature with non-zero trailing bits": lambda t: _with_signature(t, _trailing_bits),
    "signature with three padding characters": lambda t: _with_signature(t, lambda s: s + "==="),
    "signature padded to a wrong length": lambda t: _with_signature(t, lambda s: s + "="),
}


def api_status(api, token: str) -> int:
    event = api_event("/uploads", SMALL_UPLOAD, token=token)
    response = api(event)
    if response["statusCode"] != 201:
        assert set(body_of(response)) == {"error"}
    return response["statusCode"]


def edge_status(token: str, uri: str = PATH) -> int:
    result = edge.handler(cf_event(uri, headers={"Authorization": f"Bearer {token}"}), None)
    return int(result["status"]) if "status" in result else 200


def test_control_tokens_are_accepted(api, edge_config):
    assert api_status(api, API.token()) == 201
    assert edge_status(EDGE.token()) == 200


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_api_refuses(api, attack):
    assert api_status(api, ATTACKS[attack](API)) == 401


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_edge_refuses(edge_config, attack):
    assert edge_status(ATTACKS[attack](EDGE)) == 403


def test_edge_refuses_a_token_for_another_path(edge_config):
    assert edge_status(EDGE.token(), uri=OTHER_PATH) == 403


@pytest.mark.parametrize("typ", ["at+jwt", "JWS", "jwt", ""])
def test_edge_refuses_a_token_typed_as_something_else(edge_config, typ):
    # Download tokens are typ JWT; an access token or other JOSE object is not one.
    assert edge_status(EDGE.sign(EDGE.header(typ=typ), EDGE.claims())) == 403
    assert edge_status(EDGE.sign(EDGE.header(typ="JWT"), EDGE.claims())) == 200


def test_edge_refuses_a_token_without_path(edge_config):
    assert edge_status(EDGE.token(path=None)) == 403


TRAVERSALS = [
    f"/uploads/{owner_segment('alice')}/x/../{'a' * 32}.png",
    f"/uploads/{owner_segment('alice')}/x/%2e%2e/{'a' * 32}.png",
    f"/uploads/{owner_segment('alice')}/x/%2E%2E/{'a' * 32}.png",
    f"/uploads/{owner_segment('alice')}/x/%252e%252e/{'a' * 32}.png",
    f"/uploads/{owner_segment('alice')}/x%2f..%2f{'a' * 32}.png",
    f"/uploads/{owner_segment('alice')}/x%5c..%5c{'a' * 32}.png",
    f"/uploads/{owner_segment('alice')}/x\\..\\{'a' * 32}.png",
    f"/uploads/{owner_segment('alice')}/./{'a' * 32}.png",
    f"/uploads//{owner_segment('alice')}/{'a' * 32}.png",
    f"/uploads/{owner_segment('alice')}/{'a' * 32}.png%00.jpg",
    f"/uploads/{owner_segment('alice')}/{'a' * 32}.png%2500",
    f"/uploads/{owner_segment('alice')}/{'a' * 32}.png\x00",
    f"/uploads/{owner_segment('alice')}/{'a' * 32}.png%ff",
    f"/uploads/{owner_segment('alice')}/%c0%ae%c0%ae/{'a' * 32}.png",
    "uploads/" + PATH,
    "",
]


@pytest.mark.parametrize("uri", TRAVERSALS)
def test_edge_refuses_traversal_even_when_the_claim_says_the_same(edge_config, uri):
    # The attacker controls neither the claim nor the key here, but even a token whose
    # claim equals the hostile URI byte for byte must not open it.
    assert edge_status(EDGE.token(path=uri), uri=uri) in {400, 403}
    assert edge_status(EDGE.token(), uri=uri) in {400, 403}


@pytest.mark.parametrize("uri", TRAVERSALS)
def test_idp_token_refused_on_traversal(edge_config, uri):
    idp_token = API.token()
    assert edge_status(idp_token, uri=PATH) == 200
    assert edge_status(idp_token, uri=uri) in {400, 403}
