"""The two keys of an upload: where the bytes are sent (quarantine) and where the verifier
publishes them once checked (the upload prefix, the only one the CDN serves)."""

from __future__ import annotations

from dataclasses import replace

from objectkeys import ObjectKey, new_key
from upload_api.config import Config


def new_keys(config: Config, sub: str, extension: str) -> tuple[ObjectKey, ObjectKey]:
    """A fresh quarantine key and its published key: the same owner, id and extension, only the
    prefix differs (so the verifier maps one to the other without a lookup)."""
    upload_key = new_key(config.quarantine_prefix, sub, extension, owner_keys=config.owner_keys)
    return upload_key, replace(upload_key, prefix=config.upload_prefix)
