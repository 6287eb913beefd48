"""Start and stop the local AWS emulators on this host, without Docker.

`up` starts LocalStack 4.14.0 (S3, KMS, IAM, STS, ...) from build/tools/localstack and a
moto server for DynamoDB (LocalStack's DynamoDB needs a Java runtime and the DynamoDB Local
jar, both downloaded at run time, which an offline machine cannot do). Both listen on
127.0.0.1 only, keep data and logs under build/localstack/, and are waited for until healthy.
`down` stops exactly the processes `up` started, found by their pid files.

With LOCALSTACK_ENDPOINT set, nothing is started: that endpoint (e.g. LocalStack in Docker,
which has its own DynamoDB) serves every service, unless DYNAMODB_ENDPOINT says otherwise.
The endpoints in use are written to build/localstack/endpoints.json for the rest of the harness.
LOCALSTACK_PORT / DYNAMODB_PORT (default 4566 / 4567) and LOCALSTACK_STATE_DIR (default
build/localstack) move a launcher's ports and files, so that two can run side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# LOCALSTACK_STATE_DIR, LOCALSTACK_PORT and DYNAMODB_PORT let a second launcher (the harness's own
# tests) run beside the default one without sharing pid files, data or ports.
STATE_DIR = Path(os.environ.get("LOCALSTACK_STATE_DIR") or ROOT / "build" / "localstack")
ENDPOINTS_FILE = STATE_DIR / "endpoints.json"
LOCALSTACK_PYTHON = ROOT / "build" / "tools" / "localstack" / "bin" / "python"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Service:
    """One emulator process: how to start it and how to tell it is healthy."""

    name: str
    port: int
    health_path: str

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return STATE_DIR / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return STATE_DIR / f"{self.name}.log"


LOCALSTACK = Service("localstack", int(os.environ.get("LOCALSTACK_PORT", "4566")), "/_localstack/health")
DYNAMODB = Service("dynamodb", int(os.environ.get("DYNAMODB_PORT", "4567")), "/moto-api/")


def _command(service: Service) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    if service is LOCALSTACK:
        data = STATE_DIR / "data"
        data.mkdir(parents=True, exist_ok=True)
        env.update(
            LOCALSTACK_CLI="0",
            GATEWAY_LISTEN=f"{HOST}:{service.port}",
            SKIP_SSL_CERT_DOWNLOAD="1",
            DISABLE_EVENTS="1",
            OVERRIDE_IN_DOCKER="0",
            FILESYSTEM_ROOT=str(data),
            # S3 must really check presigned signatures, expiry and content type.
            S3_SKIP_SIGNATURE_VALIDATION="0",
            # The default (twisted) gateway of 4.14 binds 0.0.0.0 whatever GATEWAY_LISTEN says;
            # hypercorn honours the loopback address.
            GATEWAY_SERVER="hypercorn",
            # sqs: the bucket notifies the verification queue, which stack.event_sources polls.
            SERVICES=env.get("LOCALSTACK_SERVICES", "s3,kms,iam,sts,logs,sqs"),
        )
        if not LOCALSTACK_PYTHON.exists():
            raise SystemExit("LocalStack is not installed: run `make localstack-up` (it installs it first).")
        return [str(LOCALSTACK_PYTHON), "-m", "localstack.runtime.main"], env
    return [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(service.port)], env


def _healthy(service: Service, endpoint: str | None = None) -> bool:
    url = (endpoint or service.endpoint).rstrip("/") + service.health_path
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if response.status != 200:
                return False
            if service is LOCALSTACK:
                states = json.load(response).get("services", {})
                return states.get("s3") in {"available", "running"}
            return True
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _running_pid(service: Service) -> int | None:
    """The pid from our pid file if that process is still ours and alive."""
    try:
        pid = int(service.pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, ValueError):
        return None
    marker = "localstack.runtime.main" if service is LOCALSTACK else "moto.server"
    return pid if marker in cmdline else None


def _shown(path: Path) -> str:
    """A path as printed: relative to the checkout when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) == 0


def _log_tail(service: Service, lines: int = 30) -> str:
    try:
        return "\n".join(service.log_file.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start(service: Service, timeout: float) -> None:
    if _running_pid(service) and _healthy(service):
        print(f"{service.name}: already running at {service.endpoint}")
        return
    if _port_in_use(service.port):
        raise SystemExit(
            f"{service.name}: port {service.port} is taken by a process we did not start; "
            f"stop it or set LOCALSTACK_ENDPOINT to use it."
        )
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    command, env = _command(service)
    with service.log_file.open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=STATE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    service.pid_file.write_text(f"{process.pid}\n")
    print(f"{service.name}: starting (pid {process.pid}, log {_shown(service.log_file)})", flush=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if _healthy(service):
            print(f"{service.name}: healthy at {service.endpoint}")
            return
        time.sleep(0.5)
    stop(service, quiet=True)
    raise SystemExit(
        f"{service.name}: not healthy within {timeout:.0f}s (exit code {process.poll()}). "
        f"Last lines of {service.log_file}:\n{_log_tail(service)}"
    )


def stop(service: Service, quiet: bool = False) -> None:
    pid = _running_pid(service)
    if pid is None:
        if not quiet:
            print(f"{service.name}: not running (nothing started by us)")
        service.pid_file.unlink(missing_ok=True)
        return
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _running_pid(service):
        time.sleep(0.2)
    if _running_pid(service):
        os.killpg(pid, signal.SIGKILL)
    service.pid_file.unlink(missing_ok=True)
    if not quiet:
        print(f"{service.name}: stopped (pid {pid})")


def endpoints() -> dict[str, str]:
    """Where each service is served: external endpoints win over the embedded ones."""
    external = os.environ.get("LOCALSTACK_ENDPOINT")
    default = external or LOCALSTACK.endpoint
    dynamodb = os.environ.get("DYNAMODB_ENDPOINT") or (external if external else DYNAMODB.endpoint)
    return {"default": default, "dynamodb": dynamodb}


def up(timeout: float) -> dict[str, str]:
    external = os.environ.get("LOCALSTACK_ENDPOINT")
    if external:
        if not _healthy(LOCALSTACK, external):
            raise SystemExit(f"LOCALSTACK_ENDPOINT={external} is not answering {LOCALSTACK.health_path}")
        print(f"localstack: using LOCALSTACK_ENDPOINT={external}; nothing started")
    else:
        start(LOCALSTACK, timeout)
    if not external and not os.environ.get("DYNAMODB_ENDPOINT"):
        start(DYNAMODB, timeout)
    result = endpoints()
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    ENDPOINTS_FILE.write_text(json.dumps(result, indent=2) + "\n")
    return result


def down() -> None:
    for service in (DYNAMODB, LOCALSTACK):
        stop(service)
    ENDPOINTS_FILE.unlink(missing_ok=True)


@contextlib.contextmanager
def _exclusive() -> Iterator[None]:
    """One up/down at a time: two concurrent `up`s would both start a process and lose a pid file."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    with (STATE_DIR / "launcher.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("LOCALSTACK_START_TIMEOUT", "120")))
    args = parser.parse_args(argv)
    if args.action == "up":
        with _exclusive():
            print(json.dumps(up(args.timeout)))
    elif args.action == "down":
        with _exclusive():
            down()
    else:
        states = {s.name: bool(_running_pid(s)) and _healthy(s) for s in (LOCALSTACK, DYNAMODB)}
        print(json.dumps({"endpoints": endpoints(), "healthy": states}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
