"""edge_auth.jws replaces PyJWS at the edge: it must accept exactly the tokens PyJWS accepts
(decode_complete with algorithms=["RS256"], the edge's key), with the same header and
payload. PyJWT itself is the oracle here; the edge package no longer imports it."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import rsa as pyrsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt.algorithms import Algorithm
from jwt.api_jws import PyJWS
from jwt.exceptions import PyJWTError
from lambda_testkit import b64url, rsa_key

from edge_auth import jws, rs256

_numbers = rsa_key("download").private_numbers()
PRIVATE = pyrsa.PrivateKey(_numbers.public_numbers.n, _numbers.public_numbers.e, _numbers.d, _numbers.p, _numbers.q)
KEYS = [rs256.PythonBackend().load(PRIVATE.n, PRIVATE.e)]
if rs256.BACKEND.name == "openssl":
    KEYS.append(rs256.BACKEND.load(PRIVATE.n, PRIVATE.e))


class _EdgeKeyRS256(Algorithm):
    """PyJWS's view of the edge's key: verify through edge_auth.rs256, nothing else."""

    def prepare_key(self, key: Any) -> Any:
        return key

    def sign(self, msg: bytes, key: Any) -> bytes:
        raise NotImplementedError

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        return bool(key.verify(msg, sig))

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
        raise NotImplementedError

    @staticmethod
    def from_jwk(jwk: Any) -> Any:
        raise NotImplementedError


ORACLE = PyJWS(algorithms=[])
ORACLE.register_algorithm("RS256", _EdgeKeyRS256())


def pyjws(token: str, key: rs256.VerifyKey) -> tuple[dict[str, Any], bytes] | str:
    try:
        decoded = ORACLE.decode_complete(token, key=key, algorithms=["RS256"])
    except (PyJWTError, ValueError, TypeError, KeyError, RecursionError) as exc:
        return f"refused ({type(exc).__name__})"
    return decoded["header"], decoded["payload"]


def ours(token: str, key: rs256.VerifyKey) -> tuple[dict[str, Any], bytes] | str:
    try:
        parsed = jws.CompactJws(token)
        return parsed.header, parsed.verified_payload(key)
    except jws.JwsError as exc:
        return f"refused ({type(exc).__name__})"


def same_verdict(token: str) -> None:
    for key in KEYS:
        expected, got = pyjws(token, key), ours(token, key)
        if isinstance(expected, str):
            assert isinstance(got, str), f"PyJWS refuses ({expected}), edge_auth.jws accepts {token!r}"
        else:
            assert got == expected, token


def sign(header: object, payload: bytes = b'{"sub":"alice"}') -> str:
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(payload)
    return signing_input + "." + b64url(pyrsa.sign(signing_input.encode(), PRIVATE, "SHA-256"))


VALID = sign({"alg": "RS256", "typ": "JWT", "kid": "download-key"})


def two_segments() -> str:
    """header.signature, the signature made over the header segment alone."""
    header = b64url(json.dumps({"alg": "RS256"}).encode())
    return header + "." + b64url(pyrsa.sign(header.encode(), PRIVATE, "SHA-256"))


FIXTURES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

header_values = (
    st.none() | st.booleans() | st.integers() | st.text(max_size=6) | st.lists(st.text(max_size=4), max_size=3)
)
headers = (
    st.fixed_dictionaries(
        {},
        optional={
            "alg": st.sampled_from(["RS256", "rs256", "RS512", "none", "", None]) | header_values,
            "kid": st.just("download-key") | header_values,
            "typ": st.just("JWT") | header_values,
            "b64": st.sampled_from([True, False, 0, 1, None, "false"]),
            "crit": st.sampled_from([["b64"], [], ["exp"], ["b64", "b64"], "b64", [1]]) | header_values,
        },
    )
    | st.lists(st.integers(), max_size=2)
    | st.text(max_size=5)
)


@given(header=headers)
@FIXTURES
def test_every_signed_header_gets_the_pyjws_verdict(header):
    same_verdict(sign(header))


@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, len(VALID)),
            st.sampled_from(["insert", "delete", "replace"]),
            st.sampled_from("Aa0-_=+/.! \n"),
        ),
        min_size=1,
        max_size=3,
    )
)
@FIXTURES
def test_every_edit_of_a_valid_token_gets_the_pyjws_verdict(edits):
    token = VALID
    for where, action, char in edits:
        at = min(where, len(token))
        if action == "insert":
            token = token[:at] + char + token[at:]
        elif action == "delete":
            token = token[:at] + token[at + 1 :]
        else:
            token = token[:at] + char + token[at + 1 :]
    same_verdict(token)


segments = (
    st.text(alphabet="ABCXYZabcxyz0189-_=+/!. \n", max_size=40)
    | st.binary(max_size=40).map(lambda raw: base64.urlsafe_b64encode(raw).decode())
    | st.tuples(st.binary(max_size=40), st.integers(0, 5)).map(
        lambda pair: base64.urlsafe_b64encode(pair[0]).decode().rstrip("=") + "=" * pair[1]
    )
)


def _segment_outcome(decode, segment) -> bytes | str:
    try:
        return decode(segment)
    except (PyJWTError, ValueError):
        return "refused"


@given(segment=segments)
@FIXTURES
def test_segments_decode_exactly_as_pyjws(segment):
    assert _segment_outcome(jws.b64url_segment, segment) == _segment_outcome(
        lambda s: PyJWS._decode_base64url_segment(s.encode(), "crypto"), segment
    )


@pytest.mark.parametrize(
    "segment",
    ["", "QQ", "QQ==", "QR", "QQ=", "QQ===", "Q", "QQ!", "Q Q", "+/8", "-_8", "QUJD", "QUJD\n", "QUJD====", "QUJDR==="],
)
def test_known_segments_decode_exactly_as_pyjws(segment):
    assert _segment_outcome(jws.b64url_segment, segment) == _segment_outcome(
        lambda s: PyJWS._decode_base64url_segment(s.encode(), "crypto"), segment
    )


@pytest.mark.parametrize(
    "token",
    [
        VALID,
        VALID + "=",
        VALID.replace(".", "..", 1),
        VALID.rsplit(".", 1)[0],
        "a.b",
        "..",
        sign({"alg": "RS256", "crit": ["b64"], "b64": True}),
        sign({"alg": "RS256", "crit": ["b64"], "b64": False}),
        sign({"alg": "RS256", "crit": ["b64"]}),
        sign({"alg": "RS256", "b64": False}, b""),
        sign({"alg": "RS256", "kid": 1}),
        sign({"alg": ["RS256"]}),
        sign({"alg": "RS256"}, b"not json"),
        sign([["RS256"]]),
        two_segments(),
    ],
)
def test_known_tokens_get_the_pyjws_verdict(token):
    same_verdict(token)


def test_the_valid_token_is_accepted():
    for key in KEYS:
        header, payload = ours(VALID, key)  # type: ignore[misc]
        assert header["kid"] == "download-key" and payload == b'{"sub":"alice"}'
