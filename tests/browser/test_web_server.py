"""The demo's static server: serves the directory and nothing else, with the headers the kit relies on."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import web_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    site = tmp_path / "site"
    (site / "kit").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>demo</title>")
    (site / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (tmp_path / "secret.txt").write_text("outside the served directory")
    httpd = web_server.make_server(site, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield "127.0.0.1", httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def get(address: tuple[str, int], path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(*address, timeout=5)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_serves_files_with_revalidation_and_safe_headers(server: tuple[str, int]) -> None:
    index = get(server, "/")
    assert index.status == 200 and index.getheader("content-type", "").startswith("text/html")
    worker = get(server, "/sw.js")
    assert worker.status == 200
    assert worker.getheader("content-type") == "text/javascript"  # a service worker needs a JS MIME type
    assert worker.getheader("cache-control") == "no-cache"  # a changed sw.js is picked up at once
    assert worker.getheader("referrer-policy") == "no-referrer"
    assert worker.getheader("x-content-type-options") == "nosniff"


def test_no_directory_listing_and_nothing_outside(server: tuple[str, int]) -> None:
    assert get(server, "/kit/").status == 404
    assert get(server, "/../secret.txt").status == 404
    assert get(server, "/%2e%2e/secret.txt").status == 404
