"""The function half of the Terraform -> Lambda boundary tests (tests/contract/boundaries.json).

Every boundary value Terraform accepts, the config parser accepts; every value listed as
refused, the parser refuses (and the generated contract.tftest.hcl proves Terraform refuses
it too). Each case varies one setting of an otherwise valid configuration; the unvaried
configuration is the positive control.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from lambda_testkit import api_environment, edge_config_dict, public_pem, rsa_key

from edge_auth.config import ConfigError as EdgeConfigError
from edge_auth.config import parse_config
from upload_api.config import ConfigError, from_env

TABLE = json.loads((Path(__file__).parents[1] / "contract" / "boundaries.json").read_text())


class FakeAws:
    key_arn = "arn:aws:kms:us-east-1:123456789012:key/f147afed-1c8d-40dc-ba18-98fceff50a6c"


def _cases(module: str, kind: str) -> list[Any]:
    return [
        pytest.param(spec, value, id=f"{name}={value}") for name, spec in TABLE[module].items() for value in spec[kind]
    ]


def _rendered(spec: dict[str, Any], value: Any) -> str:
    # Terraform joins lists with "," and renders numbers and bools with tostring (upload_api/main.tf).
    if spec.get("list"):
        return ",".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _api_env(spec: dict[str, Any], value: Any) -> dict[str, str]:
    overrides = {spec["env"]: _rendered(spec, value)}
    for variable, fixed in spec.get("with", {}).items():  # other inputs the entry holds fixed
        other = TABLE["upload_api"][variable]
        overrides[other["env"]] = _rendered(other, fixed)
    if spec["env"] == "USER_JWKS_URL":
        overrides["USER_JWKS_JSON"] = ""  # exactly one key source
    return api_environment(FakeAws(), **overrides)


def _edge_config(spec: dict[str, Any], value: Any) -> dict[str, Any]:
    config = edge_config_dict(public_pem(rsa_key("download")))
    config[spec["key"]] = value
    return config


def test_the_unvaried_configurations_are_valid() -> None:
    from_env(api_environment(FakeAws()))
    parse_config(edge_config_dict(public_pem(rsa_key("download"))))


@pytest.mark.parametrize(("spec", "value"), _cases("upload_api", "accepted"))
def test_api_parser_accepts_what_terraform_accepts(spec: dict[str, Any], value: Any) -> None:
    from_env(_api_env(spec, value))


@pytest.mark.parametrize(("spec", "value"), _cases("upload_api", "refused"))
def test_api_parser_refuses_the_listed_values(spec: dict[str, Any], value: Any) -> None:
    with pytest.raises(ConfigError):
        from_env(_api_env(spec, value))


@pytest.mark.parametrize(("spec", "value"), _cases("edge_auth", "accepted"))
def test_edge_parser_accepts_what_terraform_accepts(spec: dict[str, Any], value: Any) -> None:
    parse_config(_edge_config(spec, value))


@pytest.mark.parametrize(("spec", "value"), _cases("edge_auth", "refused"))
def test_edge_parser_refuses_the_listed_values(spec: dict[str, Any], value: Any) -> None:
    with pytest.raises(EdgeConfigError):
        parse_config(_edge_config(spec, value))


def test_edge_parser_refuses_an_empty_owner_claim() -> None:
    # The Terraform half: edge_auth.tftest.hcl "empty_owner_claim_is_rejected".
    config = edge_config_dict(public_pem(rsa_key("download")))
    config["idp"]["owner_claim"] = "sub"
    parse_config(config)  # positive control
    config["idp"]["owner_claim"] = ""
    with pytest.raises(EdgeConfigError):
        parse_config(config)
