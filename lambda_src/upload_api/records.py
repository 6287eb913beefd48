"""The upload record store: one DynamoDB item per upload, keyed by the upload id (the 32-hex
id inside the object key, so a key alone finds its record).

{"upload_id", "owner", "key", "upload_key"?, "method", "size", "content_type", "sha256"?,
 "part_size"?, "part_count"?, "s3_upload_id"?, "state", "created_at", "expires_at"? (the
 table's TTL attribute, epoch seconds), "result_sha256"?, "checksum_type"?, "verification"?,
 "rejection_reason"?, "verified_content_type"?, "verified_at"?}

`key` is the published key (what POST /downloads and the CDN serve); `upload_key` the
quarantine key the bytes are sent to. `verification` is written by the verifier Lambda
(lambda_src/verifier): pending (also when absent), ready or rejected; a ready record has no
`expires_at` (the catalogue entry of a downloadable object never expires).

Only the owner's `sub` may act on a record; the routes answer 404 upload_not_found for a
record that is someone else's, exactly as for one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from upload_api.failures import AWS_ERRORS, aws_error_code, aws_failure

PARTITION_KEY = "upload_id"
TTL_ATTRIBUTE = "expires_at"

AWAITING_UPLOAD = "awaiting_upload"
UPLOADING = "uploading"
UPLOADED = "uploaded"
ABORTED = "aborted"
STATES = (AWAITING_UPLOAD, UPLOADING, UPLOADED, ABORTED)
PENDING = "pending"
READY = "ready"
REJECTED = "rejected"

_STRINGS = ("upload_id", "owner", "key", "method", "content_type", "state")
_OPTIONAL_STRINGS = (
    "sha256",
    "s3_upload_id",
    "result_sha256",
    "checksum_type",
    "upload_key",
    "verification",
    "rejection_reason",
    "verified_content_type",
)
_NUMBERS = ("size", "created_at")
_OPTIONAL_NUMBERS = ("part_size", "part_count", "expires_at", "verified_at")


@dataclass(frozen=True)
class UploadRecord:
    upload_id: str
    owner: str
    key: str
    method: str
    size: int
    content_type: str
    state: str
    created_at: int
    expires_at: int | None = None
    sha256: str | None = None
    part_size: int | None = None
    part_count: int | None = None
    s3_upload_id: str | None = None
    result_sha256: str | None = None
    checksum_type: str | None = None
    upload_key: str | None = None
    verification: str = PENDING
    rejection_reason: str | None = None
    verified_content_type: str | None = None
    verified_at: int | None = None

    @property
    def storage_key(self) -> str:
        """Where the upload's bytes are while it is pending: the quarantine key (the published
        key for a record made before quarantine existed)."""
        return self.upload_key or self.key

    def part_length(self, part_number: int) -> int:
        """The exact size of part `part_number` (1-based): part_size, the last one the rest."""
        if self.part_size is None or self.part_count is None or not 1 <= part_number <= self.part_count:
            raise ValueError("not a part of this upload")
        if part_number < self.part_count:
            return self.part_size
        return self.size - self.part_size * (self.part_count - 1)


def to_item(record: UploadRecord) -> dict[str, Any]:
    item: dict[str, Any] = {name: {"S": getattr(record, name)} for name in _STRINGS}
    item.update({name: {"N": str(getattr(record, name))} for name in _NUMBERS})
    for name in _OPTIONAL_STRINGS:
        if getattr(record, name) is not None:
            item[name] = {"S": getattr(record, name)}
    for name in _OPTIONAL_NUMBERS:
        if getattr(record, name) is not None:
            item[name] = {"N": str(getattr(record, name))}
    return item


def from_item(item: dict[str, Any]) -> UploadRecord:
    values: dict[str, Any] = {name: item[name]["S"] for name in _STRINGS}
    values.update({name: int(item[name]["N"]) for name in _NUMBERS})
    values.update({name: item[name]["S"] for name in _OPTIONAL_STRINGS if name in item})
    values.update({name: int(item[name]["N"]) for name in _OPTIONAL_NUMBERS if name in item})
    return UploadRecord(**values)


@dataclass(frozen=True)
class UploadRecords:
    dynamodb: Any  # a boto3 DynamoDB client
    table: str

    def put_new(self, record: UploadRecord) -> None:
        """Store a new record; never overwrites one (ids are random, a clash is a bug)."""
        try:
            self.dynamodb.put_item(
                TableName=self.table,
                Item=to_item(record),
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": PARTITION_KEY},
            )
        except AWS_ERRORS as exc:
            raise aws_failure(exc, "dynamodb", "Upload records unavailable; retry later.") from None

    def get(self, upload_id: str) -> UploadRecord | None:
        try:
            result = self.dynamodb.get_item(
                TableName=self.table, Key={PARTITION_KEY: {"S": upload_id}}, ConsistentRead=True
            )
        except AWS_ERRORS as exc:
            raise aws_failure(exc, "dynamodb", "Upload records unavailable; retry later.") from None
        item = result.get("Item")
        return from_item(item) if item else None

    def save_state(self, record: UploadRecord, state: str, **changes: Any) -> UploadRecord:
        """Move `record` to `state` (with `changes`), from the state and verification it was
        read in only. Only the changed attributes are written (an UpdateItem, never a whole-item
        put): the verifier updates other attributes of the same item, and nothing the API writes
        may undo its verdict, even where a condition check and its write are not one step."""
        updated = replace(record, state=state, **changes)
        before, after = to_item(record), to_item(updated)
        changed = sorted(name for name in after if before.get(name) != after[name])
        removed = sorted(name for name in before if name not in after)
        names = {"#state": "state", "#v": "verification"}
        values: dict[str, Any] = {":was": {"S": record.state}, ":v": {"S": record.verification}}
        clauses = []
        for index, name in enumerate(changed):
            names[f"#c{index}"] = name
            values[f":c{index}"] = after[name]
        if changed:
            clauses.append("SET " + ", ".join(f"#c{i} = :c{i}" for i in range(len(changed))))
        for index, name in enumerate(removed):
            names[f"#r{index}"] = name
        if removed:
            clauses.append("REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed))))
        if not clauses:
            return record
        verified = "(attribute_not_exists(#v) OR #v = :v)" if record.verification == PENDING else "#v = :v"
        try:
            self.dynamodb.update_item(
                TableName=self.table,
                Key={PARTITION_KEY: {"S": record.upload_id}},
                UpdateExpression=" ".join(clauses),
                ConditionExpression=f"attribute_exists(#pk) AND #state = :was AND {verified}",
                ExpressionAttributeNames={"#pk": PARTITION_KEY, **names},
                ExpressionAttributeValues=values,
            )
        except AWS_ERRORS as exc:
            if aws_error_code(exc) == "ConditionalCheckFailedException":
                current = self.get(record.upload_id)
                if current is not None:
                    return current
            raise aws_failure(exc, "dynamodb", "Upload records unavailable; retry later.") from None
        return updated
