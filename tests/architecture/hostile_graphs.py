"""Tiny valid files whose graphs ask a runtime for far more memory or work than they hold (SPEC.md §17.17).

Each `Hostile` is a file of a few KiB that `check` accepts, the inputs that trigger it (empty or
small arrays: the size comes from the file and the inputs' shapes, not from their bytes) and the code a
runtime with the default budget reports. The patterns are those attackers use against model runtimes:
zero-size tensors with huge other dimensions, matrix products and broadcasts that multiply sizes, a Concat
fan-out, padding far beyond the input, PositionIds over an empty axis of huge length, attention over a
long sequence, a recurrence over many steps of an empty batch, and long chains of element-wise passes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from arch_helpers import declare, node, with_inferred_outputs, write

BIG = 2**53 - 1


@dataclass(frozen=True)
class Hostile:
    name: str
    code: str
    build: Callable[[Path], Path]
    inputs: Callable[[], Mapping[str, np.ndarray]] = field(default=lambda: {})


def _save(
    path: Path,
    inputs: list[dict[str, object]],
    nodes: list[dict[str, object]],
    outputs: list[str],
    tensors: Mapping[str, np.ndarray] | None = None,
) -> Path:
    tensors = dict(tensors or {})
    return write(path, with_inferred_outputs(inputs, nodes, outputs, tensors), tensors)


def _matmul_beyond_extent(path: Path) -> Path:
    tensors = {"a": np.empty((BIG, 0), np.float32), "b": np.empty((0, BIG), np.float32)}
    nodes = [
        node("a", "Constant", [], ["a"], parameters={"value": "a"}),
        node("b", "Constant", [], ["b"], parameters={"value": "b"}),
        node("product", "MatMul", ["a", "b"], ["y"]),
    ]
    return _save(path, [], nodes, ["y"], tensors)


def _matmul_of_empty_factors(path: Path) -> Path:
    tensors = {"a": np.empty((2**26, 0), np.float32), "b": np.empty((0, 2**26), np.float32)}
    nodes = [
        node("a", "Constant", [], ["a"], parameters={"value": "a"}),
        node("b", "Constant", [], ["b"], parameters={"value": "b"}),
        node("product", "MatMul", ["a", "b"], ["y"]),
    ]
    return _save(path, [], nodes, ["y"], tensors)


def _outer_broadcast(path: Path) -> Path:
    nodes = [
        node("column", "Unsqueeze", ["x"], ["c"], attributes={"axes": [1]}),
        node("row", "Unsqueeze", ["x"], ["r"], attributes={"axes": [0]}),
        node("sum", "Add", ["c", "r"], ["y"]),
    ]
    return _save(path, [declare("x", "float32", ["n"])], nodes, ["y"])


def _concat_fan_out(path: Path) -> Path:
    nodes = [node("copies", "Concat", ["x"] * 4096, ["y"], attributes={"axis": 0})]
    return _save(path, [declare("x", "float32", [1, "n"])], nodes, ["y"])


def _conv_padding(path: Path) -> Path:
    attributes = {"in_channels": 1, "out_channels": 1, "kernel_size": [1, 1], "padding": [2**20, 2**20]}
    nodes = [node("conv", "Conv2d", ["x"], ["y"], attributes=attributes, parameters={"weight": "w"})]
    return _save(path, [declare("x", "float32", [1, 1, 1, 1])], nodes, ["y"], {"w": np.ones((1, 1, 1, 1), np.float32)})


def _max_pool_padding(path: Path) -> Path:
    attributes = {"kernel_size": [2**21 + 1, 2**21 + 1], "padding": [2**20, 2**20]}
    nodes = [node("pool", "MaxPool2d", ["x"], ["y"], attributes=attributes)]
    return _save(path, [declare("x", "float32", [1, 1, 1, 1])], nodes, ["y"])


def _max_pool_window_beyond_extent(path: Path) -> Path:
    """An empty batch allocates nothing, but numpy's view of every window would have an extent near 2^100."""
    attributes = {"kernel_size": [2**25, 2**25], "stride": [1, 1]}
    nodes = [node("pool", "MaxPool2d", ["x"], ["y"], attributes=attributes)]
    return _save(path, [declare("x", "float32", ["n", 1, 2**26, 2**26])], nodes, ["y"])


def _position_ids(path: Path) -> Path:
    nodes = [node("positions", "PositionIds", ["x"], ["y"], attributes={"axis": 1})]
    return _save(path, [declare("x", "float32", ["batch", "seq"])], nodes, ["y"])


EMBED = 8


def _attention(path: Path) -> Path:
    attributes = {"embed_dim": EMBED, "num_heads": 1, "batch_first": True}
    parameters = {"in_proj_weight": "w_in", "out_proj_weight": "w_out"}
    tensors = {"w_in": np.ones((3 * EMBED, EMBED), np.float32), "w_out": np.ones((EMBED, EMBED), np.float32)}
    nodes = [
        node("attention", "MultiHeadAttention", ["q", "q", "q"], ["y"], attributes=attributes, parameters=parameters)
    ]
    return _save(path, [declare("q", "float32", [1, "seq", EMBED])], nodes, ["y"], tensors)


def _recurrence_over_an_empty_batch(path: Path) -> Path:
    tensors = {"w_ih": np.ones((4, 4), np.float32), "w_hh": np.ones((4, 4), np.float32)}
    attributes = {"input_size": 4, "hidden_size": 4}
    parameters = {"weight_ih_l0": "w_ih", "weight_hh_l0": "w_hh"}
    nodes = [node("rnn", "RNN", ["x"], ["y"], attributes=attributes, parameters=parameters)]
    return _save(path, [declare("x", "float32", ["steps", "batch", 4])], nodes, ["y"], tensors)


def _chain_of_passes(path: Path) -> Path:
    """128 MiB of positions, cast to float32, then 150 element-wise additions: within the memory budget,
    far beyond the work budget."""
    nodes = [
        node("positions", "PositionIds", ["x"], ["p"], attributes={"axis": 1}),
        node("cast", "Cast", ["p"], ["v0"], attributes={"to": "float32"}),
    ]
    nodes += [node(f"add{i}", "Add", [f"v{i}", f"v{i}"], [f"v{i + 1}"]) for i in range(150)]
    return _save(path, [declare("x", "float32", ["batch", "seq"])], nodes, ["v150"])


HOSTILE: tuple[Hostile, ...] = (
    Hostile("matmul-beyond-extent", "RUN_MEMORY_BUDGET", _matmul_beyond_extent),
    Hostile("matmul-of-empty-factors", "RUN_MEMORY_BUDGET", _matmul_of_empty_factors),
    Hostile("outer-broadcast", "RUN_MEMORY_BUDGET", _outer_broadcast, lambda: {"x": np.ones(100_000, np.float32)}),
    Hostile("concat-fan-out", "RUN_MEMORY_BUDGET", _concat_fan_out, lambda: {"x": np.ones((1, 2**16), np.float32)}),
    Hostile("conv-padding", "RUN_MEMORY_BUDGET", _conv_padding, lambda: {"x": np.ones((1, 1, 1, 1), np.float32)}),
    Hostile(
        "max-pool-padding", "RUN_MEMORY_BUDGET", _max_pool_padding, lambda: {"x": np.ones((1, 1, 1, 1), np.float32)}
    ),
    Hostile(
        "max-pool-window-beyond-extent",
        "RUN_MEMORY_BUDGET",
        _max_pool_window_beyond_extent,
        lambda: {"x": np.empty((0, 1, 2**26, 2**26), np.float32)},
    ),
    Hostile("position-ids", "RUN_MEMORY_BUDGET", _position_ids, lambda: {"x": np.empty((0, 2**40), np.float32)}),
    Hostile("attention", "RUN_MEMORY_BUDGET", _attention, lambda: {"q": np.ones((1, 2**15, EMBED), np.float32)}),
    Hostile(
        "recurrence-over-an-empty-batch",
        "RUN_WORK_BUDGET",
        _recurrence_over_an_empty_batch,
        lambda: {"x": np.empty((2**40, 0, 4), np.float32)},
    ),
    Hostile("chain-of-passes", "RUN_WORK_BUDGET", _chain_of_passes, lambda: {"x": np.empty((0, 2**24), np.float32)}),
)


def small_linear(tmp_path: Path) -> Path:
    """An ordinary one-node graph: Linear 4 -> 3 over a symbolic batch."""
    architecture = {
        "opset": {"modelfmt.core": 1},
        "inputs": [declare("x", "float32", ["batch", 4])],
        "outputs": [declare("y", "float32", ["batch", 3])],
        "nodes": [
            node(
                "fc",
                "Linear",
                ["x"],
                ["y"],
                attributes={"in_features": 4, "out_features": 3},
                parameters={"weight": "w"},
            )
        ],
    }
    return write(tmp_path / "linear.mf", architecture, {"w": np.arange(12, dtype=np.float32).reshape(3, 4) / 10})
