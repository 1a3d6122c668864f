"""The memory and work of one execution, computed from concrete shapes before anything runs (SPEC.md §9.11).

The plan follows the executor: values are kept from the node that makes them until their last use (graph
inputs and outputs until the end, and values nothing uses until the end too), each node needs its inputs, its outputs
and its scratch at once, and the outputs are copied when execution ends. The peak is the bound tensors plus
the largest such total; the largest buffer is the largest single value or scratch. A buffer counts in full
even when a kernel returns a view, so the figures bound what the kernels allocate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from ..format._dtypes import DTYPES
from ..format._limits import MAX_EXTENT, extent
from ._cost import CALL, CostContext
from ._registry import CORE_OPS
from ._shapes import show
from ._types import Graph, TensorEntry, ValueType


@dataclass(frozen=True)
class Footprint:
    """What running a graph once costs. `oversized` names an array whose dimensions no tensor may have
    (one beyond 2^53-1, or multiplying beyond 2^53-1 with zeros counted as 1); the figures are then
    meaningless and no budget admits the run."""

    peak_bytes: int
    peak_at: str  # where the peak occurs: a node, or the copy of the outputs
    largest_bytes: int
    largest: str  # the value or scratch of that size
    work: int
    tensor_bytes: int  # the bound tensors, read from the file
    oversized: str | None = None


def value_bytes(value: ValueType) -> int:
    assert value.shape is not None and value.dtype is not None
    return math.prod(dim for dim in value.shape if isinstance(dim, int)) * DTYPES[value.dtype].block_bytes


def _oversized(name: str, value: ValueType) -> str | None:
    shape = value.shape
    assert shape is not None
    if any(not isinstance(dim, int) for dim in shape):
        return f"value `{name}` would have a dimension beyond 2^53-1 (shape {show(shape)})"
    sizes = [dim for dim in shape if isinstance(dim, int)]
    if extent(sizes) > MAX_EXTENT:
        return (
            f"value `{name}` would have shape {show(shape)}, whose dimensions multiply beyond 2^53-1 "
            "even with zeros counted as 1"
        )
    return None


def footprint(graph: Graph, types: Mapping[str, ValueType], tensors: Mapping[str, TensorEntry]) -> Footprint:
    """The footprint of `graph` when its values have the concrete `types` (from `infer_with_sizes`)."""
    tensor_bytes = sum(
        math.prod(tensors[name].shape) * DTYPES[tensors[name].dtype].block_bytes for name in graph.bound_tensors()
    )
    for value_name, value in types.items():
        too_large = _oversized(value_name, value)
        if too_large is not None:
            return _refused(too_large, tensor_bytes)
    last_use: dict[str, int] = {}
    for node in graph.nodes:
        for name in node.inputs:
            if name is not None:
                last_use[name] = node.index
    # Graph outputs live until the end; so do graph inputs, which the caller holds.
    keep = {decl.name for decl in graph.outputs} | {decl.name for decl in graph.inputs}
    sizes = {name: value_bytes(value) for name, value in types.items()}
    live = sum(sizes[decl.name] for decl in graph.inputs)
    largest, largest_name = max(((sizes[d.name], f"graph input `{d.name}`") for d in graph.inputs), default=(0, ""))
    peak, peak_at, work = live, "the start", 0
    for node in graph.nodes:
        outputs = [None if name is None else types[name] for name in node.outputs]
        inputs = [None if name is None else types[name] for name in node.inputs]
        params = {slot: tensors[tensor] for slot, tensor in node.parameters.items()}
        cost = CORE_OPS[node.op].cost(CostContext(node, inputs, outputs, params))
        if cost.extent > MAX_EXTENT:
            return _refused(f"{node.describe()} would build an array whose extent exceeds 2^53-1", tensor_bytes)
        made = [(sizes[name], f"value `{name}`") for name in node.outputs if name is not None]
        for size, what in (*made, (cost.scratch, f"the scratch space of {node.describe()}")):
            if size > largest:
                largest, largest_name = size, what
        during = live + sum(size for size, _ in made) + cost.scratch
        if during > peak:
            peak, peak_at = during, node.describe()
        live += sum(size for size, _ in made)
        work += cost.work
        for used in set(node.inputs):
            if used is not None and last_use.get(used) == node.index and used not in keep:
                live -= sizes[used]
    copied = sum(sizes[decl.name] for decl in graph.outputs)
    if live + copied > peak:
        peak, peak_at = live + copied, "the copy of the outputs"
    work += CALL + sum(math.prod(_ints(types[decl.name])) for decl in graph.outputs)
    return Footprint(tensor_bytes + peak, peak_at, largest, largest_name, work, tensor_bytes)


def _refused(problem: str, tensor_bytes: int) -> Footprint:
    return Footprint(0, problem, 0, problem, 0, tensor_bytes, oversized=problem)


def _ints(value: ValueType) -> tuple[int, ...]:
    assert value.shape is not None
    return tuple(dim for dim in value.shape if isinstance(dim, int))


def human_bytes(count: int) -> str:
    """`1.50 MiB`: for messages; exact counts go next to it where they matter."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024 or unit == "PiB":
            return f"{count} B" if unit == "B" else f"{value:.2f} {unit}" if abs(value) < 1e4 else f"{value:.3g} {unit}"
        value /= 1024
    return f"{count} B"  # unreachable


def human_count(count: int) -> str:
    """`3.2 G`: a large count of work units, in powers of 1000."""
    value = float(count)
    for unit in ("", "K", "M", "G", "T", "P"):
        if abs(value) < 1000 or unit == "P":
            return f"{count}" if not unit else f"{value:.1f} {unit}" if abs(value) < 1e4 else f"{value:.3g} {unit}"
        value /= 1000
    return f"{count}"  # unreachable
