"""Examples in an op's definition: small inputs with the outputs every runtime must compute from them.

Plain data, no numpy (the graph layer computes nothing): a value is a dtype, a shape and its elements in
row-major order. The tests build a one-node graph from each example and run it through the numpy runtime
and the PyTorch build (`tests/architecture/test_arch_examples.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

Element = bool | int | float
Nested = Element | Sequence["Nested"]


@dataclass(frozen=True)
class Value:
    """A tensor of an example: `elements` holds the product of `shape` elements, row-major."""

    dtype: str
    shape: tuple[int, ...]
    elements: tuple[Element, ...]


def tensor(dtype: str, data: Nested) -> Value:
    """A value from nested lists, numpy style: `tensor("float32", [[1, 2], [3, 4]])` has shape [2, 2]."""
    shape: list[int] = []
    level: Nested = data
    while isinstance(level, Sequence):
        shape.append(len(level))
        if not level:
            break
        level = level[0]
    elements: list[Element] = []

    def flatten(item: Nested, depth: int) -> None:
        if depth == len(shape):
            assert not isinstance(item, Sequence), "ragged example data"
            elements.append(item)
            return
        assert isinstance(item, Sequence) and len(item) == shape[depth], "ragged example data"
        for child in item:
            flatten(child, depth + 1)

    flatten(data, 0)
    return Value(dtype, tuple(shape), tuple(elements))


@dataclass(frozen=True)
class Example:
    """One node of the op: its inputs by position (None: an absent optional input), attributes as JSON
    values, bound tensors by slot, and the expected outputs by position. Floating outputs must match to
    `tolerance` (relative to the largest expected magnitude, at least 1); all others exactly."""

    name: str
    inputs: tuple[Value | None, ...]
    outputs: tuple[Value, ...]
    attributes: Mapping[str, object] = field(default_factory=dict)
    params: Mapping[str, Value] = field(default_factory=dict)
    tolerance: float = 1e-6
