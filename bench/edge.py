"""Edge authorizer: our handler (RS256 through OpenSSL, pure-Python fallback, verified-token
cache) against a reference doing the same checks with PyJWT + cryptography, against the raw
verify of the same token (the floor) and against the package of the baseline commit
(bench/baseline.py). Warm per-request time on both RS256 backends, cold start (fresh
interpreter: import + first request), peak RSS against the function's 128 MB, and package
size against Lambda@Edge's 1 MB."""

from __future__ import annotations

import base64
import compileall
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import jwt

from bench.baseline import Baseline, baseline
from bench.context import BenchContext, run_handler
from bench.planned import PlanMissing, planned_edge_config
from bench.results import Section
from bench.runtime_cold import RuntimeColdStartError, runtime_cold_start_ms
from bench.stats import ratio, summarise
from bench.tokens import SigningKey, download_claims
from events.cloudfront import viewer_request_event
from stack import paths

EDGE_PACKAGE_LIMIT_BYTES = 1_048_576
EDGE_MEMORY_MB = 128  # the edge function's memory size (terraform/modules/edge_auth)
HOST = "d111111abcdef8.cloudfront.net"
OUR_HANDLER = "edge_auth.handler.handler"
REFERENCE_HANDLER = "reference_edge.handler"
_SITE_PACKAGES = Path(jwt.__file__).resolve().parent.parent
# What a Lambda package of the reference handler would have to contain.
_REFERENCE_DISTRIBUTIONS = ("jwt", "cryptography", "cffi", "pycparser")
_EDGE_DISTRIBUTIONS = ("rsa", "pyasn1")  # what requirements/lambda-edge-auth.txt ships
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "config.json")


def _copy_tree(source: Path, dest: Path) -> None:
    shutil.copytree(source, dest, ignore=_IGNORE, dirs_exist_ok=True)


def _extract(built_zip: Path, dest: Path) -> None:
    """The zip as built: its bytecode (if any) included, since that is what Lambda runs."""
    with zipfile.ZipFile(built_zip) as archive:
        archive.extractall(dest)


def prepare_our_package(ctx: BenchContext, dest: Path, config: dict[str, Any]) -> tuple[str, int | None]:
    """Our edge package with the bench's configuration baked in; returns (provenance, zip size)."""
    built_zip = ctx.build_dir / "lambda" / "edge_auth.zip"
    zip_size: int | None = None
    if built_zip.is_file():
        _extract(built_zip, dest)
        provenance = f"{built_zip.relative_to(ctx.root)} (make build)"
        zip_size = built_zip.stat().st_size
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


def prepare_baseline_package(built: Baseline, dest: Path, config: dict[str, Any]) -> int:
    """The baseline's edge zip as built, with the bench's configuration; returns the zip size."""
    _extract(built.zips["edge_auth"], dest)
    (dest / "edge_auth" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return built.zips["edge_auth"].stat().st_size


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


def viewer_request(token: str, path: str, config: dict[str, Any]) -> dict[str, Any]:
    """A CloudFront viewer-request event for GET `path` with the token in the query string
    parameter the configuration names."""
    return viewer_request_event(
        uri=path,
        querystring=f"{config['query_param']}={token}",
        headers=[("Host", HOST), ("User-Agent", "bench"), ("Accept", "image/avif,image/webp,*/*")],
        client_ip="203.0.113.10",
        distribution_domain=HOST,
        distribution_id="EDFDVBD6EXAMPLE",
        request_id="bench",
    )


# What the bench overrides in the planned root output `edge_config` (bench/planned.py), and why;
# every other setting is the plan's. Listed in bench/README.md.
# - keys: the plan's one key is the stack's KMS key, unknown before apply (and the bench has no
#   KMS key to sign with); the bench trusts its own key pair instead.
EDGE_CONFIG_OVERRIDES = ("keys",)
# - allowed_origins, for the baseline package only: BASELINE_REF's parser predates the setting
#   and refuses unknown ones. It shapes only the edge's own 401/403, never an allowed request.
BASELINE_DROPS = ("allowed_origins",)


def edge_config(key: SigningKey, plan: Path = paths.PLAN) -> dict[str, Any]:
    """The edge configuration the bench bakes: the plan's, trusting the bench's key."""
    return planned_edge_config({"keys": [{"kid": key.kid, "pem": key.public_pem}]}, path=plan)


def baseline_config(config: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in config.items() if name not in BASELINE_DROPS}


BENCH_SUB = "bench-user"
# Download tokens name their exact path, so any segment the key scheme accepts will do; this one
# (22 characters, base64url of 16 ASCII bytes) is also a canonical segment of the baseline's
# older reversible scheme, so ours and the baseline serve the very same request.
BENCH_SEGMENT = base64.urlsafe_b64encode(b"bench-user-00001").rstrip(b"=").decode("ascii")
BENCH_OBJECT = f"{BENCH_SEGMENT}/0123456789abcdef0123456789abcdef.jpg"


def object_path(config: dict[str, Any], name: str = BENCH_OBJECT) -> str:
    """The URI of an object under the configuration's uploads prefix."""
    return f"/{config['uploads_prefix']}{name}"


def download_token(key: SigningKey, config: dict[str, Any], uri: str, **claims: Any) -> str:
    """A download token for `uri` with the configuration's issuer and audience (`claims` override)."""
    return key.sign({**download_claims(config["issuer"], config["audience"], BENCH_SUB, uri), **claims})


def _events(key: SigningKey, config: dict[str, Any], count: int, *, distinct: bool) -> tuple[dict[str, Any], list[str]]:
    path = object_path(config)
    cold_token = download_token(key, config, path, jti="cold")
    if distinct:
        tokens = [download_token(key, config, path, jti=str(n)) for n in range(count)]
        return viewer_request(cold_token, path, config), [
            json.dumps(viewer_request(token, path, config)) for token in tokens
        ]
    # The same token as the cold request: the common case of one page showing many images.
    return viewer_request(cold_token, path, config), [json.dumps(viewer_request(cold_token, path, config))] * count


def _raw_verify_p50(verify: Any, message: bytes, signature: bytes, count: int) -> float:
    import time

    samples = []
    for _ in range(count):
        start = time.perf_counter_ns()
        if not verify(message, signature):
            raise RuntimeError("raw verify refused a valid signature")
        samples.append((time.perf_counter_ns() - start) / 1000)
    return summarise(samples).p50


def _add_floor(section: Section, key: SigningKey, token: str) -> dict[str, float]:
    """The physical floor: the RS256 verify alone of the same token, per backend, in this process."""
    from edge_auth import rs256  # lambda_src is on the bench's path

    signing_input, _, signature_b64 = token.rpartition(".")
    signature = jwt.utils.base64url_decode(signature_b64)
    numbers = key.private_key.public_key().public_numbers()
    message = signing_input.encode()
    backends: list[Any] = [rs256.PythonBackend()]
    if rs256.BACKEND.name == "openssl":
        backends.insert(0, rs256.BACKEND)
    floors = {}
    for backend in backends:
        verify = backend.load(numbers.n, numbers.e).verify
        p50 = _raw_verify_p50(verify, message, signature, 2000 if backend.name == "openssl" else 200)
        section.add(f"floor.{backend.name}", f"Raw RS256 verify only, {backend.name} backend, p50", p50, "us")
        floors[backend.name] = p50
    return floors


# Series of warm requests: (package, cached token?, backend hidden?, label). The baseline
# series run only when the baseline could be built.
_WARM = {
    "ours_cached": ("ours", False, False, "ours, same token (verified-token cache hit)"),
    "ours_uncached": ("ours", True, False, "ours, a new token per request (full verify, OpenSSL)"),
    "ours_python_uncached": ("ours", True, True, "ours, a new token per request (full verify, pure-Python fallback)"),
    "reference": ("reference", True, False, "reference PyJWT + cryptography, a new token per request"),
    "baseline_cached": ("baseline", False, False, "baseline, same token (cache hit)"),
    "baseline_uncached": ("baseline", True, False, "baseline, a new token per request (pure Python)"),
}
# Cold starts: (package, backend hidden?, label).
_COLD = {
    "ours": ("ours", False, "ours as built (OpenSSL backend)"),
    "ours_python": ("ours", True, "ours as built, pure-Python fallback (no libcrypto)"),
    "baseline": ("baseline", False, "baseline as built"),
    "reference": ("reference", False, "reference, sources"),
}


def _ratio_figures(section: Section, p50: dict[str, float], floors: dict[str, float]) -> None:
    def add(key: str, label: str, numerator: str, denominator: str) -> None:
        if numerator in p50 and denominator in p50:
            section.add(key, label, ratio(p50[numerator], p50[denominator]), "x")

    add(
        "warm.ratio_reference_vs_uncached",
        "Warm p50, reference ÷ ours, new token (OpenSSL)",
        "reference",
        "ours_uncached",
    )
    add(
        "warm.ratio_reference_vs_python_uncached",
        "Warm p50, reference ÷ ours, new token (pure Python)",
        "reference",
        "ours_python_uncached",
    )
    add("warm.ratio_reference_vs_cached", "Warm p50, reference ÷ ours, cache hit", "reference", "ours_cached")
    add(
        "warm.ratio_uncached_vs_baseline",
        "Warm p50, ours ÷ baseline, new token (OpenSSL)",
        "ours_uncached",
        "baseline_uncached",
    )
    add(
        "warm.ratio_python_uncached_vs_baseline",
        "Warm p50, ours ÷ baseline, new token (pure Python)",
        "ours_python_uncached",
        "baseline_uncached",
    )
    add("warm.ratio_cached_vs_baseline", "Warm p50, ours ÷ baseline, cache hit", "ours_cached", "baseline_cached")
    for series, backend in (("ours_uncached", "openssl"), ("ours_python_uncached", "python")):
        if series in p50 and backend in floors:
            section.add(
                f"warm.ratio_{backend}_vs_floor",
                f"Warm p50, ours ÷ floor, new token ({backend}: whole handler ÷ raw verify)",
                ratio(p50[series], floors[backend]),
                "x",
            )


def bench_edge(ctx: BenchContext) -> tuple[Section, dict[str, list[float]]]:  # noqa: PLR0912, PLR0915 - one measurement after another
    section = Section("edge", "Edge authorizer (Lambda@Edge viewer-request)")
    work = ctx.work_dir / "edge"
    work.mkdir()
    key = SigningKey.generate()
    try:
        config = edge_config(key)
    except PlanMissing as exc:
        return section.fail(f"the edge configuration comes from the plan: {exc}"), {}
    dirs = {"ours": work / "ours", "reference": work / "reference", "baseline": work / "baseline"}
    handlers = {"ours": OUR_HANDLER, "reference": REFERENCE_HANDLER, "baseline": OUR_HANDLER}
    provenance, built_zip_size = prepare_our_package(ctx, dirs["ours"], config)
    if not (dirs["ours"] / "edge_auth" / "handler.py").is_file() and not list(
        (dirs["ours"] / "edge_auth").glob("__pycache__/handler.*.pyc")
    ):
        return section.skip(
            f"our edge handler (edge_auth/handler.py) does not exist yet; package from {provenance}"
        ), {}
    prepare_reference_package(dirs["reference"], config)
    built = baseline(ctx)
    baseline_size = prepare_baseline_package(built, dirs["baseline"], baseline_config(config)) if built.zips else None
    section.details["baseline"] = {"ref": built.ref, "skipped": built.reason} if built.reason else {"ref": built.ref}
    if built.reason:
        section.add("baseline.skipped", f"Baseline {built.ref[:12]}: not measured", None, "x", built.reason)
    n = ctx.sizes.edge_requests
    ctx.log(f"edge: signing {n} distinct tokens")
    same = _events(key, config, n, distinct=False)
    distinct = _events(key, config, n, distinct=True)

    samples: dict[str, list[float]] = {}
    p50s: dict[str, float] = {}
    rss: dict[str, int] = {}
    for name, (package, new_tokens, hide, label) in _WARM.items():
        if package == "baseline" and not built.zips:
            continue
        cold_event, warm_events = distinct if new_tokens else same
        ctx.log(f"edge: {name}: {len(warm_events)} warm requests")
        out = run_handler(
            {
                "package_dir": str(dirs[package]),
                "handler": handlers[package],
                "cold_event": cold_event,
                "warm_events": warm_events,
                "check": "edge-allow",
                "hide_libcrypto": hide,
            },
            work,
            name,
        )
        if out["failures"]:
            return section.fail(
                f"{name}: {out['failures']} requests were not allowed; first: {out['first_failure']}"
            ), samples
        if package == "ours" and hide and not out["imported_rsa"]:
            return section.fail(f"{name}: the RS256 backend that ran is not the one asked for"), samples
        micros = [ns / 1000 for ns in out["warm_ns"]]
        if package != "baseline":
            samples[label] = micros
        summary = summarise(micros)
        p50s[name] = summary.p50
        rss[name] = out["peak_rss_kib"]
        section.add_summary(f"warm.{name}", f"Warm, {label}:", summary, "us")

    floors = _add_floor(section, key, same[0]["Records"][0]["cf"]["request"]["querystring"].partition("=")[2])
    section.details["config"] = {
        "source": "the plan's root output edge_config (bench/planned.py)",
        "overridden": list(EDGE_CONFIG_OVERRIDES),
        "dropped_for_baseline": list(BASELINE_DROPS),
    }
    _ratio_figures(section, p50s, floors)

    size = built_zip_size if built_zip_size is not None else zipped_size(dirs["ours"], work / "ours.zip")
    section.add("package.ours", "Package size, ours (zipped)", size, "bytes", provenance)
    section.add(
        "package.ours_share_of_limit",
        "Package size, ours, share of the 1 MB limit",
        100 * size / EDGE_PACKAGE_LIMIT_BYTES,
        "%",
    )
    if baseline_size is not None:
        section.add("package.baseline", "Package size, baseline (zipped)", baseline_size, "bytes", built.ref[:12])
    section.add(
        "package.reference",
        "Package size, reference (PyJWT + cryptography, zipped)",
        zipped_size(dirs["reference"], work / "reference.zip"),
        "bytes",
        "over the limit: cannot ship to Lambda@Edge",
    )
    section.add("package.limit", "Lambda@Edge viewer-trigger package limit", EDGE_PACKAGE_LIMIT_BYTES, "bytes")

    cold_event, _ = same
    colds: dict[str, float] = {}
    cold_rss: dict[str, float] = {}
    for variant in ("", "bytecode"):
        if variant:  # the reference with compileall: what shipping its bytecode would change
            compileall.compile_dir(dirs["reference"], quiet=2, workers=0)
        for name, (package, hide, label) in _COLD.items():
            if (package == "baseline" and not built.zips) or (variant and package != "reference"):
                continue
            spec = {
                "package_dir": str(dirs[package]),
                "handler": handlers[package],
                "cold_event": cold_event,
                "warm_events": [],
                "check": "edge-allow",
                "hide_libcrypto": hide,
            }
            times, peaks = [], []
            for attempt in range(ctx.sizes.cold_starts):
                out = run_handler(spec, work, f"cold-{name}-{variant}-{attempt}")
                if out["failures"]:
                    return section.fail(f"cold {name}: first request not allowed: {out['first_failure']}"), samples
                times.append(out["cold_ns"] / 1e6)
                peaks.append(out["peak_rss_kib_cold"] / 1024)
            summary = summarise(times)
            if variant:
                bytecode_label = f"Cold start, reference with precompiled bytecode, median of {summary.n}"
                section.add("cold_bytecode.reference.p50", bytecode_label, summary.p50, "ms", "compileall")
                continue
            colds[name] = summary.p50
            cold_rss[name] = summarise(peaks).p50
            section.add(
                f"cold.{name}.p50",
                f"Cold start (import + first request), {label}, median of {summary.n}",
                summary.p50,
                "ms",
            )
            section.add(f"cold.{name}.max", f"Cold start, {label}, worst of {summary.n}", summary.max, "ms")
    for name, denominator, label in (
        ("ours_vs_baseline", "baseline", "ours ÷ baseline (OpenSSL)"),
        ("ours_python_vs_baseline", "baseline", "ours ÷ baseline (pure Python)"),
        ("reference_vs_ours", "ours", "reference ÷ ours"),
    ):
        numerator = name.split("_vs_")[0]
        if numerator in colds and denominator in colds:
            section.add(
                f"cold.ratio_{name}", f"Cold start p50, {label}", ratio(colds[numerator], colds[denominator]), "x"
            )

    _runtime_cold_starts(ctx, section, dirs=dirs, handlers=handlers, cold_event=cold_event, built=built, work=work)

    # Peak RSS (getrusage ru_maxrss of the whole process, interpreter included): after the
    # cold request, and after the 10,000 new tokens of the warm series (the cache holds 512).
    for name, label in (
        ("ours", "ours"),
        ("ours_python", "ours, pure-Python fallback"),
        ("baseline", "baseline"),
        ("reference", "reference"),
    ):
        if name in cold_rss:
            section.add(f"rss.{name}.cold", f"Peak RSS after the first request, {label}", cold_rss[name], "MiB")
    for name, label in (
        ("ours_uncached", "ours"),
        ("ours_python_uncached", "ours, pure-Python fallback"),
        ("reference", "reference"),
    ):
        if name in rss:
            section.add(f"rss.{name}.warm", f"Peak RSS after {n} new tokens, {label}", rss[name] / 1024, "MiB")
    if "ours_uncached" in rss:
        section.add(
            "rss.ours_share_of_memory",
            f"Peak RSS, ours, share of the function's {EDGE_MEMORY_MB} MB",
            100 * (rss["ours_uncached"] / 1024) / EDGE_MEMORY_MB,
            "%",
        )

    section.details["method"] = " ".join(
        [
            f"{n} warm requests per series in one interpreter after a cold request; each handler in its own",
            "`python -I -S -B` process whose sys.path is only its package (no venv). Cold start = import of",
            "the handler module + first request, interpreter start-up excluded. As built: the zip exactly as",
            "`make build` makes it (ours ships unchecked-hash bytecode; the baseline, sources only, so every",
            "module is compiled on the way in); the reference from sources, and again after compileall.",
            "Pure-Python fallback: the same package with ctypes unable to load libcrypto.",
            f"Baseline: {built.ref[:12]} (bench/baseline.py), built by its own packaging script.",
            "Times are wall time (perf_counter_ns) around the handler call.",
        ]
    )
    return section, samples


def _runtime_cold_starts(
    ctx: BenchContext,
    section: Section,
    *,
    dirs: dict[str, Path],
    handlers: dict[str, str],
    cold_event: dict[str, Any],
    built: Baseline,
    work: Path,
) -> None:
    """Cold starts through the local stack's Lambda runtime (a new awslambdaric worker each,
    REPORT's Init Duration + Duration at the edge's 128 MB), ours and the baseline, same run."""
    colds: dict[str, float] = {}
    for name in ("ours", "baseline"):
        if name == "baseline" and not built.zips:
            continue
        times = []
        for attempt in range(min(ctx.sizes.cold_starts, 10)):
            try:
                took, answer = runtime_cold_start_ms(
                    dirs[name],
                    handlers[name],
                    cold_event,
                    memory_mb=128,
                    log_dir=work / "runtime-logs" / f"{name}-{attempt}",
                    name=f"edge-{name}",
                )
            except RuntimeColdStartError as exc:
                section.add(
                    f"cold_runtime.{name}.p50", f"Cold start in the Lambda runtime, {name}", None, "ms", str(exc)
                )
                return
            if not isinstance(answer, dict) or "status" in answer:  # a viewer-request allow returns the request
                section.add(
                    f"cold_runtime.{name}.p50", f"Cold start in the Lambda runtime, {name}", None, "ms", "not allowed"
                )
                return
            times.append(took)
        summary = summarise(times)
        colds[name] = summary.p50
        label = f"Cold start in the Lambda runtime (Init Duration + Duration), {name}, median of {summary.n}"
        section.add(f"cold_runtime.{name}.p50", label, summary.p50, "ms")
    if "ours" in colds and "baseline" in colds:
        section.add(
            "cold_runtime.ratio_ours_vs_baseline",
            "Cold start in the Lambda runtime p50, ours ÷ baseline",
            ratio(colds["ours"], colds["baseline"]),
            "x",
        )
