"""Converters for torch.nn modules (fx leaf modules) to modelfmt.core nodes.

Parameters are bound by their state_dict names, so a file's tensor table is exactly the module's
state_dict and `load_state_dict` works on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

import torch.nn.functional as F  # noqa: N812 - PyTorch's own convention
from torch import nn

from ._context import Context, Unusable, Value
from ._convert_functions import Args, Kwargs, arg


@dataclass(frozen=True)
class ModuleCall:
    """One call of a leaf module in the trace: the module, its path, a name hint and the arguments."""

    module: nn.Module
    qualname: str
    hint: str
    args: Args
    kwargs: Kwargs


ModuleConverter = Callable[[Context, ModuleCall], object]


def _pair(value: object, count: int) -> list[int]:
    if isinstance(value, int):
        return [value] * count
    assert isinstance(value, tuple | list)
    return [int(v) for v in value]


def _emit(
    ctx: Context,
    op: str,
    inputs: list[str | None],
    hint: str,
    attributes: Mapping[str, object] | None = None,
    *,
    parameters: Mapping[str, str] | None = None,
    outputs: int = 1,
) -> list[str]:
    return ctx.builder.node(op, inputs, hint=hint, attributes=attributes, parameters=parameters, outputs=outputs)


def _number(module: nn.Module, name: str) -> float:
    """A float hyperparameter of a torch.nn module (a known attribute of a known class)."""
    value = module.__dict__[name]
    assert isinstance(value, int | float)
    return float(value)


def _bind(ctx: Context, qualname: str, module: nn.Module, *slots: str) -> dict[str, str]:
    """Bindings for every slot whose tensor exists on the module (absent optional ones skipped)."""
    return {slot: ctx.param(qualname, slot) for slot in slots if getattr(module, slot, None) is not None}


def _input(ctx: Context, args: Args, kwargs: Kwargs, name: str = "input") -> str:
    return ctx.value(arg(args, kwargs, 0, name))


def _linear(ctx: Context, call: ModuleCall) -> object:
    m, q, hint, args, kwargs = call.module, call.qualname, call.hint, call.args, call.kwargs
    assert isinstance(m, nn.Linear)
    attributes = {"in_features": m.in_features, "out_features": m.out_features}
    bound = _bind(ctx, q, m, "weight", "bias")
    (y,) = _emit(ctx, "Linear", [_input(ctx, args, kwargs)], hint, attributes, parameters=bound)
    return Value(y)


def _conv(spatial: int) -> ModuleConverter:
    def convert(ctx: Context, call: ModuleCall) -> object:
        m, q, hint, args, kwargs = call.module, call.qualname, call.hint, call.args, call.kwargs
        assert isinstance(m, nn.Conv1d | nn.Conv2d)
        if m.padding_mode != "zeros":
            raise ctx.fail(f"padding_mode {m.padding_mode!r} is not supported (only 'zeros')")
        kernel, dilation = list(m.kernel_size), list(m.dilation)
        if m.padding == "valid":
            padding = [0] * spatial
        elif m.padding == "same":
            totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
            if any(total % 2 for total in totals):
                raise ctx.fail("padding='same' with an even effective kernel pads asymmetrically; not supported")
            padding = [total // 2 for total in totals]
        else:
            padding = _pair(m.padding, spatial)
        attributes = {
            "in_channels": m.in_channels,
            "out_channels": m.out_channels,
            "kernel_size": kernel,
            "stride": list(m.stride),
            "padding": padding,
            "dilation": dilation,
            "groups": m.groups,
        }
        op = f"Conv{spatial}d"
        bound = _bind(ctx, q, m, "weight", "bias")
        (y,) = _emit(ctx, op, [_input(ctx, args, kwargs)], hint, attributes, parameters=bound)
        return Value(y)

    return convert


def _max_pool(ctx: Context, call: ModuleCall) -> object:
    m, hint, args, kwargs = call.module, call.hint, call.args, call.kwargs
    assert isinstance(m, nn.MaxPool2d)
    if m.return_indices:
        raise ctx.fail("MaxPool2d(return_indices=True) is not supported")
    kernel = _pair(m.kernel_size, 2)
    attributes = {
        "kernel_size": kernel,
        "stride": _pair(m.stride if m.stride is not None else kernel, 2),
        "padding": _pair(m.padding, 2),
        "dilation": _pair(m.dilation, 2),
        "ceil_mode": bool(m.ceil_mode),
    }
    (y,) = _emit(ctx, "MaxPool2d", [_input(ctx, args, kwargs)], hint, attributes)
    return Value(y)


def _avg_pool(ctx: Context, call: ModuleCall) -> object:
    m, hint, args, kwargs = call.module, call.hint, call.args, call.kwargs
    assert isinstance(m, nn.AvgPool2d)
    if m.divisor_override is not None:
        raise ctx.fail("AvgPool2d(divisor_override=...) is not supported")
    kernel = _pair(m.kernel_size, 2)
    attributes = {
        "kernel_size": kernel,
        "stride": _pair(m.stride if m.stride is not None else kernel, 2),
        "padding": _pair(m.padding, 2),
        "ceil_mode": bool(m.ceil_mode),
        "count_include_pad": bool(m.count_include_pad),
    }
    (y,) = _emit(ctx, "AvgPool2d", [_input(ctx, args, kwargs)], hint, attributes)
    return Value(y)


def _adaptive_avg_pool(ctx: Context, call: ModuleCall) -> object:
    m, hint, args, kwargs = call.module, call.hint, call.args, call.kwargs
    assert isinstance(m, nn.AdaptiveAvgPool2d)
    if _pair(m.output_size, 2) != [1, 1]:
        raise ctx.fail("AdaptiveAvgPool2d is supported with output_size 1 (global average pooling) only")
    (y,) = _emit(ctx, "GlobalAveragePool", [_input(ctx, args, kwargs)], hint)
    return Value(y)


def _batch_norm(op: str) -> ModuleConverter:
    def convert(ctx: Context, call: ModuleCall) -> object:
        m, q, hint, args, kwargs = call.module, call.qualname, call.hint, call.args, call.kwargs
        assert isinstance(m, nn.modules.batchnorm._BatchNorm)
        if m.running_mean is None:
            raise ctx.fail(f"{type(m).__name__}(track_running_stats=False) has no statistics to export")
        attributes = {"num_features": m.num_features, "eps": float(m.eps)}
        parameters = _bind(ctx, q, m, "weight", "bias", "running_mean", "running_var")
        (y,) = _emit(ctx, op, [_input(ctx, args, kwargs)], hint, attributes, parameters=parameters)
        return Value(y)

    return convert


def _layer_norm(ctx: Context, call: ModuleCall) -> object:
    m, q, hint, args, kwargs = call.module, call.qualname, call.hint, call.args, call.kwargs
    assert isinstance(m, nn.LayerNorm)
    attributes = {"normalized_shape": list(m.normalized_shape), "eps": float(m.eps)}
    bound = _bind(ctx, q, m, "weight", "bias")
    (y,) = _emit(ctx, "LayerNorm", [_input(ctx, args, kwargs)], hint, attributes, parameters=bound)
    return Value(y)


def _embedding(ctx: Context, call: ModuleCall) -> object:
    m, q, hint, args, kwargs = call.module, call.qualname, call.hint, call.args, call.kwargs
    assert isinstance(m, nn.Embedding)
    if m.max_norm is not None:
        raise ctx.fail("Embedding(max_norm=...) rewrites its weights during forward; not supported")
    attributes: dict[str, object] = {"num_embeddings": m.num_embeddings, "embedding_dim": m.embedding_dim}
    if m.padding_idx is not None:
        attributes["padding_idx"] = m.padding_idx
    (y,) = _emit(ctx, "Embedding", [_input(ctx, args, kwargs)], hint, attributes, parameters=_bind(ctx, q, m, "weight"))
    return Value(y)


def _recurrent(op: str) -> ModuleConverter:
    def convert(ctx: Context, call: ModuleCall) -> object:
        m, q, hint, args, kwargs = call.module, call.qualname, call.hint, call.args, call.kwargs
        assert isinstance(m, nn.RNNBase)
        if getattr(m, "proj_size", 0):
            raise ctx.fail("LSTM(proj_size>0) is not supported")
        x = _input(ctx, args, kwargs)
        hx = arg(args, kwargs, 1, "hx", None)
        states: list[str | None] = []
        if op == "LSTM" and hx is not None:
            assert isinstance(hx, tuple)
            states = [ctx.value(hx[0]), ctx.value(hx[1])]
        elif hx is not None:
            states = [ctx.value(hx)]
        attributes: dict[str, object] = {
            "input_size": m.input_size,
            "hidden_size": m.hidden_size,
            "num_layers": m.num_layers,
            "bidirectional": m.bidirectional,
            "batch_first": m.batch_first,
            "dropout": float(m.dropout),
        }
        if op == "RNN":
            attributes["nonlinearity"] = m.nonlinearity
        slots = [name for name in m._flat_weights_names if getattr(m, name, None) is not None]
        parameters = {slot: ctx.param(q, slot) for slot in slots}
        count = 3 if op == "LSTM" else 2
        outputs = _emit(ctx, op, [x, *states], hint, attributes, parameters=parameters, outputs=count)
        if op == "LSTM":
            return (Value(outputs[0]), (Value(outputs[1]), Value(outputs[2])))
        return (Value(outputs[0]), Value(outputs[1]))

    return convert


def _activation(op: str, **attributes_of: Callable[[nn.Module], object]) -> ModuleConverter:
    def convert(ctx: Context, call: ModuleCall) -> object:
        m, hint, args, kwargs = call.module, call.hint, call.args, call.kwargs
        attributes = {name: get(m) for name, get in attributes_of.items()}
        (y,) = _emit(ctx, op, [_input(ctx, args, kwargs)], hint, attributes or None)
        return Value(y)

    return convert


def _softmax(op: str) -> ModuleConverter:
    def convert(ctx: Context, call: ModuleCall) -> object:
        m, hint, args, kwargs = call.module, call.hint, call.args, call.kwargs
        dim = getattr(m, "dim", None)
        if dim is None:
            raise ctx.fail(f"{op} needs an explicit dim")
        (y,) = _emit(ctx, op, [_input(ctx, args, kwargs)], hint, {"axis": int(dim)})
        return Value(y)

    return convert


def _flatten(ctx: Context, call: ModuleCall) -> object:
    m, hint, args, kwargs = call.module, call.hint, call.args, call.kwargs
    assert isinstance(m, nn.Flatten)
    attributes = {"start_dim": m.start_dim, "end_dim": m.end_dim}
    (y,) = _emit(ctx, "Flatten", [_input(ctx, args, kwargs)], hint, attributes)
    return Value(y)


def _identity(ctx: Context, call: ModuleCall) -> object:
    args, kwargs = call.args, call.kwargs
    return Value(_input(ctx, args, kwargs))


# ---- attention and transformer encoders --------------------------------------------------------------


def attention(
    ctx: Context,
    m: nn.MultiheadAttention,
    *,
    q: str,
    hint: str,
    query: str,
    key: str,
    value: str,
    key_padding_mask: str | None,
    attn_mask: str | None,
) -> str:
    if not m._qkv_same_embed_dim or m.bias_k is not None or m.add_zero_attn:
        raise ctx.fail("MultiheadAttention with kdim/vdim, add_bias_kv or add_zero_attn is not supported")
    parameters = {"in_proj_weight": ctx.param(q, "in_proj_weight"), "out_proj_weight": ctx.param(q, "out_proj.weight")}
    if m.in_proj_bias is not None:
        parameters["in_proj_bias"] = ctx.param(q, "in_proj_bias")
        parameters["out_proj_bias"] = ctx.param(q, "out_proj.bias")
    attributes = {
        "embed_dim": m.embed_dim,
        "num_heads": m.num_heads,
        "batch_first": m.batch_first,
        "dropout": float(m.dropout),
    }
    inputs: list[str | None] = [query, key, value, key_padding_mask, attn_mask]
    while inputs[-1] is None:
        inputs.pop()
    (y,) = _emit(ctx, "MultiHeadAttention", inputs, hint, attributes, parameters=parameters)
    return y


def _optional_value(ctx: Context, value: object) -> str | None:
    return None if value is None else ctx.value(value)


def _multihead_attention(ctx: Context, call: ModuleCall) -> object:
    m, q, hint, args, kwargs = call.module, call.qualname, call.hint, call.args, call.kwargs
    assert isinstance(m, nn.MultiheadAttention)
    query, key, value = (ctx.value(arg(args, kwargs, i, n)) for i, n in enumerate(("query", "key", "value")))
    if arg(args, kwargs, 7, "is_causal", False):
        raise ctx.fail("MultiheadAttention(is_causal=True) without an explicit mask is not supported")
    y = attention(
        ctx,
        m,
        q=q,
        hint=hint,
        query=query,
        key=key,
        value=value,
        key_padding_mask=_optional_value(ctx, arg(args, kwargs, 3, "key_padding_mask", None)),
        attn_mask=_optional_value(ctx, arg(args, kwargs, 5, "attn_mask", None)),
    )
    return (Value(y), Unusable("attention weights (need_weights) are not part of modelfmt.core"))


def _activation_op(ctx: Context, activation: object) -> tuple[str, dict[str, object]]:
    if activation is F.relu or isinstance(activation, nn.ReLU):
        return "ReLU", {}
    if activation is F.gelu:
        return "GELU", {"approximate": "none"}
    if isinstance(activation, nn.GELU):
        return "GELU", {"approximate": activation.approximate}
    raise ctx.fail(f"transformer activation {activation!r} is not supported (relu or gelu)")


def encoder_layer(
    ctx: Context, m: nn.TransformerEncoderLayer, *, q: str, hint: str, x: str, mask: str | None, padding: str | None
) -> str:
    """A TransformerEncoderLayer spelled out in core ops (the slow path of PyTorch's forward)."""
    op, act_attributes = _activation_op(ctx, m.activation)

    def sub(name: str) -> str:
        return f"{q}.{name}" if q else name

    def linear(name: str, value: str) -> str:
        module = getattr(m, name)
        attributes = {"in_features": module.in_features, "out_features": module.out_features}
        parameters = _bind(ctx, sub(name), module, "weight", "bias")
        (y,) = _emit(ctx, "Linear", [value], f"{hint}.{name}", attributes, parameters=parameters)
        return y

    def norm(name: str, value: str) -> str:
        module = getattr(m, name)
        attributes = {"normalized_shape": list(module.normalized_shape), "eps": float(module.eps)}
        parameters = _bind(ctx, sub(name), module, "weight", "bias")
        (y,) = _emit(ctx, "LayerNorm", [value], f"{hint}.{name}", attributes, parameters=parameters)
        return y

    def add(a: str, b: str, name: str) -> str:
        (y,) = _emit(ctx, "Add", [a, b], f"{hint}.{name}")
        return y

    def self_attention(value: str) -> str:
        y = attention(
            ctx,
            m.self_attn,
            q=sub("self_attn"),
            hint=f"{hint}.self_attn",
            query=value,
            key=value,
            value=value,
            key_padding_mask=padding,
            attn_mask=mask,
        )
        (y,) = _emit(ctx, "Dropout", [y], f"{hint}.dropout1", {"p": float(m.dropout1.p)})
        return y

    def feed_forward(value: str) -> str:
        h = linear("linear1", value)
        (h,) = _emit(ctx, op, [h], f"{hint}.activation", act_attributes or None)
        (h,) = _emit(ctx, "Dropout", [h], f"{hint}.dropout", {"p": float(m.dropout.p)})
        h = linear("linear2", h)
        (h,) = _emit(ctx, "Dropout", [h], f"{hint}.dropout2", {"p": float(m.dropout2.p)})
        return h

    if m.norm_first:
        x = add(x, self_attention(norm("norm1", x)), "residual1")
        return add(x, feed_forward(norm("norm2", x)), "residual2")
    x = norm("norm1", add(x, self_attention(x), "residual1"))
    return norm("norm2", add(x, feed_forward(x), "residual2"))


def _transformer_encoder_layer(ctx: Context, call: ModuleCall) -> object:
    m, q, hint, args, kwargs = call.module, call.qualname, call.hint, call.args, call.kwargs
    assert isinstance(m, nn.TransformerEncoderLayer)
    x = ctx.value(arg(args, kwargs, 0, "src"))
    mask = _optional_value(ctx, arg(args, kwargs, 1, "src_mask", None))
    padding = _optional_value(ctx, arg(args, kwargs, 2, "src_key_padding_mask", None))
    return Value(encoder_layer(ctx, m, q=q, hint=hint, x=x, mask=mask, padding=padding))


def _transformer_encoder(ctx: Context, call: ModuleCall) -> object:
    m, q, hint, args, kwargs = call.module, call.qualname, call.hint, call.args, call.kwargs
    assert isinstance(m, nn.TransformerEncoder)
    x = ctx.value(arg(args, kwargs, 0, "src"))
    mask = _optional_value(ctx, arg(args, kwargs, 1, "mask", None))
    padding = _optional_value(ctx, arg(args, kwargs, 2, "src_key_padding_mask", None))
    for index, layer in enumerate(m.layers):
        assert isinstance(layer, nn.TransformerEncoderLayer)
        name = f"{q}.layers.{index}" if q else f"layers.{index}"
        x = encoder_layer(ctx, layer, q=name, hint=f"{hint}.layers.{index}", x=x, mask=mask, padding=padding)
    if m.norm is not None:
        module = m.norm
        assert isinstance(module, nn.LayerNorm)
        name = f"{q}.norm" if q else "norm"
        attributes = {"normalized_shape": list(module.normalized_shape), "eps": float(module.eps)}
        bound = _bind(ctx, name, module, "weight", "bias")
        (x,) = _emit(ctx, "LayerNorm", [x], f"{hint}.norm", attributes, parameters=bound)
    return Value(x)


MODULES: Final[Mapping[type[nn.Module], ModuleConverter]] = {
    nn.Linear: _linear,
    nn.Conv1d: _conv(1),
    nn.Conv2d: _conv(2),
    nn.MaxPool2d: _max_pool,
    nn.AvgPool2d: _avg_pool,
    nn.AdaptiveAvgPool2d: _adaptive_avg_pool,
    nn.BatchNorm1d: _batch_norm("BatchNorm1d"),
    nn.BatchNorm2d: _batch_norm("BatchNorm2d"),
    nn.LayerNorm: _layer_norm,
    nn.Embedding: _embedding,
    nn.RNN: _recurrent("RNN"),
    nn.LSTM: _recurrent("LSTM"),
    nn.GRU: _recurrent("GRU"),
    nn.Flatten: _flatten,
    nn.Dropout: _activation("Dropout", p=lambda m: _number(m, "p")),
    nn.Identity: _identity,
    nn.ReLU: _activation("ReLU"),
    nn.LeakyReLU: _activation("LeakyReLU", negative_slope=lambda m: _number(m, "negative_slope")),
    nn.SiLU: _activation("SiLU"),
    nn.Tanh: _activation("Tanh"),
    nn.Sigmoid: _activation("Sigmoid"),
    nn.GELU: _activation("GELU", approximate=lambda m: m.approximate),
    nn.Softmax: _softmax("Softmax"),
    nn.LogSoftmax: _softmax("LogSoftmax"),
    nn.MultiheadAttention: _multihead_attention,
    nn.TransformerEncoderLayer: _transformer_encoder_layer,
    nn.TransformerEncoder: _transformer_encoder,
}
