"""Rebuild a provider schema (`terraform providers schema -json` format) from a prebuilt
CDK for Terraform provider package (`@cdktn/provider-*` / `@cdktf/provider-*` on npm).

The generated JavaScript carries everything Terraform core needs to validate a
configuration, in a form regular enough to read without running it:

* every attribute getter is preceded by `// <name> - computed: X, optional: Y, required: Z`;
* `synthesizeHclAttributes()` (resources) and `<struct>ToHclTerraform()` (nested blocks)
  list each configurable field with `isBlock`, `type` (simple/list/set/map/struct) and
  `storageClassType` (string, numberList, <Struct>List, ...);
* nested objects are `<Struct>OutputReference` classes with the same comments, wrapped
  in `<Struct>List` (list or set: the `wrapsSet` argument) unless the block holds at most
  one item, in which case the field is the OutputReference itself.

What the JavaScript does not carry (descriptions, validators, conflicts, defaults, the
list/set kind of a list-of-lists) is either irrelevant to core or documented as a
limitation in README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_CLASS_RE = re.compile(r"^class (\w+) extends (?:cdktn|\w+_\d+)\.(\w+) \{\n(.*?)^\}", re.M | re.S)
_FUNC_RE = re.compile(r"^function (\w+)ToHclTerraform\(struct\) \{\n(.*?)^\}", re.M | re.S)
_HCL_ENTRY_RE = re.compile(
    r"^\s+(\w+): \{\n\s+value: [^\n]*\n\s+isBlock: (true|false),\n\s+type: \"(\w+)\",\n"
    r"\s+storageClassType: \"(\w+)\",\n",
    re.M,
)
_FIELD_RE = re.compile(
    r"^    // ([a-z0-9_]+) - computed: (true|false), optional: (true|false), required: (true|false)\n"
    r"(.*?)(?=^    // [a-z0-9_]+ - computed: |^    (?:synthesize|toTerraform|get internalValue)|\Z)",
    re.M | re.S,
)
_NEW_RE = re.compile(r"^    _\w+ = new (?:(?:cdktn|\w+_\d+)\.)?(\w+)\(this, \"[a-z0-9_]+\"(?:, (true|false))?\);", re.M)
_RETURN_RE = re.compile(r"get \w+\(\) \{\n\s+return ([^\n]*);")
_LIST_GET_RE = re.compile(r"get\(\w+\) \{\n\s+return new (?:\w+_\d+\.)?(\w+)OutputReference\(")
_TF_TYPE_RE = re.compile(r'static tfResourceType = "([^"]+)";')

_PRIMITIVES = {"string": "string", "number": "number", "boolean": "bool", "any": "dynamic"}
_GETTER_TYPES: dict[str, Any] = {
    "this.getStringAttribute": "string",
    "this.getNumberAttribute": "number",
    "this.getBooleanAttribute": "bool",
    "this.getListAttribute": ["list", "string"],
    "cdktn.Fn.tolist(this.getListAttribute": ["set", "string"],
    "this.getNumberListAttribute": ["list", "number"],
    "cdktn.Token.asNumberList(cdktn.Fn.tolist(this.getNumberListAttribute": ["set", "number"],
    "this.getStringMapAttribute": ["map", "string"],
    "this.getNumberMapAttribute": ["map", "number"],
    "this.getBooleanMapAttribute": ["map", "bool"],
    "this.interpolationForAttribute": "dynamic",
    "cdktn.Token.asAny(cdktn.Fn.tolist(this.interpolationForAttribute": "dynamic",
}
_MAP_CLASSES = {"StringMap": ["map", "string"], "NumberMap": ["map", "number"], "BooleanMap": ["map", "bool"]}
# Blocks that Terraform core treats as plain blocks even where the generator says "struct".
_SINGLE_BLOCK_NAMES = {"timeouts"}
# cdktf adds these meta-arguments to the provider class; they are not provider schema.
_PROVIDER_META = {"alias"}
_MAX_REPEAT = 3
_SKIP: tuple[str, dict[str, Any]] = ("skip", {})


@dataclass
class Field:
    name: str
    computed: bool
    optional: bool
    required: bool
    body: str


@dataclass
class HclEntry:
    is_block: bool
    kind: str  # simple | list | set | map | struct
    storage: str


@dataclass
class Package:
    """All classes and HCL field tables of one npm package, indexed by name."""

    classes: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (base, body)
    hcl: dict[str, dict[str, HclEntry]] = field(default_factory=dict)  # lower(struct) -> entries
    unknown_getters: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, directory: Path) -> Package:
        """One resource's directory (its index.js plus any index-structs/*.js it is split into)."""
        pkg = cls()
        for path in sorted(directory.rglob("*.js")):
            text = path.read_text()
            for name, base, body in _CLASS_RE.findall(text):
                pkg.classes[name] = (base, body)
            for name, body in _FUNC_RE.findall(text):
                pkg.hcl[name.lower()] = _hcl_entries(body)
        return pkg


def _hcl_entries(body: str) -> dict[str, HclEntry]:
    return {m[0]: HclEntry(m[1] == "true", m[2], m[3]) for m in _HCL_ENTRY_RE.findall(body)}


def _fields(class_body: str) -> list[Field]:
    return [Field(m[0], m[1] == "true", m[2] == "true", m[3] == "true", m[4]) for m in _FIELD_RE.findall(class_body)]


def _storage_type(entry: HclEntry) -> Any:
    """The cty type of a non-block field from its HCL table entry."""
    storage = entry.storage
    if entry.kind == "simple":
        return _PRIMITIVES[storage]
    if entry.kind in {"list", "set"}:
        return [entry.kind, _element_type(storage.removesuffix("List"))]
    if entry.kind == "map":
        return ["map", _element_type(storage.removesuffix("Map"))]
    raise ValueError(f"unexpected HCL entry {entry}")


def _element_type(storage: str) -> Any:
    if storage in _PRIMITIVES:
        return _PRIMITIVES[storage]
    # The generator does not record whether an inner collection is a list or a set: list.
    if storage.endswith("List"):
        return ["list", _element_type(storage.removesuffix("List"))]
    if storage.endswith("Map"):
        return ["map", _element_type(storage.removesuffix("Map"))]
    raise ValueError(f"unexpected storage class {storage}")


def _flags(f: Field) -> dict[str, bool]:
    out = {}
    if f.required:
        return {"required": True}
    if f.optional:
        out["optional"] = True
    if f.computed:
        out["computed"] = True
    if not out:
        out["optional"] = True
    return out


class SchemaBuilder:
    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg

    def struct_block(self, struct: str, path: tuple[str, ...]) -> dict[str, Any] | None:
        """The schema block of a nested struct (its OutputReference class + HCL table).

        The generator reuses one class for every level of a deeply nested type (wafv2
        statements), which reads as recursion; the real schema stops after a few levels,
        so this one stops after _MAX_REPEAT repetitions (None: leave the field out).
        """
        if path.count(struct) >= _MAX_REPEAT:
            return None
        path = (*path, struct)
        hcl = self.pkg.hcl.get(struct.lower(), {})
        ref = self.pkg.classes.get(f"{struct}OutputReference")
        fields = _fields(ref[1]) if ref else [Field(n, False, True, False, "") for n in hcl]
        return self.block(fields, hcl, path)

    def block(self, fields: list[Field], hcl: dict[str, HclEntry], path: tuple[str, ...]) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        block_types: dict[str, Any] = {}
        for f in fields:
            entry = hcl.get(f.name)
            new = _NEW_RE.search(f.body)
            nested = self._nested(f, entry, new, path)
            if nested == _SKIP:
                continue
            if nested is None:
                attributes[f.name] = {"type": self._simple_type(f, entry, new), **_flags(f)}
            elif nested[0] == "block":
                block_types[f.name] = nested[1]
            else:
                attributes[f.name] = {**nested[1], **_flags(f)}
        out: dict[str, Any] = {}
        for bt in block_types.values():
            # Terraform refuses sets of anything holding a dynamic value; the generator types
            # the deepest levels of some nested blocks as `any`, so such sets become lists.
            if bt["nesting_mode"] == "set" and has_dynamic(bt["block"]):
                bt["nesting_mode"] = "list"
        if attributes:
            out["attributes"] = {k: {**v, "description_kind": "plain"} for k, v in sorted(attributes.items())}
        if block_types:
            out["block_types"] = dict(sorted(block_types.items()))
        out["description_kind"] = "plain"
        return out

    def _nested(
        self, f: Field, entry: HclEntry | None, new: re.Match[str] | None, path: tuple[str, ...]
    ) -> tuple[str, dict[str, Any]] | None:
        """('block', block_type) or ('attribute', attribute) for object-valued fields, else None."""
        if entry is not None and not entry.is_block:
            return None
        cls_name = new[1] if new else (entry.storage if entry else "")
        if cls_name in _MAP_CLASSES or not cls_name:
            return None
        wraps_set = bool(new and new[2] == "true")
        if cls_name.endswith("OutputReference"):
            struct, many = cls_name.removesuffix("OutputReference"), False
        elif cls_name.endswith("List") or cls_name.endswith("Map"):
            struct, many = self._list_struct(cls_name), True
        else:  # a "struct" entry names the struct itself
            struct, many = cls_name, False
        inner = self.struct_block(struct, path)
        if inner is None:
            return _SKIP
        kind = entry.kind if entry else ("set" if wraps_set else "list")
        if entry is None:
            # Computed-only nested objects are plain attributes of an object type.
            return "attribute", {"type": [kind if many else "list", _object_type(inner)]}
        if kind == "map" or (kind == "struct" and f.name not in _SINGLE_BLOCK_NAMES):
            nesting = "map" if kind == "map" else "single"
            return "attribute", {"nested_type": {**_nested_attributes(inner), "nesting_mode": nesting}}
        block: dict[str, Any] = {"nesting_mode": "single" if kind == "struct" else kind, "block": inner}
        if kind != "struct":
            if f.required:
                block["min_items"] = 1
            if not many:
                block["max_items"] = 1
        return "block", block

    def _list_struct(self, list_class: str) -> str:
        found = self.pkg.classes.get(list_class)
        if found:
            m = _LIST_GET_RE.search(found[1])
            if m:
                return m[1]
        return list_class.removesuffix("List").removesuffix("Map")

    def _simple_type(self, f: Field, entry: HclEntry | None, new: re.Match[str] | None) -> Any:
        if entry is not None:
            return _storage_type(entry)
        if new and new[1] in _MAP_CLASSES:
            return _MAP_CLASSES[new[1]]
        m = _RETURN_RE.search(f.body)
        expr = m[1] if m else ""
        head = expr.split("('", 1)[0]
        if head in _GETTER_TYPES:
            return _GETTER_TYPES[head]
        self.pkg.unknown_getters.append(f"{f.name}: {expr}")
        return "dynamic"


def has_dynamic(value: Any) -> bool:
    if value == "dynamic":
        return True
    if isinstance(value, dict):
        return any(has_dynamic(v) for v in value.values())
    if isinstance(value, list):
        return any(has_dynamic(v) for v in value)
    return False


def _object_type(block: dict[str, Any]) -> list[Any]:
    """The cty object type equivalent of a schema block (for computed-only nested objects)."""
    members: dict[str, Any] = {}
    for name, attr in block.get("attributes", {}).items():
        members[name] = attr["type"] if "type" in attr else _nested_type_to_cty(attr["nested_type"])
    for name, bt in block.get("block_types", {}).items():
        obj = _object_type(bt["block"])
        members[name] = obj if bt["nesting_mode"] == "single" else [bt["nesting_mode"], obj]
    return ["object", members]


def _nested_type_to_cty(nested: dict[str, Any]) -> Any:
    obj = _object_type({"attributes": nested["attributes"]})
    mode = nested["nesting_mode"]
    return obj if mode == "single" else [mode, obj]


def _nested_attributes(block: dict[str, Any]) -> dict[str, Any]:
    """Nested attribute types cannot contain blocks: fold any into object-typed attributes."""
    attrs = dict(block.get("attributes", {}))
    for name, bt in block.get("block_types", {}).items():
        obj = _object_type(bt["block"])
        mode = bt["nesting_mode"]
        attrs[name] = {
            "type": obj if mode == "single" else [mode, obj],
            "optional": True,
            "description_kind": "plain",
        }
    return {"attributes": dict(sorted(attrs.items()))}


def build_provider_schema(lib_dir: Path) -> tuple[dict[str, Any], list[str]]:
    """(schema of one provider in `providers schema -json` form, getters that could not be typed)."""
    provider: dict[str, Any] | None = None
    resources: dict[str, Any] = {}
    data_sources: dict[str, Any] = {}
    unknown: list[str] = []
    for directory in sorted(p for p in lib_dir.iterdir() if p.is_dir()):
        pkg = Package.load(directory)
        builder = SchemaBuilder(pkg)
        for kind, tf_type, block in _top_level(pkg, builder):
            if kind == "provider":
                provider = {"version": 0, "block": block}
            elif kind == "resource":
                resources[tf_type] = {"version": 0, "block": block}
            else:
                data_sources[tf_type] = {"version": 0, "block": block}
        unknown += pkg.unknown_getters
    if provider is None:
        raise ValueError(f"no provider class under {lib_dir}")
    schema = {"provider": provider, "resource_schemas": resources, "data_source_schemas": data_sources}
    return schema, unknown


def _top_level(pkg: Package, builder: SchemaBuilder) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for _name, (base, body) in sorted(pkg.classes.items()):
        if base not in {"TerraformResource", "TerraformDataSource", "TerraformProvider"}:
            continue
        synth = re.search(r"synthesizeHclAttributes\(\) \{\n(.*?)^    \}", body, re.M | re.S)
        hcl = _hcl_entries(synth[1]) if synth else {}
        fields = _fields(body)
        if base == "TerraformProvider":
            fields = [f for f in fields if f.name not in _PROVIDER_META]
            out.append(("provider", "", builder.block(fields, hcl, ())))
            continue
        tf_type = _TF_TYPE_RE.search(body)
        if tf_type is None:
            continue
        kind = "resource" if base == "TerraformResource" else "data"
        out.append((kind, tf_type[1], builder.block(fields, hcl, ())))
    return out
