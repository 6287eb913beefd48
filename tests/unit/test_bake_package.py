"""terraform/modules/edge_auth/bake_package.py: what `terraform apply` runs to bake the edge's
configuration into the built package (terraform_data.package's local-exec)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

import edge_package

CONFIG = {"issuer": "urn:test:api", "audience": "urn:test:cdn", "keys": [{"kid": "k1", "pem": "PEM"}], "idp": None}


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bake_package", edge_package.BAKE_SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A stand-in for build/lambda/edge_auth.zip: deflated entries, fixed timestamps."""
    path = tmp_path / "built.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("edge_auth/__init__.py", "edge_auth/handler.py", "jwt/__init__.py"):
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), f"# {name}\n" * 50)
    return path


def run_as_terraform(package: Path, out: Path, config: str | None) -> subprocess.CompletedProcess[str]:
    """As the local-exec runs it: interpreter + script, everything else in the environment."""
    env = {"PATH": os.environ["PATH"], "EDGE_AUTH_PACKAGE": str(package), "EDGE_AUTH_OUTPUT": str(out)}
    if config is not None:
        env["EDGE_AUTH_CONFIG"] = config
    return subprocess.run(
        [sys.executable, str(edge_package.BAKE_SCRIPT)], env=env, capture_output=True, text=True, timeout=60
    )


def test_bake_appends_the_config_and_keeps_every_built_byte(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "baked.zip"
    result = run_as_terraform(built, out, json.dumps(CONFIG))
    assert result.returncode == 0, result.stderr
    assert "headroom" in result.stdout
    with zipfile.ZipFile(built) as before, zipfile.ZipFile(out) as after:
        assert after.namelist() == [*before.namelist(), "edge_auth/config.json"]
        assert json.loads(after.read("edge_auth/config.json")) == CONFIG
        entry = after.getinfo("edge_auth/config.json")
        assert entry.compress_type == zipfile.ZIP_STORED and entry.date_time == (1980, 1, 1, 0, 0, 0)
        assert (entry.external_attr >> 16) & 0o777 == 0o644
        central_directory = before.start_dir
    # No recompression: the built entries are the same bytes, whatever zlib the applying machine has.
    assert out.read_bytes()[:central_directory] == built.read_bytes()[:central_directory]


def test_same_config_gives_the_same_bytes_and_a_changed_one_does_not(built: Path, tmp_path: Path) -> None:
    reordered = json.dumps(dict(reversed(list(CONFIG.items()))), indent=2)
    changed = json.dumps({**CONFIG, "issuer": "urn:test:other"})
    paths = []
    for name, config in (("a", json.dumps(CONFIG)), ("b", reordered), ("c", changed)):
        paths.append(edge_package.bake(json.loads(config), tmp_path / f"{name}.zip", built))
        assert run_as_terraform(built, tmp_path / f"{name}-tf.zip", config).returncode == 0
    a, b, c = (p.read_bytes() for p in paths)
    assert a == b != c
    assert (tmp_path / "a-tf.zip").read_bytes() == (tmp_path / "b-tf.zip").read_bytes() == a


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (None, "EDGE_AUTH_CONFIG is not set"),
        ("", "EDGE_AUTH_CONFIG is not set"),
        ("{not json", "EDGE_AUTH_CONFIG is not JSON"),
        ('["issuer"]', "must be a JSON object"),
    ],
)
def test_unusable_config_is_refused_without_output(built: Path, tmp_path: Path, config, message) -> None:
    out = tmp_path / "baked.zip"
    result = run_as_terraform(built, out, config)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_a_package_that_is_not_the_built_zip_is_refused(built: Path, tmp_path: Path) -> None:
    baked = edge_package.bake(CONFIG, tmp_path / "once.zip", built)
    not_a_zip = tmp_path / "stand-in.zip"
    not_a_zip.write_text("text")
    for package, message in (
        (baked, "already contains edge_auth/config.json"),
        (not_a_zip, "not a readable zip"),
        (tmp_path / "missing.zip", "run `make build` first"),
    ):
        result = run_as_terraform(package, tmp_path / "out.zip", json.dumps(CONFIG))
        assert result.returncode == 1 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
        assert not (tmp_path / "out.zip").exists()


def test_a_baked_package_over_the_lambda_at_edge_limit_is_refused_and_removed(built: Path, tmp_path: Path) -> None:
    script = load_script()
    out = tmp_path / "baked.zip"
    fits = script.bake(built, script.canonical_config(json.dumps(CONFIG)), tmp_path / "fits.zip")
    script.LIMIT_BYTES = fits - 1
    with pytest.raises(script.BakeError, match="over Lambda@Edge's"):
        script.bake(built, script.canonical_config(json.dumps(CONFIG)), out)
    assert not out.exists() and not list(tmp_path.glob("*.partial"))


def test_harness_bake_reports_the_scripts_refusal(built: Path, tmp_path: Path) -> None:
    baked = edge_package.bake(CONFIG, tmp_path / "once.zip", built)
    with pytest.raises(edge_package.BakeFailed, match="already contains"):
        edge_package.bake(CONFIG, tmp_path / "twice.zip", baked)
