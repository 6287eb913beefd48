"""The verifier Lambda on moto, fed AWS-shaped SQS events of S3 notifications: every rejection
reason next to a positive control (a valid image that is published), duplicates, the test
event, events that concern no upload, partial batch failures and the large-copy path."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

import images
import pytest
from lambda_testkit import BUCKET, UPLOAD_TABLE, FakeLambdaContext, api_event, body_of, make_token, owner_segment
from verifier_testkit import TEST_EVENT_BODY, s3_notification, sqs_event, verifier_environment

from upload_api.records import UPLOADED, UploadRecord, to_item
from verifier import handler as verifier_handler
from verifier import storage
from verifier.config import ConfigError, from_env
from verifier.events import parse_body
from verifier.records import from_item
from verifier.verify import Verifier

MIB = 1024 * 1024
# The owner segments the API gives alice's and bob's keys (the verifier maps keys by prefix only).
ALICE = owner_segment("alice")
BOB = owner_segment("bob")


def b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


class Run:
    """The real verifier handler with the environment of one test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self.configure()

    def configure(self, **overrides: str) -> None:
        for name, value in verifier_environment(**overrides).items():
            self._monkeypatch.setenv(name, value)
        verifier_handler.reset()

    def __call__(self, *bodies: str, receive_count: int = 1) -> dict[str, Any]:
        context = FakeLambdaContext(function_name="upload-verifier")
        return verifier_handler.handler(sqs_event(*bodies, receive_count=receive_count), context)


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, aws: Any) -> Any:
    yield Run(monkeypatch)
    verifier_handler.reset()


def start(api: Any, data: bytes, content_type: str = "image/png", *, method: str = "PUT", **extra: Any) -> Any:
    """POST /uploads as alice for `data` (its size and SHA-256 unless overridden)."""
    request = {"content_type": content_type, "size": len(data), "method": method, "sha256": b64sha(data), **extra}
    response = api(api_event("/uploads", request, token=make_token(sub="alice")))
    assert response["statusCode"] == 201, response["body"]
    return body_of(response)


def store(aws: Any, key: str, data: bytes) -> None:
    """What S3 holds after the presigned request: the bytes, with S3's own SHA-256."""
    aws.s3.put_object(Bucket=BUCKET, Key=key, Body=data, ChecksumAlgorithm="SHA256")


def upload(api: Any, data: bytes, content_type: str = "image/png", **extra: Any) -> Any:
    body = start(api, data, content_type, **extra)
    store(api.aws, body["upload_key"], data)
    return body


def item(aws: Any, upload_id: str) -> dict[str, Any]:
    return aws.dynamodb.get_item(TableName=UPLOAD_TABLE, Key={"upload_id": {"S": upload_id}})["Item"]


def exists(aws: Any, key: str) -> bool:
    return bool(aws.s3.list_objects_v2(Bucket=BUCKET, Prefix=key).get("KeyCount"))


def verdict_lines(caplog: Any) -> list[dict[str, Any]]:
    """The structured verdict lines logged since the last call."""
    lines = [
        {name: getattr(r, name, None) for name in ("key", "verdict", "reason", "detail")}
        for r in caplog.records
        if r.getMessage() == "verdict"
    ]
    caplog.clear()
    return lines


def status_of(api: Any, upload_id: str, sub: str = "alice") -> tuple[int, Any]:
    response = api(api_event(f"/uploads/{upload_id}", method="GET", token=make_token(sub=sub)))
    return response["statusCode"], body_of(response)


def download(api: Any, key: str) -> tuple[int, Any]:
    response = api(api_event("/downloads", {"key": key}, token=make_token(sub="alice")))
    return response["statusCode"], body_of(response)


def assert_rejected(api: Any, body: Any, reason: str) -> None:
    aws = api.aws
    record = item(aws, body["upload_id"])
    assert record["verification"]["S"] == "rejected" and record["rejection_reason"]["S"] == reason
    assert "expires_at" in record  # a rejected record expires like an abandoned one
    assert not exists(aws, body["upload_key"]) and not exists(aws, body["key"])
    kept = "rejected/" + body["key"].removeprefix("uploads/")
    head = aws.s3.head_object(Bucket=BUCKET, Key=kept)
    assert head["Metadata"] == {"rejection-reason": reason}
    assert head["ContentType"] == "application/octet-stream"  # never served as what it claimed
    status, answer = download(api, body["key"])
    assert (status, answer["error"]["code"]) == (409, "upload_rejected") and reason in answer["error"]["message"]
    status, state = status_of(api, body["upload_id"])
    assert status == 200 and state["verification"] == "rejected" and state["rejection_reason"] == reason


def assert_ready(api: Any, body: Any, data: bytes, content_type: str) -> None:
    aws = api.aws
    record = item(aws, body["upload_id"])
    assert record["verification"]["S"] == "ready" and record["verified_content_type"]["S"] == content_type
    assert "expires_at" not in record and "rejection_reason" not in record
    assert not exists(aws, body["upload_key"])
    published = aws.s3.get_object(Bucket=BUCKET, Key=body["key"])
    assert published["Body"].read() == data and published["ContentType"] == content_type
    status, state = status_of(api, body["upload_id"])
    assert status == 200 and state["verification"] == "ready" and state["content_type"] == content_type
    assert state["state"] == "uploaded" and "rejection_reason" not in state
    status, answer = download(api, body["key"])
    assert status == 200 and answer["url"].split("?")[0].endswith("/" + body["key"])


# --- publish: the positive controls ---------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type", "method"),
    [
        (images.png(), "image/png", "PUT"),
        (images.jpeg(), "image/jpeg", "POST"),
        (images.gif(), "image/gif", "PUT"),
        (images.webp(), "image/webp", "POST"),
    ],
    ids=["png", "jpeg", "gif", "webp"],
)
def test_a_valid_image_is_published_ready_and_downloadable(api, run, caplog, data, content_type, method):
    body = upload(api, data, content_type, method=method)
    status, pending = status_of(api, body["upload_id"])
    assert status == 200 and pending["verification"] == "pending"
    assert download(api, body["key"])[1]["error"]["code"] == "not_ready"
    verdict_lines(caplog)
    assert run(s3_notification(body["upload_key"], size=len(data))) == {"batchItemFailures": []}
    assert_ready(api, body, data, content_type)
    [line] = verdict_lines(caplog)
    assert (line["key"], line["verdict"], line["reason"]) == (body["upload_key"], "ready", None)


def test_publishing_replaces_what_a_presigned_put_let_the_client_set(api, run):
    data = images.png()
    body = start(api, data)
    api.aws.s3.put_object(
        Bucket=BUCKET,
        Key=body["upload_key"],
        Body=data,
        ChecksumAlgorithm="SHA256",
        ContentDisposition="attachment; filename=evil.html",
        CacheControl="max-age=99999999",
    )
    run(s3_notification(body["upload_key"]))
    head = api.aws.s3.head_object(Bucket=BUCKET, Key=body["key"])
    assert "ContentDisposition" not in head and "CacheControl" not in head and head["ContentType"] == "image/png"


# --- record checks: size, checksum, completion --------------------------------------------


def test_a_size_other_than_the_declared_one_is_size_mismatch(api, run):
    data = images.png()
    body = upload(api, data, method="POST", size=len(data) + 5)  # a POST accepts 1..size bytes
    run(s3_notification(body["upload_key"]))
    assert_rejected(api, body, "size_mismatch")


def test_bytes_other_than_the_recorded_sha256_are_checksum_mismatch(api, run):
    data = images.png()
    other = images.png(width=9)[: len(data)]
    body = start(api, data)
    store(api.aws, body["upload_key"], other)
    run(s3_notification(body["upload_key"]))
    assert_rejected(api, body, "checksum_mismatch")


def test_without_a_recorded_sha256_the_size_and_content_still_decide(api, run):
    api.configure(REQUIRE_SHA256="false")
    data = images.png()
    body = start(api, data, sha256=None)
    store(api.aws, body["upload_key"], data)
    run(s3_notification(body["upload_key"]))
    assert_ready(api, body, data, "image/png")


def big_png(size: int) -> bytes:
    """A valid PNG of exactly `size` bytes (an ancillary chunk pads it)."""
    base = images.png()
    padding = size - len(base) - 12
    chunk = images._chunk(b"zzTx", b"\x00" * padding)
    return base[:33] + chunk + base[33:]


def multipart(api: Any, data: bytes) -> Any:
    api.configure(PART_SIZE_BYTES=str(5 * MIB))
    body = start(api, data, method="MULTIPART", sha256=None)
    record = item(api.aws, body["upload_id"])
    for number in range(1, body["part_count"] + 1):
        chunk = data[(number - 1) * body["part_size"] : number * body["part_size"]]
        api.aws.s3.upload_part(
            Bucket=BUCKET,
            Key=body["upload_key"],
            UploadId=record["s3_upload_id"]["S"],
            PartNumber=number,
            Body=chunk,
            ChecksumAlgorithm="SHA256",
        )
    return body


def complete(api: Any, body: Any) -> Any:
    response = api(api_event(f"/uploads/{body['upload_id']}/complete", token=make_token(sub="alice")))
    assert response["statusCode"] == 200, response["body"]
    return body_of(response)


def test_a_completed_multipart_upload_is_published(api, run):
    data = big_png(5 * MIB + 100)
    body = multipart(api, data)
    complete(api, body)
    assert run(s3_notification(body["upload_key"])) == {"batchItemFailures": []}
    assert_ready(api, body, data, "image/png")


def test_a_multipart_object_whose_record_is_not_uploaded_yet_is_retried_then_not_completed(api, run):
    """The API completes with S3 and then saves the record: an event between the two is
    retried once (the item fails); still `uploading` on a redelivery, it is not_completed."""
    data = big_png(5 * MIB + 100)
    body = multipart(api, data)
    record = item(api.aws, body["upload_id"])
    parts = api.aws.s3.list_parts(Bucket=BUCKET, Key=body["upload_key"], UploadId=record["s3_upload_id"]["S"])
    api.aws.s3.complete_multipart_upload(
        Bucket=BUCKET,
        Key=body["upload_key"],
        UploadId=record["s3_upload_id"]["S"],
        MultipartUpload={"Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts["Parts"]]},
    )
    answer = run(s3_notification(body["upload_key"]), receive_count=1)
    assert answer == {"batchItemFailures": [{"itemIdentifier": sqs_event("x")["Records"][0]["messageId"]}]}
    assert item(api.aws, body["upload_id"])["verification"]["S"] == "pending"
    assert exists(api.aws, body["upload_key"])
    assert run(s3_notification(body["upload_key"]), receive_count=2) == {"batchItemFailures": []}
    assert_rejected(api, body, "not_completed")


def test_an_object_for_an_aborted_record_is_not_completed(api, run):
    data = images.png()
    body = upload(api, data)
    api.aws.dynamodb.update_item(
        TableName=UPLOAD_TABLE,
        Key={"upload_id": {"S": body["upload_id"]}},
        UpdateExpression="SET #s = :aborted",
        ExpressionAttributeNames={"#s": "state"},
        ExpressionAttributeValues={":aborted": {"S": "aborted"}},
    )
    run(s3_notification(body["upload_key"]))
    assert_rejected(api, body, "not_completed")


# --- content: type, pixels, truncation ---------------------------------------------------


@pytest.mark.parametrize(
    ("data", "declared", "verdict"),
    [
        (images.png(), "image/png", "ready"),
        (images.HTML, "image/png", "type_mismatch"),
        (images.POLYGLOT_PNG, "image/png", "type_mismatch"),
        (images.HTML_THEN_PNG, "image/png", "type_mismatch"),
        (images.jpeg(), "image/jpeg", "ready"),
        (images.png(), "image/jpeg", "type_mismatch"),
        (images.gif(), "image/webp", "type_mismatch"),
        (bytes(range(256)) * 4, "image/png", "unrecognized_content"),
    ],
    ids=["png", "html-as-png", "polyglot-png", "html-then-png", "jpeg", "png-as-jpeg", "gif-as-webp", "noise"],
)
def test_the_sniffed_type_must_be_the_declared_one(api, run, data, declared, verdict):
    body = upload(api, data, declared)
    run(s3_notification(body["upload_key"]))
    if verdict == "ready":
        assert_ready(api, body, data, declared)
    else:
        assert_rejected(api, body, verdict)


def test_a_type_the_verifier_does_not_allow_is_type_not_allowed(api, run):
    run.configure(ALLOWED_CONTENT_TYPES="image/png,image/jpeg")
    body = upload(api, images.gif(), "image/gif")
    run(s3_notification(body["upload_key"]))
    assert_rejected(api, body, "type_not_allowed")
    run.configure(ALLOWED_CONTENT_TYPES="image/png,image/gif")
    allowed = upload(api, images.gif(), "image/gif")
    run(s3_notification(allowed["upload_key"]))
    assert_ready(api, allowed, images.gif(), "image/gif")


@pytest.mark.parametrize(("limit", "verdict"), [("48", "ready"), ("47", "too_many_pixels")])
def test_pixels_above_the_limit_are_too_many_pixels(api, run, limit, verdict):
    run.configure(MAX_IMAGE_PIXELS=limit)  # the image is 8 x 6 = 48 pixels
    data = images.png(8, 6)
    body = upload(api, data)
    run(s3_notification(body["upload_key"]))
    if verdict == "ready":
        assert_ready(api, body, data, "image/png")
    else:
        assert_rejected(api, body, verdict)


def test_a_decompression_bomb_header_is_too_many_pixels(api, run):
    data = images.bomb_png()
    assert len(data) < 200
    body = upload(api, data)
    run(s3_notification(body["upload_key"]))
    assert_rejected(api, body, "too_many_pixels")


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (images.png()[:-12], "image/png"),
        (images.png()[:40], "image/png"),
        (images.jpeg()[:-20], "image/jpeg"),
        (images.gif()[:-1], "image/gif"),
        (images.webp()[:-4], "image/webp"),
    ],
    ids=["png-no-iend", "png-header-only", "jpeg", "gif", "webp"],
)
def test_a_truncated_image_is_unreadable_image(api, run, data, content_type):
    """Declared with its own (truncated) size and checksum, so only the content check can tell."""
    body = upload(api, data, content_type)
    run(s3_notification(body["upload_key"]))
    assert_rejected(api, body, "unreadable_image")


def test_an_image_whose_header_has_no_dimensions_is_unreadable_image(api, run):
    data = images.jpeg()
    start_of_frame = data.index(b"\xff\xc0")
    broken = data[:start_of_frame] + b"\xff\xfe" + data[start_of_frame + 2 :]  # the SOF marker made a comment
    body = upload(api, broken, "image/jpeg")
    run(s3_notification(body["upload_key"]))
    assert_rejected(api, body, "unreadable_image")


# --- Uppy uploads: a maximum size, no checksum ---------------------------------------------


def uppy_record(aws: Any, data: bytes, *, maximum: int, method: str = "UPPY_POST") -> dict[str, str]:
    upload_id = hashlib.md5(data + str(maximum).encode(), usedforsecurity=False).hexdigest()
    owner = ALICE
    key, upload_key = f"uploads/{owner}/{upload_id}.png", f"quarantine/{owner}/{upload_id}.png"
    record = UploadRecord(
        upload_id=upload_id,
        owner="alice",
        key=key,
        upload_key=upload_key,
        method=method,
        size=maximum,
        content_type="image/png",
        state="uploading" if method == "UPPY_MULTIPART" else "awaiting_upload",
        created_at=1,
        expires_at=2**31,
    )
    aws.dynamodb.put_item(TableName=UPLOAD_TABLE, Item=to_item(record))
    store(aws, upload_key, data)
    return {"upload_id": upload_id, "key": key, "upload_key": upload_key}


@pytest.mark.parametrize("method", ["UPPY_POST", "UPPY_MULTIPART"])
def test_an_uppy_upload_up_to_the_recorded_maximum_is_published(api, run, method):
    data = images.png()
    body = uppy_record(api.aws, data, maximum=len(data), method=method)
    run(s3_notification(body["upload_key"]))
    assert_ready(api, body, data, "image/png")


def test_an_uppy_upload_above_the_recorded_maximum_is_too_large(api, run):
    data = images.png()
    body = uppy_record(api.aws, data, maximum=len(data) - 1)
    run(s3_notification(body["upload_key"]))
    assert_rejected(api, body, "too_large")


def test_an_uppy_upload_is_sniffed_like_any_other(api, run):
    body = uppy_record(api.aws, images.HTML, maximum=10 * MIB)
    run(s3_notification(body["upload_key"]))
    assert_rejected(api, body, "type_mismatch")


# --- idempotency and events that concern no upload ----------------------------------------


def test_a_duplicate_event_publishes_once_and_changes_nothing(api, run, caplog):
    data = images.png()
    body = upload(api, data)
    event = s3_notification(body["upload_key"])
    run(event)
    first = api.aws.s3.head_object(Bucket=BUCKET, Key=body["key"])
    record = item(api.aws, body["upload_id"])
    verdict_lines(caplog)
    assert run(event) == {"batchItemFailures": []}
    assert api.aws.s3.head_object(Bucket=BUCKET, Key=body["key"])["LastModified"] == first["LastModified"]
    assert item(api.aws, body["upload_id"]) == record
    [line] = verdict_lines(caplog)
    assert line["verdict"] == "duplicate"


def test_a_duplicate_of_a_rejected_upload_stays_rejected(api, run):
    body = upload(api, images.HTML)
    event = s3_notification(body["upload_key"])
    run(event)
    run(event)
    assert_rejected(api, body, "type_mismatch")


def test_a_write_after_the_verdict_is_removed_not_published(api, run):
    """A presigned POST may write again until it expires: after the verdict that write is removed."""
    data = images.png()
    body = upload(api, data)
    run(s3_notification(body["upload_key"]))
    store(api.aws, body["upload_key"], images.HTML)
    run(s3_notification(body["upload_key"]))
    assert not exists(api.aws, body["upload_key"])
    assert api.aws.s3.get_object(Bucket=BUCKET, Key=body["key"])["Body"].read() == data


def test_a_delivery_that_stopped_before_the_record_is_redone(api, run):
    """Copied but not recorded: the quarantine object is still there, checked and copied again."""
    data = images.png()
    body = upload(api, data)
    api.aws.s3.copy_object(
        Bucket=BUCKET,
        Key=body["key"],
        CopySource={"Bucket": BUCKET, "Key": body["upload_key"]},
        ContentType="image/png",
        MetadataDirective="REPLACE",
    )
    run(s3_notification(body["upload_key"]))
    assert_ready(api, body, data, "image/png")


def test_a_delivery_that_stopped_after_the_record_only_leaves_a_leftover_to_delete(api, run, monkeypatch):
    data = images.png()
    body = upload(api, data)
    monkeypatch.setattr(storage, "delete", lambda *args: (_ for _ in ()).throw(ConnectionError("gone")))
    failed = run(s3_notification(body["upload_key"]))
    assert len(failed["batchItemFailures"]) == 1
    assert item(api.aws, body["upload_id"])["verification"]["S"] == "ready" and exists(api.aws, body["upload_key"])
    monkeypatch.undo()
    run.configure()
    assert run(s3_notification(body["upload_key"])) == {"batchItemFailures": []}
    assert_ready(api, body, data, "image/png")


def test_an_object_removed_before_its_verdict_is_dropped(api, run, caplog):
    body = start(api, images.png())
    run(s3_notification(body["upload_key"]))
    [line] = verdict_lines(caplog)
    assert (line["verdict"], line["reason"]) == ("dropped", "object_gone")
    assert item(api.aws, body["upload_id"])["verification"]["S"] == "pending"


def test_the_s3_test_event_is_skipped(run, caplog):
    assert run(TEST_EVENT_BODY) == {"batchItemFailures": []}
    assert "s3:TestEvent skipped" in [r.getMessage() for r in caplog.records]
    assert verdict_lines(caplog) == []


def test_an_event_for_a_key_without_a_record_is_logged_and_dropped(api, run, caplog):
    key = f"quarantine/{ALICE}/" + "a" * 32 + ".png"
    store(api.aws, key, images.png())
    assert run(s3_notification(key)) == {"batchItemFailures": []}
    [line] = verdict_lines(caplog)
    assert (line["key"], line["verdict"], line["reason"]) == (key, "dropped", "no_record")
    assert exists(api.aws, key)  # not ours to remove: the quarantine lifecycle rule expires it


@pytest.mark.parametrize(
    ("key", "bucket", "reason"),
    [
        (f"uploads/{ALICE}/" + "b" * 32 + ".png", BUCKET, "outside_quarantine"),
        ("quarantine/../uploads/x.png", BUCKET, "not_an_upload_key"),
        (f"quarantine/{ALICE}/" + "b" * 32 + ".png", "someone-elses-bucket", "other_bucket"),
    ],
)
def test_events_outside_the_quarantine_are_dropped_with_a_log_line(run, caplog, key, bucket, reason):
    assert run(s3_notification(key, bucket=bucket)) == {"batchItemFailures": []}
    [line] = verdict_lines(caplog)
    assert (line["key"], line["verdict"], line["reason"]) == (key, "dropped", reason)


def test_a_record_whose_keys_differ_from_the_event_is_dropped(api, run, caplog):
    body = upload(api, images.png())
    other = body["upload_key"].replace(f"/{ALICE}/", f"/{BOB}/")  # bob's segment, alice's record id
    store(api.aws, other, images.png())
    verdict_lines(caplog)
    run(s3_notification(other))
    [line] = verdict_lines(caplog)
    assert line["reason"] == "key_mismatch"
    assert item(api.aws, body["upload_id"])["verification"]["S"] == "pending"


def test_a_rejected_object_is_deleted_when_no_rejected_prefix_is_configured(api, run):
    run.configure(REJECTED_PREFIX="")
    body = upload(api, images.HTML)
    run(s3_notification(body["upload_key"]))
    assert item(api.aws, body["upload_id"])["rejection_reason"]["S"] == "type_mismatch"
    assert not api.aws.s3.list_objects_v2(Bucket=BUCKET, Prefix="rejected/" + body["key"][8:]).get("KeyCount")
    assert not exists(api.aws, body["upload_key"])


# --- partial batch failures -----------------------------------------------------------------


def test_a_transient_failure_fails_only_its_item(api, run, monkeypatch):
    good = upload(api, images.png())
    event = sqs_event(TEST_EVENT_BODY, s3_notification(good["upload_key"]))
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
    verifier_handler.reset()
    answer = verifier_handler.handler(event, FakeLambdaContext())
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert exists(api.aws, good["upload_key"]) and not exists(api.aws, good["key"])
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB")
    verifier_handler.reset()
    assert verifier_handler.handler(event, FakeLambdaContext()) == {"batchItemFailures": []}
    assert_ready(api, good, images.png(), "image/png")


def test_an_s3_failure_fails_the_item_and_keeps_the_record_pending(api, run, monkeypatch):
    body = upload(api, images.png())
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    verifier_handler.reset()
    event = sqs_event(s3_notification(body["upload_key"]))
    answer = verifier_handler.handler(event, FakeLambdaContext())
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert item(api.aws, body["upload_id"])["verification"]["S"] == "pending"


def test_a_message_that_is_not_an_s3_notification_fails_so_it_reaches_the_dead_letter_queue(run):
    event = sqs_event("not json", json.dumps({"Records": [{"eventName": "ObjectCreated:Put"}]}), TEST_EVENT_BODY)
    answer = verifier_handler.handler(event, FakeLambdaContext())
    failed = [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]
    assert failed == [event["Records"][0]["messageId"], event["Records"][1]["messageId"]]


def test_a_misconfigured_verifier_fails_the_whole_batch(run, monkeypatch):
    monkeypatch.setenv("QUARANTINE_PREFIX", "uploads/")
    verifier_handler.reset()
    with pytest.raises(verifier_handler.MisconfiguredError):
        verifier_handler.handler(sqs_event(TEST_EVENT_BODY), FakeLambdaContext())


# --- the large-copy path ------------------------------------------------------------------


class CountingS3:
    def __init__(self, client: Any) -> None:
        self._client, self.calls = client, []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        return getattr(self._client, name)


def test_objects_above_the_copy_limit_are_copied_in_parts(api, run, monkeypatch):
    data = big_png(10 * MIB - 7)  # the API's single-upload limit in these tests: 10 MiB
    body = upload(api, data)
    state = verifier_handler._state
    counting = CountingS3(api.aws.s3)
    large = Verifier(
        state.config, counting, state.verifier.records, multipart_copy_above=4 * MIB, copy_part_bytes=5 * MIB
    )
    monkeypatch.setattr(verifier_handler, "_state", verifier_handler.ColdStart(state.config, large))
    assert run(s3_notification(body["upload_key"])) == {"batchItemFailures": []}
    assert counting.calls.count("upload_part_copy") == 2 and "copy_object" not in counting.calls
    assert_ready(api, body, data, "image/png")


def test_objects_up_to_the_copy_limit_are_copied_whole(api, run, monkeypatch):
    data = big_png(10 * MIB)
    body = upload(api, data)
    state = verifier_handler._state
    counting = CountingS3(api.aws.s3)
    small = Verifier(state.config, counting, state.verifier.records, multipart_copy_above=10 * MIB)
    monkeypatch.setattr(verifier_handler, "_state", verifier_handler.ColdStart(state.config, small))
    run(s3_notification(body["upload_key"]))
    assert "upload_part_copy" not in counting.calls and "copy_object" in counting.calls
    assert_ready(api, body, data, "image/png")


def test_only_the_first_and_last_bytes_are_read(api, run, monkeypatch):
    data = big_png(3 * MIB)
    body = upload(api, data)
    ranges: list[str] = []
    real = api.aws.s3.get_object

    def get_object(**kwargs: Any) -> Any:
        ranges.append(kwargs.get("Range", "whole object"))
        return real(**kwargs)

    monkeypatch.setattr(verifier_handler._state.verifier.s3, "get_object", get_object)
    run(s3_notification(body["upload_key"]))
    assert ranges and "whole object" not in ranges
    assert sum(int(r.split("-")[1]) - int(r[6:].split("-")[0]) + 1 for r in ranges) <= 128 * 1024
    assert_ready(api, body, data, "image/png")


# --- pure parts ---------------------------------------------------------------------------


def test_keys_are_url_decoded_as_s3_encodes_them():
    body = s3_notification("quarantine/a b/c+d%.png")
    assert json.loads(body)["Records"][0]["s3"]["object"]["key"] == "quarantine/a+b/c%2Bd%25.png"
    [created] = parse_body(body).objects
    assert created.key == "quarantine/a b/c+d%.png"


def test_other_event_types_are_not_objects():
    notification = parse_body(s3_notification("quarantine/x", event_name="ObjectRemoved:Delete"))
    assert notification.objects == () and notification.other_events == ("ObjectRemoved:Delete",)


def test_the_verifier_reads_the_records_the_api_writes():
    record = UploadRecord(
        upload_id="c" * 32,
        owner="alice",
        key=f"uploads/{ALICE}/" + "c" * 32 + ".png",
        upload_key=f"quarantine/{ALICE}/" + "c" * 32 + ".png",
        method="MULTIPART",
        size=7,
        content_type="image/png",
        state=UPLOADED,
        created_at=1,
        expires_at=2,
        sha256=b64sha(b"x"),
        result_sha256="abc-2",
        checksum_type="COMPOSITE",
    )
    read = from_item(to_item(record))
    assert (read.key, read.upload_key, read.method, read.size, read.state) == (
        record.key,
        record.upload_key,
        "MULTIPART",
        7,
        UPLOADED,
    )
    assert (read.sha256, read.result_sha256, read.verification) == (record.sha256, "abc-2", "pending")


@pytest.mark.parametrize(
    "overrides",
    [
        {"QUARANTINE_PREFIX": "uploads/"},
        {"QUARANTINE_PREFIX": "uploads/quarantine/"},
        {"PUBLISHED_PREFIX": "quarantine/public/"},
        {"REJECTED_PREFIX": "uploads/rejected/"},
        {"QUARANTINE_PREFIX": "/quarantine/"},
        {"PUBLISHED_PREFIX": "../uploads/"},
        {"ALLOWED_CONTENT_TYPES": "image/png,application/x-msdownload"},
        {"MAX_IMAGE_PIXELS": "0"},
        {"MAX_IMAGE_PIXELS": "many"},
        {"BUCKET_NAME": ""},
        {"POWERTOOLS_METRICS_NAMESPACE": "AWS/Lambda"},
    ],
)
def test_unusable_configuration_is_refused(overrides):
    with pytest.raises(ConfigError):
        from_env(verifier_environment(**overrides))


def test_the_default_configuration_and_an_empty_rejected_prefix():
    env = {"BUCKET_NAME": "b", "UPLOAD_TABLE": "t"}
    config = from_env(env)
    assert (config.quarantine_prefix, config.published_prefix, config.rejected_prefix) == (
        "quarantine/",
        "uploads/",
        "rejected/",
    )
    assert config.max_image_pixels == 40_000_000 and config.service_name == "upload-verifier"
    assert from_env({**env, "REJECTED_PREFIX": ""}).rejected_prefix == ""


def test_copy_limits_are_s3s():
    assert storage.COPY_OBJECT_LIMIT_BYTES == 5 * 1024**3


def test_a_verdict_is_recorded_once(api):
    """The conditional update: a second verdict for the same record (a racing duplicate) is refused."""
    from verifier.records import Records
    from verifier.verdicts import Reason

    body = start(api, images.png())
    records = Records(api.aws.dynamodb, UPLOAD_TABLE)
    record = records.get(body["upload_id"])
    assert record is not None and record.verification == "pending"
    assert records.mark_ready(record, "image/png", 5, sha256=None, checksum_type=None) is True
    assert records.mark_rejected(record, Reason.TYPE_MISMATCH, 6) is False
    assert records.mark_ready(record, "image/gif", 7, sha256=None, checksum_type=None) is False
    stored = item(api.aws, body["upload_id"])
    assert stored["verification"]["S"] == "ready" and stored["verified_content_type"]["S"] == "image/png"
    assert "rejection_reason" not in stored and stored["verified_at"]["N"] == "5"


class _ConditionPassedBeforeTheVerdict:
    """A DynamoDB client whose conditional writes behave as if the check ran before the
    verifier's update landed: the interleaving a store without atomic condition-and-write
    (moto's server under load) produces, and the one a whole-item put would lose a verdict to."""

    def __init__(self, dynamodb: Any) -> None:
        self.dynamodb = dynamodb

    def __getattr__(self, name: str) -> Any:
        return getattr(self.dynamodb, name)

    def _unconditional(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs = dict(kwargs)
        kwargs.pop("ConditionExpression", None)
        expression = kwargs.get("UpdateExpression", "")
        used = set(re.findall(r"[#:]\w+", expression))
        for field in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
            kept = {k: v for k, v in kwargs.get(field, {}).items() if k in used}
            kwargs.pop(field, None)
            if kept:
                kwargs[field] = kept
        return kwargs

    def put_item(self, **kwargs: Any) -> Any:
        return self.dynamodb.put_item(**self._unconditional(kwargs))

    def update_item(self, **kwargs: Any) -> Any:
        return self.dynamodb.update_item(**self._unconditional(kwargs))


def test_an_api_state_write_racing_the_verdict_never_undoes_it(api):
    """The status route read the record pending and saves `uploaded` while the verifier marks
    it ready: the API writes only what it changes, so the verdict survives the interleaving."""
    from upload_api.records import UploadRecords
    from verifier.records import Records

    body = start(api, images.png())
    stale = UploadRecords(api.aws.dynamodb, UPLOAD_TABLE).get(body["upload_id"])
    assert stale is not None and stale.verification == "pending"
    verifier_records = Records(api.aws.dynamodb, UPLOAD_TABLE)
    decided = verifier_records.get(body["upload_id"])
    assert decided is not None
    assert verifier_records.mark_ready(decided, "image/png", 5, sha256=None, checksum_type=None) is True
    racing = UploadRecords(_ConditionPassedBeforeTheVerdict(api.aws.dynamodb), UPLOAD_TABLE)
    racing.save_state(stale, UPLOADED, result_sha256=b64sha(b"x"), checksum_type="FULL_OBJECT")
    stored = item(api.aws, body["upload_id"])
    assert stored["state"]["S"] == UPLOADED  # the API's change landed ...
    assert stored["verification"]["S"] == "ready"  # ... and did not undo the verdict
    assert "expires_at" not in stored  # nor bring back the TTL the verdict removed


# --- the outcomes the handler logs and counts ----------------------------------------------


def test_a_rejection_logs_its_key_reason_and_detail(api, run, caplog):
    body = upload(api, images.HTML)
    verdict_lines(caplog)
    run(s3_notification(body["upload_key"]))
    [line] = verdict_lines(caplog)
    assert (line["key"], line["verdict"], line["reason"]) == (body["upload_key"], "rejected", "type_mismatch")
    assert "text/html" in line["detail"]


class _DecidedMeanwhile:
    """The verifier's records, with another delivery of the same event deciding the record
    right after this one read it pending: the interleaving of two concurrent deliveries."""

    def __init__(self, records: Any, other_verdict: str) -> None:
        self._records, self._other_verdict = records, other_verdict

    def __getattr__(self, name: str) -> Any:
        return getattr(self._records, name)

    def get(self, upload_id: str) -> Any:
        from verifier.verdicts import Reason

        record = self._records.get(upload_id)
        if self._other_verdict == "ready":
            assert self._records.mark_ready(record, "image/png", 1, sha256=None, checksum_type=None)
        else:
            assert self._records.mark_rejected(record, Reason.TYPE_MISMATCH, 1)
        return record


@pytest.mark.parametrize(
    ("data", "verdict", "reason"),
    [(images.png(), "ready", None), (images.HTML, "rejected", "type_mismatch")],
    ids=["publish", "reject"],
)
def test_a_verdict_another_delivery_recorded_first_is_a_duplicate(api, run, monkeypatch, caplog, data, verdict, reason):
    body = upload(api, data)
    state = verifier_handler._state
    racing = Verifier(state.config, api.aws.s3, _DecidedMeanwhile(state.verifier.records, verdict))
    monkeypatch.setattr(verifier_handler, "_state", verifier_handler.ColdStart(state.config, racing))
    verdict_lines(caplog)
    assert run(s3_notification(body["upload_key"])) == {"batchItemFailures": []}
    [line] = verdict_lines(caplog)
    assert (line["key"], line["verdict"], line["reason"]) == (body["upload_key"], "duplicate", reason)
    record = item(api.aws, body["upload_id"])
    assert record["verification"]["S"] == verdict and record["verified_at"]["N"] == "1"  # the other delivery's
    assert not exists(api.aws, body["upload_key"])


@pytest.mark.parametrize(("data", "verdict"), [(images.png(), "ready"), (images.HTML, "rejected")])
def test_a_late_write_is_removed_and_a_plain_duplicate_names_the_verdict(api, run, caplog, data, verdict):
    body = upload(api, data)
    event = s3_notification(body["upload_key"])
    run(event)
    store(api.aws, body["upload_key"], images.HTML)
    verdict_lines(caplog)
    run(event)
    assert not exists(api.aws, body["upload_key"])
    run(event)
    late, again = verdict_lines(caplog)
    assert (late["key"], late["verdict"], late["reason"]) == (body["upload_key"], "duplicate", "late_write_removed")
    assert (again["key"], again["verdict"], again["reason"]) == (body["upload_key"], "duplicate", verdict)


def test_publishing_records_the_checksum_s3_stored_and_its_type(api, run):
    data = images.png()
    body = upload(api, data)
    run(s3_notification(body["upload_key"]))
    record = item(api.aws, body["upload_id"])
    assert (record["result_sha256"]["S"], record["checksum_type"]["S"]) == (b64sha(data), "FULL_OBJECT")


class _CompositeChecksumS3:
    """moto, with HeadObject answering as S3 does for a multipart object uploaded with SHA-256
    part checksums (moto reports a full-object checksum): the composite value and its type."""

    COMPOSITE = b64sha(b"parts") + "-2"

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def head_object(self, **kwargs: Any) -> Any:
        answer = dict(self._client.head_object(**kwargs))
        answer.update(ChecksumSHA256=self.COMPOSITE, ChecksumType="COMPOSITE")
        return answer


def test_an_uppy_multipart_upload_records_s3s_composite_checksum(api, run, monkeypatch):
    """Uppy completes with S3 itself: the record learns the checksum and its type from S3."""
    data = images.png()
    body = uppy_record(api.aws, data, maximum=len(data), method="UPPY_MULTIPART")
    state = verifier_handler._state
    composite = Verifier(state.config, _CompositeChecksumS3(api.aws.s3), state.verifier.records)
    monkeypatch.setattr(verifier_handler, "_state", verifier_handler.ColdStart(state.config, composite))
    run(s3_notification(body["upload_key"]))
    assert_ready(api, body, data, "image/png")
    record = item(api.aws, body["upload_id"])
    assert (record["result_sha256"]["S"], record["checksum_type"]["S"]) == (_CompositeChecksumS3.COMPOSITE, "COMPOSITE")


def test_a_rejected_object_above_the_copy_limit_is_kept_in_parts(api, run, monkeypatch):
    data = big_png(10 * MIB - 7)
    body = upload(api, data, "image/gif")
    state = verifier_handler._state
    counting = CountingS3(api.aws.s3)
    large = Verifier(
        state.config, counting, state.verifier.records, multipart_copy_above=4 * MIB, copy_part_bytes=5 * MIB
    )
    monkeypatch.setattr(verifier_handler, "_state", verifier_handler.ColdStart(state.config, large))
    assert run(s3_notification(body["upload_key"])) == {"batchItemFailures": []}
    assert counting.calls.count("upload_part_copy") == 2 and "copy_object" not in counting.calls
    assert_rejected(api, body, "type_mismatch")
    kept = api.aws.s3.get_object(Bucket=BUCKET, Key="rejected/" + body["key"].removeprefix("uploads/"))
    assert kept["Body"].read() == data
