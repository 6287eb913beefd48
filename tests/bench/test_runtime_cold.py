"""Reading a cold start from the runtime's REPORT lines (Lambda's tab-separated shape)."""

from __future__ import annotations

import pytest

from bench.runtime_cold import RuntimeColdStartError, cold_report, cold_report_ms

COLD = (
    "REPORT RequestId: 1f0e\tDuration: 2.50 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\t"
    "Max Memory Used: 23 MB\tInit Duration: 40.25 ms"
)
WARM = "REPORT RequestId: 2a1b\tDuration: 0.75 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 23 MB"


def test_a_cold_request_is_its_init_plus_its_duration() -> None:
    log = f"START RequestId: 1f0e Version: $LATEST\nEND RequestId: 1f0e\n{COLD}\n"
    assert cold_report_ms(log) == 42.75


def test_the_first_report_with_an_init_duration_counts() -> None:
    assert cold_report_ms(f"{WARM}\n{COLD}\n{COLD.replace('40.25', '99.00')}\n") == 42.75


def test_a_log_without_a_cold_report_is_an_error() -> None:
    with pytest.raises(RuntimeColdStartError):
        cold_report_ms(f"{WARM}\n")


def test_the_report_figures_of_a_cold_request() -> None:
    report = cold_report(f"{WARM}\n{COLD}\n")
    assert (report.init_ms, report.duration_ms, report.max_memory_mb, report.total_ms) == (40.25, 2.5, 23, 42.75)
