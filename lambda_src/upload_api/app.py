"""The HTTP edge of the upload API: one resolver, a Router per route module, CORS and the
error format.

Routes live with their logic (uploads.py, downloads.py); each module has its own Router and
reads the container's Services from the router's context, which the handler appends on
every invocation. Every failure becomes {"error": {"code", "message"}} with its status."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response

from upload_api import downloads, metrics, multipart, status, uploads, uppy
from upload_api.config import Config
from upload_api.errors import ApiError, MethodNotAllowedError, NotFoundError, RateLimitedError
from upload_api.responses import error_response

ROUTES = {"/uploads": "POST", "/downloads": "POST", "/uppy/sign": "POST"}

logger = Logger()


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


def build_app(config: Config) -> APIGatewayRestResolver:
    # debug=False even if POWERTOOLS_DEV is set: debug mode prints whole events (bearer
    # tokens included) and returns stack traces in 500 responses.
    app = APIGatewayRestResolver(cors=_cors(config), debug=False)
    app.include_router(uploads.router)
    app.include_router(downloads.router)
    app.include_router(multipart.router)
    app.include_router(status.router)
    app.include_router(uppy.router)

    @app.not_found
    def not_found(_: Exception) -> Response[str]:
        allowed = ROUTES.get(app.current_event.path)
        if allowed is not None:
            error: ApiError = MethodNotAllowedError(f"Use {allowed}.", {"Allow": f"{allowed}, OPTIONS"})
        else:
            error = NotFoundError("No such route.")
        metrics.refused(error.code)
        return error_response(error)

    @app.exception_handler(ApiError)  # type: ignore[untyped-decorator]
    def api_error(error: ApiError) -> Response[str]:
        log = logger.warning if error.status < 500 else logger.error
        extra: dict[str, object] = {"status": error.status, "code": error.code}
        if error.reason:
            extra["reason"] = error.reason
        log("request refused", extra=extra)
        metrics.refused(error.code)
        if isinstance(error, RateLimitedError):
            metrics.rate_limited(app.current_event.path.strip("/"))
        return error_response(error)

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def unexpected(error: Exception) -> Response[str]:
        # The type only: exception texts from libraries can quote their input.
        logger.error("unhandled error", extra={"error_type": type(error).__name__})
        internal = ApiError()
        metrics.refused(internal.code)
        return error_response(internal)

    return app
