"""POST /downloads: check the caller may read a key, then mint a download token for it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from objectkeys import encode_owner, parse_key
from upload_api.auth import Principal
from upload_api.config import Config
from upload_api.download_tokens import KmsTokenSigner
from upload_api.errors import BadRequestError, ForbiddenError


def parse_download_request(body: object) -> object:
    if not isinstance(body, dict) or "key" not in body:
        raise BadRequestError("The body must be a JSON object with a key.")
    return body["key"]


def create_download(
    key: object, principal: Principal, config: Config, signer: KmsTokenSigner, now: int
) -> dict[str, Any]:
    parsed = parse_key(key, config.upload_prefix)
    if parsed is None:
        raise BadRequestError("key is not an upload key.")
    # Whether the object exists is not checked: the API's role may not read the bucket
    # (least privilege), and a token for a missing object only ever yields a 403/404 from S3.
    if config.download_access == "owner" and parsed.owner != encode_owner(principal.sub):
        raise ForbiddenError("You may only download your own uploads.")
    token = signer.mint(principal.sub, parsed.path, now)
    return {
        "url": f"{config.cdn_url}{parsed.path}?authorization={token.token}",
        "token": token.token,
        "expires_at": datetime.fromtimestamp(token.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
