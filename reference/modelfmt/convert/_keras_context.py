"""What the Keras layer converters share: the values they pass along, the tensors they register, and
typed reads of a layer's config whose errors name the layer (the user's layer: a wrapped layer's error
names its wrapper, never a Keras-internal sublayer)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from ..format._dtypes import DTYPES
from ..format._limits import MAX_NODE_VALUES
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

# Keras activations that need an op modelfmt.core v1 lacks -> the op they need (named in the refusal).
MISSING_ACTIVATION_OPS: Final[Mapping[str, str]] = {
    "elu": "ELU",
    "selu": "SELU",
    "celu": "CELU",
    "softplus": "Softplus",
    "softsign": "Softsign",
    "mish": "Mish",
    "exponential": "Exp",
    "relu6": "Clip (ReLU6)",
    "hard_sigmoid": "HardSigmoid",
    "hard_silu": "HardSwish",
    "hard_swish": "HardSwish",
    "log_sigmoid": "LogSigmoid",
    "hard_tanh": "Clip (HardTanh)",
    "tanh_shrink": "Tanhshrink",
    "soft_shrink": "Softshrink",
    "hard_shrink": "Hardshrink",
    "squareplus": "Sqrt",
    "sparse_plus": "Where",
    "sparsemax": "Sparsemax",
    "glu": "GLU",
    "threshold": "Where",
}


@dataclass(frozen=True)
class Value:
    """A graph value and what the converter knows of it (Keras layout: batch first, channels last)."""

    name: str
    dtype: str
    shape: tuple[Dim, ...]
    masked: bool = False  # carries a Keras mask (from Embedding mask_zero=True), which no op can apply


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
            array = np.asarray(load(), order="C")  # not ascontiguousarray, which makes a scalar rank 1
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


class LayerRefused(ConversionError):  # noqa: N818 -- a refusal, not a failure
    """One layer cannot be converted; the model converter gathers these to list every such layer at once."""

    def __init__(self, where: str, name: str, kind: str, reason: str) -> None:
        super().__init__(f"{where}: layer `{name}` ({kind}): {reason}")
        self.layer, self.kind, self.reason = name, kind, reason


@dataclass(frozen=True)
class Layer:
    """One layer being converted: its name, class and config, read with checks.

    `keywords` are the call's keyword arguments (a tensor argument as a `Value`); `prefix` is the path of
    the layer's weights below its group (a layer wrapped by TimeDistributed keeps them under `layer`);
    `shown` is what refusals call the class (`TimeDistributed(Conv3D)`: the user's layer, as written)."""

    ctx: Context
    name: str
    kind: str
    config: Mapping[str, object]
    keywords: Mapping[str, object] = field(default_factory=dict)
    prefix: tuple[str, ...] = ()
    shown: str = ""

    @property
    def g(self) -> GraphBuilder:
        return self.ctx.g

    def fail(self, message: str) -> LayerRefused:
        return LayerRefused(self.ctx.where, self.name, self.shown or self.kind, message)

    def missing_op(self, what: str, op: str) -> LayerRefused:
        """The refusal of a computation that needs an op the op set does not have (yet)."""
        return self.fail(f"{what} needs the {op} op, which modelfmt.core version 1 does not have")

    def node(self, op: str, inputs: Sequence[str], suffix: str = "", **attributes: Attribute) -> str:
        """A node of this layer with no parameters, named after the layer (`name.suffix`)."""
        name = f"{self.name}.{suffix}" if suffix else self.name
        return self.g.node(op, inputs, name, attributes=attributes or None)

    def copies(self, count: int, what: str) -> int:
        """`count` inputs of one node (repeats, zero blocks), bounded before any list of them is built: a
        config number may not multiply the converter's work (SPEC.md §17.16.3)."""
        if count > MAX_NODE_VALUES - 1:
            raise self.fail(f"{what} of {count} needs more than {MAX_NODE_VALUES} inputs of one node (the limit)")
        return count

    def scalar(self, value: float, dtype: str, suffix: str) -> str:
        return self.node("Scalar", [], suffix, value=value, dtype=dtype)

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
        found = self.ctx.weights.variables("layers", self.ctx.groups[self.name], *self.prefix, *path)
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
        if isinstance(name, str) and name in MISSING_ACTIVATION_OPS:
            raise self.missing_op(f"activation {name!r}", MISSING_ACTIVATION_OPS[name])
        if not isinstance(name, str) or name not in ACTIVATIONS:
            raise self.fail(f"activation {name!r} is not supported; supported: {', '.join(sorted(ACTIVATIONS))}")
        entry = ACTIVATIONS[name]
        if entry is None:
            return x
        op, attributes = entry
        return Value(self.g.node(op, [x.name], node, attributes=attributes), x.dtype, x.shape)


LayerConverter = Callable[[Layer, Sequence[Value]], Value | tuple[Value, ...]]
"""A converter returns the layer's output, or its outputs in Keras's order (`return_state`)."""
