"""CloudFront adapter: HTTP request -> viewer-request event -> edge function -> S3 origin.

Emulates: the viewer-request event (Records[0].cf with config and request: clientIp, method,
uri, querystring, headers in CloudFront's lower-case list form), applying what the function
returns (a generated response, or a possibly modified request), CloudFront's 502 when the
function changes a read-only header or returns an invalid or oversized (> 40 KB body)
response, 503 when it fails (a function error, an init error, a timeout or running out of memory:
LambdaExecutionError), 403 for a method the cache behaviour does not allow, and the
origin fetch from S3 signed with SigV4 (the role OAI/OAC play), passing through status, body
and the origin's headers (content type and length, ETag, CORS, ...).
What reaches the origin follows the planned origin request policy (its whitelisted headers, and
the query string only if the policy forwards it); the response headers policy's security and
custom headers are added to origin responses. Each request is recorded in a JSON-lines file,
both as the function handed it on and as sent to the origin, so tests can assert that a token
never leaves the edge (the first record is what proves the function stripped it).
Not emulated: caching (every request goes to the origin), compression, the other three trigger
points, custom error responses, signed URLs/cookies, geo restriction, WAF, TLS.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from events.cloudfront import viewer_request_event
from stack.httpbase import HttpRequest, HttpResponse, load_config, log, serve
from stack.lambda_host import FunctionHost
from stack.plan import Plan

# Headers a viewer-request function may read but not change (CloudFront answers 502 if it does).
READ_ONLY_HEADERS = frozenset({"content-length", "host", "transfer-encoding", "via"})
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}
)
# Viewer headers that reach the origin when no origin request policy says otherwise.
ORIGIN_HEADERS = ("origin", "access-control-request-method", "access-control-request-headers")
MAX_GENERATED_BODY = 40 * 1024


def flat_headers(headers: dict[str, list[dict[str, str]]]) -> list[tuple[str, str]]:
    """CloudFront's event form back to HTTP headers (`key` is optional; the dict key is the name)."""
    return [(item.get("key") or name, item["value"]) for name, items in headers.items() for item in items]


def build_event(
    request: HttpRequest, *, distribution_domain: str, distribution_id: str, request_id: str
) -> dict[str, Any]:
    """The viewer-request event of an HTTP request (harness/events/cloudfront.py)."""
    target = urlsplit(request.target)
    return viewer_request_event(
        uri=target.path,
        method=request.method,
        querystring=target.query,
        headers=request.headers,
        client_ip=request.client_ip,
        distribution_domain=distribution_domain,
        distribution_id=distribution_id,
        request_id=request_id,
    )


class EdgeResultError(ValueError):
    """The function's result is one CloudFront would reject (LambdaValidationError, 502)."""


def generated_response(result: dict[str, Any]) -> HttpResponse:
    """A response the viewer-request function generated itself."""
    try:
        status = int(result["status"])
    except (KeyError, TypeError, ValueError) as error:
        raise EdgeResultError("generated response without a valid status") from error
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("bodyEncoding") == "base64" else str(body).encode()
    if len(raw) > MAX_GENERATED_BODY:
        raise EdgeResultError(f"generated body of {len(raw)} bytes exceeds 40 KB")
    headers = result.get("headers") or {}
    for name in headers:
        if name != name.lower():
            raise EdgeResultError(f"header name {name!r} is not lower case")
    return HttpResponse(status, flat_headers(headers), raw)


def check_request(original: dict[str, Any], modified: dict[str, Any]) -> None:
    """CloudFront rejects a modified request that touches read-only headers or drops the URI."""
    if not isinstance(modified.get("uri"), str) or not modified["uri"].startswith("/"):
        raise EdgeResultError("returned request has no valid uri")
    before, after = original["headers"], modified.get("headers") or {}
    for name in READ_ONLY_HEADERS:
        if before.get(name) != after.get(name):
            raise EdgeResultError(f"read-only header {name!r} changed")


class S3Origin:
    """An S3 bucket origin reached with SigV4-signed requests (what OAI/OAC do for CloudFront)."""

    def __init__(self, endpoint: str, bucket: str, region: str, access_key: str, secret_key: str) -> None:
        self.endpoint = urlsplit(endpoint)
        self.bucket = bucket
        self.region = region
        self.credentials = Credentials(access_key, secret_key)

    def fetch(self, *, method: str, uri: str, querystring: str, headers: list[tuple[str, str]]) -> HttpResponse:
        key = unquote(uri.lstrip("/"))
        target = f"/{self.bucket}/{quote(key, safe='/~')}" + (f"?{querystring}" if querystring else "")
        url = f"{self.endpoint.scheme}://{self.endpoint.netloc}{target}"
        request = AWSRequest(method=method, url=url, headers=dict(headers))
        if method != "OPTIONS":  # a CORS preflight is anonymous, at S3 as at CloudFront
            S3SigV4Auth(self.credentials, "s3", self.region).add_auth(request)
        connection = http.client.HTTPConnection(self.endpoint.hostname, self.endpoint.port, timeout=30)
        try:
            connection.request(method, target, headers=dict(request.headers))
            response = connection.getresponse()
            body = response.read()
            passed = [(n, v) for n, v in response.getheaders() if n.lower() not in HOP_BY_HOP and n.lower() != "server"]
            return HttpResponse(response.status, passed, body)
        finally:
            connection.close()


class CloudFrontAdapter:
    """One distribution: a default cache behaviour with a viewer-request function and an S3 origin."""

    def __init__(
        self,
        edge: FunctionHost | None,
        origin: S3Origin,
        *,
        domain_name: str,
        distribution_id: str = "ELOCALSTACK0001",
        allowed_methods: Iterable[str] = ("GET", "HEAD", "OPTIONS"),
        origin_headers: Iterable[str] = ORIGIN_HEADERS,
        query_string_behavior: str = "none",
        response_headers: Iterable[tuple[str, str]] = (),
        forwarded_log: Path | None = None,
    ) -> None:
        self.edge = edge
        self.origin = origin
        self.domain_name = domain_name
        self.distribution_id = distribution_id
        self.allowed_methods = {m.upper() for m in allowed_methods}
        # CloudFront always passes Range on to the origin for byte-range requests.
        self.origin_headers = tuple(dict.fromkeys([*(h.lower() for h in origin_headers), "range"]))
        self.query_string_behavior = query_string_behavior
        self.response_headers = [(name, value) for name, value in response_headers]
        self._added_names = {name.lower() for name, _ in self.response_headers}
        self.forwarded_log = forwarded_log
        self._log_lock = threading.Lock()

    def _cf_headers(self, request_id: str) -> list[tuple[str, str]]:
        return [("Via", f"1.1 {uuid.uuid4().hex}.cloudfront.net (CloudFront)"), ("X-Amz-Cf-Id", request_id)]

    def _error(self, status: int, reason: str, request_id: str) -> HttpResponse:
        body = f"<html><body><h1>{status} ERROR</h1><p>{reason}</p></body></html>".encode()
        return HttpResponse(status, [("Content-Type", "text/html"), *self._cf_headers(request_id)], body)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode().rstrip("=")
        if request.method not in self.allowed_methods:
            return self._error(403, "This distribution is not configured to allow the HTTP request method.", request_id)
        event = build_event(
            request, distribution_domain=self.domain_name, distribution_id=self.distribution_id, request_id=request_id
        )
        # A copy: handlers usually modify the event's request in place and return it.
        original = json.loads(json.dumps(event["Records"][0]["cf"]["request"]))
        forwarded: dict[str, Any] = original
        if self.edge is not None:
            started = time.perf_counter()
            try:
                result = self.edge.invoke(event)
            except Exception as error:
                log.error("edge function failed: %s", error)
                return self._error(
                    503, "The Lambda function associated with the CloudFront distribution failed.", request_id
                )
            log.debug("edge took %.2f ms", (time.perf_counter() - started) * 1000)
            try:
                if not isinstance(result, dict):
                    raise EdgeResultError(f"result is a {type(result).__name__}")
                if "status" in result:
                    response = generated_response(result)
                    return HttpResponse(response.status, response.headers + self._cf_headers(request_id), response.body)
                check_request(original, result)
            except EdgeResultError as error:
                log.error("invalid edge result: %s", error)
                return self._error(502, "The Lambda function returned an invalid response.", request_id)
            forwarded = result
        headers = forwarded.get("headers") or {}
        to_origin = {
            "method": forwarded.get("method", request.method),
            "uri": forwarded["uri"],
            "querystring": forwarded.get("querystring", "") if self.query_string_behavior == "all" else "",
            "headers": [(name, item["value"]) for name in self.origin_headers for item in headers.get(name, [])],
        }
        self._record(request_id, forwarded, to_origin)
        response = self.origin.fetch(**to_origin)
        passed = [(name, value) for name, value in response.headers if name.lower() not in self._added_names]
        return HttpResponse(
            response.status, passed + self.response_headers + self._cf_headers(request_id), response.body
        )

    def _record(self, request_id: str, edge_output: dict[str, Any], to_origin: dict[str, Any]) -> None:
        """What left the edge and what reached the origin, for tests asserting no token does."""
        if self.forwarded_log is None:
            return
        record = {"requestId": request_id, "time": time.time(), "edge_output": edge_output, "to_origin": to_origin}
        line = json.dumps(record)
        with self._log_lock, self.forwarded_log.open("a") as sink:
            sink.write(line + "\n")


def settings_from_plan(plan: Plan) -> dict[str, Any]:
    """The distribution's cache behaviour and policies, as planned, in the adapter's terms."""
    distribution = plan.only("aws_cloudfront_distribution")
    behaviour = (distribution.values.get("default_cache_behavior") or [{}])[0]
    settings: dict[str, Any] = {"allowed_methods": behaviour.get("allowed_methods") or ["GET", "HEAD"]}
    policies = plan.of_type("aws_cloudfront_origin_request_policy")
    if len(policies) == 1:
        policy = policies[0].values
        headers = (policy.get("headers_config") or [{}])[0]
        items = ((headers.get("headers") or [{}])[0].get("items")) or []
        settings["origin_headers"] = sorted(h.lower() for h in items)
        query = (policy.get("query_strings_config") or [{}])[0]
        settings["query_string_behavior"] = query.get("query_string_behavior", "none")
    response_policies = plan.of_type("aws_cloudfront_response_headers_policy")
    if len(response_policies) == 1:
        settings["response_headers"] = response_headers(response_policies[0].values)
    return settings


def response_headers(policy: dict[str, Any]) -> list[list[str]]:
    """The headers a response headers policy's security and custom configs add."""
    security = (policy.get("security_headers_config") or [{}])[0]
    headers: list[list[str]] = []
    if security.get("content_type_options"):
        headers.append(["X-Content-Type-Options", "nosniff"])
    csp = (security.get("content_security_policy") or [{}])[0]
    if csp.get("content_security_policy"):
        headers.append(["Content-Security-Policy", csp["content_security_policy"]])
    frame = (security.get("frame_options") or [{}])[0]
    if frame.get("frame_option"):
        headers.append(["X-Frame-Options", frame["frame_option"]])
    referrer = (security.get("referrer_policy") or [{}])[0]
    if referrer.get("referrer_policy"):
        headers.append(["Referrer-Policy", referrer["referrer_policy"]])
    hsts = (security.get("strict_transport_security") or [{}])[0]
    if hsts.get("access_control_max_age_sec"):
        value = f"max-age={hsts['access_control_max_age_sec']}"
        value += "; includeSubDomains" if hsts.get("include_subdomains") else ""
        value += "; preload" if hsts.get("preload") else ""
        headers.append(["Strict-Transport-Security", value])
    for custom in (policy.get("custom_headers_config") or [{}])[0].get("items") or []:
        headers.append([custom["header"], custom["value"]])
    return headers


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="CloudFront + Lambda@Edge viewer-request adapter")
    parser.add_argument("--config", required=True, help="JSON written by `python -m stack up`")
    config = load_config(parser.parse_args(argv).config)
    function = config.get("function")
    edge = None
    if function:
        edge = FunctionHost.from_config(function, default_timeout=5)
    origin_config = config["origin"]
    origin = S3Origin(
        origin_config["endpoint"],
        origin_config["bucket"],
        origin_config.get("region", "us-east-1"),
        origin_config.get("access_key", "test"),
        origin_config.get("secret_key", "test"),
    )
    adapter = CloudFrontAdapter(
        edge,
        origin,
        domain_name=config["domain_name"],
        distribution_id=config.get("distribution_id", "ELOCALSTACK0001"),
        allowed_methods=config.get("allowed_methods", ["GET", "HEAD", "OPTIONS"]),
        origin_headers=config.get("origin_headers", ORIGIN_HEADERS),
        query_string_behavior=config.get("query_string_behavior", "none"),
        response_headers=[tuple(pair) for pair in config.get("response_headers", [])],
        forwarded_log=Path(config["forwarded_log"]) if config.get("forwarded_log") else None,
    )
    serve((config.get("host", "127.0.0.1"), config["port"]), adapter, "cloudfront")


if __name__ == "__main__":
    main()
