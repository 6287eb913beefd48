"""How `stack up` reads the plan: the function's environment, the CDN's policies, the edge's config."""

import pytest

from stack.orchestrate import StackError, api_environment, edge_config
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


def test_the_environment_is_the_planned_one_with_only_the_overrides_replaced() -> None:
    planned = {"BUCKET_NAME": "b", "SIGNING_KEY_ID": "key-1", "CDN_URL": "https://d1.cloudfront.net"}
    plan = _function(planned, {})
    env = api_environment(plan.resources[0], Resolver(plan), {"CDN_URL": "http://cdn", "NOT_PLANNED": "x"})
    # The override replaces the planned value; an override the plan has no variable for adds nothing.
    assert env == {"BUCKET_NAME": "b", "SIGNING_KEY_ID": "key-1", "CDN_URL": "http://cdn"}


def test_an_unknown_entry_with_an_override_is_filled() -> None:
    plan = _function({"BUCKET_NAME": "b"}, {"CDN_URL": True})
    env = api_environment(plan.resources[0], Resolver(plan), {"CDN_URL": "http://cdn"})
    assert env == {"BUCKET_NAME": "b", "CDN_URL": "http://cdn"}


def test_an_unknown_entry_without_an_override_stops_the_stack() -> None:
    # No variable-name contract: what the plan does not know is an error, not a guess.
    plan = _function({"CDN_URL": "https://d1"}, {"BUCKET_NAME": True})
    with pytest.raises(StackError, match="BUCKET_NAME"):
        api_environment(plan.resources[0], Resolver(plan), {"CDN_URL": "http://cdn"})


PLANNED_CONFIG = {
    "issuer": "urn:iss",
    "audience": "urn:aud",
    "keys": [{"kid": "key-1", "pem": "STAND-IN PLACEHOLDER"}, {"kid": "old", "pem": "OLD"}],
    "query_param": "authorization",
    "cookie_name": "cdn_token",
    "leeway_seconds": 10,
    "uploads_prefix": "uploads/",
    "idp": None,
}


def _with_output(value, unknown=False) -> Plan:
    data = {"planned_values": {"outputs": {}}, "output_changes": {"edge_config": {"after_unknown": unknown}}}
    if value is not None:
        data["planned_values"]["outputs"]["edge_config"] = {"sensitive": False, "value": value}
    return Plan(data)


def test_edge_config_is_the_planned_output_with_the_real_signing_key() -> None:
    config = edge_config(_with_output(PLANNED_CONFIG), "key-1", "REAL PEM")
    assert config == {**PLANNED_CONFIG, "keys": [{"kid": "key-1", "pem": "REAL PEM"}, {"kid": "old", "pem": "OLD"}]}


def test_edge_config_unknown_pem_of_the_signing_key_is_filled() -> None:
    value = {**PLANNED_CONFIG, "keys": [{"kid": "key-1"}, {"kid": "old", "pem": "OLD"}]}
    unknown = {"keys": [{"pem": True}, {}]}
    config = edge_config(_with_output(value, unknown), "key-1", "REAL PEM")
    assert config["keys"][0] == {"kid": "key-1", "pem": "REAL PEM"}


def test_edge_config_unknown_pem_of_another_key_stops_the_stack() -> None:
    value = {**PLANNED_CONFIG, "keys": [{"kid": "key-1", "pem": "P"}, {"kid": "old"}]}
    with pytest.raises(StackError, match=r"keys\[1\]\.pem"):
        edge_config(_with_output(value, {"keys": [{}, {"pem": True}]}), "key-1", "REAL PEM")


def test_edge_config_that_does_not_trust_the_signing_key_stops_the_stack() -> None:
    with pytest.raises(StackError, match="does not trust"):
        edge_config(_with_output(PLANNED_CONFIG), "another-key", "REAL PEM")


def test_edge_config_unknown_in_the_plan_stops_the_stack() -> None:
    with pytest.raises(StackError, match="unknown"):
        edge_config(_with_output(None, True), "key-1", "REAL PEM")
    with pytest.raises(StackError, match=r"\['issuer'\]"):
        edge_config(_with_output(PLANNED_CONFIG, {"issuer": True}), "key-1", "REAL PEM")


def test_a_plan_without_the_edge_config_output_stops_the_stack() -> None:
    with pytest.raises(StackError, match="no root output 'edge_config'"):
        edge_config(Plan({}), "key-1", "REAL PEM")
