"""edge_auth.request on its own: which viewer requests are well formed, where the token is
found (query, then Bearer header, then cookie), what is stripped and what Origin is added.
Each rule with the case it accepts and the case it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from edge_auth.request import (
    AmbiguousTokenError,
    FoundToken,
    MalformedRequestError,
    ensure_origin,
    find_token,
    strip_token,
    viewer_request,
)

TOKEN = "aaa.bbb.ccc"
HOST = "d111111abcdef8.cloudfront.net"


def event_of(request: object) -> dict[str, Any]:
    return {"Records": [{"cf": {"request": request}}]}


def request_of(**fields: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"uri": "/uploads/x", "method": "GET", "querystring": "", "headers": {}}
    request.update(fields)
    return request


def headers_of(**values: str) -> dict[str, list[dict[str, str]]]:
    return {name.replace("_", "-"): [{"key": name, "value": value}] for name, value in values.items()}


def find(
    request: dict[str, Any], query_param: str = "authorization", cookie: str | None = "cdn_token"
) -> FoundToken | None:
    return find_token(request, query_param, cookie)


# -- viewer_request --------------------------------------------------------------------------


def test_a_well_formed_viewer_request_is_returned_as_is():
    request = request_of(headers=headers_of(host=HOST, accept="*/*"))
    assert viewer_request(event_of(request)) is request


def test_a_request_without_headers_or_querystring_is_well_formed():
    request = {"uri": "/uploads/x", "method": "GET"}
    assert viewer_request(event_of(request)) is request


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"records": [{"cf": {"request": request_of()}}]}, "not a CloudFront event"),
        ({"Records": [{"CF": {"request": request_of()}}]}, "not a CloudFront event"),
        ({"Records": [{"cf": {"Request": request_of()}}]}, "not a CloudFront event"),
        ({"Records": []}, "not a CloudFront event"),
        (None, "not a CloudFront event"),
        (event_of(["uri", "method"]), "request is not an object"),
        (event_of({"uri": "/x"}), "uri and method are required"),
        (event_of({"method": "GET"}), "uri and method are required"),
        (event_of({"uri": 1, "method": "GET"}), "uri and method are required"),
        (event_of({"uri": "/x", "method": 1}), "uri and method are required"),
        (event_of(request_of(querystring=5)), "querystring must be a string"),
        (event_of(request_of(headers="host: x")), "headers are not in CloudFront's form"),
        (event_of(request_of(headers={"host": "x"})), "headers are not in CloudFront's form"),
        (event_of(request_of(headers={"host": ["x"]})), "headers are not in CloudFront's form"),
        (event_of(request_of(headers={"host": [{"key": "Host", "value": 5}]})), "headers are not in CloudFront's form"),
        (event_of(request_of(headers={"host": [{"key": "Host"}]})), "headers are not in CloudFront's form"),
    ],
)
def test_malformed_viewer_requests_are_refused_with_their_reason(event, reason):
    with pytest.raises(MalformedRequestError) as refused:
        viewer_request(event)
    assert str(refused.value) == reason


def test_only_the_first_record_is_read():
    request = request_of()
    event = {"Records": [{"cf": {"request": request}}, {"cf": {"request": "not a request"}}]}
    assert viewer_request(event) is request


# -- find_token: the query string ------------------------------------------------------------


def test_a_query_token_alone_leaves_an_empty_query_string():
    assert find(request_of(querystring=f"authorization={TOKEN}")) == FoundToken(TOKEN, "query", "")


def test_a_query_token_among_other_parameters_leaves_them_in_order():
    found = find(request_of(querystring=f"w=200&authorization={TOKEN}&&h=100&x"))
    assert found == FoundToken(TOKEN, "query", "w=200&h=100&x")


def test_a_percent_encoded_query_token_is_decoded_once():
    found = find(request_of(querystring="authorization=aaa%2Ebbb%2eccc%2541"))
    assert found == FoundToken("aaa.bbb.ccc%41", "query", "")


def test_a_plus_in_a_query_token_is_a_space():
    assert find(request_of(querystring="authorization=aaa+bbb")) == FoundToken("aaa bbb", "query", "")


def test_a_query_token_keeps_an_equals_sign_in_its_value():
    assert find(request_of(querystring="w=1&authorization=aaa=b")) == FoundToken("aaa=b", "query", "w=1")


def test_an_encoded_parameter_name_is_the_token_parameter():
    # Otherwise "authoriz%61tion" would smuggle a second token past the ambiguity rule.
    assert find(request_of(querystring=f"authoriz%61tion={TOKEN}")) == FoundToken(TOKEN, "query", "")
    with pytest.raises(AmbiguousTokenError):
        find(request_of(querystring=f"authorization={TOKEN}&authoriz%61tion=other"))


def test_a_plus_in_a_parameter_name_is_a_space():
    request = request_of(querystring=f"w=1&my+token={TOKEN}")
    assert find(request, query_param="my token") == FoundToken(TOKEN, "query", "w=1")
    assert find(request, query_param="my+token") is None


def test_another_parameter_is_not_the_token():
    assert find(request_of(querystring=f"authorizatio={TOKEN}&x-authorization={TOKEN}")) is None


def test_two_query_tokens_are_ambiguous():
    with pytest.raises(AmbiguousTokenError) as refused:
        find(request_of(querystring=f"authorization={TOKEN}&authorization={TOKEN}"))
    assert str(refused.value) == "query"


def test_three_query_tokens_are_ambiguous():
    with pytest.raises(AmbiguousTokenError):
        find(request_of(querystring="authorization=a&authorization=b&authorization=c"))


# -- find_token: the Bearer header -----------------------------------------------------------


def test_a_bearer_token_is_found_when_the_query_has_none():
    request = request_of(querystring="w=1", headers=headers_of(authorization=f"Bearer {TOKEN}"))
    assert find(request) == FoundToken(TOKEN, "header", "w=1")


def test_a_bearer_token_is_found_without_any_querystring():
    request = {"uri": "/x", "method": "GET", "headers": headers_of(authorization=f"Bearer {TOKEN}")}
    assert find(request) == FoundToken(TOKEN, "header", "")


@pytest.mark.parametrize("value", [f"bearer {TOKEN}", f"BEARER {TOKEN}", f"  Bearer   {TOKEN}  "])
def test_the_bearer_scheme_is_case_insensitive_and_spaces_around_are_ignored(value):
    assert find(request_of(headers=headers_of(authorization=value))) == FoundToken(TOKEN, "header", "")


def test_bearer_credentials_are_everything_after_the_scheme():
    request = request_of(headers=headers_of(authorization="Bearer aaa bbb"))
    assert find(request) == FoundToken("aaa bbb", "header", "")


@pytest.mark.parametrize("value", [f"Basic {TOKEN}", f"Bearer{TOKEN}", TOKEN, f"XBearer {TOKEN}"])
def test_other_authorization_schemes_are_not_a_token(value):
    assert find(request_of(headers=headers_of(authorization=value))) is None


def test_two_bearer_headers_are_ambiguous():
    headers = {"authorization": [{"key": "Authorization", "value": f"Bearer {TOKEN}"}] * 2}
    with pytest.raises(AmbiguousTokenError) as refused:
        find(request_of(headers=headers))
    assert str(refused.value) == "header"


def test_the_query_token_wins_over_the_bearer_header():
    request = request_of(querystring="authorization=q", headers=headers_of(authorization="Bearer h"))
    assert find(request) == FoundToken("q", "query", "")


# -- find_token: the cookie ------------------------------------------------------------------


def test_a_cookie_token_is_found_when_query_and_header_have_none():
    request = request_of(querystring="w=1", headers=headers_of(cookie=f"theme=dark; cdn_token={TOKEN}"))
    assert find(request) == FoundToken(TOKEN, "cookie", "w=1")


def test_cookie_pairs_without_a_space_after_the_semicolon():
    request = request_of(headers=headers_of(cookie=f"theme=dark;cdn_token={TOKEN};lang=en"))
    assert find(request) == FoundToken(TOKEN, "cookie", "")


def test_a_quoted_cookie_value_is_unquoted():
    request = request_of(headers=headers_of(cookie=f'cdn_token=" {TOKEN} "'))
    assert find(request) == FoundToken(f" {TOKEN} ", "cookie", "")
    assert find(request_of(headers=headers_of(cookie=f'cdn_token="{TOKEN}"'))) == FoundToken(TOKEN, "cookie", "")


def test_a_cookie_value_keeps_its_equals_signs_and_other_characters():
    request = request_of(headers=headers_of(cookie="cdn_token=XaaX=b"))
    assert find(request) == FoundToken("XaaX=b", "cookie", "")


def test_a_cookie_with_another_name_is_not_a_token():
    assert find(request_of(headers=headers_of(cookie=f"other={TOKEN}; cdn_token2={TOKEN}"))) is None


def test_no_cookie_is_read_when_no_cookie_name_is_configured():
    assert find(request_of(headers=headers_of(cookie=f"cdn_token={TOKEN}")), cookie=None) is None


def test_two_token_cookies_are_ambiguous():
    with pytest.raises(AmbiguousTokenError) as refused:
        find(request_of(headers=headers_of(cookie="cdn_token=a; cdn_token=b")))
    assert str(refused.value) == "cookie"


def test_the_bearer_header_wins_over_the_cookie():
    request = request_of(headers={**headers_of(cookie="cdn_token=c"), **headers_of(authorization="Bearer h")})
    assert find(request) == FoundToken("h", "header", "")


def test_a_request_without_any_token_has_none():
    assert find({"uri": "/x", "method": "GET"}) is None
    assert find(request_of(querystring="w=1", headers=headers_of(host=HOST))) is None


# -- strip_token -----------------------------------------------------------------------------


def test_strip_token_keeps_the_other_parameters_and_removes_a_bearer_header():
    request = request_of(querystring=f"w=1&authorization={TOKEN}", headers=headers_of(host=HOST))
    request["headers"].update(headers_of(authorization="Bearer other"))
    strip_token(request, FoundToken(TOKEN, "query", "w=1"))
    assert request["querystring"] == "w=1"
    assert request["headers"] == headers_of(host=HOST)


def test_strip_token_leaves_an_authorization_header_of_another_scheme():
    request = request_of(querystring=f"authorization={TOKEN}", headers=headers_of(authorization="Basic dXNlcg=="))
    strip_token(request, FoundToken(TOKEN, "query", ""))
    assert request["querystring"] == ""
    assert request["headers"] == headers_of(authorization="Basic dXNlcg==")


def test_strip_token_on_a_request_without_headers():
    request = {"uri": "/x", "method": "GET", "querystring": f"authorization={TOKEN}"}
    strip_token(request, FoundToken(TOKEN, "query", ""))
    assert request == {"uri": "/x", "method": "GET", "querystring": ""}


# -- ensure_origin ---------------------------------------------------------------------------


def test_the_default_origin_is_added_when_the_viewer_sent_none():
    request = request_of(headers=headers_of(host=HOST))
    ensure_origin(request, "https://app.example")
    assert request["headers"] == {
        **headers_of(host=HOST),
        "origin": [{"key": "Origin", "value": "https://app.example"}],
    }


def test_without_a_default_origin_the_host_is_the_origin():
    request = request_of(headers={"host": [{"key": "Host", "value": HOST}, {"key": "Host", "value": "other"}]})
    ensure_origin(request, None)
    assert request["headers"]["origin"] == [{"key": "Origin", "value": f"https://{HOST}"}]


def test_an_origin_sent_by_the_viewer_is_kept():
    request = request_of(headers=headers_of(host=HOST, origin="http://x.test"))
    ensure_origin(request, "https://app.example")
    assert request["headers"] == headers_of(host=HOST, origin="http://x.test")


def test_no_origin_without_a_default_or_a_host():
    request = request_of(headers=headers_of(accept="*/*"))
    ensure_origin(request, None)
    assert request["headers"] == headers_of(accept="*/*")


def test_a_request_without_headers_gets_the_default_origin():
    request = {"uri": "/x", "method": "GET"}
    ensure_origin(request, "https://app.example")
    assert request == {
        "uri": "/x",
        "method": "GET",
        "headers": {"origin": [{"key": "Origin", "value": "https://app.example"}]},
    }
