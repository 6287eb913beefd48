"""Run a Lambda function the way Lambda does: worker processes started with the runtime interface
client (awslambdaric, the bootstrap of AWS's Python runtimes) against a Runtime API served here.

Each worker is its own process on the runtime environment (build/tools/lambda-runtime:
awslambdaric + boto3/botocore, requirements/python3.13-runtime.txt), never on the development venv:
its import path is the extracted package (cwd and PYTHONPATH, as /var/task) plus that
environment. Its environment is only the function's planned environment plus the variables the
Lambda runtime sets. Each worker gets its own Runtime API server (a sandbox has its own).

Limits: the configured timeout ends the invocation (the worker is killed, as Lambda ends the
sandbox); the worker's resident memory is sampled while it runs and its peak (VmHWM) is checked
against the memory size (over it: killed, Runtime.OutOfMemory); an init (import) error is
reported by the client on /runtime/init/error and the invocation fails with it. A function
error comes back through /invocation/{id}/error in the Runtime API's format. Every invocation
writes START / END / REPORT lines in Lambda's shape to the function's log under build/.
Up to `warm_workers` idle workers are kept warm; a request that finds none idle starts a new,
cold worker (Init Duration in its REPORT line), up to `max_workers` at a time (further requests
wait for a worker: a 2-core machine cannot start a sandbox per request of a load test within
Lambda's 10 s init limit).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import math
import os
import queue
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from stack import paths

RUNTIME_API = "/2018-06-01/runtime"
INIT_LIMIT_SECONDS = 10.0  # Lambda's limit on the init phase of an on-demand function
TICK = 0.02  # how often a running invocation's memory and deadline are checked
DEFAULT_RUNTIME_VENV = paths.BUILD / "tools" / "lambda-runtime"
DEFAULT_LOG_DIR = paths.STATE / "logs"


def runtime_python() -> Path:
    """The interpreter of the runtime environment (LAMBDA_RUNTIME_VENV overrides its location)."""
    venv = Path(os.environ.get("LAMBDA_RUNTIME_VENV") or DEFAULT_RUNTIME_VENV)
    python = venv / "bin" / "python"
    if not python.exists():
        raise RuntimeError(f"{python} is missing: `make lambda-runtime` builds the functions' runtime environment")
    return python


class FunctionError(Exception):
    """The invocation failed as Lambda reports it: an error type and the Runtime API's error payload."""

    def __init__(self, error_type: str, payload: dict[str, Any]) -> None:
        super().__init__(f"{error_type}: {payload.get('errorMessage', '')}")
        self.error_type = error_type
        self.payload = payload


class InitError(FunctionError):
    """The function failed during init (import), reported on /runtime/init/error or by exiting."""


class FunctionTimeout(FunctionError):
    """The invocation ran past the configured timeout: the worker was killed."""


class CallerTimeout(Exception):
    """The caller stopped waiting before the function finished (API Gateway's integration timeout)."""


@dataclass
class _Invocation:
    request_id: str
    body: bytes
    deadline_ms: int = 0
    started: float = 0.0
    done: threading.Event = field(default_factory=threading.Event)
    outcome: str = ""  # "response" or "error"
    payload: bytes = b""
    error_type: str = ""


def _read_status(pid: int, key: str) -> int:
    """A /proc/<pid>/status field in kB (VmRSS, VmHWM); 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class _RuntimeApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A worker killed mid-request (timeout, memory, stop) is expected: no traceback."""


class _Worker:
    """One sandbox: a Runtime API server and the awslambdaric process polling it."""

    def __init__(self, host: FunctionHost) -> None:
        self.host = host
        self.pending: queue.Queue[_Invocation | None] = queue.Queue()
        self.current: _Invocation | None = None
        self.state = threading.Condition()
        self.ready = False
        self.init_error: tuple[str, bytes] | None = None
        self.init_duration_ms = 0.0
        self.used_once = False
        self.server = _RuntimeApiServer(("127.0.0.1", 0), self._handler_class())
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
        self.started = time.monotonic()
        address = f"127.0.0.1:{self.server.server_address[1]}"
        self.process = subprocess.Popen(
            [str(host.python), "-m", "awslambdaric", host.handler],
            cwd=host.code_dir,
            env=host.worker_environment(address),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        threading.Thread(target=self._pump_output, daemon=True).start()

    def _pump_output(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            self.host.log_line(raw.decode("utf-8", errors="replace").rstrip("\n"))
        with self.state:
            self.state.notify_all()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        worker = self

        class RuntimeApiHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path != f"{RUNTIME_API}/invocation/next":
                    self._answer(404, {"errorType": "NotFound", "errorMessage": self.path})
                    return
                worker.mark_ready()
                invocation = worker.pending.get()
                if invocation is None:  # the worker is being stopped
                    self._answer(500, {"errorType": "Runtime.Stopping", "errorMessage": "worker stopped"})
                    return
                worker.current = invocation
                self._answer(
                    200,
                    invocation.body,
                    {
                        "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                        "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                        "Lambda-Runtime-Invoked-Function-Arn": worker.host.function_arn,
                        "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0",
                    },
                )

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                error_type = self.headers.get("Lambda-Runtime-Function-Error-Type", "")
                if self.path == f"{RUNTIME_API}/init/error":
                    worker.fail_init(error_type or "Runtime.Unknown", body)
                    self._answer(202, {"status": "OK"})
                    return
                prefix = f"{RUNTIME_API}/invocation/"
                request_id, _, outcome = self.path[len(prefix) :].partition("/")
                current = worker.current
                if not self.path.startswith(prefix) or outcome not in ("response", "error"):
                    self._answer(404, {"errorType": "NotFound", "errorMessage": self.path})
                    return
                if current is None or current.request_id != request_id:
                    self._answer(400, {"errorType": "InvalidRequestID", "errorMessage": "unknown request id"})
                    return
                current.outcome, current.payload, current.error_type = outcome, body, error_type
                worker.current = None
                current.done.set()
                self._answer(202, {"status": "OK"})

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return RuntimeApiHandler

    def mark_ready(self) -> None:
        with self.state:
            if not self.ready:
                self.ready = True
                self.init_duration_ms = (time.monotonic() - self.started) * 1000
                self.state.notify_all()

    def fail_init(self, error_type: str, body: bytes) -> None:
        with self.state:
            self.init_error = (error_type, body)
            self.init_duration_ms = (time.monotonic() - self.started) * 1000
            self.state.notify_all()

    def wait_init(self) -> None:
        """Until the client polls /next (init done); raises InitError on an init error or exit."""
        deadline = self.started + INIT_LIMIT_SECONDS
        with self.state:
            while not self.ready and self.init_error is None and self.process.poll() is None:
                if time.monotonic() >= deadline:
                    break
                self.state.wait(TICK * 5)
        if self.ready:
            return
        self.init_duration_ms = self.init_duration_ms or (time.monotonic() - self.started) * 1000
        if self.init_error is not None:
            error_type, body = self.init_error
            try:
                payload = json.loads(body)
            except ValueError:
                payload = {"errorMessage": body.decode(errors="replace")}
            raise InitError(payload.get("errorType") or error_type, payload)
        if self.process.poll() is None:
            raise InitError("Runtime.InitTimeout", {"errorMessage": f"init exceeded {INIT_LIMIT_SECONDS:.0f} s"})
        message = f"Runtime exited with error: exit status {self.process.returncode}"
        raise InitError("Runtime.ExitError", {"errorType": "Runtime.ExitError", "errorMessage": message})

    def max_memory_kb(self) -> int:
        return _read_status(self.process.pid, "VmHWM")

    def rss_kb(self) -> int:
        return _read_status(self.process.pid, "VmRSS")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the worker so far (/proc/<pid>/stat); 0 once it is gone."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return 0.0

    def stop(self) -> None:
        self.host.retired_cpu += self.cpu_seconds()
        if self.process.poll() is None:
            self.process.kill()
        self.pending.put(None)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self.server.shutdown()
        self.server.server_close()


_HOSTS: list[FunctionHost] = []


@atexit.register
def _close_all() -> None:
    for host in list(_HOSTS):
        host.close()


class FunctionHost:
    """One function: its code, handler, environment, limits and pool of awslambdaric workers."""

    @classmethod
    def from_config(cls, function: dict[str, Any], *, default_timeout: float = 30.0, **options: Any) -> FunctionHost:
        """The host of one function as `python -m stack up` describes it in an adapter's config."""
        return cls(
            Path(function["code_dir"]),
            function["handler"],
            environment=function.get("environment", {}),
            function_name=function["name"],
            memory_mb=function.get("memory_mb", 128),
            timeout_seconds=function.get("timeout_seconds", default_timeout),
            warm_workers=function.get("warm_workers"),
            **options,
        )

    def __init__(
        self,
        code_dir: Path,
        handler: str,
        *,
        environment: dict[str, str] | None = None,
        function_name: str = "local-function",
        memory_mb: int = 128,
        timeout_seconds: float = 30.0,
        warm_workers: int | None = None,
        max_workers: int | None = None,
        log_dir: Path | None = None,
        python: Path | None = None,
    ) -> None:
        self.code_dir = Path(code_dir).resolve()
        self.handler = handler
        self.environment = dict(environment or {})
        self.function_name = function_name
        self.memory_mb = memory_mb
        self.timeout_seconds = float(timeout_seconds)
        self.warm_workers = warm_workers if warm_workers is not None else int(os.environ.get("STACK_WARM_WORKERS", "1"))
        self.max_workers = max_workers or int(os.environ.get("STACK_MAX_WORKERS", "4"))
        self.python = python or runtime_python()
        region = self.environment.get("AWS_REGION", paths.REGION)
        self.function_arn = f"arn:aws:lambda:{region}:000000000000:function:{function_name}"
        log_dir = log_dir or Path(os.environ.get("STACK_FUNCTION_LOGS") or DEFAULT_LOG_DIR)
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{function_name}.log"
        self._log_lock = threading.Lock()
        self._pool_lock = threading.Lock()
        self._pool_changed = threading.Condition(self._pool_lock)
        self._starting = 0
        self._waiting = 0  # requests blocked in _acquire: an idle worker is kept for each
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self.retired_cpu = 0.0
        _HOSTS.append(self)

    # --- environment and logs -------------------------------------------------------------

    def worker_environment(self, runtime_api: str) -> dict[str, str]:
        """Only what a Lambda sandbox has: the runtime's variables, then the function's own."""
        region = self.environment.get("AWS_REGION", paths.REGION)
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"local/{uuid.uuid4().hex}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "_HANDLER": self.handler,
            **self.environment,
            # Set by the runtime whatever the function's configuration says.
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "LAMBDA_TASK_ROOT": str(self.code_dir),
            "PYTHONPATH": str(self.code_dir),
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only in Lambda
        }
        return env

    def log_line(self, line: str) -> None:
        with self._log_lock, self.log_path.open("a") as sink:
            sink.write(line + "\n")

    # --- pool ---------------------------------------------------------------------------

    def _acquire(self) -> tuple[_Worker, bool]:
        """An idle worker (warm), else a new one (cold) while fewer than `max_workers` exist,
        else the next one to become idle."""
        with self._pool_changed:
            while True:
                while self._idle:
                    worker = self._idle.pop()
                    if worker.process.poll() is None:
                        self._busy.add(worker)
                        return worker, False
                    worker.stop()
                if len(self._busy) + self._starting < self.max_workers:
                    self._starting += 1
                    break
                self._waiting += 1
                try:
                    self._pool_changed.wait()
                finally:
                    self._waiting -= 1
        try:
            worker = _Worker(self)
        finally:
            with self._pool_changed:
                self._starting -= 1
        with self._pool_changed:
            self._busy.add(worker)
        return worker, True

    def _release(self, worker: _Worker, keep: bool) -> None:
        with self._pool_changed:
            self._busy.discard(worker)
            if keep and worker.process.poll() is None:
                # Kept warm for a request waiting for one, and up to `warm_workers` idle ones;
                # stopping it while a request waits would make that request start a cold one.
                self._idle.append(worker)
                surplus = self._idle[: max(0, len(self._idle) - max(self.warm_workers, self._waiting))]
                del self._idle[: len(surplus)]
            else:
                surplus = [worker]
            self._pool_changed.notify_all()
        for extra in surplus:
            extra.stop()

    def cpu_seconds(self) -> float:
        """CPU time the function's workers used so far (live and stopped): the function's share
        of the work, which no longer runs in the adapter's own process."""
        with self._pool_lock:
            workers = [*self._idle, *self._busy]
        return self.retired_cpu + sum(worker.cpu_seconds() for worker in workers)

    def close(self) -> None:
        with self._pool_lock:
            workers = [*self._idle, *self._busy]
            self._idle.clear()
            self._busy.clear()
        for worker in workers:
            worker.stop()
        if self in _HOSTS:
            _HOSTS.remove(self)

    # --- invocation ---------------------------------------------------------------------

    def invoke(self, event: dict[str, Any], caller_timeout: float | None = None) -> Any:
        """The handler's result; FunctionError (InitError, FunctionTimeout) as Lambda reports a
        failure; CallerTimeout when `caller_timeout` passes first (the function runs on)."""
        if caller_timeout is None or caller_timeout >= self.timeout_seconds + INIT_LIMIT_SECONDS:
            return self._invoke(event)
        box: dict[str, Any] = {}
        finished = threading.Event()

        def run() -> None:
            try:
                box["result"] = self._invoke(event)
            except Exception as error:  # handed to the waiting caller
                box["error"] = error
            finished.set()

        threading.Thread(target=run, daemon=True).start()
        if not finished.wait(caller_timeout):
            raise CallerTimeout(f"no answer within {caller_timeout:.1f} s")
        if "error" in box:
            raise box["error"]
        return box["result"]

    def _invoke(self, event: dict[str, Any]) -> Any:
        worker, cold = self._acquire()
        request_id = str(uuid.uuid4())
        try:
            worker.wait_init()
        except InitError as error:
            self._release(worker, keep=False)
            self.log_line(f"START RequestId: {request_id} Version: $LATEST")
            self._report(request_id, 0.0, worker, cold, status=f"error\tError Type: {error.error_type}")
            raise
        invocation = _Invocation(request_id, json.dumps(event).encode())
        invocation.started = time.monotonic()
        invocation.deadline_ms = int((time.time() + self.timeout_seconds) * 1000)
        deadline = invocation.started + self.timeout_seconds
        limit_kb = self.memory_mb * 1024
        self.log_line(f"START RequestId: {request_id} Version: $LATEST")
        worker.pending.put(invocation)
        failure: FunctionError | None = None
        while not invocation.done.wait(TICK):
            now = time.monotonic()
            if worker.rss_kb() > limit_kb:
                failure = self._fail("Runtime.OutOfMemory", "Runtime exited with error: signal: killed")
            elif now >= deadline:
                message = f"Task timed out after {self.timeout_seconds:.2f} seconds"
                self.log_line(f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime())}Z {request_id} {message}")
                payload = {"errorType": "Sandbox.Timedout", "errorMessage": message}
                failure = FunctionTimeout("Sandbox.Timedout", payload)
            elif worker.process.poll() is not None:
                status = worker.process.returncode
                failure = self._fail("Runtime.ExitError", f"Runtime exited with error: exit status {status}")
            if failure is not None:
                break
        duration_ms = (time.monotonic() - invocation.started) * 1000
        if failure is None and worker.max_memory_kb() > limit_kb:
            failure = self._fail("Runtime.OutOfMemory", "Runtime exited with error: signal: killed")
        max_kb = worker.max_memory_kb()
        if failure is not None:
            worker.process.kill()
            self._release(worker, keep=False)
            status = "timeout" if isinstance(failure, FunctionTimeout) else f"error\tError Type: {failure.error_type}"
            self._report(request_id, duration_ms, worker, cold, status=status, max_kb=max_kb)
            raise failure
        self._release(worker, keep=True)
        self._report(request_id, duration_ms, worker, cold, max_kb=max_kb)
        if invocation.outcome == "error":
            try:
                payload = json.loads(invocation.payload)
            except ValueError:
                payload = {"errorMessage": invocation.payload.decode(errors="replace")}
            raise FunctionError(payload.get("errorType") or invocation.error_type or "Unhandled", payload)
        return json.loads(invocation.payload) if invocation.payload else None

    @staticmethod
    def _fail(error_type: str, message: str) -> FunctionError:
        return FunctionError(error_type, {"errorType": error_type, "errorMessage": message})

    def _report(
        self, request_id: str, duration_ms: float, worker: _Worker, cold: bool, *, status: str = "", max_kb: int = 0
    ) -> None:
        fields = [
            f"REPORT RequestId: {request_id}",
            f"Duration: {duration_ms:.2f} ms",
            f"Billed Duration: {math.ceil(duration_ms)} ms",
            f"Memory Size: {self.memory_mb} MB",
            f"Max Memory Used: {math.ceil(max_kb / 1024)} MB",
        ]
        if cold and not worker.used_once:
            fields.append(f"Init Duration: {worker.init_duration_ms:.2f} ms")
        worker.used_once = True
        if status:
            fields.append(f"Status: {status}")
        self.log_line(f"END RequestId: {request_id}")
        self.log_line("\t".join(fields))
