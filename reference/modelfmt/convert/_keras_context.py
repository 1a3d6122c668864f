"""What the Keras layer converters share: the values they pass along, the tensors they register, and
typed reads of a layer's config whose errors name the layer."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from ..format._dtypes import DTYPES
from ._errors import ConversionError
from ._graph import Attribute, GraphBuilder
from ._h5 import Variable, WeightsFile
from ._source import Chunk, SourceTensor, array_chunks

Dim = int | str | None

# Keras activation names -> (op, attributes); "linear" is no node. Looked up, never resolved.
ACTIVATIONS: Final[Mapping[str, tuple[str, dict[str, Attribute]] | None]] = {
    "linear": None,
    "relu": ("ReLU", {}),
    "sigmoid": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "softmax": ("Softmax", {"axis": -1}),
    "log_softmax": ("LogSoftmax", {"axis": -1}),
    "gelu": ("GELU", {}),  # keras.activations.gelu defaults to approximate=False: the erf form
    "silu": ("SiLU", {}),
    "swish": ("SiLU", {}),
    "leaky_relu": ("LeakyReLU", {"negative_slope": 0.2}),  # the function's default slope
}


@dataclass(frozen=True)
class Value:
    """A graph value and what the converter knows of it (Keras layout: batch first, channels last)."""

    name: str
    dtype: str
    shape: tuple[Dim, ...]


@dataclass
class Context:
    g: GraphBuilder
    weights: WeightsFile
    where: str
    groups: dict[str, str]  # layer name -> its group under `layers/` in the weights file
    tensors: list[SourceTensor] = field(default_factory=list)

    def add_tensor(
        self, name: str, dtype: str, shape: tuple[int, ...], load: Callable[[], np.ndarray], role: str = "parameter"
    ) -> str:
        """Register a tensor whose bytes `load` produces when the destination is written."""

        def chunks() -> Iterator[Chunk]:
            array = np.ascontiguousarray(load())
            if array.shape != shape:
                raise ConversionError(f"{self.where}: tensor `{name}` has shape {array.shape}, expected {shape}")
            return array_chunks(array)

        self.tensors.append(SourceTensor(name, dtype, shape, chunks, role))
        return name

    def variable(self, variable: Variable, name: str, role: str = "parameter") -> str:
        return self.add_tensor(name, variable.dtype, variable.shape, lambda: self.weights.load(variable), role)

    def transformed(
        self, variable: Variable, name: str, shape: tuple[int, ...], transform: Callable[[np.ndarray], np.ndarray]
    ) -> str:
        return self.add_tensor(name, variable.dtype, shape, lambda: transform(self.weights.load(variable)))

    def filled(self, name: str, dtype: str, shape: tuple[int, ...], value: float) -> str:
        """A tensor the Keras layer does not store but the op's slot group needs (a zero bias)."""
        return self.add_tensor(name, dtype, shape, lambda: np.full(shape, value, dtype=DTYPES[dtype].numpy))


@dataclass(frozen=True)
class Layer:
    """One layer being converted: its name, class and config, read with checks."""

    ctx: Context
    name: str
    kind: str
    config: Mapping[str, object]

    @property
    def g(self) -> GraphBuilder:
        return self.ctx.g

    def fail(self, message: str) -> ConversionError:
        return ConversionError(f"{self.ctx.where}: layer `{self.name}` ({self.kind}): {message}")

    def integer(self, key: str, default: int | None = None) -> int:
        value = self.config.get(key, default)
        if type(value) is not int or value < 1:
            raise self.fail(f"`{key}` must be a positive integer, got {value!r}")
        return value

    def integers(self, key: str, count: int) -> list[int]:
        value = self.config.get(key)
        if type(value) is int:
            value = [value] * count
        if not isinstance(value, list) or len(value) != count or not all(type(v) is int and v >= 1 for v in value):
            raise self.fail(f"`{key}` must be {count} positive integers, got {value!r}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.config.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"`{key}` must be true or false, got {value!r}")
        return value

    def number(
        self, key: str, default: float, *, minimum: float = float("-inf"), maximum: float = float("inf")
    ) -> float:
        value = self.config.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not minimum <= value <= maximum:
            raise self.fail(f"`{key}` must be a number in [{minimum}, {maximum}], got {value!r}")
        return float(value)

    def absent(self, *keys: str) -> None:
        """Refuse options that change the computation and that no op expresses."""
        for key in keys:
            if self.config.get(key) not in (None, False, 0, 0.0):
                raise self.fail(f"`{key}` = {self.config.get(key)!r} is not supported")

    def variables(self, count: int, *path: str) -> list[Variable]:
        found = self.ctx.weights.variables("layers", self.ctx.groups[self.name], *path)
        if len(found) != count:
            raise self.fail(f"expected {count} weight variables, the weights file has {len(found)}")
        return found

    def one_input(self, inputs: Sequence[Value]) -> Value:
        if len(inputs) != 1:
            raise self.fail(f"expected one input, got {len(inputs)}")
        return inputs[0]

    def activation(self, x: Value, name: object, node: str) -> Value:
        """`x` through the Keras activation `name` (a node, or none for linear)."""
        if name is None:
            return x
        if not isinstance(name, str) or name not in ACTIVATIONS:
            raise self.fail(f"activation {name!r} is not supported; supported: {', '.join(sorted(ACTIVATIONS))}")
        entry = ACTIVATIONS[name]
        if entry is None:
            return x
        op, attributes = entry
        return Value(self.g.node(op, [x.name], node, attributes=attributes), x.dtype, x.shape)


LayerConverter = Callable[[Layer, Sequence[Value]], Value]
