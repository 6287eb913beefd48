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
from bench.edge import AUDIENCE, ISSUER, _edge_config, viewer_request
from bench.tokens import SigningKey, download_claims

PATH = "/uploads/YmVuY2gtdXNlcg/0123456789abcdef0123456789abcdef.jpg"


@pytest.fixture(scope="module")
def key():
    return SigningKey.generate()


@pytest.fixture(scope="module")
def reference(key, tmp_path_factory):
    package = tmp_path_factory.mktemp("ref") / "reference_edge"
    package.mkdir()
    shutil.copy(Path(bench.__file__).with_name("reference_edge.py"), package / "__init__.py")
    (package / "config.json").write_text(json.dumps(_edge_config(key)))
    spec = importlib.util.spec_from_file_location("reference_edge_under_test", package / "__init__.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def _token(key, **overrides):
    claims = {**download_claims(ISSUER, AUDIENCE, "bench-user", PATH), **overrides}
    return key.sign(claims)


def test_valid_token_passes_and_is_stripped(reference, key):
    result = reference.handler(viewer_request(_token(key), PATH), None)
    assert "status" not in result
    assert result["querystring"] == ""
    assert result["headers"]["origin"][0]["value"].startswith("https://")


def test_missing_token_is_401(reference):
    event = viewer_request("x", PATH)
    event["Records"][0]["cf"]["request"]["querystring"] = ""
    assert reference.handler(event, None)["status"] == "401"


@pytest.mark.parametrize(
    "overrides",
    [
        {"path": "/uploads/YmVuY2gtdXNlcg/ffffffffffffffffffffffffffffffff.jpg"},
        {"aud": "someone-else"},
        {"iss": "https://evil.invalid"},
        {"exp": int(time.time()) - 3600},
    ],
    ids=["other path", "wrong audience", "wrong issuer", "expired"],
)
def test_invalid_claims_are_403(reference, key, overrides):
    assert reference.handler(viewer_request(_token(key, **overrides), PATH), None)["status"] == "403"


def test_unknown_key_is_403(reference):
    stranger = SigningKey.generate()
    assert reference.handler(viewer_request(_token(stranger), PATH), None)["status"] == "403"
