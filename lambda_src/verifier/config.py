"""The verifier's configuration: every environment variable it reads, read once per container.

| Variable | Default | Meaning |
|---|---|---|
| `BUCKET_NAME` | required | the upload bucket (events for another bucket are dropped) |
| `UPLOAD_TABLE` | required | the upload records table (the API's) |
| `QUARANTINE_PREFIX` | `quarantine/` | where presigned uploads land; the only prefix the verifier reads |
| `PUBLISHED_PREFIX` | `uploads/` | where verified objects are copied (what the CDN serves) |
| `REJECTED_PREFIX` | `rejected/` | where rejected objects are kept; empty: they are deleted |
| `ALLOWED_CONTENT_TYPES` | the API's default list | csv; a sniffed type outside it is refused |
| `MAX_IMAGE_PIXELS` | `40000000` | width x height above it is refused |
| `POWERTOOLS_SERVICE_NAME` | `upload-verifier` | log `service` key and the metrics' `service` dimension |
| `POWERTOOLS_METRICS_NAMESPACE` | `UploadVerifier` | CloudWatch namespace of the verdict metrics |
| `POWERTOOLS_LOG_LEVEL` | `INFO` | read by Powertools' Logger itself |
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from verifier.sniffing import SNIFFABLE_TYPES

DEFAULT_CONTENT_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/avif")
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000
DEFAULT_SERVICE_NAME = "upload-verifier"
DEFAULT_METRICS_NAMESPACE = "UploadVerifier"
# The same rule as the API's (upload_api/config.py) and the Terraform validation.
_NAMESPACE_RE = re.compile(r"[0-9A-Za-z._/#: -]{1,255}")


class ConfigError(ValueError):
    """The function's environment is unusable."""


@dataclass(frozen=True)
class Config:
    bucket_name: str
    upload_table: str
    quarantine_prefix: str = "quarantine/"
    published_prefix: str = "uploads/"
    rejected_prefix: str = "rejected/"
    allowed_content_types: tuple[str, ...] = DEFAULT_CONTENT_TYPES
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS
    service_name: str = DEFAULT_SERVICE_NAME
    metrics_namespace: str = DEFAULT_METRICS_NAMESPACE


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is required")
    return value


def _prefix(env: Mapping[str, str], name: str, default: str, *, may_be_empty: bool = False) -> str:
    raw = env.get(name)
    value = default if raw is None else raw.strip()
    if value == "" and may_be_empty:
        return value
    if not value.endswith("/") or value.startswith("/") or ".." in value or len(value) < 2:
        raise ConfigError(f"{name} must look like '{default}'")
    return value


def _disjoint(prefixes: dict[str, str]) -> None:
    """No prefix may contain another: a quarantine inside the published prefix would be served."""
    named = [(name, value) for name, value in prefixes.items() if value]
    for name, value in named:
        for other, other_value in named:
            if name != other and other_value.startswith(value):
                raise ConfigError(f"{other} must not be inside {name} (or equal to it)")


def _content_types(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("ALLOWED_CONTENT_TYPES", "")
    values = tuple(item.strip().lower() for item in raw.split(",") if item.strip()) or DEFAULT_CONTENT_TYPES
    unknown = sorted(set(values) - set(SNIFFABLE_TYPES))
    if unknown:
        # An allowed type the verifier cannot recognise would be rejected every time.
        raise ConfigError(f"ALLOWED_CONTENT_TYPES has types the verifier cannot recognise: {unknown}")
    return values


def _pixels(env: Mapping[str, str]) -> int:
    raw = env.get("MAX_IMAGE_PIXELS", "").strip() or str(DEFAULT_MAX_IMAGE_PIXELS)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError("MAX_IMAGE_PIXELS must be an integer") from None
    if not 1 <= value <= 10**12:
        raise ConfigError("MAX_IMAGE_PIXELS must be in 1..10^12")
    return value


def from_env(env: Mapping[str, str] = os.environ) -> Config:
    quarantine = _prefix(env, "QUARANTINE_PREFIX", "quarantine/")
    published = _prefix(env, "PUBLISHED_PREFIX", "uploads/")
    rejected = _prefix(env, "REJECTED_PREFIX", "rejected/", may_be_empty=True)
    _disjoint({"QUARANTINE_PREFIX": quarantine, "PUBLISHED_PREFIX": published, "REJECTED_PREFIX": rejected})
    namespace = env.get("POWERTOOLS_METRICS_NAMESPACE", "").strip() or DEFAULT_METRICS_NAMESPACE
    if not _NAMESPACE_RE.fullmatch(namespace) or namespace.startswith("AWS/"):
        raise ConfigError("POWERTOOLS_METRICS_NAMESPACE must be 1-255 of A-Za-z0-9._/#:- and space, not AWS/...")
    return Config(
        bucket_name=_required(env, "BUCKET_NAME"),
        upload_table=_required(env, "UPLOAD_TABLE"),
        quarantine_prefix=quarantine,
        published_prefix=published,
        rejected_prefix=rejected,
        allowed_content_types=_content_types(env),
        max_image_pixels=_pixels(env),
        service_name=env.get("POWERTOOLS_SERVICE_NAME", "").strip() or DEFAULT_SERVICE_NAME,
        metrics_namespace=namespace,
    )
