"""Terraform's JSON plan, read for provisioning: planned values, what is unknown, and references.

Values of computed attributes (ids, ARNs, URLs) are unknown in a plan, and so is every value
derived from them. References are resolved against what the provisioner itself created: the
`configuration` section of the plan lists each expression's references, and a chain of direct
references (`aws_s3_bucket.uploads.id`, `var.bucket_name` -> the module call's argument ->
`module.storage.bucket_id` -> that module's output) is followed to a created resource's real
attribute or to a known value. Expressions that compute something out of unknown values (a
jsonencode()d policy, a `local`) cannot be evaluated from the plan: the caller reports them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

_REFERENCE = re.compile(
    r"^(?P<type>[a-z0-9_]+)\.(?P<name>[A-Za-z0-9_-]+)(?:\[(?P<index>[^\]]+)\])?(?:\.(?P<attr>.+))?$"
)


class Unresolved(LookupError):
    """A value the plan does not know and no reference chain leads to."""


@dataclass
class Resource:
    address: str
    module: str  # "" for the root module, else "module.a" or "module.a.module.b"
    mode: str
    type: str
    name: str
    index: Any
    values: dict[str, Any]
    unknown: Any  # after_unknown: True, or a structure mirroring values with True leaves
    provider: str = ""

    @property
    def config_address(self) -> str:
        return f"{self.type}.{self.name}" if self.mode == "managed" else f"data.{self.type}.{self.name}"

    def is_unknown(self, attribute: str) -> bool:
        flag = self.unknown.get(attribute) if isinstance(self.unknown, dict) else bool(self.unknown)
        return flag is True


@dataclass
class Plan:
    data: dict[str, Any]
    resources: list[Resource] = field(default_factory=list)

    def __post_init__(self) -> None:
        changes = {c["address"]: c for c in self.data.get("resource_changes", [])}
        for module in _walk_modules(self.data.get("planned_values", {}).get("root_module", {})):
            for item in module.get("resources", []):
                change = changes.get(item["address"], {}).get("change", {})
                self.resources.append(
                    Resource(
                        address=item["address"],
                        module=module.get("address", ""),
                        mode=item.get("mode", "managed"),
                        type=item["type"],
                        name=item["name"],
                        index=item.get("index"),
                        values=item.get("values") or {},
                        unknown=change.get("after_unknown") or {},
                        provider=item.get("provider_name", ""),
                    )
                )

    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources if r.type in types and r.mode == "managed"]

    def only(self, type_: str) -> Resource:
        """The one managed resource of a type; Unresolved if there are none or several."""
        found = self.of_type(type_)
        if len(found) != 1:
            raise Unresolved(f"expected exactly one {type_} in the plan, found {len(found)}")
        return found[0]

    def variable(self, name: str) -> Any:
        try:
            return self.data["variables"][name]["value"]
        except KeyError:
            raise Unresolved(f"var.{name}") from None

    def module_config(self, module: str) -> dict[str, Any]:
        """The configuration block of a module instance address (instance keys dropped)."""
        config = self.data.get("configuration", {}).get("root_module", {})
        for call in re.findall(r"module\.([A-Za-z0-9_-]+)", module):
            config = config.get("module_calls", {}).get(call, {}).get("module", {})
        return config

    def resource_config(self, resource: Resource) -> dict[str, Any]:
        for item in self.module_config(resource.module).get("resources", []):
            if item.get("address") == resource.config_address:
                return item
        return {}

    def root_outputs(self) -> dict[str, dict[str, Any]]:
        """Each root output: {"sensitive", "value" (if known), "type" (if the plan has it), "unknown"}."""
        planned = self.data.get("planned_values", {}).get("outputs", {})
        changes = self.data.get("output_changes", {})
        names = set(planned) | set(changes) | set(self.module_config("").get("outputs", {}))
        result = {}
        for name in sorted(names):
            entry = dict(planned.get(name, {}))
            entry["unknown"] = changes.get(name, {}).get("after_unknown", "value" not in entry)
            result[name] = entry
        return result


def _walk_modules(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield module
    for child in module.get("child_modules", []):
        yield from _walk_modules(child)


def parent_module(module: str) -> tuple[str, str]:
    """("module.a", "b") for "module.a.module.b[\"k\"]": the parent address and the call name."""
    match = re.match(r"^(?P<parent>.*?)(?:\.)?module\.(?P<call>[A-Za-z0-9_-]+)(?:\[[^\]]*\])?$", module)
    if not match:
        raise Unresolved(f"no parent for {module!r}")
    return match["parent"], match["call"]


def parse_reference(reference: str) -> tuple[str, str, str | None, str | None]:
    """(type, name, index, attribute) of `aws_s3_bucket.uploads["k"].arn`."""
    match = _REFERENCE.match(reference)
    if not match:
        raise Unresolved(reference)
    return match["type"], match["name"], match["index"], match["attr"]


def most_specific(references: list[str]) -> list[str]:
    """Terraform lists `a.b.c` and its prefix `a.b`: keep only the longest of each family."""
    return [
        r
        for r in references
        if not any((o != r and o.startswith(r + ".")) or o.startswith(r + "[") for o in references)
    ]
