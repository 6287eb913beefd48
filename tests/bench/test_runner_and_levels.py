import pytest

from bench.context import RUNNER
from bench.e2e import run_level


def _load_runner():
    import importlib.util

    spec = importlib.util.spec_from_file_location("handler_runner_under_test", RUNNER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


handler_runner = _load_runner()


@pytest.mark.parametrize(
    ("check", "result", "ok"),
    [
        ("edge-allow", {"uri": "/uploads/a.jpg", "method": "GET"}, True),
        ("edge-allow", {"status": "403", "body": "Forbidden"}, False),
        ("edge-allow", None, False),
        ("api-2xx", {"statusCode": 201}, True),
        ("api-2xx", {"statusCode": 429}, False),
        ("api-2xx", {}, False),
    ],
)
def test_runner_counts_only_the_expected_outcome_as_success(check, result, ok):
    assert handler_runner._ok(check, result) is ok


def test_run_level_counts_successes_and_groups_errors():
    def operation(session, n):
        if n % 2:
            raise RuntimeError("odd")

    level = run_level(operation, concurrency=2, seconds=0.05)
    assert level.concurrency == 2
    assert level.latencies_ms  # even iterations succeeded
    assert set(level.errors) == {"odd"}
    assert level.elapsed > 0


def test_run_level_numbers_every_call_once_across_threads():
    import itertools

    seen = []

    def operation(session, n):
        seen.append(n)

    numbers = itertools.count(100)
    level = run_level(operation, concurrency=4, seconds=0.05, numbers=numbers)
    assert len(seen) == len(set(seen)) == len(level.latencies_ms)
    assert sorted(seen) == list(range(100, 100 + len(seen)))
    assert next(numbers) == 100 + len(seen)  # the next level continues the same sequence
