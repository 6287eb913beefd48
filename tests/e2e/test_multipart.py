"""Issue 15 end to end through the local stack: multipart uploads read back through the CDN
with equal SHA-256, a resume by a new client process, owners only, abort, and the single
upload's checksum enforced by S3.

The multipart file is E2E_MULTIPART_MB MiB plus a short last part (default 200, the issue's
size, in parts of the planned part size: about 8 s through the local stack on 2 cores); a smaller
value makes a quicker local loop."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import requests
from e2e_client import b64sha256, new_sub, png
from multipart_client import MultipartClient

pytestmark = pytest.mark.localstack

MIB = 1024 * 1024
SIZE = int(os.environ.get("E2E_MULTIPART_MB", "200")) * MIB + 12345  # a short last part


def _client(stack, sub: str | None = None) -> MultipartClient:
    return MultipartClient(stack.api, stack.user_token(sub or new_sub()))


def _composite(data: bytes, part_size: int) -> str:
    """S3's COMPOSITE SHA-256: the hash of the parts' digests, then "-<parts>"."""
    digests = [hashlib.sha256(data[i : i + part_size]).digest() for i in range(0, len(data), part_size)]
    return base64.b64encode(hashlib.sha256(b"".join(digests)).digest()).decode() + f"-{len(digests)}"


def _s3(stack):
    return boto3.client(
        "s3",
        endpoint_url=stack.state["endpoints"]["default"],
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_multipart_upload_reads_back_through_the_cdn_with_equal_sha256(stack) -> None:
    sub = new_sub()
    client = _client(stack, sub)
    data = png(SIZE)
    created = client.create(len(data))
    assert created["part_count"] == -(-len(data) // created["part_size"])
    client.send(created["upload_id"], created["part_size"], data, list(range(1, created["part_count"] + 1)))
    done = client.complete(created["upload_id"])
    assert done.status_code == 200, done.text
    assert done.json()["sha256"] == _composite(data, created["part_size"])
    assert client.complete(created["upload_id"]).json() == done.json()  # a retry: the same answer
    token = client.headers["Authorization"].split()[1]
    status = stack.wait_verified(token, created["upload_id"])
    assert status["state"] == "uploaded" and status["sha256"] == done.json()["sha256"]
    assert (status["verification"], status["content_type"]) == ("ready", "image/png")
    assert stack.keys_under(created["upload_key"]) == []  # the verifier moved it out of quarantine
    download = stack.download(token, created["key"])
    assert download.status_code == 200, download.text
    served = requests.get(download.json()["url"], timeout=120)
    assert served.status_code == 200
    assert hashlib.sha256(served.content).hexdigest() == hashlib.sha256(data).hexdigest()


def test_an_interrupted_upload_is_resumed_by_a_new_process_sending_only_the_missing_parts(stack, tmp_path) -> None:
    client = _client(stack)
    data = png(3 * 8 * MIB - 100)
    created = client.create(len(data))
    assert created["part_count"] == 3
    client.send(created["upload_id"], created["part_size"], data, [2])  # then the "crash"
    path: Path = tmp_path / "file.png"
    path.write_bytes(data)
    token = client.headers["Authorization"].split()[1]
    script = Path(__file__).with_name("multipart_client.py")
    run = subprocess.run(
        [sys.executable, str(script), "resume", stack.api, token, created["upload_id"], str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(run.stdout)
    assert result["sent"] == [1, 3]  # two of three parts: part 2 was not sent again
    assert result["complete"]["sha256"] == _composite(data, created["part_size"])
    assert stack.wait_verified(token, created["upload_id"])["verification"] == "ready"
    head = _s3(stack).head_object(Bucket=stack.state["bucket"], Key=created["key"])  # the published copy
    assert head["ContentLength"] == len(data)


def test_another_user_can_neither_sign_list_complete_nor_abort(stack) -> None:
    owner = _client(stack)
    created = owner.create(10 * MIB)
    upload = f"/uploads/{created['upload_id']}"
    sign = {"parts": [{"part_number": 1, "sha256": b64sha256(b"x")}]}
    stranger = _client(stack)
    for method, path, body in (
        ("POST", f"{upload}/parts", sign),
        ("GET", f"{upload}/parts", None),
        ("POST", f"{upload}/complete", None),
        ("DELETE", upload, None),
    ):
        refused = stranger.call(method, path, body)
        assert (refused.status_code, refused.json()["error"]["code"]) == (404, "upload_not_found"), path
    assert owner.call("POST", f"{upload}/parts", sign).status_code == 200  # the owner's positive control
    assert owner.call("GET", f"{upload}/parts").status_code == 200
    assert owner.call("DELETE", upload).status_code == 204


def test_abort_leaves_no_multipart_upload_behind(stack) -> None:
    client = _client(stack)
    data = png(6 * MIB)
    created = client.create(len(data))
    client.send(created["upload_id"], created["part_size"], data, [1])
    s3 = _s3(stack)
    bucket = stack.state["bucket"]

    def pending() -> list[str]:
        listed = s3.list_multipart_uploads(Bucket=bucket, Prefix=created["upload_key"])
        return [u["Key"] for u in listed.get("Uploads", [])]

    assert pending() == [created["upload_key"]]  # the control: it was there (in quarantine)
    assert client.call("DELETE", f"/uploads/{created['upload_id']}").status_code == 204
    assert pending() == []
    gone = client.complete(created["upload_id"])
    assert (gone.status_code, gone.json()["error"]["code"]) == (410, "upload_aborted")


def test_a_single_upload_with_other_bytes_is_refused_by_s3(stack) -> None:
    token = stack.user_token(new_sub())
    data = png(2048)
    presigned = stack.presign(token, data=data, method="PUT").json()
    other = png(2048)
    refused = requests.put(presigned["url"], data=other, headers=presigned["headers"], timeout=15)
    assert refused.status_code == 400 and "<Code>BadDigest</Code>" in refused.text
    assert requests.put(presigned["url"], data=data, headers=presigned["headers"], timeout=15).status_code == 200
    status = stack.session.get(
        f"{stack.api}/uploads/{presigned['upload_id']}", headers={"Authorization": f"Bearer {token}"}, timeout=15
    ).json()
    assert status["state"] == "uploaded" and status["sha256"] == b64sha256(data)
