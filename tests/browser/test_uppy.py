"""Uppy (real @uppy/core + @uppy/dashboard + @uppy/aws-s3 from npm, bundled by `make uppy-bundle`)
in headless Chromium against the local stack, every S3 request signed by POST /uppy/sign.

A small PNG goes through Uppy's single-request path (the server turns its PutObject into a POST
policy) and a generated 20 MB PNG through its multipart path; both are verified by the verifier,
shown through the CDN with a download token, and read back equal. A file the verifier rejects is
reported to the page with its reason. A multipart upload cancelled in flight (the Dashboard's
Cancel) is aborted in S3 through a signed AbortMultipartUpload and publishes nothing. Another
user's uploadId is refused; the page never holds an AWS credential (the only secret it has is the
user's JWT).
"""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from demo_site import DemoSite, copy_web
from playwright.sync_api import BrowserContext, Page, Response
from pngs import noise_png, png
from test_demo_flow import DEMO_HOST, DEMO_PORT, SCREENSHOTS, frontend_config, mint_user_token  # noqa: F401

from stack import paths

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "build" / "web"
CANCEL_THROUGHPUT = 512 * 1024  # bytes/s
CANCELLED = 1900  # a PNG of 10.8 MB: just over the multipart threshold, three 5 MiB parts
LARGE = 2600  # 2600 x 2600 random RGB pixels: a PNG of about 20 MB that does not compress
SIGN_ANSWER_FIELDS = {"url", "key", "headers", "fields", "upload_id", "published_key"}
# How credentials travel in JSON (STS answers, Uppy's getCredentials mode). A presigned URL names
# the signer's access key id in X-Amz-Credential, as every presigned URL does; never a secret.
CREDENTIAL_RE = re.compile(
    r'"(secretAccessKey|SecretAccessKey|sessionToken|SessionToken|accessKeyId|AccessKeyId|Credentials)"'
)


@pytest.fixture(scope="module")
def uppy_site(tmp_path_factory: pytest.TempPathFactory, frontend_config: dict[str, Any]) -> Iterator[DemoSite]:  # noqa: F811
    bundles = sorted(BUNDLE.glob("uppy-demo.bundle.*"))
    if len(bundles) != 2:
        pytest.fail(f"{BUNDLE}/uppy-demo.bundle.js/.css are missing: run `make uppy-bundle` (make browser does)")
    directory = copy_web(tmp_path_factory.mktemp("uppy") / "web", json.dumps(frontend_config))
    for bundle in bundles:
        shutil.copy(bundle, directory / bundle.name)
    try:
        site = DemoSite(directory, DEMO_HOST, DEMO_PORT)
    except OSError as error:
        pytest.fail(f"cannot serve the demo on {DEMO_HOST}:{DEMO_PORT} (stop `make web-serve`?): {error}")
    yield site
    site.close()


class SignTraffic:
    """Every /uppy/sign exchange the page made, and every answer the page received as text."""

    def __init__(self, context: BrowserContext, api_url: str) -> None:
        self.sign_url = api_url.rstrip("/") + "/uppy/sign"
        self.exchanges: list[tuple[dict[str, Any], int, Any]] = []
        self.texts: list[str] = []
        context.on("response", self._on_response)

    def _on_response(self, response: Response) -> None:
        if response.request.method == "OPTIONS":
            return
        try:
            text = response.text()
        except Exception:  # the bodies of redirects and aborted requests are unreadable
            return
        self.texts.append(text)
        if response.url == self.sign_url:
            self.exchanges.append((json.loads(response.request.post_data or "{}"), response.status, response.json()))

    def kinds(self) -> list[tuple[str, bool, bool]]:
        """(method, has uploadId, has partNumber) of each signed request."""
        return [(r.get("method", ""), "uploadId" in r, "partNumber" in r) for r, _, _ in self.exchanges]


# Uppy waits for `navigator.onLine` before every S3 request. On a machine whose only network is
# loopback (the local stack's network namespace) Chromium reports offline, so Uppy would wait forever.
ONLINE = "Object.defineProperty(Navigator.prototype, 'onLine', { get: () => true, configurable: true });"


def open_page(context: BrowserContext, site: DemoSite, token: str) -> Page:
    context.add_init_script(ONLINE)
    page = context.new_page()
    page.goto(site.url + "uppy.html")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#token", token)
    page.click("#sign-in")
    return page


def add_files(page: Page, files: list[dict[str, Any]], timeout: float | None = None) -> None:
    # The Dashboard's own file input (autoProceed: the upload starts at once).
    page.set_input_files(".uppy-Dashboard-input >> nth=0", files=files, timeout=timeout)


def result(page: Page, name: str, states: str, timeout: float = 120_000) -> dict[str, str]:
    selector = " , ".join(f'#results li[data-file="{name}"][data-state="{s}"]' for s in states.split("|"))
    item = page.wait_for_selector(selector, timeout=timeout)
    assert item is not None
    data: dict[str, str] = item.evaluate("li => ({ ...li.dataset, text: li.textContent })")
    return data


def cdn_bytes(frontend_config: dict[str, Any], token: str, key: str) -> bytes:  # noqa: F811
    grant = requests.post(
        frontend_config["downloads_url"], json={"key": key}, headers={"authorization": f"Bearer {token}"}, timeout=10
    )
    assert grant.status_code == 200, grant.text
    answer = requests.get(grant.json()["url"], timeout=30)
    assert answer.status_code == 200, answer.status_code
    return answer.content


def test_uppy_single_and_multipart_uploads_are_verified_and_served(
    context: BrowserContext,
    uppy_site: DemoSite,
    frontend_config: dict[str, Any],  # noqa: F811
) -> None:
    threshold = frontend_config["multipart_threshold_bytes"]
    small, large = png(), noise_png(LARGE, LARGE)
    assert len(small) <= threshold < len(large) and len(large) >= 20_000_000
    token = mint_user_token()
    traffic = SignTraffic(context, frontend_config["api_url"])
    s3_requests: list[str] = []

    def on_request(request: Any) -> None:
        if not request.url.startswith(frontend_config["api_url"]):
            s3_requests.append(request.url)

    context.on("request", on_request)
    page = open_page(context, uppy_site, token)
    add_files(
        page,
        [
            {"name": "small.png", "mimeType": "image/png", "buffer": small},
            {"name": "large.png", "mimeType": "image/png", "buffer": large},
        ],
    )
    done = {name: result(page, name, "loaded|rejected|failed", timeout=180_000) for name in ("small.png", "large.png")}
    for name, item in done.items():
        assert item["state"] == "loaded", (name, item)
        assert item["key"].startswith("uploads/") and name.split(".")[0] not in item["key"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "uppy-verified.png"), full_page=True)

    # Uppy's two paths: PutObject (signed as a POST policy) and create/parts/complete.
    kinds = traffic.kinds()
    assert ("PUT", False, False) in kinds and ("POST", False, False) in kinds
    parts = [k for k in kinds if k == ("PUT", True, True)]
    assert len(parts) == -(-len(large) // (5 * 1024 * 1024)), kinds  # Uppy's default: 5 MiB parts
    assert ("POST", True, False) in kinds  # the completion, sent to S3 by Uppy itself
    for request, status, answer in traffic.exchanges:
        assert status == 200, (request, answer)
        assert set(answer) <= SIGN_ANSWER_FIELDS, answer
        # The server's key, never Uppy's proposal ("<uuid>-small.png").
        assert answer["key"].startswith("quarantine/") and "small" not in answer["key"]
    single = next(answer for request, _, answer in traffic.exchanges if request.get("contentType"))
    assert single["fields"]["Content-Type"] == "image/png" and single["fields"]["key"] == single["key"]

    # Both published and served through the CDN with a download token: the same bytes.
    assert cdn_bytes(frontend_config, token, done["small.png"]["key"]) == small
    assert cdn_bytes(frontend_config, token, done["large.png"]["key"]) == large

    # No AWS credential ever reached the page: no answer it received looks like one, and the
    # storage requests are presigned URLs (their signature is in the query or in the POST policy).
    assert not [t[:200] for t in traffic.texts if CREDENTIAL_RE.search(t)]
    storage = [u for u in s3_requests if not u.startswith((uppy_site.url, frontend_config["cdn_url"]))]
    assert storage and all("X-Amz-Signature=" in u or urllib.parse.urlsplit(u).query == "" for u in storage)
    held = page.evaluate("() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })")
    assert not CREDENTIAL_RE.search(held) and token not in held


def test_a_file_the_verifier_rejects_is_reported_to_the_page(
    context: BrowserContext,
    uppy_site: DemoSite,
    frontend_config: dict[str, Any],  # noqa: F811
) -> None:
    page = open_page(context, uppy_site, mint_user_token())
    # An HTML page named and declared as a PNG: S3 takes it, the verifier does not.
    add_files(page, [{"name": "not-an-image.png", "mimeType": "image/png", "buffer": b"<!doctype html><p>hi</p>"}])
    item = result(page, "not-an-image.png", "rejected|loaded", timeout=120_000)
    assert item["state"] == "rejected", item
    assert item["reason"] in {"type_mismatch", "unrecognized_content", "type_not_allowed"}, item
    assert item["reason"] in item["text"]


SIGN_AS = """async ([token, request]) => {
    const { uppySigner } = await import('./kit/uppy-signer.js');
    const { loadConfig } = await import('./kit/upload-client.js');
    const config = await loadConfig('config.json');
    try {
        return { signed: await uppySigner({ apiUrl: config.api_url, getToken: async () => token })(request) };
    } catch (error) {
        return { status: error.status, code: error.code };
    }
}"""
CREATE_IN_S3 = """async ([url, headers]) => {
    const answer = await fetch(url, { method: 'POST', headers });
    const xml = await answer.text();
    return /<UploadId>([^<]+)<\\/UploadId>/.exec(xml)[1];
}"""


def test_another_users_upload_id_is_refused(
    context: BrowserContext,
    uppy_site: DemoSite,
    frontend_config: dict[str, Any],  # noqa: F811
) -> None:
    alice, mallory = mint_user_token(), mint_user_token()
    page = open_page(context, uppy_site, alice)

    def create(token: str) -> tuple[str, str]:
        """A multipart upload created as Uppy does: signed by the API, sent to S3 by the page."""
        signed = page.evaluate(SIGN_AS, [token, {"method": "POST", "key": "uuid-photo.png"}])["signed"]
        return signed["key"], page.evaluate(CREATE_IN_S3, [signed["url"], signed["headers"]])

    alices_key, alices_upload = create(alice)
    mallorys_key, mallorys_upload = create(mallory)
    part = {"method": "PUT", "partNumber": 1}
    refused = [
        ({**part, "key": alices_key, "uploadId": alices_upload}, mallory),  # all of Alice's
        ({**part, "key": mallorys_key, "uploadId": alices_upload}, mallory),  # her id on his key (S3 ties them)
        ({"method": "GET", "key": alices_key, "uploadId": alices_upload}, mallory),
        ({"method": "DELETE", "key": alices_key, "uploadId": alices_upload}, mallory),
    ]
    for request, token in refused:
        assert page.evaluate(SIGN_AS, [token, request]) == {"status": 404, "code": "upload_not_found"}, request
    # Positive controls: each with their own.
    assert "signed" in page.evaluate(SIGN_AS, [alice, {**part, "key": alices_key, "uploadId": alices_upload}])
    assert "signed" in page.evaluate(SIGN_AS, [mallory, {**part, "key": mallorys_key, "uploadId": mallorys_upload}])
    # A proposed key outside the caller's prefix is ignored: the server's key wins.
    proposal = {"method": "PUT", "key": alices_key, "contentType": "image/png"}
    signed = page.evaluate(SIGN_AS, [mallory, proposal])["signed"]
    assert signed["key"] != alices_key and signed["key"].startswith("quarantine/")


def storage() -> tuple[Any, str]:
    """The local stack's S3 (LocalStack, as the test's own client) and the bucket."""
    endpoint = json.loads(paths.ENDPOINTS.read_text())["default"]
    bucket = json.loads(paths.OUTPUTS.read_text())["bucket_name"]["value"]
    return boto3.client("s3", endpoint_url=endpoint, **paths.CREDENTIALS), bucket


def test_cancelling_a_multipart_upload_in_flight_aborts_it_in_s3_and_publishes_nothing(
    context: BrowserContext,
    uppy_site: DemoSite,
    frontend_config: dict[str, Any],  # noqa: F811
) -> None:
    token = mint_user_token()
    traffic = SignTraffic(context, frontend_config["api_url"])
    s3_requests: list[tuple[str, str]] = []
    s3_deletes: list[tuple[str, int]] = []
    context.on("request", lambda request: s3_requests.append((request.method, request.url)))
    context.on(
        "response",
        lambda response: (
            s3_deletes.append((response.url, response.status)) if response.request.method == "DELETE" else None
        ),
    )
    page = open_page(context, uppy_site, token)
    # Throttled, so that the upload is surely in flight when it is cancelled (10.8 MB at 512 KiB/s:
    # about 20 s of parts).
    page.context.new_cdp_session(page).send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": CANCEL_THROUGHPUT},
    )
    large = noise_png(CANCELLED, CANCELLED)
    assert len(large) > frontend_config["multipart_threshold_bytes"]

    def parts_in_flight() -> bool:
        signed = {("POST", False, False), ("PUT", True, True)} <= set(traffic.kinds())
        return signed and any(m == "PUT" and "partNumber=" in u for m, u in s3_requests)

    # The file itself reaches the page on the throttled network too: more than the default 15 s.
    add_files(page, [{"name": "cancelled.png", "mimeType": "image/png", "buffer": large}], timeout=120_000)
    deadline = time.monotonic() + 60
    # The sign answers are read as they come (SignTraffic), the part sent on the throttled network.
    while not (in_flight := parts_in_flight()) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert in_flight, f"no part in flight: {traffic.kinds()}"
    create = next(answer for request, _, answer in traffic.exchanges if request.get("method") == "POST")
    key = create["key"]
    s3_upload_id = next(r for r, _, _ in traffic.exchanges if "partNumber" in r)["uploadId"]
    part = {"method": "PUT", "key": key, "uploadId": s3_upload_id, "partNumber": 1}
    # Positive control: before the cancel, the upload takes parts and S3 holds it.
    assert "signed" in page.evaluate(SIGN_AS, [token, part])
    s3, bucket = storage()
    assert s3.list_parts(Bucket=bucket, Key=key, UploadId=s3_upload_id)["UploadId"] == s3_upload_id

    page.click('button[data-cy="cancel"]')  # the Dashboard's "Cancel": uppy.cancelAll()
    deadline = time.monotonic() + 30
    while not s3_deletes and time.monotonic() < deadline:
        page.wait_for_timeout(100)

    # The abort went through the API's signer, then to S3 by the page itself.
    aborts = [(r, status) for r, status, _ in traffic.exchanges if r.get("method") == "DELETE"]
    assert aborts == [({"method": "DELETE", "key": key, "uploadId": s3_upload_id}, 200)], traffic.kinds()
    ((delete_url, delete_status),) = [d for d in s3_deletes if not d[0].startswith(frontend_config["api_url"])]
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(delete_url).query)["uploadId"] == [s3_upload_id]
    assert delete_status == 204, delete_url
    with pytest.raises(s3.exceptions.NoSuchUpload):
        s3.list_parts(Bucket=bucket, Key=key, UploadId=s3_upload_id)
    # The record is not a completable upload any more: no part, no completion is signed.
    for request in (part, {"method": "POST", "key": key, "uploadId": s3_upload_id}):
        assert page.evaluate(SIGN_AS, [token, request]) == {"status": 410, "code": "upload_aborted"}, request
    # Nothing published: the status says aborted, the public key has no object and no download token.
    auth = {"authorization": f"Bearer {token}"}
    status = requests.get(f"{frontend_config['uploads_url']}/{create['upload_id']}", headers=auth, timeout=10).json()
    assert status["state"] == "aborted" and status["verification"] == "pending", status
    for stored_key in (key, status["key"]):  # neither in quarantine nor published
        with pytest.raises(s3.exceptions.ClientError, match="404"):
            s3.head_object(Bucket=bucket, Key=stored_key)
    grant = requests.post(frontend_config["downloads_url"], json={"key": status["key"]}, headers=auth, timeout=10)
    assert (grant.status_code, grant.json()["error"]["code"]) == (409, "not_ready"), grant.text
    assert page.locator('#results li[data-file="cancelled.png"]').count() == 0
