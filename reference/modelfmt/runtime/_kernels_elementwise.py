"""numpy kernels for SPEC.md §10.14-10.15 (modelfmt.core v2): elementwise math, comparisons, logic, Where.

Each computes in the dtype of its inputs (this runtime computes float32 and float64 only, §9.11) and
lets IEEE 754 results through: sqrt and log of a negative number are NaN, log(0) is -infinity, integer
negation wraps around.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final

import numpy as np

from ._erf import erf
from ._kernel_api import Array, Kernel, KernelCall


def _unary(function: Callable[[Array], Array]) -> Kernel:
    def kernel(call: KernelCall) -> Sequence[Array]:
        x = call.x()
        with np.errstate(all="ignore"):  # IEEE results (inf, NaN) and two's complement wrap-around
            return [np.asarray(function(x), dtype=x.dtype)]

    return kernel


def _binary(function: Callable[[Array, Array], Array]) -> Kernel:
    """Two inputs, broadcast; the result keeps numpy's dtype (the inputs' or bool for a comparison)."""

    def kernel(call: KernelCall) -> Sequence[Array]:
        with np.errstate(all="ignore"):
            return [np.asarray(function(call.x(0), call.x(1)))]

    return kernel


def _rsqrt(x: Array) -> Array:
    result: Array = np.asarray(1, x.dtype) / np.sqrt(x)
    return result


def _clip(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    low, high = call.attrs["min"], call.attrs["max"]
    result = x
    # The bounds are rounded to X's dtype first (SPEC.md §10.14.10); np.maximum and np.minimum keep NaN.
    if isinstance(low, float):
        result = np.maximum(result, np.asarray(low, x.dtype))
    if isinstance(high, float):
        result = np.minimum(result, np.asarray(high, x.dtype))
    return [np.asarray(result, dtype=x.dtype)]


def _where(call: KernelCall) -> Sequence[Array]:
    return [np.where(call.x(0), call.x(1), call.x(2))]


KERNELS: Final[Mapping[str, Kernel]] = {
    "Neg": _unary(np.negative),
    "Abs": _unary(np.abs),
    "Sqrt": _unary(np.sqrt),
    "Rsqrt": _unary(_rsqrt),
    "Exp": _unary(np.exp),
    "Log": _unary(np.log),
    "Sin": _unary(np.sin),
    "Cos": _unary(np.cos),
    "Erf": _unary(erf),
    "Pow": _binary(np.power),
    "Min": _binary(np.minimum),
    "Max": _binary(np.maximum),
    "Clip": _clip,
    "Equal": _binary(np.equal),
    "Less": _binary(np.less),
    "LessOrEqual": _binary(np.less_equal),
    "Greater": _binary(np.greater),
    "GreaterOrEqual": _binary(np.greater_equal),
    "And": _binary(np.logical_and),
    "Or": _binary(np.logical_or),
    "Xor": _binary(np.logical_xor),
    "Not": _unary(np.logical_not),
    "Where": _where,
}
