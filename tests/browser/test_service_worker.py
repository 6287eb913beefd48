"""The CDN token service worker (web/sw.js) in real Chromium, against a CDN stand-in of the test's own.

The stand-in answers 200 with a PNG only when `?authorization=` carries the token issued for that
exact path (401 without a token, 403 with a wrong one), like the edge function, and records what
it received. This isolates the worker's rules; test_demo_flow.py runs the same page against the
real local stack.
"""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import DemoSite, copy_web
from playwright.sync_api import BrowserContext, Page
from pngs import png

IMAGE = png()
TOKENS = {"/uploads/owner/a.png": "token-for-a", "/uploads/owner/b.png": "token-for-b"}


class FakeCdn:
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []
        cdn = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                token = urllib.parse.parse_qs(url.query).get("authorization", [None])[0]
                cdn.seen.append({"path": url.path, "token": token, "origin": self.headers.get("origin")})
                status = 200 if token and TOKENS.get(url.path) == token else 403 if token else 401
                body = IMAGE if status == 200 else b'{"message":"denied"}'
                self.send_response(status)
                self.send_header("content-type", "image/png" if status == 200 else "application/json")
                self.send_header("content-length", str(len(body)))
                self.send_header("cache-control", "no-store")
                if self.headers.get("origin"):  # like S3's CORS answer for an allowed origin
                    self.send_header("access-control-allow-origin", self.headers["origin"])
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def tokens_seen(self, path: str) -> list[str | None]:
        return [entry["token"] for entry in self.seen if entry["path"] == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cdn() -> Iterator[FakeCdn]:
    server = FakeCdn()
    yield server
    server.close()


@pytest.fixture
def site(tmp_path: Path, cdn: FakeCdn) -> Iterator[DemoSite]:
    config = {
        "api_url": "http://127.0.0.1:9/stage",  # never called here
        "uploads_url": "http://127.0.0.1:9/stage/uploads",
        "downloads_url": "http://127.0.0.1:9/stage/downloads",
        "cdn_url": cdn.origin,
        "max_upload_bytes": 10485760,
        "allowed_content_types": ["image/png"],
    }
    demo = DemoSite(copy_web(tmp_path / "web", json.dumps(config)), "127.0.0.1", 0)
    yield demo
    demo.close()


def open_demo(context: BrowserContext, site: DemoSite) -> Page:
    page = context.new_page()
    page.goto(site.url)
    page.wait_for_selector("body[data-ready=true]")
    assert page.evaluate("navigator.serviceWorker.controller !== null"), "the worker does not control the page"
    return page


def worker_call(page: Page, method: str, *args: Any) -> Any:
    """Calls the page-side kit (kit/cdn-tokens.js) of the page's already registered worker."""
    return page.evaluate(
        """async ([method, args]) => {
            const { registerCdnTokenWorker } = await import('./kit/cdn-tokens.js');
            const { loadConfig } = await import('./kit/upload-client.js');
            const tokens = await registerCdnTokenWorker(await loadConfig('config.json'));
            return tokens[method](...args);
        }""",
        [method, list(args)],
    )


def load_image(page: Page, url: str, crossorigin: bool = False) -> int:
    """naturalWidth of an <img> for url after it loaded, 0 when it failed."""
    return page.evaluate(
        """([url, crossorigin]) => new Promise((resolve) => {
            const img = new Image();
            if (crossorigin) img.crossOrigin = 'anonymous';
            img.onload = () => resolve(img.naturalWidth);
            img.onerror = () => resolve(0);
            img.src = url;
            document.body.append(img);
        })""",
        [url, crossorigin],
    )


def test_adds_the_path_token_and_switches_no_cors_to_cors(
    context: BrowserContext, site: DemoSite, cdn: FakeCdn
) -> None:
    page = open_demo(context, site)
    worker_call(page, "setToken", "token-for-a", {"path": "/uploads/owner/a.png"})
    assert load_image(page, f"{cdn.origin}/uploads/owner/a.png") == 48
    assert cdn.tokens_seen("/uploads/owner/a.png") == ["token-for-a"]
    # A plain <img> is a no-cors request, which carries no Origin; the worker's cors re-issue does.
    assert cdn.seen[-1]["origin"] == site.url.rstrip("/")
    assert "token-for-a" not in page.content(), "the token must not reach the page markup"


def test_no_token_for_other_paths_nor_other_origins(context: BrowserContext, site: DemoSite, cdn: FakeCdn) -> None:
    page = open_demo(context, site)
    worker_call(page, "setToken", "token-for-a", {"path": "/uploads/owner/a.png"})
    assert load_image(page, f"{cdn.origin}/uploads/owner/b.png") == 0
    assert cdn.tokens_seen("/uploads/owner/b.png") == [None]
    other_origin = cdn.origin.replace("127.0.0.1", "localhost")  # same server, another origin
    assert load_image(page, f"{other_origin}/uploads/owner/a.png") == 0
    assert cdn.tokens_seen("/uploads/owner/a.png") == [None]


def test_default_token_applies_to_every_path_and_path_tokens_win(
    context: BrowserContext, site: DemoSite, cdn: FakeCdn
) -> None:
    page = open_demo(context, site)
    worker_call(page, "setToken", "token-for-b")  # a user token, for every path
    worker_call(page, "setToken", "token-for-a", {"path": "/uploads/owner/a.png"})
    assert load_image(page, f"{cdn.origin}/uploads/owner/a.png", crossorigin=True) == 48
    assert load_image(page, f"{cdn.origin}/uploads/owner/b.png") == 48
    assert cdn.tokens_seen("/uploads/owner/a.png") == ["token-for-a"]
    assert cdn.tokens_seen("/uploads/owner/b.png") == ["token-for-b"]


def test_expired_tokens_are_not_sent(context: BrowserContext, site: DemoSite, cdn: FakeCdn) -> None:
    page = open_demo(context, site)
    worker_call(page, "setToken", "token-for-a", {"path": "/uploads/owner/a.png", "expiresAt": 1_000})
    assert load_image(page, f"{cdn.origin}/uploads/owner/a.png") == 0
    assert cdn.tokens_seen("/uploads/owner/a.png") == [None]


def test_token_survives_a_worker_restart_and_clear_forgets_it(
    context: BrowserContext, site: DemoSite, cdn: FakeCdn
) -> None:
    page = open_demo(context, site)
    worker_call(page, "setToken", "token-for-a", {"path": "/uploads/owner/a.png"})
    # Stop the worker as the browser does when it is idle: only IndexedDB keeps the token.
    cdp = context.new_cdp_session(page)
    cdp.send("ServiceWorker.enable")
    cdp.send("ServiceWorker.stopAllWorkers")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert load_image(page, f"{cdn.origin}/uploads/owner/a.png") == 48
    assert cdn.tokens_seen("/uploads/owner/a.png") == ["token-for-a"]

    page.click("#forget")
    page.wait_for_selector("#status:has-text('forgotten')")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert load_image(page, f"{cdn.origin}/uploads/owner/a.png") == 0
    assert cdn.tokens_seen("/uploads/owner/a.png") == ["token-for-a", None]
    assert worker_call(page, "status")["scopes"] == []


def test_worker_refuses_malformed_messages(context: BrowserContext, site: DemoSite) -> None:
    page = open_demo(context, site)
    error = page.evaluate(
        """async () => {
            const { registerCdnTokenWorker } = await import('./kit/cdn-tokens.js');
            const { loadConfig } = await import('./kit/upload-client.js');
            const tokens = await registerCdnTokenWorker(await loadConfig('config.json'));
            return tokens.setToken('').then(() => 'accepted', (e) => e.message);
        }"""
    )
    assert "token" in error


def test_expired_tokens_are_dropped_from_the_store(context: BrowserContext, site: DemoSite) -> None:
    page = open_demo(context, site)
    worker_call(page, "setToken", "old", {"path": "/uploads/owner/old.png", "expiresAt": 1_000})
    worker_call(page, "setToken", "token-for-a", {"path": "/uploads/owner/a.png"})
    cdp = context.new_cdp_session(page)
    cdp.send("ServiceWorker.enable")
    cdp.send("ServiceWorker.stopAllWorkers")  # the next answer comes from IndexedDB, not memory
    assert worker_call(page, "status")["scopes"] == ["/uploads/owner/a.png"]


def test_a_token_read_expired_is_purged_from_the_store(context: BrowserContext, site: DemoSite, cdn: FakeCdn) -> None:
    page = open_demo(context, site)
    expires_at = page.evaluate("Date.now() + 1500")
    worker_call(page, "setToken", "token-for-a", {"path": "/uploads/owner/a.png", "expiresAt": expires_at})
    assert load_image(page, f"{cdn.origin}/uploads/owner/a.png") == 48  # positive control: live token sent
    assert worker_call(page, "status")["scopes"] == ["/uploads/owner/a.png"]
    page.wait_for_timeout(2000)
    # Another query string: the same URL would come from Chromium's in-memory image cache.
    assert load_image(page, f"{cdn.origin}/uploads/owner/a.png?again=1") == 0
    assert cdn.tokens_seen("/uploads/owner/a.png") == ["token-for-a", None]
    # Purged on that read, not only at the next setToken: gone from IndexedDB, even after a restart.
    cdp = context.new_cdp_session(page)
    cdp.send("ServiceWorker.enable")
    cdp.send("ServiceWorker.stopAllWorkers")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert worker_call(page, "status")["scopes"] == []
