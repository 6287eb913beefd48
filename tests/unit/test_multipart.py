"""Issue 15 on moto: the SHA-256 bound into single uploads, and the multipart routes (create,
sign, list, complete, abort, status) with every refusal next to its positive control."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from lambda_testkit import BUCKET, UPLOAD_TABLE, api_event, body_of, make_token

from upload_api.checksums import parse_sha256
from upload_api.errors import InvalidChecksumError
from upload_api.multipart import choose_part_size

MIB = 1024 * 1024
PNG = {"content_type": "image/png", "filename": "big.png"}


def b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def call(api: Any, path: str, body: Any = None, *, method: str = "POST", sub: str = "alice") -> tuple[int, Any]:
    response = api(api_event(path, body, method=method, token=make_token(sub=sub)))
    return response["statusCode"], body_of(response) if response.get("body") else None


def create(api: Any, size: int, sub: str = "alice", **extra: Any) -> dict[str, Any]:
    status, body = call(api, "/uploads", {**PNG, "size": size, "method": "MULTIPART", **extra}, sub=sub)
    assert status == 201, body
    return dict(body)


# --- checksums ---------------------------------------------------------------------------


def test_parse_sha256_accepts_a_digest_and_refuses_everything_else():
    good = b64sha(b"x")
    assert parse_sha256(good) == good
    for bad in (
        None,
        1,
        "",
        good[:-1],
        good + "=",
        good.replace("=", "A"),
        base64.b64encode(b"x" * 31).decode(),
        base64.urlsafe_b64encode(hashlib.sha256(b"?>>").digest()).decode(),
    ):
        with pytest.raises(InvalidChecksumError):
            parse_sha256(bad)


def test_parse_sha256_refuses_non_canonical_padding_bits():
    good = b64sha(b"y")
    last = "AEIMQUYcgkosw048"
    flipped = good[:42] + ("B" if good[42] == "A" else chr(ord(good[42]) + 1)) + "="
    assert good[42] in last
    if flipped[42] not in last:
        with pytest.raises(InvalidChecksumError):
            parse_sha256(flipped)


# --- single uploads ----------------------------------------------------------------------


def test_put_signs_the_checksum_and_post_binds_it_with_eq_conditions(api):
    sha = b64sha(b"photo")
    status, put = call(api, "/uploads", {**PNG, "size": 5, "method": "PUT", "sha256": sha})
    assert status == 201 and put["sha256"] == sha and put["headers"]["x-amz-checksum-sha256"] == sha
    assert "x-amz-checksum-sha256" in put["url"]
    status, post = call(api, "/uploads", {**PNG, "size": 5, "sha256": sha})
    assert status == 201
    assert post["fields"]["x-amz-checksum-algorithm"] == "SHA256"
    assert post["fields"]["x-amz-checksum-sha256"] == sha
    policy = base64.b64decode(post["fields"]["policy"]).decode()
    assert f'["eq", "$x-amz-checksum-sha256", "{sha}"]' in policy
    assert '["eq", "$x-amz-checksum-algorithm", "SHA256"]' in policy


def test_checksum_is_required_unless_the_deployment_made_it_optional(api):
    status, body = call(api, "/uploads", {**PNG, "size": 5})
    assert (status, body["error"]["code"]) == (400, "checksum_required")
    api.configure(REQUIRE_SHA256="false")
    status, body = call(api, "/uploads", {**PNG, "size": 5, "method": "PUT"})
    assert status == 201 and "x-amz-checksum-sha256" not in body["headers"] and body["sha256"] is None


def test_a_refused_request_stores_no_record(api):
    before = api.aws.dynamodb.scan(TableName=UPLOAD_TABLE)["Count"]
    status, _ = call(api, "/uploads", {**PNG, "size": 5, "sha256": "not-base64"})
    assert status == 400
    assert api.aws.dynamodb.scan(TableName=UPLOAD_TABLE)["Count"] == before


def test_method_defaults_to_multipart_above_the_threshold(api):
    api.configure(MULTIPART_THRESHOLD_BYTES="100")
    status, small = call(api, "/uploads", {**PNG, "size": 100, "sha256": b64sha(b"")})
    assert status == 201 and small["method"] == "POST"
    status, large = call(api, "/uploads", {**PNG, "size": 101})
    assert status == 201 and large["method"] == "MULTIPART"


def test_status_reports_what_s3_stored(api):
    data = b"stored bytes"
    status, put = call(api, "/uploads", {**PNG, "size": len(data), "method": "PUT", "sha256": b64sha(data)})
    status, before = call(api, f"/uploads/{put['upload_id']}", method="GET")
    assert status == 200 and before["state"] == "awaiting_upload" and "sha256" not in before
    assert before["verification"] == "pending" and "content_type" not in before
    api.aws.s3.put_object(Bucket=BUCKET, Key=put["upload_key"], Body=data, ChecksumSHA256=b64sha(data))
    status, after = call(api, f"/uploads/{put['upload_id']}", method="GET")
    # moto's HeadObject returns no checksum: the value itself is asserted against LocalStack
    # (tests/integration/test_multipart_localstack.py).
    assert status == 200 and after["state"] == "uploaded" and "sha256" in after
    assert after["verification"] == "pending" and "rejection_reason" not in after
    status, other = call(api, f"/uploads/{put['upload_id']}", method="GET", sub="mallory")
    assert (status, other["error"]["code"]) == (404, "upload_not_found")


# --- multipart ---------------------------------------------------------------------------


def test_part_size_grows_to_fit_ten_thousand_parts():
    assert choose_part_size(100 * MIB, 8 * MIB) == 8 * MIB
    assert choose_part_size(5 * 1024**4, 8 * MIB) == 525 * MIB
    assert 5 * 1024**4 / (525 * MIB) <= 10_000


def test_create_records_the_server_chosen_parts(api):
    body = create(api, 20 * MIB + 1)
    assert body["part_size"] == 8 * MIB and body["part_count"] == 3 and body["max_size"] == 20 * MIB + 1
    assert body["key"].endswith(body["upload_id"] + ".png")
    item = api.aws.dynamodb.get_item(TableName=UPLOAD_TABLE, Key={"upload_id": {"S": body["upload_id"]}})["Item"]
    assert item["owner"]["S"] == "alice" and item["state"]["S"] == "uploading" and int(item["expires_at"]["N"]) > 0
    uploads = api.aws.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
    assert body["upload_key"] == "quarantine/" + body["key"].removeprefix("uploads/")
    assert body["upload_key"] in {u["Key"] for u in uploads}
    assert body["key"] not in {u["Key"] for u in uploads}
    assert item["upload_key"]["S"] == body["upload_key"] and item["verification"]["S"] == "pending"


def test_sign_binds_each_parts_exact_length_and_checksum(api):
    body = create(api, 20 * MIB + 1)
    shas = [b64sha(bytes([n])) for n in (1, 2, 3)]
    status, signed = call(
        api,
        f"/uploads/{body['upload_id']}/parts",
        {"parts": [{"part_number": n, "sha256": shas[n - 1]} for n in (1, 3)]},
    )
    assert status == 200
    first, last = signed["parts"]
    assert first["headers"] == {"Content-Length": str(8 * MIB), "x-amz-checksum-sha256": shas[0]}
    assert last["headers"] == {"Content-Length": str(4 * MIB + 1), "x-amz-checksum-sha256": shas[2]}
    assert "content-length%3Bhost%3Bx-amz-checksum-sha256" in first["url"] and "partNumber=1" in first["url"]


@pytest.mark.parametrize(
    ("parts", "status", "code"),
    [
        ([{"part_number": 0, "sha256": b64sha(b"")}], 400, "invalid_part_number"),
        ([{"part_number": 4, "sha256": b64sha(b"")}], 400, "invalid_part_number"),
        ([{"part_number": True, "sha256": b64sha(b"")}], 400, "invalid_part_number"),
        ([{"part_number": 1, "sha256": "AAAA"}], 400, "invalid_checksum"),
        ([{"part_number": 1, "sha256": b64sha(b"")}] * 2, 400, "bad_request"),
        ([], 400, "bad_request"),
    ],
)
def test_sign_refuses_bad_parts(api, parts, status, code):
    body = create(api, 20 * MIB + 1)
    got, answer = call(api, f"/uploads/{body['upload_id']}/parts", {"parts": parts})
    assert (got, answer["error"]["code"]) == (status, code)


def _upload_parts(api: Any, body: dict[str, Any], data: bytes, numbers: list[int]) -> None:
    """Send parts straight to moto with boto3 (moto does not serve presigned URLs over HTTP)."""
    record = api.aws.dynamodb.get_item(TableName=UPLOAD_TABLE, Key={"upload_id": {"S": body["upload_id"]}})["Item"]
    size = body["part_size"]
    for n in numbers:
        chunk = data[(n - 1) * size : n * size]
        api.aws.s3.upload_part(
            Bucket=BUCKET,
            Key=body["upload_key"],
            UploadId=record["s3_upload_id"]["S"],
            PartNumber=n,
            Body=chunk,
            ChecksumSHA256=b64sha(chunk),
        )


def test_list_complete_and_retry(api):
    data = b"a" * (5 * MIB) + b"b" * 10
    api.configure(PART_SIZE_BYTES=str(5 * MIB))
    body = create(api, len(data))
    path = f"/uploads/{body['upload_id']}"
    _upload_parts(api, body, data, [1])
    status, listed = call(api, f"{path}/parts", method="GET")
    assert status == 200 and [p["part_number"] for p in listed["parts"]] == [1]
    assert listed["parts"][0]["size"] == 5 * MIB  # moto lists no part checksums; LocalStack does
    status, missing = call(api, f"{path}/complete")
    assert (status, missing["error"]["code"]) == (409, "incomplete_upload")
    _upload_parts(api, body, data, [2])
    status, done = call(api, f"{path}/complete")
    assert status == 200 and done["state"] == "uploaded" and done["size"] == len(data)
    assert done["checksum_type"] == "COMPOSITE"
    assert call(api, f"{path}/complete") == (200, done)  # idempotent
    assert api.aws.s3.get_object(Bucket=BUCKET, Key=body["upload_key"])["Body"].read() == data
    status, state = call(api, path, method="GET")
    assert status == 200 and state["state"] == "uploaded" and state["sha256"] == done["sha256"]


def test_complete_refuses_parts_that_do_not_add_up(api):
    api.configure(PART_SIZE_BYTES=str(5 * MIB))
    body = create(api, 5 * MIB + 10)
    data = b"c" * (5 * MIB) + b"d" * 9  # the last part one byte short
    _upload_parts(api, body, data, [1, 2])
    status, answer = call(api, f"/uploads/{body['upload_id']}/complete")
    assert (status, answer["error"]["code"]) == (409, "size_mismatch")
    assert not api.aws.s3.list_objects_v2(Bucket=BUCKET, Prefix=body["upload_key"]).get("Contents")


def test_another_user_is_refused_every_route(api):
    body = create(api, 20 * MIB)
    path = f"/uploads/{body['upload_id']}"
    sign = {"parts": [{"part_number": 1, "sha256": b64sha(b"")}]}
    for route, payload, method in (
        (f"{path}/parts", sign, "POST"),
        (f"{path}/parts", None, "GET"),
        (f"{path}/complete", None, "POST"),
        (path, None, "DELETE"),
        (path, None, "GET"),
    ):
        status, answer = call(api, route, payload, method=method, sub="mallory")
        assert (status, answer["error"]["code"]) == (404, "upload_not_found"), route
    assert call(api, f"{path}/parts", sign)[0] == 200  # the owner's positive control
    assert call(api, "/uploads/" + "0" * 32, method="GET")[0] == 404
    assert call(api, "/uploads/not-an-id", method="GET")[0] == 404


def test_abort_leaves_nothing_and_every_route_then_answers_410(api):
    body = create(api, 20 * MIB)
    path = f"/uploads/{body['upload_id']}"
    assert call(api, path, method="DELETE") == (204, None)
    uploads = api.aws.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
    assert body["key"] not in {u["Key"] for u in uploads}
    sign = {"parts": [{"part_number": 1, "sha256": b64sha(b"")}]}
    for route, payload, method in (
        (f"{path}/parts", sign, "POST"),
        (f"{path}/parts", None, "GET"),
        (f"{path}/complete", None, "POST"),
        (path, None, "DELETE"),
    ):
        status, answer = call(api, route, payload, method=method)
        assert (status, answer["error"]["code"]) == (410, "upload_aborted"), route


def test_an_expired_upload_answers_410(api):
    body = create(api, 20 * MIB)
    api.aws.dynamodb.update_item(
        TableName=UPLOAD_TABLE,
        Key={"upload_id": {"S": body["upload_id"]}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": "1"}},
    )
    status, answer = call(api, f"/uploads/{body['upload_id']}/parts", method="GET")
    assert (status, answer["error"]["code"]) == (410, "upload_expired")


def test_part_signing_has_its_own_budget(api):
    api.configure(PART_SIGN_RATE_MAX_REQUESTS="2")
    body = create(api, 20 * MIB)
    sign = {"parts": [{"part_number": 1, "sha256": b64sha(b"")}]}
    assert [call(api, f"/uploads/{body['upload_id']}/parts", sign)[0] for _ in range(3)] == [200, 200, 429]


def test_the_download_route_answers_not_ready_until_verified(api):
    """Uploaded is not downloadable: only the verifier's `ready` is (tests/unit/test_verifier.py
    follows an upload through the verifier to its download token)."""
    data = b"downloadable"
    _, put = call(api, "/uploads", {**PNG, "size": len(data), "method": "PUT", "sha256": b64sha(data)})
    status, before = call(api, "/downloads", {"key": put["key"]})
    assert (status, before["error"]["code"]) == (409, "not_ready")
    api.aws.s3.put_object(Bucket=BUCKET, Key=put["upload_key"], Body=data, ChecksumSHA256=b64sha(data))
    status, after = call(api, "/downloads", {"key": put["key"]})
    assert (status, after["error"]["code"]) == (409, "not_ready")
    legacy = put["key"].rsplit("/", 1)[0] + "/" + "f" * 32 + ".png"  # no record: never verified
    status, old = call(api, "/downloads", {"key": legacy})
    assert (status, old["error"]["code"]) == (409, "not_ready")
    status, quarantined = call(api, "/downloads", {"key": put["upload_key"]})
    assert (status, quarantined["error"]["code"]) == (400, "bad_request")  # not a downloadable key


def test_a_state_change_never_undoes_the_verifiers_verdict(api):
    """The status route saves `uploaded` with a whole-item put; if the verifier decided the
    record after it was read, the put must fail and the verdict (and the removed TTL) stay."""
    from upload_api.records import UPLOADED, UploadRecords

    data = b"raced"
    _, put = call(api, "/uploads", {**PNG, "size": len(data), "method": "PUT", "sha256": b64sha(data)})
    records = UploadRecords(api.aws.dynamodb, UPLOAD_TABLE)
    read_before = records.get(put["upload_id"])
    assert read_before is not None and read_before.verification == "pending"
    api.aws.dynamodb.update_item(
        TableName=UPLOAD_TABLE,
        Key={"upload_id": {"S": put["upload_id"]}},
        UpdateExpression="SET verification = :ready REMOVE expires_at",
        ExpressionAttributeValues={":ready": {"S": "ready"}},
    )
    saved = records.save_state(read_before, UPLOADED, result_sha256=b64sha(data))
    assert saved.verification == "ready" and saved.expires_at is None
    assert records.get(put["upload_id"]) == saved


def test_records_keep_the_state_a_concurrent_writer_saved(api):
    from upload_api.records import ABORTED, UPLOADED, UploadRecords

    body = create(api, 20 * MIB)
    records = UploadRecords(api.aws.dynamodb, UPLOAD_TABLE)
    record = records.get(body["upload_id"])
    assert record is not None
    won = records.save_state(record, UPLOADED, result_sha256="x-3")
    lost = records.save_state(record, ABORTED)  # read before the first write: the stored state wins
    assert won.state == lost.state == UPLOADED and records.get(body["upload_id"]) == won


def _record(size: int, part_size: int) -> Any:
    from upload_api.records import UPLOADING, UploadRecord

    return UploadRecord(
        upload_id="a" * 32,
        owner="alice",
        key="uploads/x/" + "a" * 32 + ".png",
        method="MULTIPART",
        size=size,
        content_type="image/png",
        state=UPLOADING,
        created_at=0,
        expires_at=2**31,
        part_size=part_size,
        part_count=-(-size // part_size),
        s3_upload_id="u",
    )


def test_check_parts_needs_each_part_at_its_exact_length_and_nothing_beyond():
    from upload_api.errors import IncompleteUploadError, SizeMismatchError
    from upload_api.multipart import check_parts

    record = _record(25, 10)  # parts of 10, 10, 5
    good = [{"PartNumber": 1, "Size": 10}, {"PartNumber": 2, "Size": 10}, {"PartNumber": 3, "Size": 5}]
    check_parts(record, good)  # the positive control
    shifted = [{"PartNumber": 1, "Size": 9}, {"PartNumber": 2, "Size": 11}, {"PartNumber": 3, "Size": 5}]
    with pytest.raises(SizeMismatchError, match="Part 1"):
        check_parts(record, shifted)  # the sum is right, the layout is not
    with pytest.raises(SizeMismatchError, match="add up"):
        check_parts(record, [*good[:2], {"PartNumber": 3, "Size": 4}])
    with pytest.raises(SizeMismatchError, match="beyond"):
        check_parts(record, [*good, {"PartNumber": 4, "Size": 1}])
    with pytest.raises(IncompleteUploadError, match="Missing parts: 2"):
        check_parts(record, [good[0], good[2]])


def test_multipart_routes_refuse_a_single_upload_and_a_completed_one(api):
    _, single = call(api, "/uploads", {**PNG, "size": 5, "method": "PUT", "sha256": b64sha(b"12345")})
    sign = {"parts": [{"part_number": 1, "sha256": b64sha(b"")}]}
    for method, path, body in (("POST", "/parts", sign), ("POST", "/complete", None), ("DELETE", "", None)):
        status, answer = call(api, f"/uploads/{single['upload_id']}{path}", body, method=method)
        assert (status, answer["error"]["code"]) == (409, "upload_state"), path
    api.configure(PART_SIZE_BYTES=str(5 * MIB))
    created = create(api, 10)
    _upload_parts(api, created, b"0123456789", [1])
    assert call(api, f"/uploads/{created['upload_id']}/complete")[0] == 200
    status, answer = call(api, f"/uploads/{created['upload_id']}/parts", sign)
    assert (status, answer["error"]["code"]) == (409, "upload_state")
    status, answer = call(api, f"/uploads/{created['upload_id']}", method="DELETE")
    assert (status, answer["error"]["code"]) == (409, "upload_state")


def test_complete_counts_against_its_own_rate_limit(api):
    api.configure(RATE_LIMIT_MAX_REQUESTS="2")
    created = create(api, 20 * MIB)  # uploads: 1 of 2
    path = f"/uploads/{created['upload_id']}/complete"
    assert [call(api, path)[0] for _ in range(3)] == [409, 409, 429]


def test_the_preflight_of_an_upload_route_allows_its_methods(api):
    response = api(
        api_event(
            "/uploads/" + "a" * 32 + "/parts",
            method="OPTIONS",
            headers={"Access-Control-Request-Method": "POST", "Authorization": None, "Content-Type": None},
        )
    )
    assert response["statusCode"] == 204
    headers = {k.lower(): v[0] for k, v in response["multiValueHeaders"].items()}
    assert set(headers["access-control-allow-methods"].split(",")) >= {"GET", "POST", "DELETE", "OPTIONS"}
    assert headers["access-control-allow-origin"] == "http://localhost:4583"


def test_a_malformed_upload_id_is_404_without_a_lookup(api):
    api.configure(UPLOAD_TABLE="no-such-table")  # any lookup would now be a 500
    status, answer = call(api, "/uploads/not-an-id", method="GET")
    assert (status, answer["error"]["code"]) == (404, "upload_not_found")
    status, answer = call(api, "/uploads/" + "a" * 32, method="GET")  # the control: a lookup happens
    assert (status, answer["error"]["code"]) == (500, "misconfigured")


def test_an_abort_racing_a_complete_never_claims_success(api):
    """S3 completed the upload (a concurrent complete whose record write is still to come):
    the abort answers 409 and leaves the record as it was, next to the plain abort's 204 above."""
    data = b"a" * (5 * MIB) + b"b" * 10
    api.configure(PART_SIZE_BYTES=str(5 * MIB))
    body = create(api, len(data))
    _upload_parts(api, body, data, [1, 2])
    item = api.aws.dynamodb.get_item(TableName=UPLOAD_TABLE, Key={"upload_id": {"S": body["upload_id"]}})["Item"]
    parts = api.aws.s3.list_parts(Bucket=BUCKET, Key=body["key"], UploadId=item["s3_upload_id"]["S"])["Parts"]
    api.aws.s3.complete_multipart_upload(
        Bucket=BUCKET,
        Key=body["key"],
        UploadId=item["s3_upload_id"]["S"],
        MultipartUpload={"Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]},
    )
    status, answer = call(api, f"/uploads/{body['upload_id']}", method="DELETE")
    assert (status, answer["error"]["code"]) == (409, "upload_state")
    after = api.aws.dynamodb.get_item(TableName=UPLOAD_TABLE, Key={"upload_id": {"S": body["upload_id"]}})["Item"]
    assert after["state"]["S"] == "uploading"


def test_an_abort_read_before_a_saved_complete_is_refused(api):
    from lambda_testkit import api_environment

    from upload_api.config import from_env
    from upload_api.errors import UploadStateError
    from upload_api.multipart import abort_upload
    from upload_api.records import UPLOADED, UploadRecords

    body = create(api, 20 * MIB)
    records = UploadRecords(api.aws.dynamodb, UPLOAD_TABLE)
    stale = records.get(body["upload_id"])
    assert stale is not None
    records.save_state(stale, UPLOADED, result_sha256="x-3")  # the complete saved first
    with pytest.raises(UploadStateError):
        abort_upload(stale, from_env(api_environment(api.aws)), api.aws.s3, records)
    saved = records.get(body["upload_id"])
    assert saved is not None and saved.state == UPLOADED


def _s3_complete_behind_the_api(api: Any, body: dict[str, Any]) -> str:
    """What S3 does for a complete whose answer the API never read: the object is assembled
    and S3 forgets the upload. Returns the stored SHA-256."""
    item = api.aws.dynamodb.get_item(TableName=UPLOAD_TABLE, Key={"upload_id": {"S": body["upload_id"]}})["Item"]
    upload_id = item["s3_upload_id"]["S"]
    parts = api.aws.s3.list_parts(Bucket=BUCKET, Key=body["upload_key"], UploadId=upload_id)["Parts"]
    result = api.aws.s3.complete_multipart_upload(
        Bucket=BUCKET,
        Key=body["upload_key"],
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]},
    )
    return str(result.get("ChecksumSHA256") or "")


def test_a_complete_whose_answer_was_lost_is_recorded_on_the_retry(api):
    """A read timeout while S3 assembles a large object: S3 finished, the API did not record it.
    The client's retry finds no upload in S3 and records the stored object instead of losing it."""
    data = b"a" * (5 * MIB) + b"b" * 10
    api.configure(PART_SIZE_BYTES=str(5 * MIB))
    body = create(api, len(data))
    _upload_parts(api, body, data, [1, 2])
    _s3_complete_behind_the_api(api, body)
    stored = api.aws.s3.head_object(Bucket=BUCKET, Key=body["upload_key"], ChecksumMode="ENABLED")
    status, done = call(api, f"/uploads/{body['upload_id']}/complete")
    assert status == 200 and done["state"] == "uploaded" and done["size"] == len(data)
    assert done["sha256"] == stored.get("ChecksumSHA256") and done["checksum_type"] == "COMPOSITE"
    item = api.aws.dynamodb.get_item(TableName=UPLOAD_TABLE, Key={"upload_id": {"S": body["upload_id"]}})["Item"]
    assert item["state"]["S"] == "uploaded"


def test_an_upload_s3_forgot_without_an_object_is_not_recorded_as_complete(api):
    """The control: aborted in S3 behind the API's back, nothing stored: 409, the record unchanged."""
    data = b"a" * (5 * MIB) + b"b" * 10
    api.configure(PART_SIZE_BYTES=str(5 * MIB))
    body = create(api, len(data))
    _upload_parts(api, body, data, [1, 2])
    item = api.aws.dynamodb.get_item(TableName=UPLOAD_TABLE, Key={"upload_id": {"S": body["upload_id"]}})["Item"]
    api.aws.s3.abort_multipart_upload(Bucket=BUCKET, Key=body["upload_key"], UploadId=item["s3_upload_id"]["S"])
    status, answer = call(api, f"/uploads/{body['upload_id']}/complete")
    assert (status, answer["error"]["code"]) == (409, "upload_state") and answer["error"]["message"]
    after = api.aws.dynamodb.get_item(TableName=UPLOAD_TABLE, Key={"upload_id": {"S": body["upload_id"]}})["Item"]
    assert after["state"]["S"] == "uploading"


class _LostCompleteAnswer:
    """An S3 client whose CompleteMultipartUpload finishes the upload but whose answer is lost,
    so that the retry meets NoSuchUpload (what botocore's retry after a read timeout sees)."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3
        self.completes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)

    def complete_multipart_upload(self, **params: Any) -> Any:
        from botocore.exceptions import ClientError

        self.completes += 1
        self._s3.complete_multipart_upload(**params)
        raise ClientError({"Error": {"Code": "NoSuchUpload", "Message": "gone"}}, "CompleteMultipartUpload")


def test_a_complete_retried_by_botocore_after_s3_finished_is_recorded(api):
    from lambda_testkit import api_environment

    from upload_api.config import from_env
    from upload_api.multipart import complete_upload
    from upload_api.records import UPLOADED, UploadRecords

    data = b"a" * (5 * MIB) + b"b" * 10
    api.configure(PART_SIZE_BYTES=str(5 * MIB))
    body = create(api, len(data))
    _upload_parts(api, body, data, [1, 2])
    records = UploadRecords(api.aws.dynamodb, UPLOAD_TABLE)
    record = records.get(body["upload_id"])
    assert record is not None
    s3 = _LostCompleteAnswer(api.aws.s3)
    done = complete_upload(record, from_env(api_environment(api.aws, PART_SIZE_BYTES=str(5 * MIB))), s3, records)
    assert s3.completes == 1 and done["state"] == "uploaded" and done["size"] == len(data)
    saved = records.get(body["upload_id"])
    assert saved is not None and saved.state == UPLOADED and saved.result_sha256 == done["sha256"]
