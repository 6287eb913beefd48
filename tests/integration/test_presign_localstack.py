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

from upload_api.presign import PresignedUpload, presigned_post, presigned_put

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


def _put(s3: Any, bucket: str, key: str, expires: int = 60) -> PresignedUpload:
    return presigned_put(s3, bucket=bucket, key=key, content_type=CONTENT_TYPE, size=len(BODY), expires=expires)


def _send(upload: PresignedUpload, body: bytes = BODY, **headers: str | None) -> requests.Response:
    """PUT `body` with the headers the API handed out (the length comes from the body), each
    header in `headers` replaced, added, or dropped when None."""
    sent = {name: value for name, value in (upload.headers or {}).items() if name != "Content-Length"}
    for keyword, value in headers.items():
        name = keyword.replace("_", "-")
        sent.pop(name, None)
        if value is not None:
            sent[name] = value
    return requests.put(upload.url, data=body, headers=sent, timeout=10)


def _signed_headers(upload: PresignedUpload) -> list[str]:
    return upload.url.split("X-Amz-SignedHeaders=")[1].split("&")[0].split("%3B")


def _stored(s3: Any, bucket: str, key: str) -> bool:
    return s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0) > 0


def test_put_with_the_signed_headers_succeeds(s3, bucket):
    response = _send(_put(s3, bucket, "ok.png"))
    assert response.status_code == 200, response.text
    assert s3.head_object(Bucket=bucket, Key="ok.png")["ContentType"] == CONTENT_TYPE


def test_put_content_type_is_bound_by_the_signature(s3, bucket):
    upload = _put(s3, bucket, "ct.png")
    assert "content-type" in _signed_headers(upload)
    response = _send(upload, Content_Type="text/html")
    assert response.status_code == 403
    assert "SignatureDoesNotMatch" in response.text
    assert not _stored(s3, bucket, "ct.png")


def test_put_content_length_is_bound_by_the_signature(s3, bucket):
    upload = _put(s3, bucket, "len.png")
    assert "content-length" in _signed_headers(upload)
    response = _send(upload, BODY + b"more")
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


def test_put_url_writes_its_object_once(s3, bucket):
    upload = _put(s3, bucket, "once.png")
    assert "if-none-match" in _signed_headers(upload)
    assert _send(upload).status_code == 200
    again = _send(upload, b"\x89PNG\r\n\x1a\n" + b"\x01" * 92)  # same length and type, other bytes
    assert again.status_code == 412 and "PreconditionFailed" in again.text
    assert s3.get_object(Bucket=bucket, Key="once.png")["Body"].read() == BODY


def test_put_without_the_write_once_header_is_refused(s3, bucket):
    upload = _put(s3, bucket, "no-inm.png")
    response = _send(upload, If_None_Match=None)
    assert response.status_code == 403 and "SignatureDoesNotMatch" in response.text
    assert not _stored(s3, bucket, "no-inm.png")


def test_without_if_none_match_a_put_url_overwrites(s3, bucket):
    # Why presigned_put signs If-None-Match: otherwise the URL rewrites its object until it expires.
    url = s3.generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": "again.png", "ContentType": CONTENT_TYPE, "ContentLength": len(BODY)},
        ExpiresIn=60,
    )
    for _ in range(2):
        assert requests.put(url, data=BODY, headers={"Content-Type": CONTENT_TYPE}, timeout=10).status_code == 200


# What a client may add to a presigned PUT, as S3 decides it (the API docs list the same).
CLIENT_SETTABLE = {
    "Cache-Control": "max-age=31536000",
    "Content-Disposition": "attachment; filename=x.html",
    "Content-Encoding": "gzip",
    "Content-Language": "xx",
    "Expires": "Thu, 01 Dec 2039 16:00:00 GMT",
}
CLIENT_REFUSED = {
    "x-amz-meta-note": "1",
    "x-amz-acl": "public-read",
    "x-amz-storage-class": "GLACIER",
    "x-amz-website-redirect-location": "https://evil.example/",
    "x-amz-tagging": "a=b",
    "x-amz-server-side-encryption": "AES256",
}


@pytest.mark.parametrize("name", sorted(CLIENT_SETTABLE))
def test_a_client_can_add_these_unsigned_standard_headers(s3, bucket, name):
    key = f"std-{name}.png"
    response = _send(_put(s3, bucket, key), **{name: CLIENT_SETTABLE[name]})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("name", sorted(CLIENT_REFUSED))
def test_a_client_cannot_add_unsigned_amz_headers(s3, bucket, name):
    key = f"amz-{name}.png"
    response = _send(_put(s3, bucket, key), **{name: CLIENT_REFUSED[name]})
    assert response.status_code == 403 and "not signed" in response.text
    assert not _stored(s3, bucket, key)


def test_put_url_expires(s3, bucket):
    upload = _put(s3, bucket, "late.png", expires=1)
    time.sleep(2.1)
    response = _send(upload)
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
