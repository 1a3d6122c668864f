"""Keras 3 layers as modelfmt.core nodes: a closed table from layer class name to converter.

Values stay in Keras's layout (batch first, channels last); ops that work channels first (Conv2d,
BatchNorm) are wrapped in Transposes. Weights are converted to the op set's PyTorch layouts on the way
in (SPEC.md §10.7-10.10):

- Dense kernel `[in, out]` -> Linear weight `[out, in]` (transpose).
- Conv2D kernel HWIO `[kh, kw, in/groups, out]` -> OIHW (permute 3, 2, 0, 1).
- LSTM kernel `[in, 4u]`, recurrent kernel `[u, 4u]`: transposed. Keras's gate order i, f, c, o is
  PyTorch's i, f, g, o (c is the cell candidate g), so no block moves; Keras's single bias becomes
  `bias_ih` and `bias_hh` is zero.
- GRU (only `reset_after=True`, PyTorch's formula): kernels transposed and gate blocks reordered from
  Keras's z, r, h to r, z, n; bias row 0 (input) -> `bias_ih`, row 1 (recurrent) -> `bias_hh`.
- BatchNormalization gamma, beta, moving mean and variance -> weight, bias, running_mean, running_var
  (the statistics with role `buffer`); LayerNormalization gamma, beta -> LayerNorm weight, bias.
- Embedding `[input_dim, output_dim]` unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from ._graph import Attribute
from ._keras_context import Dim, Layer, LayerConverter, Value


def dense(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    layer.absent("lora_rank", "quantization_config")
    units = layer.integer("units")
    use_bias = layer.flag("use_bias", True)
    variables = layer.variables(2 if use_bias else 1)
    kernel = variables[0]
    if len(kernel.shape) != 2 or kernel.shape[1] != units:
        raise layer.fail(f"kernel shape {list(kernel.shape)} does not fit units {units}")
    features = kernel.shape[0]
    ctx, name = layer.ctx, layer.name
    parameters = {"weight": ctx.transformed(kernel, f"{name}.weight", (units, features), np.transpose)}
    if use_bias:
        parameters["bias"] = ctx.variable(variables[1], f"{name}.bias")
    attributes: dict[str, Attribute] = {"in_features": features, "out_features": units}
    y = layer.g.node("Linear", [x.name], name, attributes=attributes, parameters=parameters)
    return layer.activation(
        Value(y, kernel.dtype, (*x.shape[:-1], units)), layer.config.get("activation"), f"{name}.activation"
    )


def _same_padding(layer: Layer, size: Dim, kernel: int, *, stride: int, dilation: int, axis: int) -> int:
    """Symmetric padding equal to Keras's "same" (which puts an odd extra element at the end)."""
    effective = (kernel - 1) * dilation + 1
    if stride == 1:
        total = effective - 1
    elif isinstance(size, int):
        total = max((math.ceil(size / stride) - 1) * stride + effective - size, 0)
    else:
        raise layer.fail(f"padding 'same' with stride {stride} needs a known input size on spatial axis {axis}")
    if total % 2:
        raise layer.fail(
            f"padding 'same' pads spatial axis {axis} by {total} (one more at the end), which modelfmt.core v1 "
            "cannot express: it has only symmetric padding"
        )
    return total // 2


def conv2d(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    layer.absent("lora_rank", "quantization_config")
    if layer.config.get("data_format", "channels_last") != "channels_last":
        raise layer.fail("only data_format 'channels_last' is supported")
    if len(x.shape) != 4:
        raise layer.fail(f"expected a rank-4 input, got shape {list(x.shape)}")
    filters = layer.integer("filters")
    kernel_size = layer.integers("kernel_size", 2)
    strides = layer.integers("strides", 2)
    dilation = layer.integers("dilation_rate", 2)
    groups = layer.integer("groups", 1)
    use_bias = layer.flag("use_bias", True)
    variables = layer.variables(2 if use_bias else 1)
    kernel = variables[0]
    if len(kernel.shape) != 4 or list(kernel.shape[:2]) != kernel_size or kernel.shape[3] != filters:
        raise layer.fail(f"kernel shape {list(kernel.shape)} does not fit the config")
    padding_mode = layer.config.get("padding")
    if padding_mode == "valid":
        padding = [0, 0]
    elif padding_mode == "same":
        padding = [
            _same_padding(
                layer, x.shape[1 + axis], kernel_size[axis], stride=strides[axis], dilation=dilation[axis], axis=axis
            )
            for axis in range(2)
        ]
    else:
        raise layer.fail(f"padding {padding_mode!r} is not supported")
    ctx, name = layer.ctx, layer.name
    weight_shape = (filters, kernel.shape[2], *kernel_size)
    parameters = {"weight": ctx.transformed(kernel, f"{name}.weight", weight_shape, lambda k: k.transpose(3, 2, 0, 1))}
    if use_bias:
        parameters["bias"] = ctx.variable(variables[1], f"{name}.bias")
    g = layer.g
    nchw = g.node("Transpose", [x.name], f"{name}.to_channels_first", attributes={"perm": [0, 3, 1, 2]})
    attributes: dict[str, Attribute] = {
        "in_channels": kernel.shape[2] * groups,
        "out_channels": filters,
        "kernel_size": kernel_size,
        "stride": strides,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
    }
    y = g.node("Conv2d", [nchw], name, attributes=attributes, parameters=parameters)
    nhwc = g.node("Transpose", [y], f"{name}.to_channels_last", attributes={"perm": [0, 2, 3, 1]})
    spatial = [
        (size + 2 * pad - d * (k - 1) - 1) // s + 1 if isinstance(size, int) else None
        for size, pad, d, k, s in zip(x.shape[1:3], padding, dilation, kernel_size, strides, strict=True)
    ]
    out = Value(nhwc, kernel.dtype, (x.shape[0], *spatial, filters))
    return layer.activation(out, layer.config.get("activation"), f"{name}.activation")


# Transposes that bring the last (channel) axis to axis 1 and back, by input rank.
_TO_FIRST: Final[Mapping[int, list[int]]] = {3: [0, 2, 1], 4: [0, 3, 1, 2]}
_TO_LAST: Final[Mapping[int, list[int]]] = {3: [0, 2, 1], 4: [0, 2, 3, 1]}


def batch_normalization(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    rank = len(x.shape)
    axis = layer.config.get("axis", -1)
    if isinstance(axis, list) and len(axis) == 1:
        axis = axis[0]
    if type(axis) is not int or axis not in (-1, rank - 1) or rank not in (2, 3, 4):
        raise layer.fail(f"only the last axis of a rank 2-4 input is supported (axis {axis!r}, rank {rank})")
    layer.absent("renorm", "synchronized")
    scale, center = layer.flag("scale", True), layer.flag("center", True)
    variables = layer.variables(2 + scale + center)
    channels = variables[-1].shape
    if len(channels) != 1:
        raise layer.fail(f"moving variance has shape {list(channels)}; expected one axis")
    ctx, name, dtype = layer.ctx, layer.name, variables[-1].dtype
    rest = list(variables)
    gamma = ctx.variable(rest.pop(0), f"{name}.weight") if scale else None
    beta = ctx.variable(rest.pop(0), f"{name}.bias") if center else None
    # BatchNorm binds weight and bias together: a layer with only one gets the other's neutral value.
    if gamma is None and beta is not None:
        gamma = ctx.filled(f"{name}.weight", dtype, channels, 1.0)
    if beta is None and gamma is not None:
        beta = ctx.filled(f"{name}.bias", dtype, channels, 0.0)
    parameters = {
        "running_mean": ctx.variable(rest[0], f"{name}.running_mean", role="buffer"),
        "running_var": ctx.variable(rest[1], f"{name}.running_var", role="buffer"),
    }
    if gamma is not None and beta is not None:
        parameters["weight"], parameters["bias"] = gamma, beta
    attributes: dict[str, Attribute] = {"num_features": channels[0], "eps": layer.number("epsilon", 1e-3, minimum=0)}
    g, value = layer.g, x.name
    if rank in _TO_FIRST:
        value = g.node("Transpose", [value], f"{name}.to_channels_first", attributes={"perm": _TO_FIRST[rank]})
    value = g.node(
        "BatchNorm2d" if rank == 4 else "BatchNorm1d", [value], name, attributes=attributes, parameters=parameters
    )
    if rank in _TO_LAST:
        value = g.node("Transpose", [value], f"{name}.to_channels_last", attributes={"perm": _TO_LAST[rank]})
    return Value(value, x.dtype, x.shape)


def layer_normalization(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    axis = layer.config.get("axis", -1)
    if isinstance(axis, list) and len(axis) == 1:
        axis = axis[0]
    if type(axis) is not int or axis not in (-1, len(x.shape) - 1) or not isinstance(x.shape[-1], int):
        raise layer.fail(f"only normalization over the last axis is supported (axis {axis!r})")
    layer.absent("rms_scaling")
    scale, center = layer.flag("scale", True), layer.flag("center", True)
    variables = layer.variables(scale + center)
    rest = list(variables)
    parameters = {}
    if scale:
        parameters["weight"] = layer.ctx.variable(rest.pop(0), f"{layer.name}.weight")
    if center:
        parameters["bias"] = layer.ctx.variable(rest.pop(0), f"{layer.name}.bias")
    attributes: dict[str, Attribute] = {
        "normalized_shape": [x.shape[-1]],
        "eps": layer.number("epsilon", 1e-3, minimum=0),
    }
    y = layer.g.node("LayerNorm", [x.name], layer.name, attributes=attributes, parameters=parameters)
    return Value(y, x.dtype, x.shape)


def embedding(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    layer.absent("mask_zero", "lora_rank", "quantization_config")
    (table,) = layer.variables(1)
    if len(table.shape) != 2:
        raise layer.fail(f"embeddings have shape {list(table.shape)}; expected two axes")
    indices = x.name
    if x.dtype not in ("int32", "int64"):
        # Keras casts indices to int32, truncating floats toward zero; Cast does the same.
        indices = layer.g.node("Cast", [indices], f"{layer.name}.indices", attributes={"to": "int64"})
    attributes: dict[str, Attribute] = {"num_embeddings": table.shape[0], "embedding_dim": table.shape[1]}
    weight = layer.ctx.variable(table, f"{layer.name}.weight")
    y = layer.g.node("Embedding", [indices], layer.name, attributes=attributes, parameters={"weight": weight})
    return Value(y, table.dtype, (*x.shape, table.shape[1]))


# ---- recurrent layers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Recurrent:
    op: str  # LSTM or GRU
    units: int
    return_sequences: bool
    use_bias: bool


def _recurrent_config(layer: Layer, *, backward: bool) -> _Recurrent:
    config = layer.config
    if config.get("activation", "tanh") != "tanh" or config.get("recurrent_activation", "sigmoid") != "sigmoid":
        raise layer.fail("only activation 'tanh' with recurrent_activation 'sigmoid' is supported (PyTorch's cell)")
    layer.absent("return_state", "stateful")
    if layer.flag("go_backwards", False) != backward:
        raise layer.fail("go_backwards is supported only as the backward half of Bidirectional")
    if layer.kind == "GRU" and not layer.flag("reset_after", True):
        raise layer.fail(
            "reset_after=False (reset gate before the recurrent product) has no op; only True is supported"
        )
    return _Recurrent(
        layer.kind, layer.integer("units"), layer.flag("return_sequences", False), layer.flag("use_bias", True)
    )


def _gate_rows(op: str, units: int) -> np.ndarray:
    """Rows taking Keras's gate blocks to the op's order: LSTM i,f,c,o is i,f,g,o already; GRU z,r,h -> r,z,n."""
    blocks = [0, 1, 2, 3] if op == "LSTM" else [1, 0, 2]
    return np.concatenate([np.arange(block * units, (block + 1) * units) for block in blocks])


def _bias_row(row: int, rows: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    return lambda bias: bias[row][rows]


def _recurrent_weights(
    layer: Layer, spec: _Recurrent, *, features: int, suffix: str, path: tuple[str, ...]
) -> tuple[dict[str, str], str]:
    """The op's parameter bindings for one direction, and the weights' dtype."""
    gates, u = (4 if spec.op == "LSTM" else 3), spec.units
    variables = layer.variables(3 if spec.use_bias else 2, *path)
    kernel, recurrent = variables[0], variables[1]
    if kernel.shape != (features, gates * u) or recurrent.shape != (u, gates * u):
        raise layer.fail(f"kernel shapes {list(kernel.shape)}, {list(recurrent.shape)} do not fit the config")
    rows = _gate_rows(spec.op, u)
    ctx, name = layer.ctx, layer.name
    parameters = {
        f"weight_ih{suffix}": ctx.transformed(
            kernel, f"{name}.weight_ih{suffix}", (gates * u, features), lambda k: k.T[rows]
        ),
        f"weight_hh{suffix}": ctx.transformed(
            recurrent, f"{name}.weight_hh{suffix}", (gates * u, u), lambda k: k.T[rows]
        ),
    }
    if spec.use_bias:
        bias = variables[2]
        if spec.op == "LSTM":
            if bias.shape != (gates * u,):
                raise layer.fail(f"bias shape {list(bias.shape)} does not fit the config")
            parameters[f"bias_ih{suffix}"] = ctx.variable(bias, f"{name}.bias_ih{suffix}")
            parameters[f"bias_hh{suffix}"] = ctx.filled(f"{name}.bias_hh{suffix}", bias.dtype, (gates * u,), 0.0)
        else:
            if bias.shape != (2, gates * u):
                raise layer.fail(f"bias shape {list(bias.shape)} does not fit reset_after=True")
            for row, slot in enumerate(("ih", "hh")):
                parameters[f"bias_{slot}{suffix}"] = ctx.transformed(
                    bias, f"{name}.bias_{slot}{suffix}", (gates * u,), _bias_row(row, rows)
                )
    return parameters, kernel.dtype


def _run(
    layer: Layer, spec: _Recurrent, x: Value, parameters: dict[str, str], *, bidirectional: bool
) -> tuple[str, str]:
    """The recurrent node (batch first, as Keras); returns (per-step outputs, final hidden states)."""
    features = x.shape[-1]
    assert isinstance(features, int)
    attributes: dict[str, Attribute] = {
        "input_size": features,
        "hidden_size": spec.units,
        "batch_first": True,
        "bidirectional": bidirectional,
    }
    y, h_n = layer.g.node_outputs(
        spec.op, [x.name], layer.name, attributes=attributes, parameters=parameters, outputs=[True, True]
    )
    assert y is not None and h_n is not None
    return y, h_n


def _sequence_input(layer: Layer, inputs: Sequence[Value]) -> tuple[Value, int]:
    x = layer.one_input(inputs)
    if len(x.shape) != 3 or not isinstance(x.shape[-1], int):
        raise layer.fail(f"expected input [batch, steps, features], got {list(x.shape)}")
    return x, x.shape[-1]


def recurrent(layer: Layer, inputs: Sequence[Value]) -> Value:
    x, features = _sequence_input(layer, inputs)
    spec = _recurrent_config(layer, backward=False)
    parameters, dtype = _recurrent_weights(layer, spec, features=features, suffix="_l0", path=("cell",))
    y, _ = _run(layer, spec, x, parameters, bidirectional=False)
    if spec.return_sequences:
        return Value(y, dtype, (*x.shape[:2], spec.units))
    last = layer.g.node("Scalar", [], f"{layer.name}.last_step", attributes={"value": -1, "dtype": "int64"})
    return Value(
        layer.g.node("Gather", [y, last], f"{layer.name}.last", attributes={"axis": 1}), dtype, (x.shape[0], spec.units)
    )


_MERGE_MODES: Final = ("concat", "sum", "mul", "ave")


def bidirectional(layer: Layer, inputs: Sequence[Value]) -> Value:
    x, features = _sequence_input(layer, inputs)
    merge = layer.config.get("merge_mode", "concat")
    if merge not in _MERGE_MODES:
        raise layer.fail(f"merge_mode {merge!r} is not supported; supported: {', '.join(_MERGE_MODES)}")
    specs = []
    for key, backward in (("layer", False), ("backward_layer", True)):
        inner = layer.config.get(key)
        inner_kind = inner.get("class_name") if isinstance(inner, Mapping) else None
        inner_config = inner.get("config") if isinstance(inner, Mapping) else None
        if inner_kind not in ("LSTM", "GRU") or not isinstance(inner_config, Mapping):
            raise layer.fail(f"`{key}` is {inner_kind!r}; only LSTM and GRU are supported")
        specs.append(_recurrent_config(Layer(layer.ctx, layer.name, str(inner_kind), inner_config), backward=backward))
    spec, backward_spec = specs
    if spec != backward_spec:
        raise layer.fail("the forward and backward layers differ; only mirrored layers are supported")
    parameters, dtype = _recurrent_weights(layer, spec, features=features, suffix="_l0", path=("forward_layer", "cell"))
    reverse, _ = _recurrent_weights(
        layer, spec, features=features, suffix="_l0_reverse", path=("backward_layer", "cell")
    )
    y, h_n = _run(layer, spec, x, {**parameters, **reverse}, bidirectional=True)
    g, name, u = layer.g, layer.name, spec.units
    width = 2 * u if merge == "concat" else u
    if spec.return_sequences:
        # Forward features first, the backward outputs aligned to time steps: Keras's concat order.
        shape: tuple[Dim, ...] = (*x.shape[:2], width)
        if merge == "concat":
            return Value(y, dtype, shape)
        parts = g.node_outputs("Split", [y], f"{name}.directions", attributes={"axis": -1, "split": [u, u]}, outputs=2)
    else:
        # Each direction's last output is its final state: forward after step S-1, backward after step 0.
        shape = (x.shape[0], width)
        by_batch = g.node("Transpose", [h_n], f"{name}.final_states", attributes={"perm": [1, 0, 2]})
        if merge == "concat":
            return Value(g.node("Reshape", [by_batch], f"{name}.concat", attributes={"shape": [0, -1]}), dtype, shape)
        split = g.node_outputs(
            "Split", [by_batch], f"{name}.directions", attributes={"axis": 1, "split": [1, 1]}, outputs=2
        )
        parts = [
            g.node("Squeeze", [part], f"{name}.direction{i}", attributes={"axes": [1]})
            for i, part in enumerate(split)
            if part
        ]
    first, second = parts
    assert first is not None and second is not None
    if merge == "mul":
        return Value(g.node("Mul", [first, second], f"{name}.merge"), dtype, shape)
    total = g.node("Add", [first, second], f"{name}.merge")
    if merge == "ave":
        half = g.node("Scalar", [], f"{name}.half", attributes={"value": 0.5, "dtype": dtype})
        total = g.node("Mul", [total, half], f"{name}.average")
    return Value(total, dtype, shape)


# ---- layers without weights ------------------------------------------------------------------------------


def activation_layer(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    out = layer.activation(x, layer.config.get("activation"), layer.name)
    return out if out is not x else Value(layer.g.node("Identity", [x.name], layer.name), x.dtype, x.shape)


def relu_layer(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    layer.absent("max_value", "threshold")
    slope = layer.number("negative_slope", 0.0)
    if slope:
        attributes: dict[str, Attribute] = {"negative_slope": slope}
        return Value(layer.g.node("LeakyReLU", [x.name], layer.name, attributes=attributes), x.dtype, x.shape)
    return Value(layer.g.node("ReLU", [x.name], layer.name), x.dtype, x.shape)


def leaky_relu_layer(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    slope = layer.number("negative_slope", 0.3)  # the LeakyReLU layer's default (the function's is 0.2)
    return Value(
        layer.g.node("LeakyReLU", [x.name], layer.name, attributes={"negative_slope": slope}), x.dtype, x.shape
    )


def softmax_layer(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    axis = layer.config.get("axis", -1)
    if type(axis) is not int:
        raise layer.fail(f"`axis` must be one integer, got {axis!r}")
    return Value(layer.g.node("Softmax", [x.name], layer.name, attributes={"axis": axis}), x.dtype, x.shape)


def dropout(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    rate = layer.number("rate", 0.0, minimum=0.0, maximum=1.0)
    return Value(layer.g.node("Dropout", [x.name], layer.name, attributes={"p": rate}), x.dtype, x.shape)


def flatten(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    if layer.config.get("data_format", "channels_last") != "channels_last":
        raise layer.fail("only data_format 'channels_last' is supported")
    if len(x.shape) < 2:
        raise layer.fail(f"expected rank >= 2, got shape {list(x.shape)}")
    sizes = [dim for dim in x.shape[1:] if isinstance(dim, int)]
    size: Dim = math.prod(sizes) if len(sizes) == len(x.shape) - 1 else None
    return Value(
        layer.g.node("Flatten", [x.name], layer.name, attributes={"start_dim": 1}), x.dtype, (x.shape[0], size)
    )


def add(layer: Layer, inputs: Sequence[Value]) -> Value:
    if len(inputs) < 2:
        raise layer.fail(f"expected at least two inputs, got {len(inputs)}")
    value = inputs[0].name
    for index, other in enumerate(inputs[1:], start=1):
        value = layer.g.node(
            "Add", [value, other.name], layer.name if index == len(inputs) - 1 else f"{layer.name}.{index}"
        )
    return Value(value, inputs[0].dtype, inputs[0].shape)


def concatenate(layer: Layer, inputs: Sequence[Value]) -> Value:
    axis = layer.config.get("axis", -1)
    rank = len(inputs[0].shape) if inputs else 0
    if type(axis) is not int or not -rank <= axis < rank:
        raise layer.fail(f"`axis` must be one axis of the inputs, got {axis!r}")
    sizes = [value.shape[axis] for value in inputs]
    known = [size for size in sizes if isinstance(size, int)]
    total: Dim = sum(known) if len(known) == len(sizes) else None
    shape = tuple(total if index == axis % rank else dim for index, dim in enumerate(inputs[0].shape))
    y = layer.g.node("Concat", [value.name for value in inputs], layer.name, attributes={"axis": axis})
    return Value(y, inputs[0].dtype, shape)


LAYERS: Final[Mapping[str, LayerConverter]] = {
    "Dense": dense,
    "Conv2D": conv2d,
    "BatchNormalization": batch_normalization,
    "LayerNormalization": layer_normalization,
    "Embedding": embedding,
    "LSTM": recurrent,
    "GRU": recurrent,
    "Bidirectional": bidirectional,
    "Activation": activation_layer,
    "ReLU": relu_layer,
    "LeakyReLU": leaky_relu_layer,
    "Softmax": softmax_layer,
    "Dropout": dropout,
    "Flatten": flatten,
    "Add": add,
    "Concatenate": concatenate,
}
