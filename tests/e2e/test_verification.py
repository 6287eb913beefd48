"""Issue 16 end to end: uploads land in quarantine, S3 notifies the queue, the verifier (run by the
stack's event source mapping) publishes them or rejects them, and only published objects are
ever downloadable."""

from __future__ import annotations

import json

import pytest
import requests
from e2e_client import HTML_AS_PNG, Stack, png

pytestmark = pytest.mark.localstack


@pytest.fixture
def verifier_paused(stack: Stack):
    """The event source mapping disabled for the test (uploads stay pending), enabled after."""
    stack.event_source(enabled=False)
    try:
        yield
    finally:
        stack.event_source(enabled=True)


def _uploaded(stack: Stack, token: str, data: bytes, content_type: str = "image/png", method: str = "PUT") -> dict:
    presign = stack.presign(token, data=data, content_type=content_type, method=method)
    assert presign.status_code == 201, presign.text
    presigned = dict(presign.json())
    assert stack.upload(presigned, data, content_type).status_code in {200, 204}
    return presigned


def _error(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_a_png_is_pending_then_ready_and_served_by_the_cdn(stack: Stack) -> None:
    token = stack.user_token()
    data = png(4096)
    presign = stack.presign(token, data=data, method="PUT")
    assert presign.status_code == 201, presign.text
    presigned = presign.json()
    quarantine, published = stack.env["QUARANTINE_PREFIX"], stack.env["UPLOAD_PREFIX"]
    # The API names the published key; the bytes go to the quarantine key, which differs only in the prefix.
    assert presigned["key"].startswith(published) and presigned["upload_key"].startswith(quarantine)
    assert presigned["upload_key"][len(quarantine) :] == presigned["key"][len(published) :]
    assert stack.status(token, presigned["upload_id"]).json()["verification"] == "pending"

    assert stack.upload(presigned, data).status_code == 200
    status = stack.wait_verified(token, presigned["upload_id"])

    assert (status["verification"], status["content_type"]) == ("ready", "image/png")
    assert stack.keys_under(presigned["upload_key"]) == []  # moved out of quarantine
    download = stack.download(token, presigned["key"])
    assert download.status_code == 200, download.text
    served = requests.get(download.json()["url"], timeout=15)
    assert (served.status_code, served.content) == (200, data)
    assert served.headers["Content-Type"] == "image/png"


def test_uploads_stay_pending_while_the_verifier_is_stopped_and_are_all_published_after(
    stack: Stack, verifier_paused
) -> None:
    token = stack.user_token()
    uploads = [(png(2048), "PUT"), (png(3000), "POST"), (png(4096), "PUT")]
    presigned = [(_uploaded(stack, token, data, method=method), data) for data, method in uploads]
    # Nothing consumes the queue: the objects wait in quarantine, the records stay pending.
    for upload, _ in presigned:
        assert stack.keys_under(upload["upload_key"]) == [upload["upload_key"]]
        assert stack.status(token, upload["upload_id"]).json()["verification"] == "pending"
        refused = stack.download(token, upload["key"])
        assert _error(refused) == (409, "not_ready"), refused.text

    stack.event_source(enabled=True)
    for upload, data in presigned:  # nothing lost: every one of them is published
        assert stack.wait_verified(token, upload["upload_id"])["verification"] == "ready"
        allowed = stack.download(token, upload["key"])  # the control: the same call once ready
        assert allowed.status_code == 200, allowed.text
        assert requests.get(allowed.json()["url"], timeout=15).content == data


def test_the_quarantine_key_is_never_served(stack: Stack, verifier_paused) -> None:
    token = stack.user_token()
    presigned = _uploaded(stack, token, png(2048))
    quarantined = "/" + presigned["upload_key"]
    # A token for exactly that path, signed by the stack's own KMS key: the edge serves the
    # published prefix only, whatever the token says.
    forged = stack.kms_token(stack.download_claims(quarantined))
    refused = requests.get(f"{stack.cdn}{quarantined}?authorization={forged}", timeout=15)
    assert refused.status_code == 403
    # The API does not sign it either: only published keys are downloadable.
    assert stack.download(token, presigned["upload_key"]).status_code == 400
    # The object really is there (the refusals are not a missing object).
    assert stack.keys_under(presigned["upload_key"]) == [presigned["upload_key"]]


def test_the_bucket_grants_no_one_but_the_cdn_and_the_cdn_only_the_published_prefix(stack: Stack) -> None:
    """What refuses a direct anonymous GET of a quarantined object in AWS: the provisioned bucket
    policy and public-access block, read back from S3. (LocalStack community does not evaluate
    bucket policies for anonymous requests, so the refusal itself is asserted offline, in
    terraform/modules/storage/tests.)"""
    s3, bucket = stack.s3(), stack.state["bucket"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    grants = [s for s in statements if s["Effect"] == "Allow"]
    assert [g["Resource"] for g in grants] == [f"arn:aws:s3:::{bucket}/{stack.env['UPLOAD_PREFIX']}*"]
    assert all(g["Principal"] != "*" and "*" not in json.dumps(g["Principal"]) for g in grants)


def test_html_declared_as_png_is_rejected_and_never_published(stack: Stack) -> None:
    token = stack.user_token()
    presigned = _uploaded(stack, token, HTML_AS_PNG)

    status = stack.wait_verified(token, presigned["upload_id"])

    assert (status["verification"], status["rejection_reason"]) == ("rejected", "type_mismatch")
    refused = stack.download(token, presigned["key"])
    assert _error(refused) == (409, "upload_rejected"), refused.text
    assert "type_mismatch" in refused.json()["error"]["message"]
    assert stack.keys_under(presigned["key"]) == []  # nothing under the published prefix
    assert stack.keys_under(presigned["upload_key"]) == []  # nor left in quarantine
    rejected = stack.state["verifier_environment"]["REJECTED_PREFIX"]
    if rejected:  # kept for inspection under the rejected prefix, which nothing serves
        kept = rejected + presigned["key"][len(stack.env["UPLOAD_PREFIX"]) :]
        assert stack.keys_under(kept) == [kept]
        forged = stack.kms_token(stack.download_claims("/" + kept))
        assert requests.get(f"{stack.cdn}/{kept}?authorization={forged}", timeout=15).status_code == 403


def test_another_user_cannot_read_the_status(stack: Stack) -> None:
    owner = stack.user_token()
    presigned = _uploaded(stack, owner, png(1024))
    stranger = stack.status(stack.user_token(), presigned["upload_id"])
    assert _error(stranger) == (404, "upload_not_found")
    assert stack.wait_verified(owner, presigned["upload_id"])["verification"] == "ready"  # the owner's control
