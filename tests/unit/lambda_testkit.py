"""Keys, tokens and AWS-shaped events for the Lambda unit tests.

Event shapes follow AWS's documented samples: the API Gateway REST (v1) Lambda proxy
input and the CloudFront viewer-request event."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

import devkeys
from events.apigw import rest_proxy_event
from events.cloudfront import viewer_request_event
from objectkeys import OwnerKeys
from upload_api.records import READY, UPLOADED, UploadRecord, to_item

USER_ISSUER = "https://idp.example.test/"
USER_AUDIENCE = "uploads-api"
DOWNLOAD_ISSUER = "https://api.example.test/downloads"
DOWNLOAD_AUDIENCE = "cdn.example.test"
ORIGIN = "http://localhost:4583"
CDN_HOST = "d111111abcdef8.cloudfront.net"
# The deployment's owner key in the unit tests (OWNER_KEY, the edge's idp.owner_keys): fixed and
# public, a test value only.
OWNER_KEY = base64.b64encode(bytes(range(32))).decode("ascii")
OWNER_KEYS = OwnerKeys(base64.b64decode(OWNER_KEY))


def owner_segment(sub: str) -> str:
    """The owner segment the API gives `sub`'s keys under the tests' owner key."""
    return OWNER_KEYS.segment(sub)


@cache
def rsa_key(name: str = "user") -> rsa.RSAPrivateKey:
    """One 2048-bit key per name, generated once per test session."""
    del name
    return devkeys.generate_rsa()


@cache
def ec_key(name: str = "user-ec") -> ec.EllipticCurvePrivateKey:
    del name
    return devkeys.generate_ec()


public_pem = devkeys.public_pem


def jwk(key: Any, kid: str) -> dict[str, Any]:
    """The public JWK without an `alg` member (the tests vary the algorithm per token)."""
    return {name: value for name, value in devkeys.public_jwk(key, kid).items() if name != "alg"}


def user_jwks() -> dict[str, Any]:
    return {"keys": [jwk(rsa_key("user"), "user-rsa"), jwk(ec_key("user-ec"), "user-ec")]}


def make_token(
    claims: dict[str, Any] | None = None,
    *,
    key: Any = None,
    kid: str | None = "user-rsa",
    alg: str = "RS256",
    headers: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    issuer: str = USER_ISSUER,
    audience: str = USER_AUDIENCE,
    sub: str = "alice",
) -> str:
    now = int(time.time())
    payload = {"iss": issuer, "aud": audience, "sub": sub, "iat": now, "exp": now + 300}
    payload.update(claims or {})
    for name in drop:
        payload.pop(name, None)
    extra = dict(headers or {})
    if kid is not None:
        extra["kid"] = kid
    return jwt.encode(payload, key if key is not None else rsa_key("user"), algorithm=alg, headers=extra)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def uint_b64url(value: int) -> str:
    """A JWK Base64urlUInt (RFC 7518 2): the big-endian bytes without leading zeros, unpadded."""
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def unsigned_token(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    """A token assembled by hand, for attacks PyJWT refuses to produce."""
    return ".".join(b64url(json.dumps(part).encode()) for part in (header, payload)) + "." + b64url(signature)


def api_event(
    path: str,
    body: Any = None,
    *,
    method: str = "POST",
    token: str | None = None,
    headers: dict[str, str] | None = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST (v1) Lambda proxy event, shaped like AWS's sample."""
    all_headers = {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        "Origin": ORIGIN,
        "User-Agent": "pytest",
        "X-Forwarded-For": "203.0.113.10",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    all_headers.update(headers or {})
    all_headers = {k: v for k, v in all_headers.items() if v is not None}
    if raw_body is None and body is not None:
        raw_body = json.dumps(body)
    return rest_proxy_event(
        method=method,
        path=path,
        resource=path,
        stage="prod",
        headers=all_headers.items(),
        body=raw_body,
        source_ip="203.0.113.10",
        api_id="abc123",
        account_id="123456789012",
        request_id="c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        extended_request_id="c6af9ac6-7b61-11e6",
        resource_id="123456",
        now=datetime(2026, 11, 25, 13, 0, 0, tzinfo=UTC),
    )


def cf_event(
    uri: str,
    *,
    querystring: str = "",
    method: str = "GET",
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A CloudFront viewer-request event, shaped like AWS's sample."""
    all_headers = {"host": CDN_HOST, "user-agent": "curl/8.5.0", "accept": "*/*"}
    all_headers.update(headers or {})
    return viewer_request_event(
        uri=uri,
        method=method,
        querystring=querystring,
        headers=all_headers.items(),
        client_ip="203.0.113.178",
        distribution_domain=CDN_HOST,
        distribution_id="EDFDVBD6EXAMPLE",
        request_id="4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
    )


BUCKET = "uploads-unit-test"
TABLE = "upload-rate-limit"
UPLOAD_TABLE = "upload-records"
REGION = "us-east-1"


@dataclass(frozen=True)
class Aws:
    s3: Any
    dynamodb: Any
    kms: Any
    key_id: str
    key_arn: str
    public_pem: str


def api_environment(aws: Aws, **overrides: str) -> dict[str, str]:
    env = {
        "BUCKET_NAME": BUCKET,
        "UPLOAD_PREFIX": "uploads/",
        "MAX_UPLOAD_BYTES": "10485760",
        "ALLOWED_CONTENT_TYPES": "image/jpeg,image/png,image/gif,image/webp,image/avif",
        "PRESIGN_EXPIRES_SECONDS": "300",
        "RATE_LIMIT_TABLE": TABLE,
        "UPLOAD_TABLE": UPLOAD_TABLE,
        "RATE_LIMIT_MAX_REQUESTS": "5",
        "RATE_LIMIT_WINDOW_SECONDS": "60",
        "SIGNING_KEY_ID": aws.key_arn,
        "DOWNLOAD_TOKEN_ISSUER": DOWNLOAD_ISSUER,
        "DOWNLOAD_TOKEN_AUDIENCE": DOWNLOAD_AUDIENCE,
        "DOWNLOAD_TOKEN_TTL_SECONDS": "900",
        "CDN_URL": "https://d111111abcdef8.cloudfront.net",
        "USER_JWT_ISSUER": USER_ISSUER,
        "USER_JWT_AUDIENCE": USER_AUDIENCE,
        "USER_JWKS_JSON": json.dumps(user_jwks()),
        "USER_JWT_ALGORITHMS": "RS256,ES256",
        "ALLOWED_ORIGINS": f"{ORIGIN},http://127.0.0.1:4583",
        "DOWNLOAD_ACCESS": "owner",
        "OWNER_KEY": OWNER_KEY,
        "POWERTOOLS_SERVICE_NAME": "upload-api",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    env.update(overrides)
    return env


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def edge_config_dict(download_pem: str, *, idp: bool = True) -> dict[str, Any]:
    return {
        "issuer": DOWNLOAD_ISSUER,
        "audience": DOWNLOAD_AUDIENCE,
        "keys": [{"kid": "download-key", "pem": download_pem}],
        "query_param": "authorization",
        "cookie_name": "cdn_token",
        "leeway_seconds": 30,
        "uploads_prefix": "uploads/",
        "idp": {
            "issuer": USER_ISSUER,
            "audience": USER_AUDIENCE,
            "keys": [{"kid": "user-rsa", "pem": public_pem(rsa_key("user"))}],
            "owner_claim": "sub",
            "owner_keys": [OWNER_KEY],
        }
        if idp
        else None,
    }


@dataclass
class FakeLambdaContext:
    """The attributes of the Lambda Python runtime's context that the handlers and Powertools read."""

    remaining_ms: int = 10_000
    function_name: str = "upload-api"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:upload-api"
    memory_limit_in_mb: int = 256
    aws_request_id: str = "f2b0c1d4-0000-4000-8000-000000000000"
    log_group_name: str = "/aws/lambda/upload-api"
    log_stream_name: str = "2026/11/25/[$LATEST]0000"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


SHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="  # base64 SHA-256 of b"" (a well-formed checksum)
SMALL_UPLOAD = {"content_type": "image/png", "size": 10, "sha256": SHA256}


def put_upload_record(
    dynamodb: Any,
    key: str,
    owner: str,
    *,
    verification: str = READY,
    reason: str | None = None,
    upload_id: str | None = None,
) -> None:
    """The upload record of `key` as the verifier leaves it (ready by default): POST /downloads
    gives a token only for a key whose record is ready. Replaces the record the API wrote."""
    record = UploadRecord(
        upload_id=upload_id or key.rsplit("/", 1)[1][:32],
        owner=owner,
        key=key,
        upload_key="quarantine/" + key.split("/", 1)[1],
        method="PUT",
        size=10,
        content_type="image/png",
        state=UPLOADED,
        created_at=1,
        sha256=SHA256,
        result_sha256=SHA256,
        checksum_type="FULL_OBJECT",
        verification=verification,
        rejection_reason=reason,
        verified_content_type="image/png" if verification == READY else None,
    )
    dynamodb.put_item(TableName=UPLOAD_TABLE, Item=to_item(record))


def put_ready_record(dynamodb: Any, key: str, owner: str) -> None:
    """The upload record of `key` as the verifier leaves it once it published the object: only a
    ready upload gets a download token."""
    put_upload_record(dynamodb, key, owner)
