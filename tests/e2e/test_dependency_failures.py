"""The upload API under a stopped or hanging DynamoDB, KMS and identity provider (issue 13).

Faults come from harness/stack/faults.py: the API reaches DynamoDB and KMS through TCP
forwarders that refuse connections (a stopped service) or accept and never answer (a hanging
one), and the dev issuer's JWKS endpoint can hang. For each: the route works first (positive
control); under the fault the API answers the documented 503 `service_unavailable` with
`Retry-After`, before the function's planned timeout (else Lambda would kill it and API Gateway
answer 502); nothing else touched by the fault breaks; once the dependency is back the same
requests succeed, and nothing was lost: uploads presigned before the fault complete, objects
are served, and the rate limiter's counters hold exactly the calls that reached it.

Which route needs what (lambda_src/upload_api): POST /uploads = JWKS + DynamoDB (rate limit);
POST /downloads = JWKS + DynamoDB + KMS Sign; S3 uploads and CDN reads need none of them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import requests
from e2e_client import TIMEOUT, Stack, new_sub, png

pytestmark = [pytest.mark.localstack, pytest.mark.resilience]

# How long recovery may take once a dependency is back: the API's own cooldown after a failed
# JWKS fetch (documented: `jwks_cooldown`, 5 s) plus a fetch, with room for a loaded machine.
RECOVERY_SECONDS = 30


@pytest.fixture
def fault(stack: Stack) -> Iterator[Callable[[str, str], None]]:
    """Set a fault; every fault touched is set back to `pass` after the test, whatever happened."""
    if "faults" not in stack.state:
        pytest.fail("the running stack has no fault injection (started by an older harness): run `make up` again")
    touched: list[str] = []

    def set_fault(name: str, mode: str) -> None:
        touched.append(name)
        stack.fault(name, mode)

    yield set_fault
    for name in dict.fromkeys(touched):
        stack.fault(name, "pass")


@pytest.fixture(scope="module")
def timeout(stack: Stack) -> float:
    """The function's timeout from Terraform's plan; the adapter must run the function with it."""
    planned = stack.api_timeout_seconds()
    assert stack.adapter_timeout_seconds() == planned
    return planned


def timed(call: Callable[[], requests.Response]) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def assert_unavailable(response: requests.Response, elapsed: float, timeout: float) -> None:
    """The documented answer to a failing dependency, inside the function's timeout."""
    assert response.status_code == 503, f"{response.status_code} {response.text}"
    assert response.headers.get("Retry-After", "").isdigit(), response.headers
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["error"]["code"] == "service_unavailable", response.text
    assert elapsed < timeout, f"answered after {elapsed:.1f} s; the function's timeout is {timeout:.0f} s"


def met(stack: Stack, name: str) -> tuple[int, int]:
    """(connections relayed, connections hung) by a forwarder so far."""
    accepted = stack.fault_state(name)["accepted"]
    return accepted["pass"], accepted["hang"]


def uploaded(stack: Stack, token: str, data: bytes) -> dict:
    """Presign and upload an object; the presign answer (key, upload_id)."""
    presign = stack.presign(token, data=data, method="PUT")
    assert presign.status_code == 201, presign.text
    assert stack.upload(presign.json(), data).status_code == 200
    return dict(presign.json())


def assert_ready(stack: Stack, token: str, presigned: dict) -> None:
    """The verifier (which reaches DynamoDB and S3 directly, not through the forwarders) published it."""
    assert stack.wait_verified(token, presigned["upload_id"])["verification"] == "ready"


def served(url: str) -> bytes:
    response = requests.get(url, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.content


@pytest.mark.parametrize("mode", ["refuse", "hang"], ids=["stopped", "hanging"])
def test_dynamodb_down_is_503_and_nothing_is_lost(stack: Stack, fault, timeout: float, mode: str) -> None:
    sub = new_sub()
    token = stack.user_token(sub)
    relayed, hung = met(stack, "dynamodb")
    before = stack.put_through(sub)  # positive control: uploads 1, downloads 1
    data = png(1024)
    pending = stack.presign(token, data=data, method="PUT")  # uploads 2
    assert pending.status_code == 201, pending.text
    assert met(stack, "dynamodb")[0] > relayed  # the API does reach DynamoDB through the forwarder

    fault("dynamodb", mode)
    # The rate limiter fails closed on both routes.
    for call in (lambda: stack.presign(token), lambda: stack.download(token, before["key"])):
        assert_unavailable(*timed(call), timeout)
    assert (met(stack, "dynamodb")[1] > hung) == (mode == "hang")  # the fault was met, as set
    # What does not need DynamoDB keeps working: S3 takes the upload presigned before the fault,
    # the CDN serves with a token minted before it.
    assert stack.upload(pending.json(), data).status_code == 200
    assert served(before["url"]) == before["data"]

    fault("dynamodb", "pass")
    assert stack.presign(token).status_code == 201  # uploads 3
    assert_ready(stack, token, pending.json())
    download = stack.download(token, pending.json()["key"])  # downloads 2
    assert download.status_code == 200, download.text
    assert served(download.json()["url"]) == data
    # The refused calls never reached the table; every call that did is counted once.
    assert (stack.rate_count("uploads", sub), stack.rate_count("downloads", sub)) == (3, 2)


@pytest.mark.parametrize("mode", ["refuse", "hang"], ids=["stopped", "hanging"])
def test_kms_down_is_503_on_downloads_only_and_nothing_is_lost(stack: Stack, fault, timeout: float, mode: str) -> None:
    sub = new_sub()
    token = stack.user_token(sub)
    relayed, hung = met(stack, "kms")
    before = stack.put_through(sub)  # positive control, a KMS Sign: downloads 1
    data = png(1024)
    presigned = uploaded(stack, token, data)
    key = presigned["key"]
    assert_ready(stack, token, presigned)
    assert met(stack, "kms")[0] > relayed  # the API does reach KMS through the forwarder

    fault("kms", mode)
    assert_unavailable(*timed(lambda: stack.download(token, key)), timeout)  # downloads 2 (limited before Sign)
    assert (met(stack, "kms")[1] > hung) == (mode == "hang")  # the fault was met, as set
    # Uploads sign nothing with KMS, and the edge verifies with the baked public key.
    assert stack.presign(token).status_code == 201
    assert served(before["url"]) == before["data"]

    fault("kms", "pass")
    download = stack.download(token, key)  # downloads 3
    assert download.status_code == 200, download.text
    assert served(download.json()["url"]) == data
    # Documented: a /downloads call counts once it passed the key and owner checks, Sign or not.
    assert stack.rate_count("downloads", sub) == 3


def test_jwks_hanging_is_503_for_a_container_without_the_keys_then_recovers(stack: Stack, fault, timeout) -> None:
    sub = new_sub()
    token = stack.user_token(sub)
    before = stack.put_through(sub)  # positive control; this container now has the issuer's keys: uploads 1
    data = png(1024)
    pending = stack.presign(token, data=data, method="PUT")  # uploads 2
    assert pending.status_code == 201, pending.text

    fault("jwks", "hang")
    # Documented: keys fetched before keep working while the provider is down.
    assert stack.presign(token).status_code == 201  # uploads 3
    # A new container has no key cached for this token's kid: it must fetch, and the fetch hangs.
    held = stack.fault_state("jwks")["held"]
    stack.restart_api()
    assert_unavailable(*timed(lambda: stack.presign(token)), timeout)
    assert stack.fault_state("jwks")["held"] > held  # the new container's fetch did hang
    assert_unavailable(*timed(lambda: stack.download(token, before["key"])), timeout)  # in the cooldown
    assert stack.upload(pending.json(), data).status_code == 200  # S3 needs no identity provider
    assert served(before["url"]) == before["data"]

    fault("jwks", "pass")
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:  # the API waits out its failure cooldown before fetching again
        response, elapsed = timed(lambda: stack.presign(token))
        if response.status_code == 201 or time.monotonic() > deadline:
            break
        assert_unavailable(response, elapsed, timeout)  # in between: only the documented 503
        time.sleep(0.5)
    assert response.status_code == 201, f"not recovered within {RECOVERY_SECONDS} s: {response.text}"  # uploads 4
    assert_ready(stack, token, pending.json())
    download = stack.download(token, pending.json()["key"])
    assert download.status_code == 200, download.text
    assert served(download.json()["url"]) == data
    # Calls refused before authentication never reached the limiter.
    assert stack.rate_count("uploads", sub) == 4
