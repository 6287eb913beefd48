"""The authorizer's configuration: a JSON file baked into the package (Lambda@Edge has no
environment variables). Parsed once per container, into immutable objects."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge_auth.rs256 import Backend, VerifyKey, load_public_key
from objectkeys import InvalidOwnerKeyError, OwnerKeys, parse_owner_key

CONFIG_FILE = Path(__file__).with_name("config.json")
# The range the edge_auth Terraform module validates; both held to tests/contract/boundaries.json.
MAX_LEEWAY_SECONDS = 120


class ConfigError(ValueError):
    """The baked configuration is unusable; the function refuses every request."""


@dataclass(frozen=True)
class TrustDomain:
    """One issuer whose RS256 tokens the edge accepts, with its keys by `kid`."""

    issuer: str
    audience: str
    keys: dict[str, VerifyKey] = field(hash=False)
    # For identity-provider tokens: the claim naming the owner whose prefix they may read.
    # None for download tokens, which are scoped by their exact `path` claim instead.
    owner_claim: str | None = None
    # With owner_claim: the deployment's owner keys, which turn the claim into its key segment.
    owner_keys: OwnerKeys | None = None


@dataclass(frozen=True)
class EdgeConfig:
    downloads: TrustDomain
    idp: TrustDomain | None
    query_param: str = "authorization"
    cookie_name: str | None = "cdn_token"
    leeway_seconds: int = 30
    uploads_prefix: str = "uploads/"
    # Origin header added when the viewer sent none, so that S3 answers with CORS headers
    # (and the cached copy carries them). None: "https://" + the request's Host.
    default_origin: str | None = None
    # Origins whose pages may read the edge's own 401/403 (CORS), e.g. "https://app.example.com".
    allowed_origins: frozenset[str] = frozenset()

    def domain_for_kid(self, kid: str) -> TrustDomain | None:
        for domain in (self.downloads, self.idp):
            if domain is not None and kid in domain.keys:
                return domain
        return None


def _required(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{name} must be a non-empty string")
    return value


def _optional(data: dict[str, Any], name: str) -> str | None:
    return None if data.get(name) is None else _required(data, name)


def _keys(specs: object, backend: Backend | None) -> dict[str, VerifyKey]:
    if not isinstance(specs, list) or not specs:
        raise ConfigError("keys must be a non-empty list")
    keys: dict[str, VerifyKey] = {}
    for spec in specs:
        if not isinstance(spec, dict) or not isinstance(spec.get("kid"), str) or not spec["kid"]:
            raise ConfigError("every key needs a kid")
        if spec["kid"] in keys:
            raise ConfigError(f"duplicate kid {spec['kid']!r}")
        try:
            keys[spec["kid"]] = load_public_key(spec, backend)
        except Exception as exc:
            raise ConfigError(f"key {spec['kid']!r} is not a usable RSA public key: {exc}") from exc
    return keys


def _owner_keys(specs: object) -> OwnerKeys:
    """The upload API's owner keys, current first (any of them proves ownership here)."""
    if not isinstance(specs, list) or not specs:
        raise ConfigError("idp owner_keys must be a non-empty list")
    try:
        keys = [parse_owner_key(spec, "every idp owner_keys entry") for spec in specs]
    except InvalidOwnerKeyError as error:
        raise ConfigError(str(error)) from None
    return OwnerKeys(keys[0], tuple(keys[1:]))


def _domain(data: object, *, owner_claim: bool, backend: Backend | None) -> TrustDomain:
    if not isinstance(data, dict):
        raise ConfigError("a trust domain must be an object")
    return TrustDomain(
        issuer=_required(data, "issuer"),
        audience=_required(data, "audience"),
        keys=_keys(data.get("keys"), backend),
        owner_claim=(_optional(data, "owner_claim") or "sub") if owner_claim else None,
        owner_keys=_owner_keys(data.get("owner_keys")) if owner_claim else None,
    )


_KNOWN = {
    "issuer",
    "audience",
    "keys",
    "query_param",
    "cookie_name",
    "leeway_seconds",
    "uploads_prefix",
    "default_origin",
    "allowed_origins",
    "idp",
}
_KNOWN_IDP = {"issuer", "audience", "keys", "owner_claim", "owner_keys"}


def _no_unknown(data: dict[str, Any], known: set[str], where: str) -> None:
    # A misspelt setting would silently fall back to its default; refuse it instead.
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown {where}setting(s): {', '.join(unknown)}")


def parse_config(data: object, backend: Backend | None = None) -> EdgeConfig:
    """The configuration, its keys loaded for `backend` (default: the container's)."""
    if not isinstance(data, dict):
        raise ConfigError("the configuration must be a JSON object")
    _no_unknown(data, _KNOWN, "")
    if isinstance(data.get("idp"), dict):
        _no_unknown(data["idp"], _KNOWN_IDP, "idp ")
    downloads = _domain(data, owner_claim=False, backend=backend)
    idp = None if data.get("idp") is None else _domain(data["idp"], owner_claim=True, backend=backend)
    if idp is not None and set(idp.keys) & set(downloads.keys):
        raise ConfigError("a kid may belong to one issuer only")
    leeway = data.get("leeway_seconds", 30)
    if not isinstance(leeway, int) or isinstance(leeway, bool) or not 0 <= leeway <= MAX_LEEWAY_SECONDS:
        raise ConfigError(f"leeway_seconds must be an integer in 0..{MAX_LEEWAY_SECONDS}")
    prefix = data.get("uploads_prefix", "uploads/")
    if not isinstance(prefix, str) or not prefix.endswith("/") or prefix.startswith("/") or ".." in prefix:
        raise ConfigError("uploads_prefix must look like 'uploads/'")
    origins = data.get("allowed_origins", [])
    if not isinstance(origins, list) or not all(
        isinstance(o, str) and o.startswith(("https://", "http://")) and o.count("/") == 2 for o in origins
    ):
        raise ConfigError("allowed_origins must be a list of origins like 'https://app.example.com'")
    return EdgeConfig(
        downloads=downloads,
        idp=idp,
        query_param=_optional(data, "query_param") or "authorization",
        cookie_name=_optional(data, "cookie_name"),
        leeway_seconds=leeway,
        uploads_prefix=prefix,
        default_origin=_optional(data, "default_origin"),
        allowed_origins=frozenset(origins),
    )


def load_config(path: Path = CONFIG_FILE) -> EdgeConfig:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path.name}: {exc}") from exc
    return parse_config(data)
