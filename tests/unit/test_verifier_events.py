"""The verifier's parsing of SQS message bodies (verifier/events.py): S3 event notifications as
S3 sends them (verifier_testkit builds AWS's sample shape), the one-off s3:TestEvent, URL-encoded
keys, and every malformed body refused with MalformedMessageError next to the valid one it
breaks. Pure: no AWS."""

from __future__ import annotations

import json
from typing import Any

import pytest
from lambda_testkit import BUCKET
from verifier_testkit import TEST_EVENT_BODY, s3_notification

from verifier.events import MalformedMessageError, Notification, ObjectCreated, parse_body

KEY = "quarantine/owner/0123456789abcdef0123456789abcdef.png"


def notification_with(*records: Any) -> str:
    """An S3 notification body whose Records are these (each a record dict, or anything)."""
    return json.dumps({"Records": list(records)})


def record_of(key: str = KEY, **changes: Any) -> dict[str, Any]:
    """One record of AWS's sample notification, with top-level fields replaced or (None) removed."""
    [record] = json.loads(s3_notification(key))["Records"]
    for name, value in changes.items():
        if value is None:
            del record[name]
        else:
            record[name] = value
    return dict(record)


def malformed(body: str, message: str) -> None:
    with pytest.raises(MalformedMessageError, match=f"^{message}$"):
        parse_body(body)


# --- ObjectCreated --------------------------------------------------------------------------


def test_an_object_created_notification_gives_its_event_bucket_and_key():
    notification = parse_body(s3_notification(KEY))
    assert notification == Notification(objects=(ObjectCreated("ObjectCreated:Put", BUCKET, KEY),))
    assert notification.test_event is False and notification.other_events == ()


@pytest.mark.parametrize(
    "event_name", ["ObjectCreated:Put", "ObjectCreated:Post", "ObjectCreated:CompleteMultipartUpload"]
)
def test_every_object_created_event_is_an_object(event_name):
    [created] = parse_body(s3_notification(KEY, event_name=event_name)).objects
    assert created.event_name == event_name


@pytest.mark.parametrize(
    ("key", "encoded"),
    [
        ("quarantine/a b/c.png", "quarantine/a+b/c.png"),
        ("quarantine/c+d.png", "quarantine/c%2Bd.png"),
        ("quarantine/100%.png", "quarantine/100%25.png"),
        ("quarantine/caf\u00e9.png", "quarantine/caf%C3%A9.png"),
    ],
)
def test_keys_are_decoded_as_s3_encodes_them(key, encoded):
    body = s3_notification(key)
    assert json.loads(body)["Records"][0]["s3"]["object"]["key"] == encoded
    [created] = parse_body(body).objects
    assert created.key == key


def test_records_of_other_events_are_listed_apart_in_order():
    body = notification_with(
        record_of(eventName="ObjectRemoved:Delete"),
        record_of("quarantine/one.png"),
        record_of(eventName="ObjectRestore:Completed"),
        record_of("quarantine/two three.png", eventName="ObjectCreated:Copy"),
    )
    notification = parse_body(body)
    assert notification.objects == (
        ObjectCreated("ObjectCreated:Put", BUCKET, "quarantine/one.png"),
        ObjectCreated("ObjectCreated:Copy", BUCKET, "quarantine/two three.png"),
    )
    assert notification.other_events == ("ObjectRemoved:Delete", "ObjectRestore:Completed")
    assert notification.test_event is False


def test_an_event_name_only_counts_as_created_with_s3s_spelling():
    notification = parse_body(s3_notification(KEY, event_name="objectcreated:Put"))
    assert notification.objects == () and notification.other_events == ("objectcreated:Put",)


def test_the_bucket_is_the_notifications_own():
    [created] = parse_body(s3_notification(KEY, bucket="another-bucket")).objects
    assert created.bucket == "another-bucket"


# --- s3:TestEvent ----------------------------------------------------------------------------


def test_the_s3_test_event_is_a_test_event_with_no_objects():
    notification = parse_body(TEST_EVENT_BODY)
    assert notification.test_event is True
    assert notification.objects == () and notification.other_events == ()


def test_only_the_s3_test_event_is_a_test_event():
    """The positive control above: another Event value is not one, and needs Records."""
    other = json.loads(TEST_EVENT_BODY) | {"Event": "s3:SomethingElse"}
    malformed(json.dumps(other), "the body has no Records")
    assert parse_body(json.dumps({"Event": "s3:Other", "Records": [record_of()]})).test_event is False


# --- malformed bodies, each next to the valid one ------------------------------------------------


@pytest.mark.parametrize("body", ["", "not json", "{", "{'Records': []}"])
def test_a_body_that_is_not_json_is_malformed(body):
    malformed(body, "the body is not JSON")


@pytest.mark.parametrize("body", ["[]", "[{}]", '"Records"', "5", "null", "true"])
def test_a_json_body_that_is_not_an_object_is_malformed(body):
    malformed(body, "the body is not a JSON object")


@pytest.mark.parametrize(
    "body",
    ["{}", '{"Records": []}', '{"Records": null}', '{"Records": 5}', '{"Records": {"0": {}}}', '{"records": [{}]}'],
)
def test_a_body_without_a_list_of_records_is_malformed(body):
    malformed(body, "the body has no Records")


@pytest.mark.parametrize("record", ["a record", 5, None, ["eventName"]])
def test_a_record_that_is_not_an_object_is_malformed(record):
    malformed(notification_with(record_of(), record), "a record is not an object")


@pytest.mark.parametrize(
    "record",
    [
        record_of(eventName=None),
        record_of(s3=None),
        record_of(s3={"bucket": {"name": BUCKET}}),
        record_of(s3={"object": {"key": KEY}}),
        record_of(s3={"bucket": {}, "object": {"key": KEY}}),
        record_of(s3={"bucket": {"name": BUCKET}, "object": {"size": 1}}),
        record_of(s3="s3"),
        record_of(s3={"bucket": "b", "object": {"key": KEY}}),
        record_of(s3={"bucket": {"name": BUCKET}, "object": ["key"]}),
    ],
)
def test_a_record_without_event_bucket_or_key_is_malformed(record):
    malformed(notification_with(record_of(), record), "a record lacks eventName, s3.bucket.name or s3.object.key")


@pytest.mark.parametrize(
    "record",
    [
        record_of(eventName=""),
        record_of(eventName=7),
        record_of(s3={"bucket": {"name": ""}, "object": {"key": KEY}}),
        record_of(s3={"bucket": {"name": ["b"]}, "object": {"key": KEY}}),
        record_of(s3={"bucket": {"name": BUCKET}, "object": {"key": ""}}),
        record_of(s3={"bucket": {"name": BUCKET}, "object": {"key": 5}}),
        record_of(s3={"bucket": {"name": BUCKET}, "object": {"key": {"S": KEY}}}),
    ],
)
def test_an_empty_or_non_string_event_bucket_or_key_is_malformed(record):
    malformed(notification_with(record_of(), record), "eventName, bucket and key must be non-empty strings")


def test_the_minimal_record_is_enough():
    """The positive control of the refusals above: only eventName, s3.bucket.name, s3.object.key."""
    minimal = {"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": BUCKET}, "object": {"key": KEY}}}
    assert parse_body(notification_with(minimal)).objects == (ObjectCreated("ObjectCreated:Put", BUCKET, KEY),)
