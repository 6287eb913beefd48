import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from stack.httpbase import AdapterServer
from stack.lambda_host import FunctionHost

HANDLERS = Path(__file__).parent / "handlers"


@pytest.fixture
def function_host(tmp_path: Path) -> Iterator:
    """Builds FunctionHosts (awslambdaric workers) on the test handlers; stops their workers after.
    Logs go to tmp_path/logs/<function>.log."""
    hosts: list[FunctionHost] = []

    def build(handler: str, environment: dict[str, str] | None = None, **options) -> FunctionHost:
        options.setdefault("function_name", "test-fn")
        code_dir = options.pop("code_dir", HANDLERS)
        host = FunctionHost(code_dir, handler, environment=environment or {}, log_dir=tmp_path / "logs", **options)
        hosts.append(host)
        return host

    yield build
    for host in hosts:
        host.close()


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
