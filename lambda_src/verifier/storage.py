"""The verifier's S3 calls: HeadObject with the stored checksum, ranged reads pinned to the
ETag that was checked, server-side copies (no bytes through the function) and deletes."""

from __future__ import annotations

import contextlib
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from verifier.reader import RangedReader

GIB = 1024**3
MIB = 1024**2
# CopyObject copies up to 5 GiB; above, UploadPartCopy (parts of 5 MiB..5 GiB, at most 10,000).
COPY_OBJECT_LIMIT_BYTES = 5 * GIB
COPY_PART_BYTES = 512 * MIB
MAX_PARTS = 10_000
COPY_CONCURRENCY = 8
REASON_METADATA = "rejection-reason"
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_CHANGED = frozenset({"412", "PreconditionFailed"})


class ObjectChangedError(Exception):
    """The object was replaced (a presigned POST may write again until it expires) or removed
    after it was checked: this event's bytes are gone, and the new write has its own event."""


def error_code(error: Exception) -> str:
    return str(error.response.get("Error", {}).get("Code", "")) if isinstance(error, ClientError) else ""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    etag: str
    content_type: str | None
    sha256: str | None
    checksum_type: str | None
    metadata: dict[str, str]


def head(s3: Any, bucket: str, key: str) -> StoredObject | None:
    try:
        answer = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    except ClientError as exc:
        if error_code(exc) in _MISSING:
            return None
        raise
    sha256 = answer.get("ChecksumSHA256")
    return StoredObject(
        key=key,
        size=int(answer.get("ContentLength", 0)),
        etag=str(answer["ETag"]),
        content_type=answer.get("ContentType"),
        sha256=sha256,
        checksum_type=answer.get("ChecksumType") or ("FULL_OBJECT" if sha256 else None),
        metadata=dict(answer.get("Metadata") or {}),
    )


def reader(s3: Any, bucket: str, stored: StoredObject) -> RangedReader:
    def fetch(start: int, end: int) -> bytes:
        try:
            answer = s3.get_object(Bucket=bucket, Key=stored.key, Range=f"bytes={start}-{end}", IfMatch=stored.etag)
        except ClientError as exc:
            if error_code(exc) in _CHANGED | _MISSING:
                raise ObjectChangedError(stored.key) from None
            raise
        body: bytes = answer["Body"].read()
        return body

    return RangedReader(fetch, stored.size)


def copy(
    s3: Any,
    bucket: str,
    source: StoredObject,
    destination: str,
    content_type: str,
    *,
    metadata: dict[str, str] | None = None,
    multipart_above: int = COPY_OBJECT_LIMIT_BYTES,
    part_bytes: int = COPY_PART_BYTES,
) -> None:
    """Copy `source` (exactly the version that was checked: CopySourceIfMatch) to `destination`
    with only the given type and metadata: REPLACE drops whatever Content-Disposition,
    Content-Encoding or Cache-Control a presigned PUT let the client set."""
    common = {
        "Bucket": bucket,
        "Key": destination,
        "ContentType": content_type,
        "Metadata": metadata or {},
        "ChecksumAlgorithm": "SHA256",
    }
    try:
        if source.size <= multipart_above:
            s3.copy_object(
                CopySource={"Bucket": bucket, "Key": source.key},
                CopySourceIfMatch=source.etag,
                MetadataDirective="REPLACE",
                **common,
            )
        else:
            _multipart_copy(s3, bucket, source, common, part_bytes)
    except ClientError as exc:
        if error_code(exc) in _CHANGED | _MISSING:
            raise ObjectChangedError(source.key) from None
        raise


def _multipart_copy(s3: Any, bucket: str, source: StoredObject, common: dict[str, Any], part_bytes: int) -> None:
    part_bytes = max(part_bytes, math.ceil(math.ceil(source.size / MAX_PARTS) / MIB) * MIB)
    count = math.ceil(source.size / part_bytes)
    upload_id = s3.create_multipart_upload(**common)["UploadId"]
    target = {"Bucket": bucket, "Key": common["Key"], "UploadId": upload_id}

    def copy_part(number: int) -> dict[str, Any]:
        first = (number - 1) * part_bytes
        last = min(source.size, number * part_bytes) - 1
        answer = s3.upload_part_copy(
            CopySource={"Bucket": bucket, "Key": source.key},
            CopySourceIfMatch=source.etag,
            CopySourceRange=f"bytes={first}-{last}",
            PartNumber=number,
            **target,
        )["CopyPartResult"]
        part = {"PartNumber": number, "ETag": answer["ETag"]}
        if answer.get("ChecksumSHA256"):
            part["ChecksumSHA256"] = answer["ChecksumSHA256"]
        return part

    try:
        with ThreadPoolExecutor(max_workers=min(COPY_CONCURRENCY, count)) as pool:
            parts = list(pool.map(copy_part, range(1, count + 1)))
        s3.complete_multipart_upload(MultipartUpload={"Parts": parts}, **target)
    except Exception:
        # No orphaned parts left to bill; the lifecycle rule is the backstop if this fails too.
        with contextlib.suppress(ClientError):
            s3.abort_multipart_upload(**target)
        raise


def delete(s3: Any, bucket: str, key: str) -> None:
    s3.delete_object(Bucket=bucket, Key=key)
