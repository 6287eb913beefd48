"""Smoke test of the LocalStack launcher: start, use S3 and DynamoDB, stop only what we started."""

import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = [sys.executable, str(ROOT / "harness" / "localstack_launcher.py")]
CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "test", "aws_secret_access_key": "test"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def own_launcher(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment for a launcher of this test's own: free ports and a state directory of its own,
    so that another checkout's stack on the default ports (4566-4583) neither breaks nor is touched."""
    env = dict(os.environ)
    for name in ("LOCALSTACK_ENDPOINT", "DYNAMODB_ENDPOINT"):
        env.pop(name, None)
    env["LOCALSTACK_PORT"] = str(_free_port())
    env["DYNAMODB_PORT"] = str(_free_port())
    env["LOCALSTACK_STATE_DIR"] = str(tmp_path_factory.mktemp("localstack"))
    return env


def _launcher(action: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LAUNCHER, action], capture_output=True, text=True, timeout=300, env=env)


def _listen_addresses(port: int) -> set[str]:
    """IPv4 addresses with a listening socket on `port`, from /proc/net/tcp."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, port_hex = local.split(":")
        if state == "0A" and int(port_hex, 16) == port:
            found.add(".".join(str(b) for b in reversed(bytes.fromhex(address))))
    return found


@pytest.mark.localstack
def test_up_is_idempotent_serves_s3_and_dynamodb_and_down_stops_it(own_launcher: dict[str, str]) -> None:
    env = own_launcher
    status = json.loads(_launcher("status", env).stdout)
    assert not any(status["healthy"].values()), "a fresh state directory has nothing running"
    # Two concurrent `up`s: one starts the emulators, the other waits for it and finds them running.
    racers = [subprocess.Popen([*LAUNCHER, "up"], stdout=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    try:
        outputs = [racer.communicate(timeout=300)[0] for racer in racers]
        assert [racer.returncode for racer in racers] == [0, 0], outputs
        assert sum("localstack: starting" in out for out in outputs) == 1, outputs
        assert any("localstack: already running" in out for out in outputs), outputs
        endpoints = json.loads(outputs[0].splitlines()[-1])
        port = int(env["LOCALSTACK_PORT"])
        assert endpoints["default"] == f"http://127.0.0.1:{port}"
        assert _listen_addresses(port) == {"127.0.0.1"}, "LocalStack must listen on loopback only"
        _use(endpoints)
    finally:
        down = _launcher("down", env)
    assert down.returncode == 0
    status = json.loads(_launcher("status", env).stdout)
    assert not any(status["healthy"].values())
    again = _launcher("down", env)
    assert "not running" in again.stdout


def _use(endpoints: dict[str, str]) -> None:

    s3 = boto3.client("s3", endpoint_url=endpoints["default"], **CREDENTIALS)
    bucket = f"smoke-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"hello")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"hello"
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)

    dynamodb = boto3.client("dynamodb", endpoint_url=endpoints["dynamodb"], **CREDENTIALS)
    table = f"smoke-{uuid.uuid4().hex[:12]}"
    dynamodb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.delete_table(TableName=table)


def test_down_ignores_a_pid_file_of_a_foreign_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import localstack_launcher as launcher

    monkeypatch.setattr(launcher, "STATE_DIR", tmp_path)
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / "localstack.pid").write_text(f"{sleeper.pid}\n")
        launcher.stop(launcher.LOCALSTACK)
        assert sleeper.poll() is None, "down must not kill a process it did not start"
        assert not (tmp_path / "localstack.pid").exists()
    finally:
        sleeper.kill()
