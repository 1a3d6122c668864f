"""Keras convolution and pooling layers (channels last) as the op set's channels-first Conv/Pool ops.

1-D layers run as their 1-D op (Conv1d) or, for pooling, as the 2-D op over a height of 1. Keras's
padding "same" pads `total = max((ceil(L / s) - 1) * s + k_eff - L, 0)` positions, `total // 2` in
front and the rest behind, so an odd total is one more behind than in front:

- Convolution: the extra zero is concatenated behind the input (`_keras_padding.pad_zeros`), then the
  op pads symmetrically; "causal" (Conv1D) puts all `(k - 1) * d` zeros in front.
- Pooling: an odd total's extra position behind is the input's last position repeated (Keras's torch
  backend pads so, `replicate`; for the maximum this equals never counting the padding), then the op
  pads `total // 2` on both sides, which count neither in the maximum nor in the divisor of the mean
  (`count_include_pad` false). Keras's backends differ on the mean of such an edge window: the
  TensorFlow and JAX backends average over the input positions only; this follows the torch backend.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Final

import numpy as np

from ._graph import Attribute
from ._h5 import Variable
from ._keras_context import Dim, Layer, Value
from ._keras_padding import pad_zeros

# Transposes that bring the channel axis (last) to axis 1 and back, by rank.
TO_FIRST: Final = {3: [0, 2, 1], 4: [0, 3, 1, 2]}
TO_LAST: Final = {3: [0, 2, 1], 4: [0, 2, 3, 1]}


def _channels_last(layer: Layer) -> None:
    if layer.config.get("data_format", "channels_last") not in (None, "channels_last"):
        raise layer.fail("only data_format 'channels_last' is supported")


def spatial_input(layer: Layer, inputs: Sequence[Value], spatial: int) -> Value:
    x = layer.one_input(inputs)
    _channels_last(layer)
    if len(x.shape) != spatial + 2:
        raise layer.fail(f"expected a rank-{spatial + 2} input, got shape {list(x.shape)}")
    return x


def same_total(layer: Layer, size: Dim, kernel: int, stride: int, axis: int) -> int:
    """Keras's total "same" padding on one spatial axis (`kernel` is the effective, dilated size)."""
    if stride == 1:
        return kernel - 1
    if not isinstance(size, int):
        raise layer.fail(f"padding 'same' with stride {stride} needs a known input size on spatial axis {axis}")
    return max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)


def window_out(size: Dim, kernel: int, stride: int, before: int, after: int) -> Dim:
    return (size + before + after - kernel) // stride + 1 if isinstance(size, int) else None


def _transpose(layer: Layer, x: Value, perm: list[int], suffix: str) -> str:
    return layer.node("Transpose", [x.name], suffix, perm=perm)


# ---- convolution -------------------------------------------------------------------------------------


def convolution(layer: Layer, inputs: Sequence[Value]) -> Value:
    """Conv1D/2D, DepthwiseConv1D/2D and SeparableConv1D/2D (a depthwise convolution without bias, then a
    pointwise one with the layer's bias)."""
    separable = layer.kind.startswith("Separable")
    depthwise = separable or layer.kind.startswith("Depthwise")
    spatial = 2 if "2D" in layer.kind else 1
    x = spatial_input(layer, inputs, spatial)
    layer.absent("lora_rank", "quantization_config")
    channels = x.shape[-1]
    if not isinstance(channels, int):
        raise layer.fail("the input's channel axis has no known size")
    kernel_size = layer.integers("kernel_size", spatial)
    strides = layer.integers("strides", spatial)
    dilation = layer.integers("dilation_rate", spatial)
    if depthwise:
        multiplier = layer.integer("depth_multiplier", 1)
        filters, groups = channels * multiplier, channels
    else:
        filters, groups = layer.integer("filters"), layer.integer("groups", 1)
    use_bias = layer.flag("use_bias", True)
    variables = layer.variables(separable + (2 if use_bias else 1))
    kernel = variables[0]
    if separable:
        pointwise_filters = layer.integer("filters")
        filters = channels * layer.integer("depth_multiplier", 1)
    per_group = channels // groups
    expected = (*kernel_size, per_group, filters) if not depthwise else (*kernel_size, channels, filters // channels)
    if kernel.shape != expected or channels % groups:
        raise layer.fail(
            f"kernel shape {list(kernel.shape)} does not fit the config and input (expected {list(expected)})"
        )
    mode = layer.config.get("padding")
    effective = [(k - 1) * d + 1 for k, d in zip(kernel_size, dilation, strict=True)]
    padding, value = [], x
    for axis in range(spatial):
        if mode == "valid":
            padding.append(0)
        elif mode == "same":
            total = same_total(layer, x.shape[1 + axis], effective[axis], strides[axis], axis)
            value = pad_zeros(layer, value, 1 + axis, before=0, after=total % 2, suffix=f"pad{axis}")
            padding.append(total // 2)
        elif mode == "causal" and spatial == 1:
            value = pad_zeros(layer, value, 1, before=effective[0] - 1, after=0, suffix="causal_pad")
            padding.append(0)
        else:
            raise layer.fail(f"padding {mode!r} is not supported")
    ctx, name = layer.ctx, layer.name
    weight_shape = (filters, per_group, *kernel_size)
    transform = _depthwise_kernel(spatial, weight_shape) if depthwise else _kernel(spatial)
    step = f"{name}.depthwise" if separable else name
    parameters = {"weight": ctx.transformed(kernel, f"{step}.weight", weight_shape, transform)}
    if use_bias and not separable:
        parameters["bias"] = ctx.variable(variables[1], f"{name}.bias")
    rank = spatial + 2
    first = _transpose(layer, value, TO_FIRST[rank], "to_channels_first")
    attributes: dict[str, Attribute] = {
        "in_channels": channels,
        "out_channels": filters,
        "kernel_size": kernel_size,
        "stride": strides,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
    }
    y = layer.g.node(f"Conv{spatial}d", [first], step, attributes=attributes, parameters=parameters)
    if separable:
        y, filters = _pointwise(layer, y, variables[1:], spatial=spatial, channels=filters, filters=pointwise_filters)
    last = layer.node("Transpose", [y], "to_channels_last", perm=TO_LAST[rank])
    sizes = [
        window_out(size, e, s, p, p)
        for size, e, s, p in zip(value.shape[1:-1], effective, strides, padding, strict=True)
    ]
    out = Value(last, kernel.dtype, (x.shape[0], *sizes, filters))
    return layer.activation(out, layer.config.get("activation"), f"{name}.activation")


def _kernel(spatial: int) -> Callable[[np.ndarray], np.ndarray]:
    """Keras `[k..., in/groups, out]` -> the op's `[out, in/groups, k...]`."""
    order = (spatial + 1, spatial, *range(spatial))
    return lambda kernel: kernel.transpose(order)


def _depthwise_kernel(spatial: int, shape: tuple[int, ...]) -> Callable[[np.ndarray], np.ndarray]:
    """Depthwise `[k..., channels, multiplier]` -> `[channels * multiplier, 1, k...]`: output channel
    `c * multiplier + m` is Keras's order, one input channel per group."""
    order = (spatial, *range(spatial))
    return lambda kernel: kernel.reshape(*kernel.shape[:spatial], -1).transpose(order).reshape(shape)


def _pointwise(
    layer: Layer, x: str, variables: Sequence[Variable], *, spatial: int, channels: int, filters: int
) -> tuple[str, int]:
    """SeparableConv's second step: a 1x1 convolution `[1..., channels, filters]` with the layer's bias."""
    kernel = variables[0]
    if kernel.shape != (*[1] * spatial, channels, filters):
        raise layer.fail(f"pointwise kernel shape {list(kernel.shape)} does not fit {channels} -> {filters}")
    ctx, name = layer.ctx, layer.name
    shape = (filters, channels, *[1] * spatial)
    parameters = {"weight": ctx.transformed(kernel, f"{name}.pointwise.weight", shape, _kernel(spatial))}
    if len(variables) > 1:
        parameters["bias"] = ctx.variable(variables[1], f"{name}.bias")
    attributes: dict[str, Attribute] = {"in_channels": channels, "out_channels": filters, "kernel_size": [1] * spatial}
    return layer.g.node(f"Conv{spatial}d", [x], name, attributes=attributes, parameters=parameters), filters


# ---- pooling -----------------------------------------------------------------------------------------


def _replicate_last(layer: Layer, x: Value, axis: int) -> Value:
    """`x` with its last position on `axis` repeated once behind (Keras's torch backend pads so)."""
    edge = layer.node("Slice", [x.name], f"edge{axis}", starts=[-1], ends=[2**53 - 1], axes=[axis])
    size = x.shape[axis]
    shape = tuple((size + 1 if isinstance(size, int) else None) if i == axis else d for i, d in enumerate(x.shape))
    return Value(layer.node("Concat", [x.name, edge], f"replicate{axis}", axis=axis), x.dtype, shape)


def pooling(layer: Layer, inputs: Sequence[Value]) -> Value:
    """MaxPooling1D/2D and AveragePooling1D/2D, as MaxPool2d/AvgPool2d (1-D over a height of 1)."""
    spatial = 2 if "2D" in layer.kind else 1
    x = spatial_input(layer, inputs, spatial)
    kernel = layer.integers("pool_size", spatial)
    stride = layer.integers("strides", spatial) if layer.config.get("strides") is not None else list(kernel)
    mode = layer.config.get("padding", "valid")
    if mode not in ("valid", "same"):
        raise layer.fail(f"padding {mode!r} is not supported")
    padding, sizes, value = [], [], x
    for axis in range(spatial):
        size, k, s = x.shape[1 + axis], kernel[axis], stride[axis]
        if mode == "valid":
            padding.append(0)
            sizes.append(window_out(size, k, s, 0, 0))
            continue
        total = same_total(layer, size, k, s, axis)
        if total % 2:
            value = _replicate_last(layer, value, 1 + axis)
        padding.append(total // 2)
        sizes.append(math.ceil(size / s) if isinstance(size, int) else None)
    name = _transpose(layer, value, TO_FIRST[spatial + 2], "to_channels_first")
    if spatial == 1:
        name = layer.node("Unsqueeze", [name], "as_2d", axes=[2])
        kernel, stride, padding = [1, *kernel], [1, *stride], [0, *padding]
    attributes: dict[str, Attribute] = {"kernel_size": kernel, "stride": stride, "padding": padding}
    if layer.kind.startswith("Max"):
        op = "MaxPool2d"
    else:
        op, attributes["count_include_pad"] = "AvgPool2d", False
    name = layer.g.node(op, [name], layer.name, attributes=attributes)
    if spatial == 1:
        name = layer.node("Squeeze", [name], "as_1d", axes=[2])
    last = layer.node("Transpose", [name], "to_channels_last", perm=TO_LAST[spatial + 2])
    return Value(last, x.dtype, (x.shape[0], *sizes, x.shape[-1]))


def global_pooling(layer: Layer, inputs: Sequence[Value]) -> Value:
    """GlobalAveragePooling1D/2D (ReduceMean) and GlobalMaxPooling1D/2D (MaxPool2d over the whole input)."""
    spatial = 2 if "2D" in layer.kind else 1
    x = spatial_input(layer, inputs, spatial)
    keepdims = layer.flag("keepdims", False)
    axes = list(range(1, spatial + 1))
    shape = (x.shape[0], *([1] * spatial if keepdims else []), x.shape[-1])
    if layer.kind.startswith("GlobalAverage"):
        return Value(layer.node("ReduceMean", [x.name], "", axes=axes, keepdims=keepdims), x.dtype, shape)
    sizes = list(x.shape[1:-1])
    if not all(isinstance(size, int) for size in sizes):
        raise layer.missing_op(f"a maximum over spatial sizes not known in advance ({sizes})", "ReduceMax")
    kernel = [int(size) for size in sizes if isinstance(size, int)]
    value = _transpose(layer, x, TO_FIRST[spatial + 2], "to_channels_first")
    if spatial == 1:
        value = layer.node("Unsqueeze", [value], "as_2d", axes=[2])
        kernel = [1, *kernel]
    pooled = layer.g.node("MaxPool2d", [value], f"{layer.name}.pool", attributes={"kernel_size": kernel})
    target = [0, 1, -1] if keepdims and spatial == 1 else [0, 1, 1, -1] if keepdims else [0, -1]
    return Value(layer.node("Reshape", [pooled], "", shape=target), x.dtype, shape)
