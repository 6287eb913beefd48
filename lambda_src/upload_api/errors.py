"""API errors: each one is a status, a stable machine-readable code and a safe message.

Messages are written for clients; they never contain a token, a stack trace or an
internal exception's text. `reason` is for the log line only (a short stable word)."""

from __future__ import annotations

# What a 503 tells clients to wait: long enough for a blip in a dependency to pass.
RETRY_AFTER_SECONDS = 5


class ApiError(Exception):
    status = 500
    code = "internal_error"

    def __init__(
        self, message: str = "Internal error.", headers: dict[str, str] | None = None, *, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}
        self.reason = reason


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


class MisconfiguredError(ApiError):
    """A dependency refuses us for good (key disabled, table missing, access denied): retrying
    cannot help, an operator must act."""

    status, code = 500, "misconfigured"

    def __init__(self, *, reason: str) -> None:
        super().__init__("The service is misconfigured.", reason=reason)


class ServiceUnavailableError(ApiError):
    """A dependency is down, slow or answering nonsense: retry later."""

    status, code = 503, "service_unavailable"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message, {"Retry-After": str(RETRY_AFTER_SECONDS)}, reason=reason)


class InvalidChecksumError(ApiError):
    status, code = 400, "invalid_checksum"


class ChecksumRequiredError(ApiError):
    status, code = 400, "checksum_required"


class InvalidPartNumberError(ApiError):
    status, code = 400, "invalid_part_number"


class UploadNotFoundError(ApiError):
    """Unknown, or someone else's: the two answer the same, so ids reveal nothing."""

    status, code = 404, "upload_not_found"

    def __init__(self) -> None:
        super().__init__("No such upload.")


class UploadStateError(ApiError):
    """The upload is in a state that does not allow this route."""

    status, code = 409, "upload_state"


class IncompleteUploadError(ApiError):
    status, code = 409, "incomplete_upload"


class SizeMismatchError(ApiError):
    status, code = 409, "size_mismatch"


class NotReadyError(ApiError):
    """The object has not been verified (or has no record): nothing may be downloaded yet."""

    status, code = 409, "not_ready"

    def __init__(self) -> None:
        super().__init__("The upload has not been verified yet; retry after it is ready.")


class UploadRejectedError(ApiError):
    """The verifier refused the object; the reason is one of its codes (lambda_src/README.md)."""

    status, code = 409, "upload_rejected"

    def __init__(self, reason: str | None) -> None:
        super().__init__(f"The upload was rejected by verification ({reason or 'unknown'}).")


class UploadExpiredError(ApiError):
    status, code = 410, "upload_expired"

    def __init__(self) -> None:
        super().__init__("The upload has expired; start a new one.")


class UploadAbortedError(ApiError):
    status, code = 410, "upload_aborted"

    def __init__(self) -> None:
        super().__init__("The upload was aborted; start a new one.")
