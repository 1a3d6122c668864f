"""Every structural rule of SPEC.md §9 has a test: a valid graph, one mutation, the expected code.

The reader (`load`, `check`) and `validate_architecture` report the same code, the message names the
node, and the runtime never starts executing an invalid graph.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import modelfmt
import numpy as np
import pytest
from arch_helpers import raw_file, table
from modelfmt.diagnose._check import check_file
from modelfmt.graph import validate_architecture

WEIGHT = np.ones((3, 4), np.float32)
BIAS = np.zeros(3, np.float32)
TENSORS: dict[str, np.ndarray] = {
    "fc.weight": WEIGHT,
    "fc.bias": BIAS,
    "fc.weight64": WEIGHT.astype(np.float64),
    "bn.mean": np.zeros(3, np.float32),
    "bn.var": np.ones(3, np.float32),
    "bn.gamma": np.ones(3, np.float32),
    "table.int": np.zeros((10, 3), np.int32),
    "fc.weight.t": WEIGHT.T.copy(),
}


def base() -> dict[str, Any]:
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


Mutation = Callable[[dict[str, Any]], object]


def _set(path: str, value: object) -> Mutation:
    """Set a value at a dotted path (list indices as numbers); returns the new architecture."""

    def mutate(arch: dict[str, Any]) -> object:
        *parents, last = path.split(".")
        target: Any = arch
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
        return arch

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(arch: dict[str, Any]) -> object:
        *parents, last = path.split(".")
        target: Any = arch
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        del target[last]
        return arch

    return mutate


def _add_node(index: int, node: dict[str, Any]) -> Mutation:
    def mutate(arch: dict[str, Any]) -> object:
        arch["nodes"].insert(index, node)
        return arch

    return mutate


def _replace_node(index: int, node: dict[str, Any]) -> Mutation:
    def mutate(arch: dict[str, Any]) -> object:
        arch["nodes"][index] = node
        return arch

    return mutate


def _both(*mutations: Mutation) -> Mutation:
    def mutate(arch: dict[str, Any]) -> object:
        for mutation in mutations:
            arch = mutation(arch)  # type: ignore[assignment]
        return arch

    return mutate


def _swap_first_nodes(arch: dict[str, Any]) -> object:
    arch["nodes"][0], arch["nodes"][1] = arch["nodes"][1], arch["nodes"][0]
    return arch


def _cycle(arch: dict[str, Any]) -> object:
    arch["nodes"][1]["inputs"] = ["y"]  # act uses the output of the node after it
    return arch


def _node(op: str, inputs: list[Any], outputs: list[Any], **rest: Any) -> dict[str, Any]:
    return {"name": "extra", "op": op, "inputs": inputs, "outputs": outputs, **rest}


LINEAR_ATTRS = {"in_features": 4, "out_features": 3}
BN = {"running_mean": "bn.mean", "running_var": "bn.var"}
CASES: list[tuple[str, Mutation, str]] = [
    # -- the architecture object (§9.2) and op sets (§9.3)
    ("not-an-object", lambda arch: [], "HEADER_TYPE"),
    ("unknown-key", _set("name", "mlp"), "HEADER_UNKNOWN_KEY"),
    ("missing-nodes", _delete("nodes"), "HEADER_MISSING_KEY"),
    ("nodes-not-array", _set("nodes", {}), "HEADER_TYPE"),
    ("no-outputs", _set("outputs", []), "HEADER_TYPE"),
    ("opset-without-core", _set("opset", {"com.example": 1}), "GRAPH_OPSET"),
    ("opset-core-zero", _set("opset", {"modelfmt.core": 0}), "GRAPH_OPSET"),
    ("opset-core-newer", _set("opset", {"modelfmt.core": 3}), "GRAPH_OPSET_VERSION"),
    ("opset-version-string", _set("opset", {"modelfmt.core": "1"}), "HEADER_TYPE"),
    ("opset-domain-not-reverse-dns", _set("opset", {"modelfmt.core": 1, "Example": 1}), "GRAPH_OPSET"),
    ("opset-reserved-domain", _set("opset", {"modelfmt.core": 1, "modelfmt.extra": 1}), "GRAPH_OPSET"),
    # -- limits (§9.12)
    ("too-many-nodes", lambda arch: {**arch, "nodes": [arch["nodes"][1]] * 262_145}, "GRAPH_LIMIT"),
    ("too-many-node-inputs", _set("nodes.1.inputs", ["h"] * 4097), "GRAPH_LIMIT"),
    (
        "too-many-ints",
        _replace_node(1, _node("Reshape", ["h"], ["a"], attributes={"shape": [1] * 4097})),
        "GRAPH_LIMIT",
    ),
    # -- names (§9.4) and value declarations (§9.5)
    ("empty-node-name", _set("nodes.1.name", ""), "GRAPH_NAME"),
    ("control-char-value-name", _set("nodes.1.outputs", ["a\u0007"]), "GRAPH_NAME"),
    ("bad-symbol", _set("inputs.0.shape", ["1batch", 4]), "GRAPH_NAME"),
    ("input-unknown-dtype", _set("inputs.0.dtype", "float128"), "DTYPE_UNKNOWN"),
    ("input-negative-dim", _set("inputs.0.shape", [-1, 4]), "SHAPE_INVALID"),
    ("input-rank-17", _set("inputs.0.shape", [1] * 17), "SHAPE_INVALID"),
    ("input-dim-float", _set("inputs.0.shape", [2.5, 4]), "HEADER_TYPE"),
    ("input-declared-twice", lambda arch: {**arch, "inputs": arch["inputs"] * 2}, "GRAPH_VALUE_DUPLICATE"),
    ("output-unknown", _set("outputs.0.name", "nowhere"), "GRAPH_OUTPUT_UNKNOWN"),
    ("output-twice", lambda arch: {**arch, "outputs": arch["outputs"] * 2}, "GRAPH_OUTPUT_DUPLICATE"),
    ("output-wrong-dtype", _set("outputs.0.dtype", "float64"), "GRAPH_DTYPE"),
    ("output-wrong-size", _set("outputs.0.shape", ["batch", 4]), "GRAPH_SHAPE"),
    ("output-wrong-rank", _set("outputs.0.shape", ["batch"]), "GRAPH_SHAPE"),
    ("output-other-symbol", _set("outputs.0.shape", ["n", 3]), "GRAPH_SHAPE"),
    # -- nodes (§9.6)
    ("node-unknown-key", _set("nodes.1.attrs", {}), "HEADER_UNKNOWN_KEY"),
    ("node-missing-outputs", _delete("nodes.1.outputs"), "HEADER_MISSING_KEY"),
    ("node-inputs-not-array", _set("nodes.1.inputs", "h"), "HEADER_TYPE"),
    ("node-input-number", _set("nodes.1.inputs", [3]), "HEADER_TYPE"),
    ("node-duplicate", _set("nodes.1.name", "fc"), "GRAPH_NODE_DUPLICATE"),
    ("unknown-op", _set("nodes.1.op", "Relu"), "GRAPH_OP_UNKNOWN"),
    ("undeclared-extension-domain", _set("nodes.1.op", "com.example.Swish"), "GRAPH_OP_UNKNOWN"),
    ("too-many-inputs", _set("nodes.1.inputs", ["h", "x"]), "GRAPH_ARITY"),
    ("too-few-inputs", _replace_node(1, _node("Add", ["h"], ["a"])), "GRAPH_ARITY"),
    ("null-required-input", _set("nodes.1.inputs", [None]), "GRAPH_ARITY"),
    ("no-output", _set("nodes.1.outputs", []), "GRAPH_ARITY"),
    (
        "split-output-count",
        _replace_node(1, _node("Split", ["h"], ["a", "b"], attributes={"axis": 1, "split": [1, 1, 1]})),
        "GRAPH_ARITY",
    ),
    ("value-defined-twice", _set("nodes.1.outputs", ["h"]), "GRAPH_VALUE_DUPLICATE"),
    ("output-shadows-input", _set("nodes.1.outputs", ["x"]), "GRAPH_VALUE_DUPLICATE"),
    ("use-before-definition", _swap_first_nodes, "GRAPH_VALUE_UNDEFINED"),
    ("cycle", _cycle, "GRAPH_VALUE_UNDEFINED"),
    ("self-loop", _set("nodes.1.inputs", ["a"]), "GRAPH_VALUE_UNDEFINED"),
    ("undefined-input", _set("nodes.1.inputs", ["nothing"]), "GRAPH_VALUE_UNDEFINED"),
    # -- attributes (§9.7)
    ("attribute-unknown", _set("nodes.0.attributes.activation", "relu"), "GRAPH_ATTRIBUTE_UNKNOWN"),
    ("attribute-missing", _delete("nodes.0.attributes.out_features"), "GRAPH_ATTRIBUTE_MISSING"),
    ("attribute-string-for-int", _set("nodes.0.attributes.in_features", "4"), "GRAPH_ATTRIBUTE_TYPE"),
    ("attribute-float-for-int", _set("nodes.0.attributes.in_features", 4.5), "GRAPH_ATTRIBUTE_TYPE"),
    ("attribute-bool-for-int", _set("nodes.0.attributes.in_features", True), "GRAPH_ATTRIBUTE_TYPE"),
    ("attribute-null", _set("nodes.2.attributes.axis", None), "GRAPH_ATTRIBUTE_TYPE"),
    ("attribute-zero-features", _set("nodes.0.attributes.out_features", 0), "GRAPH_ATTRIBUTE_VALUE"),
    ("attribute-axis-out-of-range", _set("nodes.2.attributes.axis", 2), "GRAPH_ATTRIBUTE_VALUE"),
    (
        "attribute-enum",
        _replace_node(1, _node("GELU", ["h"], ["a"], attributes={"approximate": "fast"})),
        "GRAPH_ATTRIBUTE_VALUE",
    ),
    (
        "attribute-two-minus-ones",
        _replace_node(1, _node("Reshape", ["h"], ["a"], attributes={"shape": [-1, -1]})),
        "GRAPH_ATTRIBUTE_VALUE",
    ),
    (
        "attribute-bad-permutation",
        _replace_node(1, _node("Transpose", ["h"], ["a"], attributes={"perm": [0, 0]})),
        "GRAPH_ATTRIBUTE_VALUE",
    ),
    (
        "attribute-ints-item-type",
        _replace_node(1, _node("Reshape", ["h"], ["a"], attributes={"shape": [0, 3.0]})),
        "GRAPH_ATTRIBUTE_TYPE",
    ),
    # -- bindings (§9.8)
    ("slot-unknown", _set("nodes.0.parameters.kernel", "fc.weight"), "GRAPH_PARAMETER_UNKNOWN"),
    ("slot-missing", _delete("nodes.0.parameters.weight"), "GRAPH_PARAMETER_MISSING"),
    ("tensor-missing", _set("nodes.0.parameters.bias", "fc.b"), "GRAPH_TENSOR_MISSING"),
    ("slot-shape-transposed", _set("nodes.0.parameters.weight", "fc.weight.t"), "GRAPH_PARAMETER_SHAPE"),
    ("slot-dtype", _set("nodes.0.parameters.weight", "fc.weight64"), "GRAPH_PARAMETER_DTYPE"),
    (
        "slot-group-half-bound",
        _replace_node(
            1,
            _node("BatchNorm1d", ["h"], ["a"], attributes={"num_features": 3}, parameters={**BN, "weight": "bn.gamma"}),
        ),
        "GRAPH_PARAMETER_MISSING",
    ),
    (
        "embedding-int-weight",
        _replace_node(
            1,
            _node(
                "Embedding",
                ["h"],
                ["a"],
                attributes={"num_embeddings": 10, "embedding_dim": 3},
                parameters={"weight": "table.int"},
            ),
        ),
        "GRAPH_PARAMETER_DTYPE",
    ),
    # -- types and shapes (§9.10, §10)
    ("input-dtype", _set("inputs.0.dtype", "int64"), "GRAPH_DTYPE"),
    ("linear-in-features", _set("inputs.0.shape", ["batch", 5]), "GRAPH_SHAPE"),
    (
        "add-mixed-dtypes",
        _both(
            _set(
                "inputs",
                [
                    {"name": "x", "dtype": "float32", "shape": ["batch", 4]},
                    {"name": "z", "dtype": "float64", "shape": [3]},
                ],
            ),
            _replace_node(1, _node("Add", ["h", "z"], ["a"])),
        ),
        "GRAPH_DTYPE",
    ),
    ("add-not-broadcastable", _replace_node(1, _node("Add", ["h", "x"], ["a"])), "GRAPH_SHAPE"),
    (
        "matmul-inner",
        _both(
            _set("inputs.0.shape", [2, 4]),
            _set("outputs.0.shape", [2, 3]),
            _replace_node(1, _node("MatMul", ["h", "h"], ["a"])),
        ),
        "GRAPH_SHAPE",
    ),
    ("reshape-count", _replace_node(1, _node("Reshape", ["h"], ["a"], attributes={"shape": [0, 4]})), "GRAPH_SHAPE"),
    (
        "conv-input-too-small",
        _both(
            _set("inputs.0.shape", ["batch", 4, 2]),
            _replace_node(
                0,
                {
                    "name": "c",
                    "op": "Conv1d",
                    "inputs": ["x"],
                    "outputs": ["h"],
                    "attributes": {"in_channels": 4, "out_channels": 3, "kernel_size": [3]},
                    "parameters": {"weight": "fc.weight"},
                },
            ),
        ),
        "GRAPH_PARAMETER_SHAPE",
    ),
]


@pytest.mark.parametrize(("mutation", "code"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_invalid_architecture_is_rejected_with_its_code(mutation: Mutation, code: str) -> None:
    architecture = mutation(copy.deepcopy(base()))
    with pytest.raises(modelfmt.ModelfmtError) as caught:
        validate_architecture(architecture, table(TENSORS))
    assert caught.value.code == code, str(caught.value)


def test_base_architecture_is_valid() -> None:
    graph = validate_architecture(base(), table(TENSORS))
    assert [node.name for node in graph.nodes] == ["fc", "act", "out"]
    assert graph.value_types["y"].shape == ("batch", 3)


def test_messages_name_the_node() -> None:
    architecture = _set("nodes.1.op", "Relu")(base())
    with pytest.raises(modelfmt.FormatError, match=r"node `act` \(#1\)"):
        validate_architecture(architecture, table(TENSORS))
    architecture = _set("nodes.0.attributes.in_features", "4")(base())
    with pytest.raises(modelfmt.FormatError, match=r"node `fc` \(#0, Linear\): attribute `in_features`"):
        validate_architecture(architecture, table(TENSORS))


def test_newer_op_set_is_an_unsupported_error() -> None:
    with pytest.raises(modelfmt.UnsupportedError):
        validate_architecture(_set("opset", {"modelfmt.core": 3})(base()), table(TENSORS))


@pytest.mark.parametrize(
    ("mutation", "code"),
    [
        (_set("nodes.1.op", "Relu"), "GRAPH_OP_UNKNOWN"),
        (_cycle, "GRAPH_VALUE_UNDEFINED"),
        (_set("nodes.0.parameters.bias", "missing"), "GRAPH_TENSOR_MISSING"),
        (_set("nodes.1.outputs", ["h"]), "GRAPH_VALUE_DUPLICATE"),
        (_set("nodes.0.attributes.in_features", 4.5), "GRAPH_ATTRIBUTE_TYPE"),
    ],
    ids=["unknown-op", "cycle", "missing-tensor", "defined-twice", "attribute-type"],
)
def test_reader_and_check_report_the_same_code(mutation: Mutation, code: str, tmp_path: Path) -> None:
    data = raw_file({"fc.weight": WEIGHT, "fc.bias": BIAS}, {"architecture": mutation(base())})
    with pytest.raises(modelfmt.FormatError) as caught:
        modelfmt.load(data)
    assert caught.value.code == code
    path = tmp_path / "bad.mft"
    path.write_bytes(data)
    result = check_file(path)
    assert result.error is not None and result.error.code == code
    with pytest.raises(modelfmt.FormatError) as from_run:
        modelfmt.run(path, {"x": np.zeros((1, 4), np.float32)})
    assert from_run.value.code == code


def test_writer_refuses_an_invalid_architecture(tmp_path: Path) -> None:
    with pytest.raises(modelfmt.FormatError) as caught:
        modelfmt.save_file({"fc.weight": WEIGHT, "fc.bias": BIAS}, tmp_path / "x.mft", architecture=_cycle(base()))
    assert caught.value.code == "GRAPH_VALUE_UNDEFINED"
    assert not (tmp_path / "x.mft").exists()


def test_architecture_that_is_not_an_object_in_a_file() -> None:
    with pytest.raises(modelfmt.FormatError) as caught:
        modelfmt.load(raw_file({}, {"architecture": []}))
    assert caught.value.code == "HEADER_TYPE"
