"""The HTTP edge of the upload API: routes, CORS and the error format.

Route functions only translate between HTTP and the plain functions in uploads.py and
downloads.py; every failure becomes {"error": {"code", "message"}} with its status."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types

from upload_api.auth import Principal, UserTokenVerifier, bearer_token
from upload_api.config import Config
from upload_api.download_tokens import KmsTokenSigner
from upload_api.downloads import create_download, parse_download_request
from upload_api.errors import ApiError, BadRequestError, MethodNotAllowedError, NotFoundError, PayloadTooLargeError
from upload_api.ratelimit import RateLimiter
from upload_api.uploads import create_upload, parse_upload_request

MAX_BODY_BYTES = 16 * 1024
ROUTES = {"/uploads": "POST", "/downloads": "POST"}
# Responses carry presigned URLs and tokens: no cache anywhere may keep them.
COMMON_HEADERS = {"Cache-Control": "no-store", "Vary": "Origin"}

logger = Logger()


@dataclass(frozen=True)
class Services:
    config: Config
    s3: Any
    verifier: UserTokenVerifier
    limiter: RateLimiter
    signer: KmsTokenSigner


def error_response(error: ApiError) -> Response[str]:
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"error": {"code": error.code, "message": error.message}}),
        headers={**COMMON_HEADERS, **error.headers},
    )


def json_response(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body), headers=COMMON_HEADERS
    )


def _cors(config: Config) -> CORSConfig | None:
    if not config.allowed_origins:
        return None
    first, *others = config.allowed_origins
    return CORSConfig(
        allow_origin=first,
        extra_origins=others,
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=["Retry-After"],
        max_age=600,
    )


def build_app(services: Services) -> APIGatewayRestResolver:
    # debug=False even if POWERTOOLS_DEV is set: debug mode prints whole events (bearer
    # tokens included) and returns stack traces in 500 responses.
    app = APIGatewayRestResolver(cors=_cors(services.config), debug=False)

    def json_body() -> object:
        raw = app.current_event.decoded_body or ""
        if len(raw.encode("utf-8")) > MAX_BODY_BYTES:
            raise PayloadTooLargeError("The request body is too large.")
        try:
            return json.loads(raw)
        except ValueError:
            raise BadRequestError("The body must be JSON.") from None

    def caller() -> Principal:
        return services.verifier.verify(bearer_token(app.current_event.headers or {}))

    @app.post("/uploads")
    def post_uploads() -> Response[str]:
        principal = caller()
        request = parse_upload_request(json_body(), services.config)
        now = int(time.time())
        services.limiter.hit("uploads", principal.sub, now)
        body = create_upload(request, principal, services.config, services.s3, now)
        logger.info("upload presigned", extra={"key": body["key"], "method": body["method"], "size": request.size})
        return json_response(201, body)

    @app.post("/downloads")
    def post_downloads() -> Response[str]:
        principal = caller()
        key = parse_download_request(json_body())
        body = create_download(key, principal, services.config, services.signer, int(time.time()))
        logger.info("download token minted", extra={"path": body["url"].split("?", 1)[0]})
        return json_response(200, body)

    @app.not_found
    def not_found(_: Exception) -> Response[str]:
        allowed = ROUTES.get(app.current_event.path)
        if allowed is not None:
            error = MethodNotAllowedError(f"Use {allowed}.", {"Allow": f"{allowed}, OPTIONS"})
            return error_response(error)
        return error_response(NotFoundError("No such route."))

    @app.exception_handler(ApiError)
    def api_error(error: ApiError) -> Response[str]:
        log = logger.warning if error.status < 500 else logger.error
        log("request refused", extra={"status": error.status, "code": error.code})
        return error_response(error)

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response[str]:
        # The type only: exception texts from libraries can quote their input.
        logger.error("unhandled error", extra={"error_type": type(error).__name__})
        return error_response(ApiError())

    return app
