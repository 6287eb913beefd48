"""parse_sha256's refusals: each names the field it refuses, in a human message."""

from __future__ import annotations

import base64
import hashlib

import pytest

from upload_api.checksums import parse_sha256
from upload_api.errors import InvalidChecksumError

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
GOOD = base64.b64encode(hashlib.sha256(b"x").digest()).decode("ascii")
# The 44th character is padding; the 43rd carries 2 unused low bits, zero in canonical base64.
NON_CANONICAL = GOOD[:42] + ALPHABET[ALPHABET.index(GOOD[42]) + 1] + "="


@pytest.mark.parametrize("value", ["AAAA", NON_CANONICAL], ids=["not 44 characters", "not canonical"])
def test_a_refused_checksum_names_its_field_default_sha256(value):
    assert base64.b64decode(NON_CANONICAL) == base64.b64decode(GOOD)  # same bytes, another spelling
    with pytest.raises(InvalidChecksumError) as default:
        parse_sha256(value)
    assert default.value.message.startswith("sha256 ")
    with pytest.raises(InvalidChecksumError) as named:
        parse_sha256(value, "parts[2].sha256")
    assert named.value.message.startswith("parts[2].sha256 ")
    assert len(named.value.message) > len("parts[2].sha256 ")


def test_the_canonical_spelling_passes():
    assert parse_sha256(GOOD) == GOOD
