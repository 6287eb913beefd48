"""Multipart uploads: create (from POST /uploads), sign parts, list parts, complete, abort.

The server decides everything that matters: the key, the part size and count, each part's
exact length and SHA-256 (bound into its presigned UploadPart), and what is completed (the
parts S3 lists, never the client's list). Only the record's owner may act on an upload."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from upload_api import metrics
from upload_api.auth import Principal
from upload_api.checksums import parse_sha256
from upload_api.config import MAX_PARTS, MIB, Config
from upload_api.errors import (
    BadRequestError,
    IncompleteUploadError,
    InvalidPartNumberError,
    SizeMismatchError,
    UploadAbortedError,
    UploadExpiredError,
    UploadNotFoundError,
    UploadStateError,
)
from upload_api.failures import AWS_ERRORS, aws_error_code, aws_failure
from upload_api.keys import new_keys
from upload_api.media_types import extension_for
from upload_api.presign import presigned_part
from upload_api.records import ABORTED, UPLOADED, UPLOADING, UploadRecord, UploadRecords
from upload_api.responses import caller, iso, json_body, json_response, services_of
from upload_api.stored_objects import stored_checksum

MAX_PARTS_PER_BATCH = 100
CHECKSUM_TYPE = "COMPOSITE"
_HEX = frozenset("0123456789abcdef")

router = APIGatewayRouter()  # type: ignore[no-untyped-call]
logger = Logger(child=True)


@dataclass(frozen=True)
class MultipartRequest:
    content_type: str
    size: int
    filename: str | None
    sha256: str | None


def choose_part_size(size: int, preferred: int) -> int:
    """The configured part size, grown (in whole MiB) until the file fits in 10,000 parts."""
    needed = math.ceil(size / MAX_PARTS)
    return max(preferred, math.ceil(needed / MIB) * MIB)


def _s3_failure(exc: Exception) -> Exception:
    return aws_failure(exc, "s3", "Storage unavailable; retry later.")


def create_multipart(
    request: MultipartRequest, principal: Principal, config: Config, s3: Any, records: UploadRecords, *, now: int
) -> dict[str, Any]:
    upload_key, object_key = new_keys(config, principal.sub, extension_for(request.content_type, request.filename))
    part_size = choose_part_size(request.size, config.part_size_bytes)
    part_count = math.ceil(request.size / part_size)
    try:
        created = s3.create_multipart_upload(
            Bucket=config.bucket_name,
            Key=upload_key.key,
            ContentType=request.content_type,
            ChecksumAlgorithm="SHA256",
        )
    except AWS_ERRORS as exc:
        raise _s3_failure(exc) from None
    record = UploadRecord(
        upload_id=object_key.object_id,
        owner=principal.sub,
        key=object_key.key,
        upload_key=upload_key.key,
        method="MULTIPART",
        size=request.size,
        content_type=request.content_type,
        state=UPLOADING,
        created_at=now,
        expires_at=now + config.multipart_expires_seconds,
        sha256=request.sha256,
        part_size=part_size,
        part_count=part_count,
        s3_upload_id=created["UploadId"],
    )
    try:
        records.put_new(record)
    except Exception:
        # Nothing left behind that no record owns.
        _abort_quietly(s3, config.bucket_name, upload_key.key, created["UploadId"])
        raise
    return {
        "upload_id": record.upload_id,
        "key": record.key,
        "upload_key": record.storage_key,
        "method": "MULTIPART",
        "part_size": part_size,
        "part_count": part_count,
        "max_size": request.size,
        "expires_at": iso(now + config.multipart_expires_seconds),
    }


def _abort_quietly(s3: Any, bucket: str, key: str, s3_upload_id: str) -> None:
    try:
        s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=s3_upload_id)
    except AWS_ERRORS:
        logger.warning("abort after a failed record write failed; the lifecycle rule cleans it up")


def owned_record(records: UploadRecords, upload_id: str, principal: Principal, now: int) -> UploadRecord:
    """The caller's record for `upload_id`: 404 for unknown or someone else's, 410 when expired."""
    if len(upload_id) != 32 or not set(upload_id) <= _HEX:
        raise UploadNotFoundError
    record = records.get(upload_id)
    if record is None or record.owner != principal.sub:
        raise UploadNotFoundError
    if record.expires_at is not None and record.expires_at <= now and record.state != UPLOADED:
        raise UploadExpiredError
    return record


def open_multipart(records: UploadRecords, upload_id: str, principal: Principal, now: int) -> UploadRecord:
    """A multipart upload of the caller's that may still receive parts."""
    record = owned_record(records, upload_id, principal, now)
    if record.state == ABORTED:
        raise UploadAbortedError
    if record.method != "MULTIPART" or record.s3_upload_id is None:
        raise UploadStateError("This upload is not a multipart upload.")
    if record.state == UPLOADED:
        raise UploadStateError("This upload is already complete.")
    return record


def parse_part_requests(body: object, record: UploadRecord) -> list[tuple[int, str]]:
    if not isinstance(body, dict) or not isinstance(body.get("parts"), list):
        raise BadRequestError('The body must be {"parts": [{"part_number", "sha256"}, ...]}.')
    parts = body["parts"]
    if not 1 <= len(parts) <= MAX_PARTS_PER_BATCH:
        raise BadRequestError(f"parts must list 1..{MAX_PARTS_PER_BATCH} parts.")
    wanted: list[tuple[int, str]] = []
    for part in parts:
        if not isinstance(part, dict):
            raise BadRequestError("Each part must be an object.")
        number = part.get("part_number")
        assert record.part_count is not None
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= record.part_count:
            raise InvalidPartNumberError(f"part_number must be an integer in 1..{record.part_count}.")
        wanted.append((number, parse_sha256(part.get("sha256"), f"parts[{number}].sha256")))
    if len({number for number, _ in wanted}) != len(wanted):
        raise BadRequestError("Each part_number may appear once per batch.")
    return wanted


def sign_parts(
    record: UploadRecord, wanted: list[tuple[int, str]], config: Config, s3: Any, *, now: int
) -> dict[str, Any]:
    assert record.s3_upload_id is not None
    signed = []
    for number, sha256 in wanted:
        upload = presigned_part(
            s3,
            bucket=config.bucket_name,
            key=record.storage_key,
            s3_upload_id=record.s3_upload_id,
            part_number=number,
            size=record.part_length(number),
            sha256=sha256,
            expires=config.presign_expires_seconds,
        )
        signed.append(
            {
                "part_number": number,
                "method": upload.method,
                "url": upload.url,
                "headers": upload.headers,
                "expires_at": iso(now + config.presign_expires_seconds),
            }
        )
    return {"parts": signed}


def list_s3_parts(s3: Any, bucket: str, record: UploadRecord) -> list[dict[str, Any]]:
    """Every part S3 holds for the upload (all pages), in part-number order."""
    parts: list[dict[str, Any]] = []
    marker = 0
    while True:
        try:
            page = s3.list_parts(
                Bucket=bucket,
                Key=record.storage_key,
                UploadId=record.s3_upload_id,
                PartNumberMarker=marker,
                MaxParts=1000,
            )
        except AWS_ERRORS as exc:
            if aws_error_code(exc) == "NoSuchUpload":
                raise UploadStateError("S3 no longer holds this upload.") from None
            raise _s3_failure(exc) from None
        parts.extend(page.get("Parts", []))
        if not page.get("IsTruncated"):
            return sorted(parts, key=lambda part: int(part["PartNumber"]))
        marker = int(page["NextPartNumberMarker"])


def parts_view(record: UploadRecord, parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "upload_id": record.upload_id,
        "key": record.key,
        "part_size": record.part_size,
        "part_count": record.part_count,
        "parts": [
            {"part_number": int(p["PartNumber"]), "size": int(p["Size"]), "sha256": p.get("ChecksumSHA256")}
            for p in parts
        ],
    }


def completed_view(record: UploadRecord) -> dict[str, Any]:
    return {
        "upload_id": record.upload_id,
        "key": record.key,
        "size": record.size,
        "sha256": record.result_sha256,
        "checksum_type": record.checksum_type,
        "state": record.state,
    }


def check_parts(record: UploadRecord, parts: list[dict[str, Any]]) -> None:
    """S3's parts must be exactly parts 1..part_count, each of its exact length. (That each
    has its SHA-256 is S3's own rule for an upload created with ChecksumAlgorithm=SHA256.)"""
    assert record.part_count is not None
    numbers = [int(p["PartNumber"]) for p in parts]
    missing = sorted(set(range(1, record.part_count + 1)) - set(numbers))
    if missing:
        shown = ", ".join(str(n) for n in missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise IncompleteUploadError(f"Missing parts: {shown}.")
    extra = sorted(set(numbers) - set(range(1, record.part_count + 1)))
    if extra:
        raise SizeMismatchError(f"Parts beyond part {record.part_count} exist.")
    total = sum(int(p["Size"]) for p in parts)
    if total != record.size:
        raise SizeMismatchError(f"The parts add up to {total} bytes, not the declared {record.size}.")
    for part in parts:
        if int(part["Size"]) != record.part_length(int(part["PartNumber"])):
            raise SizeMismatchError(f"Part {part['PartNumber']} has the wrong size.")


def complete_upload(record: UploadRecord, config: Config, s3: Any, records: UploadRecords) -> dict[str, Any]:
    if record.state == UPLOADED:
        return completed_view(record)  # a retry: the same answer
    try:
        parts = list_s3_parts(s3, config.bucket_name, record)
    except UploadStateError:
        return _record_finished_complete(record, config, s3, records)
    check_parts(record, parts)
    try:
        result = s3.complete_multipart_upload(
            Bucket=config.bucket_name,
            Key=record.storage_key,
            UploadId=record.s3_upload_id,
            MultipartUpload={
                "Parts": [
                    {"PartNumber": int(p["PartNumber"]), "ETag": p["ETag"]}
                    | ({"ChecksumSHA256": p["ChecksumSHA256"]} if p.get("ChecksumSHA256") else {})
                    for p in parts
                ]
            },
        )
    except AWS_ERRORS as exc:
        if aws_error_code(exc) != "NoSuchUpload":
            raise _s3_failure(exc) from None
        return _record_finished_complete(record, config, s3, records)
    done = records.save_state(
        record,
        UPLOADED,
        result_sha256=result.get("ChecksumSHA256"),
        checksum_type=result.get("ChecksumType") or CHECKSUM_TYPE,
    )
    return completed_view(done)


def _record_finished_complete(record: UploadRecord, config: Config, s3: Any, records: UploadRecords) -> dict[str, Any]:
    """S3 forgets an upload once it is completed. An attempt whose answer was lost (a read
    timeout while S3 assembled a large object, then botocore's retry or the client's) leaves
    the object without its record: record it from what S3 stored, or the upload would be lost.
    Only this API completes a MULTIPART upload (its clients get part URLs only), and the key is
    this upload's own, so an object there is this upload's result."""
    stored = stored_checksum(s3, config.bucket_name, record.storage_key)
    if stored is None:
        raise UploadStateError("S3 no longer holds this upload.")  # aborted outside the API
    done = records.save_state(record, UPLOADED, result_sha256=stored["sha256"], checksum_type=CHECKSUM_TYPE)
    return completed_view(done)


def abort_upload(record: UploadRecord, config: Config, s3: Any, records: UploadRecords) -> None:
    completed = UploadStateError("This upload was completed; it can no longer be aborted.")
    try:
        s3.abort_multipart_upload(Bucket=config.bucket_name, Key=record.storage_key, UploadId=record.s3_upload_id)
    except AWS_ERRORS as exc:
        if aws_error_code(exc) != "NoSuchUpload":
            raise _s3_failure(exc) from None
        # S3 forgets an upload once it is aborted or completed: a concurrent complete that has
        # not saved its record yet leaves the object behind, so the abort must not claim success.
        if stored_checksum(s3, config.bucket_name, record.storage_key) is not None:
            raise completed from None
    if records.save_state(record, ABORTED).state == UPLOADED:
        raise completed


@router.post("/uploads/<upload_id>/parts")
def post_parts(upload_id: str) -> Response[str]:
    services = services_of(router)
    principal = caller(router)
    now = int(time.time())
    record = open_multipart(services.records, upload_id, principal, now)
    wanted = parse_part_requests(json_body(router), record)
    services.part_limiter.hit("parts", principal.sub, now)
    body = sign_parts(record, wanted, services.config, services.s3, now=now)
    logger.info("parts presigned", extra={"upload_id": upload_id, "parts": len(wanted)})
    metrics.presign_issued("upload_part")
    return json_response(200, body)


@router.get("/uploads/<upload_id>/parts")
def get_parts(upload_id: str) -> Response[str]:
    services = services_of(router)
    principal = caller(router)
    record = open_multipart(services.records, upload_id, principal, int(time.time()))
    parts = list_s3_parts(services.s3, services.config.bucket_name, record)
    return json_response(200, parts_view(record, parts))


@router.post("/uploads/<upload_id>/complete")
def post_complete(upload_id: str) -> Response[str]:
    services = services_of(router)
    principal = caller(router)
    now = int(time.time())
    record = owned_record(services.records, upload_id, principal, now)
    if record.state == ABORTED:
        raise UploadAbortedError
    if record.method != "MULTIPART":
        raise UploadStateError("This upload is not a multipart upload.")
    if record.state != UPLOADED:
        services.limiter.hit("complete", principal.sub, now)
    body = complete_upload(record, services.config, services.s3, services.records)
    logger.info("multipart completed", extra={"upload_id": upload_id, "size": record.size})
    return json_response(200, body)


@router.delete("/uploads/<upload_id>")
def delete_upload(upload_id: str) -> Response[str]:
    services = services_of(router)
    principal = caller(router)
    record = open_multipart(services.records, upload_id, principal, int(time.time()))
    abort_upload(record, services.config, services.s3, services.records)
    logger.info("multipart aborted", extra={"upload_id": upload_id})
    return Response(status_code=204, body="", headers={"Cache-Control": "no-store", "Vary": "Origin"})
