"""Functions run as Lambda runs them: awslambdaric workers, a clean import path, limits, REPORT lines."""

import re
import threading
from pathlib import Path

import pytest
import requests

from stack.apigw import ApiGatewayAdapter, Route
from stack.cloudfront import CloudFrontAdapter
from stack.lambda_host import FunctionError, FunctionTimeout, InitError
from tests.stack.test_cloudfront import FakeOrigin

REPORT = re.compile(
    r"REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: [0-9.]+ ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: (?P<size>\d+) MB\tMax Memory Used: (?P<used>\d+) MB(?P<rest>.*)"
)


def reports(host) -> list[re.Match]:
    lines = host.log_path.read_text().splitlines() if host.log_path.exists() else []
    return [m for m in map(REPORT.fullmatch, lines) if m]


def _package(tmp_path: Path, source: str) -> Path:
    code = tmp_path / "package"
    code.mkdir(parents=True)
    (code / "app.py").write_text(source + "\n\ndef handler(event, context):\n    return {'ok': True}\n")
    return code


def test_a_package_sees_only_itself_and_the_runtime(function_host, monkeypatch) -> None:
    monkeypatch.setenv("ONLY_IN_THE_ADAPTER", "leak")
    host = function_host("limits.handler", {"PLANNED": "yes"}, function_name="clean-fn", memory_mb=256)
    result = host.invoke({})
    assert result["env"]["PLANNED"] == "yes"
    assert "ONLY_IN_THE_ADAPTER" not in result["env"]
    assert result["env"]["AWS_LAMBDA_FUNCTION_NAME"] == "clean-fn"
    assert result["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert result["env"]["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert not any(".venv" in entry for entry in result["path"])
    assert 0 < result["remaining_ms"] <= 30_000


def test_an_import_only_the_dev_venv_has_fails_as_in_lambda(function_host, tmp_path) -> None:
    runtime_only = _package(tmp_path / "ok", "import boto3  # the runtime has it")
    control = function_host("app.handler", function_name="ok-fn", code_dir=runtime_only)
    assert control.invoke({}) == {"ok": True}
    host = function_host("app.handler", code_dir=_package(tmp_path / "bad", "import pytest  # only the dev venv"))
    with pytest.raises(InitError) as failure:
        host.invoke({})
    assert failure.value.error_type == "Runtime.ImportModuleError"
    assert "No module named 'pytest'" in failure.value.payload["errorMessage"]
    (report,) = reports(host)
    assert "Init Duration" in report["rest"]
    assert "Status: error\tError Type: Runtime.ImportModuleError" in report["rest"]


def test_an_error_at_import_is_an_init_error_and_the_service_answers(function_host, serve_app, tmp_path) -> None:
    host = function_host("app.handler", code_dir=_package(tmp_path, "raise RuntimeError('at import')"))
    with pytest.raises(InitError) as failure:
        host.invoke({})
    assert failure.value.payload["errorType"] == "RuntimeError"
    api = serve_app(ApiGatewayAdapter(host, "v1", [Route("/x")]))
    answer = requests.get(f"{api}/v1/x", timeout=15)
    assert (answer.status_code, answer.json()) == (502, {"message": "Internal server error"})
    cdn = serve_app(CloudFrontAdapter(host, FakeOrigin(), domain_name="cdn.local"))
    assert requests.get(f"{cdn}/a.png", timeout=15).status_code == 503


def test_a_function_error_is_reported_and_the_worker_stays_warm(function_host, serve_app) -> None:
    host = function_host("limits.handler")
    first = host.invoke({})
    with pytest.raises(FunctionError) as failure:
        host.invoke({"mode": "raise"})
    assert not isinstance(failure.value, (InitError, FunctionTimeout))
    payload = failure.value.payload
    assert (payload["errorType"], payload["errorMessage"]) == ("ValueError", "boom")
    assert isinstance(payload["stackTrace"], list)
    after = host.invoke({})
    assert (after["pid"], after["invocations"]) == (first["pid"], 3)
    api = serve_app(ApiGatewayAdapter(host, "v1", [Route("/x")]))
    assert requests.get(f"{api}/v1/x", timeout=15).status_code == 502


def test_the_timeout_ends_the_invocation_and_a_later_request_works(function_host, serve_app) -> None:
    host = function_host("limits.handler", timeout_seconds=1)
    cold = host.invoke({})
    with pytest.raises(FunctionTimeout) as failure:
        host.invoke({"mode": "sleep", "seconds": 5})
    assert failure.value.payload["errorMessage"] == "Task timed out after 1.00 seconds"
    assert "Status: timeout" in reports(host)[-1]["rest"]
    later = host.invoke({})
    assert later["pid"] != cold["pid"] and later["invocations"] == 1  # a new sandbox, cold
    api = serve_app(ApiGatewayAdapter(host, "v1", [Route("/x")]))
    cdn = serve_app(CloudFrontAdapter(host, FakeOrigin(), domain_name="cdn.local"))
    event_sleeps = {"mode": "sleep", "seconds": 5}
    host_invoke = host.invoke
    host.invoke = lambda event, *limit: host_invoke(event_sleeps, *limit)  # the adapters' events, made slow
    assert requests.get(f"{api}/v1/x", timeout=15).status_code == 502  # the Lambda timed out first
    assert requests.get(f"{cdn}/a.png", timeout=15).status_code == 503  # LambdaExecutionError


def test_the_integration_timeout_answers_504_when_it_passes_first(function_host, serve_app) -> None:
    host = function_host("limits.handler", timeout_seconds=3)
    host_invoke = host.invoke
    host.invoke = lambda event, *limit: host_invoke({"mode": "sleep", "seconds": 2, "proxy": True}, *limit)
    slow = serve_app(ApiGatewayAdapter(host, "v1", [Route("/x")], integration_timeout=0.5))
    answer = requests.get(f"{slow}/v1/x", timeout=15)
    assert (answer.status_code, answer.json()) == (504, {"message": "Endpoint request timed out"})
    patient = serve_app(ApiGatewayAdapter(host, "v1", [Route("/x")], integration_timeout=29))
    assert requests.get(f"{patient}/v1/x", timeout=15).status_code == 200


def test_memory_over_the_configured_size_is_enforced(function_host) -> None:
    host = function_host("limits.handler", memory_mb=128)
    host.invoke({"mode": "allocate", "mb": 8})
    used = int(reports(host)[-1]["used"])
    assert 0 < used < 128
    with pytest.raises(FunctionError) as failure:
        host.invoke({"mode": "allocate", "mb": 160})
    assert failure.value.error_type == "Runtime.OutOfMemory"
    assert "Error Type: Runtime.OutOfMemory" in reports(host)[-1]["rest"]
    assert host.invoke({})["invocations"] == 1  # a new sandbox


def test_report_lines_have_lambdas_shape_with_init_duration_on_cold_starts(function_host) -> None:
    host = function_host("limits.handler", memory_mb=192)
    first, second = host.invoke({}), host.invoke({})
    assert first["pid"] == second["pid"]
    lines = host.log_path.read_text().splitlines()
    assert f"START RequestId: {first['request_id']} Version: $LATEST" in lines
    assert f"END RequestId: {second['request_id']}" in lines
    cold, warm = reports(host)
    assert (cold["id"], warm["id"]) == (first["request_id"], second["request_id"])
    assert cold["size"] == "192"
    assert re.fullmatch(r"\tInit Duration: [0-9.]+ ms", cold["rest"])
    assert warm["rest"] == ""
    assert host.cpu_seconds() > 0  # the handler's CPU is the worker's, not the adapter's


def test_concurrent_requests_beyond_the_warm_pool_start_cold_workers(function_host) -> None:
    host = function_host("limits.handler", warm_workers=1)
    host.invoke({})  # one warm worker
    results: list[dict] = []
    threads = [
        threading.Thread(target=lambda: results.append(host.invoke({"mode": "sleep", "seconds": 1.0})))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r["pid"] for r in results}) == 3  # served in parallel, one sandbox each
    assert sum("Init Duration" in r["rest"] for r in reports(host)) == 3  # the first + two new ones
    assert sorted(r["invocations"] for r in results) == [1, 1, 2]
    assert len(host._idle) == 1  # the pool keeps `warm_workers` idle workers, stops the rest


def test_requests_beyond_max_workers_wait_for_a_worker(function_host) -> None:
    host = function_host("limits.handler", warm_workers=1, max_workers=2)
    results: list[dict] = []
    threads = [
        threading.Thread(target=lambda: results.append(host.invoke({"mode": "sleep", "seconds": 0.5})))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert len({r["pid"] for r in results}) == 2  # never more than two sandboxes at a time
    assert sum("Init Duration" in r["rest"] for r in reports(host)) == 2
