"""Upload throughput through the local stack (`make up`), issue 15: one file sent as a single
presigned PUT versus as a multipart upload (POST /uploads MULTIPART, signed part batches,
parts PUT with their SHA-256, complete) with 1, 4 and 8 parts in flight. One run each; MB/s
= file bytes / wall time from the first API call to the complete's answer.

The single request is the API's own `presigned_put` (checksum signed) for the same bytes,
signed with the emulator's credentials: the API itself refuses single uploads above
`max_upload_bytes` (10 MiB in terraform/examples/local), so this is S3's single-request
reference, not an API flow. File: 256 MiB (QUICK=1: 16 MiB; BENCH_MULTIPART_MB overrides).

The server's CPU per multipart upload is the upload API workers' user + system time over the
upload (bench/function_cpu.py), for the file and for a quarter of it (4 in flight): the bytes
never pass through the function, so the ratio shows what grows with the file (one signed URL
per part) and what does not."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import requests
from botocore.config import Config

from bench.checksum import b64sha256
from bench.context import BenchContext
from bench.e2e import _outputs
from bench.function_cpu import worker_cpu_seconds
from bench.results import Section

IN_FLIGHT = (1, 4, 8)
TIMEOUT = 300
API_HANDLER = "upload_api.handler.handler"


def _multipart(api: str, token: str, data: bytes, in_flight: int) -> dict[str, Any]:
    """POST /uploads MULTIPART, sign, PUT the parts, complete; the API's answer to the POST."""
    headers = {"Authorization": f"Bearer {token}"}
    with requests.Session() as session:
        created = session.post(
            f"{api}/uploads",
            json={"content_type": "image/png", "size": len(data), "method": "MULTIPART"},
            headers=headers,
            timeout=TIMEOUT,
        )
        if created.status_code != 201:
            raise RuntimeError(f"POST uploads: HTTP {created.status_code} {created.text[:200]}")
        upload = created.json()
        size, count = upload["part_size"], upload["part_count"]
        chunks = {n: data[(n - 1) * size : n * size] for n in range(1, count + 1)}
        signed: list[dict[str, Any]] = []
        numbers = list(chunks)
        for start in range(0, count, 100):  # batches of at most 100 parts
            batch = [{"part_number": n, "sha256": b64sha256(chunks[n])} for n in numbers[start : start + 100]]
            answer = session.post(
                f"{api}/uploads/{upload['upload_id']}/parts", json={"parts": batch}, headers=headers, timeout=TIMEOUT
            )
            if answer.status_code != 200:
                raise RuntimeError(f"sign parts: HTTP {answer.status_code} {answer.text[:200]}")
            signed.extend(answer.json()["parts"])

        def put(part: dict[str, Any]) -> None:
            sent_headers = {k: v for k, v in part["headers"].items() if k != "Content-Length"}
            sent = requests.put(part["url"], data=chunks[part["part_number"]], headers=sent_headers, timeout=TIMEOUT)
            if sent.status_code != 200:
                raise RuntimeError(f"PUT part: HTTP {sent.status_code} {sent.text[:200]}")

        with ThreadPoolExecutor(in_flight) as pool:
            list(pool.map(put, signed))
        done = session.post(f"{api}/uploads/{upload['upload_id']}/complete", headers=headers, timeout=TIMEOUT)
        if done.status_code != 200:
            raise RuntimeError(f"complete: HTTP {done.status_code} {done.text[:200]}")
    return upload


def _single(s3: Any, bucket: str, data: bytes) -> None:
    from upload_api.presign import presigned_put

    key = f"uploads/bench/{os.urandom(16).hex()}.png"
    upload = presigned_put(
        s3, bucket=bucket, key=key, content_type="image/png", size=len(data), expires=600, sha256=b64sha256(data)
    )
    headers = {k: v for k, v in (upload.headers or {}).items() if k != "Content-Length"}
    sent = requests.put(upload.url, data=data, headers=headers, timeout=TIMEOUT)
    if sent.status_code != 200:
        raise RuntimeError(f"single PUT: HTTP {sent.status_code} {sent.text[:200]}")


def bench_multipart(ctx: BenchContext) -> tuple[Section, dict[str, float]]:
    section = Section("multipart", "Upload throughput: single request vs multipart")
    outputs = _outputs(ctx)
    if isinstance(outputs, str):
        return section.skip(outputs), {}
    from bench.localstack import CREDENTIALS, endpoints
    from stack.issuer import mint, private_key, user_jwt_settings

    megabytes = int(os.environ.get("BENCH_MULTIPART_MB", "16" if ctx.quick else "256"))
    data = os.urandom(megabytes * 1024 * 1024)
    issuer, audience = user_jwt_settings()
    key = private_key()
    api = str(outputs["uploads_url"]).rsplit("/uploads", 1)[0]
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoints(ctx.root)["default"],
        config=Config(signature_version="s3v4"),
        **CREDENTIALS,
    )
    rates: dict[str, float] = {}
    quarter = data[: len(data) // 4]
    runs: list[tuple[str, Any]] = [("single", lambda: _single(s3, str(outputs["bucket_name"]), data))]
    for n in IN_FLIGHT:
        token = mint(f"bench-multipart-{n}-{os.getpid()}", issuer=issuer, audience=audience, ttl_seconds=3600, key=key)
        runs.append((f"multipart.p{n}", lambda n=n, token=token: _multipart(api, token, data, n)))
    small_token = mint(f"bench-multipart-q-{os.getpid()}", issuer=issuer, audience=audience, ttl_seconds=3600, key=key)
    cpu_ms: dict[str, float] = {}
    for name, run in runs:
        ctx.log(f"multipart: {name}, {megabytes} MiB")
        cpu_before = worker_cpu_seconds(API_HANDLER)
        started = time.perf_counter()
        try:
            run()
        except RuntimeError as exc:
            return section.fail(f"{name}: {exc}"), rates
        rates[name] = len(data) / (time.perf_counter() - started) / 1e6
        label = "Single presigned PUT" if name == "single" else f"Multipart, {name[-1]} parts in flight"
        section.add(f"{name}.rate", f"{label}, {megabytes} MiB", rates[name], "MB/s")
        if name != "single":
            cpu_ms[name] = (worker_cpu_seconds(API_HANDLER) - cpu_before) * 1000
    ctx.log("multipart: multipart.p4 on a quarter of the file, for the server's CPU")
    cpu_before = worker_cpu_seconds(API_HANDLER)
    try:
        _multipart(api, small_token, quarter, 4)
    except RuntimeError as exc:
        return section.fail(f"quarter file: {exc}"), rates
    small_ms = (worker_cpu_seconds(API_HANDLER) - cpu_before) * 1000
    large_ms = cpu_ms["multipart.p4"]
    section.add("cpu.large", f"Upload API CPU per multipart upload, {megabytes} MiB", large_ms, "ms")
    quarter_mib = len(quarter) // (1024 * 1024)
    section.add("cpu.small", f"Upload API CPU per multipart upload, {quarter_mib} MiB", small_ms, "ms")
    if small_ms > 0:
        section.add(
            "cpu.ratio",
            "Upload API CPU, 4x the file / the file",
            large_ms / small_ms,
            "x",
            "the bytes never reach the function; what grows is one signed URL per part",
        )
    section.details["method"] = __doc__.split("\n\n", 1)[0].replace("\n", " ")
    section.details["file_mib"] = megabytes
    return section, rates
