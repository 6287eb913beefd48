"""Per-user, per-route rate limit that holds over ANY window of the configured length.

The window W is cut into buckets of L = ceil(W / BUCKETS_PER_WINDOW) seconds. A request in
bucket b counts itself into b and is accepted only if buckets b-m .. b (m = ceil(W / L))
hold at most `max_requests`. Those buckets cover (now - W, now], so for every interval of
length W the accepted requests in it, all of which were checked at the last of them, are at
most `max_requests`. The cost of the guarantee is that at most one bucket (W/10) more than
W is looked back at.

One item per user and route, one atomic UpdateItem per request (no read-modify-write race):
{"pk": "<action>#<sub>", "b<bucket index>": N, ..., "expires_at": <epoch s>}. The update
adds 1 to the current bucket and removes the buckets that just fell out of range;
`expires_at` is the table's TTL attribute, so an idle user's item deletes itself."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Any

from upload_api.errors import RateLimitedError
from upload_api.failures import AWS_ERRORS, aws_failure

PARTITION_KEY = "pk"
TTL_ATTRIBUTE = "expires_at"
BUCKETS_PER_WINDOW = 10
BUCKET_PREFIX = "b"


@dataclass(frozen=True)
class RateLimiter:
    dynamodb: Any  # a boto3 DynamoDB client
    table: str
    max_requests: int
    window_seconds: int

    @property
    def bucket_seconds(self) -> int:
        return math.ceil(self.window_seconds / BUCKETS_PER_WINDOW)

    @property
    def lookback(self) -> int:
        """m: how many buckets before the current one the check sums."""
        return math.ceil(self.window_seconds / self.bucket_seconds)

    def hit(self, action: str, sub: str, now: float) -> None:
        """Count one request; raise RateLimitedError when the allowance of the last window is spent."""
        length, m = self.bucket_seconds, self.lookback
        current = int(now) // length
        stale = [f"{BUCKET_PREFIX}{current - m - 1 - i}" for i in range(m + 1)]
        names = {"#ttl": TTL_ATTRIBUTE, "#cur": f"{BUCKET_PREFIX}{current}"}
        names.update({f"#s{i}": name for i, name in enumerate(stale)})
        try:
            result = self.dynamodb.update_item(
                TableName=self.table,
                Key={PARTITION_KEY: {"S": f"{action}#{sub}"}},
                UpdateExpression="ADD #cur :one SET #ttl = :ttl REMOVE " + ", ".join(f"#s{i}" for i in range(m + 1)),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":ttl": {"N": str((current + 1) * length + self.window_seconds)},
                },
                ReturnValues="ALL_NEW",
            )
        except AWS_ERRORS as exc:
            # Failing closed: without the counter we cannot tell abuse from use.
            raise aws_failure(exc, "dynamodb", "Rate limiter unavailable; retry later.") from None
        counts = _bucket_counts(result.get("Attributes", {}))
        in_range = {index: n for index, n in counts.items() if current - m <= index <= current}
        leftovers = [index for index in counts if index < current - 2 * m - 1]
        if leftovers:
            self._forget(action, sub, leftovers)
        if sum(in_range.values()) > self.max_requests:
            raise RateLimitedError(retry_after=self._retry_after(in_range, current, now))

    def _forget(self, action: str, sub: str, indices: list[int]) -> None:
        """Remove buckets left over from before an idle gap longer than the REMOVE range (rare)."""
        names = {f"#s{i}": f"{BUCKET_PREFIX}{index}" for i, index in enumerate(indices)}
        # Failing is harmless: old buckets are ignored, and the next request tries again.
        with contextlib.suppress(*AWS_ERRORS):
            self.dynamodb.update_item(
                TableName=self.table,
                Key={PARTITION_KEY: {"S": f"{action}#{sub}"}},
                UpdateExpression="REMOVE " + ", ".join(names),
                ExpressionAttributeNames=names,
            )

    def _retry_after(self, counts: dict[int, int], current: int, now: float) -> int:
        """Seconds until enough buckets have left the window for one more request to pass."""
        length, m = self.bucket_seconds, self.lookback
        # `now` lies in bucket `current`, so every wait below is more than 0 s: ceil makes it at least 1.
        for ahead in range(1, m + 1):
            start = current + ahead
            if sum(n for index, n in counts.items() if index >= start - m) + 1 <= self.max_requests:
                return math.ceil(start * length - now)
        # m + 1 buckets on, every bucket counted so far has left the window.
        return math.ceil((current + m + 1) * length - now)


def _bucket_counts(attributes: dict[str, Any]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for name, value in attributes.items():
        if name.startswith(BUCKET_PREFIX) and name[len(BUCKET_PREFIX) :].isdigit():
            counts[int(name[len(BUCKET_PREFIX) :])] = int(value["N"])
    return counts
