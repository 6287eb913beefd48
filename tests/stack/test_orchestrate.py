"""How `stack up` reads the plan: the function's environment, the CDN's policies, the edge's config."""

import pytest

from stack.orchestrate import StackError, api_environment, cdn_settings, edge_config, response_headers
from stack.plan import Plan
from stack.provision import Resolver


def _plan(resources, changes=None, variables=None, configuration=None) -> Plan:
    return Plan(
        {
            "variables": variables or {},
            "planned_values": {"root_module": {"resources": resources}},
            "resource_changes": changes or [],
            "configuration": configuration or {"root_module": {}},
        }
    )


def _function(env: dict, unknown: dict) -> Plan:
    resource = {
        "address": "aws_lambda_function.api",
        "mode": "managed",
        "type": "aws_lambda_function",
        "name": "api",
        "values": {"handler": "upload_api.handler.handler", "environment": [{"variables": env}]},
    }
    change = {
        "address": "aws_lambda_function.api",
        "change": {"after_unknown": {"environment": [{"variables": unknown}]}},
    }
    return _plan([resource], [change])


def test_unknown_environment_entries_come_from_the_contract() -> None:
    planned = {"UPLOAD_PREFIX": "uploads/", "MAX_UPLOAD_BYTES": "10", "CDN_URL": "https://d1.cloudfront.net"}
    plan = _function(planned, {"SIGNING_KEY_ID": True})
    env = api_environment(plan.resources[0], Resolver(plan), {"SIGNING_KEY_ID": "key-1", "CDN_URL": "http://cdn"})
    assert env == {
        "UPLOAD_PREFIX": "uploads/",
        "MAX_UPLOAD_BYTES": "10",
        "SIGNING_KEY_ID": "key-1",
        "CDN_URL": "http://cdn",
    }


def test_an_unknown_entry_outside_the_contract_stops_the_stack() -> None:
    plan = _function({}, {"SOMETHING_ELSE": True})
    with pytest.raises(StackError, match="SOMETHING_ELSE"):
        api_environment(plan.resources[0], Resolver(plan), {"CDN_URL": "http://cdn"})


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
    assert cdn_settings(plan) == {
        "allowed_methods": ["GET", "HEAD"],
        "origin_headers": ["access-control-request-method", "origin"],
        "query_string_behavior": "none",
    }


def test_response_headers_policy() -> None:
    policy = {
        "security_headers_config": [
            {
                "content_type_options": [{"override": True}],
                "frame_options": [{"frame_option": "DENY"}],
                "referrer_policy": [{"referrer_policy": "no-referrer"}],
                "strict_transport_security": [{"access_control_max_age_sec": 60, "include_subdomains": True}],
            }
        ],
        "custom_headers_config": [{"items": [{"header": "X-Extra", "value": "1"}]}],
    }
    assert response_headers(policy) == [
        ["X-Content-Type-Options", "nosniff"],
        ["X-Frame-Options", "DENY"],
        ["Referrer-Policy", "no-referrer"],
        ["Strict-Transport-Security", "max-age=60; includeSubDomains"],
        ["X-Extra", "1"],
    ]


def test_edge_config_trusts_what_the_api_mints_with_the_real_key() -> None:
    edge = {
        "address": "module.edge.aws_lambda_function.edge_auth",
        "mode": "managed",
        "type": "aws_lambda_function",
        "name": "edge_auth",
        "values": {"handler": "edge_auth.handler.handler"},
    }
    plan = Plan(
        {
            "variables": {"additional_trusted_keys": {"value": [{"kid": "old", "pem": "OLD"}]}},
            "planned_values": {"root_module": {"child_modules": [{"address": "module.edge", "resources": [edge]}]}},
            "configuration": {
                "root_module": {
                    "module_calls": {
                        "edge": {
                            "expressions": {"leeway_seconds": {"constant_value": 10}},
                            "module": {"variables": {"query_param": {"default": "authorization"}}},
                        }
                    }
                }
            },
        }
    )
    env = {
        "DOWNLOAD_TOKEN_ISSUER": "urn:iss",
        "DOWNLOAD_TOKEN_AUDIENCE": "urn:aud",
        "SIGNING_KEY_ID": "key-1",
        "UPLOAD_PREFIX": "uploads/",
        "USER_JWT_ISSUER": "http://idp",
        "USER_JWT_AUDIENCE": "app",
    }
    config = edge_config(plan, Resolver(plan), plan.resources[0], env, "PEM")
    assert config == {
        "issuer": "urn:iss",
        "audience": "urn:aud",
        "keys": [{"kid": "key-1", "pem": "PEM"}, {"kid": "old", "pem": "OLD"}],
        "query_param": "authorization",
        "cookie_name": "cdn_token",
        "leeway_seconds": 10,
        "uploads_prefix": "uploads/",
        "idp": None,
    }
