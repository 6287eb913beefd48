"""How `stack up` wires the fault forwarders in, and `stack restart-api` (a cold container)."""

import json
import socket
import socketserver
import threading
from pathlib import Path

import pytest
import requests

from stack import faults, orchestrate, paths, processes
from stack.plan import Resource

HANDLERS = Path(__file__).parent / "handlers"


def _function() -> Resource:
    values = {"function_name": "api", "handler": "upload_api.handler.handler", "memory_size": 256}
    return Resource("aws_lambda_function.api", "", "managed", "aws_lambda_function", "api", None, values, {})


def test_the_api_reaches_dynamodb_and_kms_through_the_forwarders_and_s3_directly() -> None:
    emulators = {"default": "http://127.0.0.1:4566", "dynamodb": "http://127.0.0.1:4567"}
    forwarded = {"dynamodb": "http://127.0.0.1:4585", "kms": "http://127.0.0.1:4586"}
    env = orchestrate._runtime_environment(_function(), {**emulators, **forwarded})
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == forwarded["dynamodb"]
    assert env["AWS_ENDPOINT_URL_KMS"] == forwarded["kms"]
    # S3 stays direct: presigned URLs name this endpoint, and clients use them.
    assert env["AWS_ENDPOINT_URL"] == emulators["default"]
    # Without forwarders (no fault injection), the emulators themselves.
    direct = orchestrate._runtime_environment(_function(), emulators)
    assert (direct["AWS_ENDPOINT_URL_DYNAMODB"], direct["AWS_ENDPOINT_URL_KMS"]) == (
        emulators["dynamodb"],
        emulators["default"],
    )


def test_each_forwarder_relays_to_the_emulator_serving_its_dependency() -> None:
    config = orchestrate.faults_config({"default": "http://127.0.0.1:4566", "dynamodb": "http://127.0.0.1:4567"})
    assert config["port"] == paths.FAULTS_PORT
    assert config["forwarders"] == {
        "dynamodb": {"listen": paths.DYNAMODB_FORWARD_PORT, "upstream": "http://127.0.0.1:4567"},
        "kms": {"listen": paths.KMS_FORWARD_PORT, "upstream": "http://127.0.0.1:4566"},
    }
    # One endpoint for everything (LOCALSTACK_ENDPOINT): DynamoDB is forwarded there too.
    single = orchestrate.faults_config({"default": "http://127.0.0.1:4566"})
    assert single["forwarders"]["dynamodb"]["upstream"] == "http://127.0.0.1:4566"


def test_a_forwarder_cannot_stand_in_front_of_an_https_endpoint(monkeypatch) -> None:
    monkeypatch.setattr(processes, "start", lambda *a, **k: pytest.fail("nothing may start"))
    with pytest.raises(orchestrate.StackError, match="plain http"):
        orchestrate.start_faults({"default": "https://localstack.example:4566"})


def test_fault_controls_name_every_fault_the_tests_can_flip() -> None:
    controls = orchestrate.fault_controls()
    assert controls == {
        "dynamodb": f"http://127.0.0.1:{paths.FAULTS_PORT}/_faults/dynamodb",
        "kms": f"http://127.0.0.1:{paths.FAULTS_PORT}/_faults/kms",
        "jwks": f"http://127.0.0.1:{paths.ISSUER_PORT}/_faults/jwks",
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_restart_api_gives_the_function_a_new_cold_container(tmp_path, monkeypatch) -> None:
    port = _free_port()
    monkeypatch.setattr(paths, "STATE", tmp_path)
    monkeypatch.setattr(paths, "API_PORT", port)
    # The adapter process inherits the environment: its function log goes to tmp_path, not build/.
    monkeypatch.setenv("STACK_FUNCTION_LOGS", str(tmp_path / "logs"))
    config = {
        "port": port,
        "stage": "t",
        "routes": [{"path": "/hello", "methods": ["POST"]}],
        "binary_media_types": [],
        "function": {
            "name": "cold",
            "code_dir": str(HANDLERS),
            "handler": "cold_start_api.handler",
            "environment": {},
            "timeout_seconds": 5,
        },
    }
    (tmp_path / "apigw.json").write_text(json.dumps(config))
    url = f"http://127.0.0.1:{port}/t/hello"
    try:
        first_pid = orchestrate.restart_api()  # nothing running yet: a plain start
        answers = [requests.post(url, timeout=10).json() for _ in range(2)]
        assert [a["invocations"] for a in answers] == [1, 2]  # one warm container
        second_pid = orchestrate.restart_api()
        assert second_pid != first_pid
        assert processes.running_pid("apigw") == second_pid
        assert requests.post(url, timeout=10).json()["invocations"] == 1  # cold again
        assert "START RequestId" in (tmp_path / "logs" / "cold.log").read_text()
    finally:
        processes.stop("apigw", quiet=True)
    assert processes.running_pid("apigw") is None


def test_restart_api_without_a_configuration_says_to_run_make_up(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(paths, "STATE", tmp_path)
    with pytest.raises(orchestrate.StackError, match="make up"):
        orchestrate.restart_api()


def test_start_faults_runs_the_forwarders_and_down_stops_them(tmp_path, monkeypatch, capsys) -> None:
    upstream = _EchoUpstream()
    control_port = _free_port()
    monkeypatch.setattr(paths, "STATE", tmp_path)
    monkeypatch.setattr(paths, "FAULTS_PORT", control_port)
    monkeypatch.setattr(orchestrate, "FORWARDED", {"dynamodb": ("dynamodb", _free_port())})
    # down() must touch nothing of a real stack: its state file, nor LocalStack.
    monkeypatch.setattr(orchestrate, "STATE_FILE", tmp_path / "state.json")
    monkeypatch.setattr(orchestrate, "_launcher", lambda action: pytest.fail(f"launcher {action}"))
    try:
        forwarded = orchestrate.start_faults({"default": "http://127.0.0.1:1", "dynamodb": upstream.url})
        assert processes.running_pid("faults") is not None
        (url,) = forwarded.values()
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"ping")
            assert sock.recv(100) == b"ping"  # relayed to the upstream and back
        control = f"http://127.0.0.1:{control_port}/_faults/dynamodb"
        assert requests.put(control, json={"mode": "refuse"}, timeout=5).json()["mode"] == "refuse"
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5)
        orchestrate.down()  # what `make down` runs
        assert processes.running_pid("faults") is None
        assert not processes.port_open(control_port)
        assert "faults: stopped" in capsys.readouterr().out
    finally:
        processes.stop("faults", quiet=True)
        upstream.close()


def test_the_faults_cli_sets_and_shows_the_running_stacks_faults(tmp_path, monkeypatch, serve_app, capsys) -> None:
    switch = faults.Switch()
    url = serve_app(faults.ControlApp({"jwks": switch}))
    monkeypatch.setattr(paths, "STATE", tmp_path)
    (tmp_path / "state.json").write_text(json.dumps({"faults": {"jwks": f"{url}/_faults/jwks"}}))
    assert faults.main(["set", "jwks", "hang"]) == 0
    assert switch.mode == "hang"
    assert json.loads(capsys.readouterr().out)["mode"] == "hang"
    assert faults.main(["show"]) == 0
    assert json.loads(capsys.readouterr().out)["jwks"]["mode"] == "hang"
    with pytest.raises(SystemExit):
        faults.main(["set", "nope", "hang"])
    assert "no fault named 'nope'" in capsys.readouterr().err


class _EchoUpstream:
    """A TCP server that sends back what it receives, on a free loopback port."""

    def __init__(self) -> None:
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)
