"""`python -m bench [--quick] [--out build/bench]`: run every section, write results.json,
report.md and the plots. A section whose prerequisites are missing is reported as skipped
(with the reason); a section that breaks is reported as failed and makes the exit status 1."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import plots
from bench.context import BenchContext, Sizes
from bench.report import render
from bench.results import Results, Section, describe_machine, utc_now

ROOT = Path(__file__).resolve().parents[1]


def _sections() -> list[tuple[str, str, Callable[[BenchContext], tuple[Section, Any]]]]:
    from bench.api import bench_api
    from bench.e2e import bench_e2e
    from bench.edge import bench_edge
    from bench.multipart import bench_multipart
    from bench.twohop import bench_twohop
    from bench.verification import bench_verification

    return [
        ("edge", "Edge authorizer (Lambda@Edge viewer-request)", bench_edge),
        ("api", "Upload API in-process (LocalStack behind it)", bench_api),
        ("twohop", "Direct upload vs 2-hop: server CPU per upload", bench_twohop),
        ("e2e", "Local stack end to end", bench_e2e),
        ("multipart", "Upload throughput: single request vs multipart", bench_multipart),
        ("verification", "Verified content: upload to ready, verifier time per object", bench_verification),
    ]


def _plot(ctx: BenchContext, key: str, data: Any) -> list[str]:
    out = ctx.out_dir
    if not data:
        return []
    if key == "edge":
        return [
            plots.latency_distributions(
                data, "µs", "Edge authorizer: warm time per request", out / "edge_latency.png"
            ).name
        ]
    if key == "api":
        return [
            plots.latency_distributions(
                data, "ms", "Upload API in-process: warm time per request", out / "api_latency.png"
            ).name
        ]
    if key == "twohop":
        title = "Server CPU per upload: direct upload (presign only) vs 2-hop server"
        return [plots.grouped_bars(data, "server CPU per upload (ms)", title, out / "twohop_cpu.png").name]
    if key == "e2e":
        return [plots.throughput_vs_concurrency(data, "Local stack end to end", out / "e2e_throughput.png").name]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sample counts: checks the code paths, not the speed")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="run only these sections (edge, api, twohop, e2e, multipart, verification)",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for stale in args.out.glob("*.png"):
        stale.unlink()

    results = Results(machine=describe_machine(ROOT), quick=args.quick, started_at=utc_now())
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        ctx = BenchContext(ROOT, args.out, Path(tmp), args.quick, Sizes.for_run(args.quick))
        for key, title, run in _sections():
            if args.only and key not in args.only:
                continue
            ctx.log(f"section {key}")
            try:
                section, data = run(ctx)
            except Exception as exc:
                traceback.print_exc()
                section, data = Section(key, title).fail(f"{type(exc).__name__}: {exc}"), None
            results.sections.append(section)
            if section.status != "ok":
                ctx.log(f"section {key}: {section.status}: {section.reason}")
            results.plots += _plot(ctx, key, data)

    results.finished_at = utc_now()
    results.machine["load_average_at_end"] = list(os.getloadavg())
    document = results.as_dict()
    (args.out / "results.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    (args.out / "report.md").write_text(render(document), encoding="utf-8")
    ctx.log(f"wrote {args.out / 'results.json'}, {args.out / 'report.md'} and {len(results.plots)} plots")
    return 1 if any(section.status == "failed" for section in results.sections) else 0


if __name__ == "__main__":
    raise SystemExit(main())
