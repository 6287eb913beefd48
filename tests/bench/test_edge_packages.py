"""The packages the edge bench runs are real and isolated: our handler from sources (the
fallback when `make build` has not run) allows a valid token and refuses another path's,
and the runner reports refusals instead of timing them silently."""

import ctypes.util
import json
from pathlib import Path

import pytest

from bench.context import BenchContext, Sizes, run_handler
from bench.edge import (
    AUDIENCE,
    ISSUER,
    OUR_HANDLER,
    REFERENCE_HANDLER,
    _edge_config,
    prepare_our_package,
    prepare_reference_package,
    viewer_request,
)
from bench.tokens import SigningKey, download_claims

ROOT = Path(__file__).resolve().parents[2]
HAVE_OPENSSL = ctypes.util.find_library("crypto") is not None
PATH = "/uploads/YmVuY2gtdXNlcg/0123456789abcdef0123456789abcdef.jpg"
OTHER = "/uploads/YmVuY2gtdXNlcg/ffffffffffffffffffffffffffffffff.jpg"


@pytest.fixture(scope="module")
def key():
    return SigningKey.generate()


@pytest.fixture
def ctx(tmp_path):
    # A root without build/: the bench must assemble the package from lambda_src + the venv.
    fake_root = tmp_path / "root"
    (fake_root / "lambda_src").mkdir(parents=True)
    for package in ("edge_auth", "objectkeys"):
        (fake_root / "lambda_src" / package).symlink_to(ROOT / "lambda_src" / package)
    return BenchContext(fake_root, tmp_path / "out", tmp_path, quick=True, sizes=Sizes.for_run(True))


def _spec(package, handler, key, path):
    token = key.sign(download_claims(ISSUER, AUDIENCE, "bench-user", PATH))
    event = viewer_request(token, path)
    return {
        "package_dir": str(package),
        "handler": handler,
        "cold_event": event,
        "warm_events": [json.dumps(event)] * 3,
        "check": "edge-allow",
    }


def test_fallback_package_has_no_cryptography_and_our_handler_decides(ctx, key, tmp_path):
    package = tmp_path / "ours"
    provenance, zip_size = prepare_our_package(ctx, package, _edge_config(key))
    assert "make build" in provenance
    assert zip_size is None
    assert (package / "edge_auth" / "config.json").is_file()
    assert not (package / "cryptography").exists()
    assert not list(package.rglob("__pycache__"))

    allowed = run_handler(_spec(package, OUR_HANDLER, key, PATH), tmp_path, "allowed")
    assert allowed["failures"] == 0
    assert len(allowed["warm_ns"]) == 3

    refused = run_handler(_spec(package, OUR_HANDLER, key, OTHER), tmp_path, "refused")
    assert refused["failures"] == 4  # the cold request and the three warm ones
    assert '"403"' in refused["first_failure"]


def test_reference_package_runs_isolated_with_its_own_cryptography(key, tmp_path):
    package = tmp_path / "reference"
    prepare_reference_package(package, _edge_config(key))
    assert (package / "cryptography").is_dir()
    assert run_handler(_spec(package, REFERENCE_HANDLER, key, PATH), tmp_path, "ref")["failures"] == 0
    assert run_handler(_spec(package, REFERENCE_HANDLER, key, OTHER), tmp_path, "ref-refused")["failures"] == 4


def test_runner_reports_peak_rss_and_can_hide_libcrypto(ctx, key, tmp_path):
    package = tmp_path / "ours"
    prepare_our_package(ctx, package, _edge_config(key))
    for hide in (False, True):
        out = run_handler({**_spec(package, OUR_HANDLER, key, PATH), "hide_libcrypto": hide}, tmp_path, f"rss-{hide}")
        assert out["failures"] == 0
        assert 0 < out["peak_rss_kib_cold"] <= out["peak_rss_kib"]
        if HAVE_OPENSSL:
            assert out["imported_rsa"] is hide  # hidden libcrypto: the pure-Python backend ran
