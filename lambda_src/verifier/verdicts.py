"""What the verifier decides about an object: published with its verified type, or rejected
with one of the reason codes the upload record and the status route carry."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Reason(StrEnum):
    SIZE_MISMATCH = "size_mismatch"
    CHECKSUM_MISMATCH = "checksum_mismatch"
    NOT_COMPLETED = "not_completed"
    TYPE_MISMATCH = "type_mismatch"
    TYPE_NOT_ALLOWED = "type_not_allowed"
    UNRECOGNIZED_CONTENT = "unrecognized_content"
    TOO_MANY_PIXELS = "too_many_pixels"
    UNREADABLE_IMAGE = "unreadable_image"
    TOO_LARGE = "too_large"


@dataclass(frozen=True)
class Rejected:
    reason: Reason
    detail: str  # for the log line only: never a token, never object content


@dataclass(frozen=True)
class Accepted:
    content_type: str


Verdict = Accepted | Rejected
