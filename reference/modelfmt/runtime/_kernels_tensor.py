"""numpy kernels for SPEC.md §10.16-10.17 (modelfmt.core v2): ReduceMax, ReduceMin, ArgMax, CumSum,
Expand, Tile, Pad and Range. Output sizes come from shape inference (`call.out_shape()`), which the
budget has already admitted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Literal

import numpy as np

from ..format._dtypes import DTYPES
from ._kernel_api import Array, Kernel, KernelCall


def _identity_of(x: Array, largest: bool) -> float | int:
    """The result of reducing an empty set (SPEC.md §10.16.1): -infinity or the dtype's least value for
    a maximum, +infinity or its greatest for a minimum."""
    if x.dtype.kind == "f":
        return -np.inf if largest else np.inf
    info = np.iinfo(x.dtype)
    return int(info.min if largest else info.max)


def _extreme(largest: bool) -> Kernel:
    function = np.max if largest else np.min

    def kernel(call: KernelCall) -> Sequence[Array]:
        x = call.x()
        raw = call.attrs["axes"]
        axes = tuple(axis % x.ndim for axis in raw) if isinstance(raw, tuple) else None
        initial = _identity_of(x, largest)
        result = function(x, axis=axes, keepdims=call.bool_attr("keepdims"), initial=initial)
        return [np.asarray(result, dtype=x.dtype)]

    return kernel


def _argmax(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    # numpy's argmax returns the first index of the largest, and a NaN counts as the largest.
    result = np.argmax(x, axis=call.int_attr("axis") % x.ndim, keepdims=call.bool_attr("keepdims"))
    return [np.asarray(result, dtype=np.int64)]


def _cumsum(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    axis = call.int_attr("axis") % x.ndim
    reverse = call.bool_attr("reverse")
    source = np.flip(x, axis) if reverse else x
    with np.errstate(all="ignore"):  # integer sums wrap around
        sums = np.cumsum(source, axis=axis, dtype=x.dtype)
    if call.bool_attr("exclusive"):
        zero = np.zeros_like(np.take(sums, [0], axis=axis)) if x.shape[axis] else sums
        sums = np.concatenate([zero, np.take(sums, range(x.shape[axis] - 1), axis=axis)], axis=axis)
    return [np.ascontiguousarray(np.flip(sums, axis) if reverse else sums)]


def _expand(call: KernelCall) -> Sequence[Array]:
    return [np.array(np.broadcast_to(call.x(), call.out_shape()))]


def _tile(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    return [np.tile(x, tuple(call.ints_attr("repeats"))) if x.ndim else x.copy()]


_PAD_MODES: Final[Mapping[str, Literal["reflect", "edge"]]] = {"reflect": "reflect", "replicate": "edge"}


def _pad(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    if x.ndim == 0:  # nothing to pad (numpy refuses an empty pad_width)
        return [x.copy()]
    pads = call.ints_attr("pads")
    widths = list(zip(pads[: x.ndim], pads[x.ndim :], strict=True))
    mode = call.str_attr("mode")
    if mode == "constant":
        value = np.asarray(call.float_attr("value"), x.dtype)  # rounded to X's dtype first
        return [np.pad(x, widths, mode="constant", constant_values=value)]
    return [np.pad(x, widths, mode=_PAD_MODES[mode])]


def _range(call: KernelCall) -> Sequence[Array]:
    (length,) = call.out_shape()
    dtype = DTYPES[call.str_attr("dtype")].numpy
    start, delta = call.attrs["start"], call.attrs["delta"]
    assert isinstance(start, int | float) and isinstance(delta, int | float)
    if np.dtype(dtype).kind == "i":
        # Exact integers: start + i * delta stays within the dtype for every i < length (§10.17.4).
        steps = np.arange(length, dtype=np.int64)
        return [(steps * np.int64(delta) + np.int64(start)).astype(dtype)]
    # Y[i] = start + i * delta in float64, rounded once to the dtype.
    values = np.arange(length, dtype=np.float64) * np.float64(delta) + np.float64(start)
    return [values.astype(dtype)]


KERNELS: Final[Mapping[str, Kernel]] = {
    "ReduceMax": _extreme(largest=True),
    "ReduceMin": _extreme(largest=False),
    "ArgMax": _argmax,
    "CumSum": _cumsum,
    "Expand": _expand,
    "Tile": _tile,
    "Pad": _pad,
    "Range": _range,
}
