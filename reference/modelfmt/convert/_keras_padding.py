"""Zeros beside a value along one axis, from the op set's own exact operations.

modelfmt.core version 1 has no Pad op. A block of zeros of the value's shape, one position wide on an
axis, is the sum over an empty slice of that axis (a sum of zero elements is exactly 0, §10.6.2): unlike
`0 * x` it stays 0 where `x` is infinite or NaN, and it keeps symbolic sizes (the batch) symbolic.
Concatenated beside the value, such blocks give zero padding (ZeroPadding, Keras's asymmetric "same"
and "causal" convolution padding) with no constant of a fixed batch size.
"""

from __future__ import annotations

from ._keras_context import Dim, Layer, Value


def _grown(shape: tuple[Dim, ...], axis: int, extra: int) -> tuple[Dim, ...]:
    size = shape[axis]
    return tuple((size + extra if isinstance(size, int) else None) if i == axis else d for i, d in enumerate(shape))


def pad_zeros(layer: Layer, x: Value, axis: int, *, before: int, after: int, suffix: str) -> Value:
    """`x` with `before` zeros in front and `after` zeros behind along `axis` (same dtype)."""
    if before == 0 and after == 0:
        return x
    layer.copies(before + after, "zero padding")
    empty = layer.node("Slice", [x.name], f"{suffix}.empty", starts=[0], ends=[0], axes=[axis])
    zero = layer.node("ReduceSum", [empty], f"{suffix}.zeros", axes=[axis], keepdims=True)
    parts = [zero] * before + [x.name] + [zero] * after
    return Value(layer.node("Concat", parts, suffix, axis=axis), x.dtype, _grown(x.shape, axis, before + after))
