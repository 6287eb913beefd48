"""The Lambda event source mapping of an SQS queue: poll, batch, invoke, delete what succeeded.

What Lambda's SQS poller does, for the one mapping Terraform plans (the verification queue ->
the verifier): long-poll the queue; gather up to `batch_size` messages, waiting at most
`maximum_batching_window_in_seconds` for more once the first arrived (0: invoke with what one
receive returned); invoke the function synchronously with the SQS event (harness/events/sqs.py)
through the local Lambda runtime (stack/lambda_host.py); then delete the messages that
succeeded. With `ReportBatchItemFailures` those are the ones the answer's `batchItemFailures`
does not name; an answer naming an id that is not in the batch, or not shaped as Lambda
expects, fails the whole batch, as Lambda does. A function error (exception, timeout, init
error) deletes nothing. What is not deleted becomes visible again after the queue's visibility
timeout, and SQS's redrive policy moves it to the dead-letter queue after maxReceiveCount
receives: that part is SQS's own (LocalStack's), not emulated here.

A control endpoint on loopback (`GET /_event_sources`: counters; `PUT /_event_sources` with
{"enabled": false}: the mapping's Enabled switch, polling stops) lets tests stop the consumer.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from events.sqs import sqs_event
from stack import paths
from stack.httpbase import HttpRequest, HttpResponse, json_response, load_config, serve
from stack.lambda_host import FunctionError, FunctionHost
from stack.plan import Plan, Unresolved

log = logging.getLogger("stack")
CONTROL_PATH = "/_event_sources"
RECEIVE_LIMIT = 10  # SQS's most messages per ReceiveMessage
LONG_POLL_SECONDS = 5  # short enough that a disabled mapping or a stop is noticed soon


@dataclass(frozen=True)
class MappingSettings:
    queue_url: str
    queue_arn: str
    batch_size: int = 10
    maximum_batching_window_seconds: float = 0.0
    report_batch_item_failures: bool = True
    region: str = paths.REGION


@dataclass
class Counters:
    batches: int = 0
    messages: int = 0
    deleted: int = 0
    failed_items: int = 0
    function_errors: int = 0
    invalid_responses: int = 0
    last_error: str = ""


@dataclass
class BatchOutcome:
    received: list[str] = field(default_factory=list)  # message ids, in order
    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # left for redelivery
    error: str = ""


def failed_ids(answer: Any, batch_ids: list[str]) -> list[str] | None:
    """The message ids the function reported as failed; None when the answer is invalid (then the
    whole batch counts as failed). A null/empty answer or an empty list means all succeeded."""
    if answer is None or answer in ({}, []):
        return []
    if not isinstance(answer, dict):
        return None
    failures = answer.get("batchItemFailures")
    if failures is None:
        return []
    if not isinstance(failures, list):
        return None
    ids = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in batch_ids:
            return None
        ids.append(identifier)
    return ids


class SqsEventSource:
    """One mapping: receives from `sqs` per `settings`, hands each batch to `invoke`."""

    def __init__(self, sqs: Any, settings: MappingSettings, invoke: Callable[[dict[str, Any]], Any]) -> None:
        self.sqs = sqs
        self.settings = settings
        self.invoke = invoke
        self.enabled = threading.Event()
        self.enabled.set()
        self.counters = Counters()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._invoking = 0

    # --- one batch -------------------------------------------------------------------------

    def receive_batch(self, first_wait: float = LONG_POLL_SECONDS) -> list[dict[str, Any]]:
        """Up to batch_size messages: a long poll for the first, then the batching window."""
        settings = self.settings
        messages = self._receive(min(RECEIVE_LIMIT, settings.batch_size), first_wait)
        if not messages:
            return []
        deadline = time.monotonic() + settings.maximum_batching_window_seconds
        while len(messages) < settings.batch_size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            wanted = min(RECEIVE_LIMIT, settings.batch_size - len(messages))
            messages += self._receive(wanted, min(remaining, 20))
        return messages

    def _receive(self, count: int, wait: float) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(
            QueueUrl=self.settings.queue_url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=max(0, min(20, int(wait))),
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = answer.get("Messages", [])
        return messages

    def process(self, messages: list[dict[str, Any]]) -> BatchOutcome:
        """Invoke with the batch; delete what succeeded; keep the rest for redelivery."""
        outcome = BatchOutcome(received=[m["MessageId"] for m in messages])
        if not messages:
            return outcome
        event = sqs_event(messages, queue_arn=self.settings.queue_arn, region=self.settings.region)
        failed: list[str] | None
        try:
            answer = self.invoke(event)
        except FunctionError as error:
            outcome.error = f"{error.error_type}: {error.payload.get('errorMessage', '')}"
            failed = None
        else:
            if self.settings.report_batch_item_failures:
                failed = failed_ids(answer, outcome.received)
                if failed is None:
                    outcome.error = f"invalid batchItemFailures answer: {json.dumps(answer)[:200]}"
            else:
                failed = []
        if failed is None:
            outcome.kept = list(outcome.received)
        else:
            outcome.kept = [i for i in outcome.received if i in set(failed)]
            succeeded = [m for m in messages if m["MessageId"] not in set(failed)]
            outcome.deleted = self._delete(succeeded)
        self._count(outcome)
        return outcome

    def _delete(self, messages: list[dict[str, Any]]) -> list[str]:
        deleted: list[str] = []
        for start in range(0, len(messages), RECEIVE_LIMIT):
            chunk = messages[start : start + RECEIVE_LIMIT]
            entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(chunk)]
            answer = self.sqs.delete_message_batch(QueueUrl=self.settings.queue_url, Entries=entries)
            deleted += [chunk[int(entry["Id"])]["MessageId"] for entry in answer.get("Successful", [])]
            for entry in answer.get("Failed", []):
                log.warning("event source: could not delete %s: %s", chunk[int(entry["Id"])]["MessageId"], entry)
        return deleted

    def _count(self, outcome: BatchOutcome) -> None:
        with self._lock:
            counters = self.counters
            counters.batches += 1
            counters.messages += len(outcome.received)
            counters.deleted += len(outcome.deleted)
            counters.failed_items += len(outcome.kept)
            if outcome.error:
                counters.last_error = outcome.error
                if outcome.error.startswith("invalid"):
                    counters.invalid_responses += 1
                else:
                    counters.function_errors += 1
        if outcome.error:
            log.warning("event source: batch of %d failed (%s)", len(outcome.received), outcome.error)
        elif outcome.kept:
            log.info("event source: %d of %d messages reported failed", len(outcome.kept), len(outcome.received))

    # --- polling -----------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            if not self.enabled.wait(0.5):
                continue
            try:
                self._poll_once()
            except (BotoCoreError, ClientError) as error:
                # The queue unreachable (LocalStack restarting): Lambda's poller backs off and retries.
                log.warning("event source: polling %s failed: %s", self.settings.queue_url, error)
                stop.wait(2)

    def _poll_once(self) -> None:
        messages = self.receive_batch()
        with self._lock:
            if not self.enabled.is_set():
                # Disabled during the long poll: hand the messages back at once, unprocessed.
                self._release(messages)
                return
            self._invoking += 1
        try:
            self.process(messages)
        finally:
            with self._idle:
                self._invoking -= 1
                self._idle.notify_all()

    def _release(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), RECEIVE_LIMIT):
            chunk = messages[start : start + RECEIVE_LIMIT]
            entries = [
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for n, m in enumerate(chunk)
            ]
            self.sqs.change_message_visibility_batch(QueueUrl=self.settings.queue_url, Entries=entries)

    def set_enabled(self, enabled: bool, drain_seconds: float = 60.0) -> None:
        """The mapping's Enabled switch. Disabling returns once no batch is being processed: from
        then on nothing is invoked (a batch received meanwhile goes back to the queue, visible)."""
        if enabled:
            self.enabled.set()
            return
        with self._idle:
            self.enabled.clear()
            self._idle.wait_for(lambda: self._invoking == 0, timeout=drain_seconds)

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {"enabled": self.enabled.is_set(), **asdict(self.counters), "settings": asdict(self.settings)}


# --- settings from the plan ------------------------------------------------------------------


def settings_from_plan(plan: Plan, created: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The (one) planned SQS event source mapping, with the URL of the queue it names, which the
    provisioner created (`created`: address -> real attributes)."""
    mapping = plan.only("aws_lambda_event_source_mapping")
    values = mapping.values
    arn = values.get("event_source_arn")
    if mapping.is_unknown("event_source_arn") or not isinstance(arn, str):
        raise Unresolved(f"{mapping.address}.event_source_arn is unknown in the plan")
    urls = [real["url"] for real in created.values() if real.get("arn") == arn and "url" in real]
    if len(urls) != 1:
        raise Unresolved(f"{mapping.address}: no queue with ARN {arn} was created")
    if values.get("enabled") is False:
        raise Unresolved(f"{mapping.address} is planned disabled")
    scaling = (values.get("scaling_config") or [{}])[0] or {}
    return {
        "queue_url": urls[0],
        "queue_arn": arn,
        "batch_size": int(values.get("batch_size") or 10),
        "maximum_batching_window_seconds": float(values.get("maximum_batching_window_in_seconds") or 0),
        "report_batch_item_failures": "ReportBatchItemFailures" in (values.get("function_response_types") or []),
        "maximum_concurrency": scaling.get("maximum_concurrency"),
    }


# --- the process -----------------------------------------------------------------------------


class Control:
    """GET: counters and settings; PUT {"enabled": bool}: the mapping's Enabled switch."""

    def __init__(self, source: SqsEventSource) -> None:
        self.source = source

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not ipaddress.ip_address(request.client_ip).is_loopback:
            return json_response(403, {"message": "event source control answers loopback clients only"})
        if request.target.split("?", 1)[0] != CONTROL_PATH:
            return json_response(404, {"message": f"only {CONTROL_PATH}"})
        if request.method == "PUT":
            try:
                enabled = json.loads(request.body or b"{}")["enabled"]
            except (ValueError, KeyError, TypeError):
                return json_response(400, {"message": 'body must be {"enabled": true|false}'})
            if not isinstance(enabled, bool):
                return json_response(400, {"message": "enabled must be true or false"})
            self.source.set_enabled(enabled)
            log.info("event source: %s", "enabled" if enabled else "disabled")
        elif request.method != "GET":
            return json_response(405, {"message": "GET or PUT"})
        return json_response(200, self.source.status())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="SQS event source mapping (poller) for the local stack")
    parser.add_argument("--config", required=True, help="JSON written by `python -m stack up`")
    config = load_config(parser.parse_args(argv).config)
    function = config["function"]
    mapping = config["mapping"]
    # Lambda's poller scales out with the backlog up to maximum_concurrency; here a few pollers.
    pollers = int(config.get("pollers") or 1)
    host = FunctionHost.from_config(function, max_workers=pollers)
    sqs = boto3.client(
        "sqs",
        endpoint_url=config["endpoint"],
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, read_timeout=30),
        **paths.CREDENTIALS,
    )
    settings = MappingSettings(
        queue_url=mapping["queue_url"],
        queue_arn=mapping["queue_arn"],
        batch_size=mapping["batch_size"],
        maximum_batching_window_seconds=mapping["maximum_batching_window_seconds"],
        report_batch_item_failures=mapping["report_batch_item_failures"],
    )
    source = SqsEventSource(sqs, settings, host.invoke)
    stop = threading.Event()
    for number in range(pollers):
        threading.Thread(target=source.run, args=(stop,), name=f"poller-{number}", daemon=True).start()
    try:
        serve((config.get("host", paths.HOST), config["port"]), Control(source), "event-sources")
    finally:
        stop.set()
        host.close()


if __name__ == "__main__":
    main()
