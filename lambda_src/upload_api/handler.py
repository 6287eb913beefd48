"""Lambda entry point (`upload_api.handler.handler`): API Gateway REST v1 proxy events."""

from __future__ import annotations

import json
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from botocore.config import Config as BotoConfig

from upload_api.app import Services, build_app, logger
from upload_api.auth import UserTokenVerifier
from upload_api.config import ConfigError, from_env
from upload_api.download_tokens import KmsTokenSigner
from upload_api.ratelimit import RateLimiter

_app: APIGatewayRestResolver | None = None


def services_from_env() -> Services:
    """Everything a request needs, built once per container. Endpoints come from boto3's
    standard AWS_ENDPOINT_URL* variables (LocalStack locally), never from our own code."""
    config = from_env()
    retries = BotoConfig(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)
    return Services(
        config=config,
        s3=boto3.client("s3", config=retries.merge(BotoConfig(signature_version="s3v4"))),
        verifier=UserTokenVerifier(
            config.user_jwt_issuer,
            config.user_jwt_audience,
            config.user_jwt_algorithms,
            jwks_url=config.user_jwks_url,
            jwks=config.user_jwks,
        ),
        limiter=RateLimiter(
            boto3.client("dynamodb", config=retries),
            config.rate_limit_table,
            config.rate_limit_max_requests,
            config.rate_limit_window_seconds,
        ),
        signer=KmsTokenSigner(
            boto3.client("kms", config=retries),
            key_id=config.signing_key_id,
            kid=config.signing_kid,
            issuer=config.download_token_issuer,
            audience=config.download_token_audience,
            ttl_seconds=config.download_token_ttl_seconds,
        ),
    )


def _misconfigured() -> dict[str, Any]:
    body = {"error": {"code": "misconfigured", "message": "The service is misconfigured."}}
    return {
        "statusCode": 500,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def _request_id(event: object) -> str | None:
    try:
        request_id = event["requestContext"]["requestId"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    return request_id if isinstance(request_id, str) else None


def reset() -> None:
    """Forget the cold-start state (tests change the environment between cases)."""
    global _app  # noqa: PLW0603
    _app = None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _app  # noqa: PLW0603 - built once per container, on the first request
    logger.set_correlation_id(_request_id(event))
    if _app is None:
        try:
            _app = build_app(services_from_env())
        except (ConfigError, ValueError) as exc:
            logger.error("configuration error", extra={"error": str(exc)})
            return _misconfigured()
        except Exception as exc:  # e.g. botocore's NoRegionError: still an answer, not a crash
            logger.error("cold start failed", extra={"error_type": type(exc).__name__})
            return _misconfigured()
    return _app.resolve(event, context)
