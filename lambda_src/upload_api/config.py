"""Configuration from environment variables, read once per container into a frozen dataclass."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from objectkeys import InvalidOwnerKeyError, OwnerKeys, parse_owner_key
from upload_api.media_types import EXTENSIONS, is_active

DEFAULT_CONTENT_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/avif")
_KEY_ID_RE = re.compile(r"(?:arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/)?(?P<id>(?:mrk-)?[0-9a-f-]{32,36})")
# Presigned URLs signed with a role's temporary credentials die with the credentials anyway;
# a long expiry only widens the window in which a leaked URL works.
# The accepted ranges are the ones the upload_api Terraform module validates; both sides are
# held to tests/contract/boundaries.json.
MIN_PRESIGN_EXPIRES_SECONDS = 30
MAX_PRESIGN_EXPIRES_SECONDS = 900
MIN_DOWNLOAD_TOKEN_TTL_SECONDS = 30
MAX_DOWNLOAD_TOKEN_TTL_SECONDS = 3600
# CloudWatch namespaces: up to 255 of these characters, and never the reserved "AWS/" prefix
# (the upload_api Terraform module validates metrics_namespace with the same rule).
DEFAULT_METRICS_NAMESPACE = "UploadApi"
_NAMESPACE_RE = re.compile(r"[0-9A-Za-z._/#: -]{1,255}")
DEFAULT_SERVICE_NAME = "upload-api"
# S3's multipart limits: parts of 5 MiB..5 GiB (the last may be smaller), at most 10,000
# parts, objects up to 5 TiB. A single PUT or POST carries at most 5 GiB.
MIB = 1024 * 1024
MIN_PART_BYTES = 5 * MIB
MAX_PART_BYTES = 5 * 1024 * MIB
MAX_PARTS = 10_000
MAX_SINGLE_BYTES = 5 * 1024**3
MAX_OBJECT_BYTES = 5 * 1024**4
MIN_MULTIPART_EXPIRES_SECONDS = 3600
MAX_MULTIPART_EXPIRES_SECONDS = 7 * 86_400


class ConfigError(ValueError):
    """The function's environment is unusable."""


@dataclass(frozen=True)
class Config:
    bucket_name: str
    upload_prefix: str
    max_upload_bytes: int
    allowed_content_types: tuple[str, ...]
    presign_expires_seconds: int
    rate_limit_table: str
    rate_limit_max_requests: int
    rate_limit_window_seconds: int
    signing_key_id: str
    download_token_issuer: str
    download_token_audience: str
    download_token_ttl_seconds: int
    cdn_url: str
    user_jwt_issuer: str
    user_jwt_audience: str
    user_jwks_url: str | None
    user_jwks: dict[str, Any] | None
    user_jwt_algorithms: tuple[str, ...]
    allowed_origins: tuple[str, ...]
    download_access: str
    allow_active_content: bool
    metrics_namespace: str
    service_name: str
    owner_keys: OwnerKeys
    require_sha256: bool = True
    upload_table: str = "uploads"
    multipart_threshold_bytes: int = 10 * MIB
    max_object_bytes: int = MAX_SINGLE_BYTES
    part_size_bytes: int = 8 * MIB
    part_sign_max_requests: int = 300
    multipart_expires_seconds: int = 86_400
    quarantine_prefix: str = "quarantine/"

    @property
    def signing_kid(self) -> str:
        """The KMS key id (UUID) that names the signing key in a token's `kid` header."""
        match = _KEY_ID_RE.fullmatch(self.signing_key_id)
        if match is None:
            raise ConfigError("SIGNING_KEY_ID must be a KMS key id or key ARN, not an alias")
        return match["id"]


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is required")
    return value


def _integer(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be in {low}..{high}")
    return value


def _boolean(env: Mapping[str, str], name: str) -> bool:
    """Terraform's tostring(bool): "true" or "false"; unset or empty is false."""
    raw = env.get(name, "").strip()
    if raw not in {"", "true", "false"}:
        raise ConfigError(f"{name} must be true or false")
    return raw == "true"


def _boolean_default_true(env: Mapping[str, str], name: str) -> bool:
    """Like _boolean, but unset or empty is true (a safe default that must be opted out of)."""
    raw = env.get(name, "").strip()
    if raw not in {"", "true", "false"}:
        raise ConfigError(f"{name} must be true or false")
    return raw != "false"


def _csv(env: Mapping[str, str], name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    raw = env.get(name, "")
    values = tuple(item.strip() for item in raw.split(",") if item.strip())
    return values or default


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _check_jwks_url(url: str) -> None:
    """https to any host, plain http to a loopback host only; judged on the parsed URL's host,
    never on a prefix (`http://localhost@evil.example/` is a request to evil.example)."""
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port  # .port raises ValueError for a bad port
    except ValueError:
        raise ConfigError("USER_JWKS_URL is not a valid URL") from None
    if not host or parts.username is not None or parts.password is not None:
        raise ConfigError("USER_JWKS_URL must name a host and carry no user info")
    if parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK_HOSTS):
        return
    raise ConfigError("USER_JWKS_URL must be https (plain http only on loopback)")


def _content_types(env: Mapping[str, str], allow_active_content: bool) -> tuple[str, ...]:
    content_types = _csv(env, "ALLOWED_CONTENT_TYPES", DEFAULT_CONTENT_TYPES)
    unknown = set(content_types) - set(EXTENSIONS)
    if unknown:
        raise ConfigError(f"ALLOWED_CONTENT_TYPES has types without a known extension: {sorted(unknown)}")
    active = sorted(t for t in content_types if is_active(t))
    if active and not allow_active_content:
        # Served from the CDN, these would run script on a hostname same-site with the app.
        raise ConfigError(f"ALLOWED_CONTENT_TYPES has active content types {active}: set ALLOW_ACTIVE_CONTENT=true")
    return content_types


def _metrics_namespace(env: Mapping[str, str]) -> str:
    namespace = env.get("POWERTOOLS_METRICS_NAMESPACE", "") or DEFAULT_METRICS_NAMESPACE
    if not _NAMESPACE_RE.fullmatch(namespace) or namespace.startswith("AWS/"):
        raise ConfigError("POWERTOOLS_METRICS_NAMESPACE must be 1-255 of A-Za-z0-9._/#:- and space, not AWS/...")
    return namespace


def _owner_keys(env: Mapping[str, str]) -> OwnerKeys:
    """OWNER_KEY makes the owner segment of new keys; PREVIOUS_OWNER_KEYS (comma-separated, after
    a rotation) still prove ownership of the keys they made."""
    try:
        current = parse_owner_key(_required(env, "OWNER_KEY"), "OWNER_KEY")
        previous = tuple(parse_owner_key(key, "PREVIOUS_OWNER_KEYS") for key in _csv(env, "PREVIOUS_OWNER_KEYS"))
    except InvalidOwnerKeyError as error:
        raise ConfigError(str(error)) from None
    return OwnerKeys(current, previous)


def _prefix(env: Mapping[str, str], name: str, default: str) -> str:
    prefix = env.get(name, "").strip() or default
    if not prefix.endswith("/") or prefix.startswith("/") or ".." in prefix:
        raise ConfigError(f"{name} must look like '{default}'")
    return prefix


def from_env(env: Mapping[str, str] = os.environ) -> Config:
    prefix = _prefix(env, "UPLOAD_PREFIX", "uploads/")
    quarantine = _prefix(env, "QUARANTINE_PREFIX", "quarantine/")
    if quarantine.startswith(prefix) or prefix.startswith(quarantine):
        # Unverified bytes under the published prefix would be served before the verifier saw them.
        raise ConfigError("QUARANTINE_PREFIX must differ from UPLOAD_PREFIX, and neither may contain the other")
    signing_key_id = _required(env, "SIGNING_KEY_ID")
    if not _KEY_ID_RE.fullmatch(signing_key_id):
        # An alias would need kms:DescribeKey to learn the key id that goes into `kid`.
        raise ConfigError("SIGNING_KEY_ID must be a KMS key id or key ARN, not an alias")
    jwks_url = env.get("USER_JWKS_URL", "").strip() or None
    jwks_json = env.get("USER_JWKS_JSON", "").strip() or None
    if (jwks_url is None) == (jwks_json is None):
        raise ConfigError("set exactly one of USER_JWKS_URL and USER_JWKS_JSON")
    if jwks_url is not None:
        _check_jwks_url(jwks_url)
    try:
        jwks = json.loads(jwks_json) if jwks_json else None
    except ValueError:
        raise ConfigError("USER_JWKS_JSON is not JSON") from None
    if jwks is not None and not isinstance(jwks, dict):
        raise ConfigError("USER_JWKS_JSON must be a JWKS object")
    algorithms = _csv(env, "USER_JWT_ALGORITHMS", ("RS256", "ES256"))
    if not set(algorithms) <= {"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "EdDSA"}:
        raise ConfigError("USER_JWT_ALGORITHMS may list asymmetric algorithms only")
    allow_active_content = _boolean(env, "ALLOW_ACTIVE_CONTENT")
    content_types = _content_types(env, allow_active_content)
    origins = _csv(env, "ALLOWED_ORIGINS")
    if "*" in origins:
        raise ConfigError("ALLOWED_ORIGINS must list origins, not '*'")
    access = env.get("DOWNLOAD_ACCESS", "").strip() or "owner"
    if access not in {"owner", "authenticated"}:
        raise ConfigError("DOWNLOAD_ACCESS must be 'owner' or 'authenticated'")
    namespace = _metrics_namespace(env)
    service_name = env.get("POWERTOOLS_SERVICE_NAME", "").strip() or DEFAULT_SERVICE_NAME
    cdn_url = _required(env, "CDN_URL").rstrip("/")
    if not cdn_url.startswith(("https://", "http://")):
        raise ConfigError("CDN_URL must be an http(s) URL")
    max_upload_bytes = _integer(env, "MAX_UPLOAD_BYTES", 10 * MIB, 1, MAX_SINGLE_BYTES)
    # A single request is never larger than MAX_UPLOAD_BYTES, a multipart upload may always be
    # as large (Terraform renders the same min/max).
    threshold = min(_integer(env, "MULTIPART_THRESHOLD_BYTES", 10 * MIB, 1, MAX_SINGLE_BYTES), max_upload_bytes)
    max_object = max(_integer(env, "MAX_OBJECT_BYTES", MAX_SINGLE_BYTES, 1, MAX_OBJECT_BYTES), max_upload_bytes)
    return Config(
        bucket_name=_required(env, "BUCKET_NAME"),
        upload_prefix=prefix,
        quarantine_prefix=quarantine,
        max_upload_bytes=max_upload_bytes,
        allowed_content_types=content_types,
        presign_expires_seconds=_integer(
            env, "PRESIGN_EXPIRES_SECONDS", 300, MIN_PRESIGN_EXPIRES_SECONDS, MAX_PRESIGN_EXPIRES_SECONDS
        ),
        rate_limit_table=_required(env, "RATE_LIMIT_TABLE"),
        rate_limit_max_requests=_integer(env, "RATE_LIMIT_MAX_REQUESTS", 30, 1, 1_000_000),
        rate_limit_window_seconds=_integer(env, "RATE_LIMIT_WINDOW_SECONDS", 60, 1, 86_400),
        signing_key_id=signing_key_id,
        download_token_issuer=_required(env, "DOWNLOAD_TOKEN_ISSUER"),
        download_token_audience=_required(env, "DOWNLOAD_TOKEN_AUDIENCE"),
        download_token_ttl_seconds=_integer(
            env, "DOWNLOAD_TOKEN_TTL_SECONDS", 900, MIN_DOWNLOAD_TOKEN_TTL_SECONDS, MAX_DOWNLOAD_TOKEN_TTL_SECONDS
        ),
        cdn_url=cdn_url,
        user_jwt_issuer=_required(env, "USER_JWT_ISSUER"),
        user_jwt_audience=_required(env, "USER_JWT_AUDIENCE"),
        user_jwks_url=jwks_url,
        user_jwks=jwks,
        user_jwt_algorithms=algorithms,
        allowed_origins=origins,
        download_access=access,
        allow_active_content=allow_active_content,
        metrics_namespace=namespace,
        service_name=service_name,
        owner_keys=_owner_keys(env),
        require_sha256=_boolean_default_true(env, "REQUIRE_SHA256"),
        upload_table=_required(env, "UPLOAD_TABLE"),
        multipart_threshold_bytes=threshold,
        max_object_bytes=max_object,
        part_size_bytes=_integer(env, "PART_SIZE_BYTES", 8 * MIB, MIN_PART_BYTES, MAX_PART_BYTES),
        part_sign_max_requests=_integer(env, "PART_SIGN_RATE_MAX_REQUESTS", 300, 1, 1_000_000),
        multipart_expires_seconds=_integer(
            env, "MULTIPART_EXPIRES_SECONDS", 86_400, MIN_MULTIPART_EXPIRES_SECONDS, MAX_MULTIPART_EXPIRES_SECONDS
        ),
    )
