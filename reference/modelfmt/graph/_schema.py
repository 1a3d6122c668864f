"""JSON Schema (2020-12) for `architecture` and `training`, generated from the op and optimizer tables so
that schema, spec tables and code cannot drift apart.

The fragment refers to the header schema's `$defs` (`safeInteger`, `tensorName`, `dtype`). What a schema
cannot express (values defined before use, references between nodes and the tensor table, shapes) is
checked by the reader only; see SPEC.md §9.10.
"""

from __future__ import annotations

import re
from typing import Final

from ..format._limits import MAX_ATTRIBUTE_ITEMS, MAX_GRAPH_VALUES, MAX_NODE_VALUES, MAX_NODES, MAX_SYMBOL_CHARS
from ..format._names import REVERSE_DNS_PATTERN
from ._registry import CORE_DOMAIN, CORE_OPS, CORE_VERSION
from ._spec import REQUIRED, Attr, DerivedDefault, OpSpec
from ._training import EXTENSION_TYPE, OPTIMIZERS, SCHEDULERS
from ._validate import EXTENSION_OP_PATTERN, RESERVED_DOMAIN_PREFIX
from .core._recurrent import GATES

JSON = dict[str, object]

# The validators' grammars, anchored for JSON Schema (whose `pattern` searches rather than matches).
DOMAIN_SCHEMA_PATTERN: Final = f"^(?!{re.escape(RESERVED_DOMAIN_PREFIX)}){REVERSE_DNS_PATTERN}$"
EXTENSION_OP_SCHEMA_PATTERN: Final = f"^{REVERSE_DNS_PATTERN}\\.{EXTENSION_OP_PATTERN.pattern}$"
EXTENSION_OPTIMIZER_SCHEMA_PATTERN: Final = f"^{EXTENSION_TYPE.pattern}$"
RECURRENT_SLOT_PATTERN: Final = "^(weight|bias)_(ih|hh)_l(0|[1-9][0-9]*)(_reverse)?$"


def _ref(name: str) -> JSON:
    return {"$ref": f"#/$defs/{name}"}


def _attribute_schema(attr: Attr) -> JSON:
    schema: JSON
    bounds: JSON = {}
    if attr.minimum is not None and attr.minimum != float("-inf"):
        bounds["minimum"] = int(attr.minimum) if float(attr.minimum).is_integer() else attr.minimum
    if attr.maximum is not None:
        bounds["maximum"] = int(attr.maximum) if float(attr.maximum).is_integer() else attr.maximum
    if attr.kind == "int":
        schema = {"type": "integer", **bounds}
    elif attr.kind in ("float", "number"):
        schema = {"type": "number", **bounds}
    elif attr.kind == "bool":
        schema = {"type": "boolean"}
    elif attr.kind == "string":
        schema = {"enum": list(attr.choices)} if attr.choices else {"type": "string"}
    else:  # ints
        schema = {"type": "array", "items": {"type": "integer", **bounds}, "maxItems": MAX_ATTRIBUTE_ITEMS}
        if attr.length is not None:
            schema["minItems"] = schema["maxItems"] = attr.length
        elif attr.min_length:
            schema["minItems"] = attr.min_length
    if attr.doc:
        schema["description"] = attr.doc
    return schema


def _static_slots(spec: OpSpec) -> list[str] | None:
    """Slot names that do not depend on attribute values, or None (recurrent ops)."""
    if spec.name in GATES:
        return None
    example = {attr.name: _example_value(attr) for attr in spec.attributes}
    return [slot.name for slot in spec.slots(example)]


def _example_value(attr: Attr) -> object:
    if attr.default is not REQUIRED and attr.default is not None and not isinstance(attr.default, DerivedDefault):
        return attr.default
    if attr.kind == "ints":
        return (1,) * (attr.length or 1)
    return {"int": 1, "float": 1.0, "number": 1, "bool": False, "string": attr.choices[0] if attr.choices else ""}[
        attr.kind
    ]


def _op_rule(spec: OpSpec) -> JSON:
    attributes: JSON = {
        "type": "object",
        "properties": {attr.name: _attribute_schema(attr) for attr in spec.attributes},
        "additionalProperties": False,
    }
    required = [attr.name for attr in spec.attributes if attr.default is REQUIRED]
    if required:
        attributes["required"] = required
    slots = _static_slots(spec)
    parameters: JSON = {"type": "object"}
    if slots is None:
        parameters["patternProperties"] = {RECURRENT_SLOT_PATTERN: _ref("tensorName")}
        parameters["additionalProperties"] = False
    else:
        parameters["properties"] = {slot: _ref("tensorName") for slot in slots}
        parameters["additionalProperties"] = False
    then: JSON = {"properties": {"attributes": attributes, "parameters": parameters}}
    properties = then["properties"]
    assert isinstance(properties, dict)
    for key, (minimum, maximum) in (("inputs", spec.input_range()), ("outputs", spec.output_range())):
        count: JSON = {"minItems": minimum}
        if maximum is not None:
            count["maxItems"] = maximum
        properties[key] = count
    if required:
        then["required"] = ["attributes"]
    return {"if": {"properties": {"op": {"const": spec.name}}}, "then": then}


def _hyperparameters(name: str) -> JSON:
    properties: JSON = {}
    for hyper in OPTIMIZERS[name].hyperparameters:
        if hyper.kind == "bool":
            properties[hyper.name] = {"type": "boolean"}
        elif hyper.kind == "triple":
            properties[hyper.name] = {"type": "array", "items": {"type": "number"}, "minItems": 3, "maxItems": 3}
        elif hyper.kind == "integer":
            properties[hyper.name] = {"type": "integer", "minimum": hyper.minimum, "maximum": hyper.maximum}
        elif hyper.kind == "choice":
            properties[hyper.name] = {"enum": [None, *hyper.choices]}
        elif hyper.kind == "eps_pair":
            nonnegative: JSON = {"type": "number", "minimum": 0}
            properties[hyper.name] = {
                "type": "array",
                "prefixItems": [{"anyOf": [{"type": "null"}, nonnegative]}, nonnegative],
                "minItems": 2,
                "maxItems": 2,
            }
        elif hyper.kind in ("betas", "pair"):
            item: JSON = {"type": "number", "minimum": 0}
            if hyper.kind == "betas":
                item["exclusiveMaximum"] = 1
            properties[hyper.name] = {"type": "array", "items": item, "minItems": 2, "maxItems": 2}
        else:
            number: JSON = {"type": "number"}
            if hyper.minimum != float("-inf"):
                number["minimum"] = hyper.minimum
            if hyper.maximum != float("inf"):
                number["maximum"] = hyper.maximum
            properties[hyper.name] = number
    return {
        "type": "object",
        "properties": properties,
        "required": [hyper.name for hyper in OPTIMIZERS[name].hyperparameters],
        "additionalProperties": False,
    }


def architecture_schema() -> JSON:
    """{"properties": {"architecture": ..., "training": ...}, "$defs": {...}} to merge into the header schema."""
    value_name = _ref("tensorName")
    dimension: JSON = {
        "anyOf": [
            {"$ref": "#/$defs/safeInteger", "minimum": 0},
            {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$", "maxLength": MAX_SYMBOL_CHARS},
        ]
    }
    value_list: JSON = {
        "type": "array",
        "maxItems": MAX_NODE_VALUES,
        "items": {"anyOf": [value_name, {"type": "null"}]},
    }
    defs: JSON = {
        "architecture": {
            "description": "SPEC.md §9: a graph of modelfmt.core ops (and declared extension ops).",
            "type": "object",
            "required": ["opset", "inputs", "outputs", "nodes"],
            "additionalProperties": False,
            "properties": {
                "opset": _ref("archOpset"),
                "inputs": {"type": "array", "maxItems": MAX_GRAPH_VALUES, "items": _ref("archValue")},
                "outputs": {"type": "array", "minItems": 1, "maxItems": MAX_GRAPH_VALUES, "items": _ref("archValue")},
                "nodes": {"type": "array", "maxItems": MAX_NODES, "items": _ref("archNode")},
            },
        },
        "archOpset": {
            "type": "object",
            "required": [CORE_DOMAIN],
            "properties": {CORE_DOMAIN: {"type": "integer", "minimum": 1, "maximum": CORE_VERSION}},
            "patternProperties": {DOMAIN_SCHEMA_PATTERN: {"type": "integer", "minimum": 1}},
            "additionalProperties": False,
        },
        "archValue": {
            "type": "object",
            "required": ["name", "dtype", "shape"],
            "additionalProperties": False,
            "properties": {
                "name": value_name,
                "dtype": _ref("dtype"),
                "shape": {"type": "array", "maxItems": 16, "items": dimension},
            },
        },
        "archNode": {
            "type": "object",
            "required": ["name", "op", "inputs", "outputs"],
            "additionalProperties": False,
            "properties": {
                "name": value_name,
                "op": {"anyOf": [{"enum": list(CORE_OPS)}, {"type": "string", "pattern": EXTENSION_OP_SCHEMA_PATTERN}]},
                "inputs": value_list,
                "outputs": value_list,
                "attributes": {"type": "object"},
                "parameters": {"type": "object", "additionalProperties": value_name},
            },
            "allOf": [_op_rule(spec) for spec in CORE_OPS.values()],
        },
        "training": {
            "description": "SPEC.md §11: counters and the optimizer's complete state.",
            "type": "object",
            "required": ["epoch", "step"],
            "additionalProperties": False,
            "properties": {
                "epoch": {"$ref": "#/$defs/safeInteger", "minimum": 0},
                "step": {"$ref": "#/$defs/safeInteger", "minimum": 0},
                "optimizer": _ref("trainingOptimizer"),
                "scheduler": {
                    "type": "object",
                    "required": ["type", "state"],
                    "additionalProperties": False,
                    "properties": {
                        "type": {
                            "anyOf": [
                                {"enum": list(SCHEDULERS)},
                                {"type": "string", "pattern": EXTENSION_OPTIMIZER_SCHEMA_PATTERN},
                            ]
                        },
                        "state": _ref("stateValue"),
                    },
                },
                "scaler": _ref("stateValue"),
                "rng": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"torch": value_name, "numpy": _ref("stateValue"), "python": _ref("stateValue")},
                },
                "data": {
                    "type": "object",
                    "required": ["batch"],
                    "additionalProperties": False,
                    "properties": {"batch": {"$ref": "#/$defs/safeInteger", "minimum": 0}, "generator": value_name},
                },
                "extra": _ref("stateValue"),
            },
        },
        "stateValue": {
            "description": "SPEC.md §11.10: a typed value, an object with exactly one key, its tag.",
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": False,
            "properties": {
                "none": {"type": "null"},
                "bool": {"type": "boolean"},
                "int": {"type": "string", "pattern": "^-?(0|[1-9][0-9]*)$"},
                "float": {"type": "string"},
                "str": {"type": "string"},
                "list": {"type": "array", "items": _ref("stateValue")},
                "tuple": {"type": "array", "items": _ref("stateValue")},
                "dict": {
                    "type": "array",
                    "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": _ref("stateValue")},
                },
                "tensor": value_name,
            },
        },
        "trainingOptimizer": {
            "type": "object",
            "required": ["type", "groups", "state"],
            "additionalProperties": False,
            "properties": {
                "type": {
                    "anyOf": [
                        {"enum": list(OPTIMIZERS)},
                        {"type": "string", "pattern": EXTENSION_OPTIMIZER_SCHEMA_PATTERN},
                    ]
                },
                "groups": {"type": "array", "items": _ref("trainingGroup")},
                "state": {"type": "object", "additionalProperties": _ref("trainingState")},
                "shared": _ref("stateValue"),
            },
            "allOf": [
                {
                    "if": {"properties": {"type": {"const": name}}},
                    "then": {
                        "properties": {"groups": {"items": {"properties": {"hyperparameters": _hyperparameters(name)}}}}
                    },
                }
                for name in OPTIMIZERS
            ],
        },
        "trainingGroup": {
            "type": "object",
            "required": ["hyperparameters", "parameters"],
            "additionalProperties": False,
            "properties": {
                "hyperparameters": {"type": "object"},
                "parameters": {"type": "array", "items": value_name},
            },
        },
        "trainingState": {
            "type": "object",
            "required": ["slots"],
            "additionalProperties": False,
            "properties": {
                "step": {"$ref": "#/$defs/safeInteger", "minimum": 0},
                "slots": {"type": "object", "additionalProperties": value_name},
            },
        },
    }
    return {"properties": {"architecture": _ref("architecture"), "training": _ref("training")}, "$defs": defs}


def merged_header_schema(header_schema: JSON) -> JSON:
    """The header schema with its reserved `architecture`/`training` replaced by this fragment."""
    fragment = architecture_schema()
    merged = dict(header_schema)
    for key in ("properties", "$defs"):
        base, extra = header_schema[key], fragment[key]
        assert isinstance(base, dict) and isinstance(extra, dict)
        merged[key] = {**base, **extra}
    return merged
