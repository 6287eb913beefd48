"""S3 itself (LocalStack, signature validation on) enforces what the API presigned."""

import time

import boto3
import pytest
import requests
from e2e_client import fixed_png, new_sub

pytestmark = pytest.mark.localstack


def _presigned(stack, method: str, size: int = 256) -> dict:
    response = stack.presign(stack.user_token(new_sub()), size=size, method=method)  # declares fixed_png(size)
    assert response.status_code == 201, response.text
    return response.json()


def test_post_over_the_size_limit_is_rejected(stack) -> None:
    presigned = _presigned(stack, "POST", size=256)
    too_big = stack.upload(presigned, fixed_png(257))
    assert too_big.status_code == 400
    assert "EntityTooLarge" in too_big.text
    assert stack.upload(presigned, fixed_png(256)).status_code in {200, 204}  # the control: the exact size passes


def test_put_of_another_length_is_rejected(stack) -> None:
    presigned = _presigned(stack, "PUT", size=256)
    response = requests.put(presigned["url"], data=fixed_png(300), headers={"Content-Type": "image/png"}, timeout=15)
    assert response.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in response.text
    exact = requests.put(presigned["url"], data=fixed_png(256), headers=presigned["headers"], timeout=15)
    assert exact.status_code == 200  # the control: the signed length passes


def test_post_with_a_wrong_content_type_is_rejected(stack) -> None:
    presigned = _presigned(stack, "POST")
    fields = {**presigned["fields"], "Content-Type": "text/html"}
    response = requests.post(
        presigned["url"], data=fields, files={"file": ("x.html", fixed_png(), "text/html")}, timeout=15
    )
    assert response.status_code == 403
    assert "Policy" in response.text


def test_put_with_a_wrong_content_type_is_rejected(stack) -> None:
    presigned = _presigned(stack, "PUT")
    headers = {**presigned["headers"], "Content-Type": "text/html"}
    assert requests.put(presigned["url"], data=fixed_png(), headers=headers, timeout=15).status_code == 403


def test_post_to_a_changed_key_is_rejected(stack) -> None:
    presigned = _presigned(stack, "POST")
    fields = {**presigned["fields"], "key": presigned["fields"]["key"].rsplit("/", 1)[0] + "/chosen-by-me.png"}
    response = requests.post(
        presigned["url"], data=fields, files={"file": ("x.png", fixed_png(), "image/png")}, timeout=15
    )
    assert response.status_code == 403


def test_put_with_a_tampered_signature_is_rejected(stack) -> None:
    presigned = _presigned(stack, "PUT")
    url = presigned["url"]
    marker = "X-Amz-Signature="
    start = url.index(marker) + len(marker)
    flipped = "0" if url[start] != "0" else "1"
    tampered = url[:start] + flipped + url[start + 1 :]
    response = requests.put(tampered, data=fixed_png(), headers=presigned["headers"], timeout=15)
    assert response.status_code == 403
    assert "SignatureDoesNotMatch" in response.text


def test_expired_presigns_are_rejected(stack) -> None:
    """This code's presign (upload_api.presign), with the stack's credentials and a 1 s expiry:
    S3 refuses both forms once they expire."""
    from upload_api.presign import presigned_post, presigned_put

    s3 = boto3.client(
        "s3",
        endpoint_url=stack.state["endpoints"]["default"],
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    bucket, key = stack.state["bucket"], f"{stack.env['QUARANTINE_PREFIX']}{new_sub()}/{'e' * 32}.png"
    data = fixed_png()
    args = {"bucket": bucket, "key": key, "content_type": "image/png", "size": len(data), "expires": 1}
    post, put = presigned_post(s3, **args), presigned_put(s3, **args)
    time.sleep(2.5)
    assert post.fields is not None and put.headers is not None
    files = {"file": ("x.png", data, "image/png")}
    expired_post = requests.post(post.url, data=post.fields, files=files, timeout=15)
    assert expired_post.status_code == 403
    assert "expired" in expired_post.text.lower()
    expired_put = requests.put(put.url, data=data, headers=put.headers, timeout=15)
    assert expired_put.status_code == 403
    assert "AccessDenied" in expired_put.text or "expired" in expired_put.text.lower()
