"""The SQS event a Lambda function receives through an event source mapping.

The shape is AWS's "Example Amazon SQS message event (standard queue)" (Lambda Developer Guide,
"Using Lambda with Amazon SQS"); tests/events/sqs_receive_message.json is that sample, and the
tests compare. A record is built from a message as ReceiveMessage returns it (boto3's shape):
attribute names stay as SQS spells them, message attributes become camelCase.
"""

from __future__ import annotations

from typing import Any


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """ReceiveMessage's {StringValue, BinaryValue, DataType} -> the event's camelCase form."""
    entry: dict[str, Any] = {
        "stringListValues": value.get("StringListValues", []),
        "binaryListValues": value.get("BinaryListValues", []),
        "dataType": value.get("DataType", "String"),
    }
    if "StringValue" in value:
        entry["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        entry["binaryValue"] = value["BinaryValue"]
    return entry


def sqs_record(message: dict[str, Any], *, queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _message_attribute(value) for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def sqs_event(messages: list[dict[str, Any]], *, queue_arn: str, region: str) -> dict[str, Any]:
    """{"Records": [...]}: one record per received message, in the order received."""
    return {"Records": [sqs_record(m, queue_arn=queue_arn, region=region) for m in messages]}
