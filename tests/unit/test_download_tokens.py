"""The download token's form: a compact JWS whose three segments are base64url without padding
(RFC 7515 §2), so it goes into `?authorization=` as it is, and signed by the KMS key."""

from __future__ import annotations

import base64
import json
import re
import time

import jwt
from cryptography.hazmat.primitives import serialization

from upload_api.download_tokens import KmsTokenSigner

SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


def _decoded(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def test_a_minted_token_is_three_unpadded_base64url_segments_signed_by_the_kms_key(aws):
    signer = KmsTokenSigner(aws.kms, aws.key_id, "kid-1", "https://issuer.test", "downloads", 60)
    now = int(time.time())
    minted = signer.mint("alice", "/uploads/a/b.png", now)
    assert minted.expires_at == now + 60
    segments = minted.token.split(".")
    assert len(segments) == 3
    for segment in segments:
        assert SEGMENT.fullmatch(segment), segment
    # A 2048-bit RSA signature is 256 bytes: its base64 always ends in padding, which must go.
    assert len(_decoded(segments[2])) == 256
    assert json.loads(_decoded(segments[0])) == {"alg": "RS256", "typ": "JWT", "kid": "kid-1"}
    key = serialization.load_pem_public_key(aws.public_pem.encode())
    claims = jwt.decode(minted.token, key, algorithms=["RS256"], audience="downloads", issuer="https://issuer.test")
    assert claims == {
        "iss": "https://issuer.test",
        "aud": "downloads",
        "sub": "alice",
        "iat": now,
        "exp": now + 60,
        "path": "/uploads/a/b.png",
    }
