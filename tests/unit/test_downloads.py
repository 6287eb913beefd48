"""POST /downloads: who may get a token for which key, and what the token is."""

import time
from datetime import UTC, datetime

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from lambda_testkit import (
    DOWNLOAD_AUDIENCE,
    DOWNLOAD_ISSUER,
    ORIGIN,
    SHA256,
    TABLE,
    UPLOAD_TABLE,
    api_event,
    body_of,
    make_token,
    owner_segment,
    put_upload_record,
)

OBJECT_ID = "0123456789abcdef0123456789abcdef"
BOB_OBJECT_ID = "fedcba9876543210fedcba9876543210"


def key_of(sub, ext=".png"):
    return f"uploads/{owner_segment(sub)}/{OBJECT_ID if sub != 'bob' else BOB_OBJECT_ID}{ext}"


def put_record(aws, sub, *, verification="ready", reason=None, object_id=None):
    put_upload_record(aws.dynamodb, key_of(sub), sub, verification=verification, reason=reason, upload_id=object_id)


@pytest.fixture(autouse=True)
def ready_uploads(aws):
    """alice's and bob's uploads, both verified and published."""
    put_record(aws, "alice")
    put_record(aws, "bob")


def public_key(aws):
    return serialization.load_pem_public_key(aws.public_pem.encode())


def test_owner_gets_a_kms_signed_path_scoped_token(api):
    key = key_of("alice")
    response = api(api_event("/downloads", {"key": key}, token=make_token(sub="alice")))
    assert response["statusCode"] == 200
    body = body_of(response)
    token = body["token"]
    assert body["url"] == f"https://d111111abcdef8.cloudfront.net/{key}?authorization={token}"
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS256", "typ": "JWT", "kid": api.aws.key_id}
    claims = jwt.decode(
        token, public_key(api.aws), algorithms=["RS256"], audience=DOWNLOAD_AUDIENCE, issuer=DOWNLOAD_ISSUER
    )
    assert claims["path"] == "/" + key
    assert claims["sub"] == "alice"
    assert claims["exp"] - claims["iat"] == 900
    assert body["expires_at"].endswith("Z")
    assert (body["sha256"], body["checksum_type"]) == (SHA256, "FULL_OBJECT")


@pytest.mark.parametrize("verification", ["pending", None])
def test_an_unverified_upload_is_409_not_ready(api, verification):
    if verification is None:
        api.aws.dynamodb.delete_item(TableName=UPLOAD_TABLE, Key={"upload_id": {"S": OBJECT_ID}})
    else:
        put_record(api.aws, "alice", verification=verification)
    response = api(api_event("/downloads", {"key": key_of("alice")}, token=make_token(sub="alice")))
    assert (response["statusCode"], body_of(response)["error"]["code"]) == (409, "not_ready")
    assert body_of(response)["error"]["message"] == "The upload has not been verified yet; retry after it is ready."
    assert "token" not in body_of(response)


def test_a_rejected_upload_is_409_upload_rejected_naming_the_reason(api):
    put_record(api.aws, "alice", verification="rejected", reason="type_mismatch")
    response = api(api_event("/downloads", {"key": key_of("alice")}, token=make_token(sub="alice")))
    assert (response["statusCode"], body_of(response)["error"]["code"]) == (409, "upload_rejected")
    assert "type_mismatch" in body_of(response)["error"]["message"]
    assert "token" not in body_of(response)


def test_a_record_for_another_key_with_the_same_id_is_not_ready(api):
    """The record's own key must be the one asked for (the id alone is not enough)."""
    put_record(api.aws, "bob", object_id=OBJECT_ID)
    response = api(api_event("/downloads", {"key": key_of("alice")}, token=make_token(sub="alice")))
    assert (response["statusCode"], body_of(response)["error"]["code"]) == (409, "not_ready")


def test_the_owner_rule_comes_before_the_record_lookup(api):
    """Someone else's key answers 403 whether or not it is ready: the 409 reveals nothing."""
    api.aws.dynamodb.delete_item(TableName=UPLOAD_TABLE, Key={"upload_id": {"S": BOB_OBJECT_ID}})
    response = api(api_event("/downloads", {"key": key_of("bob")}, token=make_token(sub="alice")))
    assert response["statusCode"] == 403


def test_not_ready_answers_count_against_the_rate_limit(api):
    put_record(api.aws, "alice", verification="pending")
    alice = make_token(sub="alice")
    for _ in range(5):
        assert api(api_event("/downloads", {"key": key_of("alice")}, token=alice))["statusCode"] == 409
    assert api(api_event("/downloads", {"key": key_of("alice")}, token=alice))["statusCode"] == 429


def test_signature_is_by_the_kms_key_not_another(api):
    body = body_of(api(api_event("/downloads", {"key": key_of("alice")}, token=make_token(sub="alice"))))
    other = api.aws.kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    der = api.aws.kms.get_public_key(KeyId=other)["PublicKey"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            body["token"], serialization.load_der_public_key(der), algorithms=["RS256"], audience=DOWNLOAD_AUDIENCE
        )


def test_signing_key_given_as_bare_key_id(api):
    api.configure(SIGNING_KEY_ID=api.aws.key_id)
    body = body_of(api(api_event("/downloads", {"key": key_of("alice")}, token=make_token(sub="alice"))))
    assert jwt.get_unverified_header(body["token"])["kid"] == api.aws.key_id


def test_signing_key_alias_is_a_configuration_error(api):
    api.configure(SIGNING_KEY_ID="alias/downloads")
    response = api(api_event("/downloads", {"key": key_of("alice")}, token=make_token(sub="alice")))
    assert response["statusCode"] == 500


def test_other_users_key_is_forbidden_in_owner_mode(api):
    response = api(api_event("/downloads", {"key": key_of("bob")}, token=make_token(sub="alice")))
    assert response["statusCode"] == 403
    assert body_of(response)["error"]["code"] == "forbidden"
    assert "token" not in body_of(response)


def test_any_authenticated_user_in_authenticated_mode(api):
    api.configure(DOWNLOAD_ACCESS="authenticated")
    response = api(api_event("/downloads", {"key": key_of("bob")}, token=make_token(sub="alice")))
    assert response["statusCode"] == 200
    assert jwt.decode(body_of(response)["token"], options={"verify_signature": False})["sub"] == "alice"


def test_unauthenticated_download_request_is_401(api):
    response = api(api_event("/downloads", {"key": key_of("alice")}))
    assert response["statusCode"] == 401
    assert dict(response["multiValueHeaders"])["Access-Control-Allow-Origin"] == [ORIGIN]


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        123,
        "uploads/../secret.png",
        f"uploads/{owner_segment('alice')}/../{OBJECT_ID}.png",
        f"private/{owner_segment('alice')}/{OBJECT_ID}.png",
        f"/uploads/{owner_segment('alice')}/{OBJECT_ID}.png",
        f"uploads/{owner_segment('alice')}/{OBJECT_ID}.png?x=1",
    ],
)
def test_keys_the_api_could_not_have_made_are_400(api, key):
    response = api(api_event("/downloads", {"key": key}, token=make_token(sub="alice")))
    assert response["statusCode"] == 400


def test_missing_key_field_is_400(api):
    assert api(api_event("/downloads", {}, token=make_token()))["statusCode"] == 400


def test_a_missing_kms_key_is_misconfigured_not_retry_later(api, caplog):
    api.configure(SIGNING_KEY_ID="11111111-2222-3333-4444-555555555555")
    response = api(api_event("/downloads", {"key": key_of("alice")}, token=make_token(sub="alice")))
    assert response["statusCode"] == 500
    assert body_of(response)["error"]["code"] == "misconfigured"
    assert "kms_NotFoundException" in [getattr(record, "reason", None) for record in caplog.records]


def test_an_unreachable_kms_is_503_with_retry_after(api, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:9")
    api.configure()
    response = api(api_event("/downloads", {"key": key_of("alice")}, token=make_token(sub="alice")))
    assert response["statusCode"] == 503
    assert response["multiValueHeaders"]["Retry-After"] == ["5"]


def test_downloads_are_rate_limited_per_user(api):
    """Each download token is a KMS Sign: 5 per window (the test limit), the 6th is 429."""
    alice = make_token(sub="alice")
    for _ in range(5):
        assert api(api_event("/downloads", {"key": key_of("alice")}, token=alice))["statusCode"] == 200
    limited = api(api_event("/downloads", {"key": key_of("alice")}, token=alice))
    assert (limited["statusCode"], body_of(limited)["error"]["code"]) == (429, "rate_limited")
    bob = make_token(sub="bob")
    assert api(api_event("/downloads", {"key": key_of("bob")}, token=bob))["statusCode"] == 200


# -- found by mutation testing (make mutation) --------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "bad_request"),
        ([key_of("alice")], 400, "bad_request"),
        ({"key": "uploads/../secret.png"}, 400, "bad_request"),
        ({"key": key_of("bob")}, 403, "forbidden"),
    ],
    ids=["no key field", "not an object", "not an upload key", "another user's key"],
)
def test_each_refusal_has_its_code_and_a_human_message(api, body, status, code):
    response = api(api_event("/downloads", body, token=make_token(sub="alice")))
    error = body_of(response)["error"]
    assert (response["statusCode"], error["code"]) == (status, code)
    assert isinstance(error["message"], str) and error["message"].strip()


def test_the_minted_log_line_names_the_path_and_never_the_token(api, caplog):
    key = key_of("alice")
    response = api(api_event("/downloads", {"key": key}, token=make_token(sub="alice")))
    token = body_of(response)["token"]
    minted = [record for record in caplog.records if record.getMessage() == "download token minted"]
    assert len(minted) == 1
    assert minted[0].path == f"https://d111111abcdef8.cloudfront.net/{key}"
    assert all(token not in record.getMessage() + str(record.__dict__) for record in caplog.records)


def test_expires_at_is_the_tokens_exp_in_utc_whatever_the_local_zone(api, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        response = api(api_event("/downloads", {"key": key_of("alice")}, token=make_token(sub="alice")))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    body = body_of(response)
    exp = jwt.decode(body["token"], options={"verify_signature": False})["exp"]
    assert body["expires_at"] == datetime.fromtimestamp(exp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_download_counts_against_the_callers_downloads_allowance(api):
    """One counter item per route and user ("downloads#<sub>"), apart from the uploads one."""
    assert api(api_event("/downloads", {"key": key_of("alice")}, token=make_token(sub="alice")))["statusCode"] == 200
    items = api.aws.dynamodb.scan(TableName=TABLE)["Items"]
    assert [item["pk"]["S"] for item in items] == ["downloads#alice"]
    assert [value for name, value in items[0].items() if name.startswith("b")] == [{"N": "1"}]
