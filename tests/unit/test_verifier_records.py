"""The verifier's side of the upload records (verifier/records.py) on moto's DynamoDB: reading
what the API writes, the attributes each verdict writes, the TTL removed only on ready, and the
condition that makes every verdict land once: only a record that exists and is still pending."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from lambda_testkit import UPLOAD_TABLE

from upload_api.records import UPLOADED, UPLOADING, UploadRecord, to_item
from verifier.records import Records, from_item
from verifier.verdicts import Reason

UPLOAD_ID = "d" * 32
KEY = f"uploads/owner/{UPLOAD_ID}.png"
UPLOAD_KEY = f"quarantine/owner/{UPLOAD_ID}.png"
SHA = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="


def api_record(**changes: Any) -> UploadRecord:
    """A pending single upload as the API stores it (upload_api/records.py)."""
    fields: dict[str, Any] = {
        "upload_id": UPLOAD_ID,
        "owner": "alice",
        "key": KEY,
        "upload_key": UPLOAD_KEY,
        "method": "PUT",
        "size": 7,
        "content_type": "image/png",
        "state": UPLOADING,
        "created_at": 100,
        "expires_at": 200,
    }
    fields.update(changes)
    return UploadRecord(**fields)


def stored(aws: Any, upload_id: str = UPLOAD_ID) -> dict[str, Any] | None:
    answer = aws.dynamodb.get_item(TableName=UPLOAD_TABLE, Key={"upload_id": {"S": upload_id}})
    item: dict[str, Any] | None = answer.get("Item")
    return item


@pytest.fixture
def records(aws: Any) -> Any:
    yield Records(aws.dynamodb, UPLOAD_TABLE)
    for found in aws.dynamodb.scan(TableName=UPLOAD_TABLE)["Items"]:
        aws.dynamodb.delete_item(TableName=UPLOAD_TABLE, Key={"upload_id": found["upload_id"]})


def put(aws: Any, record: UploadRecord) -> dict[str, Any]:
    item = to_item(record)
    aws.dynamodb.put_item(TableName=UPLOAD_TABLE, Item=item)
    return item


class RecordingDynamoDB:
    """moto's client, with every call's arguments kept (to see how a read is made)."""

    def __init__(self, dynamodb: Any) -> None:
        self.dynamodb = dynamodb
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def get_item(self, **kwargs: Any) -> Any:
        self.calls.append(("get_item", kwargs))
        return self.dynamodb.get_item(**kwargs)


# --- reading ---------------------------------------------------------------------------------


def test_every_field_the_verifier_uses_is_read_from_the_apis_item():
    item = to_item(
        api_record(method="MULTIPART", size=12345, sha256=SHA, result_sha256="abc-2", checksum_type="COMPOSITE")
    )
    record = from_item(item)
    assert (record.upload_id, record.key, record.upload_key, record.method) == (UPLOAD_ID, KEY, UPLOAD_KEY, "MULTIPART")
    assert (record.size, record.content_type, record.state, record.verification) == (
        12345,
        "image/png",
        UPLOADING,
        "pending",
    )
    assert (record.sha256, record.result_sha256, record.checksum_type) == (SHA, "abc-2", "COMPOSITE")


def test_a_decided_record_reads_as_decided():
    assert from_item(to_item(api_record(verification="ready"))).verification == "ready"
    assert from_item(to_item(api_record(verification="rejected"))).verification == "rejected"


def test_optional_attributes_absent_read_as_none_and_pending():
    """A record from before quarantine existed: no upload_key, checksums or verification."""
    item = to_item(api_record(upload_key=None))
    assert "upload_key" not in item and "verification" in item
    del item["verification"]
    record = from_item(item)
    assert (record.upload_key, record.sha256, record.result_sha256, record.checksum_type) == (None, None, None, None)
    assert record.verification == "pending"


def test_an_optional_attribute_of_another_type_reads_as_absent():
    item = to_item(api_record())
    item |= {"sha256": {"B": b"x"}, "upload_key": {"NULL": True}, "verification": {"S": 1}}
    item["checksum_type"] = {"S": None}
    record = from_item(item)
    assert (record.sha256, record.upload_key, record.checksum_type) == (None, None, None)
    assert record.verification == "pending"


def test_get_reads_the_record_strongly_consistent(aws, records):
    """The API wrote the record a moment ago: an eventually consistent read could miss it."""
    put(aws, api_record())
    recording = RecordingDynamoDB(aws.dynamodb)
    record = Records(recording, UPLOAD_TABLE).get(UPLOAD_ID)
    assert record is not None and (record.upload_id, record.key, record.upload_key) == (UPLOAD_ID, KEY, UPLOAD_KEY)
    assert recording.calls == [
        ("get_item", {"TableName": UPLOAD_TABLE, "Key": {"upload_id": {"S": UPLOAD_ID}}, "ConsistentRead": True})
    ]


def test_get_of_an_unknown_id_is_none(aws, records):
    put(aws, api_record())
    assert records.get("e" * 32) is None
    assert records.get(UPLOAD_ID) is not None  # the positive control


# --- mark_ready ------------------------------------------------------------------------------


def test_ready_writes_the_verdict_and_the_uploaded_state_and_removes_the_ttl(aws, records):
    before = put(aws, api_record())
    assert records.mark_ready(from_item(before), "image/png", 150, sha256=None, checksum_type=None) is True
    after = stored(aws)
    assert after is not None
    assert after["verification"] == {"S": "ready"} and after["verified_content_type"] == {"S": "image/png"}
    assert after["verified_at"] == {"N": "150"} and after["state"] == {"S": UPLOADED}
    assert "expires_at" not in after  # a published object's record is its catalogue entry: it never expires
    assert "result_sha256" not in after and "checksum_type" not in after and "rejection_reason" not in after
    unchanged = {name: value for name, value in before.items() if name not in ("verification", "state", "expires_at")}
    assert {name: after[name] for name in unchanged} == unchanged


@pytest.mark.parametrize(("checksum_type", "written"), [(None, "FULL_OBJECT"), ("COMPOSITE", "COMPOSITE")])
def test_ready_with_s3s_checksum_records_it_and_its_type(aws, records, checksum_type, written):
    record = from_item(put(aws, api_record()))
    assert records.mark_ready(record, "image/png", 150, sha256=SHA, checksum_type=checksum_type) is True
    after = stored(aws)
    assert after is not None
    assert after["result_sha256"] == {"S": SHA} and after["checksum_type"] == {"S": written}
    assert after["verification"] == {"S": "ready"} and after["state"] == {"S": UPLOADED}
    assert after["verified_content_type"] == {"S": "image/png"} and "expires_at" not in after


def test_ready_keeps_a_checksum_the_api_recorded_first(aws, records):
    """The status route may have recorded the completed object's checksum: it is the same object's."""
    record = from_item(put(aws, api_record(result_sha256="abc-3", checksum_type="COMPOSITE")))
    assert records.mark_ready(record, "image/png", 150, sha256=SHA, checksum_type="FULL_OBJECT") is True
    after = stored(aws)
    assert after is not None
    assert after["result_sha256"] == {"S": "abc-3"} and after["checksum_type"] == {"S": "COMPOSITE"}
    assert after["verification"] == {"S": "ready"}


# --- mark_rejected ---------------------------------------------------------------------------


def test_rejected_writes_the_reason_and_keeps_the_ttl_and_the_state(aws, records):
    before = put(aws, api_record())
    assert records.mark_rejected(from_item(before), Reason.TOO_MANY_PIXELS, 160) is True
    after = stored(aws)
    assert after is not None
    assert after["verification"] == {"S": "rejected"} and after["rejection_reason"] == {"S": "too_many_pixels"}
    assert after["verified_at"] == {"N": "160"}
    assert after["expires_at"] == {"N": "200"}  # it expires like an abandoned upload
    assert after["state"] == {"S": UPLOADING} and "verified_content_type" not in after
    unchanged = {name: value for name, value in before.items() if name != "verification"}
    assert {name: after[name] for name in unchanged} == unchanged


# --- the condition: only a record that exists and is pending ---------------------------------


@pytest.mark.parametrize("verification", ["ready", "rejected"])
def test_a_decided_record_is_never_decided_again(aws, records, verification):
    item = put(aws, api_record(verification=verification, verified_at=120))
    record = from_item(item)
    assert records.mark_ready(record, "image/gif", 150, sha256=SHA, checksum_type=None) is False
    assert records.mark_rejected(record, Reason.TYPE_MISMATCH, 160) is False
    assert stored(aws) == item


def test_the_first_verdict_lands_and_the_second_does_not(aws, records):
    record = from_item(put(aws, api_record()))
    assert records.mark_rejected(record, Reason.SIZE_MISMATCH, 150) is True
    decided = stored(aws)
    assert records.mark_ready(record, "image/png", 160, sha256=None, checksum_type=None) is False
    assert records.mark_rejected(record, Reason.TYPE_MISMATCH, 170) is False
    assert stored(aws) == decided


def test_a_record_without_a_verification_attribute_is_pending(aws, records):
    """Records made before verification existed carry no attribute: they are pending."""
    item = to_item(api_record())
    del item["verification"]
    aws.dynamodb.put_item(TableName=UPLOAD_TABLE, Item=item)
    assert records.mark_rejected(from_item(item), Reason.UNREADABLE_IMAGE, 150) is True
    after = stored(aws)
    assert after is not None and after["verification"] == {"S": "rejected"}


def test_a_verdict_for_a_deleted_record_creates_nothing(aws, records):
    """An update would otherwise create a record of only the verdict's attributes."""
    record = from_item(to_item(api_record()))
    assert records.mark_ready(record, "image/png", 150, sha256=SHA, checksum_type=None) is False
    assert records.mark_rejected(record, Reason.TOO_LARGE, 160) is False
    assert stored(aws) is None


def test_a_verdict_updates_only_its_own_record(aws, records):
    other = put(aws, api_record(upload_id="e" * 32, key="uploads/owner/other.png"))
    record = from_item(put(aws, api_record()))
    assert records.mark_ready(record, "image/png", 150, sha256=None, checksum_type=None) is True
    assert stored(aws, "e" * 32) == other


def test_a_dynamodb_failure_other_than_the_condition_is_raised(aws):
    """Only "already decided" is an answer; anything else fails the item so SQS redelivers it."""
    missing = Records(aws.dynamodb, "no-such-table")
    record = from_item(to_item(api_record()))
    with pytest.raises(ClientError) as raised:
        missing.mark_ready(record, "image/png", 150, sha256=None, checksum_type=None)
    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError):
        missing.mark_rejected(record, Reason.TOO_LARGE, 160)
