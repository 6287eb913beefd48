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
