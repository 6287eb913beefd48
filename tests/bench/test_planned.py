"""bench/planned.py: the bench runs the upload API with the environment Terraform plans, and says
so loudly when the plan and the bench's overrides no longer fit together."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bench.planned import PlanMissing, planned_api_environment

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
