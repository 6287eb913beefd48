"""Background processes of the local stack, tracked by pid files under build/stack/.

Only processes whose pid file we wrote and whose command line is still ours are ever stopped.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from stack import paths

MARKER = "-m stack."


def pid_file(name: str) -> Path:
    return paths.STATE / f"{name}.pid"


def log_file(name: str) -> Path:
    return paths.STATE / f"{name}.log"


def running_pid(name: str) -> int | None:
    try:
        pid = int(pid_file(name).read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, ValueError):
        return None
    return pid if MARKER in cmdline else None


def port_open(port: int, host: str = paths.HOST) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def start(name: str, module: str, args: list[str], port: int, timeout: float = 30) -> int:
    """Start `python -m stack.<module> args` detached, and wait until it listens on `port`."""
    stop(name, quiet=True)
    if port_open(port):
        raise SystemExit(f"{name}: port {port} is taken by a process the stack did not start")
    paths.STATE.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(paths.ROOT / "harness"), PYTHONDONTWRITEBYTECODE="1")
    with log_file(name).open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", f"stack.{module}", *args],
            cwd=paths.STATE,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file(name).write_text(f"{process.pid}\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_file(name).read_text(errors="replace").splitlines()[-20:]
            raise SystemExit(f"{name} exited with {process.returncode}:\n" + "\n".join(tail))
        if port_open(port):
            return process.pid
        time.sleep(0.1)
    stop(name, quiet=True)
    raise SystemExit(f"{name}: not listening on {port} within {timeout:.0f}s; see {log_file(name)}")


def stop(name: str, quiet: bool = False) -> None:
    pid = running_pid(name)
    if pid is not None:
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while running_pid(name) and time.monotonic() < deadline:
            time.sleep(0.1)
        if running_pid(name):
            os.killpg(pid, signal.SIGKILL)
        if not quiet:
            print(f"{name}: stopped (pid {pid})")
    pid_file(name).unlink(missing_ok=True)
