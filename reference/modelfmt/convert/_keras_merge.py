"""Keras merge layers: elementwise over inputs of one shape, in Keras's order of operations.

Maximum and Minimum have no elementwise op in modelfmt.core version 1; the maximum is taken by the
MaxPool2d op over the inputs stacked on one axis (exact, NaN propagates as in Keras), and the minimum
is the negated maximum of the negated inputs (negation is exact)."""

from __future__ import annotations

from collections.abc import Sequence

from ._keras_context import Dim, Layer, Value


def _same_shapes(layer: Layer, inputs: Sequence[Value], minimum: int = 2) -> Value:
    if len(inputs) < minimum:
        raise layer.fail(f"expected at least {minimum} inputs, got {len(inputs)}")
    first = inputs[0]
    for other in inputs[1:]:
        if len(other.shape) != len(first.shape) or other.dtype != first.dtype:
            raise layer.fail(f"inputs {list(first.shape)} and {list(other.shape)} differ in rank or dtype")
    return first


def _chain(layer: Layer, op: str, inputs: Sequence[Value], last: str = "") -> str:
    """inputs[0] op inputs[1] op ... left to right; the final node gets the name `last` (the layer's)."""
    value = inputs[0].name
    for index, other in enumerate(inputs[1:], start=1):
        suffix = last if index == len(inputs) - 1 else f"{index}"
        value = layer.node(op, [value, other.name], suffix)
    return value


def _shape(inputs: Sequence[Value]) -> tuple[Dim, ...]:
    """The broadcast shape as far as it is known (sizes that differ and are not 1 are the validator's)."""
    shape: list[Dim] = list(inputs[0].shape)
    for other in inputs[1:]:
        shape = [
            a if b == 1 else b if a == 1 else a if a == b else None for a, b in zip(shape, other.shape, strict=True)
        ]
    return tuple(shape)


def add(layer: Layer, inputs: Sequence[Value]) -> Value:
    first = _same_shapes(layer, inputs)
    return Value(_chain(layer, "Add", inputs), first.dtype, _shape(inputs))


def multiply(layer: Layer, inputs: Sequence[Value]) -> Value:
    first = _same_shapes(layer, inputs)
    return Value(_chain(layer, "Mul", inputs), first.dtype, _shape(inputs))


def subtract(layer: Layer, inputs: Sequence[Value]) -> Value:
    if len(inputs) != 2:
        raise layer.fail(f"expected exactly two inputs, got {len(inputs)}")
    first = _same_shapes(layer, inputs)
    return Value(layer.node("Sub", [inputs[0].name, inputs[1].name]), first.dtype, _shape(inputs))


def average(layer: Layer, inputs: Sequence[Value]) -> Value:
    first = _same_shapes(layer, inputs)
    total = _chain(layer, "Add", inputs, "sum")
    count = layer.scalar(float(len(inputs)), first.dtype, "count")
    return Value(layer.node("Div", [total, count]), first.dtype, _shape(inputs))  # Keras divides by the count


def _maximum(layer: Layer, names: Sequence[str], x: Value, suffix: str) -> str:
    """The elementwise maximum of same-shaped values [N, ...rest]: stacked to [N, 1, n, M], MaxPool2d with a
    window of [n, 1], reshaped back."""
    rest = list(x.shape[1:])
    unknown = [size for size in rest if not isinstance(size, int)]
    if len(unknown) > 1:
        raise layer.fail(f"inputs of shape {list(x.shape)}: at most one size besides the batch may be unknown")
    steps = [layer.node("Unsqueeze", [name], f"{suffix}.stack{index}", axes=[1]) for index, name in enumerate(names)]
    stacked = layer.node("Concat", steps, f"{suffix}.stack", axis=1)
    planes = layer.node("Reshape", [stacked], f"{suffix}.planes", shape=[0, 1, len(names), -1])
    pooled = layer.g.node("MaxPool2d", [planes], f"{layer.name}.{suffix}", attributes={"kernel_size": [len(names), 1]})
    back = [size if isinstance(size, int) else -1 for size in rest]
    return layer.node("Reshape", [pooled], f"{suffix}.shape", shape=[0, *back])


def maximum(layer: Layer, inputs: Sequence[Value]) -> Value:
    first = _same_shapes(layer, inputs)
    _require_equal(layer, inputs)
    y = _maximum(layer, [value.name for value in inputs], first, "max")
    return Value(layer.node("Identity", [y]), first.dtype, first.shape)


def minimum(layer: Layer, inputs: Sequence[Value]) -> Value:
    first = _same_shapes(layer, inputs)
    _require_equal(layer, inputs)
    minus = layer.scalar(-1.0, first.dtype, "minus_one")
    negated = [layer.node("Mul", [value.name, minus], f"negate{index}") for index, value in enumerate(inputs)]
    y = _maximum(layer, negated, first, "max")
    return Value(layer.node("Mul", [y, minus]), first.dtype, first.shape)


def _require_equal(layer: Layer, inputs: Sequence[Value]) -> None:
    """No broadcasting: sizes known on both sides must agree (symbolic ones are checked when run)."""
    first = inputs[0].shape
    for other in inputs[1:]:
        if any(isinstance(a, int) and isinstance(b, int) and a != b for a, b in zip(first, other.shape, strict=True)):
            raise layer.fail(f"inputs of shapes {list(first)} and {list(other.shape)} differ (no broadcasting)")


def concatenate(layer: Layer, inputs: Sequence[Value]) -> Value:
    first = _same_shapes(layer, inputs, minimum=1)
    axis = layer.config.get("axis", -1)
    rank = len(first.shape)
    if type(axis) is not int or not -rank <= axis < rank:
        raise layer.fail(f"`axis` must be one axis of the inputs, got {axis!r}")
    sizes = [value.shape[axis] for value in inputs]
    known = [size for size in sizes if isinstance(size, int)]
    total: Dim = sum(known) if len(known) == len(sizes) else None
    shape = tuple(total if index == axis % rank else dim for index, dim in enumerate(first.shape))
    return Value(layer.node("Concat", [value.name for value in inputs], "", axis=axis), first.dtype, shape)


def dot(layer: Layer, inputs: Sequence[Value]) -> Value:
    """Dot of two rank-2 or two rank-3 inputs (Keras's `batch_dot`): the contracted axis of the first
    brought last and that of the second to axis 1, then MatMul; rank 2 as [N, 1, F] @ [N, F, 1]."""
    if len(inputs) != 2:
        raise layer.fail(f"expected exactly two inputs, got {len(inputs)}")
    first, second = inputs
    rank = len(first.shape)
    if rank not in (2, 3) or len(second.shape) != rank:
        raise layer.fail(f"inputs of ranks {len(first.shape)} and {len(second.shape)}: only two of rank 2 or 3")
    if layer.flag("normalize", False):
        raise layer.missing_op("normalize=True (L2 normalisation)", "Sqrt")
    raw = layer.config.get("axes")
    pair = [raw, raw] if type(raw) is int else raw
    if not isinstance(pair, list) or len(pair) != 2 or not all(type(a) is int and -rank <= a < rank for a in pair):
        raise layer.fail(f"`axes` {raw!r} is not one or two axes of the inputs")
    axes = [a % rank for a in pair]
    if 0 in axes:
        raise layer.fail("a dot over the batch axis is not supported (nor by Keras)")
    if rank == 2:
        rows = layer.node("Unsqueeze", [first.name], "rows", axes=[1])
        columns = layer.node("Unsqueeze", [second.name], "columns", axes=[2])
        product = layer.node("MatMul", [rows, columns], "product")
        return Value(layer.node("Squeeze", [product], "", axes=[1]), first.dtype, (first.shape[0], 1))
    left = first.name if axes[0] == 2 else layer.node("Transpose", [first.name], "left", perm=[0, 2, 1])
    right = second.name if axes[1] == 1 else layer.node("Transpose", [second.name], "right", perm=[0, 2, 1])
    shape = (first.shape[0], first.shape[3 - axes[0]], second.shape[3 - axes[1]])
    return Value(layer.node("MatMul", [left, right]), first.dtype, shape)
