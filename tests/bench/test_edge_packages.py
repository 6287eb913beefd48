"""The packages the edge bench runs are real and isolated: our handler from sources (the
fallback when `make build` has not run) allows a valid token and refuses another path's,
and the runner reports refusals instead of timing them silently."""

import ctypes.util
import json
from pathlib import Path

import pytest

from bench.context import BenchContext, Sizes, run_handler
from bench.edge import (
    BENCH_OBJECT,
    OUR_HANDLER,
    REFERENCE_HANDLER,
    download_token,
    edge_config,
    object_path,
    prepare_our_package,
    prepare_reference_package,
    viewer_request,
)
from bench.tokens import SigningKey

ROOT = Path(__file__).resolve().parents[2]
HAVE_OPENSSL = ctypes.util.find_library("crypto") is not None
OTHER_OBJECT = BENCH_OBJECT.split("/")[0] + "/ffffffffffffffffffffffffffffffff.jpg"


@pytest.fixture(scope="module")
def key():
    return SigningKey.generate()


@pytest.fixture(scope="module")
def config(key, edge_plan):
    return edge_config(key, edge_plan)


@pytest.fixture
def ctx(tmp_path):
    # A root without build/: the bench must assemble the package from lambda_src + the venv.
    fake_root = tmp_path / "root"
    (fake_root / "lambda_src").mkdir(parents=True)
    for package in ("edge_auth", "objectkeys"):
        (fake_root / "lambda_src" / package).symlink_to(ROOT / "lambda_src" / package)
    return BenchContext(fake_root, tmp_path / "out", tmp_path, quick=True, sizes=Sizes.for_run(True))


def _spec(package, handler, key, config, requested=BENCH_OBJECT):
    # A token for the bench's object, presented for `requested` (another object: refused).
    token = download_token(key, config, object_path(config))
    event = viewer_request(token, object_path(config, requested), config)
    return {
        "package_dir": str(package),
        "handler": handler,
        "cold_event": event,
        "warm_events": [json.dumps(event)] * 3,
        "check": "edge-allow",
    }


def test_fallback_package_has_no_cryptography_and_our_handler_decides(ctx, key, config, tmp_path):
    package = tmp_path / "ours"
    provenance, zip_size = prepare_our_package(ctx, package, config)
    assert "make build" in provenance
    assert zip_size is None
    assert (package / "edge_auth" / "config.json").is_file()
    assert not (package / "cryptography").exists()
    assert not list(package.rglob("__pycache__"))

    allowed = run_handler(_spec(package, OUR_HANDLER, key, config), tmp_path, "allowed")
    assert allowed["failures"] == 0
    assert len(allowed["warm_ns"]) == 3

    refused = run_handler(_spec(package, OUR_HANDLER, key, config, OTHER_OBJECT), tmp_path, "refused")
    assert refused["failures"] == 4  # the cold request and the three warm ones
    assert '"403"' in refused["first_failure"]


def test_reference_package_runs_isolated_with_its_own_cryptography(key, config, tmp_path):
    package = tmp_path / "reference"
    prepare_reference_package(package, config)
    assert (package / "cryptography").is_dir()
    assert run_handler(_spec(package, REFERENCE_HANDLER, key, config), tmp_path, "ref")["failures"] == 0
    assert (
        run_handler(_spec(package, REFERENCE_HANDLER, key, config, OTHER_OBJECT), tmp_path, "ref-refused")["failures"]
        == 4
    )


def test_runner_reports_peak_rss_and_can_hide_libcrypto(ctx, key, config, tmp_path):
    package = tmp_path / "ours"
    prepare_our_package(ctx, package, config)
    for hide in (False, True):
        out = run_handler({**_spec(package, OUR_HANDLER, key, config), "hide_libcrypto": hide}, tmp_path, f"rss-{hide}")
        assert out["failures"] == 0
        assert 0 < out["peak_rss_kib_cold"] <= out["peak_rss_kib"]
        if HAVE_OPENSSL:
            assert out["imported_rsa"] is hide  # hidden libcrypto: the pure-Python backend ran


def test_the_bench_object_is_a_key_of_both_schemes():
    """Ours and the baseline must serve the same request: the bench's owner segment is accepted by
    today's key scheme and is a canonical segment of the baseline's reversible base64url one."""
    import base64

    from bench.edge import BENCH_OBJECT, BENCH_SEGMENT
    from objectkeys import parse_key

    assert parse_key(f"uploads/{BENCH_OBJECT}", "uploads/") is not None
    raw = base64.urlsafe_b64decode(BENCH_SEGMENT + "=" * (-len(BENCH_SEGMENT) % 4))
    assert base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == BENCH_SEGMENT
    assert raw.decode("utf-8")  # the old scheme decodes the segment to a UTF-8 `sub`
