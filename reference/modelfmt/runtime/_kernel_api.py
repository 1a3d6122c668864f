"""What a numpy kernel receives (SPEC.md §9.11): concrete inputs, completed attributes, bound tensors,
and the concrete output types inference computed before anything ran."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

import numpy as np

from ..graph._types import Node, TypedAttributes, ValueType
from ._run_errors import run_error

Array = np.ndarray


@dataclass(frozen=True)
class KernelCall(TypedAttributes):
    node: Node
    inputs: Sequence[Array | None]
    params: Mapping[str, Array]
    output_types: Sequence[ValueType]

    @property
    def attrs(self) -> Mapping[str, object]:
        return self.node.attributes

    def attribute_values(self) -> Mapping[str, object]:
        return self.node.attributes

    def x(self, index: int = 0) -> Array:
        value = self.inputs[index] if index < len(self.inputs) else None
        assert value is not None
        return value

    def optional(self, index: int) -> Array | None:
        return self.inputs[index] if index < len(self.inputs) else None

    def out_shape(self, index: int = 0) -> tuple[int, ...]:
        shape = self.output_types[index].shape
        assert shape is not None and all(isinstance(dim, int) for dim in shape)
        return tuple(dim for dim in shape if isinstance(dim, int))

    def fail_index(self, message: str) -> NoReturn:
        raise run_error("RUN_INDEX", f"{self.node.describe()}: {message}")


Kernel = Callable[[KernelCall], Sequence[Array]]
