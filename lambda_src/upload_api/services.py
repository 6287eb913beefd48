"""What the route modules need, built once per container and handed to them with
`append_context(services=...)`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from upload_api.auth import UserTokenVerifier
from upload_api.budget import Deadline
from upload_api.config import Config
from upload_api.download_tokens import KmsTokenSigner
from upload_api.ratelimit import RateLimiter
from upload_api.records import UploadRecords


@dataclass(frozen=True)
class Services:
    config: Config
    s3: Any  # a botocore S3 client (clients.py): presigning, and the multipart calls the server makes itself
    verifier: UserTokenVerifier
    limiter: RateLimiter
    signer: KmsTokenSigner
    deadline: Deadline
    records: UploadRecords
    part_limiter: RateLimiter  # part signing: the same window, a larger budget
