"""Fixtures for the Lambda unit tests: moto-backed AWS, the API's environment, edge config."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives import serialization
from lambda_testkit import (
    BUCKET,
    REGION,
    TABLE,
    UPLOAD_TABLE,
    Aws,
    FakeLambdaContext,
    api_environment,
    edge_config_dict,
    public_pem,
    rsa_key,
)
from moto import mock_aws

from edge_auth import handler as edge_handler
from edge_auth import rs256
from edge_auth.config import EdgeConfig, parse_config
from upload_api import handler as api_handler


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
        dynamodb.create_table(
            TableName=UPLOAD_TABLE,
            KeySchema=[{"AttributeName": "upload_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "upload_id", "AttributeType": "S"}],
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

    def __call__(self, event: dict[str, Any], context: FakeLambdaContext | None = None) -> dict[str, Any]:
        response = api_handler.handler(event, context or FakeLambdaContext())
        assert isinstance(response, dict)
        return response


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch, aws: Aws) -> Iterator[Api]:
    yield Api(monkeypatch, aws)
    api_handler.reset()


EDGE_BACKENDS = [rs256.BACKEND, rs256.PythonBackend()] if rs256.BACKEND.name == "openssl" else [rs256.BACKEND]


@pytest.fixture(params=EDGE_BACKENDS, ids=lambda backend: backend.name)
def edge_config(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> EdgeConfig:
    """Download tokens signed by the local key "download"; IdP tokens by the user key. Every
    edge test runs once per RS256 backend (OpenSSL when this machine has it, pure Python)."""
    config = parse_config(edge_config_dict(public_pem(rsa_key("download"))), request.param)
    monkeypatch.setattr(edge_handler, "_config", config)
    monkeypatch.setattr(edge_handler, "_CACHE", edge_handler.VerifiedTokenCache())
    return config
