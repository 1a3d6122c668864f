"""Keras layers that move, repeat, pad or crop elements without computing new ones (channels last)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ._keras_context import Dim, Layer, Value
from ._keras_padding import pad_zeros


def _known(layer: Layer, shape: Sequence[Dim], what: str) -> list[int]:
    if not all(isinstance(size, int) for size in shape):
        raise layer.fail(f"{what} needs the sizes {list(shape)} to be known")
    return [size for size in shape if isinstance(size, int)]


def reshape(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    target = layer.config.get("target_shape")
    if not isinstance(target, list) or not all(type(d) is int and (d >= 1 or d == -1) for d in target):
        raise layer.fail(f"`target_shape` must be positive integers and at most one -1, got {target!r}")
    if target.count(-1) > 1:
        raise layer.fail(f"`target_shape` {target} has more than one -1")
    dims: list[Dim] = list(target)
    if -1 in target:
        rest = math.prod(d for d in target if d != -1)
        sizes = x.shape[1:]
        known = [d for d in sizes if isinstance(d, int)]
        total = math.prod(known) if len(known) == len(sizes) else None
        dims[target.index(-1)] = total // rest if total is not None and total % rest == 0 else None
    y = layer.node("Reshape", [x.name], "", shape=[0, *target])  # 0 keeps the batch size
    return Value(y, x.dtype, (x.shape[0], *dims))


def permute(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    dims = layer.config.get("dims")
    rank = len(x.shape)
    if not isinstance(dims, list) or not all(type(d) is int for d in dims) or sorted(dims) != list(range(1, rank)):
        raise layer.fail(f"`dims` must be a permutation of 1..{rank - 1}, got {dims!r}")
    perm = [0, *dims]
    return Value(layer.node("Transpose", [x.name], "", perm=perm), x.dtype, tuple(x.shape[a] for a in perm))


def repeat_vector(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    if len(x.shape) != 2:
        raise layer.fail(f"expected input [batch, features], got {list(x.shape)}")
    n = layer.copies(layer.integer("n"), "a repetition")
    step = layer.node("Unsqueeze", [x.name], "step", axes=[1])
    return Value(layer.node("Concat", [step] * n, "", axis=1), x.dtype, (x.shape[0], n, x.shape[1]))


def _pairs(layer: Layer, key: str, spatial: int) -> list[tuple[int, int]]:
    """ZeroPadding/Cropping amounts: n, (a, b) for 1-D, or per axis n or (before, after)."""
    raw = layer.config.get(key)
    items = [raw] * spatial if type(raw) is int else raw
    if spatial == 1 and isinstance(raw, list) and all(type(v) is int for v in raw):
        items = [raw]
    if not isinstance(items, list) or len(items) != spatial:
        raise layer.fail(f"`{key}` {raw!r} is not supported")
    pairs = []
    for item in items:
        pair = [item, item] if type(item) is int else item
        if not isinstance(pair, list) or len(pair) != 2 or not all(type(v) is int and v >= 0 for v in pair):
            raise layer.fail(f"`{key}` {raw!r} is not supported")
        pairs.append((pair[0], pair[1]))
    return pairs


def _spatial(layer: Layer, inputs: Sequence[Value]) -> tuple[Value, int]:
    spatial = 2 if "2D" in layer.kind else 1
    x = layer.one_input(inputs)
    if layer.config.get("data_format", "channels_last") not in (None, "channels_last"):
        raise layer.fail("only data_format 'channels_last' is supported")
    if len(x.shape) != spatial + 2:
        raise layer.fail(f"expected a rank-{spatial + 2} input, got shape {list(x.shape)}")
    return x, spatial


def zero_padding(layer: Layer, inputs: Sequence[Value]) -> Value:
    x, spatial = _spatial(layer, inputs)
    value = x
    for axis, (before, after) in enumerate(_pairs(layer, "padding", spatial)):
        value = pad_zeros(layer, value, 1 + axis, before=before, after=after, suffix=f"axis{1 + axis}")
    return Value(layer.node("Identity", [value.name]), value.dtype, value.shape)


def cropping(layer: Layer, inputs: Sequence[Value]) -> Value:
    x, spatial = _spatial(layer, inputs)
    pairs = _pairs(layer, "cropping", spatial)
    sizes = _known(layer, x.shape[1 : 1 + spatial], "cropping")
    ends = [size - after for size, (_, after) in zip(sizes, pairs, strict=True)]
    starts = [before for before, _ in pairs]
    if any(end <= start for start, end in zip(starts, ends, strict=True)):
        raise layer.fail(f"cropping {pairs} leaves nothing of sizes {sizes}")
    y = layer.node("Slice", [x.name], "", starts=starts, ends=ends, axes=list(range(1, 1 + spatial)))
    shape = (x.shape[0], *(end - start for start, end in zip(starts, ends, strict=True)), x.shape[-1])
    return Value(y, x.dtype, shape)


def up_sampling(layer: Layer, inputs: Sequence[Value]) -> Value:
    """UpSampling1D/2D with nearest interpolation: each position repeated (Unsqueeze, Concat, Reshape)."""
    x, spatial = _spatial(layer, inputs)
    if layer.config.get("interpolation", "nearest") != "nearest":
        raise layer.missing_op(f"interpolation {layer.config.get('interpolation')!r}", "Resize")
    factors = [layer.copies(factor, "an up-sampling factor") for factor in layer.integers("size", spatial)]
    channels = _known(layer, x.shape[-1:], "up-sampling")[0]
    value, shape = x.name, list(x.shape)
    for axis, factor in enumerate(factors, start=1):
        if factor == 1:
            continue
        # [.., L, ..] -> [.., L, 1, ..] -> [.., L, f, ..] -> [.., L*f, ..]
        step = layer.node("Unsqueeze", [value], f"axis{axis}.split", axes=[axis + 1])
        repeated = layer.node("Concat", [step] * factor, f"axis{axis}.repeat", axis=axis + 1)
        size = shape[axis]
        shape[axis] = size * factor if isinstance(size, int) else None
        later = [*_known(layer, shape[axis + 1 : -1], "up-sampling"), channels]
        value = layer.node("Reshape", [repeated], f"axis{axis}", shape=[0] * axis + [-1, *later])
    return Value(layer.node("Identity", [value]), x.dtype, tuple(shape))


def identity(layer: Layer, inputs: Sequence[Value]) -> Value:
    """Layers that only act while training (noise, dropout variants, regularisers): the identity."""
    x = layer.one_input(inputs)
    return Value(layer.node("Identity", [x.name]), x.dtype, x.shape)
