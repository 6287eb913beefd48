"""Throw-away AWS resources in the running emulators (LocalStack S3/KMS, DynamoDB sidecar) for
one bench run: a bucket, a rate-limit table and an RSA signing key, removed afterwards."""

from __future__ import annotations

import json
import secrets
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": REGION}
DEFAULT_ENDPOINTS = {"default": "http://127.0.0.1:4566", "dynamodb": "http://127.0.0.1:4567"}


def endpoints(root: Path) -> dict[str, str]:
    path = root / "build" / "localstack" / "endpoints.json"
    try:
        return {**DEFAULT_ENDPOINTS, **json.loads(path.read_text(encoding="utf-8"))}
    except (OSError, ValueError):
        return dict(DEFAULT_ENDPOINTS)


def unavailable_reason(urls: dict[str, str]) -> str | None:
    """None when both emulators answer, else why not (the bench then skips, it does not fail)."""
    for name, url in (("LocalStack", urls["default"] + "/_localstack/health"), ("DynamoDB sidecar", urls["dynamodb"])):
        try:
            with urllib.request.urlopen(url, timeout=3):
                pass
        except urllib.error.HTTPError:
            continue  # it answered, which is all we need
        except OSError as exc:
            return f"{name} is not reachable at {url} ({exc}); start it with `make localstack-up`"
    return None


@dataclass(frozen=True)
class BenchResources:
    bucket: str
    table: str
    key_id: str
    urls: dict[str, str]

    @property
    def upload_table(self) -> str:
        """The upload-record table next to the rate-limit table (issue 15)."""
        return f"{self.table}-uploads"

    def client(self, service: str) -> Any:
        url = self.urls["dynamodb"] if service == "dynamodb" else self.urls["default"]
        # The stubs type client() per literal service name; `service` is any of three.
        return boto3.client(service, endpoint_url=url, **CREDENTIALS)  # type: ignore[call-overload]

    @property
    def client_environment(self) -> dict[str, str]:
        """What a handler process needs to reach the emulators through boto3's standard variables."""
        return {
            "AWS_ENDPOINT_URL": self.urls["default"],
            "AWS_ENDPOINT_URL_DYNAMODB": self.urls["dynamodb"],
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }


@contextmanager
def bench_resources(root: Path) -> Iterator[BenchResources]:
    urls = endpoints(root)
    suffix = secrets.token_hex(4)
    resources = BenchResources(f"bench-{suffix}", f"bench-ratelimit-{suffix}", "", urls)
    s3, dynamodb, kms = resources.client("s3"), resources.client("dynamodb"), resources.client("kms")
    s3.create_bucket(Bucket=resources.bucket)
    dynamodb.create_table(
        TableName=resources.table,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.create_table(
        TableName=resources.upload_table,
        AttributeDefinitions=[{"AttributeName": "upload_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "upload_id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    key_id = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY", Description="bench")["KeyMetadata"]["KeyId"]
    resources = BenchResources(resources.bucket, resources.table, key_id, urls)
    try:
        yield resources
    finally:
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=resources.bucket):
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=resources.bucket, Key=item["Key"])
        s3.delete_bucket(Bucket=resources.bucket)
        dynamodb.delete_table(TableName=resources.table)
        dynamodb.delete_table(TableName=resources.upload_table)
        kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)


if __name__ == "__main__":
    # `python -m bench.localstack`: exit 0 when the emulators answer (whoever started them).
    problem = unavailable_reason(endpoints(Path(__file__).resolve().parents[1]))
    if problem:
        print(problem)
    raise SystemExit(1 if problem else 0)
