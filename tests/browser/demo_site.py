"""Serving the demo page (web/) to the browser tests."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import web_server

WEB = Path(__file__).resolve().parents[2] / "web"


class DemoSite:
    """The demo page served from a copy of web/ that carries a config.json of the test's choosing."""

    def __init__(self, directory: Path, host: str, port: int) -> None:
        self.directory = directory
        self.server = web_server.make_server(directory, host, port)
        self.url = f"http://{host}:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def copy_web(destination: Path, config_json: str) -> Path:
    shutil.copytree(WEB, destination, ignore=shutil.ignore_patterns("config.json", "README.md"))
    (destination / "config.json").write_text(config_json)
    return destination
