"""Bake the edge function's configuration into its built package.

    EDGE_AUTH_CONFIG='{...}' python3 bake_package.py --package build/lambda/edge_auth.zip --out baked.zip

The configuration (a JSON object) comes from the environment variable EDGE_AUTH_CONFIG, and
--package/--out default to EDGE_AUTH_PACKAGE/EDGE_AUTH_OUTPUT: Terraform runs this at apply time
(a local-exec of terraform_data.package) with all three in the environment and no shell between,
so a saved plan applied on another machine bakes there. The local stack runs the same file.

The output is the input zip, byte for byte, with edge_auth/config.json appended as a stored
(uncompressed) entry: no recompression, so the same package and configuration give the same
bytes on any machine. Standard library only: any Python 3.9+ on the applying machine will do.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import zipfile
from pathlib import Path

CONFIG_ENTRY = "edge_auth/config.json"
CONFIG_VARIABLE = "EDGE_AUTH_CONFIG"
# Lambda@Edge viewer triggers accept at most this many bytes of zipped package.
LIMIT_BYTES = 1_048_576
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class BakeError(Exception):
    """The package cannot be baked; the message says why."""


def canonical_config(text: str) -> bytes:
    """The configuration as sorted, compact JSON: equal configurations give equal bytes."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BakeError(f"{CONFIG_VARIABLE} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BakeError(f"{CONFIG_VARIABLE} must be a JSON object")
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def bake(package: Path, config: bytes, out: Path) -> int:
    """Write `out` (package + config entry) and return its size in bytes."""
    try:
        with zipfile.ZipFile(package) as built:
            if CONFIG_ENTRY in built.namelist():
                raise BakeError(f"{package} already contains {CONFIG_ENTRY}; bake the package `make build` wrote")
    except (OSError, zipfile.BadZipFile) as exc:
        raise BakeError(f"{package}: not a readable zip ({exc}); run `make build` first") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    shutil.copyfile(package, partial)
    entry = zipfile.ZipInfo(CONFIG_ENTRY, date_time=ZIP_EPOCH)
    entry.compress_type = zipfile.ZIP_STORED
    entry.create_system = 3  # Unix, so that external_attr carries the mode
    entry.external_attr = 0o100644 << 16
    with zipfile.ZipFile(partial, "a") as baked:
        baked.writestr(entry, config)
    size = partial.stat().st_size
    if size > LIMIT_BYTES:
        partial.unlink()
        raise BakeError(f"the baked package is {size:,} bytes, over Lambda@Edge's {LIMIT_BYTES:,}-byte limit")
    partial.replace(out)
    return size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", type=Path, default=os.environ.get("EDGE_AUTH_PACKAGE"), help="the built zip")
    parser.add_argument("--out", type=Path, default=os.environ.get("EDGE_AUTH_OUTPUT"), help="the baked zip")
    args = parser.parse_args(argv)
    if args.package is None or args.out is None:
        parser.error("--package and --out (or EDGE_AUTH_PACKAGE and EDGE_AUTH_OUTPUT) are required")
    try:
        text = os.environ.get(CONFIG_VARIABLE)
        if not text:
            raise BakeError(f"{CONFIG_VARIABLE} is not set")
        size = bake(args.package, canonical_config(text), args.out)
    except BakeError as exc:
        print(f"bake_package: {exc}", file=sys.stderr)
        return 1
    print(f"bake_package: {args.out} ({size:,} bytes, headroom {LIMIT_BYTES - size:,} under the Lambda@Edge limit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
