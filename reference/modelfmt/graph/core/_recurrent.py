"""modelfmt.core v1, SPEC.md §10.10: RNN, LSTM and GRU with PyTorch's parameter names and gate orders.

Gate blocks are stacked along the first weight axis: LSTM i, f, g, o; GRU r, z, n; RNN a single block.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from ...format._limits import MAX_LAYERS, extent
from .._cost import CALL, STEP, CostContext, NodeCost, macs
from .._examples import Example, tensor
from .._shapes import conflict, show
from .._spec import Attr, InferContext, InferFunction, OpSpec, Port, Slot
from .._types import Dim, ValueType, int_of

GATES: Final[Mapping[str, int]] = {"RNN": 1, "LSTM": 4, "GRU": 3}


def directions(attrs: Mapping[str, object]) -> int:
    return 2 if attrs["bidirectional"] else 1


def layer_suffixes(attrs: Mapping[str, object]) -> list[str]:
    """Suffixes of the slots of every layer and direction, in PyTorch's order: l0, l0_reverse, l1, ..."""
    return [
        f"_l{layer}{'_reverse' if direction else ''}"
        for layer in range(int_of(attrs, "num_layers"))
        for direction in range(directions(attrs))
    ]


def _slot_rule(op: str) -> object:
    def slots(attrs: Mapping[str, object]) -> Sequence[Slot]:
        hidden, gates = int_of(attrs, "hidden_size"), GATES[op]
        result: list[Slot] = []
        for suffix in layer_suffixes(attrs):
            layer_input = int_of(attrs, "input_size") if suffix.startswith("_l0") else hidden * directions(attrs)
            result += [
                Slot(f"weight_ih{suffix}", (gates * hidden, layer_input)),
                Slot(f"weight_hh{suffix}", (gates * hidden, hidden)),
                Slot(f"bias_ih{suffix}", (gates * hidden,), required=False),
                Slot(f"bias_hh{suffix}", (gates * hidden,), required=False),
            ]
        return result

    return slots


def _bias_group(attrs: Mapping[str, object]) -> Sequence[tuple[str, ...]]:
    return (tuple(f"bias_{kind}{suffix}" for suffix in layer_suffixes(attrs) for kind in ("ih", "hh")),)


def _infer_rnn(op: str) -> InferFunction:
    def infer(ctx: InferContext) -> Sequence[ValueType]:
        dtype = ctx.require_float(0)
        shape = ctx.require_rank(0, 3)
        batch_first = ctx.bool_attr("batch_first")
        batch, steps = (shape[0], shape[1]) if batch_first else (shape[1], shape[0])
        if conflict(shape[2], ctx.int_attr("input_size")):
            ctx.fail(
                "GRAPH_SHAPE",
                f"input {show(shape)} has {shape[2]} features; input_size is {ctx.int_attr('input_size')}",
            )
        hidden = ctx.int_attr("hidden_size")
        state_shape: tuple[Dim, ...] = (ctx.int_attr("num_layers") * directions(ctx.attrs), batch, hidden)
        if op == "LSTM" and (ctx.optional(1) is None) != (ctx.optional(2) is None):
            ctx.fail("GRAPH_ARITY", "H0 and C0 must be given together or not at all")
        for index in range(1, len(ctx.inputs)):
            if ctx.optional(index) is None:
                continue
            ctx.require_same_dtype(index, dtype)
            given = ctx.require_rank(index, 3)
            if any(conflict(a, b) for a, b in zip(given, state_shape, strict=True)):
                ctx.fail("GRAPH_SHAPE", f"initial state {index} has shape {show(given)}; expected {show(state_shape)}")
        features = directions(ctx.attrs) * hidden
        output: tuple[Dim, ...] = (batch, steps, features) if batch_first else (steps, batch, features)
        states = [ValueType(dtype, state_shape)] * (2 if op == "LSTM" else 1)
        return [ValueType(dtype, output), *states]

    return infer


def _cost(ctx: CostContext) -> NodeCost:
    shape = ctx.shape()
    batch_first = ctx.bool_attr("batch_first")
    steps, batch = (shape[1], shape[0]) if batch_first else (shape[0], shape[1])
    hidden, features = ctx.int_attr("hidden_size"), ctx.int_attr("input_size")
    layers, dirs = ctx.int_attr("num_layers"), directions(ctx.attrs)
    gates = GATES[ctx.node.op] * hidden
    states = layers * dirs * batch * hidden
    widest_input = max(features, dirs * hidden)
    size = ctx.itemsize
    scratch = size * (
        4 * states  # zero initial states, then the final states collected before stacking
        + gates  # the zero bias
        + steps * batch * widest_input  # the layer's input
        + 2 * steps * batch * gates  # the input projection of every step, and its bias sum
        + 3 * steps * batch * dirs * hidden  # each direction's outputs, joined, and the final copy
        + 12 * batch * gates  # one step's temporaries
    )
    work = CALL + 2 * steps * batch * dirs * hidden
    for layer in range(layers):
        layer_input = features if layer == 0 else dirs * hidden
        per_direction = (
            macs(steps * batch * gates * layer_input)
            + steps * batch * gates
            + steps * (STEP + macs(batch * gates * hidden) + 12 * batch * gates)
        )
        work += dirs * per_direction
    arrays = (
        (steps, batch, gates),
        (steps, batch, widest_input),
        (steps, batch, dirs * hidden),
        (layers * dirs, batch, hidden),
    )
    return NodeCost(scratch, work, max(extent(shape) for shape in arrays))


def _attributes(op: str) -> tuple[Attr, ...]:
    common = (
        Attr("input_size", "int", minimum=1),
        Attr("hidden_size", "int", minimum=1),
        Attr("num_layers", "int", 1, minimum=1, maximum=MAX_LAYERS),
        Attr("bidirectional", "bool", False),
        Attr("batch_first", "bool", False),
        Attr("dropout", "float", 0.0, minimum=0.0, maximum=1.0, doc="between layers in training; none at inference"),
    )
    if op == "RNN":
        return (*common, Attr("nonlinearity", "string", "tanh", choices=("tanh", "relu")))
    return common


def _recurrent(op: str, summary: str, examples: tuple[Example, ...]) -> OpSpec:
    state_inputs = [Port("H0", "initial hidden state [L*D, N, H]; absent: zeros", optional=True, types="T")]
    state_outputs = [Port("H_n", "final hidden state [L*D, N, H]", optional=True)]
    if op == "LSTM":
        state_inputs.append(Port("C0", "initial cell state [L*D, N, H]; absent: zeros", optional=True, types="T"))
        state_outputs.append(Port("C_n", "final cell state [L*D, N, H]", optional=True))
    return OpSpec(
        op,
        summary,
        (Port("X", "[S, N, input_size], or [N, S, input_size] when batch_first", types="T"), *state_inputs),
        (Port("Y", "[S, N, D*H], or [N, S, D*H] when batch_first"), *state_outputs),
        _infer_rnn(op),
        attributes=_attributes(op),
        slots=_slot_rule(op),  # type: ignore[arg-type]
        slot_groups=_bias_group,
        section="10.10",
        cost=_cost,
        examples=examples,
    )


F32 = "float32"
_ONE = {"input_size": 1, "hidden_size": 1}

OPS: tuple[OpSpec, ...] = (
    _recurrent(
        "RNN",
        "Elman RNN: h' = act(W_ih x + b_ih + W_hh h + b_hh)",
        (
            Example(
                "two-steps",  # h1 = tanh(0.5 * 1), h2 = tanh(0 + h1)
                (tensor(F32, [[[1]], [[0]]]),),
                (tensor(F32, [[[0.46211715726000974]], [[0.4318081805950961]]]), tensor(F32, [[[0.4318081805950961]]])),
                _ONE,
                {"weight_ih_l0": tensor(F32, [[0.5]]), "weight_hh_l0": tensor(F32, [[1]])},
            ),
            Example(
                "relu-initial-state",  # relu(1 + 0.5 + 2 + 0.25)
                (tensor(F32, [[[1]]]), tensor(F32, [[[2]]])),
                (tensor(F32, [[[3.75]]]), tensor(F32, [[[3.75]]])),
                {**_ONE, "nonlinearity": "relu"},
                {
                    "weight_ih_l0": tensor(F32, [[1]]),
                    "weight_hh_l0": tensor(F32, [[1]]),
                    "bias_ih_l0": tensor(F32, [0.5]),
                    "bias_hh_l0": tensor(F32, [0.25]),
                },
            ),
            Example(
                "bidirectional-batch-first",  # the reverse direction reads step 1, then step 0
                (tensor(F32, [[[1], [0]]]),),
                (
                    tensor(F32, [[[0.46211715726000974, 0.7615941559557649], [0.4318081805950961, 0]]]),
                    tensor(F32, [[[0.4318081805950961]], [[0.7615941559557649]]]),
                ),
                {**_ONE, "bidirectional": True, "batch_first": True},
                {
                    "weight_ih_l0": tensor(F32, [[0.5]]),
                    "weight_hh_l0": tensor(F32, [[1]]),
                    "weight_ih_l0_reverse": tensor(F32, [[1]]),
                    "weight_hh_l0_reverse": tensor(F32, [[0]]),
                },
            ),
        ),
    ),
    _recurrent(
        "LSTM",
        "LSTM, gates i, f, g, o",
        (
            Example(
                "bias-only",  # i = f = o = 1/2, g = tanh(1), c = g / 2, h = tanh(c) / 2
                (tensor(F32, [[[0]]]),),
                (
                    tensor(F32, [[[0.18169974219452625]]]),
                    tensor(F32, [[[0.18169974219452625]]]),
                    tensor(F32, [[[0.3807970779778824]]]),
                ),
                _ONE,
                {
                    "weight_ih_l0": tensor(F32, [[0], [0], [0], [0]]),
                    "weight_hh_l0": tensor(F32, [[0], [0], [0], [0]]),
                    "bias_ih_l0": tensor(F32, [0, 0, 1, 0]),
                    "bias_hh_l0": tensor(F32, [0, 0, 0, 0]),
                },
            ),
        ),
    ),
    _recurrent(
        "GRU",
        "GRU, gates r, z, n, with b_hn inside r * (...)",
        (
            Example(
                "bias-only",  # r = z = 1/2, n = tanh(1 + r * 0), h = (1 - z) * n
                (tensor(F32, [[[0]]]),),
                (tensor(F32, [[[0.3807970779778824]]]), tensor(F32, [[[0.3807970779778824]]])),
                _ONE,
                {
                    "weight_ih_l0": tensor(F32, [[0], [0], [0]]),
                    "weight_hh_l0": tensor(F32, [[0], [0], [0]]),
                    "bias_ih_l0": tensor(F32, [0, 0, 1]),
                    "bias_hh_l0": tensor(F32, [0, 0, 0]),
                },
            ),
        ),
    ),
)
