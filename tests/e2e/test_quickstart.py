"""The copy-paste commands `make up` prints, run as printed (only their scratch directory, /tmp,
is a fresh one): upload with the checksum, wait for the verifier, download the same bytes."""

from __future__ import annotations

import base64
import json
import subprocess

from e2e_client import ROOT, Stack

from stack.orchestrate import SAMPLE_PNG_BASE64, try_it_commands


def test_the_printed_commands_upload_wait_until_ready_and_download(stack: Stack, tmp_path) -> None:
    commands = try_it_commands(stack.api).replace("/tmp/", f"{tmp_path}/")
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", commands], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert result.stdout.rstrip().endswith("downloaded: the same bytes")
    status = json.loads((tmp_path / "status.json").read_text())
    assert status["verification"] == "ready" and status["state"] == "uploaded"
    assert (tmp_path / "hello.png").read_bytes() == base64.b64decode(SAMPLE_PNG_BASE64)
