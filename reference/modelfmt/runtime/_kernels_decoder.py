"""numpy kernels for SPEC.md §10.18 (modelfmt.core v2): RMSNorm and RotaryEmbedding, and the rotary
frequencies, computed in float32 step by step as Hugging Face transformers computes them (the PyTorch
build uses the same table)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np

from ._kernel_api import Array, Kernel, KernelCall
from ._kernels_basic import softmax


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
    if scaling == "yarn":
        return _yarn(attrs, rotary_dim, np.float32(base) ** exponent)
    return inverse


def _yarn(attrs: Mapping[str, object], rotary_dim: int, wavelengths: Array) -> Array:
    """transformers' _compute_yarn_parameters: frequencies below the correction range are interpolated
    (divided by factor), those above it kept, a linear ramp between them."""
    base, factor, original = attrs["base"], attrs["factor"], attrs["original_max_position_embeddings"]
    fast, slow = attrs["beta_fast"], attrs["beta_slow"]
    assert isinstance(base, float) and isinstance(factor, float) and isinstance(original, int)
    assert isinstance(fast, float) and isinstance(slow, float)

    def correction(rotations: float) -> float:
        return (rotary_dim * math.log(original / (rotations * 2 * math.pi))) / (2 * math.log(base))

    low, high = correction(fast), correction(slow)
    if attrs["truncate"]:
        low, high = math.floor(low), math.ceil(high)
    low, high = max(low, 0), min(high, rotary_dim - 1)
    if low == high:
        high += 0.001  # transformers' guard against a zero-width ramp
    ramp = np.clip((np.arange(rotary_dim // 2, dtype=np.float32) - np.float32(low)) / np.float32(high - low), 0, 1)
    extrapolation = np.float32(1) - ramp
    interpolated = np.float32(1.0) / (np.float32(factor) * wavelengths)
    kept = np.float32(1.0) / wavelengths
    result: Array = (interpolated * (1 - extrapolation) + kept * extrapolation).astype(np.float32)
    return result


def attention_factor(attrs: Mapping[str, object]) -> float:
    """The factor cos and sin are multiplied by: 1, or for yarn `attention_factor`, by default
    0.1 * ln(factor) + 1 when factor > 1 (transformers' yarn_get_mscale)."""
    if attrs["scaling"] != "yarn":
        return 1.0
    given, factor = attrs["attention_factor"], attrs["factor"]
    if isinstance(given, float):
        return given
    assert isinstance(factor, float)
    return 0.1 * math.log(factor) + 1.0 if factor > 1 else 1.0


def rotary_dim_of(attrs: Mapping[str, object], head_dim: int) -> int:
    rotary = attrs["rotary_dim"]
    return rotary if isinstance(rotary, int) else head_dim


def _rotary(call: KernelCall) -> Sequence[Array]:
    x, positions = call.x(0), call.x(1)
    d = rotary_dim_of(call.attrs, x.shape[-1])
    half = d // 2
    angles = positions.astype(np.float32)[:, :, None] * inverse_frequencies(call.attrs, d)  # [batch, seq, d/2]
    scale = np.float32(attention_factor(call.attrs))
    cos = (np.cos(angles) * scale).astype(x.dtype)[:, None]  # [batch, 1, seq, d/2]: every head turns alike
    sin = (np.sin(angles) * scale).astype(x.dtype)[:, None]
    first, second = (x[..., 0:d:2], x[..., 1:d:2]) if call.bool_attr("interleaved") else (x[..., :half], x[..., half:d])
    out = x.copy()
    new_first, new_second = first * cos - second * sin, second * cos + first * sin
    if call.bool_attr("interleaved"):
        out[..., 0:d:2], out[..., 1:d:2] = new_first, new_second
    else:
        out[..., :half], out[..., half:d] = new_first, new_second
    return [out]


def _attention(call: KernelCall) -> Sequence[Array]:
    """SPEC.md §10.18.3: grouped heads by reshaping the queries, never by copying keys and values."""
    query, key, value = call.x(0), call.x(1), call.x(2)
    mask, past_key, past_value = call.optional(3), call.optional(4), call.optional(5)
    if past_key is not None and past_value is not None:
        key = np.concatenate([past_key, key], axis=2)
        value = np.concatenate([past_value, value], axis=2)
    batch, heads, length, depth = query.shape
    kv_heads, source = key.shape[1], key.shape[2]
    group = heads // kv_heads
    scale = call.attrs["scale"]
    factor = np.asarray(scale if isinstance(scale, float) else 1 / math.sqrt(depth), query.dtype)
    grouped = query.reshape(batch, kv_heads, group, length, depth)
    logits = (grouped @ np.swapaxes(key, -1, -2)[:, :, None]) * factor  # [batch, kv_heads, group, length, source]
    logits = logits.reshape(batch, heads, length, source)
    with np.errstate(all="ignore"):  # fully masked rows give NaN, as Softmax does
        softcap = call.attrs["softcap"]
        if isinstance(softcap, float) and softcap > 0:
            cap = np.asarray(softcap, query.dtype)
            logits = cap * np.tanh(logits / cap)
        if mask is not None:
            logits = np.where(mask, logits, -np.inf) if mask.dtype == np.bool_ else logits + mask
        if call.bool_attr("causal"):
            # Query i is at position source - length + i: the queries are the last positions.
            positions = np.arange(source - length, source)[:, None]
            keys = np.arange(source)[None, :]
            visible = keys <= positions
            window = call.attrs["window"]
            if isinstance(window, int):
                visible &= keys > positions - window
            logits = np.where(visible, logits, -np.inf)
        weights = softmax(logits, -1).astype(query.dtype, copy=False)
    out = weights.reshape(batch, kv_heads, group, length, source) @ value[:, :, None]
    return [out.reshape(batch, heads, length, value.shape[-1]), key, value]


KERNELS: Final[Mapping[str, Kernel]] = {"RMSNorm": _rms_norm, "RotaryEmbedding": _rotary, "Attention": _attention}
