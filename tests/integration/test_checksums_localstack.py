"""Issue 15's S3-enforced rules, proved against LocalStack's S3 with signature validation on,
using the API's own presign functions and multipart calls; each refusal with S3's error code,
next to its positive control (the same request with the right bytes)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from test_presign_localstack import s3  # noqa: F401 - the module's LocalStack client fixture

from upload_api.config import MIB
from upload_api.multipart import check_parts, list_s3_parts
from upload_api.presign import presigned_part, presigned_post, presigned_put
from upload_api.records import UPLOADING, UploadRecord

pytestmark = pytest.mark.localstack

CONTENT_TYPE = "image/png"
BODY = b"\x89PNG\r\n\x1a\n" + b"\x01" * 92
OTHER = b"\x89PNG\r\n\x1a\n" + b"\x02" * 92  # same length, other bytes


def b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


@pytest.fixture
def bucket(s3: Any) -> Iterator[str]:  # noqa: F811
    name = f"checksum-proof-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    yield name
    for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
    for item in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=item["Key"])
    s3.delete_bucket(Bucket=name)


def _code(response: requests.Response) -> str:
    return response.text.split("<Code>")[1].split("</Code>")[0] if "<Code>" in response.text else response.text


def _put(client: Any, bucket: str, key: str) -> Any:
    return presigned_put(
        client, bucket=bucket, key=key, content_type=CONTENT_TYPE, size=len(BODY), expires=60, sha256=b64sha(BODY)
    )


def test_presigned_put_refuses_other_bytes_with_bad_digest(s3, bucket):  # noqa: F811
    upload = _put(s3, bucket, "put.png")
    wrong = requests.put(upload.url, data=OTHER, headers=upload.headers, timeout=10)
    assert (wrong.status_code, _code(wrong)) == (400, "BadDigest")
    right = requests.put(upload.url, data=BODY, headers=upload.headers, timeout=10)
    assert right.status_code == 200, right.text
    head = s3.head_object(Bucket=bucket, Key="put.png", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == b64sha(BODY)  # what the status route reports


def test_presigned_put_without_the_checksum_header_is_signature_does_not_match(s3, bucket):  # noqa: F811
    upload = _put(s3, bucket, "nohdr.png")
    headers = {k: v for k, v in upload.headers.items() if k != "x-amz-checksum-sha256"}
    missing = requests.put(upload.url, data=BODY, headers=headers, timeout=10)
    assert (missing.status_code, _code(missing)) == (403, "SignatureDoesNotMatch")
    assert requests.put(upload.url, data=BODY, headers=upload.headers, timeout=10).status_code == 200


def test_presigned_post_refuses_other_bytes_with_invalid_request(s3, bucket):  # noqa: F811
    post = presigned_post(
        s3, bucket=bucket, key="post.png", content_type=CONTENT_TYPE, size=len(BODY), expires=60, sha256=b64sha(BODY)
    )
    assert post.fields is not None
    wrong = requests.post(post.url, data=post.fields, files={"file": ("x.png", OTHER, CONTENT_TYPE)}, timeout=10)
    assert (wrong.status_code, _code(wrong)) == (400, "InvalidRequest")
    right = requests.post(post.url, data=post.fields, files={"file": ("x.png", BODY, CONTENT_TYPE)}, timeout=10)
    assert right.status_code in {200, 204}, right.text


def _multipart(client: Any, bucket: str, key: str, size: int, part_size: int) -> UploadRecord:
    created = client.create_multipart_upload(
        Bucket=bucket, Key=key, ContentType=CONTENT_TYPE, ChecksumAlgorithm="SHA256"
    )
    return UploadRecord(
        upload_id="0" * 32,
        owner="alice",
        key=key,
        method="MULTIPART",
        size=size,
        content_type=CONTENT_TYPE,
        state=UPLOADING,
        created_at=0,
        expires_at=2**31,
        part_size=part_size,
        part_count=-(-size // part_size),
        s3_upload_id=created["UploadId"],
    )


def _part_url(client: Any, bucket: str, record: UploadRecord, number: int, data: bytes) -> Any:
    assert record.s3_upload_id is not None
    return presigned_part(
        client,
        bucket=bucket,
        key=record.key,
        s3_upload_id=record.s3_upload_id,
        part_number=number,
        size=record.part_length(number),
        sha256=b64sha(data),
        expires=60,
    )


def test_upload_part_binds_checksum_and_length(s3, bucket):  # noqa: F811
    data = b"p" * (5 * MIB) + b"q" * 10
    record = _multipart(s3, bucket, "mp.png", len(data), 5 * MIB)
    first, last = data[: 5 * MIB], data[5 * MIB :]
    url = _part_url(s3, bucket, record, 2, last)
    wrong = requests.put(url.url, data=b"x" * 10, headers=url.headers, timeout=30)
    assert (wrong.status_code, _code(wrong)) == (400, "BadDigest")
    longer = requests.put(url.url, data=last + b"!", headers={"x-amz-checksum-sha256": b64sha(last)}, timeout=30)
    assert (longer.status_code, _code(longer)) == (403, "SignatureDoesNotMatch")
    for number, chunk in ((1, first), (2, last)):
        signed = _part_url(s3, bucket, record, number, chunk)
        sent = requests.put(signed.url, data=chunk, headers=signed.headers, timeout=60)
        assert sent.status_code == 200, sent.text
    parts = list_s3_parts(s3, bucket, record)
    assert [(int(p["PartNumber"]), p["ChecksumSHA256"]) for p in parts] == [(1, b64sha(first)), (2, b64sha(last))]
    check_parts(record, parts)  # the server's checks pass on what S3 lists


def test_complete_refuses_a_part_list_without_checksums(s3, bucket):  # noqa: F811
    data = b"z" * 100
    record = _multipart(s3, bucket, "nock.png", len(data), 5 * MIB)
    signed = _part_url(s3, bucket, record, 1, data)
    assert requests.put(signed.url, data=data, headers=signed.headers, timeout=30).status_code == 200
    parts = list_s3_parts(s3, bucket, record)
    bare = [{"PartNumber": 1, "ETag": parts[0]["ETag"]}]
    with pytest.raises(s3.exceptions.ClientError) as refused:
        s3.complete_multipart_upload(
            Bucket=bucket, Key=record.key, UploadId=record.s3_upload_id, MultipartUpload={"Parts": bare}
        )
    assert refused.value.response["Error"]["Code"] == "InvalidRequest"
    full = [{**bare[0], "ChecksumSHA256": parts[0]["ChecksumSHA256"]}]
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key=record.key, UploadId=record.s3_upload_id, MultipartUpload={"Parts": full}
    )
    assert done["ChecksumSHA256"].endswith("-1")
    assert s3.get_object(Bucket=bucket, Key=record.key)["Body"].read() == data
