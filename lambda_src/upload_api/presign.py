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


def presigned_post(s3: Any, *, bucket: str, key: str, content_type: str, size: int, expires: int) -> PresignedUpload:
    """A POST policy binding the exact key (boto3 adds the `key` and `bucket` conditions
    from its arguments), the exact Content-Type and a size range that S3 checks."""
    post = s3.generate_presigned_post(
        Bucket=bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, size]],
        ExpiresIn=expires,
    )
    return PresignedUpload("POST", post["url"], fields=dict(post["fields"]))


def presigned_put(s3: Any, *, bucket: str, key: str, content_type: str, size: int, expires: int) -> PresignedUpload:
    """A presigned PUT that writes its object once. Only signed headers are enforced:
    Content-Type and Content-Length are signed, so S3 rejects another type or body length, and
    `If-None-Match: *` is signed, so S3 refuses (412) a second write to the key while the URL
    lives (proved against LocalStack's S3 in tests/integration/test_presign_localstack.py)."""
    url = s3.generate_presigned_url(
        "put_object",
        Params={"Bucket": bucket, "Key": key, "ContentType": content_type, "ContentLength": size, "IfNoneMatch": "*"},
        ExpiresIn=expires,
        HttpMethod="PUT",
    )
    headers = {"Content-Type": content_type, "Content-Length": str(size), "If-None-Match": "*"}
    return PresignedUpload("PUT", url, headers=headers)
