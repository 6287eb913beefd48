"""POST /uploads: validate what the client wants to upload and hand out a presigned upload
(single POST or PUT, with the file's SHA-256 bound into it) or start a multipart upload."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from objectkeys import new_key
from upload_api import metrics, multipart
from upload_api.auth import Principal
from upload_api.checksums import parse_sha256
from upload_api.config import Config
from upload_api.errors import BadRequestError, ChecksumRequiredError, PayloadTooLargeError, UnsupportedMediaTypeError
from upload_api.media_types import extension_for
from upload_api.presign import presigned_post, presigned_put
from upload_api.records import AWAITING_UPLOAD, UploadRecord, UploadRecords
from upload_api.responses import caller, iso, json_body, json_response, services_of

MAX_FILENAME_LENGTH = 255
METHODS = ("POST", "PUT", "MULTIPART")

router = APIGatewayRouter()  # type: ignore[no-untyped-call]
logger = Logger(child=True)


@dataclass(frozen=True)
class UploadRequest:
    content_type: str
    size: int
    filename: str | None
    method: str
    sha256: str | None = None


def parse_upload_request(body: object, config: Config) -> UploadRequest:
    if not isinstance(body, dict):
        raise BadRequestError("The body must be a JSON object.")
    content_type = body.get("content_type")
    if not isinstance(content_type, str) or not content_type:
        raise BadRequestError("content_type is required.")
    content_type = content_type.strip().lower()
    if content_type not in config.allowed_content_types:
        raise UnsupportedMediaTypeError(f"Allowed content types: {', '.join(config.allowed_content_types)}.")
    size = body.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise BadRequestError("size must be a positive integer (bytes).")
    filename = body.get("filename")
    if filename is not None and (not isinstance(filename, str) or len(filename) > MAX_FILENAME_LENGTH):
        raise BadRequestError(f"filename must be a string of at most {MAX_FILENAME_LENGTH} characters.")
    method = body.get("method")
    if method is None:
        method = "MULTIPART" if size > config.multipart_threshold_bytes else "POST"
    if not isinstance(method, str) or method not in METHODS:
        raise BadRequestError("method must be POST, PUT or MULTIPART.")
    limit = config.max_object_bytes if method == "MULTIPART" else config.max_upload_bytes
    if size > limit:
        raise PayloadTooLargeError(f"size must be at most {limit} bytes for method {method}.")
    sha256 = body.get("sha256")
    if sha256 is None:
        if config.require_sha256 and method != "MULTIPART":
            raise ChecksumRequiredError("sha256 (base64 of the file's SHA-256 digest) is required.")
    else:
        sha256 = parse_sha256(sha256)
    return UploadRequest(content_type, size, filename, method, sha256)


def create_upload(
    request: UploadRequest, principal: Principal, config: Config, s3: Any, records: UploadRecords, *, now: int
) -> dict[str, Any]:
    object_key = new_key(
        config.upload_prefix,
        principal.sub,
        extension_for(request.content_type, request.filename),
        owner_keys=config.owner_keys,
    )
    key = object_key.key
    presign = presigned_post if request.method == "POST" else presigned_put
    upload = presign(
        s3,
        bucket=config.bucket_name,
        key=key,
        content_type=request.content_type,
        size=request.size,
        expires=config.presign_expires_seconds,
        sha256=request.sha256,
    )
    # The record outlives the URL: the status route reads it after the upload.
    records.put_new(
        UploadRecord(
            upload_id=object_key.object_id,
            owner=principal.sub,
            key=key,
            method=request.method,
            size=request.size,
            content_type=request.content_type,
            state=AWAITING_UPLOAD,
            created_at=now,
            expires_at=now + config.multipart_expires_seconds,
            sha256=request.sha256,
        )
    )
    body: dict[str, Any] = {
        "upload_id": object_key.object_id,
        "key": key,
        "method": upload.method,
        "url": upload.url,
        "expires_at": iso(now + config.presign_expires_seconds),
        "max_size": request.size,
        "sha256": request.sha256,
    }
    if upload.fields is not None:
        body["fields"] = upload.fields
    if upload.headers is not None:
        body["headers"] = upload.headers
    return body


@router.post("/uploads")
def post_uploads() -> Response[str]:
    services = services_of(router)
    principal = caller(router)
    request = parse_upload_request(json_body(router), services.config)
    now = int(time.time())
    services.limiter.hit("uploads", principal.sub, now)
    if request.method == "MULTIPART":
        body = multipart.create_multipart(
            multipart.MultipartRequest(request.content_type, request.size, request.filename, request.sha256),
            principal,
            services.config,
            services.s3,
            services.records,
            now=now,
        )
    else:
        body = create_upload(request, principal, services.config, services.s3, services.records, now=now)
    logger.info("upload presigned", extra={"key": body["key"], "method": body["method"], "size": request.size})
    metrics.presign_issued(f"upload_{request.method.lower()}")
    return json_response(201, body)
