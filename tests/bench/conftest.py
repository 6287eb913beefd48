"""Plans for the bench's tests: the shape `terraform show -json` gives the local example before
apply, where the root output `edge_config` is partly unknown (the KMS key's kid and pem)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# Deliberately unlike the bench's former hand-written values (and the local example's), so a
# test sees whether a value came from the plan.
PLANNED_EDGE_CONFIG: dict[str, Any] = {
    "allowed_origins": ["https://app.plan-test.example"],
    "audience": "urn:plan-test:cdn",
    "cookie_name": "img_token",
    "idp": None,
    "issuer": "urn:plan-test:upload-api",
    "keys": [{}],
    "leeway_seconds": 11,
    "query_param": "token",
    "uploads_prefix": "media/",
}
PLANNED_EDGE_UNKNOWN: dict[str, Any] = {"allowed_origins": [False], "keys": [{"kid": True, "pem": True}]}


def write_edge_plan_file(path: Path, after: dict[str, Any], unknown: dict[str, Any] | bool) -> Path:
    data = {
        "planned_values": {"outputs": {"edge_config": {"sensitive": False}}, "root_module": {}},
        "output_changes": {"edge_config": {"actions": ["create"], "after": after, "after_unknown": unknown}},
    }
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def planned_edge() -> tuple[dict[str, Any], dict[str, Any]]:
    """(the planned edge_config's known part, its after_unknown flags): copies to vary."""
    return json.loads(json.dumps(PLANNED_EDGE_CONFIG)), json.loads(json.dumps(PLANNED_EDGE_UNKNOWN))


@pytest.fixture
def write_edge_plan(tmp_path: Path) -> Callable[..., Path]:
    def write(
        after: dict[str, Any] = PLANNED_EDGE_CONFIG, unknown: dict[str, Any] | bool = PLANNED_EDGE_UNKNOWN
    ) -> Path:
        return write_edge_plan_file(tmp_path / "plan-local.json", after, unknown)

    return write


@pytest.fixture(scope="module")
def edge_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "plan-local.json"
    return write_edge_plan_file(path, PLANNED_EDGE_CONFIG, PLANNED_EDGE_UNKNOWN)
