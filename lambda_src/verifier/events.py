"""The SQS messages the verifier receives: each body is an S3 event notification.

S3 sends `{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name"}, "object":
{"key", "size", ...}}}]}` with the key URL-encoded ('+' for a space), and once, when the
notification is configured, `{"Event": "s3:TestEvent", ...}`, which carries no object."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import unquote_plus

TEST_EVENT = "s3:TestEvent"


class MalformedMessageError(ValueError):
    """The body is not an S3 event notification. Retrying cannot fix it, but failing the item
    lets the redrive policy park it in the dead-letter queue, where an operator can read it."""


@dataclass(frozen=True)
class ObjectCreated:
    event_name: str
    bucket: str
    key: str  # decoded


@dataclass(frozen=True)
class Notification:
    objects: tuple[ObjectCreated, ...]
    other_events: tuple[str, ...] = ()  # event names that are not ObjectCreated:*
    test_event: bool = False


def parse_body(body: str) -> Notification:
    try:
        message = json.loads(body)
    except ValueError:
        raise MalformedMessageError("the body is not JSON") from None
    if not isinstance(message, dict):
        raise MalformedMessageError("the body is not a JSON object")
    if message.get("Event") == TEST_EVENT:
        return Notification(objects=(), test_event=True)
    records = message.get("Records")
    if not isinstance(records, list) or not records:
        raise MalformedMessageError("the body has no Records")
    objects: list[ObjectCreated] = []
    others: list[str] = []
    for record in records:
        event_name, bucket, key = _fields(record)
        if event_name.startswith("ObjectCreated:"):
            objects.append(ObjectCreated(event_name, bucket, unquote_plus(key)))
        else:
            others.append(event_name)
    return Notification(tuple(objects), tuple(others))


def _fields(record: object) -> tuple[str, str, str]:
    if not isinstance(record, dict):
        raise MalformedMessageError("a record is not an object")
    try:
        event_name, s3 = record["eventName"], record["s3"]
        bucket, key = s3["bucket"]["name"], s3["object"]["key"]
    except (KeyError, TypeError):
        raise MalformedMessageError("a record lacks eventName, s3.bucket.name or s3.object.key") from None
    if not all(isinstance(value, str) and value for value in (event_name, bucket, key)):
        raise MalformedMessageError("eventName, bucket and key must be non-empty strings")
    return event_name, bucket, key
