"""What S3 holds for a key, read with HeadObject: the checksum it stored, never the client's word."""

from __future__ import annotations

from typing import Any

from upload_api.failures import AWS_ERRORS, aws_error_code, aws_failure


def stored_checksum(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """What S3 stored for `key` (checksum and size), or None while there is no object."""
    try:
        head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    except AWS_ERRORS as exc:
        if aws_error_code(exc) in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise aws_failure(exc, "s3", "Storage unavailable; retry later.") from None
    return {
        "size": int(head["ContentLength"]),  # a HEAD answer always has Content-Length
        "sha256": head.get("ChecksumSHA256"),
        "checksum_type": head.get("ChecksumType") or ("FULL_OBJECT" if head.get("ChecksumSHA256") else None),
    }
