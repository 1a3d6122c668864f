"""numpy kernels for SPEC.md §10.2-10.4. Each computes in the dtype of its inputs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np

from ..format._dtypes import DTYPES
from ._erf import erf
from ._kernel_api import Array, Kernel, KernelCall


def sigmoid(x: Array) -> Array:
    """1 / (1 + exp(-x)) without overflow for large |x|."""
    positive = x >= 0
    z = np.exp(np.where(positive, -x, x))
    return np.where(positive, 1 / (1 + z), z / (1 + z)).astype(x.dtype)


def softmax(x: Array, axis: int) -> Array:
    with np.errstate(invalid="ignore"):  # a row of all -inf gives NaN, as the formula does
        shifted = x - np.max(x, axis=axis, keepdims=True, initial=-np.inf)  # initial: zero-size axes
        e = np.exp(shifted)
        result: Array = e / np.sum(e, axis=axis, keepdims=True)
        return result


def log_softmax(x: Array, axis: int) -> Array:
    with np.errstate(invalid="ignore", divide="ignore"):
        shifted = x - np.max(x, axis=axis, keepdims=True, initial=-np.inf)  # initial: zero-size axes
        result: Array = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        return result


def gelu(x: Array, approximate: str) -> Array:
    if approximate == "tanh":
        inner = np.asarray(math.sqrt(2 / math.pi), x.dtype) * (x + np.asarray(0.044715, x.dtype) * x**3)
        result: Array = np.asarray(0.5, x.dtype) * x * (1 + np.tanh(inner))
    else:
        result = np.asarray(0.5, x.dtype) * x * (1 + erf(x / np.asarray(math.sqrt(2), x.dtype)))
    return result


def _scalar(call: KernelCall) -> Sequence[Array]:
    dtype = DTYPES[call.str_attr("dtype")].numpy
    return [np.asarray(call.attrs["value"], dtype=dtype)]


def _cast(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    target = DTYPES[call.str_attr("to")].numpy
    if target == np.bool_:
        return [x != 0]
    with np.errstate(invalid="ignore", over="ignore"):
        return [x.astype(target)]


def _position_ids(call: KernelCall) -> Sequence[Array]:
    (length,) = call.out_shape()
    start = call.int_attr("start")
    return [np.arange(start, start + length, dtype=np.int64)]


def _leaky_relu(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    return [np.where(x > 0, x, x * np.asarray(call.float_attr("negative_slope"), x.dtype))]


def _silu(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    return [x * sigmoid(x)]


def _binary(function: object) -> Kernel:
    def kernel(call: KernelCall) -> Sequence[Array]:
        a, b = call.x(0), call.x(1)
        with np.errstate(all="ignore"):  # IEEE results (inf, NaN) and two's complement wrap-around
            return [np.asarray(function(a, b), dtype=a.dtype)]  # type: ignore[operator]

    return kernel


KERNELS: Final[Mapping[str, Kernel]] = {
    "Identity": lambda call: [call.x()],
    "Constant": lambda call: [call.params["value"]],
    "Scalar": _scalar,
    "Cast": _cast,
    "PositionIds": _position_ids,
    "ReLU": lambda call: [np.maximum(call.x(), np.asarray(0, call.x().dtype))],
    "LeakyReLU": _leaky_relu,
    "SiLU": _silu,
    "Tanh": lambda call: [np.tanh(call.x())],
    "Sigmoid": lambda call: [sigmoid(call.x())],
    "GELU": lambda call: [gelu(call.x(), call.str_attr("approximate"))],
    "Softmax": lambda call: [softmax(call.x(), call.int_attr("axis"))],
    "LogSoftmax": lambda call: [log_softmax(call.x(), call.int_attr("axis"))],
    "Dropout": lambda call: [call.x()],
    "Add": _binary(np.add),
    "Sub": _binary(np.subtract),
    "Mul": _binary(np.multiply),
    "Div": _binary(np.divide),
    "MatMul": lambda call: [np.matmul(call.x(0), call.x(1))],
}
