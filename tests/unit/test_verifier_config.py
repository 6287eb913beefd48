"""The verifier's configuration (verifier/config.py), setting by setting: every variable the
Terraform module passes (terraform/modules/verification, local.environment) is read under its
own name, has the documented default, and a bad value is refused with a ConfigError that names
the variable. Pure: no AWS."""

from __future__ import annotations

import re

import pytest
from verifier_testkit import verifier_environment

from verifier.config import DEFAULT_CONTENT_TYPES, Config, ConfigError, from_env

REQUIRED = {"BUCKET_NAME": "uploads-bucket", "UPLOAD_TABLE": "uploads-table"}


def refused(env: dict[str, str], message: str) -> None:
    """from_env refuses env with exactly this message (a clear error, never a crash)."""
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        from_env(env)


# --- every setting under its own name -----------------------------------------------------


def test_every_setting_terraform_passes_is_read_under_its_own_name():
    env = {
        "BUCKET_NAME": "acme-uploads",
        "UPLOAD_TABLE": "acme-upload-records",
        "QUARANTINE_PREFIX": "incoming/",
        "PUBLISHED_PREFIX": "public/",
        "REJECTED_PREFIX": "refused/",
        "ALLOWED_CONTENT_TYPES": "image/png,image/gif",
        "MAX_IMAGE_PIXELS": "1234",
        "POWERTOOLS_SERVICE_NAME": "acme-verifier",
        "POWERTOOLS_METRICS_NAMESPACE": "Acme/Uploads",
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
    }
    assert from_env(env) == Config(
        bucket_name="acme-uploads",
        upload_table="acme-upload-records",
        quarantine_prefix="incoming/",
        published_prefix="public/",
        rejected_prefix="refused/",
        allowed_content_types=("image/png", "image/gif"),
        max_image_pixels=1234,
        service_name="acme-verifier",
        metrics_namespace="Acme/Uploads",
    )


def test_the_defaults_of_every_optional_setting():
    assert from_env(REQUIRED) == Config(
        bucket_name="uploads-bucket",
        upload_table="uploads-table",
        quarantine_prefix="quarantine/",
        published_prefix="uploads/",
        rejected_prefix="rejected/",
        allowed_content_types=("image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"),
        max_image_pixels=40_000_000,
        service_name="upload-verifier",
        metrics_namespace="UploadVerifier",
    )


def test_empty_or_blank_optional_settings_take_their_defaults():
    """Terraform passes every variable; an empty one means "the default", except REJECTED_PREFIX."""
    blank = {
        "ALLOWED_CONTENT_TYPES": " ",
        "MAX_IMAGE_PIXELS": "  ",
        "POWERTOOLS_SERVICE_NAME": "",
        "POWERTOOLS_METRICS_NAMESPACE": " ",
    }
    config = from_env({**REQUIRED, **blank})
    assert config.allowed_content_types == DEFAULT_CONTENT_TYPES
    assert config.max_image_pixels == 40_000_000
    assert (config.service_name, config.metrics_namespace) == ("upload-verifier", "UploadVerifier")


def test_the_harness_environment_is_usable():
    """The positive control of the refusals below: the environment the other tests run with."""
    config = from_env(verifier_environment())
    assert (config.quarantine_prefix, config.published_prefix, config.rejected_prefix) == (
        "quarantine/",
        "uploads/",
        "rejected/",
    )


# --- BUCKET_NAME, UPLOAD_TABLE: required ----------------------------------------------------


@pytest.mark.parametrize("name", ["BUCKET_NAME", "UPLOAD_TABLE"])
def test_a_required_setting_missing_is_refused_by_name(name):
    env = verifier_environment()
    del env[name]
    refused(env, f"{name} is required")


@pytest.mark.parametrize("name", ["BUCKET_NAME", "UPLOAD_TABLE"])
@pytest.mark.parametrize("value", ["", "   "])
def test_a_required_setting_empty_is_refused_by_name(name, value):
    refused(verifier_environment(**{name: value}), f"{name} is required")


def test_required_settings_are_stripped():
    config = from_env({"BUCKET_NAME": " acme-uploads ", "UPLOAD_TABLE": "\tacme-records\n"})
    assert (config.bucket_name, config.upload_table) == ("acme-uploads", "acme-records")


# --- the prefixes -----------------------------------------------------------------------------

PREFIXES = {"QUARANTINE_PREFIX": "quarantine/", "PUBLISHED_PREFIX": "uploads/", "REJECTED_PREFIX": "rejected/"}


@pytest.mark.parametrize("name", list(PREFIXES))
@pytest.mark.parametrize("value", ["q", "quarantine", "/quarantine/", "/", "a/../b/", "../b/", "a/..b/"])
def test_a_prefix_that_is_not_a_relative_folder_is_refused(name, value):
    refused(verifier_environment(**{name: value}), f"{name} must look like '{PREFIXES[name]}'")


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("QUARANTINE_PREFIX", "q/", "quarantine_prefix"),
        ("PUBLISHED_PREFIX", "p/", "published_prefix"),
        ("REJECTED_PREFIX", "r/", "rejected_prefix"),
        ("QUARANTINE_PREFIX", " in/coming/ ", "quarantine_prefix"),
    ],
)
def test_a_prefix_may_be_any_relative_folder_even_two_characters(name, value, field):
    """The positive control of the refusals above: 'q/' is the shortest prefix there is."""
    assert getattr(from_env(verifier_environment(**{name: value})), field) == value.strip()


@pytest.mark.parametrize("name", ["QUARANTINE_PREFIX", "PUBLISHED_PREFIX"])
def test_only_the_rejected_prefix_may_be_empty(name):
    assert from_env(verifier_environment(REJECTED_PREFIX="")).rejected_prefix == ""
    assert from_env(verifier_environment(REJECTED_PREFIX="  ")).rejected_prefix == ""
    refused(verifier_environment(**{name: ""}), f"{name} must look like '{PREFIXES[name]}'")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"QUARANTINE_PREFIX": "uploads/quarantine/"}, "QUARANTINE_PREFIX must not be inside PUBLISHED_PREFIX"),
        ({"PUBLISHED_PREFIX": "quarantine/public/"}, "PUBLISHED_PREFIX must not be inside QUARANTINE_PREFIX"),
        ({"REJECTED_PREFIX": "uploads/rejected/"}, "REJECTED_PREFIX must not be inside PUBLISHED_PREFIX"),
        ({"QUARANTINE_PREFIX": "rejected/q/"}, "QUARANTINE_PREFIX must not be inside REJECTED_PREFIX"),
        ({"REJECTED_PREFIX": "quarantine/"}, "REJECTED_PREFIX must not be inside QUARANTINE_PREFIX"),
    ],
)
def test_prefixes_inside_one_another_are_refused_naming_both(overrides, message):
    refused(verifier_environment(**overrides), f"{message} (or equal to it)")


def test_prefixes_that_only_share_a_beginning_are_disjoint():
    """'uploads/' does not contain 'uploads-old/': only a whole folder is inside another."""
    config = from_env(verifier_environment(QUARANTINE_PREFIX="uploads-quarantine/", REJECTED_PREFIX=""))
    assert (config.quarantine_prefix, config.published_prefix) == ("uploads-quarantine/", "uploads/")


# --- ALLOWED_CONTENT_TYPES ----------------------------------------------------------------------


def test_allowed_content_types_are_a_csv_trimmed_and_lowercased_in_order():
    config = from_env(verifier_environment(ALLOWED_CONTENT_TYPES=" Image/WebP , image/png,,IMAGE/JPEG, "))
    assert config.allowed_content_types == ("image/webp", "image/png", "image/jpeg")


@pytest.mark.parametrize("value", ["image/avif", "application/pdf", "video/mp4"])
def test_any_type_the_verifier_can_recognise_may_be_allowed_alone(value):
    """The positive control of the refusal below: not only images, every sniffable type."""
    assert from_env(verifier_environment(ALLOWED_CONTENT_TYPES=value)).allowed_content_types == (value,)


def test_only_commas_is_the_default_list():
    config = from_env(verifier_environment(ALLOWED_CONTENT_TYPES=", ,"))
    assert config.allowed_content_types == DEFAULT_CONTENT_TYPES


@pytest.mark.parametrize(
    ("value", "unknown"),
    [
        ("image/png,application/x-msdownload", ["application/x-msdownload"]),
        ("text/html, application/zip", ["application/zip", "text/html"]),
        ("image/png image/gif", ["image/png image/gif"]),
    ],
)
def test_a_type_the_verifier_cannot_recognise_is_refused_by_name(value, unknown):
    refused(
        verifier_environment(ALLOWED_CONTENT_TYPES=value),
        f"ALLOWED_CONTENT_TYPES has types the verifier cannot recognise: {unknown}",
    )


# --- MAX_IMAGE_PIXELS ---------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "pixels"), [("1", 1), (" 48 ", 48), ("1000000000000", 10**12)])
def test_max_image_pixels_from_1_to_10_to_the_12(value, pixels):
    assert from_env(verifier_environment(MAX_IMAGE_PIXELS=value)).max_image_pixels == pixels


@pytest.mark.parametrize("value", ["0", "-1", "1000000000001", "10000000000000"])
def test_max_image_pixels_outside_the_range_is_refused(value):
    refused(verifier_environment(MAX_IMAGE_PIXELS=value), "MAX_IMAGE_PIXELS must be in 1..10^12")


@pytest.mark.parametrize("value", ["many", "4e7", "40_000_000x", "1.5"])
def test_max_image_pixels_that_is_not_an_integer_is_refused(value):
    refused(verifier_environment(MAX_IMAGE_PIXELS=value), "MAX_IMAGE_PIXELS must be an integer")


# --- POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE -------------------------------------


def test_the_service_name_is_stripped():
    assert from_env(verifier_environment(POWERTOOLS_SERVICE_NAME=" acme-verifier ")).service_name == "acme-verifier"


@pytest.mark.parametrize("namespace", ["Acme", "Acme/Uploads", "a.b_c#d:e-f g", "N" * 255, "MyAWS/Uploads"])
def test_a_metrics_namespace_of_cloudwatchs_characters_is_used(namespace):
    assert from_env(verifier_environment(POWERTOOLS_METRICS_NAMESPACE=namespace)).metrics_namespace == namespace


@pytest.mark.parametrize("namespace", ["AWS/Lambda", "AWS/", "Acme*Uploads", "Acme\nUploads", "N" * 256])
def test_a_reserved_or_unusable_metrics_namespace_is_refused(namespace):
    refused(
        verifier_environment(POWERTOOLS_METRICS_NAMESPACE=namespace),
        "POWERTOOLS_METRICS_NAMESPACE must be 1-255 of A-Za-z0-9._/#:- and space, not AWS/...",
    )
