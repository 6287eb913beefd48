"""The summary `make up` prints: its API line and the copy-paste commands a user runs (the
commands are run for real against the stack by tests/e2e/test_quickstart.py)."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess

import boto3

from stack.orchestrate import SAMPLE_PNG_BASE64, summary, try_it_commands
from upload_api.presign import presigned_put
from verifier.reader import RangedReader
from verifier.sniffing import sniff
from verifier.verdicts import Accepted

API = "http://127.0.0.1:4580/local"
STATE = {
    "api_url": API,
    "cdn_url": "http://127.0.0.1:4581",
    "endpoints": {"default": "http://127.0.0.1:4566", "dynamodb": "http://127.0.0.1:4567"},
    "bucket": "uploads-bucket",
    "table": "rate-limits",
    "verification": {"queue_url": "http://queue", "control_url": "http://control"},
}


def _command_lines() -> list[str]:
    """One entry per shell command (continuation lines and pipes joined)."""
    text = try_it_commands(API).replace("\\\n", " ")
    return [line.strip() for line in re.sub(r"\|\n", "| ", text).splitlines() if line.strip()]


def _line(needle: str) -> str:
    (line,) = [line for line in _command_lines() if needle in line]
    return line


def test_the_api_line_lists_the_routes_with_their_placeholder() -> None:
    (api_line,) = [line for line in summary(STATE, 1.0).splitlines() if line.strip().startswith("API ")]
    assert "built-in" not in api_line
    for route in (
        "POST /uploads ",
        "/uploads/{upload_id}/parts|complete",
        "GET /uploads/{upload_id}",
        "POST /downloads",
    ):
        assert route in api_line


def test_the_commands_are_valid_bash() -> None:
    result = subprocess.run(["bash", "-n", "-c", try_it_commands(API)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_the_checksum_is_the_base64_sha256_the_api_expects(tmp_path) -> None:
    commands = try_it_commands(API).replace("/tmp/", f"{tmp_path}/")
    # Only the sample file and its checksum: no token, no request.
    lines = [line for line in commands.splitlines() if line.lstrip().startswith(("echo ", "SHA="))]
    script = "\n".join(lines) + '\nprintf %s "$SHA"'
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, check=True)
    body = (tmp_path / "hello.png").read_bytes()
    assert result.stdout == base64.b64encode(hashlib.sha256(body).digest()).decode()


def test_the_presign_asks_for_a_put_bound_to_the_checksum() -> None:
    line = _line(f"-X POST {API}/uploads")
    assert 'method: "PUT"' in line
    assert "sha256: $sha" in line and '--arg sha "$SHA"' in line
    assert '--argjson size "$(wc -c < /tmp/hello.png)"' in line


def test_the_put_sends_every_header_the_presign_signs() -> None:
    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    sha256 = base64.b64encode(hashlib.sha256(b"png").digest()).decode()
    signed = presigned_put(s3, bucket="b", key="k", content_type="image/png", size=3, expires=60, sha256=sha256).headers
    assert signed is not None
    line = _line("-X PUT")
    for name in signed:
        if name == "Content-Length":  # curl sends it for --data-binary
            continue
        assert re.search(rf"-H ['\"]{re.escape(name)}: ", line), name
    assert '"x-amz-checksum-sha256: $SHA"' in line and "-H 'Content-Type: image/png'" in line


def test_the_download_waits_until_the_verifier_has_judged_the_upload() -> None:
    lines = _command_lines()
    poll = _line(f'"{API}/uploads/$(jq -r .upload_id /tmp/upload.json)"')
    assert poll.startswith("until curl") and """jq -e '.verification != "pending"'""" in poll
    download = _line(f"{API}/downloads")
    assert lines.index(poll) < lines.index(download) < lines.index(_line("cmp - /tmp/hello.png"))


def test_the_sample_file_is_one_the_verifier_publishes() -> None:
    body = base64.b64decode(SAMPLE_PNG_BASE64)
    reader = RangedReader(lambda start, end: body[start : end + 1], len(body))
    assert sniff(reader, "image/png", ("image/png",), max_pixels=10) == Accepted("image/png")
