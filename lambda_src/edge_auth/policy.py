"""Which paths a verified token grants."""

from __future__ import annotations

from edge_auth.verify import VerifiedToken
from objectkeys import InvalidOwnerError, parse_key


def grants_path(verified: VerifiedToken, path: str, uploads_prefix: str) -> bool:
    """Download tokens grant exactly their `path` claim; identity-provider tokens (when
    configured) grant the objects under their owner's prefix. Both only under the uploads
    prefix, and only for keys the upload API could have made."""
    key = parse_key(path[1:], uploads_prefix) if path.startswith("/") else None
    if key is None:
        return False
    owner_claim, owner_keys = verified.domain.owner_claim, verified.domain.owner_keys
    if owner_claim is None:
        return verified.claims.get("path") == path
    owner = verified.claims.get(owner_claim)
    if not isinstance(owner, str) or owner_keys is None:
        return False
    try:
        return owner_keys.owns(key.owner, owner)
    except InvalidOwnerError:
        return False
