"""modelfmt.core v1, SPEC.md §10.7-10.9: dense layers, convolution and pooling, normalization.

Weight layouts follow PyTorch: Linear weight [out, in]; convolution weight [out, in/groups, *kernel].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ...format._limits import MAX_RANK
from .. import _cost as cost
from .._examples import Example, tensor
from .._shapes import conflict, show, sliding_output
from .._spec import INDEX_DTYPES, Attr, DerivedDefault, InferContext, OpSpec, Port, Slot
from .._types import Dim, ValueType, int_of, ints_of

X = (Port("X", "input", types="T"),)
Y = (Port("Y", "output"),)


# ---- §10.7 Linear and Embedding --------------------------------------------------------------------


def _linear_slots(attrs: Mapping[str, object]) -> Sequence[Slot]:
    out_features, in_features = int_of(attrs, "out_features"), int_of(attrs, "in_features")
    return (
        Slot("weight", (out_features, in_features), doc="[out_features, in_features]"),
        Slot("bias", (out_features,), required=False, doc="[out_features]"),
    )


def _infer_linear(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_float(0)
    shape = ctx.require_min_rank(0, 1)
    if conflict(shape[-1], ctx.int_attr("in_features")):
        ctx.fail(
            "GRAPH_SHAPE", f"input {show(shape)} has {shape[-1]} features; in_features is {ctx.int_attr('in_features')}"
        )
    return [ValueType(dtype, (*shape[:-1], ctx.int_attr("out_features")))]


def _embedding_slots(attrs: Mapping[str, object]) -> Sequence[Slot]:
    shape = (int_of(attrs, "num_embeddings"), int_of(attrs, "embedding_dim"))
    return (Slot("weight", shape, dtype="float", doc="[num_embeddings, embedding_dim]"),)


def _check_embedding(attrs: Mapping[str, object]) -> str | None:
    padding_idx, count = attrs["padding_idx"], int_of(attrs, "num_embeddings")
    if isinstance(padding_idx, int) and not -count <= padding_idx < count:
        return f"padding_idx {padding_idx} is outside [-{count}, {count})"
    return None


def _infer_embedding(ctx: InferContext) -> Sequence[ValueType]:
    ctx.require_dtype(0, INDEX_DTYPES, "input 0 (indices)")
    shape = ctx.shape(0)
    if len(shape) + 1 > MAX_RANK:
        ctx.fail("GRAPH_SHAPE", f"result rank {len(shape) + 1} exceeds {MAX_RANK}")
    return [ValueType(ctx.params["weight"].dtype, (*shape, ctx.int_attr("embedding_dim")))]


# ---- §10.8 convolution and pooling ------------------------------------------------------------------


def _conv_attributes(spatial: int) -> tuple[Attr, ...]:
    return (
        Attr("in_channels", "int", minimum=1),
        Attr("out_channels", "int", minimum=1),
        Attr("kernel_size", "ints", length=spatial, minimum=1),
        Attr("stride", "ints", (1,) * spatial, length=spatial, minimum=1),
        Attr("padding", "ints", (0,) * spatial, length=spatial, minimum=0),
        Attr("dilation", "ints", (1,) * spatial, length=spatial, minimum=1),
        Attr("groups", "int", 1, minimum=1),
    )


def _conv_slots(attrs: Mapping[str, object]) -> Sequence[Slot]:
    out_channels, in_channels, groups = (
        int_of(attrs, "out_channels"),
        int_of(attrs, "in_channels"),
        int_of(attrs, "groups"),
    )
    kernel = ints_of(attrs, "kernel_size")
    return (
        Slot(
            "weight", (out_channels, in_channels // groups, *kernel), doc="[out_channels, in_channels/groups, *kernel]"
        ),
        Slot("bias", (out_channels,), required=False, doc="[out_channels]"),
    )


def _check_conv(attrs: Mapping[str, object]) -> str | None:
    groups = int_of(attrs, "groups")
    for name in ("in_channels", "out_channels"):
        if int_of(attrs, name) % groups:
            return f"{name} {int_of(attrs, name)} is not divisible by groups {groups}"
    return None


def _window_output(ctx: InferContext, shape: Sequence[Dim], *, dilation: tuple[int, ...], ceil_mode: bool) -> list[Dim]:
    kernel, stride, padding = ctx.ints_attr("kernel_size"), ctx.ints_attr("stride"), ctx.ints_attr("padding")
    out: list[Dim] = []
    for index, size in enumerate(shape):
        length = sliding_output(
            size, kernel[index], stride[index], padding[index], dilation[index], ceil_mode=ceil_mode
        )
        if isinstance(length, int) and length <= 0:
            ctx.fail("GRAPH_SHAPE", f"spatial size {size} is smaller than the (dilated) kernel {kernel[index]}")
        out.append(length)
    return out


def _conv_infer(spatial: int) -> object:
    def infer(ctx: InferContext) -> Sequence[ValueType]:
        dtype = ctx.require_float(0)
        shape = ctx.require_rank(0, 2 + spatial)
        if conflict(shape[1], ctx.int_attr("in_channels")):
            ctx.fail(
                "GRAPH_SHAPE",
                f"input {show(shape)} has {shape[1]} channels; in_channels is {ctx.int_attr('in_channels')}",
            )
        out = _window_output(ctx, shape[2:], dilation=ctx.ints_attr("dilation"), ceil_mode=False)
        return [ValueType(dtype, (shape[0], ctx.int_attr("out_channels"), *out))]

    return infer


def _conv(name: str, spatial: int, examples: tuple[Example, ...]) -> OpSpec:
    return OpSpec(
        name,
        f"{spatial}-d cross-correlation, PyTorch semantics",
        X,
        Y,
        _conv_infer(spatial),  # type: ignore[arg-type]
        attributes=_conv_attributes(spatial),
        slots=_conv_slots,
        check=_check_conv,
        section="10.8",
        cost=cost.conv,
        examples=examples,
    )


_STRIDE_DEFAULT = DerivedDefault("kernel_size", lambda attrs: attrs["kernel_size"])


def _check_max_pool(attrs: Mapping[str, object]) -> str | None:
    for k, p, d in zip(
        ints_of(attrs, "kernel_size"), ints_of(attrs, "padding"), ints_of(attrs, "dilation"), strict=True
    ):
        if 2 * p > (k - 1) * d + 1:
            return f"padding {p} exceeds half the effective kernel size {(k - 1) * d + 1}"
    return None


def _check_avg_pool(attrs: Mapping[str, object]) -> str | None:
    for k, p in zip(ints_of(attrs, "kernel_size"), ints_of(attrs, "padding"), strict=True):
        if 2 * p > k:
            return f"padding {p} exceeds half the kernel size {k}"
    return None


def _infer_max_pool(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_float(0)
    shape = ctx.require_rank(0, 4)
    out = _window_output(ctx, shape[2:], dilation=ctx.ints_attr("dilation"), ceil_mode=ctx.bool_attr("ceil_mode"))
    return [ValueType(dtype, (*shape[:2], *out))]


def _infer_avg_pool(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_float(0)
    shape = ctx.require_rank(0, 4)
    out = _window_output(ctx, shape[2:], dilation=(1, 1), ceil_mode=ctx.bool_attr("ceil_mode"))
    return [ValueType(dtype, (*shape[:2], *out))]


def _infer_global_average_pool(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_float(0)
    shape = ctx.require_min_rank(0, 3)
    return [ValueType(dtype, (*shape[:2], *(1,) * (len(shape) - 2)))]


# ---- §10.9 normalization ------------------------------------------------------------------------------


def _batch_norm_slots(attrs: Mapping[str, object]) -> Sequence[Slot]:
    channels = (int_of(attrs, "num_features"),)
    return (
        Slot("weight", channels, required=False, doc="[C], gamma"),
        Slot("bias", channels, required=False, doc="[C], beta"),
        Slot("running_mean", channels, doc="[C], role buffer"),
        Slot("running_var", channels, doc="[C], role buffer"),
    )


def _batch_norm_infer(*ranks: int) -> object:
    def infer(ctx: InferContext) -> Sequence[ValueType]:
        dtype = ctx.require_float(0)
        shape = ctx.require_rank(0, *ranks)
        if conflict(shape[1], ctx.int_attr("num_features")):
            ctx.fail(
                "GRAPH_SHAPE",
                f"input {show(shape)} has {shape[1]} channels; num_features is {ctx.int_attr('num_features')}",
            )
        return [ValueType(dtype, shape)]

    return infer


def _batch_norm(name: str, *ranks: int, examples: tuple[Example, ...]) -> OpSpec:
    return OpSpec(
        name,
        "Y = (X - running_mean) / sqrt(running_var + eps) * weight + bias, per channel (axis 1)",
        X,
        Y,
        _batch_norm_infer(*ranks),  # type: ignore[arg-type]
        attributes=(Attr("num_features", "int", minimum=1), Attr("eps", "float", 1e-5, minimum=0.0)),
        slots=_batch_norm_slots,
        slot_groups=lambda _attrs: (("weight", "bias"),),
        section="10.9",
        cost=cost.normalization(3, 5),
        examples=examples,
    )


def _layer_norm_slots(attrs: Mapping[str, object]) -> Sequence[Slot]:
    shape = ints_of(attrs, "normalized_shape")
    return (
        Slot("weight", shape, required=False, doc="normalized_shape, gamma"),
        Slot("bias", shape, required=False, doc="normalized_shape, beta"),
    )


def _infer_layer_norm(ctx: InferContext) -> Sequence[ValueType]:
    dtype = ctx.require_float(0)
    normalized = ctx.ints_attr("normalized_shape")
    shape = ctx.require_min_rank(0, len(normalized))
    for dim, expected in zip(shape[len(shape) - len(normalized) :], normalized, strict=True):
        if conflict(dim, expected):
            ctx.fail("GRAPH_SHAPE", f"input {show(shape)} does not end with normalized_shape {list(normalized)}")
    return [ValueType(dtype, shape)]


F32 = "float32"

OPS: tuple[OpSpec, ...] = (
    OpSpec(
        "Linear",
        "Y = X @ weight^T + bias over the last axis",
        X,
        Y,
        _infer_linear,
        attributes=(Attr("in_features", "int", minimum=1), Attr("out_features", "int", minimum=1)),
        slots=_linear_slots,
        section="10.7",
        cost=cost.linear,
        examples=(
            Example(
                "bias",
                (tensor(F32, [[1, 2]]),),
                (tensor(F32, [[11.5]]),),
                {"in_features": 2, "out_features": 1},
                {"weight": tensor(F32, [[3, 4]]), "bias": tensor(F32, [0.5])},
            ),
            Example(
                "vector-no-bias",
                (tensor(F32, [1, 2]),),
                (tensor(F32, [1, 2, 3]),),
                {"in_features": 2, "out_features": 3},
                {"weight": tensor(F32, [[1, 0], [0, 1], [1, 1]])},
            ),
        ),
    ),
    OpSpec(
        "Embedding",
        "Y[..., :] = weight[indices[...], :]",
        (Port("indices", "int32 or int64 tensor", types="I"),),
        Y,
        _infer_embedding,
        attributes=(
            Attr("num_embeddings", "int", minimum=1),
            Attr("embedding_dim", "int", minimum=1),
            Attr("padding_idx", "int", None, doc="training-time only; no effect at inference"),
        ),
        slots=_embedding_slots,
        check=_check_embedding,
        section="10.7",
        cost=cost.indices(0),
        examples=(
            Example(
                "lookup",
                (tensor("int64", [2, 1]),),
                (tensor(F32, [[2, 3], [1, 1]]),),
                {"num_embeddings": 3, "embedding_dim": 2},
                {"weight": tensor(F32, [[0, 0], [1, 1], [2, 3]])},
            ),
        ),
    ),
    _conv(
        "Conv1d",
        1,
        (
            Example(
                "padded-with-bias",
                (tensor(F32, [[[1, 2, 3]]]),),
                (tensor(F32, [[[-0.5, -0.5, -0.5, 3.5]]]),),
                {"in_channels": 1, "out_channels": 1, "kernel_size": [2], "padding": [1]},
                {"weight": tensor(F32, [[[1, -1]]]), "bias": tensor(F32, [0.5])},
            ),
            Example(
                "grouped",
                (tensor(F32, [[[1, 2], [3, 4]]]),),
                (tensor(F32, [[[2, 4], [-3, -4]]]),),
                {"in_channels": 2, "out_channels": 2, "kernel_size": [1], "groups": 2},
                {"weight": tensor(F32, [[[2]], [[-1]]])},
            ),
        ),
    ),
    _conv(
        "Conv2d",
        2,
        (
            Example(
                "sum",
                (tensor(F32, [[[[1, 2], [3, 4]]]]),),
                (tensor(F32, [[[[10]]]]),),
                {"in_channels": 1, "out_channels": 1, "kernel_size": [2, 2]},
                {"weight": tensor(F32, [[[[1, 1], [1, 1]]]])},
            ),
            Example(
                "strided",
                (tensor(F32, [[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]),),
                (tensor(F32, [[[[2, 6], [14, 18]]]]),),
                {"in_channels": 1, "out_channels": 1, "kernel_size": [1, 1], "stride": [2, 2]},
                {"weight": tensor(F32, [[[[2]]]])},
            ),
            Example(
                "dilated",  # the four corners
                (tensor(F32, [[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]),),
                (tensor(F32, [[[[20]]]]),),
                {"in_channels": 1, "out_channels": 1, "kernel_size": [2, 2], "dilation": [2, 2]},
                {"weight": tensor(F32, [[[[1, 1], [1, 1]]]])},
            ),
        ),
    ),
    OpSpec(
        "MaxPool2d",
        "Y = maximum over each window (padding is -infinity)",
        X,
        Y,
        _infer_max_pool,
        attributes=(
            Attr("kernel_size", "ints", length=2, minimum=1),
            Attr("stride", "ints", _STRIDE_DEFAULT, length=2, minimum=1),
            Attr("padding", "ints", (0, 0), length=2, minimum=0),
            Attr("dilation", "ints", (1, 1), length=2, minimum=1),
            Attr("ceil_mode", "bool", False),
        ),
        check=_check_max_pool,
        section="10.8",
        cost=cost.pool,
        examples=(
            Example(
                "windows",
                (tensor(F32, [[[[1, 5, 2, 0], [3, 4, 8, 7]]]]),),
                (tensor(F32, [[[[5, 8]]]]),),
                {"kernel_size": [2, 2]},
            ),
            Example(
                "padding-is-minus-infinity",
                (tensor(F32, [[[[-1]]]]),),
                (tensor(F32, [[[[-1, -1], [-1, -1]]]]),),
                {"kernel_size": [2, 2], "stride": [1, 1], "padding": [1, 1]},
            ),
            Example(
                "ceil-mode",  # the last window starts inside the input and is cut short
                (tensor(F32, [[[[1, 2, 3]]]]),),
                (tensor(F32, [[[[2, 3]]]]),),
                {"kernel_size": [1, 2], "ceil_mode": True},
            ),
            Example(
                "dilated",  # windows (0, 2) and (1, 3)
                (tensor(F32, [[[[1, 9, 2, 0]]]]),),
                (tensor(F32, [[[[2, 9]]]]),),
                {"kernel_size": [1, 2], "stride": [1, 1], "dilation": [1, 2]},
            ),
        ),
    ),
    OpSpec(
        "AvgPool2d",
        "Y = mean over each window",
        X,
        Y,
        _infer_avg_pool,
        attributes=(
            Attr("kernel_size", "ints", length=2, minimum=1),
            Attr("stride", "ints", _STRIDE_DEFAULT, length=2, minimum=1),
            Attr("padding", "ints", (0, 0), length=2, minimum=0),
            Attr("ceil_mode", "bool", False),
            Attr("count_include_pad", "bool", True),
        ),
        check=_check_avg_pool,
        section="10.8",
        cost=cost.pool,
        examples=(
            Example(
                "windows",
                (tensor(F32, [[[[1, 5, 2, 0], [3, 4, 8, 7]]]]),),
                (tensor(F32, [[[[3.25, 4.25]]]]),),
                {"kernel_size": [2, 2]},
            ),
            Example(
                "padding-counted",
                (tensor(F32, [[[[4]]]]),),
                (tensor(F32, [[[[1]]]]),),
                {"kernel_size": [2, 2], "padding": [1, 1]},
            ),
            Example(
                "padding-not-counted",
                (tensor(F32, [[[[4]]]]),),
                (tensor(F32, [[[[4]]]]),),
                {"kernel_size": [2, 2], "padding": [1, 1], "count_include_pad": False},
            ),
        ),
    ),
    OpSpec(
        "GlobalAveragePool",
        "Y[n, c, 1, ...] = mean of X[n, c, ...] over all spatial axes",
        X,
        Y,
        _infer_global_average_pool,
        section="10.8",
        cost=cost.reduce,
        examples=(Example("channels", (tensor(F32, [[[[1, 3]], [[2, 6]]]]),), (tensor(F32, [[[[2]], [[4]]]]),)),),
    ),
    _batch_norm(
        "BatchNorm1d",
        2,
        3,
        examples=(
            Example(
                "affine",
                (tensor(F32, [[1, 2], [3, 4]]),),
                (tensor(F32, [[0, 1], [1, 5]]),),
                {"num_features": 2, "eps": 0},
                {
                    "weight": tensor(F32, [1, 2]),
                    "bias": tensor(F32, [0, 1]),
                    "running_mean": tensor(F32, [1, 2]),
                    "running_var": tensor(F32, [4, 1]),
                },
            ),
        ),
    ),
    _batch_norm(
        "BatchNorm2d",
        4,
        examples=(
            Example(
                "statistics-only",
                (tensor(F32, [[[[2, 4]]]]),),
                (tensor(F32, [[[[-1, 1]]]]),),
                {"num_features": 1, "eps": 0},
                {"running_mean": tensor(F32, [3]), "running_var": tensor(F32, [1])},
            ),
        ),
    ),
    OpSpec(
        "LayerNorm",
        "Y = (X - mean) / sqrt(var + eps) * weight + bias over the trailing normalized_shape axes",
        X,
        Y,
        _infer_layer_norm,
        attributes=(
            Attr("normalized_shape", "ints", min_length=1, minimum=1),
            Attr("eps", "float", 1e-5, minimum=0.0),
        ),
        slots=_layer_norm_slots,
        section="10.9",
        cost=cost.normalization(3, 8),
        examples=(
            Example(
                "affine",
                (tensor(F32, [[1, 3]]),),
                (tensor(F32, [[-2, 2]]),),
                {"normalized_shape": [2], "eps": 0},
                {"weight": tensor(F32, [2, 1]), "bias": tensor(F32, [0, 1])},
            ),
            Example(
                "plain",
                (tensor(F32, [[0, 2, 4]]),),
                (tensor(F32, [[-1.224744871391589, 0, 1.224744871391589]]),),
                {"normalized_shape": [3], "eps": 0},
            ),
        ),
    ),
)
