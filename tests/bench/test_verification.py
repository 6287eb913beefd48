"""The verification section's pure parts: the PNGs it uploads, the time-to-ready arithmetic, the
verifier log's REPORT lines, the per-MB cost and the summary rows."""

from __future__ import annotations

import json
import socket
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench.context import BenchContext, Sizes
from bench.pngs import OVERHEAD, png_of_size
from bench.readiness import NotReadyError, Poll, RejectedError, observe, per_mb, poll_until_ready
from bench.report import render_summary
from bench.results import Results, Section
from bench.verification import _verifier_reason, bench_verification
from bench.verifier_log import read_invocations, verifier_time


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind, body = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        position += 12 + length
    assert position == len(data)
    return chunks


@pytest.mark.parametrize("size", [OVERHEAD, OVERHEAD + 1, 100_000])
def test_png_of_size_is_exactly_the_size_and_valid(size):
    data = png_of_size(size)
    assert len(data) == size
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    kinds = [kind for kind, _ in _chunks(data)]
    assert kinds == [b"IHDR", b"rnDm", b"IDAT", b"IEND"]  # IEND last: the verifier's truncation check


def test_png_of_size_random_padding_differs_zero_padding_repeats():
    assert png_of_size(1000) != png_of_size(1000)
    assert png_of_size(1000, random=False) == png_of_size(1000, random=False)


def test_png_of_size_refuses_below_the_smallest_valid_png():
    with pytest.raises(ValueError, match="at least"):
        png_of_size(OVERHEAD - 1)


def test_observe_measures_to_the_first_ready_answer_and_brackets_it():
    polls = [Poll(10.0, 10.02, "pending"), Poll(10.05, 10.07, "pending"), Poll(10.10, 10.13, "ready")]
    seen = observe(10.0, polls)
    assert seen.latency_ms == pytest.approx(130)
    assert seen.resolution_ms == pytest.approx(80)  # ready after the 2nd poll was sent
    assert seen.polls == 3


def test_observe_first_poll_ready_brackets_from_completion():
    seen = observe(5.0, [Poll(5.001, 5.011, "ready")])
    assert (seen.latency_ms, seen.resolution_ms, seen.polls) == (pytest.approx(11), pytest.approx(11), 1)


def test_observe_without_ready_is_an_error():
    with pytest.raises(ValueError):
        observe(0.0, [Poll(0.0, 0.1, "pending")])


class FakeClock:
    """Time that moves only when the code under test sleeps or a status call takes time."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _statuses(clock: FakeClock, answers: list[dict], takes: float = 0.01):
    remaining = list(answers)

    def status() -> dict:
        clock.now += takes
        return remaining.pop(0)

    return status


def test_poll_until_ready_polls_at_the_interval_until_ready():
    clock = FakeClock()
    answers = [{"verification": "pending"}] * 3 + [{"verification": "ready"}]
    seen = poll_until_ready(_statuses(clock, answers), 100.0, interval=0.025, timeout=5, clock=clock, sleep=clock.sleep)
    assert clock.sleeps == [0.025] * 3
    assert seen.polls == 4
    assert seen.latency_ms == pytest.approx(4 * 10 + 3 * 25)
    assert seen.resolution_ms == pytest.approx(10 + 25 + 10)


def test_poll_until_ready_raises_on_rejection_with_the_reason():
    clock = FakeClock()
    answers = [{"verification": "rejected", "rejection_reason": "type_mismatch"}]
    with pytest.raises(RejectedError, match="type_mismatch"):
        poll_until_ready(_statuses(clock, answers), 100.0, interval=0.025, timeout=5, clock=clock, sleep=clock.sleep)


def test_poll_until_ready_gives_up_after_the_timeout():
    clock = FakeClock()
    answers = [{"verification": "pending"}] * 1000
    with pytest.raises(NotReadyError):
        poll_until_ready(
            _statuses(clock, answers, takes=0.5), 100.0, interval=0.5, timeout=2, clock=clock, sleep=clock.sleep
        )
    assert clock.now - 100.0 == pytest.approx(2.5)  # the first answer past the timeout: no sleep after it


def test_per_mb_is_the_slope_between_smallest_and_largest():
    assert per_mb([200_000_000, 100_000, 10_000_000], [2100.0, 100.0, 150.0]) == pytest.approx(2000 / 199.9)
    assert per_mb([100_000], [1.0]) is None
    assert per_mb([5, 5], [1.0, 2.0]) is None


def _verdict(request_id: str, key: str, message: str = "verdict") -> str:
    return json.dumps({"level": "INFO", "message": message, "key": key, "function_request_id": request_id})


def _report(request_id: str, duration: float) -> str:
    return (
        f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\tBilled Duration: {int(duration) + 1} ms"
        "\tMemory Size: 256 MB\tMax Memory Used: 90 MB"
    )


def test_verifier_time_is_the_report_of_the_invocation_that_decided_the_key():
    lines = [
        "START RequestId: a Version: $LATEST",
        _verdict("a", "quarantine/o/other.png"),
        _report("a", 12.5),
        _verdict("b", "quarantine/o/mine.png", "item failed; SQS redelivers it"),
        _report("b", 3.0),
        "not json at all",
        "{broken json",
        _verdict("c", "quarantine/o/mine.png"),
        _verdict("c", "quarantine/o/third.png"),
        "END RequestId: c",
        _report("c", 42.25),
    ]
    found = verifier_time(read_invocations(lines), "quarantine/o/mine.png")
    assert found is not None
    assert (found.duration_ms, found.batch, found.failed_before) == (42.25, 2, 1)


def test_verifier_time_waits_for_the_report_line():
    lines = [_verdict("c", "quarantine/o/mine.png")]
    assert verifier_time(read_invocations(lines), "quarantine/o/mine.png") is None
    assert verifier_time(read_invocations([_report("c", 1.0)]), "quarantine/o/mine.png") is None


def _summary(figures: dict[str, float]) -> str:
    results = Results(machine={}, quick=False, started_at="")
    section = Section("verification", "Verified content")
    for key, value in figures.items():
        section.add(key, key, value, "ms/MB" if key.endswith("per_mb") else "ms")
    results.sections.append(section)
    return "\n".join(render_summary(results.as_dict()))


def test_summary_rows_of_the_verification_section():
    text = _summary(
        {
            "ready.c1.p50": 310.0,
            "ready.c1.p99": 520.0,
            "ready.c16.p50": 900.0,
            "ready.c16.p99": 2400.0,
            "verifier.100KB.p50": 45.0,
            "verifier.10MB.p50": 80.0,
            "verifier.200MB.p50": 1900.0,
            "verifier.per_mb": 9.28,
        }
    )
    assert "(polled every 25 ms), 1 uploader: p50 / p99 | 310 / 520 ms |" in text
    assert "16 uploaders at once (polled every 25 ms): p50 / p99 | 900 / 2,400 ms |" in text
    assert "100 KB / 10 MB / 200 MB (multipart): p50 | 45.0 / 80.0 / 1,900 ms |" in text
    assert "Verifier time per MB (200 MB vs 100 KB) | 9.28 ms/MB |" in text


def test_summary_leaves_out_the_verifier_row_of_a_quick_run():
    # QUICK=1 measures other sizes: the row is not shown half filled.
    text = _summary({"verifier.100KB.p50": 45.0, "verifier.1MB.p50": 50.0})
    assert "Verifier time per object" not in text


def _context(root: Path) -> BenchContext:
    return BenchContext(root, root / "out", root / "work", True, Sizes.for_run(True))


def test_the_section_skips_without_a_running_stack(tmp_path):
    section, curve = bench_verification(_context(tmp_path))
    assert (section.status, curve) == ("skipped", {})
    assert "make up" in section.reason and not section.figures


def test_without_the_event_source_adapter_the_reason_names_it(tmp_path):
    assert "no verifier" in str(_verifier_reason(_context(tmp_path)))
    config = tmp_path / "build" / "stack" / "event_sources.json"
    config.parent.mkdir(parents=True)
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config.write_text(json.dumps({"port": port, "function": {"name": "v"}}))
    assert "is not running" in str(_verifier_reason(_context(tmp_path)))


class _Mapping(BaseHTTPRequestHandler):
    enabled = False

    def do_GET(self) -> None:
        body = json.dumps({"enabled": self.enabled}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.mark.parametrize("enabled", [False, True])
def test_a_disabled_event_source_mapping_is_a_reason_an_enabled_one_gives_the_log(tmp_path, enabled):
    handler = type("Mapping", (_Mapping,), {"enabled": enabled})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = tmp_path / "build" / "stack" / "event_sources.json"
        config.parent.mkdir(parents=True)
        config.write_text(json.dumps({"port": server.server_address[1], "function": {"name": "the-verifier"}}))
        found = _verifier_reason(_context(tmp_path))
    finally:
        server.shutdown()
        server.server_close()
    if enabled:
        assert isinstance(found, Path) and found.name == "the-verifier.log"
    else:
        assert "disabled" in str(found)
