"""The premise of direct uploads: the server never carries the bytes. Server CPU time per
upload of our flow (presign only; the client then posts the file to S3 itself) against a
2-hop server that receives the file and puts it to S3, for 1 MB and 10 MB files."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests

from bench.api import environment, package, user_token
from bench.checksum import b64sha256
from bench.context import BenchContext
from bench.localstack import bench_resources, endpoints, unavailable_reason
from bench.results import Section
from bench.stats import ratio, summarise
from bench.tokens import SigningKey

# Decimal megabytes, so that 10 MB stays below the API's 10 MiB limit.
FILE_SIZES = {"1 MB": 1_000_000, "10 MB": 10_000_000}
SHORT = {"direct": "direct (ours)", "proxy": "2-hop"}
FLOWS = {"direct": "direct (ours, presign only)", "proxy": "2-hop (server receives the file, puts it to S3)"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(ctx: BenchContext, mode: str, config: dict[str, Any]) -> Iterator[str]:
    port = _free_port()
    config_file = ctx.work_dir / f"twohop-{mode}.json"
    config_file.write_text(json.dumps({**config, "mode": mode, "port": port}), encoding="utf-8")
    log_file = (ctx.work_dir / f"twohop-{mode}.log").open("w")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ctx.root), str(ctx.root / "harness"), str(ctx.root / "lambda_src")]),
    }
    process = subprocess.Popen(
        [sys.executable, "-B", "-m", "bench.twohop_server", str(config_file)], stdout=log_file, stderr=log_file, env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if process.poll() is not None:
                raise RuntimeError(f"{mode} server exited: {(ctx.work_dir / f'twohop-{mode}.log').read_text()[-2000:]}")
            try:
                requests.get(base + "/__cpu", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        yield base
    except Exception as exc:
        log_tail = (ctx.work_dir / f"twohop-{mode}.log").read_text()[-1500:]
        raise RuntimeError(f"{exc}; {mode} server log: {log_tail}") from exc
    finally:
        process.terminate()
        process.wait(timeout=10)
        log_file.close()


def probe(session: requests.Session, base: str) -> dict[str, float]:
    return {name: float(value) for name, value in session.get(base + "/__cpu", timeout=10).json().items()}


def upload_direct(session: requests.Session, base: str, token: str, data: bytes) -> None:
    answer = session.post(
        base + "/bench/uploads",
        json={"content_type": "image/jpeg", "size": len(data), "filename": "photo.jpg", "sha256": b64sha256(data)},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    answer.raise_for_status()
    presigned = answer.json()
    stored = session.post(
        presigned["url"], data=presigned["fields"], files={"file": ("photo.jpg", data, "image/jpeg")}, timeout=120
    )
    if stored.status_code not in {200, 201, 204}:
        raise RuntimeError(f"S3 refused the presigned POST: {stored.status_code} {stored.text[:300]}")


def upload_proxy(session: requests.Session, base: str, token: str, data: bytes) -> None:
    answer = session.post(
        base + "/bench/upload",
        data=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "image/jpeg"},
        timeout=120,
    )
    if answer.status_code != 201:
        raise RuntimeError(f"2-hop server refused the upload: {answer.status_code} {answer.text[:300]}")


@dataclass(frozen=True)
class FlowCost:
    """Per upload: server CPU seconds, request bytes received, seconds spent handling; client wall ms."""

    cpu_seconds: float
    request_bytes: float
    handling_seconds: float
    client_wall_ms: list[float]


def measure(base: str, flow: str, token: str, data: bytes, count: int) -> FlowCost:
    """The server's cost per upload over `count` uploads, after one warm-up upload."""
    upload = upload_direct if flow == "direct" else upload_proxy
    with requests.Session() as session:
        upload(session, base, token, data)
        before = probe(session, base)
        walls = []
        for _ in range(count):
            start = time.perf_counter()
            upload(session, base, token, data)
            walls.append((time.perf_counter() - start) * 1000)
        after = probe(session, base)
    per_upload = {name: (after[name] - before[name]) / count for name in before}
    return FlowCost(per_upload["cpu_seconds"], per_upload["request_bytes"], per_upload["handling_seconds"], walls)


def bench_twohop(ctx: BenchContext) -> tuple[Section, dict[str, dict[str, float]]]:
    section = Section("twohop", "Direct upload vs 2-hop: server CPU per upload")
    if not (ctx.root / "lambda_src" / "upload_api" / "handler.py").is_file():
        return section.skip("lambda_src/upload_api/handler.py does not exist yet"), {}
    reason = unavailable_reason(endpoints(ctx.root))
    if reason:
        return section.skip(reason), {}
    code_dir, _, provenance = package(ctx)
    user_key = SigningKey.generate()
    plot: dict[str, dict[str, float]] = {}
    count = ctx.sizes.twohop_uploads
    with bench_resources(ctx.root) as resources:
        env = environment(resources, user_key)
        token = user_token(user_key, env)
        config = {"code_dir": str(code_dir), "environment": env}
        cpu: dict[tuple[str, str], float] = {}
        for flow, label in FLOWS.items():
            with server(ctx, flow, config) as base:
                for size_label, size in FILE_SIZES.items():
                    ctx.log(f"twohop: {flow}, {count} x {size_label}")
                    data = os.urandom(size)
                    cost = measure(base, flow, token, data, count)
                    cpu[flow, size_label] = cost.cpu_seconds
                    plot.setdefault(size_label, {})[SHORT[flow]] = cost.cpu_seconds * 1000
                    key = f"{flow}.{size_label.replace(' ', '')}"
                    section.add(
                        f"{key}.cpu", f"Server CPU per upload, {label}, {size_label}", cost.cpu_seconds * 1000, "ms"
                    )
                    section.add(
                        f"{key}.request_bytes",
                        f"Request bytes the server receives per upload, {label}, {size_label}",
                        round(cost.request_bytes),
                        "bytes",
                    )
                    section.add(
                        f"{key}.handling",
                        f"Server time occupied per upload (handling wall time), {label}, {size_label}",
                        cost.handling_seconds * 1000,
                        "ms",
                    )
                    section.add(
                        f"{key}.client_wall_p50",
                        f"Client wall time per upload (p50), {label}, {size_label}",
                        summarise(cost.client_wall_ms).p50,
                        "ms",
                        "loopback; includes the S3 transfer",
                    )
        for size_label in FILE_SIZES:
            section.add(
                f"ratio.{size_label.replace(' ', '')}",
                f"Server CPU ratio, 2-hop / direct, {size_label}",
                ratio(cpu["proxy", size_label], cpu["direct", size_label]),
                "x",
            )
    section.details["method"] = " ".join(
        [
            f"{count} uploads per flow and size after one warm-up, one at a time; server CPU = change of the",
            "server process's time.process_time() (user + system, all threads) over the batch, divided by the",
            "batch size. Both servers run on the local stack's HTTP plumbing; the direct server hosts the real",
            f"handler ({provenance}) behind the API Gateway adapter; the 2-hop server verifies the same user JWT,",
            "counts the request against the same DynamoDB rate limit and calls S3 PutObject on LocalStack.",
        ]
    )
    return section, plot
