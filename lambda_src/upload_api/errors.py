"""API errors: each one is a status, a stable machine-readable code and a safe message.

Messages are written for clients; they never contain a token, a stack trace or an
internal exception's text."""

from __future__ import annotations


class ApiError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str = "Internal error.", headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequestError(ApiError):
    status, code = 400, "bad_request"


class UnauthorizedError(ApiError):
    status, code = 401, "unauthorized"

    def __init__(self, message: str = "A valid bearer token is required.", *, missing: bool = False) -> None:
        # RFC 6750 §3.1: no error code when the request carried no credentials at all.
        challenge = "Bearer" if missing else 'Bearer error="invalid_token"'
        super().__init__(message, {"WWW-Authenticate": challenge})


class ForbiddenError(ApiError):
    status, code = 403, "forbidden"


class NotFoundError(ApiError):
    status, code = 404, "not_found"


class MethodNotAllowedError(ApiError):
    status, code = 405, "method_not_allowed"


class PayloadTooLargeError(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaTypeError(ApiError):
    status, code = 415, "unsupported_media_type"


class RateLimitedError(ApiError):
    status, code = 429, "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many requests; retry later.", {"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class ServiceUnavailableError(ApiError):
    status, code = 503, "service_unavailable"
