"""What a presigned upload really binds, proved against LocalStack's S3 with signature
validation on (S3_SKIP_SIGNATURE_VALIDATION=0), using the API's own presign functions.

moto does not check presigned signatures or POST policies; LocalStack does, like S3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from upload_api.presign import presigned_post, presigned_put

pytestmark = pytest.mark.localstack

ROOT = Path(__file__).resolve().parents[2]
CONTENT_TYPE = "image/png"
BODY = b"\x89PNG\r\n\x1a\n" + b"\x00" * 92  # 100 bytes


def _endpoint() -> str:
    if os.environ.get("LOCALSTACK_ENDPOINT"):
        return os.environ["LOCALSTACK_ENDPOINT"]
    try:
        return json.loads((ROOT / "build" / "localstack" / "endpoints.json").read_text())["default"]
    except (OSError, ValueError, KeyError):
        return "http://127.0.0.1:4566"


def _healthy(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/_localstack/health", timeout=3) as response:
            return json.load(response)["services"].get("s3") in {"available", "running"}
    except (OSError, ValueError, KeyError):
        return False


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    endpoint = _endpoint()
    if not _healthy(endpoint):
        subprocess.run(
            [sys.executable, str(ROOT / "harness" / "localstack_launcher.py"), "up"], check=True, timeout=300
        )
        endpoint = _endpoint()
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(signature_version="s3v4"),
    )
    yield client


@pytest.fixture
def bucket(s3: Any) -> Iterator[str]:
    name = f"presign-proof-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    yield name
    for item in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=item["Key"])
    s3.delete_bucket(Bucket=name)


def _put(s3: Any, bucket: str, key: str, expires: int = 60) -> str:
    return presigned_put(s3, bucket=bucket, key=key, content_type=CONTENT_TYPE, size=len(BODY), expires=expires).url


def _stored(s3: Any, bucket: str, key: str) -> bool:
    return s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0) > 0


def test_put_with_the_signed_headers_succeeds(s3, bucket):
    response = requests.put(_put(s3, bucket, "ok.png"), data=BODY, headers={"Content-Type": CONTENT_TYPE}, timeout=10)
    assert response.status_code == 200, response.text
    assert s3.head_object(Bucket=bucket, Key="ok.png")["ContentType"] == CONTENT_TYPE


def test_put_content_type_is_bound_by_the_signature(s3, bucket):
    url = _put(s3, bucket, "ct.png")
    assert "content-type" in url.split("X-Amz-SignedHeaders=")[1].split("&")[0]
    response = requests.put(url, data=BODY, headers={"Content-Type": "text/html"}, timeout=10)
    assert response.status_code == 403
    assert "SignatureDoesNotMatch" in response.text
    assert not _stored(s3, bucket, "ct.png")


def test_put_content_length_is_bound_by_the_signature(s3, bucket):
    url = _put(s3, bucket, "len.png")
    assert "content-length" in url.split("X-Amz-SignedHeaders=")[1].split("&")[0]
    response = requests.put(url, data=BODY + b"more", headers={"Content-Type": CONTENT_TYPE}, timeout=10)
    assert response.status_code == 403
    assert "SignatureDoesNotMatch" in response.text
    assert not _stored(s3, bucket, "len.png")


def test_without_content_length_parameter_boto3_does_not_sign_the_length(s3, bucket):
    # Why presigned_put passes ContentLength: otherwise any size goes.
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "free.png", "ContentType": CONTENT_TYPE}, ExpiresIn=60
    )
    assert "content-length" not in url.split("X-Amz-SignedHeaders=")[1].split("&")[0]
    response = requests.put(url, data=BODY * 3, headers={"Content-Type": CONTENT_TYPE}, timeout=10)
    assert response.status_code == 200


def test_put_url_expires(s3, bucket):
    url = _put(s3, bucket, "late.png", expires=1)
    time.sleep(2.1)
    response = requests.put(url, data=BODY, headers={"Content-Type": CONTENT_TYPE}, timeout=10)
    assert response.status_code == 403
    assert not _stored(s3, bucket, "late.png")


def _post(s3: Any, bucket: str, key: str, *, size: int = len(BODY), **changes: Any) -> requests.Response:
    upload = presigned_post(s3, bucket=bucket, key=key, content_type=CONTENT_TYPE, size=size, expires=60)
    fields = {**upload.fields, **changes.pop("fields", {})}
    body = changes.pop("body", BODY)
    return requests.post(upload.url, data=fields, files={"file": ("x.png", body, CONTENT_TYPE)}, timeout=10)


def test_post_policy_accepts_the_declared_upload(s3, bucket):
    response = _post(s3, bucket, "post.png")
    assert response.status_code == 204, response.text
    assert _stored(s3, bucket, "post.png")


def test_post_policy_enforces_the_size_range(s3, bucket):
    response = _post(s3, bucket, "big.png", size=50)
    assert response.status_code == 400
    assert "EntityTooLarge" in response.text
    assert not _stored(s3, bucket, "big.png")


def test_post_policy_enforces_the_content_type(s3, bucket):
    response = _post(s3, bucket, "type.png", fields={"Content-Type": "text/html"})
    assert response.status_code == 403
    assert not _stored(s3, bucket, "type.png")


def test_post_policy_enforces_the_exact_key(s3, bucket):
    response = _post(s3, bucket, "mine.png", fields={"key": "someone-else.png"})
    assert response.status_code == 403
    assert not _stored(s3, bucket, "someone-else.png")
