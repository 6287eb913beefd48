"""edge_auth.policy.grants_path on its own: a download token grants exactly its `path`, an
identity-provider token the objects of its owner, and both only for keys the upload API
could have made under the uploads prefix. Each grant next to its refusal."""

from __future__ import annotations

from typing import Any

import pytest
from lambda_testkit import OWNER_KEYS, owner_segment

from edge_auth.config import TrustDomain
from edge_auth.policy import grants_path
from edge_auth.verify import VerifiedToken
from objectkeys import OwnerKeys

OBJECT = "0123456789abcdef0123456789abcdef.png"
ALICE = f"/uploads/{owner_segment('alice')}/{OBJECT}"
BOB = f"/uploads/{owner_segment('bob')}/{OBJECT}"
PREFIX = "uploads/"

DOWNLOADS = TrustDomain("https://api.example.test/downloads", "cdn.example.test", {})
IDP = TrustDomain("https://idp.example.test/", "uploads-api", {}, owner_claim="sub", owner_keys=OWNER_KEYS)


def download(path: object) -> VerifiedToken:
    return VerifiedToken(DOWNLOADS, {"sub": "alice", "exp": 0, "path": path})


def idp(claims: dict[str, Any], domain: TrustDomain = IDP) -> VerifiedToken:
    return VerifiedToken(domain, {"exp": 0, **claims})


def test_a_download_token_grants_exactly_its_path():
    assert grants_path(download(ALICE), ALICE, PREFIX) is True
    assert grants_path(download(ALICE), BOB, PREFIX) is False
    assert grants_path(download(BOB), ALICE, PREFIX) is False
    assert grants_path(download(None), ALICE, PREFIX) is False


def test_a_download_token_grants_only_under_the_uploads_prefix():
    assert grants_path(download(ALICE), ALICE, "private/") is False
    private = ALICE.replace("/uploads/", "/private/")
    assert grants_path(download(private), private, "private/") is True
    assert grants_path(download(private), private, PREFIX) is False


@pytest.mark.parametrize(
    "path",
    [
        "/index.html",
        "/uploads/",
        f"/uploads/{owner_segment('alice')}/{OBJECT}.exe",
        f"/uploads/{owner_segment('alice')}/nested/{OBJECT}",
        "X" + ALICE[1:],  # not an absolute path, though the rest is a key
        ALICE[1:],
        "/" + ALICE,
    ],
)
def test_a_path_that_is_no_upload_key_is_never_granted(path):
    # Not even by a token whose claim says exactly this path.
    assert grants_path(download(path), path, PREFIX) is False
    assert grants_path(idp({"sub": "alice"}), path, PREFIX) is False


def test_an_idp_token_grants_its_owners_objects_only():
    assert grants_path(idp({"sub": "alice"}), ALICE, PREFIX) is True
    assert grants_path(idp({"sub": "alice"}), BOB, PREFIX) is False
    assert grants_path(idp({"sub": "bob"}), BOB, PREFIX) is True
    # The path claim means nothing for an identity-provider token.
    assert grants_path(idp({"sub": "bob", "path": ALICE}), ALICE, PREFIX) is False


def test_an_idp_token_grants_by_its_configured_owner_claim():
    by_email = TrustDomain(IDP.issuer, IDP.audience, {}, owner_claim="email", owner_keys=OWNER_KEYS)
    token = idp({"sub": "bob", "email": "alice"}, by_email)
    assert grants_path(token, ALICE, PREFIX) is True
    assert grants_path(token, BOB, PREFIX) is False


@pytest.mark.parametrize("owner", [None, 5, ["alice"], {"alice": True}])
def test_an_idp_token_whose_owner_claim_is_no_string_grants_nothing(owner):
    by_email = TrustDomain(IDP.issuer, IDP.audience, {}, owner_claim="email", owner_keys=OWNER_KEYS)
    assert grants_path(idp({"sub": "alice", "email": owner}, by_email), ALICE, PREFIX) is False


def test_an_idp_domain_without_owner_keys_grants_nothing():
    no_keys = TrustDomain(IDP.issuer, IDP.audience, {}, owner_claim="sub", owner_keys=None)
    assert grants_path(idp({"sub": "alice"}, no_keys), ALICE, PREFIX) is False


def test_an_owner_that_cannot_have_a_segment_grants_nothing():
    assert grants_path(idp({"sub": "a" * 256}), ALICE, PREFIX) is False
    assert grants_path(idp({"sub": ""}), ALICE, PREFIX) is False


def test_objects_under_a_previous_owner_key_are_still_granted():
    rotated = OwnerKeys(b"n" * 32, (OWNER_KEYS.current,))
    domain = TrustDomain(IDP.issuer, IDP.audience, {}, owner_claim="sub", owner_keys=rotated)
    assert grants_path(idp({"sub": "alice"}, domain), ALICE, PREFIX) is True
    assert grants_path(idp({"sub": "bob"}, domain), ALICE, PREFIX) is False
