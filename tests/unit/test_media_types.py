"""Active content: which types need the opt-in, and that Terraform classifies them the same way."""

import re
from pathlib import Path

import pytest
from lambda_testkit import api_environment

from upload_api.config import ConfigError, from_env
from upload_api.media_types import ACTIVE_CONTENT_PATTERN, EXTENSIONS, is_active

VARIABLES_TF = Path(__file__).parents[2] / "terraform" / "modules" / "upload_api" / "variables.tf"

ACTIVE = [
    "text/html",
    "TEXT/HTML",
    "text/html; charset=utf-8",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
    "application/xml-dtd",
    "application/rss+xml",
    "application/atom+xml",
    "application/xslt+xml",
    "application/mathml+xml",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "application/ecmascript",
    "text/vbscript",
    "application/x-shockwave-flash",
]
PASSIVE = [
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/avif",
    "image/heic",
    "application/pdf",
    "video/mp4",
    "text/plain",
    "application/json",
    "application/octet-stream",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text/csv",
]


class FakeAws:
    key_arn = "arn:aws:kms:us-east-1:123456789012:key/f147afed-1c8d-40dc-ba18-98fceff50a6c"


@pytest.mark.parametrize("content_type", ACTIVE)
def test_active_types_are_recognised(content_type: str) -> None:
    assert is_active(content_type)


@pytest.mark.parametrize("content_type", PASSIVE)
def test_passive_types_are_not(content_type: str) -> None:
    assert not is_active(content_type)


def test_the_only_active_type_the_function_knows_today_is_svg() -> None:
    # A new active type in EXTENSIONS is caught by the shape rule, not by this list.
    assert [t for t in EXTENSIONS if is_active(t)] == ["image/svg+xml"]


def test_terraform_uses_the_same_pattern() -> None:
    # The HCL string literal in upload_api's validation, unescaped, is the Python pattern:
    # one classification on both sides of the boundary.
    literals = re.findall(r'regex\("((?:[^"\\]|\\.)*)", t\)', VARIABLES_TF.read_text())
    assert [lit.replace("\\\\", "\\") for lit in literals] == [ACTIVE_CONTENT_PATTERN]


def test_svg_needs_the_opt_in() -> None:
    with pytest.raises(ConfigError, match="ALLOW_ACTIVE_CONTENT"):
        from_env(api_environment(FakeAws(), ALLOWED_CONTENT_TYPES="image/png,image/svg+xml"))
    config = from_env(
        api_environment(FakeAws(), ALLOWED_CONTENT_TYPES="image/png,image/svg+xml", ALLOW_ACTIVE_CONTENT="true")
    )
    assert config.allow_active_content
    assert config.allowed_content_types == ("image/png", "image/svg+xml")


def test_the_default_is_no_active_content() -> None:
    config = from_env(api_environment(FakeAws()))
    assert not config.allow_active_content
    assert not any(is_active(t) for t in config.allowed_content_types)


@pytest.mark.parametrize("raw", ["yes", "1", "True", "on"])
def test_the_opt_in_is_terraforms_tostring_of_a_bool_only(raw: str) -> None:
    with pytest.raises(ConfigError, match="ALLOW_ACTIVE_CONTENT"):
        from_env(api_environment(FakeAws(), ALLOW_ACTIVE_CONTENT=raw))
