"""What a presigned URL authorizes, checked by recomputing its SigV4 signature (no network):
the method, the signed headers and their values, and the lifetime. A POST policy's
conditions are base64 JSON and are decoded instead."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import boto3
import pytest
from botocore.config import Config

from upload_api.presign import PresignedUpload, presigned_part, presigned_post, presigned_put

REGION = "us-east-1"
ACCESS_KEY, SECRET_KEY = "AKIDPRESIGNTEST", "presign-test-secret"
BUCKET, KEY = "uploads-bucket", "quarantine/owner/0123.png"
SHA = base64.b64encode(hashlib.sha256(b"bytes").digest()).decode("ascii")
EXPIRES = 120  # not botocore's default of 3600


def _client(secret: str) -> Any:
    # SigV4 as the handler's client (budget.client(..., signature_version="s3v4")).
    return boto3.client(
        "s3",
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=secret,
        config=Config(signature_version="s3v4"),
    )


@pytest.fixture
def s3() -> Any:
    return _client(SECRET_KEY)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def authorizes(url: str, method: str, headers: Mapping[str, str]) -> bool:
    """Whether S3 would accept this presigned URL for a request with this method and these
    headers: SigV4 query signing, recomputed from the AWS specification."""
    parts = urlsplit(url)
    query = query_of(url)
    signature = query.pop("X-Amz-Signature")
    signed = query["X-Amz-SignedHeaders"].split(";")
    sent = {name.lower(): value.strip() for name, value in headers.items()} | {"host": parts.netloc}
    if any(name not in sent for name in signed):
        return False
    canonical_query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query.items()))
    canonical_headers = "".join(f"{name}:{sent[name]}\n" for name in signed)
    canonical = "\n".join(
        [method, parts.path, canonical_query, canonical_headers, ";".join(signed), "UNSIGNED-PAYLOAD"]
    )
    scope = query["X-Amz-Credential"].split("/", 1)[1]
    date, region, service, _ = scope.split("/")
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", query["X-Amz-Date"], scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{SECRET_KEY}".encode(), date), region), service), "aws4_request")
    return hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), signature)


def _assert_signed_for_put_only(upload: PresignedUpload) -> None:
    assert upload.method == "PUT"
    assert upload.headers is not None
    query = query_of(upload.url)
    assert query["X-Amz-Expires"] == str(EXPIRES)
    assert authorizes(upload.url, "PUT", upload.headers)
    for other in ("POST", "GET"):
        assert not authorizes(upload.url, other, upload.headers), other
    for name in upload.headers:
        assert not authorizes(upload.url, "PUT", {**upload.headers, name: upload.headers[name] + "0"}), name


def test_a_presigned_part_authorizes_a_put_of_that_part_with_its_length_and_checksum_only(s3):
    upload = presigned_part(
        s3, bucket=BUCKET, key=KEY, s3_upload_id="upload-1", part_number=2, size=5, sha256=SHA, expires=EXPIRES
    )
    assert upload.headers == {"Content-Length": "5", "x-amz-checksum-sha256": SHA}
    assert upload.fields is None
    _assert_signed_for_put_only(upload)
    query = query_of(upload.url)
    assert (query["partNumber"], query["uploadId"]) == ("2", "upload-1")
    assert urlsplit(upload.url).path.endswith("/" + KEY)


@pytest.mark.parametrize("sha256", [None, SHA])
def test_a_presigned_put_authorizes_a_put_with_its_type_length_and_write_once_only(s3, sha256):
    upload = presigned_put(s3, bucket=BUCKET, key=KEY, content_type="image/png", size=5, expires=EXPIRES, sha256=sha256)
    expected = {"Content-Type": "image/png", "Content-Length": "5", "If-None-Match": "*"}
    assert upload.headers == (expected if sha256 is None else {**expected, "x-amz-checksum-sha256": sha256})
    assert upload.fields is None
    _assert_signed_for_put_only(upload)
    # A client that leaves out the write-once header is refused, not given an overwrite.
    assert not authorizes(upload.url, "PUT", {k: v for k, v in upload.headers.items() if k != "If-None-Match"})


def test_the_signature_check_accepts_only_the_secret_it_was_made_with():
    """Control for `authorizes`: a URL signed with another secret does not pass."""
    other = _client("other")
    upload = presigned_part(
        other, bucket=BUCKET, key=KEY, s3_upload_id="u", part_number=1, size=5, sha256=SHA, expires=EXPIRES
    )
    assert upload.headers is not None
    assert not authorizes(upload.url, "PUT", upload.headers)


@pytest.mark.parametrize("sha256", [None, SHA])
def test_a_presigned_post_policy_binds_key_type_size_checksum_and_lifetime(s3, sha256):
    upload = presigned_post(
        s3, bucket=BUCKET, key=KEY, content_type="image/png", size=5, expires=EXPIRES, sha256=sha256
    )
    assert upload.method == "POST"
    assert upload.url == f"https://{BUCKET}.s3.amazonaws.com/"
    assert upload.headers is None
    assert upload.fields is not None
    policy = json.loads(base64.b64decode(upload.fields["policy"]))
    checksum = [
        ["eq", "$x-amz-checksum-algorithm", "SHA256"],
        ["eq", "$x-amz-checksum-sha256", SHA],
    ]
    conditions = policy["conditions"]
    for condition in [{"Content-Type": "image/png"}, ["content-length-range", 1, 5], {"bucket": BUCKET}, {"key": KEY}]:
        assert condition in conditions
    for condition in checksum:
        assert (condition in conditions) is (sha256 is not None)
    assert upload.fields["key"] == KEY and upload.fields["Content-Type"] == "image/png"
    extra = {"x-amz-checksum-algorithm": "SHA256", "x-amz-checksum-sha256": SHA}
    for name, value in extra.items():
        assert upload.fields.get(name) == (value if sha256 is not None else None)
