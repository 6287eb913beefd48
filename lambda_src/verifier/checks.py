"""The stored object against its upload record: the size and SHA-256 S3 stored, and whether
this system completed the upload. Pure; content sniffing comes after these (sniffing.py)."""

from __future__ import annotations

from verifier.records import ABORTED, UPLOADED, UPLOADING, UploadRecord
from verifier.storage import StoredObject
from verifier.verdicts import Reason, Rejected


class NotSettledError(Exception):
    """A multipart object exists but its record does not say `uploaded` yet: the API completes
    the upload with S3 first and saves the record right after, so the event can come first."""


def record_verdict(record: UploadRecord, stored: StoredObject, *, settled: bool) -> Rejected | None:
    """None when the object is the one the record describes. `settled`: whether a multipart
    record still `uploading` is final (a redelivered event) rather than a race with the API."""
    if record.is_uppy:
        return _uppy_verdict(record, stored)
    if record.method == "MULTIPART":
        if record.state == UPLOADING and not settled:
            raise NotSettledError(record.upload_id)
        if record.state != UPLOADED:
            return Rejected(Reason.NOT_COMPLETED, f"multipart record is {record.state}, not {UPLOADED}")
        expected_sha256 = record.result_sha256
    else:
        if record.state == ABORTED:
            return Rejected(Reason.NOT_COMPLETED, f"record is {record.state}")
        expected_sha256 = record.sha256
    if stored.size != record.size:
        return Rejected(Reason.SIZE_MISMATCH, f"{stored.size} bytes stored, {record.size} declared")
    # Without a recorded checksum (REQUIRE_SHA256=false) there is nothing to compare with.
    if expected_sha256 is not None and stored.sha256 != expected_sha256:
        return Rejected(Reason.CHECKSUM_MISMATCH, "the stored SHA-256 is not the recorded one")
    return None


def _uppy_verdict(record: UploadRecord, stored: StoredObject) -> Rejected | None:
    """Uppy gives the signer neither the size nor a checksum: the record holds the maximum, and
    Uppy completes its multipart uploads with S3 itself, so no state says it is complete."""
    if stored.size > record.size:
        return Rejected(Reason.TOO_LARGE, f"{stored.size} bytes, at most {record.size} allowed")
    return None
