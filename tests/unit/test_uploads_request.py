"""POST /uploads in parts: what parse_upload_request accepts (each limit at its edge) and the
clear refusal of everything else, and what create_upload stores and answers (on moto)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from lambda_testkit import BUCKET, UPLOAD_TABLE, api_environment, api_event, body_of, make_token

from upload_api.auth import Principal
from upload_api.config import from_env
from upload_api.errors import (
    ApiError,
    BadRequestError,
    ChecksumRequiredError,
    InvalidChecksumError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from upload_api.records import AWAITING_UPLOAD, UploadRecords
from upload_api.responses import iso
from upload_api.uploads import UploadRequest, create_upload, parse_upload_request

SHA = base64.b64encode(hashlib.sha256(b"file").digest()).decode("ascii")
NOW = 1_800_000_000
LIMITS = {"MAX_UPLOAD_BYTES": "1000", "MULTIPART_THRESHOLD_BYTES": "500", "MAX_OBJECT_BYTES": "5000"}


@pytest.fixture
def config(aws):
    return from_env(api_environment(aws, **LIMITS))


def request(**body: Any) -> dict[str, Any]:
    return {"content_type": "image/png", "size": 10, "sha256": SHA, **body}


def refusal(config: Any, body: object, error: type[ApiError]) -> str:
    with pytest.raises(error) as refused:
        parse_upload_request(body, config)
    assert type(refused.value) is error
    message = refused.value.message
    assert isinstance(message, str) and message.strip()
    return message


# --- parse_upload_request ------------------------------------------------------------------


def test_a_complete_request_is_read_as_sent(config):
    parsed = parse_upload_request(request(size=7, filename="cat.png", method="PUT"), config)
    assert parsed == UploadRequest("image/png", 7, "cat.png", "PUT", SHA)


def test_the_content_type_is_compared_trimmed_and_in_lower_case(config):
    assert parse_upload_request(request(content_type=" Image/PNG "), config).content_type == "image/png"


def test_a_type_outside_the_allow_list_is_415_and_names_the_allowed_ones(config):
    message = refusal(config, request(content_type="text/html"), UnsupportedMediaTypeError)
    assert "image/png" in message and "image/jpeg" in message


@pytest.mark.parametrize("content_type", [None, "", 7])
def test_a_missing_content_type_is_400(config, content_type):
    refusal(config, request(content_type=content_type), BadRequestError)


@pytest.mark.parametrize("body", [[], "x", None, 3])
def test_a_body_that_is_not_an_object_is_400(config, body):
    refusal(config, body, BadRequestError)


@pytest.mark.parametrize("size", [0, -1, True, "10", 1.5, None])
def test_a_size_that_is_not_a_positive_integer_is_400(config, size):
    refusal(config, request(size=size), BadRequestError)


def test_a_size_of_one_byte_is_accepted(config):
    assert parse_upload_request(request(size=1), config).size == 1


def test_a_filename_may_be_absent_or_up_to_255_characters(config):
    assert parse_upload_request(request(), config).filename is None
    assert parse_upload_request(request(filename="f" * 255), config).filename == "f" * 255
    assert "255" in refusal(config, request(filename="f" * 256), BadRequestError)
    refusal(config, request(filename=12), BadRequestError)


def test_without_a_method_the_threshold_chooses_post_or_multipart(config):
    assert parse_upload_request(request(size=500), config).method == "POST"
    assert parse_upload_request(request(size=501), config).method == "MULTIPART"


@pytest.mark.parametrize("method", ["GET", "post", 1, ""])
def test_a_method_other_than_post_put_or_multipart_is_400(config, method):
    refusal(config, request(method=method), BadRequestError)


@pytest.mark.parametrize(("method", "limit"), [("POST", 1000), ("PUT", 1000), ("MULTIPART", 5000)])
def test_each_method_accepts_up_to_its_own_limit(config, method, limit):
    assert parse_upload_request(request(size=limit, method=method), config).size == limit
    message = refusal(config, request(size=limit + 1, method=method), PayloadTooLargeError)
    assert str(limit) in message and method in message


def test_a_checksum_is_required_for_single_uploads_only(config):
    for method in ("POST", "PUT"):
        refusal(config, request(sha256=None, method=method), ChecksumRequiredError)
    assert parse_upload_request(request(sha256=None, method="MULTIPART"), config).sha256 is None


def test_a_deployment_may_make_the_checksum_optional(aws):
    optional = from_env(api_environment(aws, REQUIRE_SHA256="false"))
    assert parse_upload_request(request(sha256=None, method="PUT"), optional).sha256 is None


def test_a_malformed_checksum_is_400_invalid_checksum(config):
    refusal(config, request(sha256="AAAA"), InvalidChecksumError)


# --- create_upload -------------------------------------------------------------------------


def test_a_post_upload_is_recorded_and_answered_with_its_policy(aws, config):
    records = UploadRecords(aws.dynamodb, UPLOAD_TABLE)
    wanted = UploadRequest("image/png", 10, "cat.png", "POST", SHA)
    body = create_upload(wanted, Principal("alice"), config, aws.s3, records, now=NOW)
    record = records.get(body["upload_id"])
    assert record is not None
    assert (record.owner, record.key, record.upload_key, record.method) == (
        "alice",
        body["key"],
        body["upload_key"],
        "POST",
    )
    assert (record.size, record.content_type, record.state, record.sha256) == (10, "image/png", AWAITING_UPLOAD, SHA)
    assert (record.created_at, record.expires_at) == (NOW, NOW + 86_400)
    assert record.upload_id == body["upload_key"].rsplit("/", 1)[1][:32]
    assert set(body) == {
        "upload_id",
        "key",
        "upload_key",
        "method",
        "url",
        "expires_at",
        "max_size",
        "sha256",
        "fields",
    }
    assert (body["method"], body["url"], body["max_size"], body["sha256"]) == (
        "POST",
        f"https://{BUCKET}.s3.amazonaws.com/",
        10,
        SHA,
    )
    assert body["expires_at"] == iso(NOW + 300)
    assert body["fields"]["key"] == body["upload_key"] and body["fields"]["Content-Type"] == "image/png"
    policy = json.loads(base64.b64decode(body["fields"]["policy"]))
    assert ["content-length-range", 1, 10] in policy["conditions"]
    assert ["eq", "$x-amz-checksum-sha256", SHA] in policy["conditions"]


def test_a_put_upload_is_answered_with_its_signed_headers(aws, config):
    records = UploadRecords(aws.dynamodb, UPLOAD_TABLE)
    wanted = UploadRequest("image/jpeg", 9, "cat.jpeg", "PUT", None)
    body = create_upload(wanted, Principal("bob"), config, aws.s3, records, now=NOW)
    assert set(body) == {
        "upload_id",
        "key",
        "upload_key",
        "method",
        "url",
        "expires_at",
        "max_size",
        "sha256",
        "headers",
    }
    assert body["method"] == "PUT" and body["sha256"] is None
    assert body["headers"] == {"Content-Type": "image/jpeg", "Content-Length": "9", "If-None-Match": "*"}
    assert body["key"].endswith(".jpeg") and urlsplit(body["url"]).path == "/" + body["upload_key"]
    assert parse_qs(urlsplit(body["url"]).query)
    record = records.get(body["upload_id"])
    assert record is not None and record.owner == "bob" and record.method == "PUT" and record.sha256 is None


def test_the_route_counts_each_method_and_answers_201(api, caplog):
    token = make_token(sub="carol")
    response = api(api_event("/uploads", request(method="PUT"), token=token))
    assert response["statusCode"] == 201
    body = body_of(response)
    logged = [r for r in caplog.records if r.getMessage() == "upload presigned"]
    assert logged and (logged[-1].key, logged[-1].method, logged[-1].size) == (body["key"], "PUT", 10)
