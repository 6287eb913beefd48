"""bench/planned.py: the bench runs the upload API with the environment Terraform plans, and says
so loudly when the plan and the bench's overrides no longer fit together."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import jwt
import pytest

import bench.edge as bench_edge
from bench.edge import (
    BENCH_OBJECT,
    EDGE_CONFIG_OVERRIDES,
    _events,
    baseline_config,
    download_token,
    edge_config,
    object_path,
    viewer_request,
)
from bench.planned import PlanMissing, planned_api_environment
from bench.tokens import SigningKey

ADDRESS = "module.uploads.module.upload_api.aws_lambda_function.upload_api"


def write_plan(tmp_path: Path, variables: dict[str, Any], unknown: dict[str, bool]) -> Path:
    function = {
        "address": ADDRESS,
        "mode": "managed",
        "type": "aws_lambda_function",
        "name": "upload_api",
        "values": {"environment": [{"variables": variables}]},
    }
    data = {
        "planned_values": {
            "root_module": {
                "child_modules": [
                    {
                        "address": "module.uploads",
                        "child_modules": [{"address": "module.uploads.module.upload_api", "resources": [function]}],
                    }
                ]
            }
        },
        "resource_changes": [
            {"address": ADDRESS, "change": {"after_unknown": {"environment": [{"variables": unknown}]}}}
        ],
    }
    path = tmp_path / "plan-local.json"
    path.write_text(json.dumps(data))
    return path


PLANNED = {"BUCKET_NAME": "uploads-local", "MAX_UPLOAD_BYTES": "10485760", "USER_JWKS_URL": "http://127.0.0.1:4582/j"}


def test_planned_values_stay_and_the_overrides_apply(tmp_path: Path) -> None:
    plan = write_plan(tmp_path, PLANNED, {"SIGNING_KEY_ID": True})
    env = planned_api_environment(
        {"BUCKET_NAME": "bench-bucket", "SIGNING_KEY_ID": "key-1"},
        drop=("USER_JWKS_URL",),
        add={"USER_JWKS_JSON": "{}"},
        path=plan,
    )
    assert env == {
        "BUCKET_NAME": "bench-bucket",
        "MAX_UPLOAD_BYTES": "10485760",  # the planned contract value, not the bench's own
        "SIGNING_KEY_ID": "key-1",
        "USER_JWKS_JSON": "{}",
    }


@pytest.mark.parametrize(
    ("replace", "drop", "add", "message"),
    [
        ({}, (), {}, "SIGNING_KEY_ID is unknown in the plan and not replaced"),
        ({"SIGNING_KEY_ID": "k", "BUCKET": "b"}, (), {}, "BUCKET (replace/drop) is not planned"),
        ({"SIGNING_KEY_ID": "k"}, ("JWKS_URL",), {}, "JWKS_URL (replace/drop) is not planned"),
        ({"SIGNING_KEY_ID": "k"}, (), {"MAX_UPLOAD_BYTES": "1"}, "MAX_UPLOAD_BYTES (add) is planned already"),
    ],
)
def test_overrides_that_do_not_fit_the_plan_fail(tmp_path: Path, replace, drop, add, message) -> None:
    plan = write_plan(tmp_path, PLANNED, {"SIGNING_KEY_ID": True})
    with pytest.raises(PlanMissing, match=re.escape(message)):
        planned_api_environment(replace, drop=drop, add=add, path=plan)


def test_without_a_plan_the_message_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(PlanMissing, match="make tf-plan-json"):
        planned_api_environment({}, path=tmp_path / "missing.json")


# The edge: the bench bakes the plan's root output `edge_config`, overriding only `keys`.


def test_the_bench_bakes_the_planned_edge_config_with_only_its_key_replaced(write_edge_plan, planned_edge) -> None:
    key = SigningKey.generate()
    config = edge_config(key, write_edge_plan())
    assert EDGE_CONFIG_OVERRIDES == ("keys",)
    assert config == {**planned_edge[0], "keys": [{"kid": key.kid, "pem": key.public_pem}]}
    assert baseline_config(config) == {k: v for k, v in config.items() if k != "allowed_origins"}


def test_the_bench_tokens_and_requests_follow_the_planned_settings(write_edge_plan) -> None:
    # Issuer, audience, the token's query parameter and the uploads prefix are the plan's.
    key = SigningKey.generate()
    config = edge_config(key, write_edge_plan())
    cold, warm = _events(key, config, 1, distinct=True)
    request = cold["Records"][0]["cf"]["request"]
    name, _, token = request["querystring"].partition("=")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (name, request["uri"]) == ("token", "/media/" + BENCH_OBJECT)
    assert (claims["iss"], claims["aud"], claims["path"]) == (
        "urn:plan-test:upload-api",
        "urn:plan-test:cdn",
        request["uri"],
    )
    assert json.loads(warm[0])["Records"][0]["cf"]["request"]["uri"] == request["uri"]


def test_our_edge_allows_the_bench_request_under_the_planned_config(write_edge_plan, planned_edge) -> None:
    # Positive control and its negative: the planned configuration, parsed by the edge itself,
    # allows the bench's request; a request for the same token under a plan with another issuer
    # is refused (a fresh token: the verified-token cache is the process's).
    from edge_auth.config import parse_config
    from edge_auth.handler import authorize

    key = SigningKey.generate()
    config = edge_config(key, write_edge_plan())
    cold, _ = _events(key, config, 0, distinct=False)
    assert "status" not in authorize(cold, parse_config(config), time.time())
    other = edge_config(key, write_edge_plan({**planned_edge[0], "issuer": "urn:plan-test:other"}))
    path = object_path(config)
    event = viewer_request(download_token(key, config, path, jti="other-issuer"), path, config)
    assert authorize(event, parse_config(other), time.time())["status"] == "403"


def _unknown_issuer(after: dict[str, Any], unknown: dict[str, Any]) -> tuple[Any, Any]:
    return after, {**unknown, "issuer": True}


def _wholly_unknown(after: dict[str, Any], unknown: dict[str, Any]) -> tuple[Any, Any]:
    return after, True


def _keys_renamed(after: dict[str, Any], unknown: dict[str, Any]) -> tuple[Any, Any]:
    return {**{k: v for k, v in after.items() if k != "keys"}, "trusted_keys": after["keys"]}, {}


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        (_unknown_issuer, "issuer is unknown in the plan and not replaced"),
        (_wholly_unknown, "output.edge_config is unknown in the plan"),
        (_keys_renamed, "keys (replace/drop) is not planned"),
    ],
    ids=["a planned setting unknown", "the whole output unknown", "keys renamed away"],
)
def test_a_plan_that_no_longer_fits_the_edge_overrides_fails(write_edge_plan, planned_edge, vary, message) -> None:
    edge_config(SigningKey.generate(), write_edge_plan(*planned_edge))  # control: the plan as shaped fits
    with pytest.raises(PlanMissing, match=re.escape(message)):
        edge_config(SigningKey.generate(), write_edge_plan(*vary(*planned_edge)))


def test_without_the_edge_output_the_message_names_it(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"planned_values": {"outputs": {}}}))
    with pytest.raises(PlanMissing, match="no root output 'edge_config'"):
        edge_config(SigningKey.generate(), path)


def test_the_bench_holds_no_edge_setting_of_its_own() -> None:
    # The bench's source names no issuer, audience or query parameter value: they come from the plan.
    source = Path(bench_edge.__file__).read_text(encoding="utf-8")
    assert "ISSUER" not in source and "AUDIENCE" not in source
    assert '"authorization' not in source and '"uploads/' not in source
