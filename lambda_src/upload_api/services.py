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


@dataclass(frozen=True)
class Services:
    config: Config
    s3: Any  # a boto3 S3 client (presigning only: no request is sent)
    verifier: UserTokenVerifier
    limiter: RateLimiter
    signer: KmsTokenSigner
    deadline: Deadline
