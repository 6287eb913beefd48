"""normalise_uri: the one canonical form a `path` claim is compared with."""

import pytest

from edge_auth.paths import normalise_uri

GOOD = "/uploads/YWxpY2U/0123456789abcdef0123456789abcdef.png"


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (GOOD, GOOD),
        ("/uploads/%59WxpY2U/0123456789abcdef0123456789abcdef.png", GOOD),  # decoded once
        ("/a%20b", "/a b"),
        ("/caf%C3%A9", "/café"),
    ],
)
def test_plain_paths_decode_once(uri, expected):
    assert normalise_uri(uri) == expected


@pytest.mark.parametrize(
    "uri",
    [
        "/a/%2565",  # %25 decodes to %, i.e. double encoding
        "/a/%252e%252e/b",
        "/a/100%",
        "/a/..",
        "/a/../b",
        "/a/%2e%2e/b",
        "/a/./b",
        "/a/%2E/b",
        "/a//b",
        "/a/",
        "//a",
        "/a\\b",
        "/a%5cb",
        "/a%00b",
        "/a\x00b",
        "/a%0ab",
        "/a%7fb",
        "/a%ffb",  # not UTF-8
        "/a%c0%ae%c0%ae/b",  # overlong UTF-8 dots
        "a/b",
        "",
        "/" + "a" * 3000,
        None,
        42,
    ],
)
def test_unsafe_uris_are_refused(uri):
    assert normalise_uri(uri) is None


def test_the_longest_uri_accepted_is_max_uri_length():
    from edge_auth.paths import MAX_URI_LENGTH

    longest = "/" + "a" * (MAX_URI_LENGTH - 1)
    assert normalise_uri(longest) == longest
    assert normalise_uri(longest + "a") is None
    # The limit is on the URI as sent, before decoding.
    assert normalise_uri("/" + "%61" * (MAX_URI_LENGTH // 3 + 1)) is None


def test_each_unsafe_segment_is_refused_on_its_own():
    assert normalise_uri("/a/b") == "/a/b"
    assert normalise_uri("/a/.b/..c/b..") == "/a/.b/..c/b.."
    for unsafe in ("/a//b", "/a/./b", "/a/../b", "/./a", "/../a", "/a/.", "/."):
        assert normalise_uri(unsafe) is None, unsafe
