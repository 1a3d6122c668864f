"""numpy kernels for SPEC.md §10.5-10.6. Output shapes come from inference, so reshaping kernels
only apply them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np

from ._kernel_api import Array, Kernel, KernelCall


def _reshape(call: KernelCall) -> Sequence[Array]:
    return [call.x().reshape(call.out_shape())]


def _split(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    axis = call.int_attr("axis") % x.ndim
    edges = np.cumsum(call.ints_attr("split"))[:-1]
    return list(np.split(x, edges, axis=axis))


def _slice(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    starts, ends = call.ints_attr("starts"), call.ints_attr("ends")
    axes_attr = call.attrs["axes"]
    axes = axes_attr if isinstance(axes_attr, tuple) else tuple(range(len(starts)))
    steps_attr = call.attrs["steps"]
    steps = steps_attr if isinstance(steps_attr, tuple) else (1,) * len(starts)
    index: list[slice] = [slice(None)] * x.ndim
    for axis, start, end, step in zip(axes, starts, ends, steps, strict=True):
        index[axis % x.ndim] = slice(start, end, step)
    return [x[tuple(index)]]


def _gather(call: KernelCall) -> Sequence[Array]:
    data, indices = call.x(0), call.x(1)
    axis = call.int_attr("axis") % data.ndim
    size = data.shape[axis]
    if indices.size and (indices.min() < -size or indices.max() >= size):
        bad = indices[(indices < -size) | (indices >= size)].flat[0]
        call.fail_index(f"index {bad} is out of range for axis {axis} of size {size}")
    return [np.take(data, indices.astype(np.int64), axis=axis)]


def mean(x: Array, axis: tuple[int, ...] | None, keepdims: bool) -> Array:
    """np.mean without warnings: the mean of zero elements is NaN (0 / 0), as SPEC.md §10.6 says."""
    count = x.size if axis is None else int(np.prod([x.shape[a] for a in axis]))
    with np.errstate(invalid="ignore", divide="ignore"):
        result: Array = np.sum(x, axis=axis, keepdims=keepdims) / np.asarray(count, x.dtype)
    return result


def _reduce(function: object) -> Kernel:
    def kernel(call: KernelCall) -> Sequence[Array]:
        x = call.x()
        axes_attr = call.attrs["axes"]
        axes = tuple(axis % x.ndim for axis in axes_attr) if isinstance(axes_attr, tuple) else None
        result = function(x, axis=axes, keepdims=call.bool_attr("keepdims"))  # type: ignore[operator]
        return [np.asarray(result, dtype=x.dtype)]

    return kernel


KERNELS: Final[Mapping[str, Kernel]] = {
    "Flatten": _reshape,
    "Reshape": _reshape,
    "Squeeze": _reshape,
    "Unsqueeze": _reshape,
    "Transpose": lambda call: [np.transpose(call.x(), call.ints_attr("perm"))],
    "Concat": lambda call: [np.concatenate([call.x(i) for i in range(len(call.inputs))], axis=call.int_attr("axis"))],
    "Split": _split,
    "Slice": _slice,
    "Gather": _gather,
    "ReduceMean": _reduce(mean),
    "ReduceSum": _reduce(np.sum),
}
