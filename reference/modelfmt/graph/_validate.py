"""The structural validator of SPEC.md §9: architecture JSON + tensor table -> `Graph`, or the error of
the first rule broken, naming the node.

Order (§9.10): the architecture object's keys, `opset`, graph inputs, then each node in file order
(name, op, port lists, arity, attributes, input definitions, parameter bindings, types and shapes,
output definitions), then graph outputs. Since every input must be defined before the node that uses
it, a cycle is reported as GRAPH_VALUE_UNDEFINED at the first node of the cycle in file order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final, TypeVar

from ..format._dtypes import DTYPES
from ..format._errors import error
from ..format._json import json_type, show
from ..format._limits import (
    MAX_GRAPH_VALUES,
    MAX_NODE_VALUES,
    MAX_NODES,
    MAX_RANK,
    MAX_SAFE_INTEGER,
    MAX_SYMBOL_CHARS,
    zero_size_extent_problem,
)
from ..format._names import REVERSE_DNS, name_problem
from ..format._objects import check_keys
from ._attributes import complete_attributes
from ._json_shape import canonical_order, expect_array, expect_int, expect_object, expect_string
from ._registry import CORE_DOMAIN, CORE_OPS, CORE_VERSION, ops_at
from ._shapes import show as show_shape
from ._spec import FLOAT_DTYPES, InferContext, OpSpec
from ._types import DeclaredDim, Graph, Node, TensorEntry, ValueDecl, ValueType

ARCHITECTURE_KEYS: Final = ("opset", "inputs", "outputs", "nodes")
VALUE_KEYS: Final = ("name", "dtype", "shape")
NODE_KEYS: Final = ("name", "op", "inputs", "outputs", "attributes", "parameters")
NODE_REQUIRED: Final = ("name", "op", "inputs", "outputs")

EXTENSION_OP_PATTERN: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,127}")
SYMBOL_PATTERN: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RESERVED_DOMAIN_PREFIX: Final = "modelfmt."


def validate_architecture(arch: object, tensors: Mapping[str, TensorEntry]) -> Graph:
    """Validate `arch` (the parsed `architecture` object) against the tensor table `tensors` (name ->
    entry) and return the graph with every value's inferred type. Raises FormatError (or its
    LimitError/UnsupportedError categories) with a GRAPH_* or structural code."""
    obj = expect_object(arch, "`architecture`")
    check_keys(obj, ARCHITECTURE_KEYS, ARCHITECTURE_KEYS, "`architecture`")
    opset = _validate_opset(obj["opset"])
    inputs_raw = expect_array(obj["inputs"], "`architecture.inputs`")
    outputs_raw = expect_array(obj["outputs"], "`architecture.outputs`")
    nodes_raw = expect_array(obj["nodes"], "`architecture.nodes`")
    for what, items, limit in (
        ("graph inputs", inputs_raw, MAX_GRAPH_VALUES),
        ("graph outputs", outputs_raw, MAX_GRAPH_VALUES),
        ("nodes", nodes_raw, MAX_NODES),
    ):
        if len(items) > limit:
            raise error("GRAPH_LIMIT", f"the architecture has {len(items)} {what}; at most {limit} are allowed")
    if not outputs_raw:
        raise error("HEADER_TYPE", "`architecture.outputs` must list at least one output")

    types: dict[str, ValueType] = {}
    inputs = []
    for index, raw in enumerate(inputs_raw):
        decl = _value_decl(raw, f"graph input #{index}")
        if decl.name in types:
            raise error("GRAPH_VALUE_DUPLICATE", f"graph input {show(decl.name)} is declared twice")
        types[decl.name] = decl.as_type()
        inputs.append(decl)

    walker = _NodeWalker(opset, tensors, types)
    nodes = tuple(walker.visit(index, raw) for index, raw in enumerate(nodes_raw))

    bound_symbols = {dim for decl in inputs for dim in decl.shape if isinstance(dim, str)}
    outputs = []
    listed: set[str] = set()
    for index, raw in enumerate(outputs_raw):
        decl = _value_decl(raw, f"graph output #{index}")
        if decl.name not in types:
            raise error("GRAPH_OUTPUT_UNKNOWN", f"graph output {show(decl.name)} is not defined by any node or input")
        if decl.name in listed:
            raise error("GRAPH_OUTPUT_DUPLICATE", f"graph output {show(decl.name)} is listed twice")
        listed.add(decl.name)
        _check_declared_output(decl, types[decl.name], bound_symbols)
        outputs.append(decl)
    return Graph(
        opset=MappingProxyType(opset),
        inputs=tuple(inputs),
        outputs=tuple(outputs),
        nodes=nodes,
        value_types=MappingProxyType(types),
    )


def _validate_opset(raw: object) -> dict[str, int]:
    obj = expect_object(raw, "`architecture.opset`")
    if CORE_DOMAIN not in obj:
        raise error("GRAPH_OPSET", f"`architecture.opset` must declare `{CORE_DOMAIN}`")
    opset: dict[str, int] = {}
    for domain in canonical_order(obj):
        # §9.3: each key in ascending order: the domain, then the version (integer-form, HEADER_TYPE;
        # at least 1, GRAPH_OPSET), the same rule for modelfmt.core and for extension op sets.
        if domain != CORE_DOMAIN and (
            REVERSE_DNS.fullmatch(domain) is None or domain.startswith(RESERVED_DOMAIN_PREFIX)
        ):
            raise error(
                "GRAPH_OPSET",
                f"op set domain {show(domain)} is not a reverse-DNS name outside `modelfmt.` such as `com.example`",
            )
        version = expect_int(obj[domain], f"op set version of {show(domain)}")
        if version < 1:
            raise error("GRAPH_OPSET", f"op set {show(domain)} version must be at least 1, got {version}")
        if domain == CORE_DOMAIN and version > CORE_VERSION:
            raise error(
                "GRAPH_OPSET_VERSION",
                f"the graph needs `{CORE_DOMAIN}` version {version}; this reader implements version {CORE_VERSION}",
                hint="a newer modelfmt release may read it",
            )
        opset[domain] = version
    return opset


def _value_decl(raw: object, where: str) -> ValueDecl:
    obj = expect_object(raw, where)
    check_keys(obj, VALUE_KEYS, VALUE_KEYS, where)
    name = expect_string(obj["name"], f"{where}: `name`")
    problem = name_problem(name)
    if problem is not None:
        raise error("GRAPH_NAME", f"{where}: value name {show(name)} {problem}")
    where = f"{where} {show(name)}"
    dtype = expect_string(obj["dtype"], f"{where}: `dtype`")
    if dtype not in DTYPES:
        raise error("DTYPE_UNKNOWN", f"{where}: unknown dtype {show(dtype)}")
    shape_raw = expect_array(obj["shape"], f"{where}: `shape`")
    if len(shape_raw) > MAX_RANK:
        raise error("SHAPE_INVALID", f"{where}: rank {len(shape_raw)} exceeds {MAX_RANK}")
    shape: list[DeclaredDim] = []
    for dim in shape_raw:
        if type(dim) is int:
            if not 0 <= dim <= MAX_SAFE_INTEGER:
                raise error("SHAPE_INVALID", f"{where}: dimension {dim} is negative")
            shape.append(dim)
        elif type(dim) is str:
            if len(dim) > MAX_SYMBOL_CHARS or SYMBOL_PATTERN.fullmatch(dim) is None:
                raise error(
                    "GRAPH_NAME",
                    f"{where}: symbolic dimension {show(dim)} must match [A-Za-z_][A-Za-z0-9_]* "
                    f"and have at most {MAX_SYMBOL_CHARS} characters",
                )
            shape.append(dim)
        else:
            raise error("HEADER_TYPE", f"{where}: dimensions must be integers or strings, got {json_type(dim)}")
    problem = zero_size_extent_problem(dim for dim in shape if isinstance(dim, int))
    if problem is not None:
        raise error("SHAPE_INVALID", f"{where}: {problem}")
    return ValueDecl(name, dtype, tuple(shape))


def _check_declared_output(decl: ValueDecl, inferred: ValueType, bound_symbols: set[str]) -> None:
    where = f"graph output {show(decl.name)}"
    if inferred.dtype is not None and inferred.dtype != decl.dtype:
        raise error("GRAPH_DTYPE", f"{where} is declared {decl.dtype} but the graph computes {inferred.dtype}")
    if inferred.shape is None:
        return
    mismatch = len(inferred.shape) != len(decl.shape)
    for computed, declared in zip(inferred.shape, decl.shape, strict=False):
        if computed is None:
            continue
        if isinstance(declared, int) or declared in bound_symbols or isinstance(computed, str):
            mismatch |= computed != declared
    if mismatch:
        raise error(
            "GRAPH_SHAPE",
            f"{where} is declared {show_shape(decl.shape)} but the graph computes {show_shape(inferred.shape)}",
        )


_V = TypeVar("_V")

# Most nodes have no parameters, and many no attributes: they share one empty mapping instead of a
# dict and a proxy each (a graph of 262144 nodes, SPEC.md §17.19).
_EMPTY: Final[Mapping[str, object]] = MappingProxyType({})


def _frozen(values: dict[str, _V]) -> Mapping[str, _V]:
    return MappingProxyType(values) if values else _EMPTY  # type: ignore[return-value]


class _NodeWalker:
    """Visits nodes in file order, tracking defined values and their inferred types."""

    def __init__(self, opset: Mapping[str, int], tensors: Mapping[str, TensorEntry], types: dict[str, ValueType]):
        self.extension_domains = {domain for domain in opset if domain != CORE_DOMAIN}
        # §9.3: a core op exists for the graph only at the version it declares (checked <= CORE_VERSION).
        self.core_version = opset.get(CORE_DOMAIN, CORE_VERSION)
        self.core_ops = ops_at(self.core_version)
        self.tensors = tensors
        self.types = types
        self.node_names: set[str] = set()

    def visit(self, index: int, raw: object) -> Node:
        where = f"node #{index}"
        obj = expect_object(raw, where)
        check_keys(obj, NODE_KEYS, NODE_REQUIRED, where)
        name = expect_string(obj["name"], f"{where}: `name`")
        problem = name_problem(name)
        if problem is not None:
            raise error("GRAPH_NAME", f"{where}: node name {show(name)} {problem}")
        if name in self.node_names:
            raise error("GRAPH_NODE_DUPLICATE", f"{where}: another node is already named {show(name)}")
        self.node_names.add(name)
        where = f"node {show(name)} (#{index})"
        op = expect_string(obj["op"], f"{where}: `op`")
        spec = self._resolve(op, where)
        where = f"node {show(name)} (#{index}, {op})"
        inputs = self._value_list(obj["inputs"], f"{where}: `inputs`")
        outputs = self._value_list(obj["outputs"], f"{where}: `outputs`")
        attributes_raw = expect_object(obj.get("attributes", {}), f"{where}: `attributes`")
        parameters_raw = expect_object(obj.get("parameters", {}), f"{where}: `parameters`")
        parameters: dict[str, str] = {}
        for slot in canonical_order(parameters_raw):
            parameters[slot] = expect_string(parameters_raw[slot], f"{where}: parameter `{slot}`")
        node = Node(index, name, op, inputs, outputs, attributes_raw, _frozen(parameters), spec is None)
        if spec is None:
            return self._visit_extension(node)
        _check_arity(spec, node)
        attributes = complete_attributes(spec, attributes_raw, node, version=self.core_version)
        node = Node(index, name, op, inputs, outputs, _frozen(attributes), node.parameters)
        _check_attribute_arity(spec, node)
        input_types = self._input_types(node)
        bound = _check_bindings(spec, node, self.tensors, input_types)
        if all(value is None or value.known for value in input_types):
            output_types = spec.infer(InferContext(node, input_types, bound))
        else:  # downstream of an extension op: checked again with concrete types at run time
            output_types = [ValueType(None, None)] * len(outputs)
        self._define(node, output_types)
        return node

    def _resolve(self, op: str, where: str) -> OpSpec | None:
        """The core spec for `op`, None for a declared extension op, else GRAPH_OP_UNKNOWN."""
        spec = self.core_ops.get(op)
        if spec is not None:
            return spec
        domain, _, local = op.rpartition(".")
        if domain in self.extension_domains and EXTENSION_OP_PATTERN.fullmatch(local) is not None:
            return None
        if domain:
            reason = f"its domain {show(domain)} is not declared in `opset`"
        elif op in CORE_OPS:
            reason = (
                f"it is an op of {CORE_DOMAIN} version {CORE_OPS[op].since}; "
                f"the graph declares version {self.core_version}"
            )
        else:
            reason = f"{CORE_DOMAIN} version {self.core_version} has no such op"
        raise error("GRAPH_OP_UNKNOWN", f"{where}: unknown op {show(op)}: {reason}")

    def _value_list(self, raw: object, where: str) -> tuple[str | None, ...]:
        items = expect_array(raw, where)
        if len(items) > MAX_NODE_VALUES:
            raise error("GRAPH_LIMIT", f"{where} has {len(items)} entries; at most {MAX_NODE_VALUES} are allowed")
        result: list[str | None] = []
        for item in items:
            if item is None:
                result.append(None)
                continue
            name = expect_string(item, f"{where} entries")
            problem = name_problem(name)
            if problem is not None:
                raise error("GRAPH_NAME", f"{where}: value name {show(name)} {problem}")
            result.append(name)
        return tuple(result)

    def _input_types(self, node: Node) -> list[ValueType | None]:
        result: list[ValueType | None] = []
        for position, name in enumerate(node.inputs):
            if name is None:
                result.append(None)
                continue
            value = self.types.get(name)
            if value is None:
                raise error(
                    "GRAPH_VALUE_UNDEFINED",
                    f"{node.describe()}: input {position} {show(name)} is not defined by a graph input or an "
                    "earlier node (nodes must be in topological order; cycles are not allowed)",
                )
            result.append(value)
        return result

    def _visit_extension(self, node: Node) -> Node:
        for slot, tensor in node.parameters.items():
            if tensor not in self.tensors:
                raise error(
                    "GRAPH_TENSOR_MISSING",
                    f"{node.describe()}: parameter `{slot}` names a missing tensor {show(tensor)}",
                )
        self._input_types(node)
        self._define(node, [ValueType(None, None)] * len(node.outputs))
        return node

    def _define(self, node: Node, output_types: Sequence[ValueType]) -> None:
        for position, name in enumerate(node.outputs):
            if name is None:
                continue
            if name in self.types:
                raise error(
                    "GRAPH_VALUE_DUPLICATE", f"{node.describe()}: output {position} {show(name)} is already defined"
                )
            self.types[name] = output_types[position]


def _check_arity(spec: OpSpec, node: Node) -> None:
    for what, given, ports, (minimum, maximum) in (
        ("inputs", node.inputs, spec.inputs, spec.input_range()),
        ("outputs", node.outputs, spec.outputs, spec.output_range()),
    ):
        expected = (
            f"{minimum}"
            if maximum == minimum
            else (f"at least {minimum}" if maximum is None else f"{minimum} to {maximum}")
        )
        if len(given) < minimum or (maximum is not None and len(given) > maximum):
            raise error("GRAPH_ARITY", f"{node.describe()}: {spec.name} takes {expected} {what}, got {len(given)}")
        for position, value in enumerate(given):
            port = ports[min(position, len(ports) - 1)]
            if value is None and not port.optional:
                raise error("GRAPH_ARITY", f"{node.describe()}: {what[:-1]} {position} ({port.name}) is required")


def _check_attribute_arity(spec: OpSpec, node: Node) -> None:
    """§9.6, §9.10 step 4.7: arity rules that depend on an attribute (Split's output count) are checked
    right after the attributes."""
    if spec.name == "Split":
        split = node.attributes["split"]
        assert isinstance(split, tuple)
        if len(node.outputs) != len(split):
            raise error(
                "GRAPH_ARITY",
                f"{node.describe()}: split has {len(split)} parts but the node has {len(node.outputs)} outputs",
            )


def _check_bindings(
    spec: OpSpec, node: Node, tensors: Mapping[str, TensorEntry], input_types: Sequence[ValueType | None]
) -> dict[str, TensorEntry]:
    """§9.8: slot names, tensor existence, required slots and groups, shapes, dtypes."""
    slots = {slot.name: slot for slot in spec.slots(node.attributes)}
    where = node.describe()
    for slot_name in node.parameters:
        if slot_name not in slots:
            listed = ", ".join(slots) or "none"
            raise error("GRAPH_PARAMETER_UNKNOWN", f"{where}: no parameter slot {show(slot_name)}; slots are {listed}")
    bound: dict[str, TensorEntry] = {}
    for slot_name, tensor_name in node.parameters.items():
        entry = tensors.get(tensor_name)
        if entry is None:
            raise error(
                "GRAPH_TENSOR_MISSING",
                f"{where}: parameter `{slot_name}` names {show(tensor_name)}, which is not in the tensor table",
            )
        bound[slot_name] = entry
    for slot in slots.values():
        if slot.required and slot.name not in bound:
            raise error("GRAPH_PARAMETER_MISSING", f"{where}: required parameter `{slot.name}` is not bound")
    for group in spec.slot_groups(node.attributes):
        present = [name for name in group if name in bound]
        if present and len(present) != len(group):
            missing = [name for name in group if name not in bound]
            raise error(
                "GRAPH_PARAMETER_MISSING",
                f"{where}: `{present[0]}` is bound, so {', '.join(f'`{m}`' for m in missing)} must be bound too",
            )
    first = input_types[0] if input_types else None
    node_dtype = first.dtype if first is not None else None
    for slot_name, entry in bound.items():
        slot = slots[slot_name]
        if slot.shape is not None and tuple(entry.shape) != slot.shape:
            raise error(
                "GRAPH_PARAMETER_SHAPE",
                f"{where}: parameter `{slot_name}` is tensor {show(entry.name)} of shape {list(entry.shape)}; "
                f"expected {list(slot.shape)}",
                tensor=entry.name,
            )
    for slot_name, entry in bound.items():
        slot = slots[slot_name]
        if slot.dtype == "any":
            continue
        if entry.dtype not in FLOAT_DTYPES:
            raise error(
                "GRAPH_PARAMETER_DTYPE",
                f"{where}: parameter `{slot_name}` is tensor {show(entry.name)} of dtype {entry.dtype}; "
                "expected a floating dtype",
                tensor=entry.name,
            )
        if slot.dtype == "T" and node_dtype is not None and node_dtype in FLOAT_DTYPES and entry.dtype != node_dtype:
            raise error(
                "GRAPH_PARAMETER_DTYPE",
                f"{where}: parameter `{slot_name}` is tensor {show(entry.name)} of dtype {entry.dtype}; "
                f"the node computes in {node_dtype}",
                tensor=entry.name,
            )
    # All slots sharing "T" must agree even when the input type is unknown.
    t_dtypes = {entry.dtype for name, entry in bound.items() if slots[name].dtype == "T"}
    if len(t_dtypes) > 1:
        raise error("GRAPH_PARAMETER_DTYPE", f"{where}: parameters have different dtypes {sorted(t_dtypes)}")
    return bound
