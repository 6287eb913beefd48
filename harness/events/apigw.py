"""API Gateway REST API (payload format 1.0) Lambda proxy integration input event.

The shape is AWS's "Input format of a Lambda function for proxy integration" (API Gateway
Developer Guide); tests/events/apigw_rest_proxy.json is that sample, and the tests compare.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

ACCOUNT_ID = "000000000000"


def multi(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Name -> every value in order (API Gateway's multiValue* form)."""
    result: dict[str, list[str]] = {}
    for name, value in pairs:
        result.setdefault(name, []).append(value)
    return result


def rest_proxy_event(
    *,
    method: str,
    path: str,
    resource: str,
    stage: str,
    headers: Iterable[tuple[str, str]] = (),
    query: Iterable[tuple[str, str]] = (),
    path_parameters: dict[str, str] | None = None,
    body: str | None = None,
    is_base64: bool = False,
    source_ip: str = "127.0.0.1",
    api_id: str = "local",
    account_id: str = ACCOUNT_ID,
    request_id: str | None = None,
    extended_request_id: str | None = None,
    resource_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The v1 proxy event: single-value maps keep the last value, as API Gateway does; empty maps are null."""
    now = now or datetime.now(UTC)
    multi_headers = multi(headers)
    multi_query = multi(query)
    lower = {name.lower(): values[-1] for name, values in multi_headers.items()}
    host = lower.get("host", "127.0.0.1")
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": account_id,
            "apiId": api_id,
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "extendedRequestId": extended_request_id or base64.b32encode(uuid.uuid4().bytes)[:16].decode(),
            "httpMethod": method,
            "identity": {
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "sourceIp": source_ip,
                "user": None,
                "userAgent": lower.get("user-agent"),
                "userArn": None,
            },
            "path": f"/{stage}{path}",
            "protocol": "HTTP/1.1",
            "requestId": request_id or str(uuid.uuid4()),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "resourceId": resource_id or format(abs(hash(resource)) % 0xFFFFFF, "06x"),
            "resourcePath": resource,
            "stage": stage,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }
