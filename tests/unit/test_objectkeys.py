import pytest

from objectkeys import InvalidOwnerError, decode_owner, encode_owner, new_key, parse_key


@pytest.mark.parametrize("sub", ["alice", "auth0|5f7c8ec7c33c6c004bbafe82", "ü/../x?#%", "a" * 255])
def test_owner_round_trip_and_is_key_and_url_safe(sub):
    owner = encode_owner(sub)
    assert decode_owner(owner) == sub
    assert all(c.isalnum() or c in "-_" for c in owner)


@pytest.mark.parametrize("sub", ["", "a" * 256])
def test_unusable_subjects_are_refused(sub):
    with pytest.raises(InvalidOwnerError):
        encode_owner(sub)


@pytest.mark.parametrize("segment", ["", "YWxpY2U=", "YWxpY2", "..", "YW/xp", "YWxpY2V"])
def test_non_canonical_segments_are_refused(segment):
    # "YWxpY2V" decodes to "alice" too, but only "YWxpY2U" is its canonical form.
    with pytest.raises(InvalidOwnerError):
        decode_owner(segment)


def test_new_keys_are_unique_and_parse_back():
    first, second = new_key("uploads/", "alice", ".png"), new_key("uploads/", "alice", ".png")
    assert first.key != second.key
    parsed = parse_key(first.key, "uploads/")
    assert parsed == first
    assert parsed.sub == "alice"
    assert first.path == "/" + first.key


@pytest.mark.parametrize(
    "key",
    [
        None,
        42,
        "uploads/YWxpY2U/0123456789abcdef0123456789abcdef",  # no extension
        "other/YWxpY2U/0123456789abcdef0123456789abcdef.png",  # wrong prefix
        "uploads/YWxpY2U/../0123456789abcdef0123456789abcdef.png",
        "uploads/YWxpY2U/0123456789ABCDEF0123456789abcdef.png",
        "uploads/YWxpY2U=/0123456789abcdef0123456789abcdef.png",
        "uploads//0123456789abcdef0123456789abcdef.png",
        "uploads/YWxpY2U/0123456789abcdef0123456789abcdef.png/x",
    ],
)
def test_parse_key_accepts_only_keys_the_api_makes(key):
    assert parse_key(key, "uploads/") is None


# -- found by mutation testing (make mutation): each rule with its positive control -----------

OBJECT = f"{'0' * 32}.png"


@pytest.mark.parametrize(("sub", "owner"), [("alice", "YWxpY2U"), ("bob", "Ym9i"), ("é", "w6k"), ("aaW", "YWFX")])
def test_owner_is_exactly_the_unpadded_base64url_of_the_sub(sub, owner):
    # "aaW" ends in "X": only "=" is stripped, nothing else at the end of the encoding.
    assert encode_owner(sub) == owner
    assert decode_owner(owner) == sub


@pytest.mark.parametrize("sub", [None, 42, b"alice", "", "a" * 256])
def test_a_subject_that_is_not_1_to_255_bytes_of_text_is_refused_with_the_reason(sub):
    assert encode_owner("a" * 255)  # control: the longest accepted subject
    with pytest.raises(InvalidOwnerError, match=r"^sub must be 1\.\.255 bytes of UTF-8$"):
        encode_owner(sub)


@pytest.mark.parametrize(
    ("segment", "reason"),
    [
        (None, "not an owner segment"),
        (42, "not an owner segment"),
        ("YW/xp", "not an owner segment"),  # outside the alphabet
        ("YWxpY", "not an owner segment"),  # 4n + 1 characters: no base64 at all
        ("_w", "not an owner segment"),  # decodes to b"\xff": not UTF-8
        ("YWxpY2V", "not a canonical owner segment"),  # decodes to "alice", whose segment is YWxpY2U
    ],
)
def test_a_segment_encode_owner_cannot_produce_is_refused_with_the_reason(segment, reason):
    assert decode_owner("YWxpY2U") == "alice"  # control
    with pytest.raises(InvalidOwnerError, match=f"^{reason}$"):
        decode_owner(segment)


def test_new_key_refuses_an_extension_the_key_pattern_does_not_allow():
    assert new_key("uploads/", "alice", ".png").extension == ".png"  # control
    with pytest.raises(ValueError, match=r"^bad extension$"):
        new_key("uploads/", "alice", ".PNG")


def test_parse_key_requires_the_prefix_rather_than_skipping_its_length():
    key = f"uploads/{encode_owner('alice')}/{OBJECT}"
    assert parse_key(key, "uploads/") is not None  # control
    assert parse_key("xxxxxxx/" + key.removeprefix("uploads/"), "uploads/") is None


def test_parse_key_accepts_keys_up_to_s3s_1024_bytes_and_no_longer():
    rest = f"{encode_owner('alice')}/{OBJECT}"
    at_limit = "p" * (1024 - len(rest) - 1) + "/"
    over_limit = "p" + at_limit
    assert len(at_limit + rest) == 1024
    assert parse_key(at_limit + rest, at_limit) is not None
    assert parse_key(over_limit + rest, over_limit) is None
