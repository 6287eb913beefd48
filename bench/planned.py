"""The functions' configuration as Terraform plans it for the local stack
(build/terraform/plan-local.json, written by `make tf-plan-json`): the bench runs the upload API
with the planned environment and the edge with the planned root output `edge_config`, and
overrides only what names its own resources or keys, so it measures the configuration a
deployment really gets and never restates the contract."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stack import paths
from stack.plan import Plan, Resource
from stack.provision import load_plan


class PlanMissing(RuntimeError):
    """The plan is absent or does not hold what the bench needs; the message says what to run."""


def _plan(path: Path) -> Plan:
    if not path.is_file():
        raise PlanMissing(f"{path} is missing: run `make tf-plan-json` (make bench does)")
    return load_plan(path)


EDGE_CONFIG_OUTPUT = "edge_config"


def _known(flags: Any) -> bool:
    """True when an `after_unknown` entry marks nothing inside it as unknown."""
    if flags is True:
        return False
    if isinstance(flags, dict):
        return all(_known(flag) for flag in flags.values())
    if isinstance(flags, list):
        return all(_known(flag) for flag in flags)
    return True


def planned_edge_config(
    replace: dict[str, Any], *, drop: tuple[str, ...] = (), path: Path = paths.PLAN
) -> dict[str, Any]:
    """The edge's baked configuration as the plan's root output `edge_config` holds it, with
    `replace` overriding planned settings (every setting the plan leaves wholly or partly unknown,
    e.g. the KMS key's `keys`, must be among them) and `drop` removing planned ones. A name that
    is not planned fails, so a renamed setting cannot leave the bench on a stale one."""
    plan = _plan(path)
    entry = plan.root_outputs().get(EDGE_CONFIG_OUTPUT)
    if entry is None:
        raise PlanMissing(f"the plan has no root output {EDGE_CONFIG_OUTPUT!r} (terraform/outputs.tf)")
    # Partly unknown before apply: planned_values omits it, output_changes holds the known part.
    value = entry.get("value", plan.data.get("output_changes", {}).get(EDGE_CONFIG_OUTPUT, {}).get("after"))
    flags = entry.get("unknown")
    if flags is True or not isinstance(value, dict):
        raise PlanMissing(f"output.{EDGE_CONFIG_OUTPUT} is unknown in the plan")
    flags = flags if isinstance(flags, dict) else {}
    unknown = {name for name, flag in flags.items() if not _known(flag)}
    planned = set(value) | unknown
    problems = [
        *(f"{name} is unknown in the plan and not replaced" for name in sorted(unknown - set(replace))),
        *(f"{name} (replace/drop) is not planned" for name in sorted((set(replace) | set(drop)) - planned)),
    ]
    if problems:
        raise PlanMissing(f"output.{EDGE_CONFIG_OUTPUT}: " + "; ".join(problems))
    kept = {name: setting for name, setting in value.items() if name not in drop}
    return {**kept, **replace}


def _upload_api_function(plan: Plan) -> Resource:
    functions = [r for r in plan.of_type("aws_lambda_function") if r.module.endswith("module.upload_api")]
    if len(functions) != 1:
        raise PlanMissing(f"the plan holds {len(functions)} upload API functions, expected 1")
    return functions[0]


def planned_api_environment(
    replace: dict[str, str], *, drop: tuple[str, ...] = (), add: dict[str, str] | None = None, path: Path = paths.PLAN
) -> dict[str, str]:
    """The upload API's planned environment: `replace` overrides planned variables (every one the
    plan leaves unknown must be among them), `drop` removes planned ones, `add` sets variables the
    plan does not have. A name that does not fit its argument fails, so a renamed variable in
    Terraform cannot silently leave the bench on a stale name."""
    function = _upload_api_function(_plan(path))
    block: dict[str, Any] = (function.values.get("environment") or [{}])[0]
    variables = {name: str(value) for name, value in (block.get("variables") or {}).items()}
    unknown_block = function.unknown.get("environment") if isinstance(function.unknown, dict) else None
    flags: Any = unknown_block[0] if isinstance(unknown_block, list) and unknown_block else {}
    flags = flags.get("variables", {}) if isinstance(flags, dict) else {}
    unknown = {name for name, flag in flags.items() if flag is True} if isinstance(flags, dict) else set()
    planned = set(variables) | unknown
    problems = [
        *(f"{name} is unknown in the plan and not replaced" for name in sorted(unknown - set(replace))),
        *(f"{name} (replace/drop) is not planned" for name in sorted((set(replace) | set(drop)) - planned)),
        *(f"{name} (add) is planned already" for name in sorted(set(add or {}) & planned)),
    ]
    if problems:
        raise PlanMissing("upload API environment: " + "; ".join(problems))
    kept = {name: value for name, value in variables.items() if name not in drop}
    return {**kept, **replace, **(add or {})}


@dataclass(frozen=True)
class PlannedFunction:
    """The upload API function's settings that shape a cold start in the Lambda runtime."""

    handler: str
    memory_mb: int
    timeout_seconds: int


def planned_api_function(path: Path = paths.PLAN) -> PlannedFunction:
    """The upload API's handler, memory size and timeout as planned (the local stack runs it so)."""
    values = _upload_api_function(_plan(path)).values
    try:
        return PlannedFunction(str(values["handler"]), int(values["memory_size"]), int(values["timeout"]))
    except (KeyError, TypeError, ValueError):
        raise PlanMissing("the upload API function has no planned handler, memory_size or timeout") from None
