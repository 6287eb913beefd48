import json
from pathlib import Path

import pytest

from bench.report import format_number, format_value, render
from bench.results import Results, Section, describe_machine
from bench.stats import summarise

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "n/a"), (1_048_576, "1,048,576"), (1234.56, "1,235"), (55.55, "55.5"), (0.123, "0.12"), (0, "0")],
)
def test_format_number(value, text):
    assert format_number(value) == text


def test_format_value_units():
    assert format_value(55.0, "us") == "55.0 µs"
    assert format_value(3.2, "x") == "3.20\N{MULTIPLICATION SIGN}"
    assert format_value(166_838, "bytes") == "166,838 B"
    assert format_value(None, "ms") == "n/a"


def _results() -> Results:
    results = Results(machine=describe_machine_stub(), quick=False, started_at="2026-01-01T00:00:00+00:00")
    edge = Section("edge", "Edge authorizer")
    edge.add_summary("warm.ours_cached", "Warm, ours:", summarise([10.0, 20.0, 30.0]), "us")
    edge.add("ratio", "Ratio | with pipe", 0.5, "x", "a note")
    results.sections.append(edge)
    results.sections.append(Section("e2e", "Local stack end to end").skip("the local stack is not running"))
    results.finished_at = "2026-01-01T00:01:00+00:00"
    return results


def describe_machine_stub() -> dict:
    return {
        "cpu_model": "Test CPU",
        "cpus_usable": 2,
        "memory_mib": 1024,
        "os": "Linux",
        "python": "CPython 3.13.0",
        "load_average_at_start": [0.5, 0.25, 0.0],
        "git_commit": "abc1234",
    }


def test_add_summary_keys_figures_by_section_and_statistic():
    results = _results()
    assert results.figure("edge.warm.ours_cached.p50").value == 20.0
    assert results.figure("edge.warm.ours_cached.p99").unit == "us"
    assert results.figure("edge.warm.ours_cached.p90") is None  # only the statistics asked for
    assert results.sections[0].details["samples"] == {"warm.ours_cached": 3}


def test_render_has_machine_table_and_skip_reason():
    document = json.loads(json.dumps(_results().as_dict()))  # what results.json holds
    report = render(document)
    assert "Test CPU, 2 usable CPUs" in report
    assert "| Warm, ours: p50 | 20.0 µs |  |" in report
    assert "| Ratio \\| with pipe | 0.50\N{MULTIPLICATION SIGN} | a note |" in report
    assert "**SKIPPED**: the local stack is not running" in report
    assert "QUICK=1" not in report


def test_render_flags_quick_runs():
    results = _results()
    results.quick = True
    assert "QUICK=1: tiny sample counts" in render(results.as_dict())


def test_every_figure_in_results_json_has_a_unit():
    document = _results().as_dict()
    assert document["schema"] == 1
    for section in document["sections"]:
        for figure in section["figures"]:
            assert figure["unit"]


def test_describe_machine_reports_this_machine(tmp_path):
    machine = describe_machine(tmp_path)  # not a git checkout: the commit is "unknown", not an error
    assert machine["cpus_usable"] >= 1
    assert machine["python"].startswith("CPython 3.13")
    assert len(machine["load_average_at_start"]) == 3
    assert machine["git_commit"] == "unknown"


def test_summary_compares_ours_with_the_reference_and_skips_rows_not_measured():
    results = _results()
    edge = results.sections[0]
    edge.add_summary("warm.ours_uncached", "full verify", summarise([200.0]), "us")
    edge.add_summary("warm.reference", "reference", summarise([100.0]), "us")
    report = render(results.as_dict())
    summary = report.split("## Summary", 1)[1].split("## Details", 1)[0]
    times = "\N{MULTIPLICATION SIGN}"
    assert f"| 20.0 / 29.8 µs | 100 / 100 µs | 5.00{times} |" in summary  # cache hit: reference / ours = 5
    assert f"| 200 / 200 µs | 100 / 100 µs | 0.50{times} |" in summary  # full verify
    assert "`POST /uploads`" not in summary  # nothing of the API measured: no row, not a row of n/a
    assert "Not measured in this run: Local stack end to end: skipped" in summary


def test_summary_has_baseline_and_floor_columns():
    results = _results()
    edge = results.sections[0]
    edge.details["baseline"] = {"ref": "a2901a2b963ba5371580647d2b79e16e9cc3e3e7"}
    edge.add_summary("warm.ours_uncached", "full verify", summarise([50.0]), "us")
    edge.add_summary("warm.reference", "reference", summarise([100.0]), "us")
    edge.add_summary("warm.baseline_uncached", "baseline", summarise([200.0]), "us")
    edge.add("floor.openssl", "floor", 25.0, "us")
    edge.add("floor.python", "floor", 150.0, "us")
    edge.add("warm.ratio_openssl_vs_floor", "ratio", 2.0, "x")
    edge.add("warm.ratio_python_vs_floor", "ratio", 1.5, "x")
    edge.add("cold.ours.p50", "cold", 40.0, "ms")
    edge.add("cold.ours_python.p50", "cold", 60.0, "ms")
    edge.add("cold.baseline.p50", "cold", None, "ms", "not measured")  # a figure without a value
    summary = render(results.as_dict()).split("## Summary", 1)[1].split("## Details", 1)[0]
    times = "\N{MULTIPLICATION SIGN}"
    # reference ÷ ours = 2, ours ÷ baseline = 0.25
    assert f"| 50.0 / 50.0 µs | 100 / 100 µs | 2.00{times} | 200 / 200 µs | 0.25{times} |" in summary
    assert "| 25.0 / 150 µs |  |  |  |  |" in summary  # the floor: no ratio of its own
    assert f"| 2.00 / 1.50{times} |  |  |  |  |" in summary
    assert "| 40.0 / 60.0 ms |  |  |  |  |" in summary  # baseline without a value: empty, not n/a
    assert "commit a2901a2b963b" in summary


def test_summary_skips_rows_whose_own_figures_have_no_value():
    results = _results()
    results.sections[0].add("package.ours", "size", None, "bytes")
    summary = render(results.as_dict()).split("## Summary", 1)[1].split("## Details", 1)[0]
    assert "Edge package" not in summary


def test_baseline_of_an_unknown_commit_is_a_reason_not_an_error(tmp_path):
    from bench.baseline import baseline
    from bench.context import BenchContext, Sizes

    ctx = BenchContext(ROOT, tmp_path / "out", tmp_path, quick=True, sizes=Sizes.for_run(True))
    built = baseline(ctx, ref="0" * 40)
    assert built.zips == {}
    assert "not in this clone's history" in built.reason
