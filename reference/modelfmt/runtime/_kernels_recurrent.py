"""numpy kernels for SPEC.md §10.10: RNN, LSTM and GRU, one time step at a time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np

from ..graph.core._recurrent import GATES, directions, layer_suffixes
from ._kernel_api import Array, Kernel, KernelCall
from ._kernels_basic import sigmoid


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


KERNELS: Final[Mapping[str, Kernel]] = {
    "RNN": _recurrent("RNN"),
    "LSTM": _recurrent("LSTM"),
    "GRU": _recurrent("GRU"),
}
