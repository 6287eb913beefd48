"""The reference handler must make the same decisions as ours, or the comparison is void:
each allow has its deny next to it."""

import importlib.util
import json
import shutil
import sys
import time
from pathlib import Path

import pytest

import bench
from bench.edge import download_token, edge_config, object_path, viewer_request
from bench.tokens import SigningKey


@pytest.fixture(scope="module")
def key():
    return SigningKey.generate()


@pytest.fixture(scope="module")
def config(key, edge_plan):
    return edge_config(key, edge_plan)


@pytest.fixture(scope="module")
def reference(config, tmp_path_factory):
    package = tmp_path_factory.mktemp("ref") / "reference_edge"
    package.mkdir()
    shutil.copy(Path(bench.__file__).with_name("reference_edge.py"), package / "__init__.py")
    (package / "config.json").write_text(json.dumps(config))
    spec = importlib.util.spec_from_file_location("reference_edge_under_test", package / "__init__.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def _token(key, config, **overrides):
    return download_token(key, config, object_path(config), **overrides)


def test_valid_token_passes_and_is_stripped(reference, key, config):
    result = reference.handler(viewer_request(_token(key, config), object_path(config), config), None)
    assert "status" not in result
    assert result["querystring"] == ""
    assert result["headers"]["origin"][0]["value"].startswith("https://")


def test_missing_token_is_401(reference, config):
    event = viewer_request("x", object_path(config), config)
    event["Records"][0]["cf"]["request"]["querystring"] = ""
    assert reference.handler(event, None)["status"] == "401"


@pytest.mark.parametrize(
    "overrides",
    [
        {"path": "/media/YmVuY2gtdXNlcg/ffffffffffffffffffffffffffffffff.jpg"},
        {"aud": "someone-else"},
        {"iss": "https://evil.invalid"},
        {"exp": int(time.time()) - 3600},
    ],
    ids=["other path", "wrong audience", "wrong issuer", "expired"],
)
def test_invalid_claims_are_403(reference, key, config, overrides):
    event = viewer_request(_token(key, config, **overrides), object_path(config), config)
    assert reference.handler(event, None)["status"] == "403"


def test_unknown_key_is_403(reference, config):
    stranger = SigningKey.generate()
    event = viewer_request(_token(stranger, config), object_path(config), config)
    assert reference.handler(event, None)["status"] == "403"
