"""CloudFront Lambda@Edge viewer-request event.

The shape is AWS's "Example viewer request" (Lambda@Edge event structure, CloudFront
Developer Guide); tests/events/cloudfront_viewer_request.json is that sample.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def cf_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, list[dict[str, str]]]:
    """HTTP headers in CloudFront's event form: lower-case name -> [{key, value}, ...]."""
    result: dict[str, list[dict[str, str]]] = {}
    for name, value in pairs:
        result.setdefault(name.lower(), []).append({"key": name, "value": value})
    return result


def viewer_request_event(
    *,
    uri: str,
    method: str = "GET",
    querystring: str = "",
    headers: Iterable[tuple[str, str]] = (),
    client_ip: str = "127.0.0.1",
    distribution_domain: str,
    distribution_id: str,
    request_id: str,
) -> dict[str, Any]:
    """One viewer-request record: `config` and `request` (no body: viewer requests carry none here)."""
    return {
        "Records": [
            {
                "cf": {
                    "config": {
                        "distributionDomainName": distribution_domain,
                        "distributionId": distribution_id,
                        "eventType": "viewer-request",
                        "requestId": request_id,
                    },
                    "request": {
                        "clientIp": client_ip,
                        "headers": cf_headers(headers),
                        "method": method,
                        "querystring": querystring,
                        "uri": uri,
                    },
                }
            }
        ]
    }
