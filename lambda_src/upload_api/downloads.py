"""POST /downloads: check the caller may read a key and that the verifier published it, then
mint a download token for it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from objectkeys import parse_key
from upload_api import metrics
from upload_api.auth import Principal
from upload_api.errors import BadRequestError, ForbiddenError, NotReadyError, UploadRejectedError
from upload_api.records import PENDING, REJECTED
from upload_api.responses import caller, json_body, json_response, services_of
from upload_api.services import Services

router = APIGatewayRouter()  # type: ignore[no-untyped-call]
logger = Logger(child=True)


def parse_download_request(body: object) -> object:
    if not isinstance(body, dict) or "key" not in body:
        raise BadRequestError("The body must be a JSON object with a key.")
    return body["key"]


def create_download(key: object, principal: Principal, services: Services, *, now: int) -> dict[str, Any]:
    config = services.config
    parsed = parse_key(key, config.upload_prefix)
    if parsed is None:
        raise BadRequestError("key is not an upload key.")
    if config.download_access == "owner" and not config.owner_keys.owns(parsed.owner, principal.sub):
        raise ForbiddenError("You may only download your own uploads.")
    # Each token is a KMS Sign call (cost, and the account's Sign quota): limited per user.
    services.limiter.hit("downloads", principal.sub, now)
    # Only what the verifier published has a token: its record says ready (S3 is not read:
    # the API's role may not read the bucket, least privilege).
    record = services.records.get(parsed.object_id)
    if record is None or record.key != parsed.key or record.verification == PENDING:
        raise NotReadyError
    if record.verification == REJECTED:
        raise UploadRejectedError(record.rejection_reason)
    token = services.signer.mint(principal.sub, parsed.path, now)
    return {
        "url": f"{config.cdn_url}{parsed.path}?authorization={token.token}",
        "token": token.token,
        "expires_at": datetime.fromtimestamp(token.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        # What S3 stored for the upload (the client may check its download against it).
        "sha256": record.result_sha256,
        "checksum_type": record.checksum_type,
    }


@router.post("/downloads")
def post_downloads() -> Response[str]:
    services = services_of(router)
    principal = caller(router)
    key = parse_download_request(json_body(router))
    body = create_download(key, principal, services, now=int(time.time()))
    logger.info("download token minted", extra={"path": body["url"].split("?", 1)[0]})
    metrics.presign_issued("download_token")
    return json_response(200, body)
