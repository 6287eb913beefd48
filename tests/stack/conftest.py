import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from stack.httpbase import AdapterServer
from stack.lambda_host import FunctionHost

HANDLERS = Path(__file__).parent / "handlers"


@pytest.fixture
def function_host(monkeypatch: pytest.MonkeyPatch):
    """Builds FunctionHosts on the test handlers, undoing their sys.path and environment changes."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name in ("ECHO_SETTING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)

    def build(handler: str, environment: dict[str, str] | None = None) -> FunctionHost:
        return FunctionHost(HANDLERS, handler, environment=environment or {}, function_name="test-fn")

    return build


@pytest.fixture
def serve_app() -> Iterator:
    servers: list[AdapterServer] = []

    def start(app) -> str:
        server = AdapterServer(("127.0.0.1", 0), app)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
