"""Attribute checking (SPEC.md §9.7): kinds, ranges, defaults, cross-attribute rules."""

from __future__ import annotations

import math
from collections.abc import Mapping

from ..format._errors import error
from ..format._json import json_type, show
from ..format._limits import MAX_ATTRIBUTE_ITEMS
from ._json_shape import canonical_order
from ._registry import CORE_VERSION
from ._spec import REQUIRED, Attr, DerivedDefault, OpSpec
from ._types import Node


def _is_int(value: object) -> bool:
    return type(value) is int


def _is_number(value: object) -> bool:
    return type(value) in (int, float)


def _convert(attr: Attr, value: object, where: str) -> object:
    """The value in its canonical Python form, or GRAPH_ATTRIBUTE_TYPE."""
    kind = attr.kind
    if kind == "int" and _is_int(value):
        return value
    if kind == "float" and _is_number(value):
        # JSON does not distinguish 1 from 1.0 and canonical JSON writes 1.0 as 1: integers are floats too.
        return float(value)  # type: ignore[arg-type]
    if kind == "number" and _is_number(value):
        return value
    if kind == "bool" and type(value) is bool:
        return value
    if kind == "string" and type(value) is str:
        return value
    if kind == "ints" and type(value) is list:
        if len(value) > MAX_ATTRIBUTE_ITEMS:
            raise error(
                "GRAPH_LIMIT",
                f"{where}: attribute `{attr.name}` has {len(value)} items; at most {MAX_ATTRIBUTE_ITEMS} are allowed",
            )
        if all(_is_int(item) for item in value):
            return tuple(value)
    expected = {
        "ints": "an array of integers",
        "int": "an integer",
        "bool": "a boolean",
        "string": "a string",
        "float": "a number",
        "number": "a number",
    }[kind]
    raise error("GRAPH_ATTRIBUTE_TYPE", f"{where}: attribute `{attr.name}` must be {expected}, got {json_type(value)}")


def _range_problem(attr: Attr, value: object) -> str | None:
    if attr.choices is not None and value not in attr.choices:
        return f"must be one of {', '.join(attr.choices)}, got {value!r}"
    items: tuple[object, ...] = value if isinstance(value, tuple) else (value,)
    if isinstance(value, tuple):
        if attr.length is not None and len(value) != attr.length:
            return f"must have {attr.length} items, got {len(value)}"
        if len(value) < attr.min_length:
            return f"must have at least {attr.min_length} items, got {len(value)}"
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int | float):
            continue
        if attr.minimum is not None and item < attr.minimum:
            return f"must be >= {_number(attr.minimum)}, got {item}"
        if attr.maximum is not None and item > attr.maximum:
            return f"must be <= {_number(attr.maximum)}, got {item}"
        if isinstance(item, float) and not math.isfinite(item):
            return "must be finite"
    return None


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def complete_attributes(
    spec: OpSpec, raw: Mapping[str, object], node: Node, *, version: int = CORE_VERSION
) -> dict[str, object]:
    """Check a core node's attributes and fill in defaults (§9.7), in the order the spec requires:
    unknown names, then each given attribute's type and range (in key order), then missing ones,
    then cross-attribute rules. `version` is the graph's modelfmt.core version: an attribute a later
    version added is unknown to it (§9.3) but still gets its default, which keeps this version's meaning."""
    where = node.describe()
    known = {name: attr for name, attr in spec.attribute_map.items() if attr.since <= version}
    for name in canonical_order(raw):
        if name not in known:
            raise error(
                "GRAPH_ATTRIBUTE_UNKNOWN",
                f"{where}: {spec.name} has no attribute {show(name)}; its attributes are {', '.join(known) or 'none'}",
            )
    values: dict[str, object] = {}
    for name in canonical_order(raw):
        attr = known[name]
        value = _convert(attr, raw[name], where)
        problem = _range_problem(attr, value)
        if problem is not None:
            raise error("GRAPH_ATTRIBUTE_VALUE", f"{where}: attribute `{name}` {problem}")
        values[name] = value
    for attr in spec.attributes:
        if attr.name in values:
            continue
        if attr.default is REQUIRED:
            raise error("GRAPH_ATTRIBUTE_MISSING", f"{where}: required attribute `{attr.name}` is absent")
        if not isinstance(attr.default, DerivedDefault):
            values[attr.name] = attr.default
    for attr in spec.attributes:
        if isinstance(attr.default, DerivedDefault) and attr.name not in values:
            values[attr.name] = attr.default.compute(values)
    ordered = {attr.name: values[attr.name] for attr in spec.attributes}
    if spec.check is not None:
        problem = spec.check(ordered)
        if problem is not None:
            raise error("GRAPH_ATTRIBUTE_VALUE", f"{where}: {problem}")
    return ordered
