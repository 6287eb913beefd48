"""The rebuilt schemas: facts checked against the providers' documented schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tf_offline.cdktf_schema import build_provider_schema, has_dynamic
from tf_offline.providers import PINS, SCHEMA_JSON, fetch, to_proto


@pytest.fixture(scope="module")
def aws(stand_ins: Path) -> dict[str, Any]:
    return json.loads(SCHEMA_JSON.read_text())["provider_schemas"]["registry.terraform.io/hashicorp/aws"]


def _attrs(block: dict[str, Any]) -> dict[str, Any]:
    return block.get("attributes", {})


def test_archive_file_matches_the_archive_provider() -> None:
    pin = next(p for p in PINS if p.name == "archive")
    schema, unknown = build_provider_schema(fetch(pin))
    assert unknown == []
    block = schema["data_source_schemas"]["archive_file"]["block"]
    attrs = _attrs(block)
    assert attrs["type"] == {"type": "string", "required": True, "description_kind": "plain"}
    assert attrs["output_path"]["required"] is True
    assert attrs["output_size"] == {"type": "number", "computed": True, "description_kind": "plain"}
    assert attrs["excludes"]["type"] == ["set", "string"]
    source = block["block_types"]["source"]
    assert source["nesting_mode"] == "set"
    assert {n for n, a in _attrs(source["block"]).items() if a.get("required")} == {"content", "filename"}
    assert "archive_file" in schema["resource_schemas"]


def test_s3_bucket(aws: dict[str, Any]) -> None:
    block = aws["resource_schemas"]["aws_s3_bucket"]["block"]
    attrs = _attrs(block)
    assert attrs["arn"] == {"type": "string", "computed": True, "description_kind": "plain"}
    assert attrs["bucket"]["optional"] and attrs["bucket"]["computed"]
    assert attrs["force_destroy"]["type"] == "bool"
    assert attrs["tags"]["type"] == ["map", "string"]
    logging = block["block_types"]["logging"]
    assert (logging["nesting_mode"], logging.get("max_items")) == ("list", 1)
    assert block["block_types"]["timeouts"]["nesting_mode"] == "single"


def test_required_blocks_and_sets_of_blocks(aws: dict[str, Any]) -> None:
    cf = aws["resource_schemas"]["aws_cloudfront_distribution"]["block"]["block_types"]
    assert (cf["default_cache_behavior"]["min_items"], cf["default_cache_behavior"]["max_items"]) == (1, 1)
    assert (cf["origin"]["nesting_mode"], cf["origin"]["min_items"]) == ("set", 1)
    behavior = cf["default_cache_behavior"]["block"]
    assert behavior["block_types"]["lambda_function_association"]["nesting_mode"] == "set"
    assert _attrs(behavior)["viewer_protocol_policy"]["required"] is True


def test_computed_only_nested_objects_are_attributes(aws: dict[str, Any]) -> None:
    attrs = _attrs(aws["resource_schemas"]["aws_cloudfront_distribution"]["block"])
    kind, obj = attrs["trusted_signers"]["type"]
    assert kind == "list"
    assert obj[0] == "object"
    assert obj[1]["enabled"] == "bool"


def test_data_sources_and_provider(aws: dict[str, Any]) -> None:
    kms = _attrs(aws["data_source_schemas"]["aws_kms_public_key"]["block"])
    assert kms["key_id"]["required"] is True
    assert kms["public_key_pem"]["computed"] is True
    provider = aws["provider"]["block"]
    assert "region" in _attrs(provider)
    assert "alias" not in _attrs(provider)  # a meta-argument, not provider schema
    assert {"assume_role", "default_tags", "endpoints"} <= set(provider["block_types"])


def test_schema_is_acceptable_to_terraform_core(aws: dict[str, Any]) -> None:
    """Rules Terraform's schema validation enforces (it refuses the whole provider otherwise)."""

    def walk(block: dict[str, Any], where: str) -> None:
        for name, attr in _attrs(block).items():
            flags = (attr.get("required", False), attr.get("optional", False), attr.get("computed", False))
            assert flags in {(True, False, False), (False, True, False), (False, False, True), (False, True, True)}, (
                f"{where}.{name}"
            )
        for name, bt in block.get("block_types", {}).items():
            if bt["nesting_mode"] == "set":
                assert not has_dynamic(bt["block"]), f"{where}.{name}"
            walk(bt["block"], f"{where}.{name}")

    for kind in ("resource_schemas", "data_source_schemas"):
        for name, schema in aws[kind].items():
            walk(schema["block"], name)


def test_protocol_schema_round_trips(aws: dict[str, Any]) -> None:
    response = to_proto({**aws, "resource_schemas": {"aws_s3_bucket": aws["resource_schemas"]["aws_s3_bucket"]}})
    block = response.resource_schemas["aws_s3_bucket"].block
    arn = next(a for a in block.attributes if a.name == "arn")
    assert (arn.type, arn.computed, arn.optional) == (b'"string"', True, False)
    logging = next(b for b in block.block_types if b.type_name == "logging")
    assert logging.max_items == 1


def test_schema_build_is_reproducible() -> None:
    pin = next(p for p in PINS if p.name == "archive")
    first = to_proto(build_provider_schema(fetch(pin))[0]).SerializeToString(deterministic=True)
    second = to_proto(build_provider_schema(fetch(pin))[0]).SerializeToString(deterministic=True)
    assert first == second
