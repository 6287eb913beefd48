"""edge_auth.verify on its own, at a fixed clock: the RFC 8725 rules for a token (one
algorithm, a known `kid`, the `typ` of its issuer, explicit issuer and audience, finite
exp/nbf/iat with the configured leeway, a subject, a path for download tokens), each with
the token it accepts and the one it refuses, and the reason that goes to the log."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from jwt.api_jws import PyJWS
from lambda_testkit import (
    DOWNLOAD_AUDIENCE,
    DOWNLOAD_ISSUER,
    USER_AUDIENCE,
    USER_ISSUER,
    edge_config_dict,
    owner_segment,
    public_pem,
    rsa_key,
)

from edge_auth.config import EdgeConfig, parse_config
from edge_auth.verify import MAX_TOKEN_LENGTH, TokenRejectedError, VerifiedToken, check_times, verify_token

# A clock far from the real one: a rule that read time.time() instead of `now` would show.
NOW = 1_000_000_000
LEEWAY = 30
PATH = f"/uploads/{owner_segment('alice')}/{'0' * 32}.png"


@pytest.fixture(scope="module")
def config() -> EdgeConfig:
    parsed = parse_config(edge_config_dict(public_pem(rsa_key("download"))))
    assert parsed.leeway_seconds == LEEWAY
    return parsed


def download_claims(**overrides: Any) -> dict[str, Any]:
    claims = {"iss": DOWNLOAD_ISSUER, "aud": DOWNLOAD_AUDIENCE, "sub": "alice", "path": PATH, "exp": NOW + 300}
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not DROP}


def idp_claims(**overrides: Any) -> dict[str, Any]:
    claims = {"iss": USER_ISSUER, "aud": USER_AUDIENCE, "sub": "alice", "exp": NOW + 300}
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not DROP}


DROP = object()


def download_token(claims: dict[str, Any] | None = None, **headers: Any) -> str:
    return jwt.encode(
        download_claims() if claims is None else claims,
        rsa_key("download"),
        algorithm="RS256",
        headers={"kid": "download-key", **headers},
    )


def idp_token(claims: dict[str, Any] | None = None, **headers: Any) -> str:
    return jwt.encode(
        idp_claims() if claims is None else claims,
        rsa_key("user"),
        algorithm="RS256",
        headers={"kid": "user-rsa", **headers},
    )


def raw_token(payload: bytes) -> str:
    """A download-key signature over any payload bytes (not necessarily a JSON object)."""
    return PyJWS().encode(payload, rsa_key("download"), algorithm="RS256", headers={"kid": "download-key"})


def rejected(token: object, config: EdgeConfig, now: float = NOW) -> str:
    with pytest.raises(TokenRejectedError) as refused:
        verify_token(token, config, now)  # type: ignore[arg-type]
    return str(refused.value)


# -- the result ------------------------------------------------------------------------------


def test_a_download_token_verifies_to_its_domain_and_claims(config):
    claims = download_claims()
    verified = verify_token(download_token(claims), config, NOW)
    assert verified == VerifiedToken(config.downloads, claims)
    assert verified.domain is config.downloads
    assert verified.expires_at == NOW + 300


def test_an_idp_token_verifies_to_the_idp_domain(config):
    claims = idp_claims()
    verified = verify_token(idp_token(claims), config, NOW)
    assert verified.domain is config.idp
    assert verified.claims == claims


def test_without_now_the_real_clock_is_used(config):
    import time

    now = time.time()
    fresh = download_token(download_claims(exp=now + 300, iat=now))
    assert verify_token(fresh, config).claims["exp"] == now + 300
    # Valid at NOW, long expired by the real clock.
    assert rejected_at_real_time(download_token(), config) == "expired"


def rejected_at_real_time(token: str, config: EdgeConfig) -> str:
    with pytest.raises(TokenRejectedError) as refused:
        verify_token(token, config)
    return str(refused.value)


# -- the token string ------------------------------------------------------------------------


def padded_token(length: int) -> str:
    """A correctly signed download token of exactly `length` characters (base64url never has
    a length of 1 mod 4, so the header is padded too)."""
    for header_pad in range(4):
        estimate = (length - len(download_token(download_claims(pad=""), x="y" * header_pad))) * 3 // 4
        for pad in range(max(estimate - 4, 0), estimate + 4):
            token = download_token(download_claims(pad="p" * pad), x="y" * header_pad)
            if len(token) == length:
                return token
    raise AssertionError(f"no padding gives a token of {length} characters")


def test_a_token_of_the_maximum_length_is_verified_and_one_more_is_refused(config):
    assert verify_token(padded_token(MAX_TOKEN_LENGTH), config, NOW).claims["sub"].startswith("alice")
    assert rejected(padded_token(MAX_TOKEN_LENGTH + 1), config) == "malformed or oversized token"


@pytest.mark.parametrize("token", ["", None, 42, b"aaa.bbb.ccc", "\u00e9" + "a.b.c"])
def test_empty_non_string_and_non_ascii_tokens_are_malformed(config, token):
    assert rejected(token, config) == "malformed or oversized token"


def test_a_non_ascii_character_anywhere_makes_a_signed_token_malformed(config):
    assert rejected(download_token() + "\u00e9", config) == "malformed or oversized token"


@pytest.mark.parametrize("token", ["a", "a.b", "..", "a.b.c"])
def test_short_tokens_are_parsed_and_refused_as_invalid(config, token):
    assert rejected(token, config) == "invalid token (JwsError)"


# -- kid and typ -----------------------------------------------------------------------------


def test_a_token_without_kid_is_an_unknown_kid(config):
    token = jwt.encode(download_claims(), rsa_key("download"), algorithm="RS256")
    assert rejected(token, config) == "unknown kid"


def test_a_kid_of_no_trust_domain_is_an_unknown_kid(config):
    token = jwt.encode(download_claims(), rsa_key("download"), algorithm="RS256", headers={"kid": "download-key2"})
    assert rejected(token, config) == "unknown kid"


def test_a_download_token_without_typ_is_a_jwt(config):
    assert verify_token(download_token(typ=None), config, NOW).domain is config.downloads


def test_an_idp_token_without_typ_is_a_jwt(config):
    assert verify_token(idp_token(typ=None), config, NOW).domain is config.idp


@pytest.mark.parametrize("typ", ["at+jwt", "jwt", "XXJWTXX", "JOSE"])
def test_a_download_token_of_another_typ_is_refused(config, typ):
    assert rejected(download_token(typ=typ), config) == "unexpected typ"


def test_an_idp_access_token_typed_at_jwt_is_accepted(config):
    assert verify_token(idp_token(typ="at+jwt"), config, NOW).domain is config.idp
    assert rejected(idp_token(typ="id+jwt"), config) == "unexpected typ"


def test_a_payload_that_is_not_json_is_an_invalid_token(config):
    assert rejected(raw_token(b"not json"), config) == "invalid token (JSONDecodeError)"


@pytest.mark.parametrize("payload", [b"[1]", b'"claims"', b"3", b"null"])
def test_a_payload_that_is_not_an_object_is_refused(config, payload):
    assert rejected(raw_token(payload), config) == "payload is not a JSON object"


def test_a_bad_signature_is_an_invalid_token(config):
    header, payload, _ = download_token().split(".")
    _, _, other_signature = download_token(download_claims(sub="bob")).split(".")
    assert rejected(f"{header}.{payload}.{other_signature}", config) == "invalid token (JwsError)"


# -- issuer, audience, subject, path ---------------------------------------------------------


@pytest.mark.parametrize("iss", [USER_ISSUER, DOWNLOAD_ISSUER + "/", DROP])
def test_a_token_of_another_issuer_is_refused(config, iss):
    assert rejected(download_token(download_claims(iss=iss)), config) == "wrong issuer"


def test_a_token_with_a_null_or_numeric_issuer_is_refused(config):
    for iss in (b"null", b"5"):
        payload = b'{"iss":%s,"aud":"%s","sub":"a","path":"/p","exp":%d}' % (iss, DOWNLOAD_AUDIENCE.encode(), NOW + 300)
        assert rejected(raw_token(payload), config) == "wrong issuer"


def test_an_audience_list_holding_ours_is_accepted(config):
    claims = download_claims(aud=["other", DOWNLOAD_AUDIENCE])
    assert verify_token(download_token(claims), config, NOW).claims["aud"] == ["other", DOWNLOAD_AUDIENCE]


@pytest.mark.parametrize(
    "aud",
    [
        "other",
        "x" + DOWNLOAD_AUDIENCE + "x",  # holds ours as a substring only
        DOWNLOAD_AUDIENCE[:-1],
        ["other"],
        [],
        DROP,
        None,
        {DOWNLOAD_AUDIENCE: True},
    ],
)
def test_a_token_for_another_audience_is_refused(config, aud):
    assert rejected(download_token(download_claims(aud=aud)), config) == "wrong audience"


@pytest.mark.parametrize("sub", [DROP, None, "", 5, ["alice"]])
def test_a_token_without_a_string_subject_is_refused(config, sub):
    assert rejected(download_token(download_claims(sub=sub)), config) == "sub missing"


@pytest.mark.parametrize("path", [DROP, None, 5, [PATH]])
def test_a_download_token_without_a_string_path_is_refused(config, path):
    assert rejected(download_token(download_claims(path=path)), config) == "path missing"


def test_an_idp_token_needs_no_path(config):
    assert "path" not in verify_token(idp_token(idp_claims()), config, NOW).claims


def test_the_time_rules_apply_with_the_configured_leeway(config):
    token = download_token(download_claims(exp=NOW - LEEWAY))
    assert verify_token(token, config, NOW).claims["exp"] == NOW - LEEWAY
    assert rejected(token, config, NOW + 1) == "expired"


# -- exp, nbf, iat ---------------------------------------------------------------------------


def times(**claims: Any) -> dict[str, Any]:
    return {"exp": NOW + 300, **claims}


def refusal(claims: dict[str, Any], leeway: int = LEEWAY, now: float = NOW) -> str:
    with pytest.raises(TokenRejectedError) as refused:
        check_times(claims, leeway, now)
    return str(refused.value)


def test_exp_is_required():
    assert refusal({}) == "exp must be a number"
    assert refusal({"nbf": NOW, "iat": NOW}) == "exp must be a number"


def test_exp_passes_until_the_leeway_is_over():
    check_times(times(exp=NOW - LEEWAY), LEEWAY, NOW)  # exactly at the end of the leeway
    check_times(times(exp=NOW - LEEWAY + 1), LEEWAY, NOW)
    check_times(times(exp=NOW), 0, NOW)
    assert refusal(times(exp=NOW - LEEWAY - 1)) == "expired"
    assert refusal(times(exp=NOW - 1), leeway=0) == "expired"


def test_nbf_and_iat_are_optional():
    check_times(times(), LEEWAY, NOW)
    check_times(times(nbf=None, iat=None), LEEWAY, NOW)


def test_nbf_passes_from_the_start_of_the_leeway():
    check_times(times(nbf=NOW + LEEWAY), LEEWAY, NOW)  # exactly at the start of the leeway
    check_times(times(nbf=NOW - 1000), LEEWAY, NOW)
    assert refusal(times(nbf=NOW + LEEWAY + 1)) == "not yet valid"
    assert refusal(times(nbf=NOW + 1), leeway=0) == "not yet valid"


def test_iat_passes_from_the_start_of_the_leeway():
    check_times(times(iat=NOW + LEEWAY), LEEWAY, NOW)
    check_times(times(iat=NOW - 1000), LEEWAY, NOW)
    assert refusal(times(iat=NOW + LEEWAY + 1)) == "issued in the future"
    assert refusal(times(iat=NOW + 1), leeway=0) == "issued in the future"


@pytest.mark.parametrize("name", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("value", ["1000", True, False, [NOW], {"t": NOW}])
def test_times_must_be_numbers(name, value):
    assert refusal(times(**{name: value})) == f"{name} must be a number"


@pytest.mark.parametrize("name", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 10**400, -(10**400)])
def test_times_must_be_finite(name, value):
    assert refusal(times(**{name: value})) == f"{name} must be a finite number"


def test_float_times_are_accepted():
    check_times({"exp": NOW + 0.5, "nbf": NOW - 0.5, "iat": NOW + 29.5}, LEEWAY, NOW)


def test_a_token_with_an_infinite_exp_is_refused(config):
    # JSON as Python reads it accepts Infinity: a token that would never expire.
    token = raw_token(
        b'{"iss":"%s","aud":"%s","sub":"a","path":"/p","exp":Infinity}'
        % (DOWNLOAD_ISSUER.encode(), DOWNLOAD_AUDIENCE.encode())
    )
    assert rejected(token, config) == "exp must be a finite number"
