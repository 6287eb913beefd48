"""POST /uploads and the API's cross-cutting behaviour (auth, CORS, errors, rate limit)."""

import base64
import json
import time

import pytest
from lambda_testkit import BUCKET, ORIGIN, USER_AUDIENCE, api_event, body_of, ec_key, make_token, owner_segment

from objectkeys import parse_key

GOOD = {
    "content_type": "image/png",
    "size": 1234,
    "filename": "holiday.png",
    "sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
}


def header(response, name):
    headers = {k.lower(): v for k, v in response.get("multiValueHeaders", {}).items()}
    values = headers.get(name.lower())
    return values[0] if values else None


def test_presigned_post_binds_key_type_and_size(api):
    response = api(api_event("/uploads", GOOD, token=make_token(sub="alice")))
    assert response["statusCode"] == 201
    body = body_of(response)
    assert body["method"] == "POST"
    parsed = parse_key(body["key"], "uploads/")
    assert parsed is not None and parsed.owner == owner_segment("alice") and parsed.extension == ".png"
    # The bytes go to quarantine; `key` is where the verifier publishes them (same owner and id).
    assert body["upload_key"] == "quarantine/" + body["key"].removeprefix("uploads/")
    assert body["fields"]["key"] == body["upload_key"]
    assert body["fields"]["Content-Type"] == "image/png"
    policy = json.loads(base64.b64decode(body["fields"]["policy"]))
    conditions = policy["conditions"]
    assert {"key": body["upload_key"]} in conditions
    assert {"key": body["key"]} not in conditions
    assert {"bucket": BUCKET} in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, 1234] in conditions
    assert body["max_size"] == 1234
    assert body["expires_at"].endswith("Z")
    assert header(response, "Cache-Control") == "no-store"


def test_presigned_put_signs_content_type_length_and_write_once(api):
    response = api(api_event("/uploads", {**GOOD, "method": "PUT"}, token=make_token()))
    assert response["statusCode"] == 201
    body = body_of(response)
    assert body["method"] == "PUT"
    assert body["headers"] == {
        "Content-Type": "image/png",
        "Content-Length": "1234",
        "If-None-Match": "*",
        "x-amz-checksum-sha256": GOOD["sha256"],
    }
    assert (
        "X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bif-none-match%3Bx-amz-checksum-sha256&"
        in body["url"]
    )
    assert "X-Amz-Expires=300" in body["url"]


def test_the_filename_never_chooses_the_key(api):
    body = body_of(api(api_event("/uploads", {**GOOD, "filename": "../../etc/passwd.png"}, token=make_token())))
    assert "passwd" not in body["key"] and ".." not in body["key"]
    jpeg = body_of(
        api(api_event("/uploads", {**GOOD, "content_type": "image/jpeg", "filename": "x.JPEG"}, token=make_token()))
    )
    assert jpeg["key"].endswith(".jpeg")
    spoofed = body_of(api(api_event("/uploads", {**GOOD, "filename": "evil.html"}, token=make_token())))
    assert spoofed["key"].endswith(".png")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({**GOOD, "content_type": "text/html"}, 415, "unsupported_media_type"),
        ({**GOOD, "size": 10485761, "method": "POST"}, 413, "payload_too_large"),
        ({**GOOD, "size": 10485761, "method": "PUT"}, 413, "payload_too_large"),
        ({**GOOD, "size": 5 * 1024**3 + 1, "method": "MULTIPART"}, 413, "payload_too_large"),
        ({**GOOD, "sha256": None}, 400, "checksum_required"),
        ({**GOOD, "sha256": "abc"}, 400, "invalid_checksum"),
        ({**GOOD, "size": 0}, 400, "bad_request"),
        ({**GOOD, "size": "12"}, 400, "bad_request"),
        ({**GOOD, "size": True}, 400, "bad_request"),
        ({**GOOD, "method": "GET"}, 400, "bad_request"),
        ({**GOOD, "filename": "x" * 300}, 400, "bad_request"),
        ({"size": 12}, 400, "bad_request"),
        ([1, 2], 400, "bad_request"),
    ],
)
def test_invalid_upload_requests(api, body, status, code):
    response = api(api_event("/uploads", body, token=make_token()))
    assert response["statusCode"] == status
    assert body_of(response) == {"error": {"code": code, "message": body_of(response)["error"]["message"]}}
    assert header(response, "Access-Control-Allow-Origin") == ORIGIN


def test_max_size_is_accepted(api):
    assert api(api_event("/uploads", {**GOOD, "size": 10485760}, token=make_token()))["statusCode"] == 201


def test_body_that_is_not_json_or_too_large(api):
    assert api(api_event("/uploads", raw_body="{nope", token=make_token()))["statusCode"] == 400
    assert api(api_event("/uploads", raw_body=" " * 20000, token=make_token()))["statusCode"] == 413


def test_base64_encoded_body_is_understood(api):
    event = api_event("/uploads", raw_body=base64.b64encode(json.dumps(GOOD).encode()).decode(), token=make_token())
    event["isBase64Encoded"] = True
    assert api(event)["statusCode"] == 201


def test_es256_user_tokens_are_accepted(api):
    token = make_token(key=ec_key("user-ec"), kid="user-ec", alg="ES256")
    assert api(api_event("/uploads", GOOD, token=token))["statusCode"] == 201


def test_algorithms_outside_the_allow_list_are_refused(api):
    api.configure(USER_JWT_ALGORITHMS="RS256")
    token = make_token(key=ec_key("user-ec"), kid="user-ec", alg="ES256")
    assert api(api_event("/uploads", GOOD, token=token))["statusCode"] == 401


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer not.a.jwt", "Token abc"]
)
def test_missing_or_malformed_authorization_is_401(api, authorization):
    response = api(api_event("/uploads", GOOD, headers={"Authorization": authorization}))
    assert response["statusCode"] == 401
    assert body_of(response)["error"]["code"] == "unauthorized"
    expected = "Bearer" if not authorization else 'Bearer error="invalid_token"'
    assert header(response, "WWW-Authenticate") == expected
    assert header(response, "Access-Control-Allow-Origin") == ORIGIN


def test_lowercase_authorization_header_works(api):
    event = api_event("/uploads", GOOD, headers={"authorization": f"Bearer {make_token()}"})
    assert api(event)["statusCode"] == 201


def test_rate_limit_per_user_with_retry_after(api):
    alice, bob = make_token(sub="alice"), make_token(sub="bob")
    for _ in range(5):
        assert api(api_event("/uploads", GOOD, token=alice))["statusCode"] == 201
    limited = api(api_event("/uploads", GOOD, token=alice))
    assert limited["statusCode"] == 429
    assert body_of(limited)["error"]["code"] == "rate_limited"
    assert 1 <= int(header(limited, "Retry-After")) <= 60 + 6  # the window plus one bucket (W/10)
    assert header(limited, "Access-Control-Allow-Origin") == ORIGIN
    # Another user has an allowance of their own.
    assert api(api_event("/uploads", GOOD, token=bob))["statusCode"] == 201


def test_rate_limit_items_expire_via_ttl(api):
    api(api_event("/uploads", GOOD, token=make_token(sub="carol")))
    items = api.aws.dynamodb.scan(TableName="upload-rate-limit")["Items"]
    (item,) = [i for i in items if i["pk"]["S"] == "uploads#carol"]
    buckets = {name: value for name, value in item.items() if name.startswith("b")}
    assert list(buckets.values()) == [{"N": "1"}]
    assert time.time() < int(item["expires_at"]["N"]) <= time.time() + 60 + 12


def test_a_missing_rate_limit_table_is_misconfigured_not_retry_later(api, caplog):
    api.configure(RATE_LIMIT_TABLE="missing-table")
    response = api(api_event("/uploads", GOOD, token=make_token()))
    assert response["statusCode"] == 500
    assert body_of(response)["error"]["code"] == "misconfigured"
    assert "Retry-After" not in response["multiValueHeaders"]
    assert "dynamodb_ResourceNotFoundException" in [getattr(record, "reason", None) for record in caplog.records]


def test_an_unreachable_rate_limiter_fails_closed_with_503(api, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
    api.configure()
    response = api(api_event("/uploads", GOOD, token=make_token()))
    assert response["statusCode"] == 503
    assert body_of(response)["error"]["code"] == "service_unavailable"
    assert header(response, "Retry-After") == "5"


def test_no_attempt_starts_that_cannot_finish_before_the_function_times_out(api, caplog):
    from lambda_testkit import FakeLambdaContext

    # 3.5 s left: 1 s answering margin + one 3 s attempt do not fit, so DynamoDB is not called.
    response = api(api_event("/uploads", GOOD, token=make_token()), FakeLambdaContext(remaining_ms=3500))
    assert response["statusCode"] == 503
    assert header(response, "Retry-After") == "5"
    assert "dynamodb_deadline" in [getattr(record, "reason", None) for record in caplog.records]
    assert (
        api(api_event("/uploads", GOOD, token=make_token()), FakeLambdaContext(remaining_ms=4500))["statusCode"] == 201
    )


def test_cors_preflight_for_allowed_origin(api):
    response = api(api_event("/uploads", method="OPTIONS", headers={"Access-Control-Request-Method": "POST"}))
    assert response["statusCode"] == 204
    assert header(response, "Access-Control-Allow-Origin") == ORIGIN
    assert "POST" in header(response, "Access-Control-Allow-Methods")
    assert "Authorization" in header(response, "Access-Control-Allow-Headers")


def test_cors_headers_only_for_configured_origins(api):
    response = api(api_event("/uploads", GOOD, token=make_token(), headers={"Origin": "https://evil.example"}))
    assert response["statusCode"] == 201
    assert header(response, "Access-Control-Allow-Origin") is None
    preflight = api(api_event("/uploads", method="OPTIONS", headers={"Origin": "https://evil.example"}))
    assert header(preflight, "Access-Control-Allow-Origin") is None


def test_unknown_route_is_404_and_wrong_method_is_405(api):
    missing = api(api_event("/nope", GOOD, token=make_token()))
    assert missing["statusCode"] == 404
    assert body_of(missing)["error"]["code"] == "not_found"
    wrong = api(api_event("/uploads", method="GET", token=make_token()))
    assert wrong["statusCode"] == 405
    assert body_of(wrong)["error"]["code"] == "method_not_allowed"
    assert header(wrong, "Allow") == "POST, OPTIONS"
    assert header(wrong, "Access-Control-Allow-Origin") == ORIGIN


def test_misconfiguration_is_a_500_without_details(api, monkeypatch):
    monkeypatch.delenv("BUCKET_NAME")
    api.configure(BUCKET_NAME="")
    response = api(api_event("/uploads", GOOD, token=make_token()))
    assert response["statusCode"] == 500
    assert body_of(response)["error"]["code"] == "misconfigured"
    assert "BUCKET_NAME" not in response["body"]


def test_unexpected_errors_are_500_without_stack_trace(api, monkeypatch, capsys):
    import upload_api.uploads

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals /var/task/upload_api/x.py")

    monkeypatch.setattr(upload_api.uploads, "create_upload", boom)
    response = api(api_event("/uploads", GOOD, token=make_token()))
    assert response["statusCode"] == 500
    assert body_of(response) == {"error": {"code": "internal_error", "message": "Internal error."}}
    assert header(response, "Access-Control-Allow-Origin") == ORIGIN
    assert "secret internals" not in capsys.readouterr().out


def test_tokens_never_reach_the_logs(api, capsys):
    token = make_token()
    api(api_event("/uploads", GOOD, token=token))
    api(api_event("/uploads", GOOD, token=token + "x"))
    api(api_event("/uploads", GOOD, token=make_token(audience="other")))
    for _ in range(6):
        api(api_event("/uploads", GOOD, token=token))
    logs = capsys.readouterr()
    signature = token.rsplit(".", 1)[1]
    assert signature not in logs.out and signature not in logs.err
    assert token.split(".")[1] not in logs.out


def test_wrong_audience_is_401(api):
    assert api(api_event("/uploads", GOOD, token=make_token(audience=USER_AUDIENCE + "x")))["statusCode"] == 401


def test_cold_start_failure_outside_config_is_a_500(api, monkeypatch):
    import upload_api.handler

    def no_region():
        raise RuntimeError("botocore.exceptions.NoRegionError")

    monkeypatch.setattr(upload_api.handler, "services_from_env", no_region)
    upload_api.handler.reset()
    response = api(api_event("/uploads", GOOD, token=make_token()))
    assert response["statusCode"] == 500
    assert body_of(response)["error"]["code"] == "misconfigured"


def test_powertools_debug_mode_cannot_leak_tokens_or_traces(api, monkeypatch, capsys):
    import upload_api.uploads

    monkeypatch.setenv("POWERTOOLS_DEV", "true")
    monkeypatch.setenv("POWERTOOLS_EVENT_HANDLER_DEBUG", "true")
    api.configure()

    def boom(*args, **kwargs):
        raise RuntimeError("internals")

    monkeypatch.setattr(upload_api.uploads, "create_upload", boom)
    token = make_token()
    response = api(api_event("/uploads", GOOD, token=token))
    assert response["statusCode"] == 500
    assert "Traceback" not in response["body"]
    out = capsys.readouterr()
    assert token.split(".")[2] not in out.out + out.err
