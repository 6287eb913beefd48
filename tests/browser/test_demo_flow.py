"""The demo page against the real local stack (`make up`), in headless Debian Chromium.

A real PNG goes through the page's file input, the upload API presigns it, the browser sends it
straight to LocalStack's S3 (throttled, so progress is real), and the gallery shows it through the
CloudFront adapter, whose edge function accepts it only because the service worker added the
path-scoped download token. Then the negative twins: no token (401), another object's token (403).
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from demo_site import DemoSite, copy_web
from playwright.sync_api import BrowserContext, Page, Request
from pngs import noise_png, png

from stack import issuer, paths

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "browser"
DEMO_HOST, DEMO_PORT = "127.0.0.1", paths.WEB_PORT  # an origin the local stack's CORS rules allow
FORWARDED_LOG = paths.STATE / "cdn-forwarded.jsonl"  # written by the CloudFront adapter
UPLOAD_THROUGHPUT = 256 * 1024  # bytes/s: on loopback an upload fires a single progress event


def listening(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=1):
            return True
    except OSError:
        return False


def stack_is_up() -> bool:
    try:
        config = json.loads(paths.OUTPUTS.read_text())["frontend_config"]["value"]
    except (OSError, ValueError, KeyError):
        return False
    if not all(listening(config[name]) for name in ("api_url", "cdn_url")):
        return False
    try:  # the adapters can outlive LocalStack (a stopped emulator, a reboot)
        localstack = json.loads(paths.ENDPOINTS.read_text())["default"]
        return requests.get(f"{localstack}/_localstack/health", timeout=2).status_code == 200
    except (OSError, ValueError, KeyError, requests.RequestException):
        return False


_failed_targets: dict[str, str] = {}  # a failing `make up` is tried once per session, not once per test


def make(target: str) -> None:
    if target in _failed_targets:
        pytest.fail(_failed_targets[target])
    result = subprocess.run(["make", target], cwd=ROOT, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        _failed_targets[target] = f"make {target} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        pytest.fail(_failed_targets[target])


@pytest.fixture(scope="module")
def frontend_config() -> Iterator[dict[str, Any]]:
    """The running local stack's frontend_config; brings the stack up (and down after) when it is not."""
    started = not stack_is_up()
    if started:
        make("up")
    yield json.loads(paths.OUTPUTS.read_text())["frontend_config"]["value"]
    if started:
        make("down")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, frontend_config: dict[str, Any]) -> Iterator[DemoSite]:
    directory = copy_web(tmp_path_factory.mktemp("demo") / "web", json.dumps(frontend_config))
    try:
        demo = DemoSite(directory, DEMO_HOST, DEMO_PORT)
    except OSError as error:
        pytest.fail(f"cannot serve the demo on {DEMO_HOST}:{DEMO_PORT} (stop `make web-serve`?): {error}")
    yield demo
    demo.close()


def mint_user_token(ttl_seconds: int = 600) -> str:
    """A user JWT from the stack's dev issuer, with the issuer and audience the API expects."""
    user_issuer, audience = issuer.user_jwt_settings()
    return issuer.mint(
        f"browser-{uuid.uuid4().hex[:12]}", issuer=user_issuer, audience=audience, ttl_seconds=ttl_seconds
    )


@pytest.fixture(scope="module")
def user_token(frontend_config: dict[str, Any]) -> str:  # the stack must be up first
    return mint_user_token()


class WorkerTraffic:
    """What the service worker sent to the CDN and what came back, as Chromium reports it."""

    def __init__(self, context: BrowserContext, cdn_url: str) -> None:
        self.cdn_url = cdn_url
        self.requests: list[Request] = []
        context.on("request", self._on_request)

    def _on_request(self, request: Request) -> None:
        if request.service_worker is not None and request.url.startswith(self.cdn_url + "/"):
            self.requests.append(request)

    def for_key(self, key: str) -> list[tuple[str | None, int | None]]:
        """(token sent, status) of each request the worker made for the object."""
        out = []
        for request in self.requests:
            url = urllib.parse.urlsplit(request.url)
            if url.path != f"/{key}":
                continue
            token = urllib.parse.parse_qs(url.query).get("authorization", [None])[0]
            response = request.response()
            out.append((token, response.status if response else None))
        return out


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def origin_requests(key: str) -> list[str]:
    """What the CloudFront adapter sent to the S3 origin for the object (its JSON-lines record)."""
    records = [json.loads(line) for line in FORWARDED_LOG.read_text().splitlines() if line.strip()]
    return [json.dumps(r["to_origin"]) for r in records if r["to_origin"]["uri"] == f"/{key}"]


def gallery_item(page: Page, key: str, state: str) -> dict[str, Any]:
    item = page.wait_for_selector(f'#gallery li[data-key="{key}"][data-state="{state}"]', timeout=30_000)
    assert item is not None
    return item.eval_on_selector("img", "img => ({ width: img.naturalWidth, src: img.getAttribute('src') })")


def sign_in_and_upload(page: Page, user_token: str, files: list[dict[str, Any]]) -> list[str]:
    page.fill("#token", user_token)
    page.click("#sign-in")
    page.wait_for_selector("#file:not([disabled])")
    page.set_input_files("#file", files=files)
    page.wait_for_function(
        f"document.querySelectorAll('#gallery li').length >= {len(files)} || document.querySelector('#status.error')",
        timeout=60_000,
    )
    assert page.query_selector("#status.error") is None, page.text_content("#status")
    return page.eval_on_selector_all("#gallery li", "items => items.map((li) => li.dataset.key).reverse()")


def test_upload_progress_gallery_and_token_rules(
    context: BrowserContext, site: DemoSite, frontend_config: dict[str, Any], user_token: str
) -> None:
    cdn_url = frontend_config["cdn_url"].rstrip("/")
    traffic = WorkerTraffic(context, cdn_url)
    page = context.new_page()
    page.goto(site.url)
    page.wait_for_selector("body[data-ready=true]")
    assert page.get_attribute("#file", "accept") == ",".join(frontend_config["allowed_content_types"])

    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 5, "downloadThroughput": -1, "uploadThroughput": UPLOAD_THROUGHPUT},
    )
    page.evaluate(
        """() => {
            window.progressSeen = [];
            new MutationObserver(() => window.progressSeen.push(document.getElementById('progress').value))
                .observe(document.getElementById('progress'), { attributes: true, attributeFilter: ['value'] });
        }"""
    )
    photo = noise_png()
    keys = sign_in_and_upload(
        page,
        user_token,
        [
            {"name": "photo.png", "mimeType": "image/png", "buffer": photo},
            {"name": "second.png", "mimeType": "image/png", "buffer": png(rgb=(40, 90, 200))},
        ],
    )
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    key, other_key = keys
    assert key.startswith("uploads/") and key.endswith(".png") and "photo" not in key

    # Progress: real intermediate values (throttled upload), ending at 100 %.
    progress = page.evaluate("window.progressSeen")
    assert progress[-1] == 100, progress
    assert any(0 < value < 100 for value in progress), f"no intermediate progress: {progress}"
    assert page.text_content("#percent") == "100 %"

    # The gallery shows the image through the CDN adapter; the markup holds no token.
    image = gallery_item(page, key, "loaded")
    assert image["width"] == 360
    assert image["src"] == f"{cdn_url}/{key}"
    assert "authorization" not in page.content()
    sent = traffic.for_key(key)
    assert sent and all(status == 200 for _, status in sent), sent
    token = sent[0][0]
    assert token is not None and claims(token)["path"] == f"/{key}"
    # The edge accepted it and stripped the token before the origin (the adapter's record).
    forwarded = origin_requests(key)
    assert forwarded and all(token not in request for request in forwarded), forwarded
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "demo-gallery.png"), full_page=True)

    # Negative twin 1: the worker's tokens cleared -> no token sent, the edge answers 401.
    page.click("#forget")
    page.wait_for_selector("#status:has-text('forgotten')")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert gallery_item(page, key, "failed")["width"] == 0
    assert traffic.for_key(key)[-1] == (None, 401)

    # Negative twin 2: a valid download token for another object -> the edge answers 403.
    grant = requests.post(
        frontend_config["downloads_url"],
        json={"key": other_key},
        headers={"authorization": f"Bearer {user_token}"},
        timeout=10,
    )
    assert grant.status_code == 200, grant.text
    page.evaluate(
        """async ([token, path]) => {
            const { registerCdnTokenWorker } = await import('./kit/cdn-tokens.js');
            const { loadConfig } = await import('./kit/upload-client.js');
            const tokens = await registerCdnTokenWorker(await loadConfig('config.json'));
            await tokens.setToken(token, { path });
        }""",
        [grant.json()["token"], f"/{key}"],
    )
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert gallery_item(page, key, "failed")["width"] == 0
    other_token = grant.json()["token"]
    sent_token, status = traffic.for_key(key)[-1]
    assert sent_token == other_token
    # The edge's refusals carry no CORS headers, so Chromium reports the worker's cors request as
    # failed without a status; ask the CDN directly what that exact request gets.
    assert status in (None, 403)
    assert requests.get(f"{cdn_url}/{key}", params={"authorization": other_token}, timeout=10).status_code == 403
    page.screenshot(path=str(SCREENSHOTS / "demo-gallery-refused.png"), full_page=True)


def test_token_callback_and_api_refusal_with_the_server_code(
    context: BrowserContext, site: DemoSite, frontend_config: dict[str, Any]
) -> None:
    """A real app's token callback instead of the dev field; the callback's token is expired, so the
    API refuses and the page shows the API's own code and message from the typed error."""
    expired = mint_user_token(ttl_seconds=-120)
    page = context.new_page()
    page.add_init_script(f"window.uploadDemoTokenProvider = async () => {json.dumps(expired)};")
    page.goto(site.url)
    page.wait_for_selector("body[data-ready=true]")
    assert page.is_hidden("#dev-sign-in")
    page.set_input_files("#file", files=[{"name": "a.png", "mimeType": "image/png", "buffer": png()}])
    page.wait_for_selector("#status.error")
    assert page.text_content("#status").startswith("api refused (unauthorized): ")
    assert page.eval_on_selector_all("#gallery li", "items => items.length") == 0


def test_s3_refusal_is_a_storage_error_with_s3s_code(context: BrowserContext, site: DemoSite, user_token: str) -> None:
    """The kit in the browser, a real presign, then a changed key: S3 itself refuses the POST."""
    page = context.new_page()
    page.goto(site.url)
    page.wait_for_selector("body[data-ready=true]")
    outcome = page.evaluate(
        """async ([token, bytes]) => {
            const { upload, loadConfig } = await import('./kit/upload-client.js');
            const config = await loadConfig('config.json');
            const tamperingFetch = async (url, init) => {
                const answer = await fetch(url, init);
                const presign = await answer.json();
                presign.fields.key = presign.fields.key.replace(/[^/]+$/, 'chosen-by-the-client.png');
                return new Response(JSON.stringify(presign), { status: answer.status });
            };
            const file = new File([new Uint8Array(bytes)], 'a.png', { type: 'image/png' });
            try {
                return { key: await upload(file, { token, config, fetch: tamperingFetch }) };
            } catch (error) {
                const { name, source, status, code, message } = error;
                return { name, source, status, code, message };
            }
        }""",
        [user_token, list(png())],
    )
    assert outcome["name"] == "StorageError", outcome
    assert (outcome["source"], outcome["status"], outcome["code"]) == ("s3", 403, "AccessDenied"), outcome
    assert "Policy" in outcome["message"], outcome


def test_presigned_put_from_the_browser(context: BrowserContext, site: DemoSite, user_token: str) -> None:
    """The kit's PUT path for real: signed Content-Type header, bucket CORS preflight, then the CDN."""
    page = context.new_page()
    page.goto(site.url)
    page.wait_for_selector("body[data-ready=true]")
    outcome = page.evaluate(
        """async ([token, bytes]) => {
            const { upload, downloadUrl, loadConfig } = await import('./kit/upload-client.js');
            const { registerCdnTokenWorker } = await import('./kit/cdn-tokens.js');
            const config = await loadConfig('config.json');
            const file = new File([new Uint8Array(bytes)], 'put.png', { type: 'image/png' });
            const fractions = [];
            const onProgress = (p) => fractions.push(p.fraction);
            const key = await upload(file, { token, config, method: 'PUT', onProgress });
            const grant = await downloadUrl(key, { token, config });
            const cdnTokens = await registerCdnTokenWorker(config);
            await cdnTokens.setToken(grant.token, { path: grant.path, expiresAt: grant.expiresAt });
            const width = await new Promise((resolve) => {
                const img = new Image();
                img.onload = () => resolve(img.naturalWidth);
                img.onerror = () => resolve(0);
                img.src = config.cdn_url + grant.path;
            });
            return { key, width, last: fractions.at(-1) };
        }""",
        [user_token, list(png(width=64, rgb=(30, 160, 90)))],
    )
    assert outcome["key"].startswith("uploads/") and outcome["key"].endswith(".png"), outcome
    assert (outcome["width"], outcome["last"]) == (64, 1), outcome
