"""The upload API's cold starts through the local stack's Lambda runtime (bench/api.py with
bench/runtime_cold.py): new awslambdaric workers with the planned handler, memory size and timeout,
and the environment the bench gives them (its own emulators), never the local stack's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.api import answered_2xx, runtime_cold_figures
from bench.planned import PlanMissing, PlannedFunction, planned_api_function
from bench.results import Section
from bench.runtime_cold import RuntimeColdStartError, runtime_cold_starts
from stack.lambda_host import runtime_python
from tests.bench.test_planned import write_plan

BENCH_EMULATOR = "http://127.0.0.1:45999"  # what the bench's own LocalStack would be
# Answers 201 only when the worker's environment points at the bench's emulator and holds the
# planned memory size; 500 otherwise (as the API does when it cannot reach its AWS services).
FAKE_API = f"""
import os

def handler(event, context):
    ok = os.environ.get("AWS_ENDPOINT_URL") == {BENCH_EMULATOR!r} and event.get("path") == "/uploads"
    return {{"statusCode": 201 if ok else 500, "body": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]}}
"""


@pytest.fixture(scope="module", autouse=True)
def _runtime() -> None:
    try:
        runtime_python()
    except RuntimeError as exc:
        pytest.fail(str(exc))


def _package(directory: Path, source: str = FAKE_API) -> Path:
    directory.mkdir(parents=True)
    (directory / "fakeapi.py").write_text(source)
    return directory


def _plan(tmp_path: Path, **values: Any) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = write_plan(tmp_path, {"BUCKET_NAME": "b"}, {})
    data = json.loads(path.read_text())
    function = data["planned_values"]["root_module"]["child_modules"][0]["child_modules"][0]["resources"][0]
    function["values"].update(values)
    path.write_text(json.dumps(data))
    return path


def _figures(section: Section) -> dict[str, Any]:
    return {figure.key.removeprefix("api."): figure for figure in section.figures}


SPECS = {"/uploads": {"cold_event": {"path": "/uploads"}, "environment": {"AWS_ENDPOINT_URL": BENCH_EMULATOR}}}


def test_the_planned_handler_memory_and_timeout_are_read_from_the_plan(tmp_path: Path) -> None:
    plan = _plan(tmp_path, handler="upload_api.handler.handler", memory_size=256, timeout=10)
    assert planned_api_function(plan) == PlannedFunction("upload_api.handler.handler", 256, 10)
    with pytest.raises(PlanMissing, match="memory_size"):
        planned_api_function(_plan(tmp_path / "bare"))


def test_ours_and_the_baseline_are_measured_in_workers_with_the_planned_settings(tmp_path: Path) -> None:
    plan = _plan(tmp_path, handler="fakeapi.handler", memory_size=192, timeout=5)
    packages = {"ours": _package(tmp_path / "ours"), "baseline": _package(tmp_path / "baseline")}
    section = Section("api", "test")
    runtime_cold_figures(section, SPECS, packages, work=tmp_path / "work", count=2, plan=plan)
    figures = _figures(section)
    for who in ("ours", "baseline"):
        cold = figures[f"uploads.cold_runtime.{who}.p50"]
        assert cold.value is not None and cold.value > 0, cold.note
        assert "192 MB, median of 2" in cold.label
        assert 0 < figures[f"uploads.cold_runtime.{who}.init_p50"].value <= cold.value
        assert figures[f"uploads.cold_runtime.{who}.max_memory"].value > 0
    assert figures["uploads.cold_runtime.ratio_ours_vs_baseline"].value > 0
    # The worker's log is Lambda's: one REPORT with an Init Duration per new worker.
    logs = sorted((tmp_path / "work" / "runtime-logs").glob("upload-api-uploads-ours-*/*.log"))
    assert len(logs) == 2
    assert all("\tInit Duration: " in log.read_text() and "Memory Size: 192 MB" in log.read_text() for log in logs)


def test_a_worker_pointed_elsewhere_than_the_bench_emulators_is_no_figure(tmp_path: Path) -> None:
    # Negative control of the one above: the same package with the local stack's endpoint in its
    # environment answers 500, which must not pass for a (fast) cold start.
    plan = _plan(tmp_path, handler="fakeapi.handler", memory_size=192, timeout=5)
    specs = {"/uploads": {**SPECS["/uploads"], "environment": {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}}}
    section = Section("api", "test")
    runtime_cold_figures(
        section, specs, {"ours": _package(tmp_path / "ours")}, work=tmp_path / "work", count=1, plan=plan
    )
    cold = _figures(section)["uploads.cold_runtime.ours.p50"]
    assert cold.value is None
    assert "unexpected answer" in cold.note and "500" in cold.note


def test_an_init_error_is_an_error_not_a_figure(tmp_path: Path) -> None:
    broken = _package(tmp_path / "broken", "import only_the_dev_venv_has_this\n")
    with pytest.raises(RuntimeColdStartError, match="cold request failed"):
        runtime_cold_starts(
            1, broken, "fakeapi.handler", {}, accept=answered_2xx, memory_mb=128, log_dir=tmp_path / "logs", name="x"
        )


def test_without_a_plan_the_runtime_figures_are_skipped_with_the_reason(tmp_path: Path) -> None:
    section = Section("api", "test")
    runtime_cold_figures(section, SPECS, {}, work=tmp_path, count=1, plan=tmp_path / "missing.json")
    skipped = _figures(section)["cold_runtime.skipped"]
    assert skipped.value is None and "make tf-plan-json" in skipped.note


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ({"statusCode": 201}, True),
        ({"statusCode": 200, "body": "{}"}, True),
        ({"statusCode": 429}, False),
        ({"statusCode": "201"}, False),
        ({}, False),
        (None, False),
    ],
)
def test_only_a_2xx_proxy_answer_counts(answer: Any, ok: bool) -> None:
    assert answered_2xx(answer) is ok
