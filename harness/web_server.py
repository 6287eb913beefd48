"""Static server for the web demo (web/) on 127.0.0.1:4583, the origin the local stack allows.

Python's standard library only. Loopback counts as a secure context, so the service worker works
over plain http here. No directory listings; every answer is revalidated (so a changed sw.js is
picked up at once) and carries no-referrer and nosniff.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "web"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4583


class DemoHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files below one directory; 404 for directories without index.html."""

    extensions_map = {  # noqa: RUF012 (the base class declares it as a plain class attribute)
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".css": "text/css",
    }

    def list_directory(self, path: str | Path) -> None:  # type: ignore[override]
        self.send_error(404, "Not found")

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:  # type: ignore[attr-defined]
            super().log_message(format, *args)


def make_server(
    directory: Path = DEFAULT_DIR, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, verbose: bool = False
) -> http.server.ThreadingHTTPServer:
    """A server bound to host:port serving `directory`; call serve_forever() (or run it in a thread)."""
    handler = functools.partial(DemoHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.verbose = verbose  # type: ignore[attr-defined]
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    if not (args.dir / "config.json").is_file():
        print(f"note: {args.dir / 'config.json'} is missing; `make up` writes it", file=sys.stderr)
    server = make_server(args.dir, args.host, args.port, verbose=True)
    print(f"web demo: http://{args.host}:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
