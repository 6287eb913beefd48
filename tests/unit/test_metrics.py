"""Business metrics: the EMF blobs the handler prints (Powertools Metrics, `log_metrics`).

Each test calls the real handler, captures stdout, keeps the lines that are EMF (a JSON
object with an `_aws` member; the logger's JSON lines have none) and checks namespace, metric
names, units, dimensions and values. The negative: a refusal emits the refusal metric and no
presign metric."""

import json

import pytest
from lambda_testkit import api_event, make_token, put_ready_record

from objectkeys import encode_owner

GOOD = {"content_type": "image/png", "size": 1234, "sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}
NAMESPACE = "Acme/Uploads-test"


def emf_blobs(capsys):
    blobs = []
    for line in capsys.readouterr().out.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "_aws" in record:
            blobs.append(record)
    return blobs


def metrics_of(blob):
    """{metric name: (unit, values, dimension names, namespace)} of one EMF blob (EMF values are lists)."""
    (directive,) = blob["_aws"]["CloudWatchMetrics"]
    (dimensions,) = directive["Dimensions"]
    return {
        m["Name"]: (m["Unit"], blob[m["Name"]], sorted(dimensions), directive["Namespace"])
        for m in directive["Metrics"]
    }


@pytest.fixture
def metered(api, capsys):
    api.configure(POWERTOOLS_METRICS_NAMESPACE=NAMESPACE, POWERTOOLS_SERVICE_NAME="uploads-test")
    capsys.readouterr()  # drop what the cold start printed
    return api


@pytest.mark.parametrize(("method", "kind"), [("POST", "upload_post"), ("PUT", "upload_put")])
def test_a_presigned_upload_counts_one_presign_of_its_kind(metered, capsys, method, kind):
    response = metered(api_event("/uploads", {**GOOD, "method": method}, token=make_token()))
    assert response["statusCode"] == 201
    (blob,) = emf_blobs(capsys)
    assert metrics_of(blob) == {"PresignsIssued": ("Count", [1.0], ["kind", "service"], NAMESPACE)}
    assert blob["kind"] == kind
    assert blob["service"] == "uploads-test"


def test_a_download_token_counts_as_a_download_presign(metered, capsys):
    key = f"uploads/{encode_owner('alice')}/0123456789abcdef0123456789abcdef.png"
    put_ready_record(metered.aws.dynamodb, key, "alice")
    response = metered(api_event("/downloads", {"key": key}, token=make_token(sub="alice")))
    assert response["statusCode"] == 200
    (blob,) = emf_blobs(capsys)
    assert metrics_of(blob) == {"PresignsIssued": ("Count", [1.0], ["kind", "service"], NAMESPACE)}
    assert blob["kind"] == "download_token"


@pytest.mark.parametrize(
    ("event", "status", "code"),
    [
        (
            lambda: api_event("/uploads", {**GOOD, "content_type": "text/html"}, token=make_token()),
            415,
            "unsupported_media_type",
        ),
        (lambda: api_event("/uploads", GOOD), 401, "unauthorized"),
        (lambda: api_event("/uploads", {**GOOD, "size": 0}, token=make_token()), 400, "bad_request"),
        (lambda: api_event("/nowhere", GOOD, token=make_token()), 404, "not_found"),
        (lambda: api_event("/uploads", method="GET", token=make_token()), 405, "method_not_allowed"),
        (
            lambda: api_event(
                "/downloads", {"key": f"uploads/{encode_owner('bob')}/{'0' * 32}.png"}, token=make_token()
            ),
            403,
            "forbidden",
        ),
    ],
)
def test_a_refusal_counts_its_code_and_no_presign(metered, capsys, event, status, code):
    response = metered(event())
    assert response["statusCode"] == status
    blobs = emf_blobs(capsys)
    assert [metrics_of(b) for b in blobs] == [{"Refusals": ("Count", [1.0], ["code", "service"], NAMESPACE)}]
    assert blobs[0]["code"] == code
    assert "PresignsIssued" not in blobs[0]


def test_a_rate_limited_call_counts_a_refusal_and_a_rate_limited_call_by_route(metered, capsys):
    token = make_token(sub="dora")
    for _ in range(5):  # lambda_testkit's RATE_LIMIT_MAX_REQUESTS
        assert metered(api_event("/uploads", GOOD, token=token))["statusCode"] == 201
    capsys.readouterr()
    assert metered(api_event("/uploads", GOOD, token=token))["statusCode"] == 429
    blobs = {name: blob for blob in emf_blobs(capsys) for name in metrics_of(blob)}
    assert set(blobs) == {"Refusals", "RateLimited"}
    assert metrics_of(blobs["Refusals"]) == {"Refusals": ("Count", [1.0], ["code", "service"], NAMESPACE)}
    assert blobs["Refusals"]["code"] == "rate_limited"
    assert metrics_of(blobs["RateLimited"]) == {"RateLimited": ("Count", [1.0], ["route", "service"], NAMESPACE)}
    assert blobs["RateLimited"]["route"] == "uploads"
    assert blobs["RateLimited"]["service"] == "uploads-test"


def test_a_preflight_emits_nothing(metered, capsys):
    response = metered(api_event("/uploads", method="OPTIONS", headers={"Access-Control-Request-Method": "POST"}))
    assert response["statusCode"] == 204
    assert emf_blobs(capsys) == []


def test_metrics_do_not_leak_from_one_invocation_into_the_next(metered, capsys):
    metered(api_event("/uploads", {**GOOD, "content_type": "text/html"}, token=make_token()))
    metered(api_event("/uploads", GOOD, token=make_token()))
    first, second = emf_blobs(capsys)
    assert set(metrics_of(first)) == {"Refusals"} and "kind" not in first
    assert set(metrics_of(second)) == {"PresignsIssued"} and "code" not in second
