"""The bench's reading of a function's CPU time from /proc (a fake /proc tree here)."""

from __future__ import annotations

from pathlib import Path

from bench.function_cpu import worker_cpu_seconds

HANDLER = "upload_api.handler.handler"


def _process(proc: Path, pid: int, argv: list[str], utime: int, stime: int, comm: str = "python") -> None:
    entry = proc / str(pid)
    entry.mkdir()
    (entry / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    rest = ["S", "1", "1", "1", "0", "-1", "0", "0", "0", "0", "0", str(utime), str(stime), "0", "0"]
    (entry / "stat").write_text(f"{pid} ({comm}) " + " ".join(rest) + "\n")


def test_sums_the_workers_of_the_handler_only(tmp_path: Path) -> None:
    _process(tmp_path, 10, ["python", "-m", "awslambdaric", HANDLER], utime=150, stime=50)
    _process(tmp_path, 11, ["python", "-m", "awslambdaric", HANDLER], utime=100, stime=0, comm="py ) odd")
    _process(tmp_path, 12, ["python", "-m", "awslambdaric", "edge_auth.handler.handler"], utime=900, stime=900)
    _process(tmp_path, 13, ["python", "-m", "stack", HANDLER], utime=700, stime=700)  # not a worker
    (tmp_path / "self").mkdir()
    assert worker_cpu_seconds(HANDLER, proc=tmp_path, ticks=100) == 3.0


def test_a_process_that_vanished_mid_read_is_skipped(tmp_path: Path) -> None:
    _process(tmp_path, 10, ["python", "-m", "awslambdaric", HANDLER], utime=100, stime=100)
    (tmp_path / "11").mkdir()  # listed, then gone: no cmdline
    assert worker_cpu_seconds(HANDLER, proc=tmp_path, ticks=100) == 2.0


def test_no_workers_is_zero(tmp_path: Path) -> None:
    assert worker_cpu_seconds(HANDLER, proc=tmp_path, ticks=100) == 0.0
