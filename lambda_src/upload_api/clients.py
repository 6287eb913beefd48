"""AWS clients from botocore alone, on one session per container.

`boto3.client()` would import boto3, and boto3 imports s3transfer (and with it multiprocessing,
concurrent.futures and pickle) for managed transfers a function that only presigns never makes:
about 60 modules more at every cold start. botocore makes the same low-level clients: the S3
client's `generate_presigned_url` and `generate_presigned_post` are botocore's own
(botocore.signers), and the region, credentials and endpoints (`AWS_ENDPOINT_URL`,
`AWS_ENDPOINT_URL_<SERVICE>`) come from the same environment variables and configuration files.

Imports only botocore and the standard library, so any of the project's functions can use it.
"""

from __future__ import annotations

import threading

from botocore.client import BaseClient
from botocore.config import Config
from botocore.session import Session

_lock = threading.Lock()
_session: Session | None = None


def session() -> Session:
    """The container's session, made on first use (as boto3's default session is): its loader
    caches what it reads (service models, endpoint data), so each further client costs less."""
    global _session  # noqa: PLW0603 - one per container, like the clients made from it
    with _lock:
        if _session is None:
            _session = Session()
        return _session


def client(service: str, config: Config | None = None) -> BaseClient:
    """A low-level client for `service` ("s3", "dynamodb", "kms", ...), as `boto3.client` makes it."""
    return session().create_client(service, config=config)
