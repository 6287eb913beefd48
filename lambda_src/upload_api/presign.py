"""Presigned uploads: S3 itself enforces what the API decided."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PresignedUpload:
    method: str
    url: str
    fields: dict[str, str] | None = None
    headers: dict[str, str] | None = None


def presigned_post(
    s3: Any, *, bucket: str, key: str, content_type: str, size: int, expires: int, sha256: str | None = None
) -> PresignedUpload:
    """A POST policy binding the exact key (boto3 adds the `key` and `bucket` conditions
    from its arguments), the exact Content-Type and a size range that S3 checks. With
    `sha256`, the checksum fields are bound by `eq` conditions: S3 computes the body's
    SHA-256 and refuses other bytes (400 InvalidRequest)."""
    fields = {"Content-Type": content_type}
    conditions: list[Any] = [{"Content-Type": content_type}, ["content-length-range", 1, size]]
    if sha256 is not None:
        fields.update({"x-amz-checksum-algorithm": "SHA256", "x-amz-checksum-sha256": sha256})
        conditions += [
            ["eq", "$x-amz-checksum-algorithm", "SHA256"],
            ["eq", "$x-amz-checksum-sha256", sha256],
        ]
    post = s3.generate_presigned_post(Bucket=bucket, Key=key, Fields=fields, Conditions=conditions, ExpiresIn=expires)
    return PresignedUpload("POST", post["url"], fields=dict(post["fields"]))


def presigned_put(
    s3: Any, *, bucket: str, key: str, content_type: str, size: int, expires: int, sha256: str | None = None
) -> PresignedUpload:
    """A presigned PUT that writes its object once. Only signed headers are enforced:
    Content-Type and Content-Length are signed, so S3 rejects another type or body length, and
    `If-None-Match: *` is signed, so S3 refuses (412) a second write to the key while the URL
    lives (proved against LocalStack's S3 in tests/integration/test_presign_localstack.py).
    With `sha256`, `x-amz-checksum-sha256` is signed too: S3 answers BadDigest for other bytes
    and SignatureDoesNotMatch when the header is left out."""
    params: dict[str, Any] = {
        "Bucket": bucket,
        "Key": key,
        "ContentType": content_type,
        "ContentLength": size,
        "IfNoneMatch": "*",
    }
    headers = {"Content-Type": content_type, "Content-Length": str(size), "If-None-Match": "*"}
    if sha256 is not None:
        params["ChecksumSHA256"] = sha256
        headers["x-amz-checksum-sha256"] = sha256
    url = s3.generate_presigned_url("put_object", Params=params, ExpiresIn=expires, HttpMethod="PUT")
    return PresignedUpload("PUT", url, headers=headers)


def presigned_part(
    s3: Any, *, bucket: str, key: str, s3_upload_id: str, part_number: int, size: int, sha256: str, expires: int
) -> PresignedUpload:
    """A presigned UploadPart binding the part's exact Content-Length and SHA-256 (both signed
    headers): S3 answers BadDigest for other bytes and SignatureDoesNotMatch for another length."""
    url = s3.generate_presigned_url(
        "upload_part",
        Params={
            "Bucket": bucket,
            "Key": key,
            "UploadId": s3_upload_id,
            "PartNumber": part_number,
            "ContentLength": size,
            "ChecksumSHA256": sha256,
        },
        ExpiresIn=expires,
        HttpMethod="PUT",
    )
    return PresignedUpload("PUT", url, headers={"Content-Length": str(size), "x-amz-checksum-sha256": sha256})
