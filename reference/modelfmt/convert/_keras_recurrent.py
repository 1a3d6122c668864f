"""Keras recurrent layers (SimpleRNN, LSTM, GRU, Bidirectional) as the op set's RNN, LSTM and GRU.

Weights go to PyTorch's layouts (SPEC.md §10.10): kernels `[in, G*u]` and recurrent kernels `[u, G*u]`
are transposed; Keras's LSTM gate order i, f, c, o is PyTorch's i, f, g, o; GRU with `reset_after=True`
(PyTorch's formula) reorders z, r, h to r, z, n, its bias row 0 (input) -> `bias_ih`, row 1 (recurrent)
-> `bias_hh`. A single Keras bias (SimpleRNN, LSTM) becomes `bias_ih` with a zero `bias_hh`. A GRU with
`reset_after=False`, which the op does not express, is unrolled (`_keras_gru_unrolled.py`).

`go_backwards` reverses the steps before the op (a Gather of positions -1, -2, ..., -S, built from
PositionIds, so the sequence length may stay symbolic); the outputs then come in Keras's order, the
order of processing. `return_state` adds the final states (`H_n`, and `C_n` for LSTM, without their
layer axis) as the layer's further outputs, in Keras's order [output, h, c].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from ._graph import Attribute
from ._keras_context import Dim, Layer, Value
from ._keras_gru_unrolled import unrolled_gru

_OPS: Final[Mapping[str, str]] = {"SimpleRNN": "RNN", "LSTM": "LSTM", "GRU": "GRU"}
_GATES: Final[Mapping[str, int]] = {"RNN": 1, "LSTM": 4, "GRU": 3}
_MERGE_MODES: Final = ("concat", "sum", "mul", "ave")


@dataclass(frozen=True)
class _Recurrent:
    op: str  # RNN, LSTM or GRU
    units: int
    return_sequences: bool
    return_state: bool
    go_backwards: bool
    use_bias: bool
    nonlinearity: str  # RNN only
    reset_after: bool  # GRU only: False is unrolled (`_keras_gru_unrolled.py`)


def _recurrent_config(layer: Layer) -> _Recurrent:
    config = layer.config
    op = _OPS[layer.kind]
    activation = config.get("activation", "tanh")
    nonlinearity = "tanh"
    if op == "RNN":
        if activation not in ("tanh", "relu"):
            raise layer.fail(f"activation {activation!r}: the RNN op of modelfmt.core version 1 has only tanh and relu")
        nonlinearity = str(activation)
    elif activation != "tanh" or config.get("recurrent_activation", "sigmoid") != "sigmoid":
        raise layer.fail(
            f"activation {activation!r} with recurrent_activation {config.get('recurrent_activation')!r}: the "
            f"{op} op of modelfmt.core version 1 has only tanh with sigmoid (PyTorch's cell)"
        )
    layer.absent("stateful")
    return _Recurrent(
        op,
        layer.integer("units"),
        layer.flag("return_sequences", False),
        layer.flag("return_state", False),
        layer.flag("go_backwards", False),
        layer.flag("use_bias", True),
        nonlinearity,
        op != "GRU" or layer.flag("reset_after", True),
    )


def _gate_rows(op: str, units: int) -> np.ndarray:
    """Rows taking Keras's gate blocks to the op's order: LSTM i,f,c,o is i,f,g,o already; GRU z,r,h -> r,z,n."""
    blocks = [1, 0, 2] if op == "GRU" else list(range(_GATES[op]))
    return np.concatenate([np.arange(block * units, (block + 1) * units) for block in blocks])


def _bias_row(row: int, rows: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    return lambda bias: bias[row][rows]


def _recurrent_weights(
    layer: Layer, spec: _Recurrent, *, features: int, suffix: str, path: tuple[str, ...]
) -> tuple[dict[str, str], str]:
    """The op's parameter bindings for one direction, and the weights' dtype."""
    gates, u = _GATES[spec.op], spec.units
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
        if spec.op != "GRU":
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
) -> list[str | None]:
    """The recurrent node (batch first, as Keras): [per-step outputs, final hidden states, final cells]."""
    features = x.shape[-1]
    assert isinstance(features, int)
    attributes: dict[str, Attribute] = {
        "input_size": features,
        "hidden_size": spec.units,
        "batch_first": True,
        "bidirectional": bidirectional,
    }
    if spec.op == "RNN":
        attributes["nonlinearity"] = spec.nonlinearity
    flags = [True, True, spec.op == "LSTM" and spec.return_state]
    return layer.g.node_outputs(
        spec.op, [x.name], layer.name, attributes=attributes, parameters=parameters, outputs=flags[: _outputs(spec.op)]
    )


def _outputs(op: str) -> int:
    return 3 if op == "LSTM" else 2


def _sequence_input(layer: Layer, inputs: Sequence[Value]) -> tuple[Value, int]:
    x = layer.one_input(inputs)
    if len(x.shape) != 3 or not isinstance(x.shape[-1], int):
        raise layer.fail(f"expected input [batch, steps, features], got {list(x.shape)}")
    return x, x.shape[-1]


def _reversed_steps(layer: Layer, x: Value) -> Value:
    positions = layer.node("PositionIds", [x.name], "steps", axis=1)
    minus_one = layer.scalar(-1, "int64", "minus_one")
    backwards = layer.node("Sub", [minus_one, positions], "backward_steps")
    return Value(layer.node("Gather", [x.name, backwards], "reversed", axis=1), x.dtype, x.shape)


def recurrent(layer: Layer, inputs: Sequence[Value]) -> Value | tuple[Value, ...]:
    x, features = _sequence_input(layer, inputs)
    spec = _recurrent_config(layer)
    if not spec.reset_after:
        return _unrolled(layer, spec, x)
    parameters, dtype = _recurrent_weights(layer, spec, features=features, suffix="_l0", path=("cell",))
    if spec.go_backwards:
        x = _reversed_steps(layer, x)
    y, h_n, *cells = _run(layer, spec, x, parameters, bidirectional=False)
    assert y is not None and h_n is not None
    batch, u = x.shape[0], spec.units
    if spec.return_sequences:
        out = Value(y, dtype, (*x.shape[:2], u))
    else:
        last = layer.scalar(-1, "int64", "last_step")
        out = Value(layer.node("Gather", [y, last], "last", axis=1), dtype, (batch, u))
    if not spec.return_state:
        return out
    states = [h_n, *(cell for cell in cells if cell is not None)]
    return (
        out,
        *(
            Value(layer.node("Squeeze", [state], f"state{index}", axes=[0]), dtype, (batch, u))
            for index, state in enumerate(states)
        ),
    )


def _unrolled(layer: Layer, spec: _Recurrent, x: Value) -> Value | tuple[Value, ...]:
    """GRU with reset_after=False: steps written out (in the order of processing for go_backwards)."""
    if spec.go_backwards:
        x = _reversed_steps(layer, x)
    states, dtype = unrolled_gru(layer, x, units=spec.units, use_bias=spec.use_bias)
    batch, u = x.shape[0], spec.units
    if not spec.return_sequences:
        last = Value(layer.node("Identity", [states[-1]]), dtype, (batch, u))
        return (last, last) if spec.return_state else last
    steps = [layer.node("Unsqueeze", [state], f"t{t}.step", axes=[1]) for t, state in enumerate(states)]
    out = Value(layer.node("Concat", steps, "", axis=1), dtype, (batch, len(states), u))
    return (out, Value(states[-1], dtype, (batch, u))) if spec.return_state else out


def bidirectional(layer: Layer, inputs: Sequence[Value]) -> Value | tuple[Value, ...]:
    """Both directions in one bidirectional node; with `return_state`, Keras's outputs [merged, forward
    states..., backward states...] (h, then c for LSTM), each taken from the node's final states."""
    x, features = _sequence_input(layer, inputs)
    merge = layer.config.get("merge_mode", "concat")
    if merge not in _MERGE_MODES:
        raise layer.fail(f"merge_mode {merge!r} is not supported; supported: {', '.join(_MERGE_MODES)}")
    specs = []
    for key, backward in (("layer", False), ("backward_layer", True)):
        inner = layer.config.get(key)
        inner_kind = inner.get("class_name") if isinstance(inner, Mapping) else None
        inner_config = inner.get("config") if isinstance(inner, Mapping) else None
        if inner_kind not in _OPS or not isinstance(inner_config, Mapping):
            raise layer.fail(f"`{key}` is {inner_kind!r}; only SimpleRNN, LSTM and GRU are supported")
        inner_layer = Layer(layer.ctx, layer.name, str(inner_kind), inner_config, shown=f"Bidirectional({inner_kind})")
        spec = _recurrent_config(inner_layer)
        if spec.go_backwards != backward:
            raise layer.fail(f"`{key}` has go_backwards={spec.go_backwards}, which Bidirectional does not produce")
        if not spec.reset_after:
            raise layer.missing_op("reset_after=False in Bidirectional", "GRU variant with linear_before_reset=0")
        specs.append(spec)
    spec, backward_spec = specs
    if spec.op != backward_spec.op or spec.units != backward_spec.units or spec.use_bias != backward_spec.use_bias:
        raise layer.fail("the forward and backward layers differ; only mirrored layers are supported")
    if (spec.return_sequences, spec.return_state, spec.nonlinearity) != (
        backward_spec.return_sequences,
        backward_spec.return_state,
        backward_spec.nonlinearity,
    ):
        raise layer.fail("the forward and backward layers differ; only mirrored layers are supported")
    parameters, dtype = _recurrent_weights(layer, spec, features=features, suffix="_l0", path=("forward_layer", "cell"))
    reverse, _ = _recurrent_weights(
        layer, spec, features=features, suffix="_l0_reverse", path=("backward_layer", "cell")
    )
    y, h_n, *cells = _run(layer, spec, x, {**parameters, **reverse}, bidirectional=True)
    assert y is not None and h_n is not None
    merged = _merged(layer, spec, x, (y, h_n), merge=str(merge), dtype=dtype)
    if not spec.return_state:
        return merged
    finals = [h_n, *(cell for cell in cells if cell is not None)]
    index = [layer.scalar(direction, "int64", f"direction{direction}") for direction in (0, 1)]
    return (
        merged,
        *(
            Value(
                layer.node("Gather", [state, index[direction]], f"state{direction}_{kind}", axis=0),
                dtype,
                (x.shape[0], spec.units),
            )
            for direction in (0, 1)
            for kind, state in enumerate(finals)
        ),
    )


def _merged(layer: Layer, spec: _Recurrent, x: Value, outputs: tuple[str, str], *, merge: str, dtype: str) -> Value:
    """The merged output of the two directions (`merge_mode`), per step or of the final step; `outputs` are
    the node's per-step outputs and final hidden states."""
    y, h_n = outputs
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
