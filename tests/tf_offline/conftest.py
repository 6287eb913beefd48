"""Fixtures of the offline-validation tests (helpers live in tfo_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tfo_helpers import PLUGIN_STAMP, run_tool


@pytest.fixture(scope="session")
def stand_ins() -> Path:
    """The installed stand-in providers (`make tf-providers`; installed here when missing)."""
    if not PLUGIN_STAMP.exists():
        result = run_tool("providers")
        assert result.returncode == 0, result.stdout + result.stderr
        PLUGIN_STAMP.touch()
    return PLUGIN_STAMP.parent
