"""Download tokens: short-lived, path-scoped JWTs signed by an asymmetric KMS key.

The private key never leaves KMS. KMS signs the JWS signing input itself with
MessageType=RAW (KMS hashes it with SHA-256), which is exactly RS256."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from upload_api.failures import AWS_ERRORS, aws_failure


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segment(value: dict[str, Any]) -> str:
    return _b64url(json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8"))


@dataclass(frozen=True)
class DownloadToken:
    token: str
    expires_at: int


@dataclass(frozen=True)
class KmsTokenSigner:
    kms: Any  # a boto3 KMS client
    key_id: str  # what Sign is called with (id or ARN)
    kid: str  # the key id (UUID) put in the header, as the edge looks keys up by it
    issuer: str
    audience: str
    ttl_seconds: int

    def mint(self, sub: str, path: str, now: int) -> DownloadToken:
        expires_at = now + self.ttl_seconds
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        claims = {"iss": self.issuer, "aud": self.audience, "sub": sub, "iat": now, "exp": expires_at, "path": path}
        signing_input = f"{_segment(header)}.{_segment(claims)}"
        try:
            signature = self.kms.sign(
                KeyId=self.key_id,
                Message=signing_input.encode("ascii"),
                MessageType="RAW",
                SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256",
            )["Signature"]
        except AWS_ERRORS as exc:
            raise aws_failure(exc, "kms", "Could not sign a download token; retry later.") from None
        return DownloadToken(f"{signing_input}.{_b64url(signature)}", expires_at)
