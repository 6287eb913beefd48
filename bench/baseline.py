"""The baseline: both Lambda packages as built at BASELINE_REF, measured in the same run as
ours ("ours ÷ baseline"). Built once into build/bench/baseline/ by that commit's own
packaging script, from that commit's sources and pins, with the wheels cached in
build/lambda/.wheels (copied, so neither cache changes the other); later runs reuse it.
Where it cannot be built (no git history, a wheel missing and no network), the baseline
rows are reported as skipped with the reason."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from bench.context import BenchContext

# The one place the baseline is named: main just before issue 14's edge work (the parent of
# 12c70c3 "edge RS256: OpenSSL ... backend"): pure-Python RS256, zips of sources only.
BASELINE_REF = "a2901a2"
PACKAGES = ("upload_api", "edge_auth")


@dataclass(frozen=True)
class Baseline:
    ref: str  # the full commit hash
    zips: dict[str, Path]  # package name -> zip
    reason: str = ""  # why there is none


def _git(ctx: BenchContext, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=ctx.root, capture_output=True, timeout=120, check=False)


def _seed_wheels(source: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for wheel in source.glob("*.whl") if source.is_dir() else ():
        if not (dest / wheel.name).exists():
            shutil.copy2(wheel, dest / wheel.name)


def baseline(ctx: BenchContext, ref: str = BASELINE_REF) -> Baseline:
    """The baseline's zips, built on first use."""
    resolved = _git(ctx, "rev-parse", "--verify", f"{ref}^{{commit}}")
    if resolved.returncode != 0:
        return Baseline(ref, {}, f"commit {ref} is not in this clone's history")
    commit = resolved.stdout.decode().strip()
    home = ctx.build_dir / "bench" / "baseline"
    out = home / "lambda"
    zips = {name: out / f"{name}.zip" for name in PACKAGES}
    stamp = home / "COMMIT"
    if stamp.is_file() and stamp.read_text().strip() == commit and all(z.is_file() for z in zips.values()):
        return Baseline(commit, zips)
    ctx.log(f"baseline: building {ref} ({commit[:12]}) into {home.relative_to(ctx.root)}")
    shutil.rmtree(home, ignore_errors=True)
    source = home / "src"
    source.mkdir(parents=True)
    archive = _git(ctx, "archive", "--format=tar", commit)
    if archive.returncode != 0:
        return Baseline(commit, {}, f"git archive {ref} failed: {archive.stderr.decode()[-300:]}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(source, filter="data")
    wheels = home / ".wheels"
    _seed_wheels(ctx.build_dir / "lambda" / ".wheels", wheels)
    env = {**os.environ, "PIP_RETRIES": "0", "PIP_DEFAULT_TIMEOUT": "10"}
    built = subprocess.run(
        [
            sys.executable,
            str(source / "packaging" / "build_lambda.py"),
            "--out",
            str(out),
            "--wheels",
            str(wheels),
            "--edge-config",
            str(source / "lambda_src" / "edge_config.example.json"),
        ],
        cwd=source,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    if built.returncode != 0 or not all(z.is_file() for z in zips.values()):
        tail = (built.stderr or built.stdout)[-400:].strip().replace("\n", " ")
        return Baseline(commit, {}, f"the build of {ref} failed ({built.returncode}): {tail}")
    shutil.rmtree(source)
    stamp.write_text(commit + "\n")
    return Baseline(commit, zips)
