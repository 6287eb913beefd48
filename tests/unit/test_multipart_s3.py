"""The multipart module's S3 calls on moto: what S3 holds after a create, the pages and
checksums of ListParts, what a complete sends and records, S3 failing at each step (a 503, and
nothing left behind), and every refusal's answer (a code and a message a person can read).

moto leaves out fields real S3 answers (each part's ChecksumSHA256 in ListParts, the
checksum of CompleteMultipartUpload): those answers come through botocore's own hooks
(tests/unit/aws_seams.py), shaped as S3 documents them."""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any

import boto3
import pytest
from aws_seams import answering, failing, recorded
from botocore.config import Config as BotoConfig
from lambda_testkit import BUCKET, REGION, UPLOAD_TABLE, api_environment, api_event, body_of, make_token

from upload_api.auth import Principal
from upload_api.config import Config, from_env
from upload_api.errors import (
    IncompleteUploadError,
    MisconfiguredError,
    ServiceUnavailableError,
    SizeMismatchError,
    UploadStateError,
)
from upload_api.multipart import (
    MultipartRequest,
    abort_upload,
    check_parts,
    complete_upload,
    create_multipart,
    list_s3_parts,
    open_multipart,
    parts_view,
    sign_parts,
)
from upload_api.records import ABORTED, UPLOADED, UPLOADING, UploadRecord, UploadRecords, to_item
from upload_api.responses import iso

MIB = 1024 * 1024
NOW = 1_800_000_000
STORAGE_DOWN = "Storage unavailable; retry later."
ALICE = Principal("alice")


def b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def config_of(aws: Any, **overrides: str) -> Config:
    return from_env(api_environment(aws, PART_SIZE_BYTES=str(5 * MIB), **overrides))


def records_of(aws: Any) -> UploadRecords:
    return UploadRecords(aws.dynamodb, UPLOAD_TABLE)


def started(aws: Any, size: int, *, sha256: str | None = None, filename: str | None = "big.png") -> UploadRecord:
    """A multipart upload made by create_multipart, as its record stores it."""
    body = create_multipart(
        MultipartRequest("image/png", size, filename, sha256), ALICE, config_of(aws), aws.s3, records_of(aws), now=NOW
    )
    record = records_of(aws).get(body["upload_id"])
    assert record is not None
    return record


def send_parts(aws: Any, record: UploadRecord, data: bytes) -> list[str]:
    """Every part of `data` straight to moto; the parts' SHA-256s."""
    assert record.part_size is not None and record.part_count is not None
    sums = []
    for number in range(1, record.part_count + 1):
        chunk = data[(number - 1) * record.part_size : number * record.part_size]
        sums.append(b64sha(chunk))
        aws.s3.upload_part(
            Bucket=BUCKET,
            Key=record.storage_key,
            UploadId=record.s3_upload_id,
            PartNumber=number,
            Body=chunk,
            ChecksumSHA256=sums[-1],
        )
    return sums


def s3_uploads(aws: Any) -> set[tuple[str, str]]:
    return {(u["Key"], u["UploadId"]) for u in aws.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])}


def call(api: Any, path: str, body: Any = None, *, method: str = "POST") -> tuple[int, Any]:
    response = api(api_event(path, body, method=method, token=make_token(sub="alice")))
    return response["statusCode"], body_of(response) if response.get("body") else None


def refused(api: Any, path: str, body: Any = None, *, method: str = "POST") -> tuple[int, str, str]:
    """A refusal's status, code and message; the message must be prose a person can read."""
    status, answer = call(api, path, body, method=method)
    message = answer["error"]["message"]
    assert isinstance(message, str) and message.strip(), answer
    return status, answer["error"]["code"], message


def created(api: Any, size: int) -> dict[str, Any]:
    status, body = call(api, "/uploads", {"content_type": "image/png", "size": size, "method": "MULTIPART"})
    assert status == 201, body
    return dict(body)


# --- create --------------------------------------------------------------------------------


def test_create_starts_an_sha256_upload_at_the_quarantine_key_and_records_it(aws):
    sha = b64sha(b"whole file")
    uploads_before = s3_uploads(aws)
    with recorded(aws.s3, "CreateMultipartUpload") as creates:
        body = create_multipart(
            MultipartRequest("image/png", 12 * MIB, "photo.png", sha),
            ALICE,
            config_of(aws),
            aws.s3,
            records_of(aws),
            now=NOW,
        )
    record = records_of(aws).get(body["upload_id"])
    assert record is not None
    assert body == {
        "upload_id": record.upload_id,
        "key": record.key,
        "upload_key": record.upload_key,
        "method": "MULTIPART",
        "part_size": 5 * MIB,
        "part_count": 3,
        "max_size": 12 * MIB,
        "expires_at": iso(NOW + 86_400),
    }
    assert record.sha256 == sha and record.state == UPLOADING and record.expires_at == NOW + 86_400
    (new,) = s3_uploads(aws) - uploads_before
    assert new == (record.upload_key, record.s3_upload_id)
    (held,) = [u for u in aws.s3.list_multipart_uploads(Bucket=BUCKET)["Uploads"] if u["Key"] == record.upload_key]
    assert held["ChecksumAlgorithm"] == "SHA256"  # S3 then requires every part's SHA-256
    assert creates == [
        {"Bucket": BUCKET, "Key": record.upload_key, "ContentType": "image/png", "ChecksumAlgorithm": "SHA256"}
    ]


def test_the_completed_object_has_the_declared_type_and_its_sha256(aws):
    record = started(aws, 10)
    send_parts(aws, record, b"0123456789")
    complete_upload(record, config_of(aws), aws.s3, records_of(aws))
    head = aws.s3.head_object(Bucket=BUCKET, Key=record.storage_key, ChecksumMode="ENABLED")
    assert head["ContentType"] == "image/png" and head["ChecksumSHA256"]


def test_the_key_takes_the_filenames_spelling_of_the_types_extension(aws):
    body = create_multipart(
        MultipartRequest("image/jpeg", 10, "holiday.JPEG", None),
        ALICE,
        config_of(aws),
        aws.s3,
        records_of(aws),
        now=NOW,
    )
    assert body["key"].endswith(body["upload_id"] + ".jpeg") and body["upload_key"].endswith(".jpeg")


def test_s3_failing_to_create_is_a_503_and_stores_no_record(aws):
    before = aws.dynamodb.scan(TableName=UPLOAD_TABLE)["Count"]
    with failing(aws.s3, "CreateMultipartUpload", "SlowDown"), pytest.raises(ServiceUnavailableError) as failed:
        create_multipart(
            MultipartRequest("image/png", 10, None, None), ALICE, config_of(aws), aws.s3, records_of(aws), now=NOW
        )
    assert (failed.value.reason, failed.value.message) == ("s3_SlowDown", STORAGE_DOWN)
    assert aws.dynamodb.scan(TableName=UPLOAD_TABLE)["Count"] == before


def test_a_record_that_cannot_be_written_aborts_the_s3_upload_it_was_for(aws):
    uploads_before = s3_uploads(aws)
    broken = UploadRecords(aws.dynamodb, "no-such-upload-table")
    with recorded(aws.s3, "AbortMultipartUpload") as aborts, pytest.raises(MisconfiguredError):
        create_multipart(MultipartRequest("image/png", 10, None, None), ALICE, config_of(aws), aws.s3, broken, now=NOW)
    assert s3_uploads(aws) == uploads_before  # nothing left that no record owns
    assert len(aborts) == 1 and aborts[0]["Bucket"] == BUCKET and aborts[0]["Key"].startswith("quarantine/")


def test_an_abort_that_fails_too_still_answers_the_record_error_and_logs_a_warning(aws, caplog):
    broken = UploadRecords(aws.dynamodb, "no-such-upload-table")
    caplog.set_level(logging.WARNING)
    request = MultipartRequest("image/png", 10, None, None)
    abort_fails = failing(aws.s3, "AbortMultipartUpload", "InternalError", status=500)
    with abort_fails as aborts, pytest.raises(MisconfiguredError) as failed:
        create_multipart(request, ALICE, config_of(aws), aws.s3, broken, now=NOW)
    assert failed.value.reason == "dynamodb_ResourceNotFoundException" and len(aborts) == 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name.endswith("multipart")]
    assert warnings and all(isinstance(r.msg, str) and r.msg.strip() for r in warnings)
    (key,) = {a["Key"] for a in aborts}
    # The lifecycle rule cleans it up; until then S3 still holds it.
    assert key in {k for k, _ in s3_uploads(aws)}


# --- sign ----------------------------------------------------------------------------------


def test_each_signed_part_is_a_put_with_its_headers_and_the_configured_expiry(aws):
    record = started(aws, 12 * MIB)
    shas = [b64sha(b"1"), b64sha(b"3")]
    s3v4 = boto3.client("s3", region_name=REGION, config=BotoConfig(signature_version="s3v4"))  # as the API's
    body = sign_parts(record, [(1, shas[0]), (3, shas[1])], config_of(aws), s3v4, now=NOW)
    first, last = body["parts"]
    assert set(body) == {"parts"}
    assert {k: v for k, v in first.items() if k != "url"} == {
        "part_number": 1,
        "method": "PUT",
        "headers": {"Content-Length": str(5 * MIB), "x-amz-checksum-sha256": shas[0]},
        "expires_at": iso(NOW + 300),
    }
    assert last["part_number"] == 3 and last["headers"]["Content-Length"] == str(2 * MIB)
    assert "X-Amz-Expires=300&" in first["url"] and "partNumber=3" in last["url"]


# --- list ----------------------------------------------------------------------------------


def test_every_page_of_the_parts_is_read_in_part_number_order(aws):
    record = started(aws, 12 * MIB)
    pages = {
        0: {"Parts": [{"PartNumber": 2, "Size": 5 * MIB}, {"PartNumber": 1, "Size": 5 * MIB}], "IsTruncated": True},
        2: {"Parts": [{"PartNumber": 3, "Size": 2 * MIB}], "IsTruncated": False},
    }
    asked: list[dict[str, Any]] = []

    def list_page(params: dict[str, Any]) -> dict[str, Any]:
        asked.append(params)
        page = pages[params["PartNumberMarker"]]
        return {**page, "NextPartNumberMarker": 2} if page["IsTruncated"] else page

    with answering(aws.s3, "ListParts", list_page):
        parts = list_s3_parts(aws.s3, BUCKET, record)
    assert [p["PartNumber"] for p in parts] == [1, 2, 3]
    first = {"Bucket": BUCKET, "Key": record.storage_key, "UploadId": record.s3_upload_id, "MaxParts": 1000}
    assert asked == [{**first, "PartNumberMarker": 0}, {**first, "PartNumberMarker": 2}]


def test_an_upload_s3_no_longer_holds_is_a_409_that_says_so(aws):
    record = started(aws, 10)
    aws.s3.abort_multipart_upload(Bucket=BUCKET, Key=record.storage_key, UploadId=record.s3_upload_id)
    with pytest.raises(UploadStateError) as gone:
        list_s3_parts(aws.s3, BUCKET, record)
    assert isinstance(gone.value.message, str) and "no longer" in gone.value.message


def test_s3_failing_to_list_is_a_503(aws):
    record = started(aws, 10)
    with failing(aws.s3, "ListParts", "SlowDown"), pytest.raises(ServiceUnavailableError) as failed:
        list_s3_parts(aws.s3, BUCKET, record)
    assert (failed.value.reason, failed.value.message) == ("s3_SlowDown", STORAGE_DOWN)


def test_the_parts_view_shows_what_s3_lists_for_each_part():
    record = UploadRecord(
        upload_id="a" * 32,
        owner="alice",
        key="uploads/o/" + "a" * 32 + ".png",
        method="MULTIPART",
        size=15,
        content_type="image/png",
        state=UPLOADING,
        created_at=0,
        part_size=10,
        part_count=2,
        s3_upload_id="u",
    )
    listed = [
        {"PartNumber": 1, "Size": 10, "ETag": '"e1"', "ChecksumSHA256": b64sha(b"one")},
        {"PartNumber": 2, "Size": 5, "ETag": '"e2"'},
    ]
    assert parts_view(record, listed) == {
        "upload_id": "a" * 32,
        "key": "uploads/o/" + "a" * 32 + ".png",
        "part_size": 10,
        "part_count": 2,
        "parts": [
            {"part_number": 1, "size": 10, "sha256": b64sha(b"one")},
            {"part_number": 2, "size": 5, "sha256": None},
        ],
    }


# --- complete ------------------------------------------------------------------------------


def test_complete_sends_each_parts_checksum_and_records_what_s3_answered(aws):
    data = b"a" * (5 * MIB) + b"b" * 7
    record = started(aws, len(data))
    sums = send_parts(aws, record, data)
    real = aws.s3.list_parts(Bucket=BUCKET, Key=record.storage_key, UploadId=record.s3_upload_id)["Parts"]
    listed = [{**p, "ChecksumSHA256": sums[p["PartNumber"] - 1]} for p in real]
    composite = b64sha(b"".join(base64.b64decode(s) for s in sums)) + "-2"
    sent: list[dict[str, Any]] = []

    def completed(params: dict[str, Any]) -> dict[str, Any]:
        sent.append(params)
        return {"Bucket": BUCKET, "Key": record.storage_key, "ETag": '"x-2"', "ChecksumSHA256": composite}

    with (
        answering(aws.s3, "ListParts", lambda _: {"Parts": listed, "IsTruncated": False}),
        answering(aws.s3, "CompleteMultipartUpload", completed),
    ):
        view = complete_upload(record, config_of(aws), aws.s3, records_of(aws))
    assert sent[0]["MultipartUpload"] == {
        "Parts": [
            {"PartNumber": p["PartNumber"], "ETag": p["ETag"], "ChecksumSHA256": sums[p["PartNumber"] - 1]}
            for p in real
        ]
    }
    assert (sent[0]["Key"], sent[0]["UploadId"]) == (record.storage_key, record.s3_upload_id)
    assert view == {
        "upload_id": record.upload_id,
        "key": record.key,
        "size": len(data),
        "sha256": composite,
        "checksum_type": "COMPOSITE",
        "state": UPLOADED,
    }
    saved = records_of(aws).get(record.upload_id)
    assert saved is not None and (saved.result_sha256, saved.checksum_type) == (composite, "COMPOSITE")


def test_the_record_keeps_the_checksum_type_s3_answered(aws):
    record = started(aws, 10)
    send_parts(aws, record, b"0123456789")

    def completed(params: dict[str, Any]) -> dict[str, Any]:
        return {"Key": record.storage_key, "ChecksumSHA256": b64sha(b"0123456789"), "ChecksumType": "FULL_OBJECT"}

    with answering(aws.s3, "CompleteMultipartUpload", completed):
        view = complete_upload(record, config_of(aws), aws.s3, records_of(aws))
    assert view["checksum_type"] == "FULL_OBJECT"
    saved = records_of(aws).get(record.upload_id)
    assert saved is not None and saved.checksum_type == "FULL_OBJECT"


def test_s3_failing_to_complete_is_a_503_and_the_upload_stays_open(aws):
    record = started(aws, 10)
    send_parts(aws, record, b"0123456789")
    with failing(aws.s3, "CompleteMultipartUpload", "SlowDown"), pytest.raises(ServiceUnavailableError) as failed:
        complete_upload(record, config_of(aws), aws.s3, records_of(aws))
    assert (failed.value.reason, failed.value.message) == ("s3_SlowDown", STORAGE_DOWN)
    saved = records_of(aws).get(record.upload_id)
    assert saved is not None and saved.state == UPLOADING


def test_a_missing_first_part_is_incomplete():
    record = UploadRecord(
        upload_id="b" * 32,
        owner="alice",
        key="k",
        method="MULTIPART",
        size=25,
        content_type="image/png",
        state=UPLOADING,
        created_at=0,
        part_size=10,
        part_count=3,
        s3_upload_id="u",
    )
    with pytest.raises(IncompleteUploadError) as missing:
        check_parts(record, [{"PartNumber": 2, "Size": 10}, {"PartNumber": 3, "Size": 5}])
    assert missing.value.message == "Missing parts: 1."
    with pytest.raises(SizeMismatchError):
        check_parts(record, [{"PartNumber": n, "Size": s} for n, s in ((1, 10), (2, 10), (3, 5), (4, 0))])


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (10, "Missing parts: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10."),
        (11, "Missing parts: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ...."),
        (12, "Missing parts: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ...."),
    ],
)
def test_the_missing_parts_are_listed_up_to_ten(count, shown):
    record = UploadRecord(
        upload_id="b" * 32,
        owner="alice",
        key="k",
        method="MULTIPART",
        size=count * 10,
        content_type="image/png",
        state=UPLOADING,
        created_at=0,
        part_size=10,
        part_count=count,
        s3_upload_id="u",
    )
    with pytest.raises(IncompleteUploadError) as missing:
        check_parts(record, [])
    assert missing.value.message == shown


# --- abort ---------------------------------------------------------------------------------


def test_s3_failing_to_abort_is_a_503_and_the_upload_stays_open(aws):
    record = started(aws, 10)
    with failing(aws.s3, "AbortMultipartUpload", "SlowDown"), pytest.raises(ServiceUnavailableError) as failed:
        abort_upload(record, config_of(aws), aws.s3, records_of(aws))
    assert (failed.value.reason, failed.value.message) == ("s3_SlowDown", STORAGE_DOWN)
    saved = records_of(aws).get(record.upload_id)
    assert saved is not None and saved.state == UPLOADING
    abort_upload(record, config_of(aws), aws.s3, records_of(aws))  # the control: S3 up, it aborts
    saved = records_of(aws).get(record.upload_id)
    assert saved is not None and saved.state == ABORTED


def test_an_abort_after_s3_completed_says_why_it_is_refused(aws):
    record = started(aws, 10)
    send_parts(aws, record, b"0123456789")
    parts = aws.s3.list_parts(Bucket=BUCKET, Key=record.storage_key, UploadId=record.s3_upload_id)["Parts"]
    aws.s3.complete_multipart_upload(
        Bucket=BUCKET,
        Key=record.storage_key,
        UploadId=record.s3_upload_id,
        MultipartUpload={"Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]},
    )
    with pytest.raises(UploadStateError) as refused_abort:
        abort_upload(record, config_of(aws), aws.s3, records_of(aws))
    assert isinstance(refused_abort.value.message, str) and "completed" in refused_abort.value.message


# --- open_multipart and the routes' refusals -----------------------------------------------


def test_a_multipart_record_s3_never_gave_an_upload_id_takes_no_parts(aws):
    record = started(aws, 10)
    unbound = to_item(record)
    del unbound["s3_upload_id"]
    aws.dynamodb.put_item(TableName=UPLOAD_TABLE, Item=unbound)
    with pytest.raises(UploadStateError):
        open_multipart(records_of(aws), record.upload_id, ALICE, NOW)
    assert open_multipart(records_of(aws), started(aws, 10).upload_id, ALICE, NOW).state == UPLOADING  # control


def test_every_refusal_of_the_parts_route_says_why(api):
    body = created(api, 20 * MIB)
    path = f"/uploads/{body['upload_id']}/parts"
    good = {"part_number": 1, "sha256": b64sha(b"")}
    for payload, code in (
        ([good], "bad_request"),
        ({"parts": "1"}, "bad_request"),
        ({"parts": []}, "bad_request"),
        ({"parts": ["1"]}, "bad_request"),
        ({"parts": [{**good, "part_number": 4}]}, "invalid_part_number"),
        ({"parts": [good, good]}, "bad_request"),
    ):
        status, got, _ = refused(api, path, payload)
        assert (status, got) == (400, code), payload
    status, got, message = refused(api, path, {"parts": [good, {"part_number": 2, "sha256": "AAAA"}]})
    assert (status, got) == (400, "invalid_checksum") and message.startswith("parts[2].sha256 ")


def test_a_batch_of_a_hundred_parts_is_signed_and_one_more_is_refused(api):
    api.configure(PART_SIZE_BYTES=str(5 * MIB))
    body = created(api, 101 * 5 * MIB)
    path = f"/uploads/{body['upload_id']}/parts"
    batch = [{"part_number": n, "sha256": b64sha(bytes([n]))} for n in range(1, 102)]
    status, signed = call(api, path, {"parts": batch[:100]})
    assert status == 200 and [p["part_number"] for p in signed["parts"]] == list(range(1, 101))
    assert refused(api, path, {"parts": batch})[:2] == (400, "bad_request")


def test_the_state_refusals_of_the_multipart_routes_say_why(api):
    status, single = call(
        api, "/uploads", {"content_type": "image/png", "size": 5, "method": "PUT", "sha256": b64sha(b"12345")}
    )
    assert status == 201
    sign = {"parts": [{"part_number": 1, "sha256": b64sha(b"")}]}
    assert refused(api, f"/uploads/{single['upload_id']}/parts", sign)[:2] == (409, "upload_state")
    assert refused(api, f"/uploads/{single['upload_id']}/complete")[:2] == (409, "upload_state")
    api.configure(PART_SIZE_BYTES=str(5 * MIB))
    body = created(api, 10)
    record = UploadRecords(api.aws.dynamodb, UPLOAD_TABLE).get(body["upload_id"])
    assert record is not None
    send_parts(api.aws, record, b"0123456789")
    status, done = call(api, f"/uploads/{body['upload_id']}/complete")
    assert status == 200 and done == {
        "upload_id": body["upload_id"],
        "key": body["key"],
        "size": 10,
        "sha256": done["sha256"],
        "checksum_type": "COMPOSITE",
        "state": UPLOADED,
    }
    assert refused(api, f"/uploads/{body['upload_id']}/parts", sign)[:2] == (409, "upload_state")
    assert refused(api, f"/uploads/{body['upload_id']}", method="DELETE")[:2] == (409, "upload_state")
