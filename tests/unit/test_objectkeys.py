import base64

import pytest

from objectkeys import (
    InvalidOwnerError,
    InvalidOwnerKeyError,
    OwnerKeys,
    new_key,
    parse_key,
    parse_owner_key,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
KEYS = OwnerKeys(KEY)
SUBS = ["alice", "auth0|5f7c8ec7c33c6c004bbafe82", "alice@example.com", "ü/../x?#%", "a", "a" * 255]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# -- the owner segment: a keyed pseudonym -----------------------------------------------------


@pytest.mark.parametrize(
    ("sub", "segment"),
    [
        ("alice", "bu-tK-2Xttk-5mPWekS0YA"),
        ("bob", "kokxdE0Xx-6n30cmCloPxw"),
        ("é", "JEWh_l6m46aniPzXaUri5g"),
        ("a" * 255, "LrllX1-qJQE1M48vbvTULA"),
    ],
)
def test_segment_is_the_first_128_bits_of_the_hmac_sha256_of_the_sub_in_base64url(sub, segment):
    # Known answers: base64url(HMAC-SHA256(KEY, sub)[:16]) without padding.
    assert KEYS.segment(sub) == segment


@pytest.mark.parametrize("sub", SUBS)
def test_segment_reveals_nothing_of_the_sub(sub):
    segment = KEYS.segment(sub)
    assert len(segment) == 22 and all(c.isalnum() or c in "-_" for c in segment)  # same length for every sub
    if len(sub) >= 5:  # a shorter string may turn up in 22 random characters by chance
        assert sub not in segment and b64url(sub.encode()) not in segment
        assert sub.encode() not in base64.urlsafe_b64decode(segment + "==")
    assert parse_key(f"uploads/{segment}/{'0' * 32}.png", "uploads/") is not None


@pytest.mark.parametrize("sub", SUBS)
def test_the_same_sub_always_gets_the_same_segment_and_another_owner_key_another(sub):
    assert KEYS.segment(sub) == OwnerKeys(bytes(KEY)).segment(sub)
    assert OwnerKeys(OTHER_KEY).segment(sub) != KEYS.segment(sub)


def test_different_subs_get_different_segments():
    segments = {KEYS.segment(sub) for sub in SUBS}
    assert len(segments) == len(SUBS)


def test_the_owner_keys_are_not_in_their_repr():
    assert repr(OwnerKeys(KEY, (OTHER_KEY,))) == "OwnerKeys()"


@pytest.mark.parametrize("sub", [None, 42, b"alice", "", "a" * 256])
def test_a_subject_that_is_not_1_to_255_bytes_of_text_is_refused_with_the_reason(sub):
    assert KEYS.segment("a" * 255)  # control: the longest accepted subject
    with pytest.raises(InvalidOwnerError, match=r"^sub must be 1\.\.255 bytes of UTF-8$"):
        KEYS.segment(sub)


def test_owns_holds_for_the_owner_only():
    segment = KEYS.segment("alice")
    assert KEYS.owns(segment, "alice")  # control
    assert not KEYS.owns(segment, "bob")
    assert not KEYS.owns(KEYS.segment("bob"), "alice")
    assert not OwnerKeys(OTHER_KEY).owns(segment, "alice")


def test_previous_owner_keys_still_prove_ownership_but_never_make_segments():
    rotated = OwnerKeys(OTHER_KEY, (KEY,))
    old = KEYS.segment("alice")
    assert rotated.owns(old, "alice")  # a key made before the rotation
    assert rotated.owns(rotated.segment("alice"), "alice")
    assert not rotated.owns(old, "bob")
    assert rotated.segment("alice") == OwnerKeys(OTHER_KEY).segment("alice") != old
    assert not OwnerKeys(OTHER_KEY, (bytes(32),)).owns(old, "alice")


# -- owner keys as configured (base64, at least 32 bytes) ---------------------------------------


@pytest.mark.parametrize("size", [32, 33, 34, 64])
def test_owner_keys_of_32_bytes_or_more_in_padded_base64_are_accepted(size):
    secret = bytes(range(size))
    assert parse_owner_key(base64.b64encode(secret).decode(), "X") == secret


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (base64.b64encode(bytes(31)).decode(), "at least 32 bytes"),
        ("", "at least 32 bytes"),
        (None, "standard base64"),
        (b"AAAA", "standard base64"),
        (base64.b64encode(bytes(32)).decode().rstrip("="), "standard base64"),  # padding missing
        (base64.urlsafe_b64encode(b"\xfb\xff" * 16).decode(), "standard base64"),  # url-safe alphabet
        (base64.b64encode(bytes(33)).decode() + "\n", "standard base64"),
        (" " + base64.b64encode(bytes(33)).decode(), "standard base64"),
        ("A" * 43 + "==", "standard base64"),  # 45 characters: not base64 at all
    ],
)
def test_owner_keys_that_are_short_or_not_base64_are_refused_with_the_reason(text, reason):
    assert parse_owner_key(base64.b64encode(b"\xfb\xff" * 16).decode(), "X") == b"\xfb\xff" * 16  # control
    with pytest.raises(InvalidOwnerKeyError, match=f"^X must be .*{reason}"):
        parse_owner_key(text, "X")


# -- keys ----------------------------------------------------------------------------------------


def test_new_keys_are_unique_and_parse_back():
    first, second = (new_key("uploads/", "alice", ".png", owner_keys=KEYS) for _ in range(2))
    assert first.key != second.key
    parsed = parse_key(first.key, "uploads/")
    assert parsed == first
    assert parsed.owner == KEYS.segment("alice")
    assert first.path == "/" + first.key


def test_new_keys_use_the_current_owner_key():
    key = new_key("uploads/", "alice", ".png", owner_keys=OwnerKeys(OTHER_KEY, (KEY,)))
    assert key.owner == OwnerKeys(OTHER_KEY).segment("alice")


ALICE = KEYS.segment("alice")


@pytest.mark.parametrize(
    "key",
    [
        None,
        42,
        f"uploads/{ALICE}/0123456789abcdef0123456789abcdef",  # no extension
        f"other/{ALICE}/0123456789abcdef0123456789abcdef.png",  # wrong prefix
        f"uploads/{ALICE}/../0123456789abcdef0123456789abcdef.png",
        f"uploads/{ALICE}/0123456789ABCDEF0123456789abcdef.png",
        "uploads//0123456789abcdef0123456789abcdef.png",
        f"uploads/{ALICE}/0123456789abcdef0123456789abcdef.png/x",
        "uploads/YWxpY2U/0123456789abcdef0123456789abcdef.png",  # a key of 0.2.0: base64url("alice")
        f"uploads/{ALICE[:-1]}B/0123456789abcdef0123456789abcdef.png",  # last character not canonical
        f"uploads/{ALICE[:-1]}/0123456789abcdef0123456789abcdef.png",  # 21 characters
        f"uploads/{ALICE}A/0123456789abcdef0123456789abcdef.png",  # 23 characters
        f"uploads/{ALICE[:-2]}.A/0123456789abcdef0123456789abcdef.png",  # outside the alphabet
    ],
)
def test_parse_key_accepts_only_keys_the_api_makes(key):
    assert parse_key(f"uploads/{ALICE}/0123456789abcdef0123456789abcdef.png", "uploads/") is not None  # control
    assert parse_key(key, "uploads/") is None


@pytest.mark.parametrize("last", "AQgw")
def test_parse_key_accepts_each_canonical_last_character(last):
    assert parse_key(f"uploads/{ALICE[:-1]}{last}/{'0' * 32}.png", "uploads/") is not None


# -- found by mutation testing (make mutation): each rule with its positive control -----------

OBJECT = f"{'0' * 32}.png"


def test_new_key_refuses_an_extension_the_key_pattern_does_not_allow():
    assert new_key("uploads/", "alice", ".png", owner_keys=KEYS).extension == ".png"  # control
    with pytest.raises(ValueError, match=r"^bad extension$"):
        new_key("uploads/", "alice", ".PNG", owner_keys=KEYS)


def test_parse_key_requires_the_prefix_rather_than_skipping_its_length():
    key = f"uploads/{ALICE}/{OBJECT}"
    assert parse_key(key, "uploads/") is not None  # control
    assert parse_key("xxxxxxx/" + key.removeprefix("uploads/"), "uploads/") is None


def test_parse_key_accepts_keys_up_to_s3s_1024_bytes_and_no_longer():
    rest = f"{ALICE}/{OBJECT}"
    at_limit = "p" * (1024 - len(rest) - 1) + "/"
    over_limit = "p" + at_limit
    assert len(at_limit + rest) == 1024
    assert parse_key(at_limit + rest, at_limit) is not None
    assert parse_key(over_limit + rest, over_limit) is None
