"""RS256 for PyJWT without `cryptography`: verification with the pure-Python `rsa` package.

Lambda@Edge packages are limited to 1 MB, which rules out `cryptography`. This class is
registered on a private PyJWS instance as the only algorithm, so `none` and HS* can never
be selected by a token header.
"""

from __future__ import annotations

import base64
import json
from typing import Any, NoReturn

import rsa
from jwt.algorithms import Algorithm
from jwt.exceptions import InvalidKeyError

MIN_KEY_BITS = 2048


def _b64url_uint(value: object) -> int:
    if not isinstance(value, str) or not value:
        raise InvalidKeyError("JWK member is not a base64url string")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError as exc:
        raise InvalidKeyError("JWK member is not base64url") from exc
    return int.from_bytes(raw, "big")


def _uint_b64url(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def load_public_key(spec: dict[str, Any]) -> rsa.PublicKey:
    """An RSA public key from {"pem": SubjectPublicKeyInfo PEM} or {"n", "e"} (base64url)."""
    if "pem" in spec:
        pem = spec["pem"]
        if not isinstance(pem, str):
            raise InvalidKeyError("pem must be a string")
        if "BEGIN RSA PUBLIC KEY" in pem:
            key = rsa.PublicKey.load_pkcs1(pem.encode("ascii"))
        else:
            key = rsa.PublicKey.load_pkcs1_openssl_pem(pem.encode("ascii"))
    else:
        key = rsa.PublicKey(_b64url_uint(spec.get("n")), _b64url_uint(spec.get("e")))
    if key.n.bit_length() < MIN_KEY_BITS:
        raise InvalidKeyError(f"RSA keys must have at least {MIN_KEY_BITS} bits")
    return key


class RS256(Algorithm):
    """RSASSA-PKCS1-v1_5 with SHA-256, verify only."""

    def prepare_key(self, key: Any) -> rsa.PublicKey:
        if not isinstance(key, rsa.PublicKey):
            raise InvalidKeyError("expected an rsa.PublicKey")
        return key

    def sign(self, msg: bytes, key: Any) -> NoReturn:
        raise NotImplementedError("the edge only verifies")

    def verify(self, msg: bytes, key: rsa.PublicKey, sig: bytes) -> bool:
        # A wrong-length signature can never verify; refuse it before the modular exponentiation.
        if len(sig) != (key.n.bit_length() + 7) // 8:
            return False
        try:
            # rsa.verify accepts any hash named in the signature's DigestInfo (SHA-1 too);
            # RS256 means SHA-256 and nothing else.
            return rsa.verify(msg, sig, key) == "SHA-256"
        except (rsa.VerificationError, ValueError, OverflowError):
            return False

    def check_key_length(self, key: rsa.PublicKey) -> str | None:
        if key.n.bit_length() < MIN_KEY_BITS:
            return f"RSA key is {key.n.bit_length()} bits, below {MIN_KEY_BITS}"
        return None

    @staticmethod
    def to_jwk(key_obj: rsa.PublicKey, as_dict: bool = False) -> Any:
        jwk = {"kty": "RSA", "n": _uint_b64url(key_obj.n), "e": _uint_b64url(key_obj.e)}
        return jwk if as_dict else json.dumps(jwk)

    @staticmethod
    def from_jwk(jwk: str | dict[str, Any]) -> rsa.PublicKey:
        data = json.loads(jwk) if isinstance(jwk, str) else jwk
        if not isinstance(data, dict) or data.get("kty") != "RSA":
            raise InvalidKeyError("not an RSA JWK")
        return load_public_key(data)
