"""The verifier's side of the upload records (the API's table, upload_api/records.py): read one,
and record the verdict once. Every update is conditional on the record still being pending, so
a duplicate or late event changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from verifier.storage import error_code
from verifier.verdicts import Reason

PENDING = "pending"
READY = "ready"
REJECTED = "rejected"
# Upload states (upload_api/records.py).
AWAITING_UPLOAD = "awaiting_upload"
UPLOADING = "uploading"
UPLOADED = "uploaded"
ABORTED = "aborted"
# Uppy signs its own requests through the API and completes multipart uploads with S3 itself:
# the record holds the largest allowed size and no checksum.
UPPY_METHODS = frozenset({"UPPY_POST", "UPPY_MULTIPART"})
_PENDING_CONDITION = "(attribute_not_exists(#v) OR #v = :pending)"


@dataclass(frozen=True)
class UploadRecord:
    upload_id: str
    key: str
    upload_key: str | None
    method: str
    size: int
    content_type: str
    state: str
    verification: str
    sha256: str | None = None
    result_sha256: str | None = None
    checksum_type: str | None = None

    @property
    def is_uppy(self) -> bool:
        return self.method in UPPY_METHODS


def _string(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name, {}).get("S")
    return value if isinstance(value, str) else None


def from_item(item: dict[str, Any]) -> UploadRecord:
    return UploadRecord(
        upload_id=item["upload_id"]["S"],
        key=item["key"]["S"],
        upload_key=_string(item, "upload_key"),
        method=item["method"]["S"],
        size=int(item["size"]["N"]),
        content_type=item["content_type"]["S"],
        state=item["state"]["S"],
        verification=_string(item, "verification") or PENDING,
        sha256=_string(item, "sha256"),
        result_sha256=_string(item, "result_sha256"),
        checksum_type=_string(item, "checksum_type"),
    )


@dataclass(frozen=True)
class Records:
    dynamodb: Any
    table: str

    def get(self, upload_id: str) -> UploadRecord | None:
        answer = self.dynamodb.get_item(TableName=self.table, Key={"upload_id": {"S": upload_id}}, ConsistentRead=True)
        item = answer.get("Item")
        return from_item(item) if item else None

    def mark_ready(
        self, record: UploadRecord, content_type: str, now: int, *, sha256: str | None, checksum_type: str | None
    ) -> bool:
        """Ready: the verified type, and no TTL any more (a published object's record is its
        catalogue entry). A single upload also becomes `uploaded`, with S3's checksum, since the
        status route can no longer find its object under the quarantine key."""
        names = {"#v": "verification", "#state": "state", "#ttl": "expires_at"}
        values: dict[str, Any] = {
            ":pending": {"S": PENDING},
            ":ready": {"S": READY},
            ":type": {"S": content_type},
            ":now": {"N": str(now)},
            ":uploaded": {"S": UPLOADED},
        }
        sets = ["#v = :ready", "verified_content_type = :type", "verified_at = :now", "#state = :uploaded"]
        if sha256 is not None:
            values[":sha"] = {"S": sha256}
            values[":ctype"] = {"S": checksum_type or "FULL_OBJECT"}
            sets += [
                "result_sha256 = if_not_exists(result_sha256, :sha)",
                "checksum_type = if_not_exists(checksum_type, :ctype)",
            ]
        return self._update(record, f"SET {', '.join(sets)} REMOVE #ttl", names, values)

    def mark_rejected(self, record: UploadRecord, reason: Reason, now: int) -> bool:
        """Rejected with its reason; the TTL stays, so the record expires like an abandoned one."""
        names = {"#v": "verification"}
        values = {
            ":pending": {"S": PENDING},
            ":rejected": {"S": REJECTED},
            ":reason": {"S": reason.value},
            ":now": {"N": str(now)},
        }
        return self._update(record, "SET #v = :rejected, rejection_reason = :reason, verified_at = :now", names, values)

    def _update(self, record: UploadRecord, expression: str, names: dict[str, str], values: dict[str, Any]) -> bool:
        """True when this call decided the record; False when it was decided already."""
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key={"upload_id": {"S": record.upload_id}},
                UpdateExpression=expression,
                ConditionExpression=f"attribute_exists(upload_id) AND {_PENDING_CONDITION}",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True
