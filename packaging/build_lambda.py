"""Build the three Lambda packages, byte-for-byte reproducibly.

    build_lambda.py [--out build/lambda] [--only upload_api|edge_auth|verifier] [--check-reproducible]

- build/lambda/upload_api.zip: upload_api/ + objectkeys/ + requirements/lambda-upload-api.txt,
  with botocore's data for the AWS services it uses only (see prune_botocore_data)
- build/lambda/verifier.zip: verifier/ + objectkeys/ + requirements/lambda-verifier.txt
- build/lambda/edge_auth.zip: edge_auth/ + objectkeys/ + requirements/lambda-edge-auth.txt,
  without edge_auth/config.json: Terraform bakes the configuration in at apply time
  (terraform/modules/edge_auth/bake_package.py); fails above 1,048,576 bytes (the Lambda@Edge
  viewer limit) less the headroom a configuration needs.

Dependencies are wheels for the Lambda runtime (CPython 3.13, manylinux2014 x86_64), not for
this machine, fetched once into build/lambda/.wheels. Zips have sorted entries, fixed
timestamps and modes, and precompiled bytecode (unchecked-hash .pyc, compiled by CPython 3.13
with PYTHONHASHSEED=0, so the same inputs give the same sha256).

In the edge package (Lambda@Edge limits its size) the third-party dependencies ship as
bytecode only: `module.pyc` where `module.py` was (Python's sourceless import), compiled
without docstrings (asserts kept, unlike -OO), and their .dist-info keeps its license files
only. Our own packages keep their sources next to their bytecode, for readable tracebacks.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "lambda_src"
DEFAULT_OUT = ROOT / "build" / "lambda"
EDGE_LIMIT_BYTES = 1_048_576
# Kept free for the configuration baked in at apply time (a few keys take ~2 KB).
EDGE_CONFIG_HEADROOM_BYTES = 65_536
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
PLATFORM_ARGS = (
    "--platform=manylinux2014_x86_64",
    "--python-version=3.13",
    "--implementation=cp",
    "--only-binary=:all:",
)
# Never in the edge package: too large for the 1 MB limit, and not needed to verify RS256.
EDGE_FORBIDDEN = ("cryptography", "boto3", "botocore", "_cffi_backend", "cffi", "jwt")
SKIPPED_DIRS = {"__pycache__", "bin"}
SKIPPED_SUFFIXES = {".pyc", ".pyo"}


@dataclass(frozen=True)
class Function:
    name: str
    requirements: Path
    packages: tuple[str, ...]
    # Maximum compression only where size is a hard limit; it triples the zip time of the API.
    compresslevel: int = 6
    # The AWS services the function makes clients for (botocore's names); empty: all of them.
    aws_services: tuple[str, ...] = ()


UPLOAD_API = Function(
    "upload_api",
    ROOT / "requirements" / "lambda-upload-api.txt",
    ("upload_api", "objectkeys"),
    aws_services=("dynamodb", "kms", "s3"),
)
EDGE_AUTH = Function("edge_auth", ROOT / "requirements" / "lambda-edge-auth.txt", ("edge_auth", "objectkeys"), 9)
VERIFIER = Function("verifier", ROOT / "requirements" / "lambda-verifier.txt", ("verifier", "objectkeys"))
FUNCTIONS = (UPLOAD_API, EDGE_AUTH, VERIFIER)


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", *args]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"pip failed ({' '.join(args[:2])}):\n{result.stdout}{result.stderr}")


def _pins(requirements: Path) -> list[tuple[str, str]]:
    pins = []
    for line in requirements.read_text().splitlines():
        requirement = line.split("#", 1)[0].strip()
        if requirement:
            name, _, version = requirement.partition("==")
            if not version:
                raise SystemExit(f"{requirements.name}: {requirement!r} is not pinned with ==")
            pins.append((name.strip(), version.strip()))
    return pins


def _all_cached(requirements: Path, wheels: Path) -> bool:
    """Every pinned wheel is already in the cache (wheel names normalise '-' and '.' to '_')."""
    for name, version in _pins(requirements):
        normalised = name.replace("-", "_").replace(".", "_").lower()
        if not any(w.name.lower().startswith(f"{normalised}-{version}-") for w in wheels.glob("*.whl")):
            return False
    return True


def install_dependencies(function: Function, target: Path, wheels: Path) -> None:
    """Runtime wheels into `target`. --no-deps: the requirements file is the complete,
    pinned set, so a missing transitive dependency fails here rather than in Lambda."""
    wheels.mkdir(parents=True, exist_ok=True)
    if not _all_cached(function.requirements, wheels):
        _pip("download", "--no-deps", *PLATFORM_ARGS, "--dest", str(wheels), "-r", str(function.requirements))
    _pip(
        "install",
        "--no-deps",
        "--no-compile",
        "--no-index",
        "--find-links",
        str(wheels),
        *PLATFORM_ARGS,
        "--target",
        str(target),
        "-r",
        str(function.requirements),
    )


def _skipped(path: Path) -> bool:
    return bool(SKIPPED_DIRS & set(path.parts)) or path.suffix in SKIPPED_SUFFIXES


def copy_sources(function: Function, target: Path) -> None:
    for package in function.packages:
        source = SOURCES / package
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(SOURCES)
            if path.is_dir() or _skipped(relative) or path.name == "config.json":
                continue
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)


def prune(tree: Path) -> None:
    """Drop bytecode and console scripts (their shebang names this machine's Python)."""
    for path in sorted(tree.rglob("*"), reverse=True):
        relative = path.relative_to(tree)
        if _skipped(relative):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)


RUNTIME_PYTHON = (3, 13)
_COMPILE = """
import ast, importlib._bootstrap_external as external, importlib.util, pathlib, py_compile, sys
root, sourceless = pathlib.Path(sys.argv[1]), set(sys.argv[2:])

def without_docstrings(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            first = body[0] if body else None
            value = first.value if isinstance(first, ast.Expr) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                if len(body) > 1:
                    del body[0]  # so that `from __future__` stays the first statement
                else:
                    body[0] = ast.copy_location(ast.Pass(), first)
    return tree

for source in sorted(root.rglob("*.py"), key=lambda p: p.as_posix()):
    relative = source.relative_to(root).as_posix()
    if relative.split("/")[0] in sourceless:
        data = source.read_bytes()
        code = compile(without_docstrings(ast.parse(data, relative)), relative, "exec", dont_inherit=True)
        source.with_suffix(".pyc").write_bytes(
            external._code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
        )
        source.unlink()
    else:
        py_compile.compile(str(source), dfile=relative, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
"""
# What a dependency's .dist-info keeps in a package that ships its code as bytecode only.
LICENSE_NAMES = ("LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS")


def compile_bytecode(tree: Path, sourceless: tuple[str, ...] = ()) -> None:
    """Unchecked-hash .pyc next to every module (__pycache__/*.cpython-313.pyc): the runtime
    loads them without compiling or stat-comparing sources. Top-level packages named in
    `sourceless` get `module.pyc` in place of `module.py` instead, without docstrings.
    Compiled in a fresh interpreter with a fixed hash seed, so that set constants and the
    marshal stream are the same every build."""
    if sys.version_info[:2] != RUNTIME_PYTHON:
        raise SystemExit(f"bytecode must be compiled by Python {RUNTIME_PYTHON[0]}.{RUNTIME_PYTHON[1]} (the runtime)")
    env = {"PYTHONHASHSEED": "0", "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-I", "-c", _COMPILE, str(tree), *sourceless], capture_output=True, text=True, env=env
    )
    if result.returncode != 0:
        raise SystemExit(f"compiling bytecode failed:\n{result.stderr}")


def write_zip(tree: Path, destination: Path, compresslevel: int) -> None:
    files = sorted((p for p in tree.rglob("*") if p.is_file()), key=lambda p: p.relative_to(tree).as_posix())
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_suffix(".zip.tmp")
    with zipfile.ZipFile(temporary, "w") as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(tree).as_posix(), date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that external_attr carries the mode
            mode = 0o755 if path.suffix == ".so" or ".so." in path.name else 0o644
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, path.read_bytes(), compresslevel=compresslevel)
    temporary.replace(destination)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def third_party(function: Function, tree: Path) -> tuple[str, ...]:
    """The top-level import names in `tree` that are not our own packages."""
    return tuple(
        sorted(
            entry.stem if entry.suffix == ".py" else entry.name
            for entry in tree.iterdir()
            if entry.name not in function.packages and not entry.name.endswith(".dist-info")
        )
    )


def licenses_only(tree: Path) -> None:
    """Each .dist-info reduced to its license files (its code ships without metadata)."""
    for info in sorted(tree.glob("*.dist-info")):
        for path in sorted(info.rglob("*"), reverse=True):
            relative = path.relative_to(info)
            if path.is_file() and not (relative.parts[0] == "licenses" or path.name.upper().startswith(LICENSE_NAMES)):
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()


# Services botocore itself makes clients for while it resolves credentials (assume role, web
# identity, SSO, console sign-in): kept whatever the function uses.
CREDENTIAL_SERVICES = ("signin", "sso", "sso-oidc", "sts")


def _endpoint_prefix(service_dir: Path) -> str:
    """The service's key in endpoints.json: its model's endpointPrefix (sso's is "portal.sso")."""
    model = sorted(service_dir.glob("*/service-2.json*"))[-1]  # the newest API version
    text = gzip.decompress(model.read_bytes()) if model.suffix == ".gz" else model.read_bytes()
    return str(json.loads(text)["metadata"]["endpointPrefix"])


def prune_botocore_data(tree: Path, services: tuple[str, ...]) -> None:
    """botocore's data reduced to `services` and CREDENTIAL_SERVICES, and its endpoints.json to
    their entries. A client reads only its own service's model, but making any client parses the
    whole endpoints.json (1.2 MB: every service in every partition), a measurable part of a cold
    start; the other ~440 services' models are most of the zip. What is kept is unchanged, so the
    kept services' clients resolve the same endpoints; a client for another service fails at
    creation (UnknownServiceError), at cold start, not later."""
    data = tree / "botocore" / "data"
    keep = set(services) | set(CREDENTIAL_SERVICES)
    missing = sorted(keep - {entry.name for entry in data.iterdir() if entry.is_dir()})
    if missing:
        raise SystemExit(f"botocore has no data for {missing}")
    for entry in sorted(data.iterdir()):
        if entry.is_dir() and entry.name not in keep:
            shutil.rmtree(entry)
    prefixes = {_endpoint_prefix(data / name) for name in keep}
    endpoints_file = data / "endpoints.json"
    endpoints = json.loads(endpoints_file.read_text(encoding="utf-8"))
    for partition in endpoints["partitions"]:
        partition["services"] = {name: entry for name, entry in partition["services"].items() if name in prefixes}
    endpoints_file.write_text(json.dumps(endpoints, separators=(",", ":")) + "\n", encoding="utf-8")


def check_edge_tree(tree: Path) -> None:
    top_level = {p.name.split("-")[0].split(".")[0].lower() for p in tree.iterdir()}
    forbidden = sorted(top_level & set(EDGE_FORBIDDEN))
    if forbidden:
        raise SystemExit(f"edge package must not contain {forbidden}")


def build_function(function: Function, out: Path, wheels: Path) -> Path:
    work = out / ".work" / function.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    install_dependencies(function, work, wheels)
    copy_sources(function, work)
    prune(work)
    if function.aws_services:
        prune_botocore_data(work, function.aws_services)
    if function is EDGE_AUTH:
        check_edge_tree(work)
        licenses_only(work)
        compile_bytecode(work, third_party(function, work))
    else:
        compile_bytecode(work)
    destination = out / f"{function.name}.zip"
    write_zip(work, destination, function.compresslevel)
    shutil.rmtree(work)
    size = destination.stat().st_size
    print(
        f"{destination.relative_to(ROOT) if destination.is_relative_to(ROOT) else destination}: "
        f"{size:,} bytes, sha256 {sha256(destination)}"
    )
    if function is EDGE_AUTH:
        limit = EDGE_LIMIT_BYTES - EDGE_CONFIG_HEADROOM_BYTES
        headroom = limit - size
        print(
            f"  Lambda@Edge viewer-request limit {EDGE_LIMIT_BYTES:,} bytes, less {EDGE_CONFIG_HEADROOM_BYTES:,} "
            f"for the configuration: headroom {headroom:,} bytes"
        )
        if headroom < 0:
            destination.unlink()
            raise SystemExit(f"edge_auth.zip is {size:,} bytes, over the {limit:,}-byte limit")
    return destination


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--wheels", type=Path, default=DEFAULT_OUT / ".wheels", help="wheel cache")
    parser.add_argument("--only", choices=[function.name for function in FUNCTIONS])
    parser.add_argument(
        "--check-reproducible",
        action="store_true",
        help="build each zip a second time elsewhere; fail unless identical",
    )
    args = parser.parse_args(argv)
    for function in FUNCTIONS:
        if args.only not in (None, function.name):
            continue
        built = build_function(function, args.out.resolve(), args.wheels.resolve())
        if args.check_reproducible:
            with tempfile.TemporaryDirectory() as scratch:
                again = build_function(function, Path(scratch), args.wheels.resolve())
                if sha256(again) != sha256(built):
                    raise SystemExit(f"{built.name}: a second build differs; the build is not reproducible")
            print(f"  {built.name}: a second build is byte-identical")


if __name__ == "__main__":
    main()
