"""The stand-in's planning and data source rules, on a small schema."""

from __future__ import annotations

import msgpack
from tfplugin_proto import tfplugin6_5_pb2 as pb

from tf_offline import values

BLOCK = pb.Schema.Block(
    attributes=[
        pb.Schema.Attribute(name="name", type=b'"string"', required=True),
        pb.Schema.Attribute(name="arn", type=b'"string"', computed=True),
        pb.Schema.Attribute(name="region", type=b'"string"', optional=True, computed=True),
        pb.Schema.Attribute(name="tags", type=b'["map","string"]', optional=True),
        pb.Schema.Attribute(name="ids", type=b'["list","string"]', computed=True),
    ],
    block_types=[
        pb.Schema.NestedBlock(
            type_name="rule",
            nesting=pb.Schema.NestedBlock.LIST,
            block=pb.Schema.Block(
                attributes=[
                    pb.Schema.Attribute(name="days", type=b'"number"', optional=True),
                    pb.Schema.Attribute(name="id", type=b'"string"', optional=True, computed=True),
                ]
            ),
        )
    ],
)
CONFIG = {"name": "b", "arn": None, "region": None, "tags": None, "ids": None, "rule": [{"days": 1, "id": None}]}


def test_create_marks_computed_attributes_the_config_leaves_null_unknown() -> None:
    planned = values.plan_block(BLOCK, dict(CONFIG), CONFIG, creating=True)
    assert planned["name"] == "b"
    assert values.is_unknown(planned["arn"])
    assert values.is_unknown(planned["region"])
    assert planned["tags"] is None  # optional, not computed: stays null
    assert values.is_unknown(planned["rule"][0]["id"])
    assert planned["rule"][0]["days"] == 1


def test_configured_optional_computed_values_are_kept() -> None:
    config = {**CONFIG, "region": "eu-west-1"}
    planned = values.plan_block(BLOCK, dict(config), config, creating=True)
    assert planned["region"] == "eu-west-1"


def test_update_keeps_what_terraform_proposes() -> None:
    proposed = {**CONFIG, "arn": "arn:aws:s3:::b", "region": "eu-west-1", "ids": ["x"]}
    planned = values.plan_block(BLOCK, proposed, CONFIG, creating=False)
    assert planned == proposed


def test_unknown_values_survive_the_wire() -> None:
    planned = values.plan_block(BLOCK, dict(CONFIG), CONFIG, creating=True)
    decoded = values.decode(values.encode(planned))
    assert decoded["arn"] == msgpack.ExtType(0, b"")
    assert decoded["name"] == "b"


def test_data_source_values_are_all_known() -> None:
    state = values.fill_block(
        BLOCK, dict(CONFIG), lambda path, t: f"<{path}>" if t == "string" else values.zero_value(t)
    )
    assert state["arn"] == "<arn>"
    assert state["ids"] == []
    assert state["rule"][0]["id"] == "<rule.id>"
    assert state["tags"] is None


def test_zero_values() -> None:
    assert values.zero_value("number") == 0
    assert values.zero_value(["set", "string"]) == []
    assert values.zero_value(["object", {"a": "bool", "b": ["map", "number"]}]) == {"a": False, "b": {}}
    assert values.zero_value("dynamic") is None


def test_kms_public_key_placeholder_is_a_real_pem() -> None:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    from tf_offline.provider import Placeholders

    fill = Placeholders("aws_kms_public_key", {"key_id": "1234abcd-12ab-34cd-56ef-1234567890ab"}, "eu-west-1")
    pem = fill("public_key_pem", "string")
    assert load_pem_public_key(pem.encode()).key_size == 2048
    assert fill("arn", "string").startswith("arn:aws:kms:eu-west-1:000000000000:key/1234abcd")
    assert fill("some_other_attribute", "string") == "stand-in:aws_kms_public_key.some_other_attribute"


def test_stored_state_loses_what_the_schema_does_not_have() -> None:
    stored = {"name": "b", "arn": "a", "gone": 1, "rule": [{"days": 1, "id": "r", "old": True}]}
    assert values.conform(BLOCK, stored) == {"name": "b", "arn": "a", "rule": [{"days": 1, "id": "r"}]}
