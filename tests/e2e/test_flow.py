"""The whole flow through the local stack: user token -> presign -> S3 -> download token -> CDN."""

import pytest
import requests
from e2e_client import png

pytestmark = pytest.mark.localstack


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_upload_straight_to_s3_then_download_through_the_cdn(stack, method: str) -> None:
    data = png(4096)
    flow = stack.put_through(data=data, method=method)

    assert flow["url"] == f"{stack.cdn}/{flow['key']}?authorization={flow['token']}"
    response = requests.get(flow["url"], timeout=15)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["Content-Type"] == "image/png"
    assert int(response.headers["Content-Length"]) == len(data)
    assert response.headers["ETag"].strip('"')
    # The planned response headers policy: no served upload can run script or be sniffed as HTML.
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_the_api_never_hands_out_someone_elses_key(stack) -> None:
    owner = stack.put_through()
    stranger = stack.user_token()
    response = stack.download(stranger, owner["key"])
    assert response.status_code == 403


def test_the_api_requires_a_valid_user_token(stack) -> None:
    assert stack.presign("not-a-jwt").status_code == 401
    forged = stack.user_token()[:-4] + "AAAA"
    assert stack.presign(forged).status_code == 401
    wrong_audience = stack.user_token(aud="someone-else")
    assert stack.presign(wrong_audience).status_code == 401
    response = stack.session.post(f"{stack.api}/uploads", json={}, timeout=15)
    assert response.status_code == 401
