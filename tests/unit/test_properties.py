"""Property-based tests: arbitrary input never raises and never authorizes without a valid
signature."""

from __future__ import annotations

import json
import time

import rsa as pyrsa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lambda_testkit import (
    DOWNLOAD_AUDIENCE,
    DOWNLOAD_ISSUER,
    SHA256,
    SMALL_UPLOAD,
    api_event,
    b64url,
    cf_event,
    make_token,
    put_ready_record,
    rsa_key,
)

from edge_auth import handler as edge
from edge_auth.paths import normalise_uri
from objectkeys import decode_owner, encode_owner, parse_key

PATH = f"/uploads/{encode_owner('alice')}/{'a' * 32}.png"
FIXTURES = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@st.composite
def forged_tokens(draw: st.DrawFn) -> str:
    """Well-formed JWTs with plausible, otherwise valid headers and claims, but a signature
    that nobody with the key made."""
    now = int(time.time())
    header = draw(
        st.fixed_dictionaries(
            {"alg": st.sampled_from(["RS256", "none", "HS256", "ES256", "RS512", "PS256", ""])},
            optional={
                "kid": st.sampled_from(["download-key", "user-rsa", "x"]) | st.text(max_size=5),
                "typ": st.sampled_from(["JWT", "jwt", "at+jwt"]),
            },
        )
    )
    claims = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "iss": st.just(DOWNLOAD_ISSUER) | st.text(max_size=5),
                "aud": st.just(DOWNLOAD_AUDIENCE) | st.lists(st.just(DOWNLOAD_AUDIENCE)),
                "sub": st.just("alice") | json_values,
                "exp": st.just(now + 300) | json_values,
                "path": st.just(PATH) | st.text(max_size=20),
            },
        )
    )
    signature = draw(st.binary(max_size=300))
    return ".".join(b64url(json.dumps(p).encode()) for p in (header, claims)) + "." + b64url(signature)


tokens = forged_tokens() | st.text(max_size=200) | st.text(alphabet="abcXYZ012-_.=", max_size=600)


@given(event=json_values)
@FIXTURES
def test_edge_any_json_event_is_a_4xx(edge_config, event):
    result = edge.handler(event, None)
    assert 400 <= int(result["status"]) < 500


@st.composite
def valid_but_for_the_signature(draw: st.DrawFn) -> tuple[str, str]:
    """(a token valid in every respect, the same token with a signature nobody with the key
    made): right header, issuer, audience, times and path; only the signature varies."""
    now = int(time.time())
    claims = {
        "iss": DOWNLOAD_ISSUER,
        "aud": draw(st.sampled_from([DOWNLOAD_AUDIENCE, [DOWNLOAD_AUDIENCE]])),
        "sub": draw(st.text(min_size=1, max_size=10)),
        "iat": now - draw(st.integers(0, 60)),
        "exp": now + draw(st.integers(60, 3600)),
        "path": PATH,
        **draw(st.dictionaries(st.sampled_from(["jti", "x", "scope"]), st.text(max_size=8), max_size=2)),
    }
    signing_input = ".".join(
        b64url(json.dumps(part).encode()) for part in ({"alg": "RS256", "typ": "JWT", "kid": "download-key"}, claims)
    )
    valid = pyrsa.sign(signing_input.encode(), _DOWNLOAD, "SHA-256")
    forgery = draw(
        st.sampled_from(["random", "bit flip", "other key", "other message", "sha-1", "truncated", "any length"])
    )
    if forgery == "random":
        signature = draw(st.binary(min_size=256, max_size=256))
    elif forgery == "bit flip":
        where = draw(st.integers(0, 256 * 8 - 1))
        signature = (int.from_bytes(valid, "big") ^ (1 << where)).to_bytes(256, "big")
    elif forgery == "other key":
        signature = pyrsa.sign(signing_input.encode(), _OTHER, "SHA-256")
    elif forgery == "other message":
        signature = pyrsa.sign(signing_input.encode() + b" ", _DOWNLOAD, "SHA-256")
    elif forgery == "sha-1":
        signature = pyrsa.sign(signing_input.encode(), _DOWNLOAD, "SHA-1")
    elif forgery == "truncated":
        signature = valid[: draw(st.integers(0, 255))]
    else:
        signature = draw(st.binary(max_size=300).filter(lambda b: b != valid))
    assume(signature != valid)
    return f"{signing_input}.{b64url(valid)}", f"{signing_input}.{b64url(signature)}"


def _private(name: str) -> pyrsa.PrivateKey:
    numbers = rsa_key(name).private_numbers()
    return pyrsa.PrivateKey(numbers.public_numbers.n, numbers.public_numbers.e, numbers.d, numbers.p, numbers.q)


_DOWNLOAD = _private("download")
_OTHER = _private("attacker")


def _edge_request(token: str, place: str) -> dict:
    headers = {}
    querystring = "w=100"
    if place == "header":
        headers["Authorization"] = f"Bearer {token}"
    elif place == "cookie":
        headers["Cookie"] = f"cdn_token={token}"
    else:
        querystring += f"&authorization={token}"
    return edge.handler(cf_event(PATH, querystring=querystring, method="GET", headers=headers), None)


@given(tokens=valid_but_for_the_signature(), place=st.sampled_from(["query", "header", "cookie"]))
@FIXTURES
def test_edge_never_authorizes_a_forged_token(edge_config, tokens, place):
    valid, forged = tokens
    assert "status" not in _edge_request(valid, place), "the control: the genuine token passes"
    result = _edge_request(forged, place)
    assert result.get("status") == "403", "a token with a forged signature was let through"


@given(
    token=tokens,
    uri=st.just(PATH) | st.text(max_size=60).map(lambda s: "/" + s),
    method=st.sampled_from(["GET", "HEAD", "POST", "get", "OPTIONS ", ""]),
    place=st.sampled_from(["query", "header", "cookie"]),
    querystring=st.text(max_size=30),
)
@FIXTURES
def test_edge_any_token_and_request_is_a_4xx_or_unsigned(edge_config, token, uri, method, place, querystring):
    # Arbitrary input never raises and never passes: nothing here is signed by the key.
    headers = {}
    if place == "header":
        headers["Authorization"] = f"Bearer {token}"
    elif place == "cookie":
        headers["Cookie"] = f"cdn_token={token}"
    else:
        querystring = f"{querystring}&authorization={token}"
    result = edge.handler(cf_event(uri, querystring=querystring, method=method, headers=headers), None)
    assert "status" in result, "an unsigned token was let through"
    assert 400 <= int(result["status"]) < 500


@given(
    token=tokens,
    body=json_values,
    path=st.sampled_from(["/uploads", "/downloads"]),
)
@FIXTURES
def test_api_never_authorizes_a_forged_token(api, token, body, path):
    """Only the token varies (forged); the request is otherwise one the API grants (the
    control below): so the only refusal possible is 401."""
    del body
    valid_body = SMALL_UPLOAD if path == "/uploads" else {"key": _alice_key()}
    response = api(api_event(path, valid_body, token=token))
    assert response["statusCode"] == 401
    assert set(json.loads(response["body"])["error"]) == {"code", "message"}


def _alice_key() -> str:
    return PATH[1:]


def test_the_requests_forged_tokens_are_refused_on_pass_with_a_valid_token(api):
    """Positive control: the same requests with a real token are granted."""
    token = make_token(sub="alice")
    put_ready_record(api.aws.dynamodb, _alice_key(), "alice")
    assert api(api_event("/uploads", SMALL_UPLOAD, token=token))["statusCode"] == 201
    assert api(api_event("/downloads", {"key": _alice_key()}, token=token))["statusCode"] == 200


VALID_UPLOAD = {"content_type": "image/png", "size": 10, "filename": "a.png", "method": "PUT", "sha256": SHA256}


@st.composite
def upload_bodies(draw: st.DrawFn) -> object:
    """A valid upload body with exactly one field replaced by an arbitrary JSON value (or dropped)."""
    body: dict[str, object] = dict(VALID_UPLOAD)
    field = draw(st.sampled_from(sorted(VALID_UPLOAD)))
    if draw(st.booleans()):
        body[field] = draw(json_values)
    else:
        del body[field]
    return body


@given(body=upload_bodies() | json_values, path=st.sampled_from(["/uploads", "/downloads"]))
@FIXTURES
def test_api_with_a_valid_token_answers_any_body_with_4xx_or_success(api, body, path):
    """A valid user token, so every body is parsed past authentication: never a 5xx."""
    if isinstance(body, dict) and path == "/downloads":
        body = {"key": body.get("content_type")}
    response = api(api_event(path, body, token=make_token(sub=f"fuzz-{len(str(body))}")))
    assert response["statusCode"] in {200, 201, 400, 403, 413, 415, 429}, response["body"]
    if response["statusCode"] >= 400:
        assert set(json.loads(response["body"])["error"]) == {"code", "message"}


@given(headers=st.dictionaries(st.text(max_size=15), st.text(max_size=40), max_size=5), raw=st.text(max_size=100))
@FIXTURES
def test_api_any_headers_and_body_never_raise(api, headers, raw):
    response = api(api_event("/uploads", raw_body=raw, headers=headers))
    assert 400 <= response["statusCode"] < 500


@given(uri=st.text(max_size=80))
def test_normalised_uris_are_safe(uri):
    result = normalise_uri(uri)
    if result is not None:
        assert result.startswith("/")
        assert "%" not in result and "\\" not in result and "\x00" not in result
        assert all(segment not in {"", ".", ".."} for segment in result[1:].split("/"))


@given(sub=st.text(min_size=1, max_size=60))
def test_owner_encoding_round_trips(sub):
    owner = encode_owner(sub)
    assert decode_owner(owner) == sub
    assert normalise_uri(f"/uploads/{owner}/{'a' * 32}.png") == f"/uploads/{owner}/{'a' * 32}.png"


@given(key=st.text(max_size=80))
def test_parse_key_only_returns_round_trippable_keys(key):
    parsed = parse_key(key, "uploads/")
    if parsed is not None:
        assert parsed.key == key
