"""numpy kernels for SPEC.md §10.7-10.9: Linear, Embedding, convolution, pooling, normalization."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._kernel_api import Array, Kernel, KernelCall
from ._kernels_shape import mean


def _linear(call: KernelCall) -> Sequence[Array]:
    x, weight = call.x(), call.params["weight"]
    y = np.matmul(x, weight.T)
    bias = call.params.get("bias")
    return [y + bias if bias is not None else y]


def _embedding(call: KernelCall) -> Sequence[Array]:
    indices, weight = call.x(), call.params["weight"]
    count = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= count):
        bad = indices[(indices < 0) | (indices >= count)].flat[0]
        call.fail_index(f"index {bad} is outside 0..{count - 1} (num_embeddings {count})")
    return [weight[indices.astype(np.int64)]]


def windows(
    x: Array,
    kernel: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    out: Sequence[int],
) -> Array:
    """View of every window: [..., *out, *kernel] over the trailing len(kernel) axes of an already
    padded `x`, keeping the first `len(out)` windows per axis."""
    spatial = len(kernel)
    span = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    view = sliding_window_view(x, span, axis=tuple(range(x.ndim - spatial, x.ndim)))
    index: list[slice] = [slice(None)] * (x.ndim - spatial)
    index += [slice(0, (o - 1) * s + 1, s) for o, s in zip(out, stride, strict=True)]
    index += [slice(None, None, d) for d in dilation]
    return view[tuple(index)]


def _pad(x: Array, before: Sequence[int], after: Sequence[int], value: float) -> Array:
    spatial = len(before)
    widths = [(0, 0)] * (x.ndim - spatial) + list(zip(before, after, strict=True))
    return np.pad(x, widths, constant_values=value)


def _conv(call: KernelCall) -> Sequence[Array]:
    x, weight = call.x(), call.params["weight"]
    kernel, stride = call.ints_attr("kernel_size"), call.ints_attr("stride")
    padding, dilation, groups = call.ints_attr("padding"), call.ints_attr("dilation"), call.int_attr("groups")
    out_shape = call.out_shape()
    out_spatial = out_shape[2:]
    padded = _pad(x, padding, padding, 0.0)
    view = windows(padded, kernel, stride, dilation, out_spatial)  # [N, C, *out, *k]
    batch, channels = x.shape[0], x.shape[1]
    spatial = len(kernel)
    grouped = view.reshape(batch, groups, channels // groups, *out_spatial, *kernel)
    w = weight.reshape(groups, weight.shape[0] // groups, channels // groups, *kernel)
    # y[n, g, o, *p] = sum over c, *k of x[n, g, c, *p, *k] * w[g, o, c, *k]
    letters = "uvw"[:spatial]
    kletters = "xyz"[:spatial]
    expression = f"ngc{letters}{kletters},goc{kletters}->ngo{letters}"
    y = np.einsum(expression, grouped, w, optimize=True)
    y = y.reshape(batch, weight.shape[0], *out_spatial).astype(x.dtype, copy=False)
    bias = call.params.get("bias")
    if bias is not None:
        y = y + bias.reshape(1, -1, *(1,) * spatial)
    return [y]


@dataclass(frozen=True)
class _Axis:
    """One spatial axis of a pooling window: input size, output size, kernel, stride, padding, dilation."""

    size: int
    out: int
    kernel: int
    stride: int
    padding: int
    dilation: int = 1

    def extra_right(self) -> int:
        """Padding needed on the right beyond `padding` so that ceil_mode's last window exists."""
        needed = (self.out - 1) * self.stride + self.dilation * (self.kernel - 1) + 1
        return max(0, needed - (self.size + 2 * self.padding))

    def divisor(self, include_pad: bool) -> Array:
        """PyTorch's average-pooling divisor along this axis: windows are clipped to the padded input,
        and with count_include_pad false also to the input itself."""
        start = np.arange(self.out) * self.stride - self.padding
        end = np.minimum(start + self.kernel, self.size + self.padding)
        if include_pad:
            return end - start
        return np.minimum(end, self.size) - np.maximum(start, 0)


def _axes(call: KernelCall, *, dilation: Sequence[int]) -> list[_Axis]:
    x = call.x()
    kernel, stride, padding = call.ints_attr("kernel_size"), call.ints_attr("stride"), call.ints_attr("padding")
    out = call.out_shape()[2:]
    return [_Axis(*values) for values in zip(x.shape[2:], out, kernel, stride, padding, dilation, strict=True)]


def _max_pool(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    dilation = call.ints_attr("dilation")
    axes = _axes(call, dilation=dilation)
    padded = _pad(x, [a.padding for a in axes], [a.padding + a.extra_right() for a in axes], -np.inf)
    view = windows(padded, call.ints_attr("kernel_size"), call.ints_attr("stride"), dilation, call.out_shape()[2:])
    return [view.max(axis=(-2, -1))]


def _avg_pool(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    axes = _axes(call, dilation=(1, 1))
    padded = _pad(x, [a.padding for a in axes], [a.padding + a.extra_right() for a in axes], 0.0)
    sums = windows(padded, call.ints_attr("kernel_size"), call.ints_attr("stride"), (1, 1), call.out_shape()[2:])
    include_pad = call.bool_attr("count_include_pad")
    divisor = np.outer(axes[0].divisor(include_pad), axes[1].divisor(include_pad)).astype(x.dtype)
    return [(sums.sum(axis=(-2, -1)) / divisor).astype(x.dtype, copy=False)]


def _global_average_pool(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    return [mean(x, tuple(range(2, x.ndim)), keepdims=True)]


def _batch_norm(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean = call.params["running_mean"].reshape(shape)
    var = call.params["running_var"].reshape(shape)
    eps = np.asarray(call.float_attr("eps"), x.dtype)
    y = (x - mean) / np.sqrt(var + eps)
    weight, bias = call.params.get("weight"), call.params.get("bias")
    if weight is not None and bias is not None:
        y = y * weight.reshape(shape) + bias.reshape(shape)
    return [y.astype(x.dtype, copy=False)]


def _layer_norm(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    axes = tuple(range(x.ndim - len(call.ints_attr("normalized_shape")), x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = (centered * centered).mean(axis=axes, keepdims=True)
    y = centered / np.sqrt(var + np.asarray(call.float_attr("eps"), x.dtype))
    weight, bias = call.params.get("weight"), call.params.get("bias")
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return [y.astype(x.dtype, copy=False)]


KERNELS: Final[Mapping[str, Kernel]] = {
    "Linear": _linear,
    "Embedding": _embedding,
    "Conv1d": _conv,
    "Conv2d": _conv,
    "MaxPool2d": _max_pool,
    "AvgPool2d": _avg_pool,
    "GlobalAveragePool": _global_average_pool,
    "BatchNorm1d": _batch_norm,
    "BatchNorm2d": _batch_norm,
    "LayerNorm": _layer_norm,
}
