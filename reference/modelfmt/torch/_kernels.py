"""torch implementations of modelfmt.core (for `build`): one function per op, found in a dict."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Final

import torch
import torch.nn.functional as F  # noqa: N812 - PyTorch's own convention

from ..graph._types import Node
from ..graph.core._recurrent import directions, layer_suffixes
from ..graph.core._tensor import range_length
from ..runtime._kernels_decoder import attention_factor, inverse_frequencies, rotary_dim_of
from ..runtime._run_errors import run_error
from ._dtypes import TORCH_DTYPES

Tensor = torch.Tensor
Inputs = Sequence[Tensor | None]
Params = Mapping[str, Tensor]
TorchKernel = Callable[[Node, Inputs, Params], Sequence[Tensor]]


def _x(inputs: Inputs, index: int = 0) -> Tensor:
    value = inputs[index] if index < len(inputs) else None
    assert value is not None
    return value


def _opt(inputs: Inputs, index: int) -> Tensor | None:
    return inputs[index] if index < len(inputs) else None


def _scalar(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    return [torch.tensor(node.attributes["value"], dtype=TORCH_DTYPES[node.str_attr("dtype")])]


def _cast(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    return [_x(inputs).to(TORCH_DTYPES[node.str_attr("to")])]


def _position_ids(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    x = _x(inputs)
    length = x.shape[node.int_attr("axis")]
    start = node.int_attr("start")
    return [torch.arange(start, start + length, dtype=torch.int64, device=x.device)]


def _unary(function: Callable[[Tensor], Tensor]) -> TorchKernel:
    return lambda node, inputs, params: [function(_x(inputs))]


def _binary(function: Callable[[Tensor, Tensor], Tensor]) -> TorchKernel:
    return lambda node, inputs, params: [function(_x(inputs, 0), _x(inputs, 1))]


def _reshape(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    x = _x(inputs)
    target = [x.shape[i] if size == 0 else size for i, size in enumerate(list(node.ints_attr("shape")))]
    return [x.reshape(target)]


def _unsqueeze(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    x = _x(inputs)
    axes = list(node.ints_attr("axes"))
    rank = x.dim() + len(axes)
    for axis in sorted(axis % rank for axis in axes):
        x = x.unsqueeze(axis)
    return [x]


def _slice(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    x = _x(inputs)
    starts, ends = list(node.ints_attr("starts")), list(node.ints_attr("ends"))
    axes_attr, steps_attr = node.attributes["axes"], node.attributes["steps"]
    axes = list(axes_attr) if isinstance(axes_attr, tuple) else list(range(len(starts)))
    steps = list(steps_attr) if isinstance(steps_attr, tuple) else [1] * len(starts)
    index: list[slice] = [slice(None)] * x.dim()
    for axis, start, end, step in zip(axes, starts, ends, steps, strict=True):
        size = x.shape[axis]
        index[axis % x.dim()] = slice(*slice(start, end, step).indices(size))
    return [x[tuple(index)]]


def _gather(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    data, indices = _x(inputs, 0), _x(inputs, 1)
    axis = node.int_attr("axis") % data.dim()
    size = data.shape[axis]
    if indices.numel() and (int(indices.min()) < -size or int(indices.max()) >= size):
        raise run_error("RUN_INDEX", f"{node.describe()}: an index is out of range for axis {axis} of size {size}")
    flat = torch.remainder(indices.reshape(-1).to(torch.int64), size) if size else indices.reshape(-1).to(torch.int64)
    picked = data.index_select(axis, flat)
    return [picked.reshape(*data.shape[:axis], *indices.shape, *data.shape[axis + 1 :])]


def _reduce(function: Callable[..., Tensor]) -> TorchKernel:
    def kernel(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
        x = _x(inputs)
        axes_attr = node.attributes["axes"]
        axes = list(axes_attr) if isinstance(axes_attr, tuple) else list(range(x.dim()))
        return [function(x, dim=axes, keepdim=node.bool_attr("keepdims")).to(x.dtype)]

    return kernel


def _linear(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    return [F.linear(_x(inputs), params["weight"], params.get("bias"))]


def _embedding(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    indices, weight = _x(inputs), params["weight"]
    if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= weight.shape[0]):
        raise run_error("RUN_INDEX", f"{node.describe()}: an index is outside 0..{weight.shape[0] - 1}")
    return [F.embedding(indices.to(torch.int64), weight)]


def _conv(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    function = F.conv1d if node.op == "Conv1d" else F.conv2d
    return [
        function(
            _x(inputs),
            params["weight"],
            params.get("bias"),
            stride=list(node.ints_attr("stride")),
            padding=list(node.ints_attr("padding")),
            dilation=list(node.ints_attr("dilation")),
            groups=node.int_attr("groups"),
        )
    ]


def _max_pool(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    return [
        F.max_pool2d(
            _x(inputs),
            list(node.ints_attr("kernel_size")),
            list(node.ints_attr("stride")),
            list(node.ints_attr("padding")),
            list(node.ints_attr("dilation")),
            ceil_mode=node.bool_attr("ceil_mode"),
        )
    ]


def _avg_pool(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    return [
        F.avg_pool2d(
            _x(inputs),
            list(node.ints_attr("kernel_size")),
            list(node.ints_attr("stride")),
            list(node.ints_attr("padding")),
            ceil_mode=node.bool_attr("ceil_mode"),
            count_include_pad=node.bool_attr("count_include_pad"),
        )
    ]


def _global_average_pool(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    x = _x(inputs)
    return [x.mean(dim=tuple(range(2, x.dim())), keepdim=True)]


def _batch_norm(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    return [
        F.batch_norm(
            _x(inputs),
            params["running_mean"],
            params["running_var"],
            params.get("weight"),
            params.get("bias"),
            training=False,
            eps=node.float_attr("eps"),
        )
    ]


def _layer_norm(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    return [
        F.layer_norm(
            _x(inputs),
            list(node.ints_attr("normalized_shape")),
            params.get("weight"),
            params.get("bias"),
            node.float_attr("eps"),
        )
    ]


def _recurrent(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    x = _x(inputs)
    batch_first = node.bool_attr("batch_first")
    batch = x.shape[0] if batch_first else x.shape[1]
    hidden = node.int_attr("hidden_size")
    count = node.int_attr("num_layers") * directions(node.attributes)
    zeros = torch.zeros(count, batch, hidden, dtype=x.dtype, device=x.device)
    has_bias = "bias_ih_l0" in params
    weights: list[Tensor] = []
    for suffix in layer_suffixes(node.attributes):
        kinds = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if has_bias else ("weight_ih", "weight_hh")
        weights += [params[f"{kind}{suffix}"] for kind in kinds]
    h0 = _opt(inputs, 1)
    h0 = zeros if h0 is None else h0
    common = (has_bias, node.int_attr("num_layers"), 0.0, False, node.bool_attr("bidirectional"), batch_first)
    if node.op == "LSTM":
        c0 = _opt(inputs, 2)
        y, h_n, c_n = torch.lstm(x, (h0, zeros if c0 is None else c0), weights, *common)
        return [y, h_n, c_n]
    if node.op == "GRU":
        y, h_n = torch.gru(x, h0, weights, *common)
        return [y, h_n]
    function = torch.rnn_tanh if node.str_attr("nonlinearity") == "tanh" else torch.rnn_relu
    y, h_n = function(x, h0, weights, *common)
    return [y, h_n]


def _attention(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    query, key, value = _x(inputs, 0), _x(inputs, 1), _x(inputs, 2)
    batch_first = node.bool_attr("batch_first")
    if batch_first:
        query, key, value = (t.transpose(0, 1) for t in (query, key, value))
    embed = node.int_attr("embed_dim")
    out, _ = F.multi_head_attention_forward(
        query,
        key,
        value,
        embed,
        node.int_attr("num_heads"),
        params["in_proj_weight"],
        params.get("in_proj_bias"),
        None,
        None,
        False,
        0.0,
        params["out_proj_weight"],
        params.get("out_proj_bias"),
        training=False,
        key_padding_mask=_opt(inputs, 3),
        need_weights=False,
        attn_mask=_opt(inputs, 4),
    )
    return [out.transpose(0, 1) if batch_first else out]


def _split(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    return list(torch.split(_x(inputs), list(node.ints_attr("split")), dim=node.int_attr("axis")))


def _clip(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    x = _x(inputs)
    low, high = node.attributes["min"], node.attributes["max"]
    # SPEC.md §10.14.10: the bounds are rounded to X's dtype; maximum and minimum keep NaN.
    if isinstance(low, float):
        x = torch.maximum(x, torch.tensor(low, dtype=x.dtype, device=x.device))
    if isinstance(high, float):
        x = torch.minimum(x, torch.tensor(high, dtype=x.dtype, device=x.device))
    return [x]


def _extreme(largest: bool) -> TorchKernel:
    def kernel(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
        x = _x(inputs)
        raw = node.attributes["axes"]
        dims = tuple(axis % x.ndim for axis in raw) if isinstance(raw, tuple) else tuple(range(x.ndim))
        keep = node.bool_attr("keepdims")
        if any(x.shape[dim] == 0 for dim in dims):  # SPEC.md §10.16.1: the identity of the reduction
            shape = [1 if i in dims else size for i, size in enumerate(x.shape) if keep or i not in dims]
            info = torch.finfo(x.dtype) if x.dtype.is_floating_point else torch.iinfo(x.dtype)
            fill = (
                (-torch.inf if largest else torch.inf)
                if x.dtype.is_floating_point
                else (info.min if largest else info.max)
            )
            return [torch.full(shape, fill, dtype=x.dtype, device=x.device)]
        function = torch.amax if largest else torch.amin
        return [function(x, dim=dims, keepdim=keep) if dims else x.clone()]

    return kernel


def _cumsum(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    x = _x(inputs)
    axis = node.int_attr("axis") % x.ndim
    reverse = node.bool_attr("reverse")
    source = torch.flip(x, (axis,)) if reverse else x
    sums = torch.cumsum(source, axis, dtype=x.dtype)
    if node.bool_attr("exclusive") and x.shape[axis]:
        zero = torch.zeros_like(sums.narrow(axis, 0, 1))
        sums = torch.cat([zero, sums.narrow(axis, 0, x.shape[axis] - 1)], axis)
    return [torch.flip(sums, (axis,)) if reverse else sums]


def _expand(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    x = _x(inputs)
    shape = torch.broadcast_shapes(x.shape, tuple(node.ints_attr("shape")))  # type: ignore[no-untyped-call]
    return [x.expand(shape).clone()]


def _pad(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    x = _x(inputs)
    if x.ndim == 0:
        return [x.clone()]
    pads = list(node.ints_attr("pads"))
    mode = node.str_attr("mode")
    if mode == "constant":
        pairs = [size for axis in reversed(range(x.ndim)) for size in (pads[axis], pads[x.ndim + axis])]
        return [F.pad(x, pairs, value=node.float_attr("value"))]
    # reflect and replicate on any axis (F.pad supports them on the last axes of batched inputs only).
    for axis in range(x.ndim):
        before, after, size = pads[axis], pads[x.ndim + axis], x.shape[axis]
        if before or after:
            positions = torch.arange(-before, size + after, device=x.device)
            if mode == "replicate":
                positions = positions.clamp(0, size - 1)
            else:
                positions = positions.abs()
                positions = torch.where(positions > size - 1, 2 * (size - 1) - positions, positions)
            x = x.index_select(axis, positions)
    return [x]


def _range(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    attrs = node.attributes
    length = range_length(attrs["start"], attrs["limit"], attrs["delta"])
    dtype = TORCH_DTYPES[node.str_attr("dtype")]
    start, delta = attrs["start"], attrs["delta"]
    assert isinstance(start, int | float) and isinstance(delta, int | float)
    wide = torch.int64 if not dtype.is_floating_point else torch.float64
    return [(torch.arange(length, dtype=wide) * delta + start).to(dtype)]


def _rms_norm(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    """As transformers' LlamaRMSNorm (Gemma's with unit_offset), computed in float32 at least."""
    x = _x(inputs)
    wide = torch.float64 if x.dtype == torch.float64 else torch.float32
    dims = tuple(range(x.ndim - len(node.ints_attr("normalized_shape")), x.ndim))
    h = x.to(wide)
    h = h * torch.rsqrt(h.pow(2).mean(dims, keepdim=True) + node.float_attr("eps"))
    weight = params.get("weight")
    if weight is not None:
        h = h * (1 + weight.to(wide) if node.bool_attr("unit_offset") else weight.to(wide))
    return [h.to(x.dtype)]


def _rotary(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    """As transformers' apply_rotary_pos_emb: cos and sin in float32, the rotation in X's dtype."""
    x, positions = _x(inputs, 0), _x(inputs, 1)
    d = rotary_dim_of(node.attributes, x.shape[-1])
    half = d // 2
    inverse = torch.from_numpy(inverse_frequencies(node.attributes, d)).to(x.device)
    angles = positions.to(torch.float32)[:, :, None] * inverse
    scale = attention_factor(node.attributes)
    cos, sin = (torch.cos(angles) * scale).to(x.dtype)[:, None], (torch.sin(angles) * scale).to(x.dtype)[:, None]
    interleaved = node.bool_attr("interleaved")
    first, second = (x[..., 0:d:2], x[..., 1:d:2]) if interleaved else (x[..., :half], x[..., half:d])
    new_first, new_second = first * cos - second * sin, second * cos + first * sin
    if interleaved:
        rotated = torch.stack((new_first, new_second), dim=-1).flatten(-2)
    else:
        rotated = torch.cat((new_first, new_second), dim=-1)
    return [torch.cat((rotated, x[..., d:]), dim=-1)]


def _decoder_attention(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    """SPEC.md §10.18.3, written out (SDPA has no soft-capping and aligns causal masks at the top left)."""
    query, key, value = _x(inputs, 0), _x(inputs, 1), _x(inputs, 2)
    mask, past_key, past_value = _opt(inputs, 3), _opt(inputs, 4), _opt(inputs, 5)
    if past_key is not None and past_value is not None:
        key, value = torch.cat([past_key, key], 2), torch.cat([past_value, value], 2)
    batch, heads, length, depth = query.shape
    kv_heads, source = key.shape[1], key.shape[2]
    group = heads // kv_heads
    scale = node.attributes["scale"]
    factor = scale if isinstance(scale, float) else 1 / math.sqrt(depth)
    grouped = query.reshape(batch, kv_heads, group, length, depth)
    logits = (grouped @ key.transpose(-1, -2)[:, :, None] * factor).reshape(batch, heads, length, source)
    softcap = node.attributes["softcap"]
    if isinstance(softcap, float) and softcap > 0:
        logits = softcap * torch.tanh(logits / softcap)
    if mask is not None:
        logits = logits.masked_fill(~mask, -torch.inf) if mask.dtype == torch.bool else logits + mask
    if node.bool_attr("causal"):
        positions = torch.arange(source - length, source, device=query.device)[:, None]
        keys = torch.arange(source, device=query.device)[None, :]
        visible = keys <= positions
        window = node.attributes["window"]
        if isinstance(window, int):
            visible &= keys > positions - window
        logits = logits.masked_fill(~visible, -torch.inf)
    weights = torch.softmax(logits, -1)
    out = weights.reshape(batch, kv_heads, group, length, source) @ value[:, :, None]
    return [out.reshape(batch, heads, length, value.shape[-1]), key, value]


KERNELS: Final[Mapping[str, TorchKernel]] = {
    "Identity": _unary(lambda x: x),
    "Constant": lambda node, inputs, params: [params["value"]],
    "Scalar": _scalar,
    "Cast": _cast,
    "PositionIds": _position_ids,
    "ReLU": _unary(torch.relu),
    "LeakyReLU": lambda node, inputs, params: [F.leaky_relu(_x(inputs), node.float_attr("negative_slope"))],
    "SiLU": _unary(F.silu),
    "Tanh": _unary(torch.tanh),
    "Sigmoid": _unary(torch.sigmoid),
    "GELU": lambda node, inputs, params: [F.gelu(_x(inputs), approximate=node.str_attr("approximate"))],
    "Softmax": lambda node, inputs, params: [torch.softmax(_x(inputs), node.int_attr("axis"))],
    "LogSoftmax": lambda node, inputs, params: [torch.log_softmax(_x(inputs), node.int_attr("axis"))],
    "Dropout": _unary(lambda x: x),
    "Add": _binary(torch.add),
    "Sub": _binary(torch.sub),
    "Mul": _binary(torch.mul),
    "Div": _binary(torch.div),
    "MatMul": _binary(torch.matmul),
    "Flatten": lambda node, inputs, params: [
        torch.flatten(_x(inputs), node.int_attr("start_dim"), node.int_attr("end_dim"))
    ],
    "Reshape": _reshape,
    "Transpose": lambda node, inputs, params: [_x(inputs).permute(list(node.ints_attr("perm")))],
    "Concat": lambda node, inputs, params: [
        torch.cat([_x(inputs, i) for i in range(len(inputs))], dim=node.int_attr("axis"))
    ],
    "Split": _split,
    "Slice": _slice,
    "Gather": _gather,
    "Squeeze": lambda node, inputs, params: [_x(inputs).squeeze(tuple(list(node.ints_attr("axes"))))],
    "Unsqueeze": _unsqueeze,
    "ReduceMean": _reduce(torch.mean),
    "ReduceSum": _reduce(torch.sum),
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
    "RNN": _recurrent,
    "LSTM": _recurrent,
    "GRU": _recurrent,
    "MultiHeadAttention": _attention,
    "Neg": _unary(torch.neg),
    "Abs": _unary(torch.abs),
    "Sqrt": _unary(torch.sqrt),
    "Rsqrt": _unary(torch.rsqrt),
    "Exp": _unary(torch.exp),
    "Log": _unary(torch.log),
    "Sin": _unary(torch.sin),
    "Cos": _unary(torch.cos),
    "Erf": _unary(torch.erf),
    "Pow": _binary(torch.pow),
    "Min": _binary(torch.minimum),
    "Max": _binary(torch.maximum),
    "Clip": _clip,
    "Equal": _binary(torch.eq),
    "Less": _binary(torch.lt),
    "LessOrEqual": _binary(torch.le),
    "Greater": _binary(torch.gt),
    "GreaterOrEqual": _binary(torch.ge),
    "And": _binary(torch.logical_and),
    "Or": _binary(torch.logical_or),
    "Xor": _binary(torch.logical_xor),
    "Not": _unary(torch.logical_not),
    "ReduceMax": _extreme(largest=True),
    "ReduceMin": _extreme(largest=False),
    "ArgMax": lambda node, inputs, params: [
        torch.argmax(_x(inputs), dim=node.int_attr("axis"), keepdim=node.bool_attr("keepdims"))
    ],
    "CumSum": _cumsum,
    "Expand": _expand,
    "Tile": lambda node, inputs, params: [
        _x(inputs).repeat(list(node.ints_attr("repeats"))) if _x(inputs).ndim else _x(inputs).clone()
    ],
    "Pad": _pad,
    "Range": _range,
    "RMSNorm": _rms_norm,
    "RotaryEmbedding": _rotary,
    "Attention": _decoder_attention,
    "Where": lambda node, inputs, params: [torch.where(_x(inputs, 0), _x(inputs, 1), _x(inputs, 2))],
}
