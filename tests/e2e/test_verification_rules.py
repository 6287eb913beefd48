"""Issue 16 end to end, the verifier's rules on the running stack: a JPEG is published, bytes
that are not what they declare are rejected and never served, a duplicated S3 event publishes
once, and a message the verifier cannot read ends in the dead-letter queue."""

from __future__ import annotations

import json
import math
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import boto3
import pytest
import requests
from e2e_client import PLAN_FILE, ROOT, TIMEOUT, Stack, b64sha256

from stack.event_sources import LONG_POLL_SECONDS
from tests.unit.images import bomb_png, jpeg
from tests.unit.images import png as image_png

pytestmark = pytest.mark.localstack

LOGS = ROOT / "build" / "stack" / "logs"


def _sqs(stack: Stack) -> Any:
    return boto3.client(
        "sqs",
        endpoint_url=stack.state["endpoints"]["default"],
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _presigned_upload(stack: Stack, token: str, data: bytes, content_type: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    body = {"content_type": content_type, "size": len(data), "method": "PUT", "sha256": b64sha256(data)}
    presign = stack.session.post(f"{stack.api}/uploads", json=body, headers=headers, timeout=TIMEOUT)
    assert presign.status_code == 201, presign.text
    presigned: dict[str, Any] = presign.json()
    upload = stack.upload(presigned, data, content_type)
    assert upload.status_code == 200, upload.text
    return presigned


def _served(stack: Stack, token: str, key: str) -> requests.Response:
    download = stack.download(token, key)
    assert download.status_code == 200, download.text
    return requests.get(download.json()["url"], timeout=TIMEOUT)


def _max_pixels(stack: Stack) -> int:
    # The limit Terraform planned for the verifier (terraform/examples/local), not a copy of it.
    return int(stack.state["verifier_environment"]["MAX_IMAGE_PIXELS"])


def _over_the_pixel_limit(stack: Stack) -> bytes:
    side = math.isqrt(_max_pixels(stack)) + 1
    return bomb_png(side, side)


def _truncated_png(stack: Stack) -> bytes:
    whole = image_png(16, 16)
    return whole[: len(whole) - 20]  # IEND and the end of IDAT gone


def test_a_jpeg_is_ready_and_served_by_the_cdn_unchanged(stack: Stack) -> None:
    token = stack.user_token()
    data = jpeg(32, 24)
    presigned = _presigned_upload(stack, token, data, "image/jpeg")

    status = stack.wait_verified(token, presigned["upload_id"])

    assert (status["verification"], status["content_type"]) == ("ready", "image/jpeg"), status
    served = _served(stack, token, presigned["key"])
    assert (served.status_code, served.content) == (200, data)
    assert served.headers["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("make_bytes", "declared", "reason"),
    [
        (lambda stack: image_png(8, 6), "image/jpeg", "type_mismatch"),
        (_truncated_png, "image/png", "unreadable_image"),
        (_over_the_pixel_limit, "image/png", "too_many_pixels"),
    ],
    ids=["png_declared_as_jpeg", "truncated_png", "over_the_pixel_limit"],
)
def test_bytes_that_are_not_what_they_declare_are_rejected_and_never_served(
    stack: Stack, make_bytes: Any, declared: str, reason: str
) -> None:
    token = stack.user_token()
    presigned = _presigned_upload(stack, token, make_bytes(stack), declared)

    status = stack.wait_verified(token, presigned["upload_id"])

    assert (status["verification"], status.get("rejection_reason")) == ("rejected", reason), status
    refused = stack.download(token, presigned["key"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "upload_rejected"
    assert stack.keys_under(presigned["key"]) == [] and stack.keys_under(presigned["upload_key"]) == []
    # Not from either prefix, even with a valid token for exactly that path.
    for key in (presigned["key"], presigned["upload_key"]):
        forged = stack.kms_token(stack.download_claims("/" + key))
        served = requests.get(f"{stack.cdn}/{key}?authorization={forged}", timeout=TIMEOUT)
        assert served.status_code in {403, 404}, (key, served.status_code)


def _s3_notification(stack: Stack, key: str, size: int) -> str:
    """The body S3 sends the queue for a PUT (AWS's event structure, version 2.1): what
    lambda_src/verifier/events.py reads."""
    bucket = stack.state["bucket"]
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "eventName": "ObjectCreated:Put",
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": quote_plus(key), "size": size, "sequencer": "0055AED6DCD90281E5"},
        },
    }
    return json.dumps({"Records": [record]})


def _verifier_log_lines(since: int) -> list[dict[str, Any]]:
    (log,) = [path for path in LOGS.glob("*verifier*.log")]
    lines = Path(log).read_bytes()[since:].decode(errors="replace").splitlines()
    parsed = []
    for line in lines:
        if line.startswith("{"):
            try:
                parsed.append(json.loads(line))
            except ValueError:
                continue
    return parsed


def _record(stack: Stack, upload_id: str) -> dict[str, Any]:
    """The upload record as the verifier wrote it (DynamoDB itself: the status route does not
    show when it was verified)."""
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=stack.state["endpoints"].get("dynamodb", stack.state["endpoints"]["default"]),
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    table = stack.state["verifier_environment"]["UPLOAD_TABLE"]
    item: dict[str, Any] = dynamodb.get_item(TableName=table, Key={"upload_id": {"S": upload_id}}, ConsistentRead=True)
    return item["Item"]


def _log_size() -> int:
    return sum(path.stat().st_size for path in LOGS.glob("*verifier*.log"))


def test_a_duplicated_event_publishes_once(stack: Stack) -> None:
    token = stack.user_token()
    data = image_png(10, 10)
    presigned = _presigned_upload(stack, token, data, "image/png")
    first = stack.wait_verified(token, presigned["upload_id"])
    assert first["verification"] == "ready", first
    s3, bucket = stack.s3(), stack.state["bucket"]
    published = s3.head_object(Bucket=bucket, Key=presigned["key"])
    decided = _record(stack, presigned["upload_id"])
    assert "verified_at" in decided, decided  # the comparison below compares something
    before = _log_size()
    handled = stack.event_source()["messages"]

    _sqs(stack).send_message(
        QueueUrl=stack.state["verification"]["queue_url"],
        MessageBody=_s3_notification(stack, presigned["upload_key"], len(data)),
    )
    deadline = time.monotonic() + 30
    while stack.event_source()["messages"] <= handled and time.monotonic() < deadline:
        time.sleep(0.3)
    verdicts: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        verdicts = [
            line
            for line in _verifier_log_lines(before)
            if line.get("message") == "verdict" and line.get("key") == presigned["upload_key"]
        ]
        if verdicts:
            break
        time.sleep(0.3)

    assert [v["verdict"] for v in verdicts] == ["duplicate"], verdicts
    again = stack.status(token, presigned["upload_id"]).json()
    assert again["verification"] == "ready", again
    assert _record(stack, presigned["upload_id"]) == decided  # verified_at included: nothing rewritten
    unchanged = s3.head_object(Bucket=bucket, Key=presigned["key"])
    assert (unchanged["ETag"], unchanged["LastModified"]) == (published["ETag"], published["LastModified"])
    assert _served(stack, token, presigned["key"]).content == data


def test_a_message_the_verifier_fails_on_reaches_the_dlq_after_the_configured_receives(stack: Stack) -> None:
    """The planned visibility timeout is 6 x the function's (60 s locally): three receives would
    take three minutes. The test lowers the queue's visibility timeout for its duration (what
    SQS hands each receive), and keeps the planned redrive policy, whose maxReceiveCount it
    checks against the plan's."""
    sqs, queue_url = _sqs(stack), stack.state["verification"]["queue_url"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    planned = json.loads(PLAN_FILE.read_text())["configuration"]["root_module"]["module_calls"]["uploads"]
    max_receives = int(planned["expressions"]["verification"]["constant_value"]["max_receive_count"])
    assert int(redrive["maxReceiveCount"]) == max_receives  # the example's input, provisioned as planned
    dlq_url = sqs.get_queue_url(QueueName=redrive["deadLetterTargetArn"].rsplit(":", 1)[1])["QueueUrl"]
    poison = f"not an S3 notification {uuid.uuid4()}"
    failed_before = stack.event_source()["failed_items"]
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "2"})
    try:
        # A receive already waiting keeps the visibility timeout it started with: let the
        # pollers' current long polls end first.
        time.sleep(LONG_POLL_SECONDS + 1)
        sqs.send_message(QueueUrl=queue_url, MessageBody=poison)
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + 45
        while not found and time.monotonic() < deadline:
            received = sqs.receive_message(
                QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=2, AttributeNames=["All"]
            )
            for message in received.get("Messages", []):
                if message["Body"] == poison:
                    found.append(message)
                    sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
    finally:
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": attributes["VisibilityTimeout"]})

    assert len(found) == 1, "the poison message never reached the dead-letter queue"
    assert int(found[0]["Attributes"]["ApproximateReceiveCount"]) >= max_receives
    # The verifier did fail it each time (not a message dropped some other way).
    assert stack.event_source()["failed_items"] - failed_before >= max_receives
