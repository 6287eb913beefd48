"""The upload record store on moto: what an item holds, new records never overwrite, state
changes write only what changed and never undo the verifier's verdict, and DynamoDB failing
is a clear 503."""

from __future__ import annotations

from typing import Any

import pytest
from aws_seams import failing, recorded, unreachable
from lambda_testkit import UPLOAD_TABLE

from upload_api.errors import MisconfiguredError, ServiceUnavailableError
from upload_api.records import (
    ABORTED,
    PENDING,
    READY,
    REJECTED,
    UPLOADED,
    UPLOADING,
    UploadRecord,
    UploadRecords,
    from_item,
    to_item,
)

RECORDS_DOWN = "Upload records unavailable; retry later."


def record(upload_id: str, **changes: Any) -> UploadRecord:
    values: dict[str, Any] = {
        "upload_id": upload_id,
        "owner": "alice",
        "key": f"uploads/o/{upload_id}.png",
        "upload_key": f"quarantine/o/{upload_id}.png",
        "method": "MULTIPART",
        "size": 25,
        "content_type": "image/png",
        "state": UPLOADING,
        "created_at": 100,
        "expires_at": 200,
        "part_size": 10,
        "part_count": 3,
        "s3_upload_id": "s3-upload",
    }
    values.update(changes)
    return UploadRecord(**values)


def stored(aws: Any, upload_id: str) -> dict[str, Any]:
    return dict(aws.dynamodb.get_item(TableName=UPLOAD_TABLE, Key={"upload_id": {"S": upload_id}})["Item"])


# --- one item per record -------------------------------------------------------------------


def test_an_item_holds_every_attribute_with_its_dynamodb_type_and_reads_back_the_same():
    full = record(
        "1" * 32,
        sha256="c2hh",
        result_sha256="cmVzdWx0",
        checksum_type="COMPOSITE",
        verification=REJECTED,
        rejection_reason="not_an_image",
        verified_content_type="image/png",
        verified_at=300,
    )
    item = to_item(full)
    assert item == {
        "upload_id": {"S": "1" * 32},
        "owner": {"S": "alice"},
        "key": {"S": f"uploads/o/{'1' * 32}.png"},
        "upload_key": {"S": f"quarantine/o/{'1' * 32}.png"},
        "method": {"S": "MULTIPART"},
        "content_type": {"S": "image/png"},
        "state": {"S": UPLOADING},
        "size": {"N": "25"},
        "created_at": {"N": "100"},
        "expires_at": {"N": "200"},
        "part_size": {"N": "10"},
        "part_count": {"N": "3"},
        "verified_at": {"N": "300"},
        "sha256": {"S": "c2hh"},
        "s3_upload_id": {"S": "s3-upload"},
        "result_sha256": {"S": "cmVzdWx0"},
        "checksum_type": {"S": "COMPOSITE"},
        "verification": {"S": REJECTED},
        "rejection_reason": {"S": "not_an_image"},
        "verified_content_type": {"S": "image/png"},
    }
    assert from_item(item) == full


def test_an_item_leaves_out_what_the_record_does_not_have_and_absent_verification_reads_as_pending():
    bare = UploadRecord(
        upload_id="2" * 32,
        owner="bob",
        key="uploads/b/x.png",
        method="PUT",
        size=5,
        content_type="image/png",
        state="awaiting_upload",
        created_at=7,
    )
    item = to_item(bare)
    assert set(item) == {
        "upload_id",
        "owner",
        "key",
        "method",
        "size",
        "content_type",
        "state",
        "created_at",
        "verification",
    }
    del item["verification"]  # a record written before the verifier existed
    assert from_item(item) == bare and from_item(item).verification == PENDING


def test_a_part_is_its_exact_length_and_anything_else_is_not_a_part():
    parts = record("3" * 32)  # 25 bytes in parts of 10: 10, 10, 5
    assert [parts.part_length(n) for n in (1, 2, 3)] == [10, 10, 5]
    for outside in (0, 4, -1):
        with pytest.raises(ValueError, match="not a part of this upload"):
            parts.part_length(outside)
    for unsplit in (record("3" * 32, part_size=None), record("3" * 32, part_count=None)):
        for number in (1, 3):
            with pytest.raises(ValueError, match="not a part of this upload"):
                unsplit.part_length(number)


# --- put_new and get -----------------------------------------------------------------------


def test_a_new_record_is_stored_read_back_consistently_and_never_overwritten(aws):
    records = UploadRecords(aws.dynamodb, UPLOAD_TABLE)
    first = record("4" * 32)
    with recorded(aws.dynamodb, "GetItem") as reads:
        records.put_new(first)
        assert records.get(first.upload_id) == first
    assert reads == [{"TableName": UPLOAD_TABLE, "Key": {"upload_id": {"S": "4" * 32}}, "ConsistentRead": True}]
    with pytest.raises(ServiceUnavailableError) as clash:
        records.put_new(record("4" * 32, owner="mallory"))
    assert clash.value.reason == "dynamodb_ConditionalCheckFailedException"
    assert stored(aws, first.upload_id)["owner"] == {"S": "alice"}


def test_an_unknown_upload_id_has_no_record(aws):
    assert UploadRecords(aws.dynamodb, UPLOAD_TABLE).get("5" * 32) is None


@pytest.mark.parametrize("operation", ["PutItem", "GetItem", "UpdateItem"])
def test_dynamodb_failing_is_a_503_that_says_upload_records(aws, operation):
    records = UploadRecords(aws.dynamodb, UPLOAD_TABLE)
    existing = record("6" * 32)
    aws.dynamodb.put_item(TableName=UPLOAD_TABLE, Item=to_item(existing))
    calls = {
        "PutItem": lambda: records.put_new(record("7" * 32)),
        "GetItem": lambda: records.get(existing.upload_id),
        "UpdateItem": lambda: records.save_state(existing, UPLOADED),
    }
    throttle = failing(aws.dynamodb, operation, "ProvisionedThroughputExceededException", status=400)
    with throttle, pytest.raises(ServiceUnavailableError) as throttled:
        calls[operation]()
    assert throttled.value.reason == "dynamodb_ProvisionedThroughputExceededException"
    assert throttled.value.message == RECORDS_DOWN
    with unreachable(aws.dynamodb, operation), pytest.raises(ServiceUnavailableError) as down:
        calls[operation]()
    assert (down.value.reason, down.value.message) == ("dynamodb_unreachable", RECORDS_DOWN)
    assert stored(aws, existing.upload_id)["state"] == {"S": UPLOADING}


def test_a_missing_table_is_misconfigured(aws):
    records = UploadRecords(aws.dynamodb, "no-such-upload-table")
    for call in (
        lambda: records.put_new(record("8" * 32)),
        lambda: records.get("8" * 32),
        lambda: records.save_state(record("8" * 32), UPLOADED),
    ):
        with pytest.raises(MisconfiguredError) as missing:
            call()
        assert missing.value.reason == "dynamodb_ResourceNotFoundException"


# --- save_state ----------------------------------------------------------------------------


def test_a_state_change_sets_and_removes_attributes_in_one_update(aws):
    records = UploadRecords(aws.dynamodb, UPLOAD_TABLE)
    before = record("9" * 32)
    records.put_new(before)
    saved = records.save_state(before, UPLOADED, result_sha256="ZG9uZQ==", expires_at=None)
    assert saved == record("9" * 32, state=UPLOADED, result_sha256="ZG9uZQ==", expires_at=None)
    item = stored(aws, before.upload_id)
    assert "expires_at" not in item and item["state"] == {"S": UPLOADED} and item["result_sha256"] == {"S": "ZG9uZQ=="}
    assert records.get(before.upload_id) == saved


def test_a_change_that_only_removes_attributes_is_written(aws):
    records = UploadRecords(aws.dynamodb, UPLOAD_TABLE)
    before = record("a" * 32, state=UPLOADED, sha256="c2hh")
    records.put_new(before)
    saved = records.save_state(before, UPLOADED, expires_at=None, sha256=None)
    assert (saved.expires_at, saved.sha256) == (None, None)
    assert {"expires_at", "sha256"}.isdisjoint(stored(aws, before.upload_id))
    assert records.get(before.upload_id) == saved


def test_a_record_written_before_verification_existed_still_changes_state(aws):
    records = UploadRecords(aws.dynamodb, UPLOAD_TABLE)
    legacy = to_item(record("b" * 32))
    del legacy["verification"]
    aws.dynamodb.put_item(TableName=UPLOAD_TABLE, Item=legacy)
    read = records.get("b" * 32)
    assert read is not None and read.verification == PENDING
    assert records.save_state(read, ABORTED).state == ABORTED
    assert stored(aws, "b" * 32)["state"] == {"S": ABORTED}


@pytest.mark.parametrize("verdict", [READY, REJECTED])
def test_a_decided_record_changes_state_while_the_verdict_stands(aws, verdict):
    records = UploadRecords(aws.dynamodb, UPLOAD_TABLE)
    decided = record("c" * 32, verification=verdict)
    aws.dynamodb.put_item(TableName=UPLOAD_TABLE, Item=to_item(decided))
    assert records.save_state(decided, ABORTED).state == ABORTED
    assert stored(aws, decided.upload_id)["state"] == {"S": ABORTED}


def test_a_verdict_gone_back_to_pending_since_the_read_stops_the_write(aws):
    """Absent means pending: a record read as ready whose stored verdict is now absent has
    changed since the read, so the write must not happen (the stored record is answered)."""
    records = UploadRecords(aws.dynamodb, UPLOAD_TABLE)
    read_ready = record("d" * 32, verification=READY)
    now_pending = to_item(read_ready)
    del now_pending["verification"]
    aws.dynamodb.put_item(TableName=UPLOAD_TABLE, Item=now_pending)
    answered = records.save_state(read_ready, ABORTED)
    assert answered.state == UPLOADING and answered.verification == PENDING
    assert stored(aws, "d" * 32)["state"] == {"S": UPLOADING}


def test_a_record_deleted_since_the_read_is_a_503_not_a_resurrection(aws):
    records = UploadRecords(aws.dynamodb, UPLOAD_TABLE)
    gone = record("e" * 32)
    with pytest.raises(ServiceUnavailableError) as failed:
        records.save_state(gone, UPLOADED)
    assert failed.value.reason == "dynamodb_ConditionalCheckFailedException"
    assert "Item" not in aws.dynamodb.get_item(TableName=UPLOAD_TABLE, Key={"upload_id": {"S": "e" * 32}})


def test_a_change_to_nothing_writes_nothing(aws):
    records = UploadRecords(aws.dynamodb, UPLOAD_TABLE)
    same = record("f" * 32)
    with recorded(aws.dynamodb, "UpdateItem") as updates:
        assert records.save_state(same, UPLOADING, expires_at=200) is same
    assert updates == []
