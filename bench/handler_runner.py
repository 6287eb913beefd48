"""Runs one Lambda handler in a fresh interpreter and times it; standard library only.

Started by the bench as `python -I -S -B handler_runner.py SPEC_FILE OUT_FILE`, so that nothing
from the project's venv is importable: the package directory named in the spec is the whole
world, as /var/task is in Lambda (-B and a package without __pycache__: every module is
compiled from source, as in a Lambda container). The spec (JSON) gives:
  package_dir, handler ("module.attr"), environment, sys_path_extra (optional),
  cold_event, warm_events (list of JSON strings, one per request), time_aws_calls (bool),
  check ("edge-allow" | "api-2xx"), hide_libcrypto (bool: ctypes cannot load libcrypto, as on
  a runtime without it, so the edge falls back to pure Python).
Writes {cold_ns, warm_ns: [...], aws_ns: [...], failures: int, first_failure: str,
peak_rss_kib_cold: int, peak_rss_kib: int, imported_rsa: bool} (peak resident set size, VmHWM:
after the first request, and at the end).
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time


def _hide_libcrypto() -> None:
    """ctypes.CDLL("libcrypto...") fails as it would where the library is missing."""
    import ctypes

    real = ctypes.CDLL

    class NoLibcrypto(real):  # type: ignore[misc, valid-type]
        def __init__(self, name: object, *args: object, **kwargs: object) -> None:
            if isinstance(name, str) and "libcrypto" in name:
                raise OSError(f"{name}: hidden by the bench")
            super().__init__(name, *args, **kwargs)

    ctypes.CDLL = NoLibcrypto  # type: ignore[misc]


def _peak_rss_kib() -> int:
    """The peak resident set size of this interpreter, in KiB. VmHWM (Linux) is the high-water
    mark of this process image only; getrusage's ru_maxrss, the fallback, also counts the
    image of the bench process this one was forked from before its exec (Linux keeps the
    larger of the two), so it would report the bench's own size."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


class _Context:
    function_name = "bench"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    function_version = "$LATEST"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


class _AwsTimer:
    """Wall time spent inside botocore API calls (serialise, sign, send, parse), per request.

    Patched on BaseClient._make_api_call so that it sees every client whatever session made it.
    Presigning makes no API call and therefore counts as our code.
    """

    def __init__(self) -> None:
        self.total_ns = 0
        from botocore.client import BaseClient

        original = getattr(BaseClient, "_make_api_call")  # noqa: B009 - private, untyped in the stubs
        timer = self

        def timed(client: object, operation_name: str, api_params: dict) -> object:
            start = time.perf_counter_ns()
            try:
                return original(client, operation_name, api_params)
            finally:
                timer.total_ns += time.perf_counter_ns() - start

        setattr(BaseClient, "_make_api_call", timed)  # noqa: B010


def _ok(check: str, result: object) -> bool:
    if not isinstance(result, dict):
        return False
    if check == "edge-allow":
        return "status" not in result and "uri" in result
    if check == "api-2xx":
        return 200 <= int(result.get("statusCode", 0)) < 300
    raise ValueError(check)


def main() -> None:
    spec_file, out_file = sys.argv[1], sys.argv[2]
    with open(spec_file, encoding="utf-8") as handle:
        spec = json.load(handle)
    os.environ.update(spec.get("environment", {}))
    if spec.get("hide_libcrypto"):
        _hide_libcrypto()
    sys.path[:0] = [spec["package_dir"], *spec.get("sys_path_extra", [])]
    check = spec["check"]
    cold_event = spec["cold_event"]
    # Parsed one at a time, outside the timed call: 10,000 parsed events held at once would
    # be ~60 MB of the peak RSS reported for the handler.
    warm_events: list[str] = spec.pop("warm_events")
    context = _Context()
    failures = 0
    first_failure = ""

    # Lambda's logs go to CloudWatch; here they would flood the terminal and cost terminal I/O.
    devnull = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    real_stdout, sys.stdout = sys.stdout, devnull

    start = time.perf_counter_ns()
    timer = _AwsTimer() if spec.get("time_aws_calls") else None
    module_name, _, attribute = spec["handler"].rpartition(".")
    handler = getattr(importlib.import_module(module_name), attribute)
    result = handler(cold_event, context)
    cold_ns = time.perf_counter_ns() - start
    peak_rss_kib_cold = _peak_rss_kib()
    if not _ok(check, result):
        failures += 1
        first_failure = json.dumps(result)[:500]

    warm_ns: list[int] = []
    aws_ns: list[int] = []
    for raw_event in warm_events:
        event = json.loads(raw_event)
        aws_before = timer.total_ns if timer else 0
        begin = time.perf_counter_ns()
        result = handler(event, context)
        warm_ns.append(time.perf_counter_ns() - begin)
        aws_ns.append((timer.total_ns - aws_before) if timer else 0)
        if not _ok(check, result):
            failures += 1
            first_failure = first_failure or json.dumps(result)[:500]

    sys.stdout = real_stdout
    with open(out_file, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "cold_ns": cold_ns,
                "warm_ns": warm_ns,
                "aws_ns": aws_ns,
                "failures": failures,
                "first_failure": first_failure,
                "peak_rss_kib_cold": peak_rss_kib_cold,
                "peak_rss_kib": _peak_rss_kib(),
                # The edge imports rsa only for its pure-Python backend: which one ran.
                "imported_rsa": "rsa" in sys.modules,
            },
            handle,
        )


if __name__ == "__main__":
    main()
