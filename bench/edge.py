"""Edge authorizer: our handler (PyJWT + pure-Python `rsa`, verified-token cache) against a
reference doing the same checks with PyJWT + cryptography. Warm per-request time, cold start
(fresh interpreter: import + first request) and package size against Lambda@Edge's 1 MB."""

from __future__ import annotations

import compileall
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import jwt

from bench.context import BenchContext, run_handler
from bench.results import Section
from bench.stats import ratio, summarise
from bench.tokens import SigningKey, download_claims
from events.cloudfront import viewer_request_event

EDGE_PACKAGE_LIMIT_BYTES = 1_048_576
ISSUER = "https://bench.invalid/downloads"
AUDIENCE = "bench-cdn"
HOST = "d111111abcdef8.cloudfront.net"
OUR_HANDLER = "edge_auth.handler.handler"
REFERENCE_HANDLER = "reference_edge.handler"
_SITE_PACKAGES = Path(jwt.__file__).resolve().parent.parent
# What a Lambda package of the reference handler would have to contain.
_REFERENCE_DISTRIBUTIONS = ("jwt", "cryptography", "cffi", "pycparser")
_EDGE_DISTRIBUTIONS = ("jwt", "rsa", "pyasn1")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "config.json")


def _copy_tree(source: Path, dest: Path) -> None:
    shutil.copytree(source, dest, ignore=_IGNORE, dirs_exist_ok=True)


def prepare_our_package(ctx: BenchContext, dest: Path, config: dict[str, Any]) -> tuple[str, int | None]:
    """Our edge package with the bench's configuration baked in; returns (provenance, zip size)."""
    built_zip = ctx.build_dir / "lambda" / "edge_auth.zip"
    built_tree = ctx.build_dir / "lambda" / "edge_auth"
    zip_size: int | None = None
    if built_zip.is_file():
        with zipfile.ZipFile(built_zip) as archive:
            archive.extractall(dest)
        provenance = f"{built_zip.relative_to(ctx.root)} (make build)"
        zip_size = built_zip.stat().st_size
    elif built_tree.is_dir():
        _copy_tree(built_tree, dest)
        provenance = f"{built_tree.relative_to(ctx.root)} (make build)"
    else:
        for package in ("edge_auth", "objectkeys"):
            if (ctx.root / "lambda_src" / package).is_dir():
                _copy_tree(ctx.root / "lambda_src" / package, dest / package)
        for package in _EDGE_DISTRIBUTIONS:
            _copy_tree(_SITE_PACKAGES / package, dest / package)
        provenance = "assembled from lambda_src + venv (build/lambda missing: run `make build`)"
    for stale in dest.rglob("__pycache__"):
        shutil.rmtree(stale)
    (dest / "edge_auth" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return provenance, zip_size


def prepare_reference_package(dest: Path, config: dict[str, Any]) -> None:
    for name in _REFERENCE_DISTRIBUTIONS:
        _copy_tree(_SITE_PACKAGES / name, dest / name)
    for binary in _SITE_PACKAGES.glob("_cffi_backend*.so"):
        shutil.copy2(binary, dest / binary.name)
    (dest / "reference_edge").mkdir()
    shutil.copy2(Path(__file__).with_name("reference_edge.py"), dest / "reference_edge" / "__init__.py")
    (dest / "reference_edge" / "config.json").write_text(json.dumps(config), encoding="utf-8")


def zipped_size(tree: Path, archive_path: Path) -> int:
    """Size of `tree` zipped with deflate, as Lambda would receive it."""
    with zipfile.ZipFile(archive_path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(tree.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(tree).as_posix())
    return archive_path.stat().st_size


def viewer_request(token: str, path: str) -> dict[str, Any]:
    """A CloudFront viewer-request event for GET `path` with the token in the query string."""
    return viewer_request_event(
        uri=path,
        querystring=f"authorization={token}",
        headers=[("Host", HOST), ("User-Agent", "bench"), ("Accept", "image/avif,image/webp,*/*")],
        client_ip="203.0.113.10",
        distribution_domain=HOST,
        distribution_id="EDFDVBD6EXAMPLE",
        request_id="bench",
    )


def _edge_config(key: SigningKey) -> dict[str, Any]:
    return {
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "keys": [{"kid": key.kid, "pem": key.public_pem}],
        "query_param": "authorization",
        "cookie_name": "cdn_token",
        "leeway_seconds": 30,
        "uploads_prefix": "uploads/",
        "idp": None,
    }


def _events(key: SigningKey, count: int, *, distinct: bool) -> tuple[dict[str, Any], list[str]]:
    path = "/uploads/YmVuY2gtdXNlcg/0123456789abcdef0123456789abcdef.jpg"
    sub = "bench-user"
    cold_token = key.sign(download_claims(ISSUER, AUDIENCE, sub, path, jti="cold"))
    if distinct:
        tokens = [key.sign(download_claims(ISSUER, AUDIENCE, sub, path, jti=str(n))) for n in range(count)]
        return viewer_request(cold_token, path), [json.dumps(viewer_request(token, path)) for token in tokens]
    # The same token as the cold request: the common case of one page showing many images.
    return viewer_request(cold_token, path), [json.dumps(viewer_request(cold_token, path))] * count


def _raw_verify_p50(verify: Any, message: bytes, signature: bytes, count: int) -> float:
    import time

    samples = []
    for _ in range(count):
        start = time.perf_counter_ns()
        if not verify(message, signature):
            raise RuntimeError("raw verify refused a valid signature")
        samples.append((time.perf_counter_ns() - start) / 1000)
    return summarise(samples).p50


def _add_floor(section: Section, key: SigningKey, token: str, p50s: dict[str, float]) -> None:
    """The physical floor: the RS256 verify alone of the same token, per backend, in this process."""
    from edge_auth import rs256  # lambda_src is on the bench's path

    signing_input, _, signature_b64 = token.rpartition(".")
    signature = jwt.utils.base64url_decode(signature_b64)
    numbers = key.private_key.public_key().public_numbers()
    message = signing_input.encode()
    backends: list[Any] = [rs256.PythonBackend()]
    if rs256.BACKEND.name == "openssl":
        backends.insert(0, rs256.BACKEND)
    for backend in backends:
        verify = backend.load(numbers.n, numbers.e).verify
        p50 = _raw_verify_p50(verify, message, signature, 2000 if backend.name == "openssl" else 200)
        section.add(f"floor.{backend.name}", f"Raw RS256 verify only, {backend.name} backend, p50", p50, "us")
        if backend.name == rs256.BACKEND.name:
            section.add(
                "warm.ratio_uncached_vs_floor",
                f"Warm p50 ratio, ours full verify / raw verify ({backend.name})",
                ratio(p50s["ours_uncached"], p50),
                "x",
            )
    section.add(
        "warm.ratio_cached_vs_reference",
        "Warm p50 ratio, ours cache hit / reference",
        ratio(p50s["ours_cached"], p50s["reference"]),
        "x",
    )
    section.add(
        "warm.ratio_reference_vs_uncached",
        "Warm p50 ratio, reference / ours full verify",
        ratio(p50s["reference"], p50s["ours_uncached"]),
        "x",
    )


def bench_edge(ctx: BenchContext) -> tuple[Section, dict[str, list[float]]]:
    section = Section("edge", "Edge authorizer (Lambda@Edge viewer-request)")
    work = ctx.work_dir / "edge"
    work.mkdir()
    key = SigningKey.generate()
    config = _edge_config(key)
    ours_dir, reference_dir = work / "ours", work / "reference"
    provenance, built_zip_size = prepare_our_package(ctx, ours_dir, config)
    if not (ours_dir / "edge_auth" / "handler.py").is_file():
        return section.skip(
            f"our edge handler (edge_auth/handler.py) does not exist yet; package from {provenance}"
        ), {}
    prepare_reference_package(reference_dir, config)
    n = ctx.sizes.edge_requests
    ctx.log(f"edge: signing {n} distinct tokens")
    same = _events(key, n, distinct=False)
    distinct = _events(key, n, distinct=True)

    samples: dict[str, list[float]] = {}
    runs = {
        "ours_cached": (ours_dir, OUR_HANDLER, same, "ours, same token (verified-token cache hit)"),
        "ours_uncached": (ours_dir, OUR_HANDLER, distinct, "ours, a new token per request (full verify)"),
        "reference": (
            reference_dir,
            REFERENCE_HANDLER,
            distinct,
            "reference PyJWT + cryptography, a new token per request",
        ),
    }
    p50s: dict[str, float] = {}
    for name, (package, handler, (cold_event, warm_events), label) in runs.items():
        ctx.log(f"edge: {name}: {len(warm_events)} warm requests")
        out = run_handler(
            {
                "package_dir": str(package),
                "handler": handler,
                "cold_event": cold_event,
                "warm_events": warm_events,
                "check": "edge-allow",
            },
            work,
            name,
        )
        if out["failures"]:
            return section.fail(
                f"{name}: {out['failures']} requests were not allowed; first: {out['first_failure']}"
            ), samples
        micros = [ns / 1000 for ns in out["warm_ns"]]
        samples[label] = micros
        summary = summarise(micros)
        p50s[name] = summary.p50
        section.add_summary(f"warm.{name}", f"Warm, {label}:", summary, "us")

    section.add(
        "warm.ratio_uncached_vs_reference",
        "Warm p50 ratio, ours full verify / reference",
        ratio(p50s["ours_uncached"], p50s["reference"]),
        "x",
    )
    _add_floor(section, key, same[0]["Records"][0]["cf"]["request"]["querystring"].partition("=")[2], p50s)

    # Sizes first: the bytecode variant below adds .pyc files to the trees.
    rebuilt_size = zipped_size(ours_dir, work / "ours.zip")
    size = built_zip_size if built_zip_size is not None else rebuilt_size
    section.add("package.ours", "Package size, ours (zipped)", size, "bytes", provenance)
    section.add(
        "package.ours_share_of_limit",
        "Package size, ours, share of the 1 MB limit",
        100 * size / EDGE_PACKAGE_LIMIT_BYTES,
        "%",
    )
    section.add(
        "package.reference",
        "Package size, reference (PyJWT + cryptography, zipped)",
        zipped_size(reference_dir, work / "reference.zip"),
        "bytes",
        "over the limit: cannot ship to Lambda@Edge",
    )
    section.add("package.limit", "Lambda@Edge viewer-trigger package limit", EDGE_PACKAGE_LIMIT_BYTES, "bytes")

    cold_event, _ = same
    packages = {"ours": (ours_dir, OUR_HANDLER), "reference": (reference_dir, REFERENCE_HANDLER)}
    for variant in ("", "bytecode"):
        if variant:  # what shipping precompiled bytecode in the package would change
            for package, _ in packages.values():
                compileall.compile_dir(package, quiet=2, workers=0)
        for name, (package, handler) in packages.items():
            spec = {
                "package_dir": str(package),
                "handler": handler,
                "cold_event": cold_event,
                "warm_events": [],
                "check": "edge-allow",
            }
            colds = []
            for attempt in range(ctx.sizes.cold_starts):
                out = run_handler(spec, work, f"cold-{name}-{variant}-{attempt}")
                if out["failures"]:
                    return section.fail(f"cold {name}: first request not allowed: {out['first_failure']}"), samples
                colds.append(out["cold_ns"] / 1e6)
            summary = summarise(colds)
            if variant:
                label = f"Cold start with precompiled bytecode, {name}, median of {summary.n}"
                section.add(f"cold_bytecode.{name}.p50", label, summary.p50, "ms")
                continue
            label = f"Cold start (import + first request), {name}, median of {summary.n}"
            section.add(f"cold.{name}.p50", label, summary.p50, "ms", "as built: no bytecode in the package")
            section.add(f"cold.{name}.max", f"Cold start, {name}, worst of {summary.n}", summary.max, "ms")

    section.details["method"] = " ".join(
        [
            f"{n} warm requests per series in one interpreter after a cold request; each handler in its own",
            "`python -I -S -B` process whose sys.path is only its package (no venv). Cold start = import of",
            "the handler module + first request, interpreter start-up excluded; as built, the packages hold no",
            "bytecode, so every module is compiled from source as in a Lambda container; the bytecode variant",
            "runs compileall on the packages first. Times are wall time (perf_counter_ns) around the handler call.",
        ]
    )
    return section, samples
