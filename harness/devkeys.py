"""Development keys and JWKs: the one place the harness, the bench and the tests make them.

Never for production: the private keys live in memory or under build/ (mode 0600), and exist
only so that the local stack, the benchmarks and the tests sign real RS256/ES256 tokens that
the functions verify exactly as they would verify an identity provider's or KMS's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def b64url_uint(value: int) -> str:
    """An unsigned integer as JWK members encode it (RFC 7518 section 6.3.1: big-endian, base64url)."""
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def generate_rsa() -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key, e = 65537 (what KMS's RSA_2048 and most identity providers use)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def generate_ec() -> ec.EllipticCurvePrivateKey:
    """A P-256 key (ES256)."""
    return ec.generate_private_key(ec.SECP256R1())


def public_pem(key: PrivateKey) -> str:
    """The SubjectPublicKeyInfo PEM of the key's public half (what kms:GetPublicKey returns, as PEM)."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def thumbprint(members: dict[str, str]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256) of the required public members."""
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode("ascii")


def public_jwk(key: PrivateKey, kid: str | None = None, alg: str | None = None) -> dict[str, str]:
    """The public JWK of an RSA or P-256 key; kid defaults to its RFC 7638 thumbprint."""
    if isinstance(key, rsa.RSAPrivateKey):
        numbers = key.public_key().public_numbers()
        members = {"e": b64url_uint(numbers.e), "kty": "RSA", "n": b64url_uint(numbers.n)}
        default_alg = "RS256"
    else:
        point = key.public_key().public_numbers()
        size = (key.curve.key_size + 7) // 8

        def coordinate(value: int) -> str:
            return base64.urlsafe_b64encode(value.to_bytes(size, "big")).rstrip(b"=").decode("ascii")

        members = {"crv": "P-256", "kty": "EC", "x": coordinate(point.x), "y": coordinate(point.y)}
        default_alg = "ES256"
    return {**members, "kid": kid or thumbprint(members), "alg": alg or default_alg, "use": "sig"}


def jwks(*jwk_items: dict[str, str]) -> dict[str, Any]:
    return {"keys": list(jwk_items)}


def load_or_create_rsa(path: Path) -> rsa.RSAPrivateKey:
    """An RSA key kept in a PEM file, created (mode 0600, never overwritten) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = generate_rsa().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as sink:
            sink.write(pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise SystemExit(f"{path} is not an RSA private key")
    return loaded


@dataclass
class SigningKey:
    """An RS256 key pair with a kid: signs tokens, exposes its PEM and JWK."""

    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid: str | None = None) -> SigningKey:
        return cls(kid or str(uuid.uuid4()), generate_rsa())

    @property
    def public_pem(self) -> str:
        return public_pem(self.private_key)

    @property
    def jwk(self) -> dict[str, str]:
        return public_jwk(self.private_key, self.kid, "RS256")

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})
