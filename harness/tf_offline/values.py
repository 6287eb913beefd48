"""Terraform values on the wire (cty msgpack) and the stand-in's planning rules.

Values are decoded into plain Python (dict/list/str/int/float/bool/None) with unknown
values kept as msgpack extension objects, so that re-encoding is lossless.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgpack
from tfplugin_proto import tfplugin6_5_pb2 as pb

# cty encodes an unknown value as msgpack extension 0 with an empty payload.
UNKNOWN = msgpack.ExtType(0, b"")
_NESTING = pb.Schema.NestedBlock.NestingMode
_OBJ_NESTING = pb.Schema.Object.NestingMode


def is_unknown(value: Any) -> bool:
    return isinstance(value, msgpack.ExtType)


def decode(dv: pb.DynamicValue) -> Any:
    if dv.msgpack:
        return msgpack.unpackb(dv.msgpack, raw=False, strict_map_key=False)
    if dv.json:
        return json.loads(dv.json)
    return None


def encode(value: Any) -> pb.DynamicValue:
    return pb.DynamicValue(msgpack=msgpack.packb(value, use_bin_type=True))


def _elements(value: Any) -> list[tuple[Any, Any]]:
    """(key, element) pairs of a list/set (index keys) or map (string keys)."""
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list):
        return list(enumerate(value))
    return []


def _pair(config: Any, key: Any) -> Any:
    if isinstance(config, dict):
        return config.get(key)
    if isinstance(config, list) and isinstance(key, int) and key < len(config):
        return config[key]
    return None


def plan_block(block: pb.Schema.Block, proposed: Any, config: Any, creating: bool) -> Any:
    """Terraform's proposed new state with computed attributes the config leaves null marked unknown.

    On update Terraform already carries the prior values of such attributes in the proposal,
    which is exactly what a real provider would keep when nothing forces a change.
    """
    if not isinstance(proposed, dict):
        return proposed
    out = dict(proposed)
    config = config if isinstance(config, dict) else {}
    for attr in block.attributes:
        cfg = config.get(attr.name)
        if attr.computed and cfg is None and creating:
            out[attr.name] = UNKNOWN
        elif attr.HasField("nested_type") and out.get(attr.name) is not None:
            out[attr.name] = _plan_nested_object(attr.nested_type, out[attr.name], cfg, creating)
    for nb in block.block_types:
        value = out.get(nb.type_name)
        cfg = config.get(nb.type_name)
        if value is None or is_unknown(value):
            continue
        if nb.nesting in (_NESTING.SINGLE, _NESTING.GROUP):
            out[nb.type_name] = plan_block(nb.block, value, cfg, creating)
        elif isinstance(value, list):
            out[nb.type_name] = [plan_block(nb.block, v, _pair(cfg, i), creating) for i, v in enumerate(value)]
        elif isinstance(value, dict):
            out[nb.type_name] = {k: plan_block(nb.block, v, _pair(cfg, k), creating) for k, v in value.items()}
    return out


def _plan_nested_object(obj: pb.Schema.Object, value: Any, config: Any, creating: bool) -> Any:
    as_block = pb.Schema.Block(attributes=obj.attributes)
    if is_unknown(value):
        return value
    if obj.nesting == _OBJ_NESTING.SINGLE:
        return plan_block(as_block, value, config, creating)
    if isinstance(value, list):
        return [plan_block(as_block, v, _pair(config, i), creating) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: plan_block(as_block, v, _pair(config, k), creating) for k, v in value.items()}
    return value


def conform(block: pb.Schema.Block, value: Any) -> Any:
    """A stored object without the attributes and blocks this schema no longer has.

    Terraform decodes an upgraded state strictly (an unknown attribute is an error) but
    fills missing ones with null; a real provider drops what it removed in its upgraders.
    """
    if not isinstance(value, dict):
        return value
    nested = {nb.type_name: nb for nb in block.block_types}
    out = {k: v for k, v in value.items() if k in nested or any(a.name == k for a in block.attributes)}
    for name, nb in nested.items():
        item = out.get(name)
        if isinstance(item, list):
            out[name] = [conform(nb.block, v) for v in item]
        elif isinstance(item, dict) and nb.nesting == _NESTING.MAP:
            out[name] = {k: conform(nb.block, v) for k, v in item.items()}
        elif isinstance(item, dict):
            out[name] = conform(nb.block, item)
    return out


Filler = Callable[[str, Any], Any]


def fill_block(block: pb.Schema.Block, config: Any, filler: Filler, path: str = "") -> Any:
    """A data source's state: the config with every computed attribute it leaves null filled by
    filler(path, cty type) — Terraform rejects unknown values in a data source's result."""
    out = dict(config) if isinstance(config, dict) else {}
    for attr in block.attributes:
        name = f"{path}{attr.name}"
        if attr.computed and out.get(attr.name) is None:
            cty_type = json.loads(attr.type) if attr.type else None
            out[attr.name] = filler(name, cty_type)
        elif attr.name not in out:
            out[attr.name] = None
    for nb in block.block_types:
        value = out.get(nb.type_name)
        if value is None:
            out[nb.type_name] = None if nb.nesting == _NESTING.SINGLE else ([] if nb.nesting != _NESTING.MAP else {})
            continue
        prefix = f"{path}{nb.type_name}."
        if nb.nesting == _NESTING.SINGLE:
            out[nb.type_name] = fill_block(nb.block, value, filler, prefix)
        elif isinstance(value, list):
            out[nb.type_name] = [fill_block(nb.block, v, filler, prefix) for v in value]
        elif isinstance(value, dict):
            out[nb.type_name] = {k: fill_block(nb.block, v, filler, prefix) for k, v in value.items()}
    return out


_ZEROS: dict[str, Any] = {"string": "", "number": 0, "bool": False}


def zero_value(cty_type: Any) -> Any:
    """A known value of the type: empty collections, zero numbers, false; null for dynamic."""
    if isinstance(cty_type, str):
        return _ZEROS.get(cty_type)  # dynamic: null is a known value
    kind = cty_type[0]
    if kind == "object":
        return {k: zero_value(t) for k, t in cty_type[1].items()}
    return {} if kind == "map" else []
