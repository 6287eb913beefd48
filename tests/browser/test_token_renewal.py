"""CDN token renewal (web/kit/cdn-tokens.js keepFresh + web/sw.js) in real Chromium, against a CDN
stand-in whose tokens really expire: images keep loading over several token lifetimes; a refused
image renews its token once, never in a loop; the worker never holds a token for the API's audience.

The stand-in's `/mint?path=&life=` plays the API's POST /downloads (the page asks; the worker never
calls it) and mints a token valid for `life` ms on that path only."""

from __future__ import annotations

import base64
import http.server
import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_site import DemoSite, copy_web
from playwright.sync_api import BrowserContext, Page
from pngs import png

IMAGE = png()
API_AUDIENCE = "uploads-api"
LIFE_MS = 2000


class ExpiringCdn:
    def __init__(self) -> None:
        self.valid: dict[str, tuple[str, float]] = {}  # token -> (path, expires at, epoch s)
        self.mints: list[str] = []
        self.seen: list[tuple[str, str | None, int]] = []  # (path, token, status)
        counter = itertools.count(1)
        cdn = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.send_header("cache-control", "no-store")
                if self.headers.get("origin"):
                    self.send_header("access-control-allow-origin", self.headers["origin"])
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                if url.path == "/mint":
                    path, life = query["path"][0], int(query["life"][0])
                    token = f"token-{next(counter)}"
                    expires_at = time.time() + life / 1000
                    cdn.valid[token] = (path, expires_at)
                    cdn.mints.append(path)
                    self._send(
                        200, json.dumps({"token": token, "expiresAt": expires_at * 1000}).encode(), "application/json"
                    )
                    return
                token = query.get("authorization", [None])[0]
                grant = cdn.valid.get(token or "")
                ok = grant is not None and grant[0] == url.path and grant[1] > time.time()
                status = 200 if ok else 403 if token else 401
                cdn.seen.append((url.path, token, status))
                self._send(status, IMAGE if ok else b'{"message":"denied"}', "image/png" if ok else "application/json")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cdn() -> Iterator[ExpiringCdn]:
    server = ExpiringCdn()
    yield server
    server.close()


@pytest.fixture
def site(tmp_path: Path, cdn: ExpiringCdn) -> Iterator[DemoSite]:
    config = {
        "api_url": "http://127.0.0.1:9/stage",  # never called: /mint plays the API
        "uploads_url": "http://127.0.0.1:9/stage/uploads",
        "downloads_url": "http://127.0.0.1:9/stage/downloads",
        "cdn_url": cdn.origin,
        "max_upload_bytes": 10485760,
        "allowed_content_types": ["image/png"],
        "api_token_audience": API_AUDIENCE,
    }
    demo = DemoSite(copy_web(tmp_path / "web", json.dumps(config)), "127.0.0.1", 0)
    yield demo
    demo.close()


KIT = """
window.kit = (async () => {
  const { registerCdnTokenWorker } = await import('./kit/cdn-tokens.js');
  const { loadConfig } = await import('./kit/upload-client.js');
  return registerCdnTokenWorker(await loadConfig('config.json'));
})();
window.renewals = [];
window.mint = async (path, life) => (await fetch(`CDN/mint?path=${encodeURIComponent(path)}&life=${life}`)).json();
window.load = (url) => new Promise((resolve) => {
  const img = new Image();
  img.onload = () => resolve(img.naturalWidth);
  img.onerror = () => resolve(0);
  img.src = url;
});
"""


def open_page(context: BrowserContext, site: DemoSite, cdn: ExpiringCdn) -> Page:
    page = context.new_page()
    page.goto(site.url)
    page.wait_for_selector("body[data-ready=true]")
    page.evaluate(KIT.replace("CDN", cdn.origin))
    return page


def keep_fresh(page: Page, path: str, *, life: int, initial: bool = True) -> None:
    """Mints a first token for `path` (when `initial`) and keeps it fresh with tokens of `life` ms."""
    page.evaluate(
        """async ([path, life, initial]) => {
            const kit = await window.kit;
            let expiresAt = null;
            if (initial) {
              const grant = await window.mint(path, life);
              await kit.setToken(grant.token, { path, expiresAt: grant.expiresAt });
              expiresAt = grant.expiresAt;
            }
            kit.keepFresh(path, () => window.mint(path, life), {
              expiresAt,
              onRenewed: (p, reason) => window.renewals.push(reason),
            });
        }""",
        [path, life, initial],
    )


def load(page: Page, url: str) -> int:
    return int(page.evaluate("(url) => window.load(url)", url))


def test_images_keep_loading_over_several_token_lifetimes(
    context: BrowserContext, site: DemoSite, cdn: ExpiringCdn
) -> None:
    page = open_page(context, site, cdn)
    kept, left = "/uploads/owner/kept.png", "/uploads/owner/left.png"
    keep_fresh(page, kept, life=LIFE_MS)
    # Negative control: a token nobody renews stops working after its lifetime.
    page.evaluate(
        """async (path) => {
            const grant = await window.mint(path, 2000);
            await (await window.kit).setToken(grant.token, { path, expiresAt: grant.expiresAt });
        }""",
        left,
    )
    assert load(page, f"{cdn.origin}{left}?n=0") == 48
    for n in range(1, 9):  # four lifetimes
        page.wait_for_timeout(LIFE_MS // 2)
        assert load(page, f"{cdn.origin}{kept}?n={n}") == 48, f"refused after {n * LIFE_MS // 2} ms"
    assert load(page, f"{cdn.origin}{left}?n=9") == 0
    renewed = cdn.mints.count(kept) - 1
    assert 3 <= renewed <= 8, f"{renewed} renewals in four lifetimes: too few to stay fresh, or a storm"
    assert set(page.evaluate("window.renewals")) == {"expiring"}


def test_a_refused_image_renews_its_token_once(context: BrowserContext, site: DemoSite, cdn: ExpiringCdn) -> None:
    page = open_page(context, site, cdn)
    path = "/uploads/owner/a.png"
    keep_fresh(page, path, life=60_000, initial=False)  # no timer: only a refusal renews
    page.evaluate(
        """async (path) => {
            const grant = await window.mint(path, 300);
            await (await window.kit).setToken(grant.token, { path, expiresAt: grant.expiresAt });
        }""",
        path,
    )
    page.wait_for_timeout(500)
    assert load(page, f"{cdn.origin}{path}?n=1") == 0  # sent without its expired token
    page.wait_for_function("window.renewals.length === 1")
    assert page.evaluate("window.renewals") == ["refused"]
    assert load(page, f"{cdn.origin}{path}?n=2") == 48
    assert cdn.mints.count(path) == 2  # the first token and one renewal


def test_a_renewal_that_does_not_help_is_not_repeated(
    context: BrowserContext, site: DemoSite, cdn: ExpiringCdn
) -> None:
    page = open_page(context, site, cdn)
    path = "/uploads/owner/a.png"
    keep_fresh(page, path, life=-1000, initial=False)  # the "API" answers with already-expired tokens
    page.evaluate("async (path) => (await window.kit).setToken('stale', { path, expiresAt: Date.now() - 1 })", path)
    for n in range(4):  # each refused load would renew again, and each renewal reload, in a loop
        assert load(page, f"{cdn.origin}{path}?n={n}") == 0
        page.wait_for_timeout(300)
    assert cdn.mints.count(path) == 1
    assert page.evaluate("window.renewals") == ["refused"]


def _jwt(claims: dict[str, Any]) -> str:
    def segment(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{segment({'alg': 'RS256', 'typ': 'JWT'})}.{segment(claims)}.c2lnbmF0dXJl"


def test_the_worker_refuses_tokens_for_the_api_audience(
    context: BrowserContext, site: DemoSite, cdn: ExpiringCdn
) -> None:
    page = open_page(context, site, cdn)
    set_token = "async ([token]) => (await window.kit).setToken(token).then(() => 'accepted', (e) => e.message)"
    future = int(time.time()) + 600
    assert page.evaluate(set_token, [_jwt({"aud": "cdn.example.test", "exp": future})]) == "accepted"
    for aud in (API_AUDIENCE, [API_AUDIENCE, "cdn.example.test"]):
        assert "API audience" in page.evaluate(set_token, [_jwt({"aud": aud, "exp": future})])


def test_a_jwt_without_an_expiry_given_expires_with_its_exp_claim(
    context: BrowserContext, site: DemoSite, cdn: ExpiringCdn
) -> None:
    page = open_page(context, site, cdn)
    path = "/uploads/owner/a.png"
    set_token = "async ([token, path]) => (await window.kit).setToken(token, { path })"
    live = _jwt({"aud": "cdn.example.test", "exp": int(time.time()) + 600})
    page.evaluate(set_token, [live, path])
    load(page, f"{cdn.origin}{path}?n=1")
    expired = _jwt({"aud": "cdn.example.test", "exp": int(time.time()) - 1})
    page.evaluate(set_token, [expired, path])
    load(page, f"{cdn.origin}{path}?n=2")
    assert [token for seen_path, token, _ in cdn.seen if seen_path == path] == [live, None]
