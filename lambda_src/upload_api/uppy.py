"""POST /uppy/sign: the server side of Uppy's `signRequest` (@uppy/aws-s3 6.x).

Uppy hands its signer one S3 request at a time ({method, key, uploadId?, partNumber?,
contentType?}) and sends the signed request to S3 itself. The same rules as the API's own
routes hold: the server chooses the key (under the caller's quarantine prefix, returned as
`key`, which Uppy then uses for every later request of that file); PutObject becomes a POST
policy binding the key, the content type and a size range capped at MAX_UPLOAD_BYTES;
every request carrying an `uploadId` is signed only for the record's owner, for its recorded
key, and for the S3 upload id bound to that record. Uppy tells the signer neither the size
nor a checksum, so the record holds the maximum allowed size and the verifier (issue 16)
enforces size and content before anything is published."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from objectkeys import ObjectKey, parse_key
from upload_api import metrics
from upload_api.auth import Principal
from upload_api.config import MAX_PARTS, Config
from upload_api.errors import (
    BadRequestError,
    InvalidPartNumberError,
    UnsupportedMediaTypeError,
    UploadAbortedError,
    UploadNotFoundError,
    UploadStateError,
)
from upload_api.failures import AWS_ERRORS, aws_error_code, aws_failure
from upload_api.keys import new_keys
from upload_api.media_types import EXTENSIONS, extension_for
from upload_api.multipart import owned_record
from upload_api.presign import presigned_post
from upload_api.records import ABORTED, AWAITING_UPLOAD, PENDING, UPLOADING, UploadRecord, UploadRecords
from upload_api.responses import caller, json_body, json_response, services_of

UPPY_POST = "UPPY_POST"
UPPY_MULTIPART = "UPPY_MULTIPART"

PUT_OBJECT = "put_object"
CREATE_MULTIPART = "create_multipart"
UPLOAD_PART = "upload_part"
LIST_PARTS = "list_parts"
COMPLETE_MULTIPART = "complete_multipart"
ABORT_MULTIPART = "abort_multipart"

# (HTTP method, carries an uploadId) -> request type, as @uppy/aws-s3 6.x's S3mini sends them.
_KINDS = {
    ("PUT", False): PUT_OBJECT,
    ("POST", False): CREATE_MULTIPART,
    ("PUT", True): UPLOAD_PART,
    ("GET", True): LIST_PARTS,
    ("POST", True): COMPLETE_MULTIPART,
    ("DELETE", True): ABORT_MULTIPART,
}
# S3 upload ids are opaque but printable; anything else is not one, and never reaches a URL.
_S3_UPLOAD_ID_RE = re.compile(r"[A-Za-z0-9._~+/=-]{1,1024}")
_SUFFIX_RE = re.compile(r"\.([A-Za-z0-9]{1,5})$")
MAX_KEY_LENGTH = 1024

router = APIGatewayRouter()  # type: ignore[no-untyped-call]
logger = Logger(child=True)


@dataclass(frozen=True)
class SignRequest:
    kind: str
    key: str
    content_type: str | None = None
    s3_upload_id: str | None = None
    part_number: int | None = None
    expires_in: int | None = None


def _optional_string(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise BadRequestError(f"{name} must be a string.")
    return value


def parse_sign_request(body: object) -> SignRequest:
    if not isinstance(body, dict):
        raise BadRequestError("The body must be Uppy's signRequest request object.")
    method = body.get("method")
    key = body.get("key")
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise BadRequestError(f"key must be a non-empty string of at most {MAX_KEY_LENGTH} characters.")
    s3_upload_id = _optional_string(body, "uploadId")
    if s3_upload_id is not None and not _S3_UPLOAD_ID_RE.fullmatch(s3_upload_id):
        raise UploadNotFoundError
    kind = _KINDS.get((method, s3_upload_id is not None)) if isinstance(method, str) else None
    if kind is None:
        raise BadRequestError(
            "Unknown request: expected PutObject, CreateMultipartUpload, UploadPart, ListParts, "
            "CompleteMultipartUpload or AbortMultipartUpload."
        )
    part_number = body.get("partNumber")
    if kind == UPLOAD_PART:
        if isinstance(part_number, bool) or not isinstance(part_number, int) or not 1 <= part_number <= MAX_PARTS:
            raise InvalidPartNumberError(f"partNumber must be an integer in 1..{MAX_PARTS}.")
    elif part_number is not None:
        raise BadRequestError("partNumber belongs to UploadPart requests only.")
    expires_in = body.get("expiresIn")
    if expires_in is not None and (isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in < 1):
        raise BadRequestError("expiresIn must be a positive integer (seconds).")
    content_type = _optional_string(body, "contentType")
    return SignRequest(kind, key, content_type, s3_upload_id, part_number, expires_in)


def _expires(request: SignRequest, config: Config) -> int:
    """Uppy may ask for less time than the deployment allows, never for more."""
    wanted = request.expires_in or config.presign_expires_seconds
    return min(wanted, config.presign_expires_seconds)


def declared_type(request: SignRequest, config: Config) -> str:
    """PutObject carries the file's type; CreateMultipartUpload does not (Uppy sends it as a
    header to S3 only), so the type is the one the proposed key's extension names."""
    allowed = ", ".join(config.allowed_content_types)
    if request.content_type is not None:
        content_type = request.content_type.strip().lower()
        if content_type not in config.allowed_content_types:
            raise UnsupportedMediaTypeError(f"Allowed content types: {allowed}.")
        return content_type
    match = _SUFFIX_RE.search(request.key)
    suffix = f".{match.group(1).lower()}" if match else ""
    for content_type in config.allowed_content_types:
        if suffix in EXTENSIONS[content_type]:
            return content_type
    raise UnsupportedMediaTypeError(f"The file name's extension must name an allowed content type: {allowed}.")


def _new_keys(principal: Principal, content_type: str, proposed: str, config: Config) -> tuple[ObjectKey, ObjectKey]:
    """(quarantine key, published key); nothing of the proposed key but a known extension
    spelling reaches either."""
    return new_keys(config, principal.sub, extension_for(content_type, proposed))


def _record(
    quarantine: ObjectKey,
    published: ObjectKey,
    principal: Principal,
    *,
    method: str,
    size: int,
    content_type: str,
    state: str,
    config: Config,
    now: int,
) -> UploadRecord:
    return UploadRecord(
        upload_id=published.object_id,
        owner=principal.sub,
        key=published.key,
        upload_key=quarantine.key,
        method=method,
        size=size,
        content_type=content_type,
        state=state,
        created_at=now,
        expires_at=now + config.multipart_expires_seconds,
        verification=PENDING,
    )


def _signed(url: str, quarantine_key: str, record: UploadRecord, **extra: Any) -> dict[str, Any]:
    # `key` is what Uppy addresses S3 with (the quarantine key); `published_key` is what the
    # page later downloads, once GET /uploads/{upload_id} says ready.
    return {"url": url, "key": quarantine_key, "upload_id": record.upload_id, "published_key": record.key, **extra}


def sign_put_object(
    request: SignRequest, principal: Principal, config: Config, s3: Any, records: UploadRecords, *, now: int
) -> dict[str, Any]:
    content_type = declared_type(request, config)
    quarantine, published = _new_keys(principal, content_type, request.key, config)
    post = presigned_post(
        s3,
        bucket=config.bucket_name,
        key=quarantine.key,
        content_type=content_type,
        size=config.max_upload_bytes,
        expires=_expires(request, config),
    )
    record = _record(
        quarantine,
        published,
        principal,
        method=UPPY_POST,
        size=config.max_upload_bytes,
        content_type=content_type,
        state=AWAITING_UPLOAD,
        config=config,
        now=now,
    )
    records.put_new(record)
    return _signed(post.url, quarantine.key, record, fields=post.fields)


def sign_create_multipart(
    request: SignRequest, principal: Principal, config: Config, s3: Any, records: UploadRecords, *, now: int
) -> dict[str, Any]:
    content_type = declared_type(request, config)
    quarantine, published = _new_keys(principal, content_type, request.key, config)
    # Content-Type is a signed header: S3 refuses the create with any other type.
    url = s3.generate_presigned_url(
        "create_multipart_upload",
        Params={"Bucket": config.bucket_name, "Key": quarantine.key, "ContentType": content_type},
        ExpiresIn=_expires(request, config),
        HttpMethod="POST",
    )
    record = _record(
        quarantine,
        published,
        principal,
        method=UPPY_MULTIPART,
        size=config.max_object_bytes,
        content_type=content_type,
        state=AWAITING_UPLOAD,
        config=config,
        now=now,
    )
    records.put_new(record)
    return _signed(url, quarantine.key, record, headers={"Content-Type": content_type})


def uppy_multipart(
    request: SignRequest, principal: Principal, config: Config, records: UploadRecords, now: int
) -> UploadRecord:
    """The caller's Uppy multipart record that `request.key` names: 404 for a key outside the
    caller's quarantine prefix, someone else's, unknown, or not the record's own key."""
    parsed = parse_key(request.key, config.quarantine_prefix)
    if parsed is None:
        raise UploadNotFoundError
    record = owned_record(records, parsed.object_id, principal, now)
    if record.upload_key != request.key:
        raise UploadNotFoundError
    if record.method != UPPY_MULTIPART:
        raise UploadStateError("This upload is not an Uppy multipart upload.")
    if record.state == ABORTED:
        raise UploadAbortedError
    return record


def _s3_holds_upload(s3: Any, bucket: str, key: str | None, s3_upload_id: str) -> bool:
    """Whether S3 has an unfinished multipart upload `s3_upload_id` of `key`. S3 ties an upload
    id to its key: ListParts with another key answers NoSuchUpload (object-level, so the
    role needs no bucket-wide listing)."""
    try:
        s3.list_parts(Bucket=bucket, Key=key, UploadId=s3_upload_id, MaxParts=1)
    except AWS_ERRORS as exc:
        if aws_error_code(exc) in {"NoSuchUpload", "InvalidArgument", "InvalidRequest"}:
            return False
        raise aws_failure(exc, "s3", "Storage unavailable; retry later.") from None
    return True


def bind_s3_upload(
    record: UploadRecord, s3_upload_id: str, config: Config, s3: Any, records: UploadRecords
) -> UploadRecord:
    """The record's S3 upload id. The browser created the upload (S3 answered it the id, not
    us), so the first id presented is checked with S3 (it must be an upload of the record's
    key) and then bound: a conditional write, so of two racing ids exactly one wins, and
    every later request must present that one."""
    if record.s3_upload_id is not None:
        if record.s3_upload_id != s3_upload_id:
            raise UploadNotFoundError
        return record
    if not _s3_holds_upload(s3, config.bucket_name, record.upload_key, s3_upload_id):
        raise UploadNotFoundError
    bound = records.save_state(record, UPLOADING, s3_upload_id=s3_upload_id)
    if bound.s3_upload_id != s3_upload_id:
        raise UploadNotFoundError
    return bound


_OPERATIONS = {
    UPLOAD_PART: ("upload_part", "PUT"),
    LIST_PARTS: ("list_parts", "GET"),
    COMPLETE_MULTIPART: ("complete_multipart_upload", "POST"),
    ABORT_MULTIPART: ("abort_multipart_upload", "DELETE"),
}


def sign_multipart_step(
    request: SignRequest, record: UploadRecord, config: Config, s3: Any, records: UploadRecords
) -> dict[str, Any]:
    assert request.s3_upload_id is not None
    record = bind_s3_upload(record, request.s3_upload_id, config, s3, records)
    key = request.key  # uppy_multipart() checked it is the record's upload_key
    operation, http_method = _OPERATIONS[request.kind]
    params: dict[str, Any] = {"Bucket": config.bucket_name, "Key": key, "UploadId": request.s3_upload_id}
    if request.kind == UPLOAD_PART:
        params["PartNumber"] = request.part_number
    url = s3.generate_presigned_url(
        operation, Params=params, ExpiresIn=_expires(request, config), HttpMethod=http_method
    )
    if request.kind == ABORT_MULTIPART:
        # Signing the abort is the client's word that it gave up: no more parts for this upload.
        records.save_state(record, ABORTED)
    return _signed(url, key, record)


@router.post("/uppy/sign")
def post_uppy_sign() -> Response[str]:
    services = services_of(router)
    principal = caller(router)
    request = parse_sign_request(json_body(router))
    config, now = services.config, int(time.time())
    if request.kind in (PUT_OBJECT, CREATE_MULTIPART):
        services.limiter.hit("uploads", principal.sub, now)
        sign = sign_put_object if request.kind == PUT_OBJECT else sign_create_multipart
        body = sign(request, principal, config, services.s3, services.records, now=now)
    else:
        record = uppy_multipart(request, principal, config, services.records, now)
        if request.kind == COMPLETE_MULTIPART:
            services.limiter.hit("complete", principal.sub, now)
        else:
            services.part_limiter.hit("parts", principal.sub, now)
        body = sign_multipart_step(request, record, config, services.s3, services.records)
    logger.info("uppy request signed", extra={"kind": request.kind, "upload_id": body["upload_id"]})
    metrics.presign_issued(f"uppy_{request.kind}")
    return json_response(200, body)
