"""Per-user fixed-window rate limit: one atomic DynamoDB counter per user and window.

Item: {"pk": "<action>#<sub>#<window start>", "request_count": N, "expires_at": <epoch s>}.
`expires_at` is the table's TTL attribute, so old windows delete themselves. One
UpdateItem per request; no read-modify-write race."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from upload_api.errors import RateLimitedError, ServiceUnavailableError

PARTITION_KEY = "pk"
TTL_ATTRIBUTE = "expires_at"


@dataclass(frozen=True)
class RateLimiter:
    dynamodb: Any  # a boto3 DynamoDB client
    table: str
    max_requests: int
    window_seconds: int

    def hit(self, action: str, sub: str, now: float) -> None:
        """Count one request; raise RateLimitedError when the window's allowance is spent."""
        window_start = int(now) // self.window_seconds * self.window_seconds
        window_end = window_start + self.window_seconds
        try:
            result = self.dynamodb.update_item(
                TableName=self.table,
                Key={PARTITION_KEY: {"S": f"{action}#{sub}#{window_start}"}},
                UpdateExpression="ADD request_count :one SET #ttl = if_not_exists(#ttl, :ttl)",
                ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                ExpressionAttributeValues={":one": {"N": "1"}, ":ttl": {"N": str(window_end + self.window_seconds)}},
                ReturnValues="UPDATED_NEW",
            )
        except (ClientError, BotoCoreError):
            # Failing closed: without the counter we cannot tell abuse from use.
            raise ServiceUnavailableError("Rate limiter unavailable; retry later.") from None
        count = int(result["Attributes"]["request_count"]["N"])
        if count > self.max_requests:
            raise RateLimitedError(retry_after=max(1, window_end - int(now)))
