"""Vectors of SPEC.md §17.17: zero-size shapes bounded by their extent (§7.4), in the tensor table and in
graph declarations, and valid files that every runtime refuses with its budget codes (§9.11 step 6).

The runtime vectors ask for what no budget admits: an array whose extent exceeds 2^53-1, and a recurrence
over 2^40 steps of an empty batch (inputs without a single byte). The limit vectors (limit - 1, limit,
limit + 1) are in `limits.py`.
"""

from __future__ import annotations

from .build import Tensor, f32, file_bytes, model
from .graph import graph_file, node
from .model import Vector, invalid, valid

BIG = 2**53 - 1
TAGS = ("pitfall:17.17",)


def _declaration(shape: list[object], where: str = "inputs") -> dict[str, object]:
    rnn = node(
        "rnn",
        "RNN",
        ["x"],
        ["y"],
        attributes={"input_size": 2, "hidden_size": 2},
        parameters={"weight_ih_l0": "w", "weight_hh_l0": "w"},
    )
    declared = {"name": "x", "dtype": "float32", "shape": ["steps", "batch", 2]}
    output = {"name": "y", "dtype": "float32", "shape": ["steps", "batch", 2]}
    arch: dict[str, object] = {"opset": {"modelfmt.core": 1}, "inputs": [declared], "outputs": [output], "nodes": [rnn]}
    if where == "inputs":
        arch["inputs"] = [{"name": "x", "dtype": "float32", "shape": shape}]
    else:
        arch["outputs"] = [output, {"name": "x", "dtype": "float32", "shape": shape}]
    return arch


WEIGHT = [Tensor("w", "float32", [2, 2], f32(0.5, -0.25, 0.125, 1.0))]


def _tensor_table() -> list[Vector]:
    return [
        invalid(
            "invalid.tensor_table.zero-size-extent-rank-3",
            file_bytes(model([Tensor("z", "int8", [2**20, 0, 2**34], b"")])),
            "SHAPE_INVALID",
            "a zero-size int8 tensor [2^20, 0, 2^34]: no data, but its other dimensions multiply to 2^54",
            ("7.4", "7.8"),
            tags=TAGS,
        ),
    ]


def _declarations() -> list[Vector]:
    return [
        invalid(
            "invalid.graph.input-zero-size-extent",
            graph_file(_declaration([0, 2**27, 2**27]), WEIGHT),
            "SHAPE_INVALID",
            "a graph input [0, 2^27, 2^27]: zero-size, its other dimensions multiply to 2^54",
            ("7.4", "9.5"),
            tags=(*TAGS, "graph-rule:declaration-zero-size-extent"),
        ),
        invalid(
            "invalid.graph.output-zero-size-extent-with-symbol",
            graph_file(_declaration(["n", 0, 2**30, 2**30], "outputs"), WEIGHT),
            "SHAPE_INVALID",
            "a graph output [n, 0, 2^30, 2^30]: the rule counts the integer dimensions, before any name rule "
            "of the outputs",
            ("7.4", "9.5", "9.10"),
            tags=TAGS,
        ),
        valid(
            "valid.graph.zero-size-declaration-within-extent",
            graph_file(_declaration([2**52 - 1, 0, 2]), WEIGHT),
            "a graph input [2^52-1, 0, 2]: zero-size, its other dimensions multiply to 2^53-2",
            ("7.4", "9.5"),
            tags=TAGS,
        ),
    ]


def _runtime() -> list[Vector]:
    empty_factors = {
        "opset": {"modelfmt.core": 1},
        "inputs": [],
        "outputs": [{"name": "y", "dtype": "float32", "shape": [BIG, BIG]}],
        "nodes": [
            node("a", "Constant", [], ["a"], parameters={"value": "a"}),
            node("b", "Constant", [], ["b"], parameters={"value": "b"}),
            node("product", "MatMul", ["a", "b"], ["y"]),
        ],
    }
    factors = [Tensor("a", "float32", [BIG, 0], b""), Tensor("b", "float32", [0, BIG], b"")]
    steps = 2**40
    return [
        valid(
            "valid.runtime.memory-budget-product-of-empty-factors",
            graph_file(empty_factors, factors),
            "two zero-size tensors [2^53-1, 0] and [0, 2^53-1], each within the extent limit; their product "
            "[2^53-1, 2^53-1] exceeds it, so no runtime may compute it",
            ("7.4", "9.11"),
            runtime={"inputs": {}, "error": "RUN_MEMORY_BUDGET"},
            tags=(*TAGS, "runtime:RUN_MEMORY_BUDGET", "op:MatMul"),
        ),
        valid(
            "valid.runtime.work-budget-recurrence-over-an-empty-batch",
            graph_file(_declaration(["steps", "batch", 2]), WEIGHT),
            f"an RNN run on {steps} time steps of an empty batch: nothing to allocate, but every step costs "
            "(the input has no bytes at all)",
            "9.11",
            runtime={
                "inputs": {"x": {"dtype": "float32", "shape": [steps, 0, 2], "hex": ""}},
                "error": "RUN_WORK_BUDGET",
            },
            tags=(*TAGS, "runtime:RUN_WORK_BUDGET", "op:RNN"),
        ),
    ]


def vectors() -> list[Vector]:
    return [*_tensor_table(), *_declarations(), *_runtime()]
