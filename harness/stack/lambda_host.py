"""Run a Lambda handler in this process from an extracted deployment package.

The package directory goes first on sys.path, as /var/task does in the Lambda runtime; what the
runtime itself provides (boto3) comes from the project's venv. The function's environment is
applied to os.environ before the handler module is imported, because handlers read it at import.
Invocations are serialised: one warm container handles one event at a time, as in Lambda.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    """The attributes of the Python runtime's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: float
    region: str = "us-east-1"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.invoked_function_arn = f"arn:aws:lambda:{self.region}:000000000000:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class FunctionHost:
    """One warm 'container' of a function: its code, environment and handler."""

    def __init__(
        self,
        code_dir: Path,
        handler: str,
        *,
        environment: dict[str, str] | None = None,
        function_name: str = "local-function",
        memory_mb: int = 128,
        timeout_seconds: float = 30.0,
    ) -> None:
        self.function_name = function_name
        self.memory_mb = memory_mb
        self.timeout_seconds = timeout_seconds
        self._lock = threading.Lock()
        os.environ.update(environment or {})
        os.environ.setdefault("AWS_LAMBDA_FUNCTION_NAME", function_name)
        os.environ.setdefault("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", str(memory_mb))
        sys.path.insert(0, str(code_dir))
        module_name, _, attribute = handler.rpartition(".")
        self._handler: Handler = getattr(importlib.import_module(module_name), attribute)

    def invoke(self, event: dict[str, Any]) -> Any:
        with self._lock:  # the timeout runs from when the invocation starts, not while it queues
            context = LambdaContext(self.function_name, self.memory_mb, self.timeout_seconds)
            return self._handler(event, context)
