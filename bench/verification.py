"""Verified content on the local stack (`make up`), issue 16: how long an upload waits in
quarantine, and what the verifier costs per object.

Readiness: N uploaders, each repeating upload-then-wait: POST /uploads for a small valid PNG
(a new dev-issuer user per upload, so the per-user rate limit never bites), the presigned POST
to S3 (completion = its answer), then GET /uploads/{upload_id} 25 ms (readiness.POLL_SECONDS) after
each answer until it says `ready`. The figure is completion -> the first `ready` answer: S3's
notification to SQS, the event source mapping's long poll, the verifier's invocation, and the
poll's own resolution (reported: since the previous poll was sent).

Verifier time per object: one upload at a time per size (PNGs padded to the size; 200 MB
through the multipart path), each waited for until `ready`; the figure is the REPORT Duration
of the verifier invocation that decided the object, from the local Lambda runtime's log of the
verifier (its built package in an awslambdaric worker with the planned memory and timeout):
the real function, its S3 and DynamoDB calls to LocalStack included (HeadObject, two ranged
GETs, CopyObject, the record update, DeleteObject); never the bytes, which stay in S3. A
failed upload is counted with its error; the figures need at least one success per size."""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from bench.checksum import b64sha256
from bench.context import BenchContext
from bench.e2e import _outputs
from bench.multipart import _multipart
from bench.pngs import png_of_size
from bench.readiness import POLL_SECONDS, Observation, per_mb, poll_until_ready
from bench.results import Section
from bench.stats import summarise
from bench.verifier_log import VerifierTime, read_invocations, verifier_time

SIZE_POLL_SECONDS = 0.1  # the per-size runs time the verifier from its log, not from the polls
READY_TIMEOUT = 180.0
REPORT_WAIT = 10.0  # the REPORT line follows the verdict by the rest of the invocation
# Earlier sections' uploads (e2e's random bytes, rejected) queue for the verifier too: the
# figures start once that backlog is gone.
DRAIN_TIMEOUT = 600.0
LATENCY_FILE_BYTES = 4096
MULTIPART_IN_FLIGHT = 4
TIMEOUT = 60
ORIGIN = "http://localhost:4583"


@dataclass(frozen=True)
class ObjectSize:
    name: str  # in the figures' keys
    size: int
    samples: int
    multipart: bool


@dataclass(frozen=True)
class Plan:
    levels: tuple[tuple[int, int], ...]  # (uploaders, uploads per uploader)
    sizes: tuple[ObjectSize, ...]
    warm_up: int

    @classmethod
    def for_run(cls, quick: bool) -> Plan:
        if quick:  # every code path (single and multipart), seconds
            return cls(
                levels=((1, 1), (2, 1)),
                sizes=(ObjectSize("100KB", 100_000, 1, False), ObjectSize("1MB", 1_000_000, 1, True)),
                warm_up=0,
            )
        return cls(
            levels=((1, 40), (16, 4)),
            sizes=(
                ObjectSize("100KB", 100_000, 10, False),
                ObjectSize("10MB", 10_000_000, 5, False),
                ObjectSize("200MB", 200_000_000, 5, True),
            ),
            warm_up=2,
        )


@dataclass
class Stack:
    api: str  # .../local, the stage
    tokens: Callable[[], str]  # a token of a user never used before
    queue_backlog: Callable[[], int]  # messages in the verification queue, in flight included

    def drain(self, ctx: BenchContext) -> None:
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while (backlog := self.queue_backlog()) > 0:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the verification queue still holds {backlog} messages after {DRAIN_TIMEOUT:g} s")
            ctx.log(f"verification: waiting for the verifier's backlog of {backlog} messages")
            time.sleep(5)

    def status(self, session: requests.Session, token: str, upload_id: str) -> Mapping[str, Any]:
        answer = session.get(
            f"{self.api}/uploads/{upload_id}", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
        )
        if answer.status_code != 200:
            raise RuntimeError(f"GET status: HTTP {answer.status_code} {answer.text[:100]}")
        body: Mapping[str, Any] = answer.json()
        return body

    def upload_single(self, session: requests.Session, token: str, data: bytes) -> dict[str, Any]:
        """POST /uploads (the API picks the presigned POST below its threshold) + the POST to S3."""
        created = session.post(
            f"{self.api}/uploads",
            json={"content_type": "image/png", "size": len(data), "filename": "photo.png", "sha256": b64sha256(data)},
            headers={"Authorization": f"Bearer {token}", "Origin": ORIGIN},
            timeout=TIMEOUT,
        )
        if created.status_code != 201:
            raise RuntimeError(f"POST uploads: HTTP {created.status_code} {created.text[:100]}")
        upload: dict[str, Any] = created.json()
        files = {"file": ("photo.png", data, "image/png")}
        if upload["method"] == "POST":
            sent = session.post(upload["url"], data=upload["fields"], files=files, timeout=TIMEOUT)
        else:
            headers = {k: v for k, v in (upload.get("headers") or {}).items() if k != "Content-Length"}
            sent = session.put(upload["url"], data=data, headers=headers, timeout=TIMEOUT)
        if sent.status_code not in {200, 201, 204}:
            raise RuntimeError(f"S3 presigned {upload['method']}: HTTP {sent.status_code} {sent.text[:100]}")
        return upload


def _stack(ctx: BenchContext, outputs: dict[str, Any]) -> Stack:
    import boto3

    from bench.localstack import CREDENTIALS, endpoints
    from stack.issuer import mint, private_key, user_jwt_settings

    issuer, audience = user_jwt_settings()
    key = private_key()
    numbers = itertools.count()
    lock = threading.Lock()
    run = f"{os.getpid()}-{int(time.time())}"

    def token() -> str:
        with lock:
            n = next(numbers)
        return mint(f"bench-verify-{run}-{n}", issuer=issuer, audience=audience, ttl_seconds=3600, key=key)

    sqs = boto3.client("sqs", endpoint_url=endpoints(ctx.root)["default"], **CREDENTIALS)  # type: ignore[call-overload]
    queue_url = str(outputs["verification_queue_url"])

    def backlog() -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
        return sum(int(attributes.get(name, 0)) for name in names)

    return Stack(str(outputs["uploads_url"]).rsplit("/uploads", 1)[0], token, backlog)


def _verifier_reason(ctx: BenchContext) -> str | Path:
    """The verifier's log file, or why the section cannot run."""
    from stack.lambda_host import DEFAULT_LOG_DIR

    config_path = ctx.build_dir / "stack" / "event_sources.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
        control = f"http://127.0.0.1:{config['port']}/_event_sources"
        name = config["function"]["name"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"{config_path.relative_to(ctx.root)} is missing: the stack has no verifier (`make up`)"
    try:
        enabled = requests.get(control, timeout=3).json().get("enabled")
    except (requests.RequestException, ValueError) as exc:
        return f"the verifier's event source mapping ({control}) is not running: {type(exc).__name__}"
    if enabled is not True:
        return f"the verifier's event source mapping is disabled ({control})"
    return Path(os.environ.get("STACK_FUNCTION_LOGS") or DEFAULT_LOG_DIR) / f"{name}.log"


@dataclass
class LevelResult:
    observations: list[Observation] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)


def _upload_and_wait(stack: Stack, session: requests.Session) -> Observation:
    token = stack.tokens()
    upload = stack.upload_single(session, token, png_of_size(LATENCY_FILE_BYTES))
    completed = time.perf_counter()
    return poll_until_ready(
        lambda: stack.status(session, token, upload["upload_id"]),
        completed,
        interval=POLL_SECONDS,
        timeout=READY_TIMEOUT,
    )


def _level(stack: Stack, uploaders: int, rounds: int) -> LevelResult:
    """`uploaders` threads, each `rounds` times: upload, then poll until ready."""
    result = LevelResult()
    lock = threading.Lock()

    def uploader(_: int) -> None:
        with requests.Session() as session:
            for _ in range(rounds):
                try:
                    seen = _upload_and_wait(stack, session)
                except Exception as exc:
                    with lock:
                        message = str(exc)[:160]
                        result.errors[message] = result.errors.get(message, 0) + 1
                    continue
                with lock:
                    result.observations.append(seen)

    with ThreadPoolExecutor(uploaders) as pool:
        list(pool.map(uploader, range(uploaders)))
    return result


def _log_offset(log: Path) -> int:
    try:
        return log.stat().st_size
    except OSError:
        return 0


def _time_of(log: Path, offset: int, key: str) -> VerifierTime:
    """The verifier's REPORT Duration for `key`, from what its log gained since `offset`."""
    deadline = time.monotonic() + REPORT_WAIT
    while True:
        try:
            with log.open("rb") as stream:
                stream.seek(offset)
                lines = stream.read().decode("utf-8", errors="replace").splitlines()
        except OSError:
            lines = []
        found = verifier_time(read_invocations(lines), key)
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise RuntimeError(f"no verdict + REPORT line for {key} in {log}")
        time.sleep(0.2)


def _one_object(stack: Stack, log: Path, size: ObjectSize) -> tuple[VerifierTime, Observation]:
    data = png_of_size(size.size)
    token = stack.tokens()
    offset = _log_offset(log)
    with requests.Session() as session:
        if size.multipart:
            upload = _multipart(stack.api, token, data, MULTIPART_IN_FLIGHT)
        else:
            upload = stack.upload_single(session, token, data)
        completed = time.perf_counter()
        del data
        seen = poll_until_ready(
            lambda: stack.status(session, token, upload["upload_id"]),
            completed,
            interval=SIZE_POLL_SECONDS,
            timeout=READY_TIMEOUT,
        )
    return _time_of(log, offset, str(upload["upload_key"])), seen


def _readiness(ctx: BenchContext, section: Section, stack: Stack, plan: Plan) -> dict[int, tuple[float, float]]:
    curve: dict[int, tuple[float, float]] = {}
    for uploaders, rounds in plan.levels:
        stack.drain(ctx)
        ctx.log(f"verification: {uploaders} uploader(s) x {rounds} uploads, status polled every {POLL_SECONDS:g} s")
        level = _level(stack, uploaders, rounds)
        if not level.observations:
            raise RuntimeError(f"{uploaders} uploaders: nothing became ready; errors {level.errors}")
        latency = summarise([o.latency_ms for o in level.observations])
        resolution = summarise([o.resolution_ms for o in level.observations])
        title = f"Upload completion to `ready` seen by the owner's poll, {uploaders} uploader(s)"
        note = (
            f"n={latency.n}; poll every {POLL_SECONDS * 1000:g} ms after the previous answer: ready happened "
            f"at most {resolution.p50:.0f} ms (p50) before it was seen"
        )
        section.add(f"ready.c{uploaders}.p50", f"{title}: p50", latency.p50, "ms", note)
        section.add(f"ready.c{uploaders}.p99", f"{title}: p99", latency.p99, "ms", note)
        section.add(f"ready.c{uploaders}.resolution", f"{title}: poll resolution, p50", resolution.p50, "ms")
        section.details.setdefault("samples", {})[f"ready.c{uploaders}"] = latency.n
        errors = sum(level.errors.values())
        if errors:
            detail = "; ".join(f"{count} x {message}" for message, count in level.errors.items())
            section.add(f"ready.c{uploaders}.errors", f"{title}: failed", errors, "uploads", detail)
        curve[uploaders] = (latency.p50, latency.p99)
    return curve


def _per_object(ctx: BenchContext, section: Section, stack: Stack, log: Path, plan: Plan) -> None:
    stack.drain(ctx)
    for _ in range(plan.warm_up):  # a cold worker's first invocation builds its clients
        _one_object(stack, log, plan.sizes[0])
    p50s: list[float] = []
    for size in plan.sizes:
        stack.drain(ctx)  # a failed sample's message comes back after the visibility timeout
        ctx.log(f"verification: verifier time, {size.samples} x {size.name}")
        times: list[VerifierTime] = []
        waits: list[float] = []
        errors: dict[str, int] = {}
        for _ in range(size.samples):
            try:
                measured, seen = _one_object(stack, log, size)
            except RuntimeError as exc:  # counted, as the e2e section counts its failed requests
                message = str(exc)[:160]
                errors[message] = errors.get(message, 0) + 1
                continue
            times.append(measured)
            waits.append(seen.latency_ms)
        if errors:
            detail = "; ".join(f"{count} x {message}" for message, count in errors.items())
            section.add(
                f"verifier.{size.name}.errors",
                f"Uploads of {size.name} that failed",
                sum(errors.values()),
                "uploads",
                detail,
            )
        if not times:
            raise RuntimeError(f"no {size.name} upload became ready: {errors}")
        duration = summarise([t.duration_ms for t in times])
        path = "multipart upload" if size.multipart else "presigned POST"
        batched = max(t.batch for t in times)
        retried = sum(t.failed_before for t in times)
        note = f"n={duration.n}, {path}; REPORT Duration of the invocation that decided it"
        if batched > 1:
            note += f" (up to {batched} objects in that batch)"
        if retried:
            note += f"; {retried} earlier invocation(s) failed the item and SQS redelivered it"
        label = f"Verifier time per object, {size.name}: p50"
        section.add(f"verifier.{size.name}.p50", label, duration.p50, "ms", note)
        section.add(
            f"verifier.{size.name}.ready_p50",
            f"Upload completion to `ready`, {size.name} (one at a time): p50",
            summarise(waits).p50,
            "ms",
            f"poll every {SIZE_POLL_SECONDS * 1000:g} ms",
        )
        section.details.setdefault("samples", {})[f"verifier.{size.name}"] = duration.n
        p50s.append(duration.p50)
    cost = per_mb([size.size for size in plan.sizes], p50s)
    first, last = plan.sizes[0], plan.sizes[-1]
    section.add(
        "verifier.per_mb",
        f"Verifier time per MB, {last.name} vs {first.name} (p50s)",
        cost,
        "ms/MB",
        "the difference of the p50s over the difference of the sizes: the fixed part of an invocation cancels out",
    )


def bench_verification(ctx: BenchContext) -> tuple[Section, dict[int, tuple[float, float]]]:
    section = Section("verification", "Verified content: upload to ready, verifier time per object")
    outputs = _outputs(ctx)
    if isinstance(outputs, str):
        return section.skip(outputs), {}
    log = _verifier_reason(ctx)
    if isinstance(log, str):
        return section.skip(log), {}
    if not outputs.get("verification_queue_url"):
        return section.skip("build/outputs.json lacks verification_queue_url: a stack without the verifier"), {}
    stack = _stack(ctx, outputs)
    plan = Plan.for_run(ctx.quick)
    try:
        curve = _readiness(ctx, section, stack, plan)
        _per_object(ctx, section, stack, log, plan)
    except RuntimeError as exc:
        return section.fail(str(exc)), {}
    section.details["method"] = " ".join(__doc__.split("\n\n", 1)[1].split())
    section.details["poll_seconds"] = POLL_SECONDS
    return section, curve
