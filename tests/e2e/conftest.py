"""The e2e suite runs against the local stack: reuses one that is up, else brings it up (and down)."""

from __future__ import annotations

import json

import pytest
import requests
from e2e_client import STATE_FILE, Stack, make


def _stack_is_up() -> bool:
    try:
        state = json.loads(STATE_FILE.read_text())
        requests.get(state["api_url"], timeout=2)
        requests.get(state["cdn_url"], timeout=2)
        health = requests.get(state["endpoints"]["default"] + "/_localstack/health", timeout=2)
        return health.status_code == 200
    except (OSError, ValueError, KeyError, requests.RequestException):
        return False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Resilience tests stop LocalStack or break a dependency: they run last, whatever the file order."""
    items.sort(key=lambda item: item.get_closest_marker("resilience") is not None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "resilience: stops LocalStack or injects a dependency fault (runs last)")


@pytest.fixture(scope="session")
def stack() -> Stack:
    started = False
    if not _stack_is_up():
        make("up")
        started = True
    yield Stack.load()
    if started:
        make("down")
