"""Lambda entry point (`upload_api.handler.handler`): API Gateway REST v1 proxy events.

The configuration is read and the clients are built once, at cold start (module import);
an unusable environment makes every request a 500 `misconfigured`, logged with the reason."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from upload_api import budget
from upload_api.app import build_app, logger
from upload_api.auth import UserTokenVerifier
from upload_api.budget import Deadline
from upload_api.config import ConfigError, from_env
from upload_api.download_tokens import KmsTokenSigner
from upload_api.metrics import configure as configure_metrics
from upload_api.metrics import metrics
from upload_api.ratelimit import RateLimiter
from upload_api.records import UploadRecords
from upload_api.services import Services


def services_from_env() -> Services:
    """Everything a request needs. Endpoints come from the SDK's standard AWS_ENDPOINT_URL*
    variables (LocalStack locally), never from our own code."""
    config = from_env()
    configure_metrics(config)
    deadline = Deadline()
    dynamodb = budget.client("dynamodb", deadline)
    return Services(
        config=config,
        s3=budget.client("s3", deadline, signature_version="s3v4"),
        verifier=UserTokenVerifier(
            config.user_jwt_issuer,
            config.user_jwt_audience,
            config.user_jwt_algorithms,
            jwks_url=config.user_jwks_url,
            jwks=config.user_jwks,
            deadline=deadline,
        ),
        limiter=RateLimiter(
            dynamodb, config.rate_limit_table, config.rate_limit_max_requests, config.rate_limit_window_seconds
        ),
        part_limiter=RateLimiter(
            dynamodb, config.rate_limit_table, config.part_sign_max_requests, config.rate_limit_window_seconds
        ),
        records=UploadRecords(dynamodb, config.upload_table),
        signer=KmsTokenSigner(
            # Made on the first `POST /downloads`; the S3 client above already fails fast on
            # a missing region or bad endpoint settings, at cold start.
            budget.lazy_client("kms", deadline),
            key_id=config.signing_key_id,
            kid=config.signing_kid,
            issuer=config.download_token_issuer,
            audience=config.download_token_audience,
            ttl_seconds=config.download_token_ttl_seconds,
        ),
        deadline=deadline,
    )


@dataclass(frozen=True)
class ColdStart:
    services: Services | None


def cold_start() -> ColdStart:
    try:
        return ColdStart(services_from_env())
    except (ConfigError, ValueError) as exc:
        logger.error("configuration error", extra={"error": str(exc)})
    except Exception as exc:  # e.g. botocore's NoRegionError: still an answer, not a crash
        logger.error("cold start failed", extra={"error_type": type(exc).__name__})
    return ColdStart(None)


_state = cold_start()
_app = build_app(_state.services.config) if _state.services else None


def reset() -> None:
    """Run the cold start again (tests change the environment between cases)."""
    global _state, _app  # noqa: PLW0603
    _state = cold_start()
    _app = build_app(_state.services.config) if _state.services else None


def _misconfigured() -> dict[str, Any]:
    body = {"error": {"code": "misconfigured", "message": "The service is misconfigured."}}
    return {
        "statusCode": 500,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


# log_metrics outermost: the EMF blob is printed after the answer is made, whatever the route
# added (a cold start that failed adds nothing: its 500s show as API Gateway 5XXError).
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if _state.services is None or _app is None:
        return _misconfigured()
    _state.services.deadline.start(context)
    _app.append_context(services=_state.services)  # type: ignore[no-untyped-call]
    return _app.resolve(event, context)
