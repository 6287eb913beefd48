"""A 64 MB multipart upload from real Chromium through the local stack, interrupted by a page
reload and resumed: only the parts S3 lacks are sent again, progress only goes up to 100 %, and
the object, verified and published, read back through the CDN has the file's SHA-256 (a real PNG
of random pixels, so that the verifier publishes it).

The demo page (web/demo.js) uses the kit's `upload()`: above `multipart_threshold_bytes` it uploads
in parts and keeps its state in IndexedDB; choosing the same file after the reload resumes it.
"""

from __future__ import annotations

import hashlib
import itertools
import time
import urllib.parse
from pathlib import Path
from typing import Any

import requests
from demo_site import DemoSite
from playwright.sync_api import BrowserContext, Page, Request, Response
from pngs import noise_png
from test_demo_flow import frontend_config, mint_user_token, site  # noqa: F401 (module fixtures)

# Random pixels do not compress: a real PNG of about 64 MB (21 Mpx, under the verifier's pixel limit),
# so that the verifier publishes it.
SIDE = 4620
THROTTLED = 4 * 1024 * 1024  # bytes/s (shared by the parts in flight) until the reload: ~16 s for the file
PROGRESS_OBSERVER = """
    window.progressSeen = [];
    document.addEventListener('DOMContentLoaded', () => {
        new MutationObserver(() => window.progressSeen.push(document.getElementById('progress').value))
            .observe(document.getElementById('progress'), { attributes: true, attributeFilter: ['value'] });
    });
"""


def part_number(request: Request) -> int | None:
    if request.method != "PUT":
        return None
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.url).query)
    return int(query["partNumber"][0]) if "partNumber" in query else None


def sign_in_and_choose(page: Page, token: str, path: Path) -> None:
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#token", token)
    page.click("#sign-in")
    page.wait_for_selector("#file:not([disabled])")
    page.set_input_files("#file", files=[str(path)])


def assert_monotonic(values: list[int]) -> None:
    assert all(b >= a for a, b in itertools.pairwise(values)), values


def test_multipart_upload_resumed_after_reload(
    context: BrowserContext,
    site: DemoSite,  # noqa: F811
    frontend_config: dict[str, Any],  # noqa: F811
    tmp_path: Path,
) -> None:
    path = tmp_path / "large.png"
    data = noise_png(SIDE, SIDE)
    size = len(data)
    assert frontend_config["multipart_threshold_bytes"] < size and size > 60_000_000
    path.write_bytes(data)
    expected = hashlib.sha256(data).hexdigest()
    del data
    token = mint_user_token()

    sent: list[list[int]] = [[]]  # part numbers sent, per page session
    listed: list[dict[str, Any]] = []  # what GET /uploads/{id}/parts answered (from S3) on resume
    context.on("request", lambda r: (n := part_number(r)) is not None and sent[-1].append(n))

    stored_before_reload: list[int] = []  # parts S3 answered 200 for, in the first session

    def on_response(response: Response) -> None:
        if response.request.method == "GET" and response.url.endswith("/parts"):
            listed.append(response.json())
        number = part_number(response.request)
        if number is not None and response.status == 200 and len(sent) == 1:
            stored_before_reload.append(number)

    context.on("response", on_response)
    context.add_init_script(PROGRESS_OBSERVER)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 5, "downloadThroughput": -1, "uploadThroughput": THROTTLED},
    )
    page.goto(site.url)
    sign_in_and_choose(page, token, path)
    # Reload once S3 has stored a part (its PUT answered 200): progress also counts bytes still in
    # flight, so a progress threshold alone can come before any part is stored.
    deadline = time.monotonic() + 120
    while not stored_before_reload and page.query_selector("#status.error") is None:
        assert time.monotonic() < deadline, "no part was stored within 120 s"
        page.wait_for_timeout(100)  # lets Playwright dispatch the response events
    assert page.query_selector("#status.error") is None, page.text_content("#status")
    first = page.evaluate("window.progressSeen")
    page.reload()
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    sent.append([])
    sign_in_and_choose(page, token, path)
    page.wait_for_function(
        "/^Uploaded /.test(document.getElementById('status').textContent) || document.querySelector('#status.error')",
        timeout=180_000,
    )
    assert page.query_selector("#status.error") is None, page.text_content("#status")
    key = page.text_content("#status").rsplit(" as ", 1)[1]
    second = page.evaluate("window.progressSeen")

    # Progress: up only in each session, the resumed one starting where S3 was, ending at 100 %.
    assert_monotonic(first)
    assert_monotonic(second)
    assert second[-1] == 100 and page.text_content("#percent") == "100 %"
    # Resume: the listing came from S3, and only the parts it lacked were sent after the reload.
    assert len(listed) == 1, listed
    had = {part["part_number"] for part in listed[0]["parts"]}
    assert had, "the reload came before any part was stored"
    stored = sum(part["size"] for part in listed[0]["parts"])
    assert next(v for v in second if v > 0) >= 100 * stored // size, (stored, second)  # starts where S3 was
    part_count = listed[0]["part_count"]
    assert part_count == -(-size // listed[0]["part_size"]) > 1
    assert set(sent[1]) == set(range(1, part_count + 1)) - had, (sorted(had), sorted(sent[1]))
    # The object, read back through the CDN with a download token, is the file.
    grant = requests.post(
        frontend_config["downloads_url"], json={"key": key}, headers={"authorization": f"Bearer {token}"}, timeout=10
    )
    assert grant.status_code == 200, grant.text
    digest = hashlib.sha256()
    cdn = frontend_config["cdn_url"].rstrip("/")
    with requests.get(f"{cdn}/{key}", params={"authorization": grant.json()["token"]}, stream=True, timeout=60) as got:
        assert got.status_code == 200, got.text[:300]
        for chunk in got.iter_content(1 << 20):
            digest.update(chunk)
    assert digest.hexdigest() == expected
