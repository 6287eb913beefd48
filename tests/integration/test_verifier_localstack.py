"""The verifier's S3 calls against LocalStack's S3: the checksum HeadObject reports for what the
API completed, server-side copies (whole and in parts) pinned to the checked ETag, and ranged
reads. The upload records live in memory here (the unit tests cover them on moto's DynamoDB)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from test_presign_localstack import s3  # noqa: F401 - the module's LocalStack client fixture

from verifier import storage
from verifier.config import Config
from verifier.events import ObjectCreated
from verifier.records import PENDING, READY, REJECTED, UPLOADED, UploadRecord
from verifier.verify import Verifier

pytestmark = pytest.mark.localstack

MIB = 1024 * 1024
OWNER = "YWxpY2U"


def b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def png_of_size(size: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 3, 8, 2, 0, 0, 0))
    image = chunk(b"IDAT", zlib.compress(b"\x00\x10\x20\x30" * 12)) + chunk(b"IEND", b"")
    padding = size - 8 - len(header) - len(image) - 12
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"zzTx", b"\x00" * padding) + image


class MemoryRecords:
    """The verifier's record store, in memory, with the same conditional-update semantics."""

    def __init__(self) -> None:
        self.items: dict[str, UploadRecord] = {}
        self.reasons: dict[str, str] = {}

    def get(self, upload_id: str) -> UploadRecord | None:
        return self.items.get(upload_id)

    def mark_ready(self, record: UploadRecord, content_type: str, now: int, **_: Any) -> bool:
        return self._decide(record, READY)

    def mark_rejected(self, record: UploadRecord, reason: Any, now: int) -> bool:
        self.reasons[record.upload_id] = reason.value
        return self._decide(record, REJECTED)

    def _decide(self, record: UploadRecord, verification: str) -> bool:
        if self.items[record.upload_id].verification != PENDING:
            return False
        self.items[record.upload_id] = replace(record, verification=verification)
        return True


@pytest.fixture
def bucket(s3: Any) -> Iterator[str]:  # noqa: F811
    name = f"verifier-proof-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    yield name
    for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
    for item in s3.list_objects_v2(Bucket=name).get("Contents", []):
        s3.delete_object(Bucket=name, Key=item["Key"])
    s3.delete_bucket(Bucket=name)


def _verifier(s3: Any, bucket: str, **limits: int) -> tuple[Verifier, MemoryRecords]:  # noqa: F811
    records = MemoryRecords()
    return Verifier(Config(bucket_name=bucket, upload_table="unused"), s3, records, **limits), records


def _record(records: MemoryRecords, method: str, data: bytes, **fields: Any) -> UploadRecord:
    upload_id = uuid.uuid4().hex
    record = UploadRecord(
        upload_id=upload_id,
        key=f"uploads/{OWNER}/{upload_id}.png",
        upload_key=f"quarantine/{OWNER}/{upload_id}.png",
        method=method,
        size=len(data),
        content_type="image/png",
        state=fields.pop("state", UPLOADED),
        verification=PENDING,
        **fields,
    )
    records.items[upload_id] = record
    return record


def test_a_single_upload_with_its_checksum_is_published_with_the_verified_type(s3, bucket):  # noqa: F811
    data = png_of_size(4096)
    verifier, records = _verifier(s3, bucket)
    record = _record(records, "PUT", data, sha256=b64sha(data), state="awaiting_upload")
    s3.put_object(Bucket=bucket, Key=record.upload_key, Body=data, ChecksumSHA256=b64sha(data), ContentType="image/png")
    outcome = verifier.handle(ObjectCreated("ObjectCreated:Put", bucket, record.upload_key))
    assert (outcome.verdict, outcome.reason) == ("ready", None)
    head = s3.head_object(Bucket=bucket, Key=record.key, ChecksumMode="ENABLED")
    assert head["ContentType"] == "image/png" and head["ChecksumSHA256"] == b64sha(data)
    assert s3.get_object(Bucket=bucket, Key=record.key)["Body"].read() == data
    assert not s3.list_objects_v2(Bucket=bucket, Prefix="quarantine/").get("KeyCount")


def test_a_multipart_upload_completed_as_the_api_does_matches_its_recorded_checksum(s3, bucket):  # noqa: F811
    """HeadObject's composite checksum is the one CompleteMultipartUpload answered (what the
    API records), so the verifier's checksum check passes for what the API completed."""
    data = png_of_size(5 * MIB + 321)
    verifier, records = _verifier(s3, bucket)
    upload_id = uuid.uuid4().hex
    upload_key = f"quarantine/{OWNER}/{upload_id}.png"
    created = s3.create_multipart_upload(
        Bucket=bucket, Key=upload_key, ContentType="image/png", ChecksumAlgorithm="SHA256"
    )
    parts = []
    for number, chunk in enumerate((data[: 5 * MIB], data[5 * MIB :]), start=1):
        answer = s3.upload_part(
            Bucket=bucket,
            Key=upload_key,
            UploadId=created["UploadId"],
            PartNumber=number,
            Body=chunk,
            ChecksumSHA256=b64sha(chunk),
        )
        parts.append({"PartNumber": number, "ETag": answer["ETag"], "ChecksumSHA256": b64sha(chunk)})
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key=upload_key, UploadId=created["UploadId"], MultipartUpload={"Parts": parts}
    )
    record = UploadRecord(
        upload_id=upload_id,
        key=f"uploads/{OWNER}/{upload_id}.png",
        upload_key=upload_key,
        method="MULTIPART",
        size=len(data),
        content_type="image/png",
        state=UPLOADED,
        verification=PENDING,
        result_sha256=done["ChecksumSHA256"],
        checksum_type="COMPOSITE",
    )
    records.items[upload_id] = record
    outcome = verifier.handle(ObjectCreated("ObjectCreated:CompleteMultipartUpload", bucket, upload_key))
    assert (outcome.verdict, outcome.reason) == ("ready", None), outcome
    assert s3.get_object(Bucket=bucket, Key=record.key)["Body"].read() == data
    # and a record that says other bytes were completed is refused (the negative control)
    other = _record(records, "MULTIPART", data, result_sha256=done["ChecksumSHA256"].replace("A", "B", 1) + "x")
    s3.copy_object(Bucket=bucket, Key=other.upload_key, CopySource={"Bucket": bucket, "Key": record.key})
    rejected = verifier.handle(ObjectCreated("ObjectCreated:Copy", bucket, other.upload_key))
    assert (rejected.verdict, rejected.reason) == ("rejected", "checksum_mismatch")


def test_a_large_object_is_copied_in_parts(s3, bucket):  # noqa: F811
    data = png_of_size(11 * MIB + 5)
    verifier, records = _verifier(s3, bucket, multipart_copy_above=5 * MIB, copy_part_bytes=5 * MIB)
    record = _record(records, "PUT", data, sha256=b64sha(data))
    s3.put_object(Bucket=bucket, Key=record.upload_key, Body=data, ChecksumSHA256=b64sha(data))
    outcome = verifier.handle(ObjectCreated("ObjectCreated:Put", bucket, record.upload_key))
    assert outcome.verdict == "ready", outcome
    published = s3.get_object(Bucket=bucket, Key=record.key)
    assert published["Body"].read() == data and published["ContentType"] == "image/png"


def test_a_copy_of_bytes_other_than_the_checked_ones_is_refused(s3, bucket):  # noqa: F811
    """CopySourceIfMatch: an object replaced after its check (a presigned POST may write again)
    is not published; its own event will be checked."""
    data = png_of_size(2048)
    s3.put_object(Bucket=bucket, Key="quarantine/x.png", Body=data)
    checked = storage.head(s3, bucket, "quarantine/x.png")
    assert checked is not None
    s3.put_object(Bucket=bucket, Key="quarantine/x.png", Body=data + b"more")
    with pytest.raises(storage.ObjectChangedError):
        storage.copy(s3, bucket, checked, "uploads/x.png", "image/png")
    with pytest.raises(storage.ObjectChangedError):
        storage.reader(s3, bucket, checked).pread(0, 16)
    fresh = storage.head(s3, bucket, "quarantine/x.png")
    storage.copy(s3, bucket, fresh, "uploads/x.png", "image/png")  # positive control
    assert s3.get_object(Bucket=bucket, Key="uploads/x.png")["Body"].read() == data + b"more"
