"""StrictJWS replaces PyJWS's per-character base64url check with a regular expression: it
must accept and refuse exactly what PyJWS does, and decode to the same bytes."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jwt.api_jws import PyJWS
from jwt.exceptions import DecodeError

from edge_auth import verify

segments = (
    st.binary(max_size=40)
    | st.text(alphabet="ABCXYZabcxyz0189-_=+/!. \n\x00é", max_size=40).map(str.encode)
    | st.binary(max_size=40).map(base64.urlsafe_b64encode)
    | st.binary(max_size=40).map(lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"="))
    | st.tuples(st.binary(max_size=40), st.integers(0, 5)).map(
        lambda pair: base64.urlsafe_b64encode(pair[0]).rstrip(b"=") + b"=" * pair[1]
    )
)


def _outcome(decode, segment: bytes) -> bytes | str:
    try:
        return decode(segment, "crypto")
    except DecodeError as exc:
        return f"DecodeError: {exc}"


@given(segment=segments)
def test_strict_jws_segments_decode_exactly_as_pyjws(segment):
    assert _outcome(verify.StrictJWS._decode_base64url_segment, segment) == _outcome(
        PyJWS._decode_base64url_segment, segment
    )


@pytest.mark.parametrize(
    "segment",
    [
        b"",
        b"QQ",
        b"QQ==",
        b"QR",
        b"QQ=",
        b"QQ===",
        b"Q",
        b"QQ!",
        b"Q Q",
        b"+/8",
        b"-_8",
        b"QUJD",
        b"QUJD\n",
        b"QUJD====",
        b"QUJDR===",
    ],
)
def test_strict_jws_known_segments(segment):
    assert _outcome(verify.StrictJWS._decode_base64url_segment, segment) == _outcome(
        PyJWS._decode_base64url_segment, segment
    )


def test_the_edge_decodes_with_strict_jws():
    # PyJWS._load calls the method through the instance, so the override is the one used.
    assert type(verify._jws) is verify.StrictJWS
    assert verify._jws._decode_base64url_segment is verify.StrictJWS._decode_base64url_segment
