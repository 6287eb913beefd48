"""One object through the verifier: find its record, check it, then publish or reject it.

Order: copy, record the verdict, delete the quarantine object. A crash anywhere leaves
something the redelivery finishes without reading outside the quarantine prefix (the role may
not): before the record, the quarantine object is still there and is checked and copied again
(the same bytes); after it, the record is decided and the leftover quarantine object is
deleted like any write after a verdict."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from objectkeys import ObjectKey, parse_key
from verifier import storage
from verifier.checks import record_verdict
from verifier.config import Config
from verifier.events import ObjectCreated
from verifier.records import PENDING, READY, REJECTED, Records, UploadRecord
from verifier.sniffing import sniff
from verifier.storage import REASON_METADATA, ObjectChangedError, StoredObject
from verifier.verdicts import Accepted, Rejected

# A multipart record still `uploading` on this delivery is final, not a race with the API.
SETTLED_RECEIVE_COUNT = 2
REJECTED_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class Outcome:
    """What happened to one event, for the log line and the metric. `verdict` is ready or
    rejected (decided now), or duplicate / dropped (nothing decided)."""

    key: str
    verdict: str
    reason: str | None = None
    detail: str | None = None


@dataclass
class Verifier:
    config: Config
    s3: Any
    records: Records
    clock: Callable[[], float] = time.time
    # CopyObject up to this size, multipart copy above (S3's limit; a test lowers it).
    multipart_copy_above: int = storage.COPY_OBJECT_LIMIT_BYTES
    copy_part_bytes: int = storage.COPY_PART_BYTES
    _bucket: str = field(init=False)

    def __post_init__(self) -> None:
        self._bucket = self.config.bucket_name

    def handle(self, event: ObjectCreated, *, receive_count: int = 1) -> Outcome:
        found = self._locate(event)
        if isinstance(found, Outcome):
            return found
        record, parsed = found
        if record.verification != PENDING:
            return self._late_write(record, event.key)
        stored = storage.head(self.s3, self._bucket, event.key)
        if stored is None:
            # Removed before it was decided (by hand, or the quarantine lifecycle rule).
            return Outcome(event.key, "dropped", "object_gone")
        try:
            verdict = record_verdict(record, stored, settled=receive_count >= SETTLED_RECEIVE_COUNT) or sniff(
                storage.reader(self.s3, self._bucket, stored),
                record.content_type,
                self.config.allowed_content_types,
                self.config.max_image_pixels,
            )
            if isinstance(verdict, Accepted):
                return self._publish(record, stored, verdict)
            return self._reject(record, parsed, stored, verdict)
        except ObjectChangedError:
            return Outcome(event.key, "dropped", "superseded")

    def _locate(self, event: ObjectCreated) -> tuple[UploadRecord, ObjectKey] | Outcome:
        """The event's upload record, or why the event concerns no upload (it is dropped)."""
        if event.bucket != self._bucket:
            return Outcome(event.key, "dropped", "other_bucket")
        if not event.key.startswith(self.config.quarantine_prefix):
            return Outcome(event.key, "dropped", "outside_quarantine")
        parsed = parse_key(event.key, self.config.quarantine_prefix)
        if parsed is None:
            return Outcome(event.key, "dropped", "not_an_upload_key")
        record = self.records.get(parsed.object_id)
        if record is None:
            return Outcome(event.key, "dropped", "no_record")
        if record.key != self._moved(parsed, self.config.published_prefix) or record.upload_key != event.key:
            return Outcome(event.key, "dropped", "key_mismatch")
        return record, parsed

    @staticmethod
    def _moved(parsed: ObjectKey, prefix: str) -> str:
        return ObjectKey(prefix, parsed.owner, parsed.object_id, parsed.extension).key

    def _now(self) -> int:
        return int(self.clock())

    def _publish(self, record: UploadRecord, stored: StoredObject, verdict: Accepted) -> Outcome:
        storage.copy(
            self.s3,
            self._bucket,
            stored,
            record.key,
            verdict.content_type,
            multipart_above=self.multipart_copy_above,
            part_bytes=self.copy_part_bytes,
        )
        decided = self.records.mark_ready(
            record, verdict.content_type, self._now(), sha256=stored.sha256, checksum_type=stored.checksum_type
        )
        storage.delete(self.s3, self._bucket, stored.key)
        return Outcome(stored.key, READY if decided else "duplicate")

    def _reject(self, record: UploadRecord, parsed: ObjectKey, stored: StoredObject, verdict: Rejected) -> Outcome:
        if self.config.rejected_prefix:
            storage.copy(
                self.s3,
                self._bucket,
                stored,
                self._moved(parsed, self.config.rejected_prefix),
                REJECTED_CONTENT_TYPE,
                metadata={REASON_METADATA: verdict.reason.value},
                multipart_above=self.multipart_copy_above,
                part_bytes=self.copy_part_bytes,
            )
        decided = self.records.mark_rejected(record, verdict.reason, self._now())
        storage.delete(self.s3, self._bucket, stored.key)
        return Outcome(stored.key, REJECTED if decided else "duplicate", verdict.reason.value, verdict.detail)

    def _late_write(self, record: UploadRecord, key: str) -> Outcome:
        """The record is decided: a quarantine object there now is either the leftover of a
        delivery that stopped after recording the verdict, or a write with a presigned URL that
        had not expired yet. Either way it is never published."""
        if storage.head(self.s3, self._bucket, key) is not None:
            storage.delete(self.s3, self._bucket, key)
            return Outcome(key, "duplicate", "late_write_removed")
        return Outcome(key, "duplicate", record.verification)
