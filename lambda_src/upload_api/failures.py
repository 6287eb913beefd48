"""What a failed AWS call means for the client: retry later (503) or an operator must act (500)."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from upload_api.budget import DeadlineExceededError
from upload_api.errors import ApiError, MisconfiguredError, ServiceUnavailableError

# Error codes that no retry can fix: a missing table or key, a disabled key, denied access.
PERMANENT_CODES = frozenset(
    {
        "AccessDeniedException",
        "DisabledException",
        "IncorrectKeyException",
        "InvalidKeyUsageException",
        "KMSInvalidStateException",
        "NotFoundException",
        "ResourceNotFoundException",
        "UnrecognizedClientException",
        "ValidationException",
    }
)


def aws_error_code(error: Exception) -> str:
    """The AWS error code of a ClientError (e.g. "NoSuchUpload"); "" for anything else."""
    response = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def aws_failure(error: Exception, service: str, message: str) -> ApiError:
    """The API error for an exception raised by a boto3 call to `service` (a short name)."""
    if isinstance(error, DeadlineExceededError):
        return ServiceUnavailableError(message, reason=f"{service}_deadline")
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in PERMANENT_CODES:
            return MisconfiguredError(reason=f"{service}_{code}")
        return ServiceUnavailableError(message, reason=f"{service}_{code or 'error'}")
    if isinstance(error, BotoCoreError):
        return ServiceUnavailableError(message, reason=f"{service}_unreachable")
    raise error


AWS_ERRORS = (ClientError, BotoCoreError, DeadlineExceededError)
