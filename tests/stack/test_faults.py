"""Fault injection (stack/faults.py): the forwarder's modes over real sockets, its control
endpoint, and the dev issuer's JWKS switch."""

import json
import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest
import requests

import devkeys
from stack import faults, issuer
from stack.faults import ControlApp, Forwarder, Switch, host_port
from stack.httpbase import HttpRequest

LOOPBACK = "127.0.0.1"


@pytest.fixture(scope="module")
def rsa_key():
    return devkeys.generate_rsa()


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(b"echo:" + data)


class _EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def upstream() -> Iterator[tuple[str, int]]:
    server = _EchoServer((LOOPBACK, 0), _Echo)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server.server_address[:2]
    server.shutdown()
    server.server_close()


@pytest.fixture
def forwarder(upstream) -> Iterator[Forwarder]:
    started = Forwarder("dep", (LOOPBACK, 0), upstream).start()
    yield started
    started.close()


def _connect(forwarder: Forwarder, timeout: float = 1.0) -> socket.socket:
    return socket.create_connection(forwarder.address, timeout=timeout)


def _roundtrip(sock: socket.socket, data: bytes = b"ping") -> bytes:
    sock.sendall(data)
    return sock.recv(65536)


def _closed_by_peer(sock: socket.socket) -> bool:
    """True once the other end has closed (EOF or reset), within the socket's timeout."""
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


def test_pass_relays_both_ways(forwarder) -> None:
    with _connect(forwarder) as sock:
        assert _roundtrip(sock, b"hello") == b"echo:hello"
        assert _roundtrip(sock, b"again") == b"echo:again"  # one connection, many exchanges (keep-alive)
    assert forwarder.describe()["mode"] == "pass"
    assert forwarder.describe()["accepted"] == {"pass": 1, "hang": 0}


def test_refuse_is_connection_refused_like_a_stopped_process(forwarder) -> None:
    with _connect(forwarder) as pooled:
        assert _roundtrip(pooled) == b"echo:ping"  # positive control
        forwarder.set_mode("refuse")
        assert _closed_by_peer(pooled)  # an open (pooled) connection is closed too
    with pytest.raises(ConnectionRefusedError):
        _connect(forwarder)


def test_refuse_then_pass_listens_again_on_the_same_port(forwarder) -> None:
    port = forwarder.address[1]
    forwarder.set_mode("refuse")
    forwarder.set_mode("pass")
    assert forwarder.address[1] == port
    with _connect(forwarder) as sock:
        assert _roundtrip(sock) == b"echo:ping"


def test_hang_accepts_reads_and_never_answers(forwarder) -> None:
    forwarder.set_mode("hang")
    with _connect(forwarder, timeout=0.5) as sock:  # the connection is accepted ...
        sock.sendall(b"GET / HTTP/1.1\r\n\r\n")  # ... and read ...
        with pytest.raises(TimeoutError):  # ... and never answered
            sock.recv(65536)
    assert forwarder.describe()["accepted"] == {"pass": 0, "hang": 1}


def test_leaving_hang_closes_the_hung_connections_and_new_ones_pass(forwarder) -> None:
    forwarder.set_mode("hang")
    with _connect(forwarder) as hung:
        hung.sendall(b"ping")
        time.sleep(0.1)  # the forwarder has taken it
        forwarder.set_mode("pass")
        assert _closed_by_peer(hung)
    with _connect(forwarder) as sock:
        assert _roundtrip(sock) == b"echo:ping"


def test_entering_hang_closes_open_connections_so_a_pooled_one_cannot_bypass_it(forwarder) -> None:
    with _connect(forwarder) as pooled:
        assert _roundtrip(pooled) == b"echo:ping"
        forwarder.set_mode("hang")
        assert _closed_by_peer(pooled)


def test_pass_with_the_upstream_down_closes_the_client_connection() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind((LOOPBACK, 0))
        dead = probe.getsockname()[:2]
    forwarder = Forwarder("dep", (LOOPBACK, 0), dead).start()
    try:
        with _connect(forwarder) as sock:
            sock.sendall(b"ping")
            assert _closed_by_peer(sock)
    finally:
        forwarder.close()


def test_an_unknown_mode_is_refused_and_changes_nothing(forwarder) -> None:
    with pytest.raises(ValueError, match="pass, refuse, hang"):
        forwarder.set_mode("slow")
    assert forwarder.mode == "pass"
    with _connect(forwarder) as sock:
        assert _roundtrip(sock) == b"echo:ping"


def test_a_forwarder_needs_a_plain_http_upstream() -> None:
    assert host_port("http://127.0.0.1:4567") == ("127.0.0.1", 4567)
    assert host_port("http://localhost") == ("localhost", 80)
    with pytest.raises(ValueError, match="plain http"):
        host_port("https://localstack.example:4566")


def test_forwarders_from_config_listen_and_relay_where_configured(upstream) -> None:
    config = {"forwarders": {"dynamodb": {"listen": 0, "upstream": f"http://{upstream[0]}:{upstream[1]}"}}}
    (forwarder,) = faults.forwarders_from_config(config)
    assert (forwarder.name, forwarder.upstream) == ("dynamodb", upstream)
    forwarder.start()
    try:
        with _connect(forwarder) as sock:
            assert _roundtrip(sock) == b"echo:ping"
    finally:
        forwarder.close()


# --- the control endpoint -------------------------------------------------------------------


def test_control_endpoint_over_http_sets_and_reports_modes(forwarder, serve_app) -> None:
    switch = Switch()
    url = serve_app(ControlApp({"dep": forwarder, "jwks": switch}))
    listing = requests.get(f"{url}/_faults", timeout=5).json()
    assert {name: entry["mode"] for name, entry in listing.items()} == {"dep": "pass", "jwks": "pass"}
    assert listing["dep"]["listen"] == forwarder.endpoint

    answer = requests.put(f"{url}/_faults/dep", json={"mode": "refuse"}, timeout=5)
    assert (answer.status_code, answer.json()["mode"]) == (200, "refuse")
    # Applied when the answer arrives: no polling needed.
    with pytest.raises(ConnectionRefusedError):
        _connect(forwarder)
    assert requests.get(f"{url}/_faults/dep", timeout=5).json()["mode"] == "refuse"
    assert requests.put(f"{url}/_faults/jwks", json={"mode": "hang"}, timeout=5).status_code == 200
    assert switch.mode == "hang"


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("PUT", "/_faults/dep", b'{"mode": "slow"}', 400),
        ("PUT", "/_faults/dep", b'{"mode": []}', 400),
        ("PUT", "/_faults/dep", b"not json", 400),
        ("PUT", "/_faults/dep", b"{}", 400),
        ("PUT", "/_faults/nope", b'{"mode": "hang"}', 404),
        ("POST", "/_faults/dep", b'{"mode": "hang"}', 405),
        ("PUT", "/_faults", b'{"mode": "hang"}', 405),
    ],
)
def test_control_endpoint_refusals_change_nothing(method, path, body, status) -> None:
    switch = Switch()
    app = ControlApp({"dep": switch})
    response = app(HttpRequest(method, path, [], body, LOOPBACK))
    assert response.status == status
    assert switch.mode == "pass"
    # Positive control: the same app does set a valid mode.
    assert app(HttpRequest("PUT", "/_faults/dep", [], b'{"mode": "hang"}', LOOPBACK)).status == 200
    assert switch.mode == "hang"


def test_control_endpoint_answers_loopback_clients_only() -> None:
    switch = Switch()
    app = ControlApp({"dep": switch})
    body = b'{"mode": "hang"}'
    assert app(HttpRequest("PUT", "/_faults/dep", [], body, "192.0.2.7")).status == 403
    assert app(HttpRequest("GET", "/_faults", [], b"", "192.0.2.7")).status == 403
    assert switch.mode == "pass"
    assert app(HttpRequest("PUT", "/_faults/dep", [], body, "::1")).status == 200
    assert switch.mode == "hang"


def test_set_mode_client_puts_to_a_control_url(serve_app) -> None:
    switch = Switch()
    url = serve_app(ControlApp({"jwks": switch}))
    assert faults.set_mode(f"{url}/_faults/jwks", "hang")["mode"] == "hang"
    assert switch.mode == "hang"


def test_switch_wait_while_returns_when_the_mode_changes() -> None:
    switch = Switch(initial="hang")
    assert switch.wait_while("hang", timeout=0.05) is False  # still hanging after the timeout
    assert switch.wait_while("pass", timeout=0.05) is True  # not in that mode: no wait, nothing held
    assert switch.describe()["held"] == 1
    threading.Timer(0.1, switch.set_mode, args=("pass",)).start()
    started = time.monotonic()
    assert switch.wait_while("hang", timeout=5) is True
    assert time.monotonic() - started < 4


# --- the dev issuer's JWKS switch ----------------------------------------------------------


def test_issuer_jwks_hangs_while_switched_and_answers_when_released(serve_app, rsa_key) -> None:
    app = issuer.IssuerApp(rsa_key, "http://issuer.test", hang_limit_seconds=30)
    url = serve_app(app)
    jwks_url = f"{url}{issuer.JWKS_PATH}"
    assert requests.get(jwks_url, timeout=5).json()["keys"]  # positive control

    assert requests.put(f"{url}/_faults/jwks", json={"mode": "hang"}, timeout=5).json()["mode"] == "hang"
    with pytest.raises(requests.ReadTimeout):  # connection accepted, no answer
        requests.get(jwks_url, timeout=0.5)
    assert app.fault.describe()["held"] == 1
    # The control endpoint itself still answers while the provider hangs.
    assert requests.get(f"{url}/_faults", timeout=5).json()["jwks"]["mode"] == "hang"

    held: dict[str, object] = {}

    def fetch() -> None:
        held["response"] = requests.get(jwks_url, timeout=10)

    waiting = threading.Thread(target=fetch)
    waiting.start()
    time.sleep(0.2)
    assert "response" not in held  # still held
    requests.put(f"{url}/_faults/jwks", json={"mode": "pass"}, timeout=5)
    waiting.join(timeout=5)
    assert held["response"].status_code == 200  # released: answered (late)
    assert requests.get(jwks_url, timeout=5).json() == app.document


def test_issuer_fault_switch_has_only_pass_and_hang(serve_app, rsa_key) -> None:
    url = serve_app(issuer.IssuerApp(rsa_key, "http://issuer.test"))
    assert requests.put(f"{url}/_faults/jwks", json={"mode": "refuse"}, timeout=5).status_code == 400
    assert json.loads(requests.get(f"{url}/_faults/jwks", timeout=5).text)["modes"] == ["pass", "hang"]
