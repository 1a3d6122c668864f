"""numpy kernels for SPEC.md §10.18 (modelfmt.core v2): RMSNorm and RotaryEmbedding, and the rotary
frequencies, computed in float32 step by step as Hugging Face transformers computes them (the PyTorch
build uses the same table)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np

from ._kernel_api import Array, Kernel, KernelCall


def _rms_norm(call: KernelCall) -> Sequence[Array]:
    x = call.x()
    axes = tuple(range(x.ndim - len(call.ints_attr("normalized_shape")), x.ndim))
    mean_square = np.mean(x * x, axis=axes, keepdims=True)
    y = x / np.sqrt(mean_square + np.asarray(call.float_attr("eps"), x.dtype))
    weight = call.params.get("weight")
    if weight is not None:
        y = y * (weight + np.asarray(1, x.dtype) if call.bool_attr("unit_offset") else weight)
    return [y.astype(x.dtype, copy=False)]


def inverse_frequencies(attrs: Mapping[str, object], rotary_dim: int) -> Array:
    """inv_freq of SPEC.md §10.18.2, float32, [rotary_dim / 2]: transformers' default, linear and llama3
    rope parameters, each operation rounded to float32 as there."""
    base, factor = attrs["base"], attrs["factor"]
    assert isinstance(base, float) and isinstance(factor, float)
    exponent = np.arange(0, rotary_dim, 2, dtype=np.int64).astype(np.float32) / np.float32(rotary_dim)
    inverse: Array = np.float32(1.0) / (np.float32(base) ** exponent)
    scaling = attrs["scaling"]
    if scaling == "linear":
        return inverse / np.float32(factor)
    if scaling == "llama3":
        low, high, original = (
            attrs["low_freq_factor"],
            attrs["high_freq_factor"],
            attrs["original_max_position_embeddings"],
        )
        assert isinstance(low, float) and isinstance(high, float) and isinstance(original, int)
        low_wavelength, high_wavelength = original / low, original / high
        wavelength = np.float32(2 * math.pi) / inverse
        scaled = np.where(wavelength > low_wavelength, inverse / np.float32(factor), inverse)
        smooth = (np.float32(original) / wavelength - np.float32(low)) / np.float32(high - low)
        smoothed = (1 - smooth) * scaled / np.float32(factor) + smooth * scaled
        medium = ~(wavelength < high_wavelength) & ~(wavelength > low_wavelength)
        return np.where(medium, smoothed, scaled).astype(np.float32)
    return inverse


def rotary_dim_of(attrs: Mapping[str, object], head_dim: int) -> int:
    rotary = attrs["rotary_dim"]
    return rotary if isinstance(rotary, int) else head_dim


def _rotary(call: KernelCall) -> Sequence[Array]:
    x, positions = call.x(0), call.x(1)
    d = rotary_dim_of(call.attrs, x.shape[-1])
    half = d // 2
    angles = positions.astype(np.float32)[:, :, None] * inverse_frequencies(call.attrs, d)  # [batch, seq, d/2]
    cos = np.cos(angles).astype(x.dtype)[:, None]  # [batch, 1, seq, d/2]: every head turns alike
    sin = np.sin(angles).astype(x.dtype)[:, None]
    first, second = (x[..., 0:d:2], x[..., 1:d:2]) if call.bool_attr("interleaved") else (x[..., :half], x[..., half:d])
    out = x.copy()
    new_first, new_second = first * cos - second * sin, second * cos + first * sin
    if call.bool_attr("interleaved"):
        out[..., 0:d:2], out[..., 1:d:2] = new_first, new_second
    else:
        out[..., :half], out[..., half:d] = new_first, new_second
    return [out]


KERNELS: Final[Mapping[str, Kernel]] = {"RMSNorm": _rms_norm, "RotaryEmbedding": _rotary}
