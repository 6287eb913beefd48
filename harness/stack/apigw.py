"""API Gateway (REST API, v1) adapter: HTTP request -> Lambda proxy event -> HTTP response.

Emulates: stage prefix, resource matching (static paths win over templates, `{proxy+}` is
greedy), path parameters, single- and multi-value headers and query strings, base64 bodies for
binary media types, the request context (request id, source IP, stage, resource path), the
proxy result format (headers + multiValueHeaders, isBase64Encoded) and API Gateway's 403
"Missing Authentication Token" for unknown routes, 502 for a failed or malformed result (a
function error, init error or Lambda timeout is a failed result), and 504 "Endpoint request
timed out" when the integration timeout (29 s unless configured) passes first.
Not emulated: authorizers, usage plans and stage throttling, request validation, mapping
templates, and the 10 MB payload limit.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import fnmatch
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from events.apigw import rest_proxy_event
from stack.httpbase import HttpRequest, HttpResponse, json_response, load_config, log, serve
from stack.lambda_host import CallerTimeout, FunctionHost
from stack.plan import Plan, Resource


@dataclass(frozen=True)
class Route:
    """One API resource (path template) and the methods integrated on it ("ANY" for all)."""

    template: str
    methods: frozenset[str] = frozenset({"ANY"})

    @property
    def _rank(self) -> tuple[int, int, int]:
        parts = [p for p in self.template.split("/") if p]
        static = sum(1 for p in parts if not p.startswith("{"))
        greedy = any(p.endswith("+}") for p in parts)
        return (int(greedy), -static, -len(parts))

    def match(self, path: str) -> dict[str, str] | None:
        want = [p for p in self.template.split("/") if p]
        have = [p for p in path.split("/") if p]
        params: dict[str, str] = {}
        for index, part in enumerate(want):
            if part.startswith("{") and part.endswith("+}"):
                if index >= len(have):
                    return None
                params[part[1:-2]] = unquote("/".join(have[index:]))
                return params
            if index >= len(have):
                return None
            if part.startswith("{") and part.endswith("}"):
                params[part[1:-1]] = unquote(have[index])
            elif part != have[index]:
                return None
        return params if len(want) == len(have) else None

    def allows(self, method: str) -> bool:
        return "ANY" in self.methods or method in self.methods


def find_route(routes: Iterable[Route], path: str, method: str) -> tuple[Route, dict[str, str]] | None:
    for route in sorted(routes, key=lambda r: r._rank):
        params = route.match(path)
        if params is not None and route.allows(method):
            return route, params
    return None


def _is_binary(content_type: str, binary_media_types: Iterable[str]) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return any(fnmatch.fnmatch(media, pattern.lower()) for pattern in binary_media_types)


def build_event(
    request: HttpRequest,
    *,
    stage: str,
    path: str,
    route: Route,
    path_parameters: dict[str, str],
    binary_media_types: Iterable[str] = (),
    api_id: str = "local",
    request_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The v1 proxy event API Gateway hands to a Lambda proxy integration (harness/events/apigw.py)."""
    lower = {name.lower(): value for name, value in request.headers}
    body: str | None = None
    is_base64 = False
    if request.body:
        if _is_binary(lower.get("content-type", ""), binary_media_types):
            body, is_base64 = base64.b64encode(request.body).decode(), True
        else:
            body = request.body.decode("utf-8", errors="replace")
    return rest_proxy_event(
        method=request.method,
        path=path,
        resource=route.template,
        stage=stage,
        headers=request.headers,
        query=parse_qsl(urlsplit(request.target).query, keep_blank_values=True),
        path_parameters=path_parameters,
        body=body,
        is_base64=is_base64,
        source_ip=request.client_ip,
        api_id=api_id,
        request_id=request_id,
        now=now,
    )


class MalformedResult(ValueError):
    """The handler's result is not a valid proxy result: API Gateway answers 502."""


def result_to_response(result: Any, request_id: str) -> HttpResponse:
    """The HTTP response API Gateway builds from a proxy integration's result."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        raise MalformedResult(f"statusCode missing or not an integer in {type(result).__name__}")
    headers: list[tuple[str, str]] = []
    single = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise MalformedResult("headers and multiValueHeaders must be objects")
    for name, values in multi.items():
        headers.extend((name, str(v)) for v in values)
    seen = {name.lower() for name in multi}
    headers.extend((name, str(v)) for name, v in single.items() if name.lower() not in seen)
    body = result.get("body") or ""
    if not isinstance(body, str):
        raise MalformedResult("body must be a string")
    try:
        raw = base64.b64decode(body, validate=True) if result.get("isBase64Encoded") else body.encode()
    except binascii.Error as error:
        raise MalformedResult("isBase64Encoded body is not base64") from error
    names = {name.lower() for name, _ in headers}
    if "content-type" not in names:
        headers.append(("Content-Type", "application/json"))
    headers += [("x-amzn-RequestId", request_id), ("Date", format_datetime(datetime.now(UTC), usegmt=True))]
    return HttpResponse(result["statusCode"], headers, raw)


class ApiGatewayAdapter:
    """Routes `/<stage>/<resource>` to the integrated function, as one REST API stage."""

    def __init__(
        self,
        host: FunctionHost,
        stage: str,
        routes: list[Route],
        binary_media_types: list[str] | None = None,
        api_id: str = "local",
        *,
        integration_timeout: float = 29.0,
    ) -> None:
        self.host = host
        self.integration_timeout = integration_timeout
        self.stage = stage
        self.routes = routes
        self.binary_media_types = binary_media_types or []
        self.api_id = api_id

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        path = urlsplit(request.target).path
        prefix = f"/{self.stage}"
        if path != prefix and not path.startswith(prefix + "/"):
            return json_response(403, {"message": "Forbidden"}, [("x-amzn-ErrorType", "ForbiddenException")])
        path = path[len(prefix) :] or "/"
        found = find_route(self.routes, path, request.method)
        if found is None:
            error_type = ("x-amzn-ErrorType", "MissingAuthenticationTokenException")
            return json_response(403, {"message": "Missing Authentication Token"}, [error_type])
        route, params = found
        event = build_event(
            request,
            stage=self.stage,
            path=path,
            route=route,
            path_parameters=params,
            binary_media_types=self.binary_media_types,
            api_id=self.api_id,
            request_id=request_id,
        )
        started = time.monotonic()
        try:
            return result_to_response(self.host.invoke(event, self.integration_timeout), request_id)
        except CallerTimeout:
            log.error("integration timed out after %.1f s", self.integration_timeout)
            return json_response(504, {"message": "Endpoint request timed out"}, [("x-amzn-RequestId", request_id)])
        except MalformedResult as error:
            log.error("malformed Lambda proxy response: %s", error)
        except Exception:
            log.exception("function error")
        finally:
            log.debug("invocation took %.1f ms", (time.monotonic() - started) * 1000)
        return json_response(502, {"message": "Internal server error"}, [("x-amzn-RequestId", request_id)])


def settings_from_plan(plan: Plan) -> dict[str, Any]:
    """Stage, routes and binary media types of the (one) REST API, as planned.

    Every resource gets the union of the planned methods: a plan cannot tie a for_each'd
    method to its resource (the reference goes through each.value), and here every route
    integrates the same methods with the same function."""
    stage = plan.only("aws_api_gateway_stage").values["stage_name"]
    methods = sorted({r.values["http_method"] for r in plan.of_type("aws_api_gateway_method")})
    routes = [{"path": _resource_path(r), "methods": methods} for r in plan.of_type("aws_api_gateway_resource")]
    binary = plan.only("aws_api_gateway_rest_api").values.get("binary_media_types") or []
    return {"stage": stage, "routes": routes, "binary_media_types": binary}


def _resource_path(resource: Resource) -> str:
    """A resource's full path. A nested resource's parent is unknown in a plan, so the module
    keys nested resources by their full path (for_each): `route["uploads/{upload_id}/parts"]`
    has path_part "parts". A key that does not end in the path_part is not a path."""
    part = resource.values["path_part"]
    index = resource.index
    if isinstance(index, str) and (index == part or index.endswith("/" + part)):
        return "/" + index
    return "/" + part


def routes_from_config(items: list[dict[str, Any]]) -> list[Route]:
    return [Route(item["path"], frozenset(m.upper() for m in item.get("methods", ["ANY"]))) for item in items]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="API Gateway REST (v1) proxy adapter")
    parser.add_argument("--config", required=True, help="JSON written by `python -m stack up`")
    config = load_config(parser.parse_args(argv).config)
    function = config["function"]
    host = FunctionHost.from_config(function)
    routes = routes_from_config(config["routes"])
    binary = config.get("binary_media_types")
    adapter = ApiGatewayAdapter(
        host,
        config["stage"],
        routes,
        binary,
        config.get("api_id", "local"),
        integration_timeout=config.get("integration_timeout_seconds", 29.0),
    )
    serve((config.get("host", "127.0.0.1"), config["port"]), adapter, "apigw")


if __name__ == "__main__":
    main()
