"""No tool constrains what a Lambda ships (issue 13, item 16).

The development tools that pinned old releases (the offline Terraform toolchain's
hc-go-plugin-server pins cryptography<42) live in environments of their own
(requirements/tf-offline.txt, localstack.txt, checkov.txt). The project's .venv lock holds none
of them, each Lambda's requirement file pins what the unit tests run against, and each file
is a closed, consistent set on its own: pip resolves it, with nothing else installed and from
the wheel cache only, to exactly the versions it pins.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "requirements"
LAMBDA_FILES = sorted(REQUIREMENTS.glob("lambda-*.txt"))
WHEELS = ROOT / "build" / "lambda" / ".wheels"
# The Lambda runtime build_lambda.py targets (packaging/build_lambda.py PLATFORM_ARGS).
PLATFORM = ["--platform=manylinux2014_x86_64", "--python-version=3.13", "--implementation=cp", "--only-binary=:all:"]


def _norm(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[_norm(name.split("[", 1)[0])] = version.strip()
    return pins


def _names(path: Path) -> set[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return {_norm(line.split("[", 1)[0].split("=", 1)[0]) for line in lines if line}


def test_the_dev_lock_holds_no_tool_only_package() -> None:
    tool_only = _names(REQUIREMENTS / "tf-offline.in") - _names(REQUIREMENTS / "dev.in")
    assert tool_only >= {"grpcio", "msgpack", "tfplugin-proto-all", "hc-go-plugin-server"}
    assert not tool_only & set(_pins(REQUIREMENTS / "dev.lock"))


@pytest.mark.parametrize("requirements", LAMBDA_FILES, ids=lambda p: p.name)
def test_lambda_pins_are_what_the_unit_tests_run(requirements: Path) -> None:
    lock = _pins(REQUIREMENTS / "dev.lock")
    pins = _pins(requirements)
    assert pins
    assert {name: lock.get(name) for name in pins} == pins


@pytest.mark.parametrize("requirements", LAMBDA_FILES, ids=lambda p: p.name)
def test_lambda_requirements_resolve_on_their_own_to_their_pins(requirements: Path, tmp_path: Path) -> None:
    if not any(WHEELS.glob("*.whl")):
        pytest.fail(f"{WHEELS} holds no wheels: run `make build` first")
    report = tmp_path / "report.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--no-index",
            f"--find-links={WHEELS}",
            *PLATFORM,
            f"--target={tmp_path / 'target'}",
            f"--report={report}",
            "--quiet",
            "-r",
            str(requirements),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    installs = json.loads(report.read_text())["install"]
    resolved = {_norm(i["metadata"]["name"]): i["metadata"]["version"] for i in installs}
    assert resolved == _pins(requirements)
