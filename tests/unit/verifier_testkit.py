"""SQS events carrying S3 event notifications, shaped like AWS's samples ("Using Lambda with
Amazon SQS" and "Event message structure" in the S3 User Guide), and the verifier's environment."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote_plus

from lambda_testkit import BUCKET, REGION, UPLOAD_TABLE

QUEUE_ARN = f"arn:aws:sqs:{REGION}:123456789012:uploads-verification"


def verifier_environment(**overrides: str) -> dict[str, str]:
    env = {
        "BUCKET_NAME": BUCKET,
        "UPLOAD_TABLE": UPLOAD_TABLE,
        "QUARANTINE_PREFIX": "quarantine/",
        "PUBLISHED_PREFIX": "uploads/",
        "REJECTED_PREFIX": "rejected/",
        "ALLOWED_CONTENT_TYPES": "image/jpeg,image/png,image/gif,image/webp,image/avif",
        "MAX_IMAGE_PIXELS": "40000000",
        "POWERTOOLS_SERVICE_NAME": "upload-verifier",
        "POWERTOOLS_METRICS_NAMESPACE": "UploadVerifier",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    env.update(overrides)
    return env


def s3_notification(key: str, *, size: int = 1, bucket: str = BUCKET, event_name: str = "ObjectCreated:Put") -> str:
    """The body S3 sends to SQS for one object; the key URL-encoded as S3 does ('+' for space)."""
    return json.dumps(
        {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": REGION,
                    "eventTime": "2026-11-25T13:00:00.000Z",
                    "eventName": event_name,
                    "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
                    "requestParameters": {"sourceIPAddress": "203.0.113.10"},
                    "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8x"},
                    "s3": {
                        "s3SchemaVersion": "1.0",
                        "configurationId": "quarantine-created",
                        "bucket": {
                            "name": bucket,
                            "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                            "arn": f"arn:aws:s3:::{bucket}",
                        },
                        "object": {
                            "key": quote_plus(key, safe="/"),
                            "size": size,
                            "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                            "sequencer": "0055AED6DCD90281E5",
                        },
                    },
                }
            ]
        }
    )


TEST_EVENT_BODY = json.dumps(
    {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2026-11-25T13:00:00.000Z",
        "Bucket": BUCKET,
        "RequestId": "5582815E1AEA5ADF",
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    }
)


def sqs_event(*bodies: str, receive_count: int = 1) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"059f36b4-87a3-44ab-83d2-66197{index:07d}",
                "receiptHandle": f"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a{index}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": str(receive_count),
                    "SentTimestamp": "1545082649183",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1545082649185",
                },
                "messageAttributes": {},
                "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                "eventSource": "aws:sqs",
                "eventSourceARN": QUEUE_ARN,
                "awsRegion": REGION,
            }
            for index, body in enumerate(bodies)
        ]
    }
