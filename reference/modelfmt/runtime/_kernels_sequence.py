"""numpy kernels for SPEC.md §10.10-10.11: RNN, LSTM, GRU and multi-head attention."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np

from ..graph.core._recurrent import GATES, directions, layer_suffixes
from ._kernel_api import Array, Kernel, KernelCall
from ._kernels_basic import sigmoid, softmax


def _cell(op: str, nonlinearity: str) -> object:
    """One time step: (input projection incl. b_ih, h, c, W_hh, b_hh) -> (h, c)."""

    def step(xi: Array, h: Array, c: Array, w_hh: Array, b_hh: Array) -> tuple[Array, Array]:
        hh = h @ w_hh.T + b_hh
        if op == "LSTM":
            i, f, g, o = np.split(xi + hh, 4, axis=-1)
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            return sigmoid(o) * np.tanh(c), c
        if op == "GRU":
            xr, xz, xn = np.split(xi, 3, axis=-1)
            hr, hz, hn = np.split(hh, 3, axis=-1)
            r, z = sigmoid(xr + hr), sigmoid(xz + hz)
            n = np.tanh(xn + r * hn)
            return (1 - z) * n + z * h, c
        pre = xi + hh
        return (np.tanh(pre) if nonlinearity == "tanh" else np.maximum(pre, 0)), c

    return step


def _recurrent(op: str) -> Kernel:
    def kernel(call: KernelCall) -> Sequence[Array]:
        x = call.x()
        dtype = x.dtype
        if call.bool_attr("batch_first"):
            x = x.transpose(1, 0, 2)
        steps, batch, _ = x.shape
        hidden, count = call.int_attr("hidden_size"), call.int_attr("num_layers") * directions(call.attrs)
        zeros = np.zeros((count, batch, hidden), dtype)
        h0 = call.optional(1)
        c0 = call.optional(2) if op == "LSTM" else None
        h0 = zeros if h0 is None else h0
        c0 = zeros if c0 is None else c0
        nonlinearity = call.str_attr("nonlinearity") if op == "RNN" else ""
        step = _cell(op, nonlinearity)
        gates = GATES[op] * hidden
        no_bias = np.zeros((gates,), dtype)
        layer_input = x
        final_h: list[Array] = []
        final_c: list[Array] = []
        outputs: list[Array] = []
        for index, suffix in enumerate(layer_suffixes(call.attrs)):
            w_ih, w_hh = call.params[f"weight_ih{suffix}"], call.params[f"weight_hh{suffix}"]
            b_ih = call.params.get(f"bias_ih{suffix}", no_bias)
            b_hh = call.params.get(f"bias_hh{suffix}", no_bias)
            projected = layer_input @ w_ih.T + b_ih  # [S, N, gates], the input part of every step
            h, c = h0[index], c0[index]
            out = np.empty((steps, batch, hidden), dtype)
            order = range(steps - 1, -1, -1) if suffix.endswith("_reverse") else range(steps)
            for t in order:
                h, c = step(projected[t], h, c, w_hh, b_hh)  # type: ignore[operator]
                out[t] = h
            final_h.append(h)
            final_c.append(c)
            outputs.append(out)
            if len(outputs) == directions(call.attrs):
                layer_input = np.concatenate(outputs, axis=-1)
                outputs = []
        y = layer_input.transpose(1, 0, 2) if call.bool_attr("batch_first") else layer_input
        results = [np.ascontiguousarray(y, dtype), np.stack(final_h).astype(dtype, copy=False)]
        if op == "LSTM":
            results.append(np.stack(final_c).astype(dtype, copy=False))
        return results

    return kernel


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


KERNELS: Final[Mapping[str, Kernel]] = {
    "RNN": _recurrent("RNN"),
    "LSTM": _recurrent("LSTM"),
    "GRU": _recurrent("GRU"),
    "MultiHeadAttention": _attention,
}
