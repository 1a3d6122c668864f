"""Keras 3 layers as modelfmt.core nodes: a closed table from layer class name to converter (`LAYERS`).

Values stay in Keras's layout (batch first, channels last); ops that work channels first (Conv, Pool,
BatchNorm) are wrapped in Transposes. The layers with weights of their own are here (Dense, the
normalizations, Embedding, Rescaling); the families have a module each: convolution and pooling
(`_keras_conv.py`), recurrent layers (`_keras_recurrent.py`, `_keras_gru_unrolled.py`), attention
(`_keras_attention.py`), merges (`_keras_merge.py`), shape layers (`_keras_shape.py`); the classes
refused with a reason are in `_keras_refused.py`. Weights go to the op set's PyTorch layouts on the
way in (SPEC.md §10.7-10.10):

- Dense kernel `[in, out]` -> Linear weight `[out, in]` (transpose).
- BatchNormalization gamma, beta, moving mean and variance -> weight, bias, running_mean, running_var
  (the statistics with role `buffer`); LayerNormalization gamma, beta -> LayerNorm weight, bias.
- Embedding `[input_dim, output_dim]` unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Final

import numpy as np

from ..format._dtypes import DTYPES
from ._graph import Attribute
from ._keras_attention import DOT_KEYWORDS, dot_attention, multi_head_attention
from ._keras_attention import KEYWORDS as ATTENTION_KEYWORDS
from ._keras_context import Dim, Layer, LayerConverter, Value
from ._keras_conv import convolution, global_pooling, pooling
from ._keras_merge import add, average, concatenate, dot, maximum, minimum, multiply, subtract
from ._keras_recurrent import bidirectional, recurrent
from ._keras_refused import refusal
from ._keras_shape import cropping, identity, permute, repeat_vector, reshape, up_sampling, zero_padding


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
    masks = layer.flag("mask_zero", False)  # applied by no op: the walk refuses a layer that would read it
    layer.absent("lora_rank", "quantization_config")
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
    return Value(y, table.dtype, (*x.shape, table.shape[1]), masked=masks)


# ---- layers without weights ------------------------------------------------------------------------------


def activation_layer(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    out = layer.activation(x, layer.config.get("activation"), layer.name)
    return out if out is not x else Value(layer.g.node("Identity", [x.name], layer.name), x.dtype, x.shape)


def relu_layer(layer: Layer, inputs: Sequence[Value]) -> Value:
    x = layer.one_input(inputs)
    if layer.config.get("max_value") is not None:
        raise layer.missing_op(f"max_value {layer.config.get('max_value')!r}", "Clip")
    layer.absent("threshold")
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


def rescaling(layer: Layer, inputs: Sequence[Value]) -> Value:
    """`x * scale + offset` (Keras's order), each a scalar or a list broadcast over the last axis."""
    x = layer.one_input(inputs)
    value = x.name
    for key, op, default in (("scale", "Mul", 1.0), ("offset", "Add", 0.0)):
        raw = layer.config.get(key, default)
        if isinstance(raw, bool) or not isinstance(raw, int | float | list):
            raise layer.fail(f"`{key}` must be a number or a list of numbers, got {raw!r}")
        if isinstance(raw, list):
            if not raw or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw):
                raise layer.fail(f"`{key}` must be a flat list of numbers, got {raw!r}")
            name = f"{layer.name}.{key}"
            tensor = layer.ctx.add_tensor(name, x.dtype, (len(raw),), _numbers(raw, x.dtype))
            operand = layer.g.node("Constant", [], name, parameters={"value": tensor})
        elif key == "scale" or raw != 0:
            operand = layer.scalar(float(raw), x.dtype, key)
        else:
            continue
        value = layer.node(op, [value, operand], "" if key == "offset" else "scaled")
    return Value(layer.node("Identity", [value], "out"), x.dtype, x.shape)


_NORMALIZATION_EPSILON: Final = 1e-7  # keras.config.epsilon()'s default, the floor of the standard deviation


def normalization(layer: Layer, inputs: Sequence[Value]) -> Value:
    """`(x - mean) / max(sqrt(variance), epsilon)` with the adapted statistics; the denominator is computed
    here, once, in the weights' dtype (a square root the op set does not have as an op)."""
    x = layer.one_input(inputs)
    if layer.flag("invert", False):
        raise layer.fail("invert=True is not supported")
    axis = layer.config.get("axis", -1)
    if axis not in (-1, [-1], len(x.shape) - 1, [len(x.shape) - 1]):
        raise layer.fail(f"only normalization over the last axis is supported (axis {axis!r})")
    found = layer.ctx.weights.variables("layers", layer.ctx.groups[layer.name], *layer.prefix)
    if len(found) != 3:
        raise layer.fail(
            f"expected adapted statistics (mean, variance, count), the weights file has {len(found)} variables; "
            "mean and variance given in the config are not supported"
        )
    mean, variance = found[0], found[1]
    features = x.shape[-1]
    if mean.shape != (features,) or variance.shape != (features,):
        raise layer.fail(f"statistics of shape {list(mean.shape)} do not fit {features} features")
    ctx, name = layer.ctx, layer.name
    mean_tensor = ctx.variable(mean, f"{name}.mean", role="buffer")
    std = ctx.add_tensor(
        f"{name}.std", variance.dtype, variance.shape, lambda: _std(ctx.weights.load(variance)), role="buffer"
    )
    centred = layer.node(
        "Sub", [x.name, layer.g.node("Constant", [], f"{name}.mean", parameters={"value": mean_tensor})], "centred"
    )
    divisor = layer.g.node("Constant", [], f"{name}.std", parameters={"value": std})
    return Value(layer.node("Div", [centred, divisor]), x.dtype, x.shape)


def _std(variance: np.ndarray) -> np.ndarray:
    floor = np.asarray(_NORMALIZATION_EPSILON, dtype=variance.dtype)
    return np.asarray(np.maximum(np.sqrt(variance), floor))


def _numbers(values: list[int | float], dtype: str) -> Callable[[], np.ndarray]:
    return lambda: np.asarray(values, dtype=np.float64).astype(DTYPES[dtype].numpy)


# Layers applied step by step by TimeDistributed directly: they act on the last axis only.
_LAST_AXIS: Final = frozenset({"Dense", "Activation", "Dropout", "ReLU", "LeakyReLU", "LayerNormalization"})


def time_distributed(layer: Layer, inputs: Sequence[Value]) -> Value | tuple[Value, ...]:
    """The wrapped layer on every step: directly when it acts on the last axis only, else on the batch and
    step axes merged into one (Reshape) and split again; refusals name the TimeDistributed layer."""
    x = layer.one_input(inputs)
    inner = layer.config.get("layer")
    kind = inner.get("class_name") if isinstance(inner, Mapping) else None
    config = inner.get("config") if isinstance(inner, Mapping) else None
    if not isinstance(kind, str) or not isinstance(config, Mapping):
        raise layer.fail("`layer` is not a layer config")
    shown = f"TimeDistributed({kind})"
    wrapped = Layer(layer.ctx, layer.name, kind, config, prefix=("layer",), shown=shown)
    converter = LAYERS.get(kind)
    if converter is None or kind == "TimeDistributed":
        raise wrapped.fail(refusal(kind) or f"layer class {kind!r} is not supported inside TimeDistributed")
    if len(x.shape) < 3:
        raise layer.fail(f"expected input [batch, steps, ...], got {list(x.shape)}")
    if kind in _LAST_AXIS:
        return converter(wrapped, [x])
    rest = list(x.shape[2:])
    if not all(isinstance(size, int) for size in rest) or not isinstance(x.shape[1], int):
        raise layer.fail(f"input {list(x.shape)}: the steps and features must have known sizes")
    known = [int(size) for size in rest if isinstance(size, int)]
    merged = layer.node("Reshape", [x.name], "merge_steps", shape=[-1, *known])
    out = converter(wrapped, [Value(merged, x.dtype, (None, *x.shape[2:]))])
    if not isinstance(out, Value):
        raise layer.fail("a wrapped layer with several outputs is not supported")
    tail = list(out.shape[1:])
    if not all(isinstance(size, int) for size in tail):
        raise layer.fail(f"the wrapped layer's output {list(out.shape)} has sizes not known in advance")
    steps = x.shape[1]
    split = layer.node(
        "Reshape", [out.name], "split_steps", shape=[-1, steps, *(int(s) for s in tail if isinstance(s, int))]
    )
    return Value(split, out.dtype, (x.shape[0], x.shape[1], *out.shape[1:]))


LAYERS: Final[Mapping[str, LayerConverter]] = {
    "Dense": dense,
    "Conv1D": convolution,
    "Conv2D": convolution,
    "DepthwiseConv1D": convolution,
    "DepthwiseConv2D": convolution,
    "SeparableConv1D": convolution,
    "SeparableConv2D": convolution,
    "MaxPooling1D": pooling,
    "MaxPooling2D": pooling,
    "AveragePooling1D": pooling,
    "AveragePooling2D": pooling,
    "GlobalAveragePooling1D": global_pooling,
    "GlobalAveragePooling2D": global_pooling,
    "GlobalMaxPooling1D": global_pooling,
    "GlobalMaxPooling2D": global_pooling,
    "BatchNormalization": batch_normalization,
    "LayerNormalization": layer_normalization,
    "Normalization": normalization,
    "Rescaling": rescaling,
    "Embedding": embedding,
    "SimpleRNN": recurrent,
    "LSTM": recurrent,
    "GRU": recurrent,
    "Bidirectional": bidirectional,
    "MultiHeadAttention": multi_head_attention,
    "Attention": dot_attention,
    "AdditiveAttention": dot_attention,
    "TimeDistributed": time_distributed,
    "Activation": activation_layer,
    "ReLU": relu_layer,
    "LeakyReLU": leaky_relu_layer,
    "Softmax": softmax_layer,
    "Dropout": dropout,
    "SpatialDropout1D": identity,
    "SpatialDropout2D": identity,
    "GaussianDropout": identity,
    "GaussianNoise": identity,
    "AlphaDropout": identity,
    "ActivityRegularization": identity,
    "Flatten": flatten,
    "Reshape": reshape,
    "Permute": permute,
    "RepeatVector": repeat_vector,
    "ZeroPadding1D": zero_padding,
    "ZeroPadding2D": zero_padding,
    "Cropping1D": cropping,
    "Cropping2D": cropping,
    "UpSampling1D": up_sampling,
    "UpSampling2D": up_sampling,
    "Add": add,
    "Subtract": subtract,
    "Multiply": multiply,
    "Average": average,
    "Maximum": maximum,
    "Minimum": minimum,
    "Concatenate": concatenate,
    "Dot": dot,
}

# Call keyword arguments a layer's converter reads (others must be left at their defaults).
KEYWORDS: Final[Mapping[str, frozenset[str]]] = {
    "MultiHeadAttention": ATTENTION_KEYWORDS,
    "Attention": DOT_KEYWORDS,
    "AdditiveAttention": DOT_KEYWORDS,
}
