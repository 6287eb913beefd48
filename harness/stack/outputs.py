"""build/outputs.json in the form of `terraform output -json`, and web/config.json from it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stack.plan import Plan, Unresolved


def type_of(value: Any) -> Any:
    """The cty type Terraform prints for a value (lists of one element type are lists, as for
    variables of type list(...); other sequences are tuples)."""
    scalars = {bool: "bool", int: "number", float: "number", str: "string"}
    if type(value) in scalars:
        return scalars[type(value)]
    if isinstance(value, list):
        types = [type_of(v) for v in value]
        if types and all(t == types[0] for t in types):
            return ["list", types[0]]
        return ["tuple", types]
    if isinstance(value, dict):
        return ["object", {k: type_of(v) for k, v in value.items()}]
    return "dynamic"


def _merge(known: Any, unknown: Any, local: dict[str, Any], name: str) -> Any:
    """Known parts of a planned value, with unknown members filled from `local` by name."""
    if unknown is True:
        if name in local:
            return local[name]
        raise Unresolved(f"output member {name!r} is unknown and has no local value")
    if isinstance(known, dict):
        flags = unknown if isinstance(unknown, dict) else {}
        keys = set(known) | {k for k, v in flags.items() if v is True}
        return {k: _merge(known.get(k), flags.get(k, False), local, k) for k in sorted(keys)}
    return known


def root_outputs(plan: Plan, local: dict[str, Any], resolve: Callable[[str], Any]) -> dict[str, dict[str, Any]]:
    """Every root output of the plan: known values as planned, unknown ones made local.

    Unknown values come from `local` (the stack's URLs and emulated ids, by output or member
    name) or else from `resolve` (a reference chain to a created resource)."""
    changes = plan.data.get("output_changes", {})
    result = {}
    for name, entry in plan.root_outputs().items():
        change = changes.get(name, {})
        known = entry.get("value", change.get("after"))
        unknown = entry["unknown"]  # Plan.root_outputs already prefers the change's after_unknown
        needs_resolving = unknown is True and name not in local
        value = resolve(name) if needs_resolving else _merge(known, unknown, local, name)
        result[name] = {"sensitive": bool(entry.get("sensitive", False)), "type": type_of(value), "value": value}
    return result


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
