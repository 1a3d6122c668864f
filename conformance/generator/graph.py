"""Architecture vectors (SPEC.md §9): a small valid graph, and one mutation per structural rule."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from .build import Tensor, canonical, f32, f64, file_bytes, model
from .model import Vector, invalid, valid

Arch = dict[str, Any]


def pattern(count: int, scale: float = 0.25) -> list[float]:
    """Small exact binary fractions, so that every implementation computes with the same numbers."""
    return [((index * 5) % 9 - 4) * scale for index in range(count)]


TENSORS = [
    Tensor("fc.weight", "float32", [3, 4], f32(*pattern(12))),
    Tensor("fc.bias", "float32", [3], f32(0.5, -0.5, 0.25)),
    Tensor("fc.weight64", "float64", [3, 4], f64(*pattern(12))),
    Tensor("fc.weight.t", "float32", [4, 3], f32(*pattern(12))),
    Tensor("bn.mean", "float32", [3], f32(0, 0, 0), "buffer"),
    Tensor("bn.var", "float32", [3], f32(1, 1, 1), "buffer"),
    Tensor("bn.gamma", "float32", [3], f32(1, 1, 1)),
    Tensor("table.int", "int32", [10, 3], bytes(120)),
]


def base() -> Arch:
    return {
        "opset": {"modelfmt.core": 1},
        "inputs": [{"name": "x", "dtype": "float32", "shape": ["batch", 4]}],
        "outputs": [{"name": "y", "dtype": "float32", "shape": ["batch", 3]}],
        "nodes": [
            {
                "name": "fc",
                "op": "Linear",
                "inputs": ["x"],
                "outputs": ["h"],
                "attributes": {"in_features": 4, "out_features": 3},
                "parameters": {"weight": "fc.weight", "bias": "fc.bias"},
            },
            {"name": "act", "op": "ReLU", "inputs": ["h"], "outputs": ["a"]},
            {"name": "out", "op": "Softmax", "inputs": ["a"], "outputs": ["y"], "attributes": {"axis": -1}},
        ],
    }


def graph_file(arch: object, tensors: list[Tensor] | None = None, *, minor: int = 0) -> bytes:
    """A file with `arch` as its architecture, written without judging it (it may be invalid). A string
    `"@4.0@"` becomes the number token `4.0`, which canonical form would otherwise write as `4`."""
    m = model(tensors if tensors is not None else TENSORS, {})
    m.header["architecture"] = arch
    m.minor = minor
    return file_bytes(m, header_text=number_tokens(canonical(m.header)))


def number_tokens(text: bytes) -> bytes:
    """The string `"@4.0@"` as the number token `4.0`, which canonical form would write as `4`."""
    return re.sub(rb'"@([0-9.]+)@"', rb"\1", text)


Mutation = Callable[[Arch], Any]


def _split(path: str) -> list[str]:
    """`a.0.b`, or `a/0/b` when keys hold dots (`state/fc.weight/step`)."""
    return path.split("/") if "/" in path else path.split(".")


def at(path: str, value: object) -> Mutation:
    """Set the value at a path (numbers index lists)."""

    def change(arch: Arch) -> Any:
        *parents, last = _split(path)
        target: Any = arch
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
        return arch

    return change


def drop(path: str) -> Mutation:
    def change(arch: Arch) -> Any:
        *parents, last = _split(path)
        target: Any = arch
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        del target[last]
        return arch

    return change


def node(name: str, op: str, inputs: list[Any], outputs: list[Any], **rest: Any) -> dict[str, Any]:
    return {"name": name, "op": op, "inputs": inputs, "outputs": outputs, **rest}


def replace_node(index: int, new: dict[str, Any]) -> Mutation:
    return at(f"nodes.{index}", new)


def both(*changes: Mutation) -> Mutation:
    def change(arch: Arch) -> Any:
        for one in changes:
            arch = one(arch)
        return arch

    return change


def _swap(arch: Arch) -> Any:
    arch["nodes"][0], arch["nodes"][1] = arch["nodes"][1], arch["nodes"][0]
    return arch


def _cycle(arch: Arch) -> Any:
    arch["nodes"][1]["inputs"] = ["y"]
    return arch


LINEAR = {"in_features": 4, "out_features": 3}
BN = {"running_mean": "bn.mean", "running_var": "bn.var"}
X2 = [{"name": "x", "dtype": "float32", "shape": ["batch", 4]}, {"name": "z", "dtype": "float64", "shape": [3]}]

# (name, mutation, code, description, sections)
CASES: list[tuple[str, Mutation, str, str, str]] = [
    ("not-an-object", lambda a: [], "HEADER_TYPE", "architecture is an object", "9.2"),
    ("unknown-key", at("name", "mlp"), "HEADER_UNKNOWN_KEY", "the architecture object is closed", "9.2"),
    ("missing-nodes", drop("nodes"), "HEADER_MISSING_KEY", "all four keys are required", "9.2"),
    ("nodes-not-array", at("nodes", {}), "HEADER_TYPE", "nodes is an array", "9.2"),
    ("no-outputs", at("outputs", []), "HEADER_TYPE", "a graph has at least one output", "9.2"),
    ("opset-without-core", at("opset", {"com.example": 1}), "GRAPH_OPSET", "modelfmt.core is required", "9.3"),
    ("opset-core-zero", at("opset", {"modelfmt.core": 0}), "GRAPH_OPSET", "versions start at 1", "9.3"),
    (
        "opset-core-newer",
        at("opset", {"modelfmt.core": 3}),
        "GRAPH_OPSET_VERSION",
        "a version this reader does not implement is never validated by older rules",
        "9.3",
    ),
    ("opset-core-string", at("opset", {"modelfmt.core": "1"}), "HEADER_TYPE", "the version is a number", "9.3"),
    ("opset-core-fraction", at("opset", {"modelfmt.core": 1.5}), "HEADER_TYPE", "the version is integer-form", "9.3"),
    (
        "opset-domain-not-reverse-dns",
        at("opset", {"modelfmt.core": 1, "Example": 1}),
        "GRAPH_OPSET",
        "extension domains are reverse-DNS names",
        "9.3",
    ),
    (
        "opset-reserved-domain",
        at("opset", {"modelfmt.core": 1, "modelfmt.extra": 1}),
        "GRAPH_OPSET",
        "modelfmt. is reserved for this specification",
        "9.3",
    ),
    (
        "opset-extension-version-zero",
        at("opset", {"modelfmt.core": 1, "com.example": 0}),
        "GRAPH_OPSET",
        "extension versions start at 1",
        "9.3",
    ),
    ("node-name-empty", at("nodes.1.name", ""), "GRAPH_NAME", "node names are 1 to 1024 bytes", "9.4"),
    ("value-name-control", at("nodes.1.outputs", ["a\u0007"]), "GRAPH_NAME", "no control characters", "9.4"),
    (
        "value-name-c1",
        both(at("nodes.1.outputs", ["a\u0085"]), at("nodes.2.inputs", ["a\u0085"])),
        "GRAPH_NAME",
        "U+0085 is a C1 control",
        "9.4",
    ),
    (
        "symbol-starts-with-digit",
        at("inputs.0.shape", ["1batch", 4]),
        "GRAPH_NAME",
        "symbols match [A-Za-z_][A-Za-z0-9_]*",
        "9.4",
    ),
    ("symbol-with-hyphen", at("inputs.0.shape", ["batch-size", 4]), "GRAPH_NAME", "no hyphen in a symbol", "9.4"),
    ("symbol-empty", at("inputs.0.shape", ["", 4]), "GRAPH_NAME", "an empty symbol", "9.4"),
    (
        "input-unknown-dtype",
        at("inputs.0.dtype", "float128"),
        "DTYPE_UNKNOWN",
        "declared dtypes are registry names",
        "9.5",
    ),
    (
        "input-negative-dimension",
        at("inputs.0.shape", [-1, 4]),
        "SHAPE_INVALID",
        "-1 is not a wildcard: symbols are",
        "9.5",
    ),
    (
        "input-dimension-fraction",
        at("inputs.0.shape", [2.5, 4]),
        "HEADER_TYPE",
        "dimensions are integers or symbols",
        "9.5",
    ),
    ("input-dimension-null", at("inputs.0.shape", [None, 4]), "HEADER_TYPE", "null is not a dimension", "9.5"),
    (
        "input-declared-twice",
        lambda a: {**a, "inputs": a["inputs"] * 2},
        "GRAPH_VALUE_DUPLICATE",
        "a value is defined once",
        "9.5",
    ),
    (
        "input-missing-shape",
        drop("inputs.0.shape"),
        "HEADER_MISSING_KEY",
        "value declarations are closed objects",
        "9.5",
    ),
    ("output-unknown", at("outputs.0.name", "nowhere"), "GRAPH_OUTPUT_UNKNOWN", "outputs name defined values", "9.5"),
    (
        "output-twice",
        lambda a: {**a, "outputs": a["outputs"] * 2},
        "GRAPH_OUTPUT_DUPLICATE",
        "an output is listed once",
        "9.5",
    ),
    (
        "output-wrong-dtype",
        at("outputs.0.dtype", "float64"),
        "GRAPH_DTYPE",
        "the declared dtype is the inferred one",
        "9.5",
    ),
    (
        "output-wrong-size",
        at("outputs.0.shape", ["batch", 4]),
        "GRAPH_SHAPE",
        "the declared size is the inferred one",
        "9.5",
    ),
    ("output-wrong-rank", at("outputs.0.shape", ["batch"]), "GRAPH_SHAPE", "ranks are equal", "9.5"),
    (
        "output-other-symbol",
        at("outputs.0.shape", ["n", 3]),
        "GRAPH_SHAPE",
        "an inferred symbol must be declared as itself",
        "9.5",
    ),
    ("node-unknown-key", at("nodes.1.attrs", {}), "HEADER_UNKNOWN_KEY", "nodes are closed objects", "9.6"),
    ("node-missing-outputs", drop("nodes.1.outputs"), "HEADER_MISSING_KEY", "outputs is required", "9.6"),
    ("node-inputs-not-array", at("nodes.1.inputs", "h"), "HEADER_TYPE", "inputs is an array", "9.6"),
    ("node-input-number", at("nodes.1.inputs", [3]), "HEADER_TYPE", "inputs are strings or null", "9.6"),
    (
        "node-parameters-not-strings",
        at("nodes.0.parameters.bias", 1),
        "HEADER_TYPE",
        "parameters map slot names to tensor names",
        "9.6",
    ),
    ("node-duplicate", at("nodes.1.name", "fc"), "GRAPH_NODE_DUPLICATE", "node names are unique", "9.6"),
    ("op-unknown", at("nodes.1.op", "Relu"), "GRAPH_OP_UNKNOWN", "op names are case-sensitive", "9.3"),
    (
        "op-prototype-name",
        at("nodes.1.op", "constructor"),
        "GRAPH_OP_UNKNOWN",
        "an op is looked up in the op table, never as a property",
        "9.3",
    ),
    ("op-dunder-import", at("nodes.1.op", "__import__"), "GRAPH_OP_UNKNOWN", "no name reaches an evaluator", "9.3"),
    (
        "op-undeclared-domain",
        at("nodes.1.op", "com.example.Swish"),
        "GRAPH_OP_UNKNOWN",
        "an extension op's domain must be declared in opset",
        "9.3",
    ),
    (
        "op-extension-bad-name",
        both(at("opset", {"modelfmt.core": 1, "com.example": 1}), at("nodes.1.op", "com.example.1swish")),
        "GRAPH_OP_UNKNOWN",
        "the local name matches [A-Za-z][A-Za-z0-9_]{0,127}",
        "9.3",
    ),
    ("arity-too-many-inputs", at("nodes.1.inputs", ["h", "x"]), "GRAPH_ARITY", "ReLU takes one input", "9.6"),
    (
        "arity-too-few-inputs",
        replace_node(1, node("act", "Add", ["h"], ["a"])),
        "GRAPH_ARITY",
        "Add takes two inputs",
        "9.6",
    ),
    ("arity-null-required-input", at("nodes.1.inputs", [None]), "GRAPH_ARITY", "null only for optional ports", "9.6"),
    ("arity-no-output", at("nodes.1.outputs", []), "GRAPH_ARITY", "the required output is missing", "9.6"),
    (
        "arity-split-output-count",
        replace_node(1, node("act", "Split", ["h"], ["a", "b"], attributes={"axis": 1, "split": [1, 1, 1]})),
        "GRAPH_ARITY",
        "Split has one output per entry of split",
        "10.5.5",
    ),
    ("value-defined-twice", at("nodes.1.outputs", ["h"]), "GRAPH_VALUE_DUPLICATE", "each value is defined once", "9.6"),
    (
        "output-shadows-input",
        at("nodes.1.outputs", ["x"]),
        "GRAPH_VALUE_DUPLICATE",
        "a node cannot redefine a graph input",
        "9.6",
    ),
    ("use-before-definition", _swap, "GRAPH_VALUE_UNDEFINED", "nodes are in topological order", "9.6"),
    ("cycle", _cycle, "GRAPH_VALUE_UNDEFINED", "a cycle is reported at its first node in file order", "9.6"),
    ("self-loop", at("nodes.1.inputs", ["a"]), "GRAPH_VALUE_UNDEFINED", "a node cannot use its own output", "9.6"),
    ("undefined-input", at("nodes.1.inputs", ["nothing"]), "GRAPH_VALUE_UNDEFINED", "every input is defined", "9.6"),
    (
        "attribute-unknown",
        at("nodes.0.attributes.activation", "relu"),
        "GRAPH_ATTRIBUTE_UNKNOWN",
        "only the op's attributes",
        "9.7",
    ),
    (
        "attribute-missing",
        drop("nodes.0.attributes.out_features"),
        "GRAPH_ATTRIBUTE_MISSING",
        "required attributes are given",
        "9.7",
    ),
    (
        "attribute-string-for-int",
        at("nodes.0.attributes.in_features", "4"),
        "GRAPH_ATTRIBUTE_TYPE",
        "an int is a number",
        "9.7",
    ),
    (
        "attribute-fraction-for-int",
        at("nodes.0.attributes.in_features", 4.5),
        "GRAPH_ATTRIBUTE_TYPE",
        "an int is integer-form",
        "9.7",
    ),
    (
        "attribute-integral-float-for-int",
        at("nodes.0.attributes.in_features", "@4.0@"),
        "GRAPH_ATTRIBUTE_TYPE",
        "4.0 is not integer-form, so not an int",
        ("9.7"),
    ),
    (
        "attribute-bool-for-int",
        at("nodes.0.attributes.in_features", True),
        "GRAPH_ATTRIBUTE_TYPE",
        "true is not a number",
        "9.7",
    ),
    ("attribute-null", at("nodes.2.attributes.axis", None), "GRAPH_ATTRIBUTE_TYPE", "null is never a value", "9.7"),
    (
        "attribute-out-of-range",
        at("nodes.0.attributes.out_features", 0),
        "GRAPH_ATTRIBUTE_VALUE",
        "out_features >= 1",
        "9.7",
    ),
    (
        "attribute-axis-out-of-range",
        at("nodes.2.attributes.axis", 2),
        "GRAPH_ATTRIBUTE_VALUE",
        "an axis of a rank-2 value is in -2..1",
        "10.1",
    ),
    (
        "attribute-enum",
        replace_node(1, node("act", "GELU", ["h"], ["a"], attributes={"approximate": "fast"})),
        "GRAPH_ATTRIBUTE_VALUE",
        "string attributes take the listed values",
        "10.3.6",
    ),
    (
        "attribute-two-minus-ones",
        replace_node(1, node("act", "Reshape", ["h"], ["a"], attributes={"shape": [-1, -1]})),
        "GRAPH_ATTRIBUTE_VALUE",
        "one -1 at most",
        "10.5.2",
    ),
    (
        "attribute-bad-permutation",
        replace_node(1, node("act", "Transpose", ["h"], ["a"], attributes={"perm": [0, 0]})),
        "GRAPH_ATTRIBUTE_VALUE",
        "perm is a permutation",
        "10.5.3",
    ),
    (
        "attribute-ints-item-type",
        replace_node(1, node("act", "Reshape", ["h"], ["a"], attributes={"shape": [0, "@3.0@"]})),
        "GRAPH_ATTRIBUTE_TYPE",
        "ints items are integer-form",
        "9.7",
    ),
    (
        "attribute-cross-rule",
        replace_node(
            0,
            node(
                "fc",
                "Conv1d",
                ["x"],
                ["h"],
                attributes={"in_channels": 4, "out_channels": 3, "kernel_size": [1], "groups": 2},
                parameters={"weight": "fc.weight"},
            ),
        ),
        "GRAPH_ATTRIBUTE_VALUE",
        "out_channels 3 is not divisible by groups 2",
        "10.8.1",
    ),
    (
        "slot-unknown",
        at("nodes.0.parameters.kernel", "fc.weight"),
        "GRAPH_PARAMETER_UNKNOWN",
        "only the op's slots",
        "9.8",
    ),
    ("slot-missing", drop("nodes.0.parameters.weight"), "GRAPH_PARAMETER_MISSING", "weight is required", "9.8"),
    ("tensor-missing", at("nodes.0.parameters.bias", "fc.b"), "GRAPH_TENSOR_MISSING", "bindings name tensors", "9.8"),
    (
        "tensor-missing-prototype-name",
        at("nodes.0.parameters.bias", "constructor"),
        "GRAPH_TENSOR_MISSING",
        "a tensor name is looked up in the tensor table only",
        "9.8",
    ),
    (
        "slot-shape-transposed",
        at("nodes.0.parameters.weight", "fc.weight.t"),
        "GRAPH_PARAMETER_SHAPE",
        "[4, 3] is not [out_features, in_features]",
        "9.8",
    ),
    (
        "slot-dtype",
        at("nodes.0.parameters.weight", "fc.weight64"),
        "GRAPH_PARAMETER_DTYPE",
        "a T slot has the node's dtype",
        "9.8",
    ),
    (
        "slot-group-half-bound",
        replace_node(
            1,
            node(
                "act",
                "BatchNorm1d",
                ["h"],
                ["a"],
                attributes={"num_features": 3},
                parameters={**BN, "weight": "bn.gamma"},
            ),
        ),
        "GRAPH_PARAMETER_MISSING",
        "weight and bias are bound together",
        "10.9.1",
    ),
    (
        "slot-integer-embedding",
        replace_node(
            1,
            node(
                "act",
                "Embedding",
                ["h"],
                ["a"],
                attributes={"num_embeddings": 10, "embedding_dim": 3},
                parameters={"weight": "table.int"},
            ),
        ),
        "GRAPH_PARAMETER_DTYPE",
        "an Embedding weight is floating",
        "10.7.2",
    ),
    (
        "dtype-integer-input",
        at("inputs.0.dtype", "int64"),
        "GRAPH_DTYPE",
        "Linear computes in a floating dtype",
        "9.10",
    ),
    (
        "shape-linear-in-features",
        at("inputs.0.shape", ["batch", 5]),
        "GRAPH_SHAPE",
        "the last size is in_features",
        "10.7.1",
    ),
    (
        "dtype-mixed-add",
        both(at("inputs", X2), replace_node(1, node("act", "Add", ["h", "z"], ["a"]))),
        "GRAPH_DTYPE",
        "Add's inputs have the same dtype (mixed precision converts with Cast)",
        "10.4.1",
    ),
    (
        "shape-not-broadcastable",
        replace_node(1, node("act", "Add", ["h", "x"], ["a"])),
        "GRAPH_SHAPE",
        "3 and 4 do not broadcast",
        "10.1",
    ),
    (
        "shape-matmul-inner",
        both(
            at("inputs.0.shape", [2, 4]),
            at("outputs.0.shape", [2, 3]),
            replace_node(1, node("act", "MatMul", ["h", "h"], ["a"])),
        ),
        "GRAPH_SHAPE",
        "[2, 3] @ [2, 3]: the inner sizes differ",
        "10.4.5",
    ),
    (
        "shape-reshape-count",
        replace_node(1, node("act", "Reshape", ["h"], ["a"], attributes={"shape": [0, 4]})),
        "GRAPH_SHAPE",
        "3 elements per row cannot become 4",
        "10.5.2",
    ),
    (
        "shape-inferred-rank-17",
        both(
            at("inputs.0.shape", [1] * 15 + [4]),
            at("outputs.0.shape", [1] * 15 + [3]),
            replace_node(1, node("act", "Unsqueeze", ["h"], ["a"], attributes={"axes": [0]})),
        ),
        "GRAPH_SHAPE",
        "an inferred rank of 17",
        "9.12",
    ),
    (
        "shape-window-does-not-fit",
        both(
            at("inputs.0.shape", ["batch", 4, 2]),
            replace_node(
                0,
                node(
                    "fc",
                    "Conv1d",
                    ["x"],
                    ["h"],
                    attributes={"in_channels": 4, "out_channels": 1, "kernel_size": [3]},
                    parameters={"weight": "conv.weight"},
                ),
            ),
        ),
        "GRAPH_SHAPE",
        "a kernel of 3 over a length of 2",
        "10.1",
    ),
    (
        "extension-tensor-missing",
        both(
            at("opset", {"modelfmt.core": 1, "com.example": 1}),
            replace_node(1, node("act", "com.example.Swish", ["h"], ["a"], parameters={"beta": "missing"})),
        ),
        "GRAPH_TENSOR_MISSING",
        "an extension node's bindings name tensors",
        "9.9",
    ),
    (
        "extension-input-undefined",
        both(
            at("opset", {"modelfmt.core": 1, "com.example": 1}),
            replace_node(1, node("act", "com.example.Swish", ["nothing"], ["a"])),
        ),
        "GRAPH_VALUE_UNDEFINED",
        "an extension node's inputs are defined",
        "9.9",
    ),
    (
        "extension-output-twice",
        both(
            at("opset", {"modelfmt.core": 1, "com.example": 1}),
            replace_node(1, node("act", "com.example.Swish", ["h"], ["h"])),
        ),
        "GRAPH_VALUE_DUPLICATE",
        "an extension node's outputs are defined once",
        "9.9",
    ),
    (
        "lstm-h0-without-c0",
        both(
            at(
                "inputs",
                [
                    {"name": "x", "dtype": "float32", "shape": [2, 1, 4]},
                    {"name": "h0", "dtype": "float32", "shape": [1, 1, 3]},
                ],
            ),
            at("outputs", [{"name": "y", "dtype": "float32", "shape": [2, 1, 3]}]),
            at(
                "nodes",
                [
                    node(
                        "lstm",
                        "LSTM",
                        ["x", "h0"],
                        ["y"],
                        attributes={"input_size": 4, "hidden_size": 3},
                        parameters={"weight_ih_l0": "lstm.w", "weight_hh_l0": "lstm.u"},
                    )
                ],
            ),
        ),
        "GRAPH_ARITY",
        "H0 and C0 are given together",
        "10.10.2",
    ),
]

EXTRA = [
    Tensor("conv.weight", "float32", [1, 4, 3], f32(*pattern(12))),
    Tensor("lstm.w", "float32", [12, 4], f32(*pattern(48))),
    Tensor("lstm.u", "float32", [12, 3], f32(*pattern(36))),
]


def _valid() -> list[Vector]:
    tensors = TENSORS + EXTRA
    ext = copy.deepcopy(base())
    ext["opset"]["com.example"] = 3
    ext["nodes"][1] = node(
        "act",
        "com.example.Swish",
        ["h"],
        ["a", None, "aux"],
        attributes={"beta": {"nested": [1, "x", None]}, "__proto__": 1},
        parameters={"scale": "bn.gamma"},
    )
    ext["outputs"] = [{"name": "y", "dtype": "float16", "shape": ["whatever", 7, "free"]}]
    tied = copy.deepcopy(base())
    tied["nodes"].insert(
        1,
        node(
            "fc2", "Linear", ["x"], ["unused"], attributes=LINEAR, parameters={"weight": "fc.weight", "bias": "fc.bias"}
        ),
    )
    free = {
        "opset": {"modelfmt.core": 1},
        "inputs": [
            {"name": "a", "dtype": "float32", "shape": ["n", 2]},
            {"name": "b", "dtype": "float32", "shape": ["m", 2]},
        ],
        "outputs": [
            {"name": "c", "dtype": "float32", "shape": ["total", 2]},
            {"name": "a", "dtype": "float32", "shape": ["n", 2]},
        ],
        "nodes": [node("cat", "Concat", ["a", "b"], ["c"], attributes={"axis": 0})],
    }
    lstm = {
        "opset": {"modelfmt.core": 1},
        "inputs": [{"name": "x", "dtype": "float32", "shape": [2, 1, 4]}],
        "outputs": [{"name": "c_n", "dtype": "float32", "shape": [1, 1, 3]}],
        "nodes": [
            node(
                "lstm",
                "LSTM",
                ["x", None, None],
                ["y", None, "c_n"],
                attributes={"input_size": 4, "hidden_size": 3, "dropout": 0},
                parameters={"weight_ih_l0": "lstm.w", "weight_hh_l0": "lstm.u"},
            )
        ],
    }
    empty_graph = {
        "opset": {"modelfmt.core": 1, "org.example.ops": 1},
        "inputs": [{"name": "x", "dtype": "bool", "shape": []}],
        "outputs": [{"name": "x", "dtype": "bool", "shape": []}],
        "nodes": [],
    }
    run_input = {
        "inputs": {"x": {"dtype": "float32", "shape": [2, 5], "hex": f32(*([0.5] * 10)).hex()}},
        "error": "RUN_INPUT",
    }
    return [
        valid(
            "valid.graph.base",
            graph_file(base(), tensors),
            "Linear, ReLU, Softmax with a symbolic batch; unbound tensors are allowed",
            ("9", "9.8"),
            runtime=run_input,
            tags=("runtime:RUN_INPUT",),
        ),
        valid(
            "valid.graph.extension-op",
            graph_file(ext, tensors),
            "an extension node: free attributes, null outputs, unknown types downstream; never executed",
            ("9.3", "9.9", "9.10"),
            runtime={
                "inputs": {"x": {"dtype": "float32", "shape": [1, 4], "hex": f32(1, 2, 3, 4).hex()}},
                "error": "RUN_UNSUPPORTED",
            },
            tags=("runtime:RUN_UNSUPPORTED", "pitfall:17.11"),
        ),
        valid(
            "valid.graph.weight-tying-unused-value",
            graph_file(tied, tensors),
            "the same tensors bound by two nodes, and a value nothing uses",
            ("9.6", "9.8"),
        ),
        valid(
            "valid.graph.free-symbol",
            graph_file(free, []),
            "a free symbol in an output, and a graph input listed as an output",
            "9.5",
        ),
        valid(
            "valid.graph.optional-ports",
            graph_file(lstm, tensors),
            "optional inputs given as null, unnamed outputs as null",
            "9.6",
        ),
        valid(
            "valid.graph.no-nodes",
            graph_file(empty_graph, []),
            "a graph without nodes whose output is its input; an unused extension op set",
            ("9.2", "9.3"),
        ),
    ]


def vectors() -> list[Vector]:
    tensors = TENSORS + EXTRA
    result = _valid()
    for name, change, code, description, sections in CASES:
        arch = change(copy.deepcopy(base()))
        tags: tuple[str, ...] = (f"graph-rule:{name}",)
        if name in ("op-prototype-name", "op-dunder-import", "tensor-missing-prototype-name"):
            tags += ("pitfall:17.10",)
        result.append(
            invalid(f"invalid.graph.{name}", graph_file(arch, tensors), code, description, sections, tags=tags)
        )
    m = model(tensors, {})
    m.header["architecture"] = base()
    m.header["architecture"]["inputs"][0]["dtype"] = "float4_e2m1"
    result.append(
        invalid(
            "invalid.graph.minor-2-unknown-dtype",
            graph_file(m.header["architecture"], tensors, minor=2),
            "UNSUPPORTED_VERSION",
            "in a newer minor's file, an unknown dtype in a declaration",
            ("9.5", "15.4"),
        )
    )
    arch = base()
    arch["nodes"][1]["layout"] = "nchw"
    result.append(
        invalid(
            "invalid.graph.minor-2-unknown-node-key",
            graph_file(arch, tensors, minor=2),
            "UNSUPPORTED_VERSION",
            "in a newer minor's file, an unknown key of a node",
            ("9.6", "15.4"),
        )
    )
    return result
