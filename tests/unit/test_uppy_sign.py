"""Issue 17 on moto: POST /uppy/sign, the server side of Uppy's `signRequest` (@uppy/aws-s3 6.x).
Every refusal next to its positive control."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.exceptions import ClientError
from lambda_testkit import BUCKET, UPLOAD_TABLE, api_environment, api_event, body_of, make_token, owner_segment

from objectkeys import parse_key
from upload_api.config import from_env as config_from_env
from upload_api.errors import ServiceUnavailableError, UploadNotFoundError
from upload_api.records import UploadRecords
from upload_api.uppy import bind_s3_upload

MIB = 1024 * 1024
UPPY_KEY = "9b2c-4d1e-holiday photo.PNG"  # Uppy's default proposal: "<uuid>-<file name>"


def sign(api: Any, request: Any, *, sub: str = "alice") -> tuple[int, Any]:
    response = api(api_event("/uppy/sign", request, token=make_token(sub=sub)))
    return response["statusCode"], body_of(response) if response.get("body") else None


def record_of(api: Any, upload_id: str) -> dict[str, Any]:
    item = api.aws.dynamodb.get_item(TableName=UPLOAD_TABLE, Key={"upload_id": {"S": upload_id}})["Item"]
    return dict(item)


def create(api: Any, *, sub: str = "alice", key: str = UPPY_KEY) -> tuple[dict[str, Any], str]:
    """Sign a CreateMultipartUpload, then create it in moto as the browser would (moto does
    not serve presigned URLs over HTTP): the signed answer and S3's upload id."""
    status, signed = sign(api, {"method": "POST", "key": key}, sub=sub)
    assert status == 200, signed
    created = api.aws.s3.create_multipart_upload(Bucket=BUCKET, Key=signed["key"], ContentType="image/png")
    return signed, created["UploadId"]


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


# --- PutObject: a POST policy under the caller's quarantine prefix ------------------------


def test_put_object_becomes_a_post_policy_binding_key_type_and_size(api):
    status, signed = sign(api, {"method": "PUT", "key": UPPY_KEY, "contentType": "image/png"})
    assert status == 200, signed
    key = parse_key(signed["key"], "quarantine/")
    assert key is not None and key.owner == owner_segment("alice") and key.extension == ".png"
    assert signed["fields"]["key"] == signed["key"] and signed["fields"]["Content-Type"] == "image/png"
    assert signed["published_key"] == f"uploads/{key.owner}/{key.object_id}.png"
    assert signed["upload_id"] == key.object_id
    conditions = json.loads(base64.b64decode(signed["fields"]["policy"]))["conditions"]
    assert {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, 10 * MIB] in conditions  # MAX_UPLOAD_BYTES of the test env
    assert {"key": signed["key"]} in conditions
    record = record_of(api, key.object_id)
    assert record["method"]["S"] == "UPPY_POST" and record["owner"]["S"] == "alice"
    assert record["upload_key"]["S"] == signed["key"] and record["key"]["S"] == signed["published_key"]
    assert record["size"]["N"] == str(10 * MIB) and record["verification"]["S"] == "pending"


def test_the_size_cap_is_the_configured_maximum(api):
    api.configure(MAX_UPLOAD_BYTES="1000", MULTIPART_THRESHOLD_BYTES="1000")
    status, signed = sign(api, {"method": "PUT", "key": UPPY_KEY, "contentType": "image/png"})
    conditions = json.loads(base64.b64decode(signed["fields"]["policy"]))["conditions"]
    assert status == 200 and ["content-length-range", 1, 1000] in conditions


@pytest.mark.parametrize(
    "proposed",
    [
        "uploads/bWFsbG9yeQ/" + "a" * 32 + ".png",
        "quarantine/bWFsbG9yeQ/" + "a" * 32 + ".png",
        "../../etc/x.png",
        "x.png",
    ],
)
def test_a_proposed_key_is_ignored_the_servers_key_wins(api, proposed):
    status, signed = sign(api, {"method": "PUT", "key": proposed, "contentType": "image/png"})
    assert status == 200
    assert signed["key"] != proposed and signed["key"].startswith(f"quarantine/{owner_segment('alice')}/")
    assert parse_key(signed["key"], "quarantine/") is not None


def test_a_content_type_that_is_not_allowed_is_415_and_stores_nothing(api):
    before = api.aws.dynamodb.scan(TableName=UPLOAD_TABLE)["Count"]
    for content_type in ("text/html", "application/octet-stream", "image/svg+xml"):
        status, body = sign(api, {"method": "PUT", "key": "a.png", "contentType": content_type})
        assert (status, body["error"]["code"]) == (415, "unsupported_media_type"), content_type
    assert api.aws.dynamodb.scan(TableName=UPLOAD_TABLE)["Count"] == before
    assert sign(api, {"method": "PUT", "key": "a.png", "contentType": "IMAGE/JPEG"})[0] == 200  # positive control


def test_the_extension_follows_the_type_not_the_proposed_name(api):
    status, signed = sign(api, {"method": "PUT", "key": "photo.html", "contentType": "image/jpeg"})
    assert status == 200 and signed["key"].endswith(".jpg")


# --- request types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_body",
    [
        {"method": "DELETE", "key": "a.png"},  # DeleteObject: Uppy's uploader never needs it
        {"method": "PATCH", "key": "a.png"},
        {"method": "HEAD", "key": "a.png", "uploadId": "x"},
        {"key": "a.png"},
        {"method": "PUT"},
        {"method": "PUT", "key": ""},
        {"method": "PUT", "key": "a.png", "contentType": 5},
        {"method": "PUT", "key": "a.png", "contentType": "image/png", "expiresIn": 0},
        {"method": "PUT", "key": "a.png", "contentType": "image/png", "partNumber": 1},
        [],
        "PUT",
    ],
)
def test_an_unknown_or_malformed_request_is_400(api, request_body):
    status, body = sign(api, request_body)
    assert (status, body["error"]["code"]) == (400, "bad_request")


def test_an_expires_in_shortens_the_url_but_never_lengthens_it(api):
    _, short = sign(api, {"method": "PUT", "key": "a.png", "contentType": "image/png", "expiresIn": 60})
    _, long = sign(api, {"method": "POST", "key": "a.png", "expiresIn": 86_400})
    expiration = json.loads(base64.b64decode(short["fields"]["policy"]))["expiration"]
    left = datetime.fromisoformat(expiration.replace("Z", "+00:00")).timestamp() - time.time()
    assert 50 < left <= 61, left
    assert query(long["url"])["X-Amz-Expires"] == ["300"]  # PRESIGN_EXPIRES_SECONDS of the test env


def test_without_a_token_nothing_is_signed(api):
    response = api(api_event("/uppy/sign", {"method": "PUT", "key": "a.png", "contentType": "image/png"}))
    assert response["statusCode"] == 401
    assert api(api_event("/uppy/sign", method="GET", token=make_token()))["statusCode"] == 405


# --- multipart -------------------------------------------------------------------------------


def test_create_binds_the_type_named_by_the_extension_and_records_the_maximum(api):
    signed, _ = create(api)
    key = parse_key(signed["key"], "quarantine/")
    assert key is not None and key.extension == ".png" and signed["headers"] == {"Content-Type": "image/png"}
    url = query(signed["url"])
    assert "uploads" in url and "content-type" in url["X-Amz-SignedHeaders"][0].split(";")
    record = record_of(api, key.object_id)
    assert record["method"]["S"] == "UPPY_MULTIPART" and record["state"]["S"] == "awaiting_upload"
    # MAX_OBJECT_BYTES is unset in the test env: its default, 5 GiB.
    assert record["size"]["N"] == str(5 * 1024**3) and "s3_upload_id" not in record


def test_create_refuses_an_extension_that_names_no_allowed_type(api):
    for proposed in ("movie.mp4", "page.html", "noextension"):
        status, body = sign(api, {"method": "POST", "key": proposed})
        assert (status, body["error"]["code"]) == (415, "unsupported_media_type"), proposed
    assert sign(api, {"method": "POST", "key": "x.JPEG"})[0] == 200


def test_parts_list_complete_and_abort_are_signed_for_the_recorded_key_and_upload(api):
    signed, upload_id = create(api)
    key = signed["key"]
    status, part = sign(api, {"method": "PUT", "key": key, "uploadId": upload_id, "partNumber": 3})
    assert status == 200 and part["key"] == key
    assert urlsplit(part["url"]).path.endswith(key) and query(part["url"])["partNumber"] == ["3"]
    assert query(part["url"])["uploadId"] == [upload_id]
    record = record_of(api, signed["upload_id"])
    assert record["s3_upload_id"]["S"] == upload_id and record["state"]["S"] == "uploading"
    for method in ("GET", "POST"):
        status, answer = sign(api, {"method": method, "key": key, "uploadId": upload_id})
        assert status == 200 and query(answer["url"])["uploadId"] == [upload_id], method
    status, aborted = sign(api, {"method": "DELETE", "key": key, "uploadId": upload_id})
    assert status == 200 and query(aborted["url"])["uploadId"] == [upload_id]
    status, body = sign(api, {"method": "PUT", "key": key, "uploadId": upload_id, "partNumber": 4})
    assert (status, body["error"]["code"]) == (410, "upload_aborted")


def test_another_users_upload_id_is_404(api):
    alices, alices_upload = create(api)
    mallorys, mallorys_upload = create(api, sub="mallory")
    step = {"method": "PUT", "partNumber": 1}
    # Alice's key and upload id, presented by Mallory: refused as if unknown.
    for method in ("PUT", "GET", "POST", "DELETE"):
        request = {**step, "method": method, "key": alices["key"], "uploadId": alices_upload}
        if method != "PUT":
            del request["partNumber"]
        status, body = sign(api, request, sub="mallory")
        assert (status, body["error"]["code"]) == (404, "upload_not_found"), method
    # Alice's upload id with Mallory's own key: S3 answers NoSuchUpload (moto does not tie ids
    # to keys: test_an_upload_id_s3_does_not_hold_for_the_key_is_never_bound, and the browser
    # test against LocalStack).
    # Positive controls: each owner with their own.
    assert sign(api, {**step, "key": alices["key"], "uploadId": alices_upload})[0] == 200
    assert sign(api, {**step, "key": mallorys["key"], "uploadId": mallorys_upload}, sub="mallory")[0] == 200


def test_once_bound_only_that_upload_id_is_signed(api):
    signed, upload_id = create(api)
    second = api.aws.s3.create_multipart_upload(Bucket=BUCKET, Key=signed["key"])["UploadId"]
    step = {"method": "PUT", "key": signed["key"], "partNumber": 1}
    assert sign(api, {**step, "uploadId": upload_id})[0] == 200
    status, body = sign(api, {**step, "uploadId": second})
    assert (status, body["error"]["code"]) == (404, "upload_not_found")


def test_a_key_that_is_not_the_records_is_404(api):
    signed, upload_id = create(api)
    key = parse_key(signed["key"], "quarantine/")
    assert key is not None
    step = {"method": "PUT", "partNumber": 1, "uploadId": upload_id}
    for other in (
        signed["published_key"],  # the published prefix: never a target of an upload
        f"quarantine/{key.owner}/{key.object_id}.jpg",  # the same id, another extension
        f"quarantine/{key.owner}/{'0' * 32}.png",  # no record
        "something-else.png",
    ):
        status, body = sign(api, {**step, "key": other})
        assert (status, body["error"]["code"]) == (404, "upload_not_found"), other
    assert sign(api, {**step, "key": signed["key"]})[0] == 200


def test_a_single_upload_is_not_a_multipart_one(api):
    _, put = sign(api, {"method": "PUT", "key": "a.png", "contentType": "image/png"})
    status, body = sign(api, {"method": "PUT", "key": put["key"], "uploadId": "x", "partNumber": 1})
    assert (status, body["error"]["code"]) == (409, "upload_state")


@pytest.mark.parametrize("number", [0, 10_001, "1", True, None])
def test_a_part_number_outside_s3s_range_is_400(api, number):
    signed, upload_id = create(api)
    status, body = sign(api, {"method": "PUT", "key": signed["key"], "uploadId": upload_id, "partNumber": number})
    assert (status, body["error"]["code"]) == (400, "invalid_part_number")


def test_creates_count_against_the_upload_budget_and_parts_against_the_part_budget(api):
    api.configure(RATE_LIMIT_MAX_REQUESTS="2", PART_SIGN_RATE_MAX_REQUESTS="3")
    signed, upload_id = create(api)
    assert sign(api, {"method": "PUT", "key": "a.png", "contentType": "image/png"})[0] == 200
    status, body = sign(api, {"method": "POST", "key": "b.png"})
    assert (status, body["error"]["code"]) == (429, "rate_limited")
    part = {"method": "PUT", "key": signed["key"], "uploadId": upload_id, "partNumber": 1}
    assert [sign(api, part)[0] for _ in range(4)] == [200, 200, 200, 429]


class _S3WithoutThatUpload:
    """S3 as it answers ListParts for an upload id that is not one of this key's."""

    def list_parts(self, **_: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": "NoSuchUpload", "Message": "no"}}, "ListParts")


class _S3Down:
    def list_parts(self, **_: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": "InternalError", "Message": "no"}}, "ListParts")


def test_an_upload_id_s3_does_not_hold_for_the_key_is_never_bound(api):
    signed, upload_id = create(api)
    record = UploadRecords(api.aws.dynamodb, UPLOAD_TABLE).get(signed["upload_id"])
    assert record is not None
    records = UploadRecords(api.aws.dynamodb, UPLOAD_TABLE)
    with pytest.raises(UploadNotFoundError):
        bind_s3_upload(record, upload_id, config_from_env(api_environment(api.aws)), _S3WithoutThatUpload(), records)
    with pytest.raises(ServiceUnavailableError):
        bind_s3_upload(record, upload_id, config_from_env(api_environment(api.aws)), _S3Down(), records)
    assert "s3_upload_id" not in record_of(api, signed["upload_id"])
    bound = bind_s3_upload(record, upload_id, config_from_env(api_environment(api.aws)), api.aws.s3, records)
    assert bound.s3_upload_id == upload_id  # positive control: moto holds it
