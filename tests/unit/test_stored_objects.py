"""stored_checksum on moto: what S3 stored for a key (read with HeadObject and checksum mode),
None while there is no object, and a clear 503 when S3 fails."""

from __future__ import annotations

import base64
import hashlib

import pytest
from aws_seams import answering, failing, recorded, unreachable
from lambda_testkit import BUCKET

from upload_api.errors import ServiceUnavailableError
from upload_api.stored_objects import stored_checksum

KEY = "quarantine/stored-objects/" + "c" * 32 + ".png"


def b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def test_an_object_stored_with_sha256_answers_its_size_and_checksum_read_in_checksum_mode(aws):
    data = b"stored with a checksum"
    aws.s3.put_object(Bucket=BUCKET, Key=KEY, Body=data, ChecksumAlgorithm="SHA256")
    with recorded(aws.s3, "HeadObject") as calls:
        stored = stored_checksum(aws.s3, BUCKET, KEY)
    # moto answers no ChecksumType for a single PUT (as S3 did before it had the field).
    assert stored == {"size": len(data), "sha256": b64sha(data), "checksum_type": "FULL_OBJECT"}
    # Without checksum mode real S3 leaves the checksum out of the answer (moto adds it anyway).
    assert calls == [{"Bucket": BUCKET, "Key": KEY, "ChecksumMode": "ENABLED"}]


def test_an_object_without_a_sha256_answers_no_checksum_and_no_type(aws):
    aws.s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"no sha")
    assert stored_checksum(aws.s3, BUCKET, KEY) == {"size": 6, "sha256": None, "checksum_type": None}


def test_the_checksum_type_s3_answers_is_kept(aws):
    composite = b64sha(b"parts") + "-2"

    def head(params):
        return {"ContentLength": 11, "ChecksumSHA256": composite, "ChecksumType": "COMPOSITE"}

    with answering(aws.s3, "HeadObject", head):
        stored = stored_checksum(aws.s3, BUCKET, KEY)
    assert stored == {"size": 11, "sha256": composite, "checksum_type": "COMPOSITE"}


def test_no_object_is_none(aws):
    assert stored_checksum(aws.s3, BUCKET, KEY + ".missing") is None  # moto's HEAD answers "404"


@pytest.mark.parametrize("code", ["NoSuchKey", "NotFound"])
def test_every_code_s3_gives_a_missing_object_is_none(aws, code):
    with failing(aws.s3, "HeadObject", code, status=404):
        assert stored_checksum(aws.s3, BUCKET, KEY) is None


def test_s3_failing_is_a_503_that_says_storage(aws):
    with failing(aws.s3, "HeadObject", "SlowDown"), pytest.raises(ServiceUnavailableError) as failed:
        stored_checksum(aws.s3, BUCKET, KEY)
    assert failed.value.reason == "s3_SlowDown"
    assert failed.value.message == "Storage unavailable; retry later."
    with unreachable(aws.s3, "HeadObject"), pytest.raises(ServiceUnavailableError) as down:
        stored_checksum(aws.s3, BUCKET, KEY)
    assert down.value.reason == "s3_unreachable"
