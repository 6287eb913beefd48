"""GET /uploads/{upload_id}: the state of one of the caller's uploads, its verification, and,
once S3 holds the object, the checksum S3 stored (read with HeadObject, never taken from the
client)."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from upload_api.multipart import owned_record
from upload_api.records import AWAITING_UPLOAD, PENDING, READY, REJECTED, UPLOADED, UploadRecord, UploadRecords
from upload_api.responses import caller, json_response, services_of
from upload_api.stored_objects import stored_checksum

router = APIGatewayRouter()  # type: ignore[no-untyped-call]


def upload_status(record: UploadRecord, s3: Any, bucket: str, records: UploadRecords) -> dict[str, Any]:
    # Once verified, the quarantine object is gone and the verifier has recorded what S3 held.
    if record.state == AWAITING_UPLOAD and record.verification == PENDING:
        stored = stored_checksum(s3, bucket, record.storage_key)
        if stored is not None:
            record = records.save_state(
                record, UPLOADED, result_sha256=stored["sha256"], checksum_type=stored["checksum_type"]
            )
    body: dict[str, Any] = {
        "upload_id": record.upload_id,
        "key": record.key,
        "method": record.method,
        "state": record.state,
        "size": record.size,
        "verification": record.verification,
    }
    if record.state == UPLOADED:
        body["sha256"] = record.result_sha256
        body["checksum_type"] = record.checksum_type
    if record.verification == READY:
        body["content_type"] = record.verified_content_type
    elif record.verification == REJECTED:
        body["rejection_reason"] = record.rejection_reason
    return body


@router.get("/uploads/<upload_id>")
def get_upload(upload_id: str) -> Response[str]:
    services = services_of(router)
    principal = caller(router)
    record = owned_record(services.records, upload_id, principal, int(time.time()))
    return json_response(200, upload_status(record, services.s3, services.config.bucket_name, services.records))
