"""`make tf-validate` and `make tf-plan-json`: Terraform core's own checks on terraform/ (the
composition, its modules and its examples), run in a scratch copy under build/ against the
stand-in providers (or the real ones).

The scratch copy mirrors the repository layout (terraform/ copied, every other top-level
entry symlinked) so that paths such as "${path.module}/../build/lambda" resolve as they
do in the real tree, while a committed .terraform.lock.hcl for the real providers never
meets the stand-ins.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tf_offline.providers import BUILD, PLUGIN_DIR, ROOT

TERRAFORM = ROOT / "bin" / "terraform"
_NOT_MIRRORED = {"terraform", ".git", ".venv", "node_modules"}
# Replaces any backend of the root module for the offline plan: state stays in the scratch copy.
_LOCAL_BACKEND = 'terraform {\n  backend "local" {}\n}\n'


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def real_providers() -> bool:
    return os.environ.get("TF_PROVIDERS", "offline") == "real"


@dataclass
class Outcome:
    module: str
    steps: list[str] = field(default_factory=list)
    failed: str | None = None
    log: list[str] = field(default_factory=list)

    def run(self, cwd: Path, step: str, *args: str) -> bool:
        """One terraform command, its output kept for printing in one piece (modules run in parallel)."""
        started = time.monotonic()
        ok = _terraform(cwd, *args, log=self.log)
        if ok:
            self.steps.append(f"{step} {time.monotonic() - started:.0f}s")
        else:
            self.failed = step
        return ok


def _environment() -> dict[str, str]:
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    cli_config = ROOT / "build" / "terraform" / "terraformrc"
    if "TF_CLI_CONFIG_FILE" not in env and cli_config.is_file():
        # What bin/terraform would set, given up front: it then skips a re-exec per command.
        env["TF_CLI_CONFIG_FILE"] = str(cli_config)
    return env


def _terraform(cwd: Path, *args: str, log: list[str] | None = None) -> bool:
    header = f"$ terraform {' '.join(args)}    # in {_shown(cwd)}"
    env = _environment()
    if log is None:
        print(header, flush=True)
        return subprocess.run([str(TERRAFORM), *args], cwd=cwd, env=env).returncode == 0
    done = subprocess.run(
        [str(TERRAFORM), *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    log += [header, done.stdout]
    return done.returncode == 0


def _ignore(directory: str, names: list[str]) -> set[str]:
    ignored = {n for n in names if n == ".terraform" or n.endswith((".tfstate", ".tfstate.backup", ".tfplan"))}
    if not real_providers():
        ignored |= {n for n in names if n == ".terraform.lock.hcl"}
    return ignored


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def scratch_copy(source: Path, name: str) -> Path:
    """A fresh copy of source (a terraform/ tree) at build/tf_offline/work/<name>-<pid>/terraform.

    Per process, because several engineers' `make test` may run in one working tree at once;
    copies of finished runs are kept for inspection until the next run of the same name.
    """
    for stale in (BUILD / "work").glob(f"{name}-*"):
        pid = stale.name.removeprefix(f"{name}-")
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    work = BUILD / "work" / f"{name}-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copytree(source, work / "terraform", ignore=_ignore)
    for entry in ROOT.iterdir():
        if entry.name not in _NOT_MIRRORED:
            (work / entry.name).symlink_to(entry)
    return work / "terraform"


def module_dirs(tree: Path) -> list[Path]:
    """The composition, every module under modules/ and every example under examples/, where they hold .tf files."""
    candidates = [
        tree,
        *sorted(p for p in (tree / "modules").glob("*") if p.is_dir()),
        *example_dirs(tree),
    ]
    return [d for d in candidates if any(d.glob("*.tf"))]


def example_dirs(tree: Path) -> list[Path]:
    """The runnable root modules under examples/ (they configure providers; the composition does not)."""
    return sorted(p for p in (tree / "examples").glob("*") if p.is_dir() and any(p.glob("*.tf")))


def _child_module(module: Path, tree: Path) -> bool:
    return module.parent == tree / "modules"


def _init_args(*extra: str) -> list[str]:
    args = ["init", "-input=false", "-no-color", *extra]
    if not real_providers():
        args.append(f"-plugin-dir={PLUGIN_DIR}")
    return args


_ALIASES_RE = re.compile(r"(\w+)\s*=\s*\{[^{}]*?configuration_aliases\s*=\s*\[([^\]]*)\]", re.S)


def declare_aliases(module: Path) -> list[str]:
    """Give a child module the aliased provider configurations its caller would pass.

    `terraform validate` of a module that declares configuration_aliases, run on its own,
    fails with "Provider configuration not present"; an empty provider block per alias in
    the scratch copy stands in for the caller's.
    """
    aliases = []
    for tf in sorted(module.glob("*.tf")):
        for _local_name, items in _ALIASES_RE.findall(tf.read_text()):
            aliases += [a.strip() for a in items.split(",") if "." in a]
    blocks = [f'provider "{a.split(".")[0]}" {{\n  alias = "{a.split(".")[1]}"\n}}\n' for a in aliases]
    if blocks:
        (module / "zz_tf_offline_aliases.tf").write_text("# Written by harness/tf_offline.\n" + "".join(blocks))
    return aliases


def check_module(module: Path, tree: Path) -> Outcome:
    outcome = Outcome(str(module.relative_to(tree.parent)))
    # The composition and the child modules declare configuration_aliases; run on their own,
    # they get the provider blocks a caller would pass. Examples configure their own.
    if module == tree or _child_module(module, tree):
        declare_aliases(module)
    # Test files are validated by `terraform test` itself, which (unlike `validate` in 1.15)
    # hands a run block's module the test file's aliased mock providers.
    if not (
        outcome.run(module, "init", *_init_args("-backend=false"))
        and outcome.run(module, "validate", "validate", "-no-color", "-no-tests")
    ):
        return outcome
    tests = sorted((module / "tests").glob("*.tftest.hcl")) + sorted(module.glob("*.tftest.hcl"))
    if not tests:
        outcome.steps.append("test skipped (no *.tftest.hcl)")
        return outcome
    outcome.run(module, f"test ({len(tests)} file{'s' * (len(tests) != 1)})", "test", "-no-color")
    return outcome


def validate_tree(source: Path, name: str = "validate") -> list[Outcome]:
    """Every module of a scratch copy of source, JOBS at a time (default 2: Terraform spends
    much of its time waiting for provider processes to start)."""
    tree = scratch_copy(source, name)
    # Child modules and the composition are checked in a second copy: the provider blocks
    # written there for their configuration_aliases must not leak into the examples, which
    # call the composition (and its modules) from the first copy.
    modules_tree = scratch_copy(source, f"{name}-modules")
    jobs = int(os.environ.get("TF_VALIDATE_JOBS", "2"))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [
            pool.submit(check_module, m, modules_tree)
            for m in module_dirs(modules_tree)
            if m == modules_tree or _child_module(m, modules_tree)
        ]
        futures += [pool.submit(check_module, m, tree) for m in example_dirs(tree)]
        outcomes = []
        for future in futures:
            outcome = future.result()
            print("".join(f"{line}\n" if not line.endswith("\n") else line for line in outcome.log), flush=True)
            outcomes.append(outcome)
    return outcomes


def validate(source: Path = ROOT / "terraform") -> int:
    """fmt check, then init + validate + test of every module; 0 when all pass."""
    started = time.monotonic()
    mode = "real providers" if real_providers() else f"stand-in providers from {PLUGIN_DIR.relative_to(ROOT)}"
    if not source.is_dir() or not any(source.rglob("*.tf")):
        print(f"tf-validate: SKIPPED everything: {_shown(source)}/ holds no Terraform configuration yet")
        return 0
    # A formatting slip must not hide real errors: report it, check everything else anyway.
    fmt_ok = _terraform(ROOT, "fmt", "-check", "-recursive", "-diff", "-no-color", str(source))
    outcomes = validate_tree(source, "validate" if source == ROOT / "terraform" else f"validate-{source.name}")
    print(f"\ntf-validate ({mode}, {time.monotonic() - started:.0f}s):")
    fmt_status = "ok" if fmt_ok else "FAILED (run `bin/terraform fmt -recursive` on it)"
    print(f"  {'terraform fmt -check':<32} {fmt_status}")
    for o in outcomes:
        status = f"FAILED at {o.failed.split()[0]}" if o.failed else "ok"
        print(f"  {o.module:<32} {status:<20} {', '.join(o.steps)}")
    if not outcomes:
        print("  SKIPPED: no module with .tf files")
    return 1 if not fmt_ok or any(o.failed for o in outcomes) else 0


def plan_json(env: str, source: Path = ROOT / "terraform") -> int:
    """Plan the example examples/<env> (a root module: local, complete); write
    build/terraform/plan-<env>.json (for another tree than terraform/: next to its scratch copy)."""
    if not (source / "examples" / env).is_dir():
        print(f"tf-plan-json: {_shown(source / 'examples' / env)} does not exist")
        return 1
    copy = scratch_copy(source, f"plan-{env}" if source == ROOT / "terraform" else f"plan-{env}-{source.name}")
    tree = copy / "examples" / env
    # Any backend of the example (complete's S3 block) is overridden: state stays in the scratch copy.
    (tree / "zz_tf_offline_backend_override.tf").write_text(_LOCAL_BACKEND)
    plan = tree / f"plan-{env}.tfplan"
    if not _terraform(tree, *_init_args("-reconfigure")):
        return 1
    if not _terraform(tree, "plan", "-input=false", "-no-color", "-lock=false", f"-out={plan}"):
        return 1
    default_tree = source == ROOT / "terraform"
    out = (ROOT / "build" / "terraform" if default_tree else copy) / f"plan-{env}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    env_vars = _environment()
    shown = subprocess.run(
        [str(TERRAFORM), "show", "-json", str(plan)], cwd=tree, env=env_vars, capture_output=True, text=True
    )
    if shown.returncode != 0:
        print(shown.stderr)
        return 1
    out.write_text(shown.stdout)
    print(f"tf-plan-json: wrote {_shown(out)}")
    return 0
