"""Issue 13, defect 9: keys and CDN URLs reveal nothing about who uploaded, and the owner rule
still holds at the API (POST /downloads) and at the edge (identity-provider tokens), each
negative next to its positive control; both parsers refuse a missing or short owner key."""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest
from lambda_testkit import (
    OWNER_KEY,
    SMALL_UPLOAD,
    api_environment,
    api_event,
    b64url,
    body_of,
    cf_event,
    edge_config_dict,
    make_token,
    owner_segment,
    public_pem,
    put_ready_record,
    rsa_key,
)

from edge_auth import handler as edge
from edge_auth.config import ConfigError as EdgeConfigError
from edge_auth.config import parse_config
from objectkeys import OwnerKeys, parse_key
from upload_api.config import ConfigError, from_env

SUB = "alice@example.com"  # some identity providers' `sub` is an email address
OTHER_OWNER_KEY = base64.b64encode(bytes(range(100, 132))).decode()
OBJECT = f"{'0' * 32}.png"


def _upload(api, sub=SUB):
    """An upload the verifier has published (its record ready), so that only the owner rule decides."""
    response = api(api_event("/uploads", {**SMALL_UPLOAD, "method": "PUT"}, token=make_token(sub=sub)))
    assert response["statusCode"] == 201
    body = body_of(response)
    put_ready_record(api.aws.dynamodb, body["key"], sub)
    return body


def _download(api, key, sub=SUB):
    return api(api_event("/downloads", {"key": key}, token=make_token(sub=sub)))


# -- the API -------------------------------------------------------------------------------------


def test_an_upload_key_and_its_urls_do_not_carry_the_sub(api):
    body = _upload(api)
    parsed = parse_key(body["key"], "uploads/")
    assert parsed is not None and parsed.owner == owner_segment(SUB)
    download = body_of(_download(api, body["key"]))
    for text in (body["key"], body["url"], download["url"]):
        for leak in (SUB, b64url(SUB.encode()), b64url(SUB.encode())[:12], "alice"):
            assert leak not in text


def test_the_same_sub_uploads_under_the_same_segment_and_another_sub_under_another(api):
    first, second, bob = _upload(api)["key"], _upload(api)["key"], _upload(api, "bob")["key"]
    assert first != second and first.split("/")[1] == second.split("/")[1]
    assert bob.split("/")[1] != first.split("/")[1]


def test_the_segment_depends_on_the_deployments_owner_key(api):
    default = parse_key(_upload(api)["key"], "uploads/")
    api.configure(OWNER_KEY=OTHER_OWNER_KEY)
    other = parse_key(_upload(api)["key"], "uploads/")
    assert default.owner != other.owner
    assert other.owner == OwnerKeys(base64.b64decode(OTHER_OWNER_KEY)).segment(SUB)


def test_only_the_owner_gets_a_download_token_for_an_uploaded_key(api):
    key = _upload(api)["key"]
    assert _download(api, key)["statusCode"] == 200  # control: the owner
    refused = _download(api, key, sub="bob")
    assert refused["statusCode"] == 403 and body_of(refused)["error"]["code"] == "forbidden"


def test_a_key_made_before_a_rotation_stays_its_owners(api):
    key = _upload(api)["key"]
    api.configure(OWNER_KEY=OTHER_OWNER_KEY, PREVIOUS_OWNER_KEYS=OWNER_KEY)
    assert _download(api, key)["statusCode"] == 200
    assert _download(api, key, sub="bob")["statusCode"] == 403
    assert parse_key(_upload(api)["key"], "uploads/").owner != parse_key(key, "uploads/").owner  # new keys: new key


def test_without_the_previous_owner_key_an_old_key_is_no_longer_its_owners(api):
    key = _upload(api)["key"]
    api.configure(OWNER_KEY=OTHER_OWNER_KEY)
    assert _download(api, key)["statusCode"] == 403


def test_a_key_of_0_2_0_carrying_the_sub_is_refused(api):
    legacy = f"uploads/{b64url(SUB.encode())}/{OBJECT}"
    assert _download(api, legacy)["statusCode"] == 400
    current = f"uploads/{owner_segment(SUB)}/{OBJECT}"
    put_ready_record(api.aws.dynamodb, current, SUB)
    assert _download(api, current)["statusCode"] == 200  # control


# -- the edge: identity-provider tokens read their owner's prefix --------------------------------


def _bearer(sub=SUB):
    return {"Authorization": f"Bearer {make_token(sub=sub)}"}


def test_an_idp_token_reads_the_prefix_the_api_gives_its_sub_and_no_other(edge_config):
    own = f"/uploads/{owner_segment(SUB)}/{OBJECT}"
    assert "uri" in edge.handler(cf_event(own, headers=_bearer()), None)  # control
    assert edge.handler(cf_event(own, headers=_bearer("bob")), None)["status"] == "403"
    legacy = f"/uploads/{b64url(SUB.encode())}/{OBJECT}"  # what 0.2.0 made: refused
    assert edge.handler(cf_event(legacy, headers=_bearer()), None)["status"] == "403"


def test_the_edge_needs_the_apis_owner_key(edge_config, monkeypatch):
    own = f"/uploads/{owner_segment(SUB)}/{OBJECT}"
    other = OwnerKeys(base64.b64decode(OTHER_OWNER_KEY))
    idp = dataclasses.replace(edge_config.idp, owner_keys=other)
    monkeypatch.setattr(edge, "_config", dataclasses.replace(edge_config, idp=idp))
    assert edge.handler(cf_event(own, headers=_bearer()), None)["status"] == "403"
    moved = f"/uploads/{other.segment(SUB)}/{OBJECT}"
    assert "uri" in edge.handler(cf_event(moved, headers=_bearer()), None)  # control


def test_the_edge_accepts_segments_of_every_listed_owner_key(edge_config, monkeypatch):
    data = edge_config_dict(public_pem(rsa_key("download")))
    data["idp"]["owner_keys"] = [OTHER_OWNER_KEY, OWNER_KEY]
    monkeypatch.setattr(edge, "_config", parse_config(data))
    for segment in (owner_segment(SUB), OwnerKeys(base64.b64decode(OTHER_OWNER_KEY)).segment(SUB)):
        assert "uri" in edge.handler(cf_event(f"/uploads/{segment}/{OBJECT}", headers=_bearer()), None)
        assert edge.handler(cf_event(f"/uploads/{segment}/{OBJECT}", headers=_bearer("bob")), None)["status"] == "403"


# -- configuration refusals -------------------------------------------------------------------------


class FakeAws:
    key_arn = "arn:aws:kms:us-east-1:123456789012:key/f147afed-1c8d-40dc-ba18-98fceff50a6c"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"OWNER_KEY": ""}, "^OWNER_KEY is required$"),
        ({"OWNER_KEY": base64.b64encode(bytes(31)).decode()}, "^OWNER_KEY must be at least 32 bytes"),
        ({"OWNER_KEY": "not base64!"}, "^OWNER_KEY must be standard base64"),
        ({"PREVIOUS_OWNER_KEYS": f"{OWNER_KEY},AAAA"}, "^PREVIOUS_OWNER_KEYS must be at least 32 bytes"),
        ({"PREVIOUS_OWNER_KEYS": "%%%%"}, "^PREVIOUS_OWNER_KEYS must be standard base64"),
    ],
)
def test_the_api_refuses_a_missing_short_or_malformed_owner_key(overrides, message):
    config = from_env(api_environment(FakeAws(), PREVIOUS_OWNER_KEYS=f"{OTHER_OWNER_KEY}, {OWNER_KEY}"))  # control
    assert config.owner_keys == OwnerKeys(
        base64.b64decode(OWNER_KEY), tuple(base64.b64decode(k) for k in (OTHER_OWNER_KEY, OWNER_KEY))
    )
    env = api_environment(FakeAws(), **overrides)
    with pytest.raises(ConfigError, match=message):
        from_env(env)
    del env["OWNER_KEY"]
    with pytest.raises(ConfigError, match=r"^OWNER_KEY is required$"):
        from_env(env)


def test_the_api_never_puts_the_owner_key_in_its_error():
    short = base64.b64encode(b"s3cr3t" * 5).decode()
    with pytest.raises(ConfigError) as error:
        from_env(api_environment(FakeAws(), OWNER_KEY=short))
    assert short not in str(error.value)


@pytest.mark.parametrize(
    ("owner_keys", "message"),
    [
        (None, "owner_keys must be a non-empty list"),
        ([], "owner_keys must be a non-empty list"),
        (OWNER_KEY, "owner_keys must be a non-empty list"),
        ([base64.b64encode(bytes(31)).decode()], "at least 32 bytes"),
        ([OWNER_KEY, "AAAA"], "at least 32 bytes"),
        ([OWNER_KEY.rstrip("=")], "standard base64"),
        ([42], "standard base64"),
    ],
)
def test_the_edge_refuses_an_idp_rule_without_usable_owner_keys(owner_keys, message):
    data = json.loads(json.dumps(edge_config_dict(public_pem(rsa_key("download")))))
    assert parse_config(data).idp.owner_keys == OwnerKeys(base64.b64decode(OWNER_KEY))  # control
    if owner_keys is None:
        del data["idp"]["owner_keys"]
    else:
        data["idp"]["owner_keys"] = owner_keys
    with pytest.raises(EdgeConfigError, match=message):
        parse_config(data)


def test_the_edge_needs_no_owner_key_without_the_idp_rule():
    config = parse_config(edge_config_dict(public_pem(rsa_key("download")), idp=False))
    assert config.idp is None
    data = edge_config_dict(public_pem(rsa_key("download")), idp=False)
    data["owner_keys"] = [OWNER_KEY]  # only inside idp
    with pytest.raises(EdgeConfigError, match="unknown setting"):
        parse_config(data)
