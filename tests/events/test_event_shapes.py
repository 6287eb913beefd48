"""The one builder of each AWS event shape (harness/events) against AWS's documented samples.

The samples (this directory, see README.md) are AWS's own examples; a builder that drops,
renames or re-types a member fails here before any adapter or unit test uses it.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from events.apigw import rest_proxy_event
from events.cloudfront import viewer_request_event
from events.sqs import sqs_event

HERE = Path(__file__).parent
APIGW = json.loads((HERE / "apigw_rest_proxy.json").read_text())
CLOUDFRONT = json.loads((HERE / "cloudfront_viewer_request.json").read_text())


def shape(value: Any) -> Any:
    """Member names and JSON types, recursively (lists by their first element; null is any)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None if value is None else type(value).__name__


def same_shape(built: Any, documented: Any, where: str = "event") -> list[str]:
    """Differences in member names and types; null on either side matches anything."""
    if built is None or documented is None:
        return []
    if isinstance(documented, dict):
        if not isinstance(built, dict):
            return [f"{where}: {type(built).__name__} instead of an object"]
        problems = [f"{where}.{key}: missing" for key in documented if key not in built]
        problems += [f"{where}.{key}: not in AWS's sample" for key in built if key not in documented]
        for key in set(documented) & set(built):
            problems += same_shape(built[key], documented[key], f"{where}.{key}")
        return problems
    if isinstance(documented, list):
        if not isinstance(built, list):
            return [f"{where}: {type(built).__name__} instead of a list"]
        return same_shape(built[0], documented[0], f"{where}[0]") if built and documented else []
    if type(built) is type(documented):
        return []
    return [f"{where}: {type(built).__name__} vs {type(documented).__name__}"]


def _apigw_sample_rebuilt() -> dict[str, Any]:
    return rest_proxy_event(
        method="GET",
        path="/my/path",
        resource="/my/path",
        stage="$default",
        headers=[("header1", "value1"), ("header2", "value1"), ("header2", "value2")],
        query=[("parameter1", "value1"), ("parameter1", "value2"), ("parameter2", "value")],
        body="Hello from Lambda!",
        source_ip="192.0.2.1",
        api_id="id",
        account_id="123456789012",
        request_id="id=",
        extended_request_id="request-id",
        now=datetime(2020, 3, 4, 19, 15, 17, 135000, tzinfo=UTC),
    )


def test_rest_proxy_event_has_the_documented_shape() -> None:
    assert same_shape(_apigw_sample_rebuilt(), APIGW) == []


def test_rest_proxy_event_has_the_documented_values() -> None:
    event = _apigw_sample_rebuilt()
    for key in ("resource", "path", "httpMethod", "headers", "multiValueHeaders"):
        assert event[key] == APIGW[key], key
    # The sample's single-value query map shows the first value while its header map shows the
    # last; API Gateway keeps the last for both (and so does the builder, unchanged behaviour).
    assert event["queryStringParameters"] == {"parameter1": "value2", "parameter2": "value"}
    assert event["multiValueQueryStringParameters"] == APIGW["multiValueQueryStringParameters"]
    assert (event["body"], event["isBase64Encoded"]) == (APIGW["body"], APIGW["isBase64Encoded"])
    context, documented = event["requestContext"], APIGW["requestContext"]
    for key in ("accountId", "apiId", "httpMethod", "requestId", "requestTime", "requestTimeEpoch", "stage"):
        assert context[key] == documented[key], key
    assert context["identity"]["sourceIp"] == documented["identity"]["sourceIp"]


def test_rest_proxy_event_nulls_empty_maps_as_api_gateway_does() -> None:
    event = rest_proxy_event(method="POST", path="/x", resource="/x", stage="v1")
    for key in ("headers", "multiValueHeaders", "queryStringParameters", "pathParameters", "stageVariables"):
        assert event[key] is None, key
    assert event["requestContext"]["path"] == "/v1/x"


def _cloudfront_sample_rebuilt() -> dict[str, Any]:
    documented = CLOUDFRONT["Records"][0]["cf"]
    headers = [(item["key"], item["value"]) for items in documented["request"]["headers"].values() for item in items]
    return viewer_request_event(
        uri="/",
        headers=headers,
        client_ip="203.0.113.178",
        distribution_domain="d111111abcdef8.cloudfront.net",
        distribution_id="EDFDVBD6EXAMPLE",
        request_id=documented["config"]["requestId"],
    )


def test_viewer_request_event_is_the_documented_sample() -> None:
    event = _cloudfront_sample_rebuilt()
    assert same_shape(event, CLOUDFRONT) == []
    assert event == CLOUDFRONT


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda e: e.pop("resource"), "event.resource: missing"),
        (lambda e: e.update(extra=1), "event.extra: not in AWS's sample"),
        (lambda e: e.update(isBase64Encoded="false"), "event.isBase64Encoded: str vs bool"),
        (lambda e: e["requestContext"]["identity"].pop("sourceIp"), "event.requestContext.identity.sourceIp: missing"),
    ],
)
def test_the_shape_check_catches_a_drifted_builder(mutate, expected) -> None:
    # The comparison itself can fail: each drift is reported, next to the positive control above.
    event = _apigw_sample_rebuilt()
    mutate(event)
    assert expected in same_shape(event, APIGW)


SQS = json.loads((HERE / "sqs_receive_message.json").read_text())


def _sqs_sample_rebuilt() -> dict[str, Any]:
    """The documented record, from the message ReceiveMessage returned for it."""
    documented = SQS["Records"][0]
    message = {
        "MessageId": documented["messageId"],
        "ReceiptHandle": documented["receiptHandle"],
        "MD5OfBody": documented["md5OfBody"],
        "Body": documented["body"],
        "Attributes": documented["attributes"],
    }
    return sqs_event([message], queue_arn=documented["eventSourceARN"], region=documented["awsRegion"])


def test_sqs_event_has_the_documented_shape_and_values() -> None:
    assert same_shape(_sqs_sample_rebuilt(), SQS) == []
    assert _sqs_sample_rebuilt() == SQS


def test_sqs_message_attributes_take_the_event_form() -> None:
    message = {
        "MessageId": "m-1",
        "ReceiptHandle": "r-1",
        "Body": "{}",
        "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "s3"}},
    }
    (record,) = sqs_event([message], queue_arn="arn:aws:sqs:us-east-1:000000000000:q", region="us-east-1")["Records"]
    assert record["messageAttributes"] == {
        "kind": {"stringValue": "s3", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
    }
