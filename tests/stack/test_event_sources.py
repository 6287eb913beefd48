"""The SQS event source mapping: what is deleted, what is left for redelivery (moto's SQS server,
the function in an awslambdaric worker)."""

import threading
import time

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from stack.event_sources import Control, MappingSettings, SqsEventSource, failed_ids, settings_from_plan
from stack.plan import Plan, Unresolved


@pytest.fixture(scope="module")
def sqs_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def queue(sqs_endpoint, request):
    credentials = {"region_name": "us-east-1", "aws_access_key_id": "test", "aws_secret_access_key": "test"}
    sqs = boto3.client("sqs", endpoint_url=sqs_endpoint, **credentials)
    name = request.node.name.replace("[", "-").replace("]", "")[:70]
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return sqs, url, arn


def _send(sqs, url: str, *bodies: str) -> list[str]:
    return [sqs.send_message(QueueUrl=url, MessageBody=body)["MessageId"] for body in bodies]


def _left(sqs, url: str) -> list[str]:
    """Bodies still in the queue once their visibility timeout (1 s) has passed."""
    time.sleep(1.2)
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    return sorted(m["Body"] for m in messages)


def _source(queue, function_host, **settings) -> SqsEventSource:
    sqs, url, arn = queue
    host = function_host("sqs_batch.handler", function_name="sqs-fn")
    return SqsEventSource(sqs, MappingSettings(queue_url=url, queue_arn=arn, **settings), host.invoke)


def test_a_reported_failure_stays_and_the_successes_are_deleted(queue, function_host) -> None:
    sqs, url, _ = queue
    ok_id, failed_id = _send(sqs, url, "ok", "fail")
    source = _source(queue, function_host)

    outcome = source.process(source.receive_batch(first_wait=2))

    assert sorted(outcome.received) == sorted([ok_id, failed_id])
    assert outcome.deleted == [ok_id]
    assert outcome.kept == [failed_id]
    assert _left(sqs, url) == ["fail"]


def test_a_batch_without_failures_is_deleted_whole(queue, function_host) -> None:
    sqs, url, _ = queue
    _send(sqs, url, "a", "b", "c")
    source = _source(queue, function_host)

    outcome = source.process(source.receive_batch(first_wait=2))

    assert len(outcome.deleted) == 3 and outcome.kept == []
    assert _left(sqs, url) == []


@pytest.mark.parametrize("poison", ["crash", "invalid"])
def test_a_function_error_or_an_invalid_answer_keeps_the_whole_batch(queue, function_host, poison) -> None:
    sqs, url, _ = queue
    _send(sqs, url, "ok", poison)
    source = _source(queue, function_host)

    outcome = source.process(source.receive_batch(first_wait=2))

    assert outcome.deleted == [] and len(outcome.kept) == 2 and outcome.error
    assert _left(sqs, url) == sorted(["ok", poison])


def test_without_report_batch_item_failures_any_answer_deletes_the_batch(queue, function_host) -> None:
    sqs, url, _ = queue
    _send(sqs, url, "ok", "fail")
    source = _source(queue, function_host, report_batch_item_failures=False)

    outcome = source.process(source.receive_batch(first_wait=2))

    assert len(outcome.deleted) == 2
    assert _left(sqs, url) == []


def test_the_batch_size_bounds_one_invocation(queue, function_host) -> None:
    sqs, url, _ = queue
    _send(sqs, url, *[f"m{n}" for n in range(5)])
    source = _source(queue, function_host, batch_size=2, maximum_batching_window_seconds=1)

    batch = source.receive_batch(first_wait=2)

    assert len(batch) == 2


def test_the_event_is_the_sqs_shape_with_the_queue_arn(queue) -> None:
    sqs, url, arn = queue
    (sent,) = _send(sqs, url, '{"Records": []}')
    events = []
    source = SqsEventSource(sqs, MappingSettings(queue_url=url, queue_arn=arn), lambda e: events.append(e) or None)

    source.process(source.receive_batch(first_wait=2))

    (record,) = events[0]["Records"]
    assert (record["messageId"], record["body"], record["eventSource"], record["eventSourceARN"]) == (
        sent,
        '{"Records": []}',
        "aws:sqs",
        arn,
    )
    assert record["attributes"]["ApproximateReceiveCount"] == "1"


def test_disabled_mapping_polls_nothing_until_enabled(queue, serve_app) -> None:
    sqs, url, arn = queue
    _send(sqs, url, "ok")
    events = []
    source = SqsEventSource(sqs, MappingSettings(queue_url=url, queue_arn=arn), lambda e: events.append(e) or None)
    control = serve_app(Control(source)) + "/_event_sources"
    assert requests.put(control, json={"enabled": False}, timeout=5).json()["enabled"] is False
    stop = threading.Event()
    threading.Thread(target=source.run, args=(stop,), daemon=True).start()
    try:
        time.sleep(1.5)
        assert events == []
        assert requests.put(control, json={"enabled": True}, timeout=5).json()["enabled"] is True
        deadline = time.monotonic() + 10
        while not events and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(events) == 1
        assert requests.get(control, timeout=5).json()["deleted"] == 1
    finally:
        stop.set()
    assert requests.put(control, json={"enabled": "no"}, timeout=5).status_code == 400


def test_a_batch_received_while_disabling_goes_back_unprocessed(queue) -> None:
    sqs, url, arn = queue
    _send(sqs, url, "ok")
    events = []
    source = SqsEventSource(sqs, MappingSettings(queue_url=url, queue_arn=arn), lambda e: events.append(e) or None)
    source.set_enabled(False)  # as if the switch flipped during the long poll

    source._poll_once()

    assert events == []
    # Visible again at once, not after the visibility timeout.
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    assert [m["Body"] for m in again] == ["ok"]


@pytest.mark.parametrize(
    ("answer", "failed"),
    [
        (None, []),
        ({}, []),
        ({"batchItemFailures": []}, []),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, ["b"]),
        ({"batchItemFailures": [{"itemIdentifier": "z"}]}, None),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, None),
        ({"batchItemFailures": [{"id": "b"}]}, None),
        ({"batchItemFailures": "b"}, None),
        ("b", None),
    ],
)
def test_failed_ids_follow_lambdas_rules(answer, failed) -> None:
    assert failed_ids(answer, ["a", "b"]) == failed


def _plan(mapping_values: dict, unknown: dict | None = None) -> Plan:
    address = "module.uploads.module.verification.aws_lambda_event_source_mapping.verification"
    return Plan(
        {
            "planned_values": {
                "root_module": {
                    "resources": [
                        {
                            "address": address,
                            "mode": "managed",
                            "type": "aws_lambda_event_source_mapping",
                            "name": "verification",
                            "values": mapping_values,
                        }
                    ]
                }
            },
            "resource_changes": [{"address": address, "change": {"after_unknown": unknown or {}}}],
        }
    )


def test_settings_come_from_the_planned_mapping_and_the_created_queue() -> None:
    arn = "arn:aws:sqs:us-east-1:000000000000:uploads-local-verification"
    plan = _plan(
        {
            "event_source_arn": arn,
            "batch_size": 7,
            "maximum_batching_window_in_seconds": 3,
            "function_response_types": ["ReportBatchItemFailures"],
            "scaling_config": [],
        }
    )
    created = {"q": {"arn": arn, "url": "http://127.0.0.1:4566/000000000000/uploads-local-verification"}}

    settings = settings_from_plan(plan, created)

    assert settings == {
        "queue_url": created["q"]["url"],
        "queue_arn": arn,
        "batch_size": 7,
        "maximum_batching_window_seconds": 3.0,
        "report_batch_item_failures": True,
        "maximum_concurrency": None,
    }
    with pytest.raises(Unresolved):
        settings_from_plan(plan, {})
    with pytest.raises(Unresolved):
        settings_from_plan(_plan({"batch_size": 7}, {"event_source_arn": True}), created)
