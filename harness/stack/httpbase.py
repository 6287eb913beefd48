"""The small HTTP plumbing the two adapters and the dev issuer share: a threaded server and a raw request reader."""

from __future__ import annotations

import json
import logging
import signal
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

log = logging.getLogger("stack")


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # path and query exactly as sent
    headers: list[tuple[str, str]]  # in order, names as sent
    body: bytes
    client_ip: str


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


def json_response(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> HttpResponse:
    body = json.dumps(payload).encode()
    return HttpResponse(status, [("Content-Type", "application/json"), *(headers or [])], body)


class AdapterHandler(BaseHTTPRequestHandler):
    """Hands every request, whatever the method, to the server's `app` callable."""

    protocol_version = "HTTP/1.1"
    server: AdapterServer

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = HttpRequest(
            method=self.command,
            target=self.path,
            headers=list(self.headers.items()),
            body=body,
            client_ip=self.client_address[0],
        )
        try:
            response = self.server.app(request)
        except Exception:
            log.exception("adapter failure")
            response = json_response(500, {"message": "adapter failure"})
        self.send_response(response.status)
        names = {name.lower() for name, _ in response.headers}
        for name, value in response.headers:
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        # The request line can carry a token in its query string (RFC 6750 §2.3): log the path only.
        log.info("%s %s %s", self.command, self.path.split("?", 1)[0], args[1] if len(args) > 1 else "")


class AdapterServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops connections under the load test and the
    # benchmark's 64 clients; API Gateway and CloudFront do not refuse connections that way.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: Any) -> None:
        super().__init__(address, AdapterHandler)
        self.app = app


def serve(address: tuple[str, int], app: Any, name: str) -> None:
    """Serve until SIGTERM/SIGINT; the orchestrator stops adapters by pid with SIGTERM."""
    # The adapter's own log only; the function's loggers (Powertools) print for themselves.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(f"%(asctime)s {name} %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    server = AdapterServer(address, app)

    def _stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    log.info("listening on http://%s:%d", *address)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


def load_config(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text())
