"""Lambda entry point (`verifier.handler.handler`): SQS batches of S3 event notifications.

The configuration is read and the clients are built once, at cold start. Each SQS message is
one item of a Powertools BatchProcessor: an item fails (and SQS redelivers it later, then the
redrive policy parks it in the dead-letter queue) only when something transient went wrong or
the message is not an S3 notification; every verdict, a duplicate and an event that concerns
no upload succeed it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config as BotoConfig

from verifier.config import DEFAULT_SERVICE_NAME, Config, ConfigError, from_env
from verifier.events import MalformedMessageError, parse_body
from verifier.records import Records
from verifier.verify import Outcome, Verifier

VERDICTS_METRIC = "Verdicts"
# Short timeouts and few retries: a slow dependency fails the item, and SQS retries it later.
_BOTO = BotoConfig(
    connect_timeout=5, read_timeout=60, retries={"mode": "standard", "max_attempts": 3}, signature_version="s3v4"
)

# Named here, not from the environment: a logger of its own even where another function's
# Powertools Logger lives in the same interpreter (the unit tests); the configured service
# name is appended at cold start.
logger = Logger(service=DEFAULT_SERVICE_NAME)


class MisconfiguredError(RuntimeError):
    """The environment is unusable: every batch fails whole, until an operator fixes it."""


@dataclass(frozen=True)
class ColdStart:
    config: Config | None
    verifier: Verifier | None


def cold_start() -> ColdStart:
    try:
        config = from_env()
        s3 = boto3.client("s3", config=_BOTO)
        records = Records(boto3.client("dynamodb", config=_BOTO), config.upload_table)
    except ConfigError as exc:
        logger.error("configuration error", extra={"error": str(exc)})
        return ColdStart(None, None)
    except Exception as exc:  # e.g. botocore's NoRegionError: logged by type, not text
        logger.error("cold start failed", extra={"error_type": type(exc).__name__})
        return ColdStart(None, None)
    logger.append_keys(service=config.service_name)
    return ColdStart(config, Verifier(config, s3, records))


_state = cold_start()
_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def reset() -> None:
    """Run the cold start again (tests change the environment between cases)."""
    global _state  # noqa: PLW0603
    _state = cold_start()


def _report(outcome: Outcome, config: Config) -> None:
    extra: dict[str, Any] = {"key": outcome.key, "verdict": outcome.verdict, "reason": outcome.reason}
    if outcome.detail:
        extra["detail"] = outcome.detail
    logger.info("verdict", extra=extra)
    # One series per verdict and per rejection reason (duplicates and drops: one each).
    counted = outcome.reason if outcome.verdict == "rejected" else outcome.verdict
    dimensions = {"service": config.service_name, "outcome": str(counted)}
    with single_metric(
        name=VERDICTS_METRIC,
        unit=MetricUnit.Count,
        value=1,
        namespace=config.metrics_namespace,
        default_dimensions=dimensions,
    ):
        pass


def record_handler(record: SQSRecord) -> None:
    verifier, config = _state.verifier, _state.config
    if verifier is None or config is None:
        raise MisconfiguredError("the verifier is misconfigured")
    try:
        notification = parse_body(record.body)
    except MalformedMessageError as exc:
        logger.error("message is not an S3 notification", extra={"message_id": record.message_id, "error": str(exc)})
        raise
    if notification.test_event:
        logger.info("s3:TestEvent skipped", extra={"message_id": record.message_id})
        return
    for event_name in notification.other_events:
        logger.info("event dropped", extra={"event_name": event_name, "verdict": "dropped", "reason": "not_created"})
    receive_count = int(record.attributes.approximate_receive_count or 1)
    for created in notification.objects:
        try:
            outcome = verifier.handle(created, receive_count=receive_count)
        except Exception as exc:
            # The type and the key only: an exception's text may quote a request.
            logger.warning(
                "item failed; SQS redelivers it", extra={"key": created.key, "error_type": type(exc).__name__}
            )
            raise
        _report(outcome, config)


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if _state.verifier is None:
        raise MisconfiguredError("the verifier is misconfigured; see the cold start log line")
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=_processor, context=context
    )
    return dict(response)
