"""numpy kernels for SPEC.md §10.11: multi-head attention with PyTorch's packed projection layout."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np

from ._kernel_api import Array, Kernel, KernelCall
from ._kernels_basic import softmax


def _mask_bias(mask: Array, dtype: np.dtype[np.generic]) -> Array:
    """Boolean masks become 0 / -inf; floating masks are added as they are."""
    if mask.dtype == np.bool_:
        return np.where(mask, np.asarray(-np.inf, dtype), np.asarray(0, dtype))
    return mask


def _attention(call: KernelCall) -> Sequence[Array]:
    query, key, value = call.x(0), call.x(1), call.x(2)
    dtype = query.dtype
    if not call.bool_attr("batch_first"):
        query, key, value = (t.transpose(1, 0, 2) for t in (query, key, value))
    batch, target, embed = query.shape
    source = key.shape[1]
    heads = call.int_attr("num_heads")
    head_dim = embed // heads
    w_in = call.params["in_proj_weight"]
    b_in = call.params.get("in_proj_bias", np.zeros((3 * embed,), dtype))
    projected = []
    for part, tensor in enumerate((query, key, value)):
        rows = slice(part * embed, (part + 1) * embed)
        p = tensor @ w_in[rows].T + b_in[rows]
        projected.append(p.reshape(batch, -1, heads, head_dim).transpose(0, 2, 1, 3))  # [N, H, len, d]
    q, k, v = projected
    scores = (q @ k.transpose(0, 1, 3, 2)) / np.asarray(math.sqrt(head_dim), dtype)  # [N, H, L, S]
    attn_mask = call.optional(4)
    if attn_mask is not None:
        bias = _mask_bias(attn_mask, dtype)
        scores = scores + (bias if bias.ndim == 2 else bias.reshape(batch, heads, target, source))
    padding = call.optional(3)
    if padding is not None:
        scores = scores + _mask_bias(padding, dtype).reshape(batch, 1, 1, source)
    weights = softmax(scores.astype(dtype, copy=False), axis=-1)
    context = (weights @ v).transpose(0, 2, 1, 3).reshape(batch, target, embed)
    out = context @ call.params["out_proj_weight"].T
    out_bias = call.params.get("out_proj_bias")
    if out_bias is not None:
        out = out + out_bias
    if not call.bool_attr("batch_first"):
        out = out.transpose(1, 0, 2)
    return [np.ascontiguousarray(out, dtype)]


KERNELS: Final[Mapping[str, Kernel]] = {"MultiHeadAttention": _attention}
