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
