"""The local stack end to end (`make up`): uploads and downloads per second and p99 latency at
several concurrency levels, through the API Gateway and CloudFront adapters and LocalStack.

upload   = POST {uploads_url} (user JWT from the dev issuer) + presigned POST of a 100 KB PNG to S3
download = GET {cdn_url}/uploads/... with a download token (edge authorizer + S3 origin fetch)

The objects downloaded are first waited for until the verifier published them (issue 16: the
API refuses a download token before); the timed uploads are not waited for.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from bench.checksum import b64sha256
from bench.context import BenchContext
from bench.localstack import endpoints, unavailable_reason
from bench.pngs import png_of_size
from bench.readiness import poll_until_ready
from bench.results import Section
from bench.stats import summarise, throughput

FILE_BYTES = 100_000
# Uploads rotate over many users: each has its own per-minute allowance (10 in terraform/examples/local).
USERS = 1024
OBJECTS = 8


def _outputs(ctx: BenchContext) -> dict[str, Any] | str:
    path = ctx.build_dir / "outputs.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"{path.relative_to(ctx.root)} is missing: the local stack is not up (`make up`)"
    outputs = {
        name: value["value"] if isinstance(value, dict) and "value" in value else value for name, value in raw.items()
    }
    missing = [name for name in ("uploads_url", "downloads_url", "cdn_url") if not outputs.get(name)]
    if missing:
        return f"{path.relative_to(ctx.root)} lacks {', '.join(missing)}"
    emulators = unavailable_reason(endpoints(ctx.root))  # the stack's S3, KMS and DynamoDB
    if emulators:
        return emulators
    for name in ("uploads_url", "cdn_url"):
        try:
            requests.options(outputs[name], timeout=3)
        except requests.RequestException as exc:
            unreachable = f"{name} {outputs[name]} unreachable: {type(exc).__name__}"
            return f"the local stack is not running ({unreachable}); start it with `make up`"
    return outputs


@dataclass
class Level:
    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0


def run_level(
    operation: Callable[[requests.Session, int], object],
    concurrency: int,
    seconds: float,
    numbers: Iterator[int] | None = None,
) -> Level:
    """`concurrency` threads, each repeating `operation` on its own connection until time is up.

    Every call gets the next number of `numbers` (shared by all threads), which operations use
    to rotate over users and objects evenly.
    """
    level = Level(concurrency)
    lock = threading.Lock()
    numbers = numbers if numbers is not None else itertools.count()
    deadline = time.perf_counter() + seconds

    def worker(_: int) -> None:
        with requests.Session() as session:
            while time.perf_counter() < deadline:
                with lock:
                    number = next(numbers)
                start = time.perf_counter()
                try:
                    operation(session, number)
                    outcome = None
                except Exception as exc:
                    outcome = str(exc)[:160]
                spent = (time.perf_counter() - start) * 1000
                with lock:
                    if outcome is None:
                        level.latencies_ms.append(spent)
                    else:
                        level.errors[outcome] = level.errors.get(outcome, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    level.elapsed = time.perf_counter() - started
    return level


def _step(name: str, call: Callable[[], requests.Response], expected: set[int]) -> requests.Response:
    """One HTTP step of an operation; any failure names the step (errors are grouped by message)."""
    try:
        answer = call()
    except requests.RequestException as exc:
        raise RuntimeError(f"{name}: {type(exc).__name__}") from exc
    if answer.status_code not in expected:
        raise RuntimeError(f"{name}: HTTP {answer.status_code} {answer.text[:100]}")
    return answer


def bench_e2e(ctx: BenchContext) -> tuple[Section, dict[str, dict[int, tuple[float, float]]]]:
    section = Section("e2e", "Local stack end to end")
    outputs = _outputs(ctx)
    if isinstance(outputs, str):
        return section.skip(outputs), {}
    from stack.issuer import mint, private_key, user_jwt_settings

    issuer, audience = user_jwt_settings()
    key = private_key()  # the dev issuer's: the stack's API trusts its JWKS
    tokens = [mint(f"bench-e2e-{n}", issuer=issuer, audience=audience, ttl_seconds=3600, key=key) for n in range(USERS)]
    data = png_of_size(FILE_BYTES)  # valid: the verifier publishes it
    checksum = b64sha256(data)

    def upload(session: requests.Session, n: int) -> tuple[str, str]:
        answer = _step(
            "POST uploads",
            lambda: session.post(
                outputs["uploads_url"],
                json={
                    "content_type": "image/png",
                    "size": len(data),
                    "filename": "photo.png",
                    "sha256": checksum,
                },
                headers={"Authorization": f"Bearer {tokens[n % USERS]}", "Origin": "http://localhost:4583"},
                timeout=30,
            ),
            {201},
        )
        presigned = answer.json()
        files = {"file": ("photo.png", data, "image/png")}
        _step(
            "S3 presigned POST",
            lambda: session.post(presigned["url"], data=presigned["fields"], files=files, timeout=60),
            {200, 201, 204},
        )
        return str(presigned["key"]), str(presigned["upload_id"])

    def download_url(session: requests.Session, n: int) -> str:
        key, upload_id = upload(session, n)
        headers = {"Authorization": f"Bearer {tokens[n % USERS]}"}
        status_url = f"{outputs['uploads_url']}/{upload_id}"
        poll_until_ready(
            lambda: _step("GET status", lambda: session.get(status_url, headers=headers, timeout=30), {200}).json(),
            time.perf_counter(),
            interval=0.1,
            timeout=120,
        )
        answer = _step(
            "POST downloads",
            lambda: session.post(outputs["downloads_url"], json={"key": key}, headers=headers, timeout=30),
            {200},
        )
        return str(answer.json()["url"])

    # A few objects to read back, each with its owner's download URL. Not measured, so a
    # transient error of the stack (e.g. a 503 from the rate limiter) is retried here.
    numbers = itertools.count()  # one sequence for the whole run: users rotate evenly
    urls = []
    with requests.Session() as session:
        for _ in range(OBJECTS):
            n = next(numbers)
            for attempt in range(3):
                try:
                    urls.append(download_url(session, n))
                    break
                except RuntimeError:
                    if attempt == 2:
                        raise
                    time.sleep(1)

    def download(session: requests.Session, n: int) -> None:
        answer = _step("GET cdn", lambda: session.get(urls[n % len(urls)], timeout=30), {200})
        if len(answer.content) != FILE_BYTES:
            raise RuntimeError(f"GET cdn: {len(answer.content)} bytes instead of {FILE_BYTES}")

    curves: dict[str, dict[int, tuple[float, float]]] = {}
    for name, operation in (("uploads", upload), ("downloads", download)):
        for concurrency in ctx.sizes.e2e_concurrency:
            ctx.log(f"e2e: {name} at concurrency {concurrency} for {ctx.sizes.e2e_seconds:g} s")
            level = run_level(operation, concurrency, ctx.sizes.e2e_seconds, numbers)
            if not level.latencies_ms:
                return section.fail(
                    f"{name} at concurrency {concurrency}: nothing succeeded; errors {level.errors}"
                ), curves
            rate = throughput(len(level.latencies_ms), level.elapsed)
            p99 = summarise(level.latencies_ms).p99
            curves.setdefault(name, {})[concurrency] = (rate, p99)
            errors = sum(level.errors.values())
            title = f"{name.capitalize()}, concurrency {concurrency}"
            section.add(f"{name}.c{concurrency}.rate", f"{title}: completed per second", rate, "req/s")
            section.add(f"{name}.c{concurrency}.p99", f"{title}: p99 latency", p99, "ms")
            if errors:
                detail = "; ".join(f"{count} x {message}" for message, count in level.errors.items())
                section.add(f"{name}.c{concurrency}.errors", f"{title}: failed", errors, "requests", detail)
    section.details["method"] = " ".join(
        [
            f"{ctx.sizes.e2e_seconds:g} s per level; N threads, each with its own keep-alive connection, repeat",
            f"the operation back to back. Upload = POST uploads_url + presigned POST of {FILE_BYTES:,} bytes to S3",
            f"(LocalStack), users rotating over {USERS} dev-issuer identities (each has its own rate-limit",
            f"allowance); download = GET of one of {OBJECTS} objects' CDN URL with its token (edge authorizer,",
            "then the adapter's S3 fetch). Errors (refused connections, 429s, 5xx) are counted, not timed.",
            "Client, adapters and LocalStack share this machine's CPUs, so the curve shows where the machine",
            "saturates, not AWS's capacity; the client is one Python process (threads), itself a share of the load.",
        ]
    )
    return section, curves
