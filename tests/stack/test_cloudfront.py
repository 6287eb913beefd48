"""The CloudFront adapter against the documented viewer-request event, and over real HTTP."""

import json
from pathlib import Path

import pytest
import requests

from events.cloudfront import cf_headers
from stack.cloudfront import (
    CloudFrontAdapter,
    EdgeResultError,
    S3Origin,
    build_event,
    check_request,
    flat_headers,
    generated_response,
    response_headers,
    settings_from_plan,
)
from stack.httpbase import HttpRequest, HttpResponse
from stack.plan import Plan

SAMPLE = json.loads((Path(__file__).parents[1] / "events" / "cloudfront_viewer_request.json").read_text())


class FakeOrigin(S3Origin):
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def fetch(self, *, method, uri, querystring, headers):
        self.calls.append((method, uri, querystring, headers))
        return HttpResponse(200, [("Content-Type", "image/png"), ("ETag", '"abc"')], b"bytes")


def test_event_matches_the_documented_viewer_request() -> None:
    documented = SAMPLE["Records"][0]["cf"]
    request = HttpRequest(
        method="GET",
        target="/",
        headers=flat_headers(documented["request"]["headers"]),
        body=b"",
        client_ip="203.0.113.178",
    )
    event = build_event(
        request,
        distribution_domain="d111111abcdef8.cloudfront.net",
        distribution_id="EDFDVBD6EXAMPLE",
        request_id=documented["config"]["requestId"],
    )
    assert event == SAMPLE


def test_headers_are_lower_case_lists_keeping_the_original_name() -> None:
    headers = cf_headers([("X-Thing", "1"), ("x-thing", "2"), ("Accept", "*/*")])
    assert headers == {
        "x-thing": [{"key": "X-Thing", "value": "1"}, {"key": "x-thing", "value": "2"}],
        "accept": [{"key": "Accept", "value": "*/*"}],
    }
    assert flat_headers({"x-a": [{"value": "1"}]}) == [("x-a", "1")]


def test_generated_response_and_its_limits() -> None:
    response = generated_response(
        {"status": "403", "headers": {"content-type": [{"key": "Content-Type", "value": "text/plain"}]}, "body": "no"}
    )
    assert (response.status, response.headers, response.body) == (403, [("Content-Type", "text/plain")], b"no")
    assert generated_response({"status": 200, "body": "aGk=", "bodyEncoding": "base64"}).body == b"hi"
    with pytest.raises(EdgeResultError):
        generated_response({"status": "200", "body": "x" * (40 * 1024 + 1)})
    with pytest.raises(EdgeResultError):
        generated_response({"status": "nope"})
    with pytest.raises(EdgeResultError):
        generated_response({"status": "200", "headers": {"Content-Type": []}})


def test_read_only_headers_cannot_change() -> None:
    original = SAMPLE["Records"][0]["cf"]["request"]
    check_request(original, {**original, "querystring": "x"})
    with pytest.raises(EdgeResultError):
        check_request(original, {**original, "headers": {**original["headers"], "host": [{"value": "evil"}]}})
    with pytest.raises(EdgeResultError):
        check_request(original, {**original, "uri": "relative"})


def test_over_http_edge_decisions_and_forwarding(function_host, serve_app, tmp_path) -> None:
    origin = FakeOrigin()
    log = tmp_path / "forwarded.jsonl"
    adapter = CloudFrontAdapter(
        function_host("edge_echo.handler"),
        origin,
        domain_name="cdn.local",
        forwarded_log=log,
        response_headers=[("X-Frame-Options", "DENY")],
    )
    url = serve_app(adapter)

    ok = requests.get(f"{url}/uploads/a/b.png?token=secret", headers={"Authorization": "Bearer secret"}, timeout=5)
    assert (ok.status_code, ok.content, ok.headers["ETag"]) == (200, b"bytes", '"abc"')
    assert ok.headers["Content-Type"] == "image/png"
    assert ok.headers["X-Frame-Options"] == "DENY"
    method, uri, query, headers = origin.calls[-1]
    assert (method, uri, query) == ("GET", "/uploads/a/b.png", "")
    assert ("origin", "http://localhost:4583") in headers
    recorded = [json.loads(line) for line in log.read_text().splitlines()]
    assert "secret" not in json.dumps(recorded)

    kept = requests.get(f"{url}/uploads/a/b.png?keep=secret", timeout=5)
    assert kept.status_code == 200
    leaky = json.loads(log.read_text().splitlines()[-1])
    assert leaky["edge_output"]["querystring"] == "keep=secret"  # what a leaky edge let through
    assert leaky["to_origin"]["querystring"] == ""  # the origin request policy forwards no query string

    denied = requests.get(f"{url}/x?deny", timeout=5)
    assert (denied.status_code, denied.text, denied.headers["Content-Type"]) == (401, "no", "text/plain")
    assert requests.get(f"{url}/x?raise", timeout=5).status_code == 503
    assert requests.get(f"{url}/x?host", timeout=5).status_code == 502
    assert requests.get(f"{url}/x?huge", timeout=5).status_code == 502
    assert requests.post(f"{url}/x", data=b"x", timeout=5).status_code == 403
    assert len(origin.calls) == 2


def _plan(resources) -> Plan:
    return Plan({"planned_values": {"root_module": {"resources": resources}}})


def test_cdn_settings_follow_the_planned_policies() -> None:
    def resource(type_, values):
        return {"address": f"{type_}.this", "mode": "managed", "type": type_, "name": "this", "values": values}

    plan = _plan(
        [
            resource("aws_cloudfront_distribution", {"default_cache_behavior": [{"allowed_methods": ["GET", "HEAD"]}]}),
            resource(
                "aws_cloudfront_origin_request_policy",
                {
                    "headers_config": [{"headers": [{"items": ["Origin", "Access-Control-Request-Method"]}]}],
                    "query_strings_config": [{"query_string_behavior": "none"}],
                },
            ),
        ]
    )
    assert settings_from_plan(plan) == {
        "allowed_methods": ["GET", "HEAD"],
        "origin_headers": ["access-control-request-method", "origin"],
        "query_string_behavior": "none",
    }


def test_response_headers_policy() -> None:
    policy = {
        "security_headers_config": [
            {
                "content_type_options": [{"override": True}],
                "content_security_policy": [{"content_security_policy": "default-src 'none'; sandbox"}],
                "frame_options": [{"frame_option": "DENY"}],
                "referrer_policy": [{"referrer_policy": "no-referrer"}],
                "strict_transport_security": [{"access_control_max_age_sec": 60, "include_subdomains": True}],
            }
        ],
        "custom_headers_config": [{"items": [{"header": "X-Extra", "value": "1"}]}],
    }
    assert response_headers(policy) == [
        ["X-Content-Type-Options", "nosniff"],
        ["Content-Security-Policy", "default-src 'none'; sandbox"],
        ["X-Frame-Options", "DENY"],
        ["Referrer-Policy", "no-referrer"],
        ["Strict-Transport-Security", "max-age=60; includeSubDomains"],
        ["X-Extra", "1"],
    ]
