"""Fixtures for the Lambda unit tests: moto-backed AWS, the API's environment, edge config."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives import serialization
from lambda_testkit import (
    DOWNLOAD_AUDIENCE,
    DOWNLOAD_ISSUER,
    ORIGIN,
    USER_AUDIENCE,
    USER_ISSUER,
    public_pem,
    rsa_key,
    user_jwks,
)
from moto import mock_aws

from edge_auth import handler as edge_handler
from edge_auth.config import EdgeConfig, parse_config
from upload_api import handler as api_handler

BUCKET = "uploads-unit-test"
TABLE = "upload-rate-limit"
REGION = "us-east-1"


@dataclass(frozen=True)
class Aws:
    s3: Any
    dynamodb: Any
    kms: Any
    key_id: str
    key_arn: str
    public_pem: str


@pytest.fixture(scope="module")
def aws_module() -> Iterator[Aws]:
    """moto for one test module: generating the KMS RSA key is the slow part, so once per module."""
    with pytest.MonkeyPatch.context() as monkeypatch, mock_aws():
        for name in (
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_S3",
            "AWS_ENDPOINT_URL_DYNAMODB",
            "AWS_ENDPOINT_URL_KMS",
            "AWS_PROFILE",
        ):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
        monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
        monkeypatch.setenv("AWS_REGION", REGION)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        kms = boto3.client("kms", region_name=REGION)
        meta = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        der = kms.get_public_key(KeyId=meta["KeyId"])["PublicKey"]
        pem = (
            serialization.load_der_public_key(der)
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode("ascii")
        )
        yield Aws(s3, dynamodb, kms, meta["KeyId"], meta["Arn"], pem)


@pytest.fixture
def aws(aws_module: Aws) -> Aws:
    """The module's moto account with an empty rate-limit table (no counts leak between tests)."""
    for item in aws_module.dynamodb.scan(TableName=TABLE)["Items"]:
        aws_module.dynamodb.delete_item(TableName=TABLE, Key={"pk": item["pk"]})
    return aws_module


def api_environment(aws: Aws, **overrides: str) -> dict[str, str]:
    env = {
        "BUCKET_NAME": BUCKET,
        "UPLOAD_PREFIX": "uploads/",
        "MAX_UPLOAD_BYTES": "10485760",
        "ALLOWED_CONTENT_TYPES": "image/jpeg,image/png,image/gif,image/webp,image/avif",
        "PRESIGN_EXPIRES_SECONDS": "300",
        "RATE_LIMIT_TABLE": TABLE,
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
        "POWERTOOLS_SERVICE_NAME": "upload-api",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    env.update(overrides)
    return env


class Api:
    """Calls the real handler with the environment of one test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, aws: Aws) -> None:
        self._monkeypatch = monkeypatch
        self.aws = aws
        self.configure()

    def configure(self, **overrides: str) -> None:
        for name, value in api_environment(self.aws, **overrides).items():
            self._monkeypatch.setenv(name, value)
        api_handler.reset()

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        response = api_handler.handler(event, None)
        assert isinstance(response, dict)
        return response


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, aws: Aws) -> Iterator[Api]:
    yield Api(monkeypatch, aws)
    api_handler.reset()


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
        }
        if idp
        else None,
    }


@pytest.fixture
def edge_config(monkeypatch: pytest.MonkeyPatch) -> EdgeConfig:
    """Download tokens signed by the local key "download"; IdP tokens by the user key."""
    config = parse_config(edge_config_dict(public_pem(rsa_key("download"))))
    monkeypatch.setattr(edge_handler, "_config", config)
    monkeypatch.setattr(edge_handler, "_CACHE", edge_handler.VerifiedTokenCache())
    return config
