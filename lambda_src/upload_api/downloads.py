"""POST /downloads: check the caller may read a key, then mint a download token for it."""

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
from upload_api.config import Config
from upload_api.download_tokens import KmsTokenSigner
from upload_api.errors import BadRequestError, ForbiddenError
from upload_api.ratelimit import RateLimiter
from upload_api.records import UPLOADED
from upload_api.responses import caller, json_body, json_response, services_of
from upload_api.services import Services
from upload_api.status import upload_status

router = APIGatewayRouter()  # type: ignore[no-untyped-call]
logger = Logger(child=True)


def parse_download_request(body: object) -> object:
    if not isinstance(body, dict) or "key" not in body:
        raise BadRequestError("The body must be a JSON object with a key.")
    return body["key"]


def create_download(
    key: object, principal: Principal, config: Config, signer: KmsTokenSigner, limiter: RateLimiter, *, now: int
) -> dict[str, Any]:
    parsed = parse_key(key, config.upload_prefix)
    if parsed is None:
        raise BadRequestError("key is not an upload key.")
    # Whether the object exists is not checked: the API's role may not read the bucket
    # (least privilege), and a token for a missing object only ever yields a 403/404 from S3.
    if config.download_access == "owner" and not config.owner_keys.owns(parsed.owner, principal.sub):
        raise ForbiddenError("You may only download your own uploads.")
    # Each token is a KMS Sign call (cost, and the account's Sign quota): limited per user.
    limiter.hit("downloads", principal.sub, now)
    token = signer.mint(principal.sub, parsed.path, now)
    return {
        "url": f"{config.cdn_url}{parsed.path}?authorization={token.token}",
        "token": token.token,
        "expires_at": datetime.fromtimestamp(token.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def stored_checksum_of(key: object, services: Services) -> dict[str, Any]:
    """{"sha256", "checksum_type"} S3 stored for the upload of `key`, when its record says (or
    S3 shows) it is uploaded; {} for a key without a record (made before records existed)."""
    parsed = parse_key(key, services.config.upload_prefix)
    record = services.records.get(parsed.object_id) if parsed is not None else None
    if record is None:
        return {}
    status = upload_status(record, services.s3, services.config.bucket_name, services.records)
    if status["state"] != UPLOADED:
        return {}
    return {"sha256": status["sha256"], "checksum_type": status["checksum_type"]}


@router.post("/downloads")
def post_downloads() -> Response[str]:
    services = services_of(router)
    principal = caller(router)
    key = parse_download_request(json_body(router))
    body = create_download(key, principal, services.config, services.signer, services.limiter, now=int(time.time()))
    body.update(stored_checksum_of(key, services))
    logger.info("download token minted", extra={"path": body["url"].split("?", 1)[0]})
    metrics.presign_issued("download_token")
    return json_response(200, body)
