"""CORS from an allowed origin at the API, at S3 and through the CDN; nothing for other origins."""

import pytest
import requests

pytestmark = pytest.mark.localstack

EVIL = "https://evil.example"


@pytest.fixture(scope="module")
def allowed(stack) -> str:
    return stack.env["ALLOWED_ORIGINS"].split(",")[0]


def _acao(response) -> str | None:
    return response.headers.get("Access-Control-Allow-Origin")


def test_api_preflight_and_request(stack, allowed) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    good = requests.options(f"{stack.api}/uploads", headers={"Origin": allowed, **preflight}, timeout=15)
    assert good.status_code in {200, 204}
    assert _acao(good) == allowed
    assert "authorization" in good.headers["Access-Control-Allow-Headers"].lower()
    bad = requests.options(f"{stack.api}/uploads", headers={"Origin": EVIL, **preflight}, timeout=15)
    assert _acao(bad) is None

    token = stack.user_token()
    assert _acao(stack.presign(token, origin=allowed)) == allowed
    assert _acao(stack.presign(token, origin=EVIL)) is None


def test_s3_preflight_and_upload(stack, allowed) -> None:
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * 248
    presigned = stack.presign(stack.user_token(), method="PUT", data=data).json()
    url = presigned["url"].split("?", 1)[0]
    preflight = {"Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type,if-none-match"}
    good = requests.options(url, headers={"Origin": allowed, **preflight}, timeout=15)
    assert good.status_code == 200
    assert _acao(good) == allowed
    assert "ETag" in good.headers.get("Access-Control-Expose-Headers", "")
    bad = requests.options(url, headers={"Origin": EVIL, **preflight}, timeout=15)
    assert bad.status_code == 403
    assert _acao(bad) is None

    upload = requests.put(presigned["url"], data=data, headers={**presigned["headers"], "Origin": allowed}, timeout=15)
    assert upload.status_code == 200
    assert _acao(upload) == allowed


def test_cdn_get_and_preflight(stack, allowed) -> None:
    flow = stack.put_through()
    good = requests.get(flow["url"], headers={"Origin": allowed}, timeout=15)
    assert good.status_code == 200
    assert _acao(good) == allowed
    bad = requests.get(flow["url"], headers={"Origin": EVIL}, timeout=15)
    assert bad.status_code == 200
    assert _acao(bad) is None
    preflight = {"Access-Control-Request-Method": "GET"}
    cdn_url = flow["url"].split("?", 1)[0]
    assert _acao(requests.options(cdn_url, headers={"Origin": allowed, **preflight}, timeout=15)) == allowed
    assert _acao(requests.options(cdn_url, headers={"Origin": EVIL, **preflight}, timeout=15)) is None
