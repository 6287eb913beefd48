"""Resolving a plan's unknown values through references, and outputs in `terraform output -json` form."""

import pytest

from stack.outputs import root_outputs, type_of
from stack.plan import Plan, Unresolved, most_specific, parent_module
from stack.provision import Resolver

PLAN = {
    "variables": {"bucket_name": {"value": "uploads-local"}, "max_upload_bytes": {"value": 10}},
    "planned_values": {
        "outputs": {"max_upload_bytes": {"sensitive": False, "type": "number", "value": 10}},
        "root_module": {
            "child_modules": [
                {
                    "address": "module.storage",
                    "resources": [
                        {
                            "address": "module.storage.aws_s3_bucket.uploads",
                            "mode": "managed",
                            "type": "aws_s3_bucket",
                            "name": "uploads",
                            "values": {"bucket": "uploads-local", "tags": {"a": "b"}},
                        },
                        {
                            "address": "module.storage.aws_s3_bucket_policy.uploads",
                            "mode": "managed",
                            "type": "aws_s3_bucket_policy",
                            "name": "uploads",
                            "values": {},
                        },
                    ],
                }
            ]
        },
    },
    "resource_changes": [
        {"address": "module.storage.aws_s3_bucket.uploads", "change": {"after_unknown": {"arn": True, "id": True}}},
        {
            "address": "module.storage.aws_s3_bucket_policy.uploads",
            "change": {"after_unknown": {"bucket": True, "policy": True}},
        },
    ],
    "output_changes": {
        "bucket_name": {"after_unknown": True},
        "api_url": {"after_unknown": True},
        "frontend_config": {"after": {"max_upload_bytes": 10}, "after_unknown": {"api_url": True}},
        "max_upload_bytes": {"after": 10, "after_unknown": False},
    },
    "configuration": {
        "root_module": {
            "outputs": {
                "bucket_name": {"expression": {"references": ["module.storage.bucket_name", "module.storage"]}},
                "api_url": {"expression": {"references": ["module.api.url", "module.api"]}},
                "frontend_config": {"expression": {"references": ["module.api.url", "var.max_upload_bytes"]}},
                "max_upload_bytes": {"expression": {"references": ["var.max_upload_bytes"]}},
            },
            "module_calls": {
                "storage": {
                    "expressions": {"bucket_name": {"references": ["var.bucket_name"]}},
                    "module": {
                        "outputs": {
                            "bucket_name": {
                                "expression": {"references": ["aws_s3_bucket.uploads.id", "aws_s3_bucket.uploads"]}
                            }
                        },
                        "resources": [
                            {
                                "address": "aws_s3_bucket_policy.uploads",
                                "expressions": {
                                    "bucket": {"references": ["aws_s3_bucket.uploads.id", "aws_s3_bucket.uploads"]},
                                    "policy": {"references": ["aws_s3_bucket.uploads.arn", "local.cdn_read_statement"]},
                                },
                            }
                        ],
                    },
                }
            },
        }
    },
}


@pytest.fixture
def plan() -> Plan:
    return Plan(PLAN)


def test_resources_carry_known_values_and_unknown_flags(plan) -> None:
    bucket, policy = plan.resources
    assert bucket.address == "module.storage.aws_s3_bucket.uploads"
    assert bucket.module == "module.storage"
    assert bucket.values["bucket"] == "uploads-local"
    assert bucket.is_unknown("arn")
    assert not bucket.is_unknown("bucket")
    assert policy.is_unknown("policy")


def test_direct_references_resolve_to_what_was_created(plan) -> None:
    _, policy = plan.resources
    resolver = Resolver(plan, created={"module.storage.aws_s3_bucket.uploads": {"id": "real-bucket"}})
    assert resolver.value(policy, "bucket") == "real-bucket"


def test_computed_expressions_are_reported_not_guessed(plan) -> None:
    _, policy = plan.resources
    resolver = Resolver(plan, created={"module.storage.aws_s3_bucket.uploads": {"id": "b", "arn": "arn:aws:s3:::b"}})
    with pytest.raises(Unresolved, match="computed from"):
        resolver.value(policy, "policy")


def test_a_reference_to_nothing_created_is_unresolved(plan) -> None:
    _, policy = plan.resources
    with pytest.raises(Unresolved, match="not created here"):
        Resolver(plan).value(policy, "bucket")


def test_placeholders_are_substituted_everywhere() -> None:
    resolver = Resolver(Plan({}), replacements={"fake-key-id": "real-key-id"})
    assert resolver.substitute({"a": ["x fake-key-id y"], "b": 3}) == {"a": ["x real-key-id y"], "b": 3}


def test_outputs_in_terraform_output_json_form(plan) -> None:
    resolver = Resolver(plan, created={"module.storage.aws_s3_bucket.uploads": {"id": "real-bucket"}})

    def resolve(name: str):
        expression = plan.module_config("").get("outputs", {})[name]["expression"]
        return resolver.expression("", expression, name)

    outputs = root_outputs(plan, {"api_url": "http://127.0.0.1:4580/local"}, resolve)
    assert outputs == {
        "api_url": {"sensitive": False, "type": "string", "value": "http://127.0.0.1:4580/local"},
        "bucket_name": {"sensitive": False, "type": "string", "value": "real-bucket"},
        "frontend_config": {
            "sensitive": False,
            "type": ["object", {"api_url": "string", "max_upload_bytes": "number"}],
            "value": {"api_url": "http://127.0.0.1:4580/local", "max_upload_bytes": 10},
        },
        "max_upload_bytes": {"sensitive": False, "type": "number", "value": 10},
    }


def test_helpers() -> None:
    assert most_specific(["aws_s3_bucket.uploads.id", "aws_s3_bucket.uploads"]) == ["aws_s3_bucket.uploads.id"]
    assert parent_module("module.a.module.b") == ("module.a", "b")
    assert parent_module("module.a") == ("", "a")
    assert type_of(["a", "b"]) == ["list", "string"]
    assert type_of([1, "b"]) == ["tuple", ["number", "string"]]
    assert type_of(True) == "bool"


def test_state_for_replanning_holds_planned_and_real_values() -> None:
    from stack.replan import state_for

    data = {
        "terraform_version": "1.15.5",
        "planned_values": {
            "root_module": {
                "child_modules": [
                    {
                        "address": "module.edge",
                        "resources": [
                            {
                                "address": 'module.edge.aws_iam_role.edge_auth["a"]',
                                "mode": "managed",
                                "type": "aws_iam_role",
                                "name": "edge_auth",
                                "index": "a",
                                "values": {"name": "edge-role", "tags": {}},
                            },
                            {
                                "address": "module.edge.aws_lambda_function.edge_auth",
                                "mode": "managed",
                                "type": "aws_lambda_function",
                                "name": "edge_auth",
                                "values": {"function_name": "edge"},
                            },
                        ],
                    }
                ]
            }
        },
        "configuration": {
            "provider_config": {"aws": {"full_name": "registry.terraform.io/hashicorp/aws"}},
            "root_module": {
                "module_calls": {
                    "edge": {
                        "module": {
                            "resources": [{"address": "aws_iam_role.edge_auth", "provider_config_key": "aws.us_east_1"}]
                        }
                    }
                }
            },
        },
    }
    state = state_for(
        Plan(data), {'module.edge.aws_iam_role.edge_auth["a"]': {"arn": "arn:aws:iam::000000000000:role/x"}}
    )
    assert state["version"] == 4
    (role,) = state["resources"]  # only what is known goes in: the function stays to be created
    assert role["module"] == "module.edge"
    assert role["provider"] == 'provider["registry.terraform.io/hashicorp/aws"].us_east_1'
    (instance,) = role["instances"]
    assert instance["index_key"] == "a"
    assert instance["attributes"] == {"name": "edge-role", "tags": {}, "arn": "arn:aws:iam::000000000000:role/x"}
