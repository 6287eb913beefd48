"""The edge function, run by the CloudFront adapter, decides who reads what."""

import json
import time
from urllib.parse import quote

import pytest
import requests
from e2e_client import b64url, raw_get

pytestmark = pytest.mark.localstack


@pytest.fixture(scope="module")
def uploaded(stack):
    return stack.put_through()


@pytest.fixture(scope="module")
def other(stack):
    """Someone else's upload: what traversal would try to reach."""
    return stack.put_through()


def _path(flow) -> str:
    return "/" + flow["key"]


def test_raw_requests_reach_the_object_with_its_token(stack, uploaded) -> None:
    """The control for the traversal variants: the same raw client, the exact path, is let through."""
    status, headers, body = raw_get(f"{stack.cdn}{_path(uploaded)}?authorization={uploaded['token']}")
    assert (status, body, headers["content-type"]) == (200, uploaded["data"], "image/png")


def test_no_token_is_401(stack, uploaded) -> None:
    assert requests.get(f"{stack.cdn}{_path(uploaded)}", timeout=15).status_code == 401


def test_token_in_query_header_and_cookie_all_work(stack, uploaded) -> None:
    url = f"{stack.cdn}{_path(uploaded)}"
    token = uploaded["token"]
    assert requests.get(f"{url}?authorization={token}", timeout=15).status_code == 200
    assert requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=15).status_code == 200
    assert requests.get(url, cookies={"cdn_token": token}, timeout=15).status_code == 200


def test_a_kms_signed_token_with_the_right_claims_is_accepted(stack, uploaded) -> None:
    """The control for the forgeries below: our own KMS-signed tokens pass when the claims are right."""
    token = stack.kms_token(stack.download_claims(_path(uploaded)))
    assert requests.get(f"{stack.cdn}{_path(uploaded)}?authorization={token}", timeout=15).status_code == 200


@pytest.mark.parametrize(
    "variant",
    [
        "tampered_signature",
        "tampered_claims",
        "expired",
        "not_yet_valid",
        "wrong_audience",
        "wrong_issuer",
        "other_path",
        "alg_none",
        "alg_hs256",
        "unknown_kid",
        "garbage",
    ],
)
def test_bad_tokens_are_403(stack, uploaded, variant: str) -> None:
    path = _path(uploaded)
    now = int(time.time())
    good = stack.kms_token(stack.download_claims(path))
    head, body, signature = good.split(".")
    tokens = {
        "tampered_signature": f"{head}.{body}.{signature[:-6]}AAAAAA",
        "tampered_claims": f"{head}.{b64url(json.dumps(stack.download_claims(path, sub='x')).encode())}.{signature}",
        "expired": stack.kms_token(stack.download_claims(path, iat=now - 3600, exp=now - 600)),
        "not_yet_valid": stack.kms_token(stack.download_claims(path, nbf=now + 600)),
        "wrong_audience": stack.kms_token(stack.download_claims(path, aud="someone-else")),
        "wrong_issuer": stack.kms_token(stack.download_claims(path, iss="https://evil.example")),
        "other_path": stack.kms_token(stack.download_claims(path.rsplit("/", 1)[0] + "/other.png")),
        "alg_none": f"{b64url(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{body}.",
        "alg_hs256": stack.kms_token(stack.download_claims(path), header={"alg": "HS256"}),
        "unknown_kid": stack.kms_token(stack.download_claims(path), header={"kid": "not-a-key"}),
        "garbage": "not.a.token",
    }
    response = requests.get(f"{stack.cdn}{path}?authorization={tokens[variant]}", timeout=15)
    assert response.status_code == 403, variant


def test_a_token_for_one_object_opens_no_other(stack, uploaded, other) -> None:
    response = requests.get(f"{stack.cdn}/{other['key']}?authorization={uploaded['token']}", timeout=15)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "template",
    [
        "{dir}/../../{other}",
        "{dir}/%2e%2e/%2e%2e/{other}",
        "{dir}/%2E%2E/..%2F{other}",
        "{dir}/..%2f{other_name}",
        "{dir}/%252e%252e/%252e%252e/{other}",
        "{dir}/./{name}",
        "{dir}//{name}",
        "{dir}\\..\\{other_name}",
        "{dir}/{name}%00.png",
    ],
)
def test_traversal_variants_are_403(stack, uploaded, other, template: str) -> None:
    """The token is valid for its own path; none of these URIs is that path, whatever S3 would make of it."""
    directory, name = _path(uploaded).rsplit("/", 1)
    other_name = other["key"].rsplit("/", 1)[1]
    uri = template.format(dir=directory, name=name, other=other["key"], other_name=other_name)
    status, _, _ = raw_get(f"{stack.cdn}{uri}?authorization={uploaded['token']}")
    assert status == 403, uri


def test_options_needs_no_token(stack, uploaded) -> None:
    headers = {"Origin": stack.env["ALLOWED_ORIGINS"].split(",")[0], "Access-Control-Request-Method": "GET"}
    response = requests.options(f"{stack.cdn}{_path(uploaded)}", headers=headers, timeout=15)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == headers["Origin"]


def test_the_token_never_reaches_the_origin(stack, uploaded) -> None:
    token = uploaded["token"]
    url = f"{stack.cdn}{_path(uploaded)}"
    responses = [
        requests.get(f"{url}?authorization={quote(token)}&size=large", timeout=15),
        requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=15),
        requests.get(url, cookies={"cdn_token": token}, timeout=15),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200]
    query, header, cookie = (stack.forwarded_for(r) for r in responses)
    # The edge itself strips the query parameter and the Authorization header...
    for record in (query, header):
        assert token not in json.dumps(record["edge_output"])
    assert query["edge_output"]["querystring"] == "size=large"  # other parameters are left alone
    # ...and cookies are never forwarded (cookie_behavior "none" in the planned policies).
    for record in (query, header, cookie):
        assert token not in json.dumps(record["to_origin"])
        assert record["to_origin"]["uri"] == _path(uploaded)
