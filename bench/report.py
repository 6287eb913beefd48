"""build/bench/report.md: the results as Markdown tables, one per section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.readiness import POLL_SECONDS

POLL_MS = POLL_SECONDS * 1000


@dataclass(frozen=True)
class SummaryRow:
    """One line of the summary: figures of ours, of the reference and of the baseline (same
    units), each shown as "a / b / c"; reference ÷ ours and ours ÷ baseline are taken on the
    first figure of each."""

    label: str
    ours: tuple[str, ...]
    reference: tuple[str, ...] = ()
    ratio: bool = True
    baseline: tuple[str, ...] = ()


_EDGE_REFERENCE = ("edge.warm.reference.p50", "edge.warm.reference.p99")
# The summary table at the top of the report, which is also the README's Performance table.
SUMMARY = (
    SummaryRow(
        "Edge authorizer, warm, token seen before (cache hit): p50 / p99",
        ("edge.warm.ours_cached.p50", "edge.warm.ours_cached.p99"),
        _EDGE_REFERENCE,
        baseline=("edge.warm.baseline_cached.p50", "edge.warm.baseline_cached.p99"),
    ),
    SummaryRow(
        "Edge authorizer, warm, new token, OpenSSL backend: p50 / p99",
        ("edge.warm.ours_uncached.p50", "edge.warm.ours_uncached.p99"),
        _EDGE_REFERENCE,
        baseline=("edge.warm.baseline_uncached.p50", "edge.warm.baseline_uncached.p99"),
    ),
    SummaryRow(
        "Edge authorizer, warm, new token, pure-Python fallback: p50 / p99",
        ("edge.warm.ours_python_uncached.p50", "edge.warm.ours_python_uncached.p99"),
        _EDGE_REFERENCE,
        baseline=("edge.warm.baseline_uncached.p50", "edge.warm.baseline_uncached.p99"),
    ),
    SummaryRow(
        "Floor: the raw RS256 verify of the same token, OpenSSL / pure Python: p50",
        ("edge.floor.openssl", "edge.floor.python"),
        ratio=False,
    ),
    SummaryRow(
        "Edge, new token, ours ÷ floor (whole handler ÷ raw verify), OpenSSL / pure Python",
        ("edge.warm.ratio_openssl_vs_floor", "edge.warm.ratio_python_vs_floor"),
        ratio=False,
    ),
    SummaryRow(
        "Edge cold start, import + first request, as built: OpenSSL / pure-Python fallback"
        " (reference: precompiled / sources)",
        ("edge.cold.ours.p50", "edge.cold.ours_python.p50"),
        ("edge.cold_bytecode.reference.p50", "edge.cold.reference.p50"),
        baseline=("edge.cold.baseline.p50",),
    ),
    SummaryRow(
        "Edge cold start in the Lambda runtime (REPORT Init Duration + Duration, 128 MB)",
        ("edge.cold_runtime.ours.p50",),
        baseline=("edge.cold_runtime.baseline.p50",),
    ),
    SummaryRow(
        "Edge peak RSS (function memory 128 MB): after the first request / after the new-token series"
        " (the runner holds the series' event strings)",
        ("edge.rss.ours.cold", "edge.rss.ours_uncached.warm"),
        ("edge.rss.reference.cold", "edge.rss.reference.warm"),
        baseline=("edge.rss.baseline.cold",),
    ),
    SummaryRow(
        "Edge package, zipped (Lambda@Edge limit: 1,048,576 B)",
        ("edge.package.ours",),
        ("edge.package.reference",),
        baseline=("edge.package.baseline",),
    ),
    SummaryRow(
        "Upload API `POST /uploads`, warm, total: p50 / p99", ("api.uploads.total.p50", "api.uploads.total.p99")
    ),
    SummaryRow(
        "… of which our code (the rest is DynamoDB): p50 / p99", ("api.uploads.ours.p50", "api.uploads.ours.p99")
    ),
    SummaryRow(
        "Upload API `POST /downloads`, warm, total: p50 / p99", ("api.downloads.total.p50", "api.downloads.total.p99")
    ),
    SummaryRow(
        "… of which our code (the rest is LocalStack's KMS Sign): p50 / p99",
        ("api.downloads.ours.p50", "api.downloads.ours.p99"),
    ),
    SummaryRow(
        "Upload API cold start, import + first request, as built: `POST /uploads` / `POST /downloads`",
        ("api.uploads.cold.p50", "api.downloads.cold.p50"),
        baseline=("api.uploads.cold_baseline.p50", "api.downloads.cold_baseline.p50"),
    ),
    SummaryRow(
        "Upload API cold start in the Lambda runtime (REPORT Init Duration + Duration, planned memory):"
        " `POST /uploads` / `POST /downloads`",
        ("api.uploads.cold_runtime.ours.p50", "api.downloads.cold_runtime.ours.p50"),
        baseline=("api.uploads.cold_runtime.baseline.p50", "api.downloads.cold_runtime.baseline.p50"),
    ),
    SummaryRow(
        "Server CPU per 1 MB upload (reference: 2-hop server)", ("twohop.direct.1MB.cpu",), ("twohop.proxy.1MB.cpu",)
    ),
    SummaryRow(
        "Server CPU per 10 MB upload (reference: 2-hop server)", ("twohop.direct.10MB.cpu",), ("twohop.proxy.10MB.cpu",)
    ),
    SummaryRow(
        "Request bytes the server receives per 10 MB upload",
        ("twohop.direct.10MB.request_bytes",),
        ("twohop.proxy.10MB.request_bytes",),
        ratio=False,  # ours is a few dozen bytes of JSON: the quotient means nothing
    ),
    SummaryRow(
        "Local stack uploads per second, 1 / 4 / 16 / 64 clients",
        ("e2e.uploads.c1.rate", "e2e.uploads.c4.rate", "e2e.uploads.c16.rate", "e2e.uploads.c64.rate"),
    ),
    SummaryRow(
        "Local stack upload p99, 1 / 4 / 16 / 64 clients",
        ("e2e.uploads.c1.p99", "e2e.uploads.c4.p99", "e2e.uploads.c16.p99", "e2e.uploads.c64.p99"),
    ),
    SummaryRow(
        "Local stack downloads per second, 1 / 4 / 16 / 64 clients",
        ("e2e.downloads.c1.rate", "e2e.downloads.c4.rate", "e2e.downloads.c16.rate", "e2e.downloads.c64.rate"),
    ),
    SummaryRow(
        "Local stack download p99, 1 / 4 / 16 / 64 clients",
        ("e2e.downloads.c1.p99", "e2e.downloads.c4.p99", "e2e.downloads.c16.p99", "e2e.downloads.c64.p99"),
    ),
    SummaryRow(
        "Verification: upload completion to `ready` as the owner's status poll sees it"
        f" (polled every {POLL_MS:g} ms), 1 uploader: p50 / p99",
        ("verification.ready.c1.p50", "verification.ready.c1.p99"),
    ),
    SummaryRow(
        f"… 16 uploaders at once (polled every {POLL_MS:g} ms): p50 / p99",
        ("verification.ready.c16.p50", "verification.ready.c16.p99"),
    ),
    SummaryRow(
        "Verifier time per object (its REPORT Duration, planned memory), 100 KB / 10 MB / 200 MB (multipart): p50",
        ("verification.verifier.100KB.p50", "verification.verifier.10MB.p50", "verification.verifier.200MB.p50"),
    ),
    SummaryRow("Verifier time per MB (200 MB vs 100 KB)", ("verification.verifier.per_mb",)),
)

_UNIT_SUFFIX = {
    "us": " µs",
    "ms": " ms",
    "s": " s",
    "bytes": " B",
    "x": "\N{MULTIPLICATION SIGN}",
    "%": " %",
    "req/s": " req/s",
}


def format_number(value: float | int | None) -> str:
    """Three significant figures or so, thousands separated; integers stay exact."""
    if value is None:
        return "n/a"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def unit_suffix(unit: str) -> str:
    return _UNIT_SUFFIX.get(unit, f" {unit}" if unit else "")


def format_value(value: float | int | None, unit: str) -> str:
    text = format_number(value)
    if value is None:
        return text
    return text + unit_suffix(unit)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(figures: list[dict[str, Any]]) -> list[str]:
    lines = ["| Figure | Value | Note |", "|---|---:|---|"]
    for figure in figures:
        value = format_value(figure["value"], figure["unit"])
        lines.append(f"| {_escape(figure['label'])} | {value} | {_escape(figure.get('note', ''))} |")
    return [*lines, ""]


def _joined(figures: list[dict[str, Any]]) -> str:
    """ "a / b / c unit" for figures of one unit."""
    if not figures:
        return ""
    return " / ".join(format_number(figure["value"]) for figure in figures) + unit_suffix(figures[0]["unit"])


def _quotient(numerator: list[dict[str, Any]], denominator: list[dict[str, Any]]) -> str:
    """numerator ÷ denominator on the first figure of each, or "" when either is missing or 0."""
    if not numerator or not denominator or not numerator[0]["value"] or not denominator[0]["value"]:
        return ""
    return format_value(numerator[0]["value"] / denominator[0]["value"], "x")


def _baseline_ref(results: dict[str, Any]) -> str:
    for section in results["sections"]:
        ref = section.get("details", {}).get("baseline", {}).get("ref")
        if ref:
            return str(ref)[:12]
    return "(none measured)"


def render_summary(results: dict[str, Any]) -> list[str]:
    """The SUMMARY rows this run measured, plus the sections it did not measure."""
    by_key = {figure["key"]: figure for section in results["sections"] for figure in section["figures"]}
    lines = ["## Summary", ""]
    rows = []
    for row in SUMMARY:
        ours = [by_key[key] for key in row.ours if key in by_key]
        if len(ours) != len(row.ours) or any(figure["value"] is None for figure in ours):
            continue  # not (fully) measured in this run
        reference = [by_key[key] for key in row.reference if key in by_key and by_key[key]["value"] is not None]
        baseline = [by_key[key] for key in row.baseline if key in by_key and by_key[key]["value"] is not None]
        rows.append(
            f"| {row.label} | {_joined(ours)} | {_joined(reference)} | "
            f"{_quotient(reference, ours) if row.ratio else ''} | {_joined(baseline)} | {_quotient(ours, baseline)} |"
        )
    if rows:
        header = (
            "| Measure | Ours | Reference | Reference ÷ ours (> 1: ours is cheaper) "
            "| Baseline | Ours ÷ baseline (< 1: ours is cheaper) |"
        )
        lines += [header, "|---|---:|---:|---:|---:|---:|", *rows, ""]
        lines += [
            "Reference: the edge rows compare with the same checks written with PyJWT + cryptography (which "
            "cannot ship to Lambda@Edge); the server-CPU rows compare with a 2-hop server that receives the "
            "file and puts it to S3 itself. Upload API and local stack rows have no reference. "
            f"Baseline: both packages as built at commit {_baseline_ref(results)}, measured in the same run. "
            "Ratios are taken on the first figure of each cell.",
            "",
        ]
    missing = [
        f"{section['title']}: {section['status']}" for section in results["sections"] if section["status"] != "ok"
    ]
    if missing:
        lines += ["Not measured in this run: " + "; ".join(missing) + " (reasons below).", ""]
    return lines


def render_section(section: dict[str, Any]) -> list[str]:
    lines = [f"### {section['title']}", ""]
    if section["status"] != "ok":
        lines += [f"**{section['status'].upper()}**: {_escape(section['reason'])}", ""]
    if section["figures"]:
        lines += _table(section["figures"])
    method = section.get("details", {}).get("method")
    if method:
        lines += [f"How: {method}", ""]
    return lines


def render(results: dict[str, Any]) -> str:
    machine = results["machine"]
    lines = [
        "# Benchmark report",
        "",
        f"Run {results['started_at']} .. {results['finished_at']}"
        + (" (QUICK=1: tiny sample counts, numbers are not meaningful)" if results["quick"] else ""),
        "",
        f"Machine: {machine['cpu_model']}, {machine['cpus_usable']} usable CPUs, "
        f"{machine.get('memory_mib')} MiB, {machine['os']}, {machine['python']}; "
        f"load average at start {', '.join(f'{x:.2f}' for x in machine['load_average_at_start'])}; "
        f"commit {machine['git_commit']}.",
        "",
    ]
    lines += render_summary(results)
    lines += ["## Details", ""]
    for section in results["sections"]:
        lines += render_section(section)
    if results.get("plots"):
        lines += ["### Plots", ""] + [f"![{name}]({name})" for name in results["plots"]] + [""]
    return "\n".join(lines)
