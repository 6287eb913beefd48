"""The API Gateway adapter against the documented REST proxy event, and over real HTTP."""

import base64
import json
from pathlib import Path

import pytest
import requests

from stack.apigw import (
    ApiGatewayAdapter,
    MalformedResult,
    Route,
    build_event,
    find_route,
    result_to_response,
    settings_from_plan,
)
from stack.httpbase import HttpRequest
from stack.plan import Plan, Unresolved

SAMPLE = json.loads((Path(__file__).parents[1] / "events" / "apigw_rest_proxy.json").read_text())


def _request(**overrides) -> HttpRequest:
    values = {
        "method": "GET",
        "target": "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
        "headers": [("header1", "value1"), ("header2", "value1"), ("header2", "value2"), ("User-Agent", "ua")],
        "body": b"Hello from Lambda!",
        "client_ip": "192.0.2.1",
    }
    values.update(overrides)
    return HttpRequest(**values)


def _event(request: HttpRequest, **kwargs) -> dict:
    defaults = {"stage": "v1", "path": "/my/path", "route": Route("/my/path"), "path_parameters": {}}
    defaults.update(kwargs)
    return build_event(request, **defaults)


def test_event_has_the_documented_shape_and_values() -> None:
    event = _event(_request())
    assert set(event) == set(SAMPLE)
    assert set(event["requestContext"]) == set(SAMPLE["requestContext"])
    assert set(event["requestContext"]["identity"]) == set(SAMPLE["requestContext"]["identity"])
    for key in ("resource", "path", "httpMethod", "multiValueQueryStringParameters", "body", "isBase64Encoded"):
        assert event[key] == SAMPLE[key], key
    assert event["multiValueHeaders"]["header2"] == ["value1", "value2"]
    assert event["headers"]["header2"] == "value2"  # the last value wins, as documented
    assert event["queryStringParameters"] == {"parameter1": "value2", "parameter2": "value"}
    context = event["requestContext"]
    assert context["identity"]["sourceIp"] == "192.0.2.1"
    assert context["stage"] == "v1"
    assert context["path"] == "/v1/my/path"
    assert context["requestId"]
    assert event["pathParameters"] is None


def test_no_query_no_body_gives_nulls() -> None:
    event = _event(_request(target="/my/path", body=b""))
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["body"] is None


def test_binary_media_types_are_base64_encoded_and_text_is_not() -> None:
    raw = b"\x89PNG\r\n\x1a\n\x00\xff"
    binary = _event(_request(body=raw, headers=[("Content-Type", "image/png")]), binary_media_types=["image/*"])
    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == raw
    text = _event(
        _request(body=b'{"a":1}', headers=[("Content-Type", "application/json")]), binary_media_types=["image/*"]
    )
    assert text["isBase64Encoded"] is False
    assert text["body"] == '{"a":1}'


def test_static_resources_win_over_templates_and_proxy_is_greedy() -> None:
    routes = [Route("/{proxy+}"), Route("/uploads", frozenset({"POST"})), Route("/items/{id}")]
    assert find_route(routes, "/uploads", "POST") == (routes[1], {})
    assert find_route(routes, "/uploads", "GET") == (routes[0], {"proxy": "uploads"})
    assert find_route(routes, "/items/a%20b", "GET") == (routes[2], {"id": "a b"})
    assert find_route(routes, "/a/b/c", "GET") == (routes[0], {"proxy": "a/b/c"})
    assert find_route([Route("/uploads")], "/downloads", "GET") is None
    assert find_route([Route("/uploads")], "/uploads/x", "GET") is None


def test_result_headers_multi_values_and_base64_body() -> None:
    response = result_to_response(
        {
            "statusCode": 200,
            "headers": {"X-One": "1", "Set-Cookie": "ignored"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": base64.b64encode(b"\x00\x01").decode(),
            "isBase64Encoded": True,
        },
        "rid",
    )
    assert response.status == 200
    assert response.body == b"\x00\x01"
    assert [v for n, v in response.headers if n == "Set-Cookie"] == ["a=1", "b=2"]
    assert ("X-One", "1") in response.headers
    assert ("Content-Type", "application/json") in response.headers


@pytest.mark.parametrize("result", [None, {"body": "x"}, {"statusCode": "200"}, {"statusCode": 200, "body": 3}])
def test_malformed_results_are_rejected(result) -> None:
    with pytest.raises(MalformedResult):
        result_to_response(result, "rid")


def test_over_http_stage_routes_environment_and_errors(function_host, serve_app) -> None:
    host = function_host("echo_api.handler", {"ECHO_SETTING": "from-plan"})
    adapter = ApiGatewayAdapter(host, "v1", [Route("/uploads", frozenset({"POST", "OPTIONS"}))], ["image/*"])
    url = serve_app(adapter)

    response = requests.post(f"{url}/v1/uploads?a=1&a=2", json={"size": 3}, headers={"X-Multi": "x"}, timeout=5)
    assert response.status_code == 201
    assert response.headers["X-Single"] == "one"
    assert response.headers["Set-Cookie"] == "a=1, b=2"
    payload = response.json()
    event = payload["event"]
    assert payload["env"] == "from-plan"
    assert event["httpMethod"] == "POST"
    assert event["resource"] == "/uploads"
    assert event["path"] == "/uploads"
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert json.loads(event["body"]) == {"size": 3}
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    assert event["requestContext"]["requestId"] == response.headers["x-amzn-RequestId"]

    assert requests.get(f"{url}/v1/uploads", timeout=5).json() == {"message": "Missing Authentication Token"}
    assert requests.post(f"{url}/v2/uploads", timeout=5).status_code == 403
    assert requests.post(f"{url}/v1/uploads?mode=raise", timeout=5).status_code == 502
    malformed = requests.post(f"{url}/v1/uploads?mode=malformed", timeout=5)
    assert (malformed.status_code, malformed.json()) == (502, {"message": "Internal server error"})
    binary = requests.post(f"{url}/v1/uploads?mode=binary", timeout=5)
    assert (binary.status_code, binary.content) == (200, b"\x89PNG\x00")


def test_settings_from_plan_give_every_resource_the_planned_methods() -> None:
    def resource(type_, name, values):
        return {"address": f"{type_}.{name}", "mode": "managed", "type": type_, "name": name, "values": values}

    plan = Plan(
        {
            "planned_values": {
                "root_module": {
                    "resources": [
                        resource("aws_api_gateway_stage", "s", {"stage_name": "v1"}),
                        resource("aws_api_gateway_rest_api", "a", {"binary_media_types": ["image/png"]}),
                        resource("aws_api_gateway_resource", "u", {"path_part": "uploads"}),
                        resource("aws_api_gateway_resource", "d", {"path_part": "downloads"}),
                        resource("aws_api_gateway_method", "p", {"http_method": "POST"}),
                        resource("aws_api_gateway_method", "o", {"http_method": "OPTIONS"}),
                    ]
                }
            }
        }
    )
    assert settings_from_plan(plan) == {
        "stage": "v1",
        "routes": [
            {"path": "/uploads", "methods": ["OPTIONS", "POST"]},
            {"path": "/downloads", "methods": ["OPTIONS", "POST"]},
        ],
        "binary_media_types": ["image/png"],
    }


def test_settings_from_plan_take_a_nested_resource_path_from_its_for_each_key() -> None:
    def resource(name, values, index=None):
        found = {"address": f"aws_api_gateway_resource.{name}", "mode": "managed", "type": "aws_api_gateway_resource"}
        return {**found, "name": name, "values": values, **({"index": index} if index is not None else {})}

    plan = Plan(
        {
            "planned_values": {
                "root_module": {
                    "resources": [
                        {
                            "address": "s",
                            "mode": "managed",
                            "type": "aws_api_gateway_stage",
                            "name": "s",
                            "values": {"stage_name": "v1"},
                        },
                        {
                            "address": "a",
                            "mode": "managed",
                            "type": "aws_api_gateway_rest_api",
                            "name": "a",
                            "values": {},
                        },
                        resource("route", {"path_part": "uploads"}, "uploads"),
                        resource("upload", {"path_part": "{upload_id}"}, "uploads/{upload_id}"),
                        resource("action", {"path_part": "parts"}, "uploads/{upload_id}/parts"),
                        resource("odd", {"path_part": "x"}, "not-a-path"),
                    ]
                }
            }
        }
    )
    paths = [route["path"] for route in settings_from_plan(plan)["routes"]]
    assert paths == ["/uploads", "/uploads/{upload_id}", "/uploads/{upload_id}/parts", "/x"]


def test_settings_from_plan_need_exactly_one_stage() -> None:
    with pytest.raises(Unresolved, match="exactly one aws_api_gateway_stage"):
        settings_from_plan(Plan({}))
