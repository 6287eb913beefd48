"""Pinned provider packages: fetch (npm pack, no install scripts), rebuild their schemas,
install the stand-in as a local plugin directory for `terraform init -plugin-dir`."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tfplugin_proto import tfplugin6_5_pb2 as pb

from tf_offline.cdktf_schema import build_provider_schema

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "tf_offline"
PLUGIN_DIR = BUILD / "plugins"
SCHEMA_JSON = BUILD / "schema.json"


@dataclass(frozen=True)
class Pin:
    """One provider: the npm package whose generated code mirrors it, and the version it mirrors."""

    name: str
    npm: str
    npm_version: str
    integrity: str  # the registry's sha512, pinned so a republished tarball is noticed
    provider_version: str

    @property
    def address(self) -> str:
        return f"registry.terraform.io/hashicorp/{self.name}"


# `@cdktn/*` (the maintained CDK Terrain fork) tracks the newest provider releases; the
# versions below are what our `~> 6.0` / `~> 2.7` / `~> 3.5` constraints resolve to online today.
PINS = (
    Pin(
        "aws",
        "@cdktn/provider-aws",
        "25.7.0",
        "sha512-E/nhu0yVZE4mXMgIPuI8tEFt1BExLkA7ARjihdG+/HmfDfzLr+OEF3dkFRvI6glRt30lrrBWQLwXqCJBxcmyUg==",
        "6.66.0",
    ),
    Pin(
        "archive",
        "@cdktn/provider-archive",
        "14.0.1",
        "sha512-JqpyFUXXFn8GZcsXuxuQbs26WUKlheVhQXy+w9yk9QXn0mUnsohQhmkbFvn8WWYm2bsMJX4Oh9iRwfe68oATNA==",
        "2.8.1",
    ),
    Pin(
        "random",
        "@cdktn/provider-random",
        "15.0.1",
        "sha512-YEP/fbBGsjbaQKyPS/svsVIMAb2sxfYESwyoT4l2ynwiqJWCbXQUrWbjm0MPBzA5R4WxW29Wi4QdykYvmeJCTg==",
        "3.9.1",
    ),
)


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def fetch(pin: Pin) -> Path:
    """The package's lib/ directory, unpacked under build/ (cached; verified against the pin)."""
    cache = BUILD / "npm"
    unpacked = cache / f"{pin.name}-{pin.npm_version}"
    if (unpacked / ".complete").exists():
        return unpacked / "package" / "lib"
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / f"{pin.npm.lstrip('@').replace('/', '-')}-{pin.npm_version}.tgz"
    if not tarball.exists() or _integrity(tarball) != pin.integrity:
        subprocess.run(
            [
                "npm",
                "pack",
                "--silent",
                "--ignore-scripts",
                f"--pack-destination={cache}",
                f"{pin.npm}@{pin.npm_version}",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    actual = _integrity(tarball)
    if actual != pin.integrity:
        raise SystemExit(f"{tarball.name}: integrity {actual} does not match the pin {pin.integrity}")
    shutil.rmtree(unpacked, ignore_errors=True)
    with tarfile.open(tarball) as tar:
        # Only the generated JavaScript is read (the .jsii type file alone is 150 MB).
        wanted = [m for m in tar.getmembers() if m.name.endswith(".js") or m.name == "package/package.json"]
        tar.extractall(unpacked, members=wanted, filter="data")
    (unpacked / ".complete").touch()
    return unpacked / "package" / "lib"


_NESTING = {"single": "SINGLE", "list": "LIST", "set": "SET", "map": "MAP", "group": "GROUP"}


def _attribute(name: str, spec: dict[str, Any]) -> pb.Schema.Attribute:
    from tfplugin_proto import tfplugin6_5_pb2 as pb  # the tool environment's (build/tools/tf-offline)

    attr = pb.Schema.Attribute(
        name=name,
        required=spec.get("required", False),
        optional=spec.get("optional", False),
        computed=spec.get("computed", False),
        sensitive=spec.get("sensitive", False),
    )
    if "nested_type" in spec:
        nested = spec["nested_type"]
        attr.nested_type.CopyFrom(
            pb.Schema.Object(
                attributes=[_attribute(n, a) for n, a in nested["attributes"].items()],
                nesting=_NESTING[nested["nesting_mode"]],
            )
        )
    else:
        attr.type = json.dumps(spec["type"], separators=(",", ":")).encode()
    return attr


def _block(spec: dict[str, Any]) -> pb.Schema.Block:
    from tfplugin_proto import tfplugin6_5_pb2 as pb  # the tool environment's (build/tools/tf-offline)

    return pb.Schema.Block(
        attributes=[_attribute(n, a) for n, a in spec.get("attributes", {}).items()],
        block_types=[
            pb.Schema.NestedBlock(
                type_name=n,
                block=_block(b["block"]),
                nesting=_NESTING[b["nesting_mode"]],
                min_items=b.get("min_items", 0),
                max_items=b.get("max_items", 0),
            )
            for n, b in spec.get("block_types", {}).items()
        ],
    )


def to_proto(schema: dict[str, Any]) -> pb.GetProviderSchema.Response:
    """One provider's `providers schema -json` entry as the plugin protocol's schema response."""
    from tfplugin_proto import tfplugin6_5_pb2 as pb  # the tool environment's (build/tools/tf-offline)

    return pb.GetProviderSchema.Response(
        provider=pb.Schema(version=schema["provider"]["version"], block=_block(schema["provider"]["block"])),
        resource_schemas={
            n: pb.Schema(version=s["version"], block=_block(s["block"])) for n, s in schema["resource_schemas"].items()
        },
        data_source_schemas={
            n: pb.Schema(version=s["version"], block=_block(s["block"]))
            for n, s in schema["data_source_schemas"].items()
        },
        server_capabilities=pb.ServerCapabilities(plan_destroy=False),
    )


def _platform() -> str:
    machine = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), platform.machine())
    return f"{sys.platform}_{machine}"


_LAUNCHER = """#!/bin/sh
# Installed by harness/tf_offline: the stand-in for {address} {version} (schema from {npm}@{npm_version}).
exec "{python}" "{provider}" "{schema}" "{address}"
"""


def install() -> dict[str, Any]:
    """Fetch every pin, write build/tf_offline/schema.json and the plugin directory."""
    doc: dict[str, Any] = {"format_version": "1.0", "provider_schemas": {}}
    # Built aside and swapped in, so a Terraform run using the old directory is not cut short.
    staging = PLUGIN_DIR.with_name(f"plugins.new-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    for pin in PINS:
        schema, unknown = build_provider_schema(fetch(pin))
        if unknown:
            raise SystemExit(f"{pin.npm}: {len(unknown)} attributes of unknown shape, e.g. {unknown[:3]}")
        doc["provider_schemas"][pin.address] = schema
        target = staging / pin.address / pin.provider_version / _platform()
        target.mkdir(parents=True)
        schema_pb = target / "schema.pb"
        schema_pb.write_bytes(to_proto(schema).SerializeToString(deterministic=True))
        launcher = target / f"terraform-provider-{pin.name}_v{pin.provider_version}"
        launcher.write_text(
            _LAUNCHER.format(
                address=pin.address,
                version=pin.provider_version,
                npm=pin.npm,
                npm_version=pin.npm_version,
                python=sys.executable,
                provider=Path(__file__).with_name("provider.py"),
                schema=PLUGIN_DIR / schema_pb.relative_to(staging),
            )
        )
        launcher.chmod(0o755)
        print(
            f"tf_offline: {pin.address} {pin.provider_version} from {pin.npm}@{pin.npm_version}: "
            f"{len(schema['resource_schemas'])} resources, {len(schema['data_source_schemas'])} data sources"
        )
    SCHEMA_JSON.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")))
    retired = PLUGIN_DIR.with_name(f"plugins.old-{os.getpid()}")
    if PLUGIN_DIR.exists():
        PLUGIN_DIR.rename(retired)
    staging.rename(PLUGIN_DIR)
    shutil.rmtree(retired, ignore_errors=True)
    return doc
