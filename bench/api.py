"""Upload API in-process: warm time per POST /uploads and POST /downloads with LocalStack
behind it, split into our code and the AWS calls, and cold start (import + first request) of
the zip as built, side by side with the baseline commit's zip (bench/baseline.py): in a bare
interpreter, and through the local stack's Lambda runtime (bench/runtime_cold.py) with the
planned memory size and timeout and the bench's own emulators behind it."""

from __future__ import annotations

import base64
import json
import secrets
import time
import zipfile
from pathlib import Path
from typing import Any

from bench.baseline import baseline
from bench.context import BenchContext, run_handler
from bench.localstack import BenchResources, bench_resources, endpoints, unavailable_reason
from bench.planned import PlanMissing, planned_api_environment, planned_api_function
from bench.results import Section
from bench.runtime_cold import RuntimeColdStartError, runtime_cold_starts
from bench.stats import Summary, ratio, summarise
from bench.tokens import SigningKey
from objectkeys import OwnerKeys, parse_owner_key
from stack.apigw import Route, build_event
from stack.httpbase import HttpRequest
from upload_api.records import READY, UPLOADED, UploadRecord, to_item

HANDLER = "upload_api.handler.handler"
SUB = "bench-user"
# The bench's own owner key (the plan leaves the generated one unknown); not a secret.
BENCH_OWNER_KEY = "YmVuY2ggb3duZXIga2V5OiBub3QgYSBzZWNyZXQuLi4="
ROUTES = {"/uploads": Route("/uploads", frozenset({"POST"})), "/downloads": Route("/downloads", frozenset({"POST"}))}


def package(ctx: BenchContext) -> tuple[Path, bool, str]:
    """(code dir, run isolated?, provenance). The built zip runs on its own, as in Lambda;
    without `make build` the sources run on the venv (which has the same pinned versions).
    Extracted once per bench run."""
    built_zip = ctx.build_dir / "lambda" / "upload_api.zip"
    dest = ctx.work_dir / "upload_api-package"
    if built_zip.is_file():
        if not dest.exists():  # as built: its bytecode included, since that is what Lambda runs
            with zipfile.ZipFile(built_zip) as archive:
                archive.extractall(dest)
        return dest, True, f"{built_zip.relative_to(ctx.root)} (make build)"
    return (
        ctx.root / "lambda_src",
        False,
        "lambda_src on the venv (build/lambda/upload_api.zip missing: run `make build`)",
    )


# The largest limit Terraform accepts (tests/contract/boundaries.json): the DynamoDB counter is
# still updated on every request, but the bench never hits the limit.
RATE_LIMIT_FOR_BENCH = "1000000"
BENCH_SHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="  # base64 SHA-256 (of b""): well-formed


def environment(resources: BenchResources, user_key: SigningKey) -> dict[str, str]:
    """The function's environment as Terraform plans it (bench/planned.py), pointing at the
    bench's own resources and trusting the bench's user key instead of the dev issuer's JWKS URL."""
    planned = planned_api_environment(
        {
            "BUCKET_NAME": resources.bucket,
            "RATE_LIMIT_TABLE": resources.table,
            "UPLOAD_TABLE": resources.upload_table,
            "RATE_LIMIT_MAX_REQUESTS": RATE_LIMIT_FOR_BENCH,
            "SIGNING_KEY_ID": resources.key_id,
            "CDN_URL": "http://127.0.0.1:4581",
            "OWNER_KEY": BENCH_OWNER_KEY,
        },
        # Exactly one key source: the bench's own key, inline, instead of the dev issuer's URL.
        drop=("USER_JWKS_URL",),
        add={"USER_JWKS_JSON": json.dumps({"keys": [user_key.jwk]})},
    )
    return {**resources.client_environment, **planned}


def user_token(user_key: SigningKey, env: dict[str, str], sub: str = SUB, ttl: int = 3600) -> str:
    """A user token the function accepts: the planned issuer and audience, the bench's key."""
    now = int(time.time())
    issuer, audience = env["USER_JWT_ISSUER"], env["USER_JWT_AUDIENCE"]
    return user_key.sign({"iss": issuer, "aud": audience, "sub": sub, "iat": now, "nbf": now, "exp": now + ttl})


def proxy_event(path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    headers = [
        ("Host", "api.bench.invalid"),
        ("Authorization", f"Bearer {token}"),
        ("Content-Type", "application/json"),
        ("Origin", "http://localhost:4583"),
    ]
    request = HttpRequest("POST", path, headers, json.dumps(body).encode(), "203.0.113.10")
    return build_event(request, stage="bench", path=path, route=ROUTES[path], path_parameters={})


def request_bodies(path: str, resources: BenchResources) -> dict[str, Any]:
    if path == "/uploads":
        # The checksum of the (never sent) bytes: the API only binds it into the presign.
        return {"content_type": "image/jpeg", "size": 1_000_000, "filename": "photo.jpg", "sha256": BENCH_SHA256}
    return {"key": published_key(resources)}


def baseline_request_bodies(path: str, resources: BenchResources) -> dict[str, Any]:
    """The same requests for the baseline commit, whose keys carried the reversible base64url of
    the `sub` (its owner rule refuses today's keyed segment) and which had no upload records."""
    if path == "/uploads":
        return request_bodies(path, resources)
    segment = base64.urlsafe_b64encode(SUB.encode()).rstrip(b"=").decode("ascii")
    return {"key": f"uploads/{segment}/{secrets.token_hex(16)}.jpg"}


def published_key(resources: BenchResources) -> str:
    """A fresh key of the bench user with the record the verifier leaves once it published the
    object: POST /downloads gives tokens for ready uploads only (409 not_ready otherwise)."""
    object_id = secrets.token_hex(16)
    segment = OwnerKeys(parse_owner_key(BENCH_OWNER_KEY, "BENCH_OWNER_KEY")).segment(SUB)
    record = UploadRecord(
        upload_id=object_id,
        owner=SUB,
        key=f"uploads/{segment}/{object_id}.jpg",
        upload_key=f"quarantine/{segment}/{object_id}.jpg",
        method="PUT",
        size=1_000_000,
        content_type="image/jpeg",
        state=UPLOADED,
        created_at=int(time.time()),
        sha256=BENCH_SHA256,
        result_sha256=BENCH_SHA256,
        checksum_type="FULL_OBJECT",
        verification=READY,
        verified_content_type="image/jpeg",
    )
    resources.client("dynamodb").put_item(TableName=resources.upload_table, Item=to_item(record))
    return record.key


def _cold_starts(
    spec: dict[str, Any], work: Path, name: str, count: int, *, isolated: bool, first: float | None = None
) -> Summary:
    """`count` cold starts in ms, fresh interpreters; `first` is one already measured."""
    colds = [] if first is None else [first]
    for attempt in range(count - len(colds)):
        out = run_handler({**spec, "warm_events": []}, work, f"{name}-{attempt}", isolated=isolated)
        if out["failures"]:
            raise RuntimeError(f"{name}: the first request failed: {out['first_failure']}")
        colds.append(out["cold_ns"] / 1e6)
    return summarise(colds)


def _baseline_package(ctx: BenchContext, section: Section, work: Path) -> tuple[Path, str] | None:
    """The baseline's upload API zip as built (bench/baseline.py), extracted: (dir, commit)."""
    built = baseline(ctx)
    section.details["baseline"] = {"ref": built.ref, "skipped": built.reason} if built.reason else {"ref": built.ref}
    if built.reason:
        section.add("baseline.skipped", f"Baseline {built.ref[:12]}: not measured", None, "x", built.reason)
        return None
    code_dir = work / "baseline-package"
    with zipfile.ZipFile(built.zips["upload_api"]) as archive:
        archive.extractall(code_dir)
    return code_dir, built.ref


def _baseline_cold_starts(
    section: Section,
    specs: dict[str, dict[str, Any]],
    colds: dict[str, float],
    package: tuple[Path, str],
    *,
    work: Path,
    count: int,
) -> None:
    """The same cold starts with the baseline's zip as built, same run."""
    code_dir, ref = package
    for path, spec in specs.items():
        name = path.strip("/")
        try:
            cold = _cold_starts(
                {
                    **spec,
                    "package_dir": str(code_dir),
                    "cold_event": spec.get("baseline_cold_event", spec["cold_event"]),
                },
                work,
                f"{name}-cold-baseline",
                count,
                isolated=True,
            )
        except RuntimeError as exc:
            section.add(f"{name}.cold_baseline.p50", f"POST {path}, cold start, baseline", None, "ms", str(exc)[:200])
            continue
        label = f"POST {path}, cold start (import + first request), baseline {ref[:12]} as built, median of {cold.n}"
        section.add(f"{name}.cold_baseline.p50", label, cold.p50, "ms")
        section.add(
            f"{name}.cold_ratio_vs_baseline",
            f"POST {path}, cold start p50, ours ÷ baseline",
            ratio(colds[path], cold.p50),
            "x",
        )


def answered_2xx(answer: Any) -> bool:
    """The function's answer to a cold request is a 2xx proxy response."""
    return isinstance(answer, dict) and isinstance(answer.get("statusCode"), int) and 200 <= answer["statusCode"] < 300


def runtime_cold_figures(
    section: Section,
    specs: dict[str, dict[str, Any]],
    packages: dict[str, Path],
    *,
    work: Path,
    count: int,
    plan: Path | None = None,
) -> None:
    """Cold starts through the local stack's Lambda runtime (a new awslambdaric worker each, the
    planned handler, memory size and timeout; REPORT's Init Duration + Duration), for each of
    `packages` ("ours", "baseline"), each route, with the same environment as the in-interpreter
    runs: the planned one, pointing at the bench's own emulators."""
    try:
        function = planned_api_function() if plan is None else planned_api_function(plan)
    except PlanMissing as exc:
        section.add("cold_runtime.skipped", "Cold start in the Lambda runtime: not measured", None, "ms", str(exc))
        return
    for path, spec in specs.items():
        name = path.strip("/")
        totals: dict[str, float] = {}
        for who, code_dir in packages.items():
            key = f"{name}.cold_runtime.{who}"
            try:
                reports = runtime_cold_starts(
                    count,
                    code_dir,
                    function.handler,
                    spec.get("baseline_cold_event", spec["cold_event"]) if who == "baseline" else spec["cold_event"],
                    accept=answered_2xx,
                    memory_mb=function.memory_mb,
                    timeout_seconds=function.timeout_seconds,
                    log_dir=work / "runtime-logs",
                    name=f"upload-api-{name}-{who}",
                    environment=spec["environment"],
                )
            except RuntimeColdStartError as exc:
                section.add(
                    f"{key}.p50", f"POST {path}, cold start in the Lambda runtime, {who}", None, "ms", str(exc)[:200]
                )
                continue
            total = summarise([report.total_ms for report in reports])
            init = summarise([report.init_ms for report in reports])
            where = f"{function.memory_mb} MB, median of {total.n}"
            section.add(
                f"{key}.p50",
                f"POST {path}, cold start in the Lambda runtime (Init Duration + Duration), {who}, {where}",
                total.p50,
                "ms",
            )
            section.add(f"{key}.init_p50", f"POST {path}, … of which Init Duration, {who}, {where}", init.p50, "ms")
            section.add(
                f"{key}.max_memory",
                f"POST {path}, cold request's Max Memory Used, {who}, largest of {total.n}",
                max(report.max_memory_mb for report in reports),
                "MB",
            )
            totals[who] = total.p50
        if "ours" in totals and "baseline" in totals:
            section.add(
                f"{name}.cold_runtime.ratio_ours_vs_baseline",
                f"POST {path}, cold start in the Lambda runtime p50, ours ÷ baseline",
                ratio(totals["ours"], totals["baseline"]),
                "x",
            )


def bench_api(ctx: BenchContext) -> tuple[Section, dict[str, list[float]]]:
    section = Section("api", "Upload API in-process (LocalStack behind it)")
    if not (ctx.root / "lambda_src" / "upload_api" / "handler.py").is_file():
        return section.skip("lambda_src/upload_api/handler.py does not exist yet"), {}
    reason = unavailable_reason(endpoints(ctx.root))
    if reason:
        return section.skip(reason), {}
    work = ctx.work_dir / "api"
    work.mkdir()
    code_dir, isolated, provenance = package(ctx)
    user_key = SigningKey.generate()
    samples: dict[str, list[float]] = {}
    n = ctx.sizes.api_requests
    specs: dict[str, dict[str, Any]] = {}
    first_cold: dict[str, float] = {}
    with bench_resources(ctx.root) as resources:
        env = environment(resources, user_key)
        token = user_token(user_key, env)
        for path in ("/uploads", "/downloads"):
            name = path.strip("/")
            warm = [json.dumps(proxy_event(path, token, request_bodies(path, resources))) for _ in range(n)]
            spec = {
                "package_dir": str(code_dir),
                "handler": HANDLER,
                "environment": env,
                "cold_event": proxy_event(path, token, request_bodies(path, resources)),
                "baseline_cold_event": proxy_event(path, token, baseline_request_bodies(path, resources)),
                "warm_events": warm,
                "check": "api-2xx",
                "time_aws_calls": True,
            }
            ctx.log(f"api: POST {path}: {n} warm requests")
            out = run_handler(spec, work, name, isolated=isolated)
            if out["failures"]:
                return section.fail(
                    f"POST {path}: {out['failures']} requests failed; first: {out['first_failure']}"
                ), samples
            total = [ns / 1e6 for ns in out["warm_ns"]]
            aws = [ns / 1e6 for ns in out["aws_ns"]]
            ours = [t - a for t, a in zip(total, aws, strict=True)]
            section.add_summary(f"{name}.total", f"POST {path}, total:", summarise(total), "ms")
            section.add_summary(
                f"{name}.ours", f"POST {path}, our code (total minus AWS calls):", summarise(ours), "ms"
            )
            section.add_summary(
                f"{name}.aws", f"POST {path}, AWS calls (botocore, to LocalStack):", summarise(aws), "ms"
            )
            section.add(
                f"{name}.ours_share",
                f"POST {path}, our code's share of the total (p50 / p50)",
                100 * summarise(ours).p50 / summarise(total).p50,
                "%",
            )
            samples[f"POST {path} total"] = total
            samples[f"POST {path} our code"] = ours
            specs[path] = spec
            first_cold[path] = out["cold_ns"] / 1e6
        cold_count = min(ctx.sizes.cold_starts, 5)
        colds: dict[str, float] = {}
        for path, spec in specs.items():
            cold = _cold_starts(
                spec, work, f"{path.strip('/')}-cold", cold_count, isolated=isolated, first=first_cold[path]
            )
            label = f"POST {path}, cold start (import + first request), ours as built, median of {cold.n}"
            section.add(f"{path.strip('/')}.cold.p50", label, cold.p50, "ms", provenance)
            colds[path] = cold.p50
        baseline_package = _baseline_package(ctx, section, work)
        if baseline_package is not None:
            _baseline_cold_starts(section, specs, colds, baseline_package, work=work, count=cold_count)
        if isolated:  # the runtime has no Powertools or PyJWT: only the zip as built runs there
            packages = {"ours": code_dir, **({"baseline": baseline_package[0]} if baseline_package else {})}
            ctx.log("api: cold starts through the Lambda runtime")
            runtime_cold_figures(section, specs, packages, work=work, count=cold_count)
        else:
            section.add(
                "cold_runtime.skipped", "Cold start in the Lambda runtime: not measured", None, "ms", provenance
            )
    section.details["package"] = provenance
    section.details["method"] = " ".join(
        [
            f"{n} warm requests per route through the real handler in a fresh interpreter ({provenance}),",
            "v1 proxy events built by the local API Gateway adapter's code, S3/KMS on LocalStack and DynamoDB",
            "on its sidecar over loopback. AWS calls = wall time inside botocore's BaseClient._make_api_call",
            "(serialise, sign, HTTP round trip, parse); presigning makes no call and counts as our code.",
            "Logs go to /dev/null. Cold start = import of the handler module + first request in a fresh",
            "interpreter (interpreter start-up excluded); and, through the local stack's Lambda runtime",
            "(harness/stack/lambda_host.py), a new awslambdaric worker per attempt on build/tools/lambda-runtime",
            "with the planned handler, memory size and timeout and the same environment (the bench's",
            "emulators): REPORT's Init Duration (the runtime's own bootstrap included, as in Lambda) + Duration.",
        ]
    )
    return section, samples
