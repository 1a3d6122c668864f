"""Keras's GRU with `reset_after=False`, unrolled step by step into modelfmt.core version 1 ops.

The op set's GRU is PyTorch's (the reset gate multiplies the recurrent product, `reset_after=True`);
Keras's other variant applies the reset gate to the state before the product, which no op expresses.
Its formula, written out over a sequence of known length S (Keras's GRUCell, gate blocks z, r, h):

    x_z, x_r, x_h = split(x @ kernel + bias)                 (once, over all steps)
    z = sigmoid(x_z[t] + h @ U_z);  r = sigmoid(x_r[t] + h @ U_r)
    h' = z * h + (1 - z) * tanh(x_h[t] + (r * h) @ U_h)

The first step starts from h = 0, so its recurrent products are 0 and it is written without them. The
recurrent kernel is stored once and bound by every step's node. The number of steps multiplies the
graph (a dozen nodes per step), so it is bounded like other counts from a config (SPEC.md §17.16.3).
"""

from __future__ import annotations

from ._graph import Attribute
from ._keras_context import Layer, Value


def unrolled_gru(layer: Layer, x: Value, *, units: int, use_bias: bool) -> tuple[list[str], str]:
    """Each step's new state [batch, units], in order of processing, and the dtype."""
    steps = x.shape[1]
    features = x.shape[2]
    if not isinstance(steps, int):
        raise layer.fail(
            "reset_after=False is unrolled step by step, which needs a known number of steps (the op set's "
            "GRU has only reset_after=True)"
        )
    assert isinstance(features, int)
    layer.copies(steps, "a GRU with reset_after=False unrolled over steps")
    variables = layer.variables(3 if use_bias else 2, "cell")
    kernel, recurrent = variables[0], variables[1]
    u = units
    if kernel.shape != (features, 3 * u) or recurrent.shape != (u, 3 * u):
        raise layer.fail(f"kernel shapes {list(kernel.shape)}, {list(recurrent.shape)} do not fit the config")
    ctx, name, dtype = layer.ctx, layer.name, kernel.dtype
    inputs = {"weight": ctx.transformed(kernel, f"{name}.kernel", (3 * u, features), lambda k: k.T)}
    if use_bias:
        if variables[2].shape != (3 * u,):
            raise layer.fail(f"bias shape {list(variables[2].shape)} does not fit reset_after=False")
        inputs["bias"] = ctx.variable(variables[2], f"{name}.bias")
    gates = ctx.transformed(recurrent, f"{name}.recurrent_zr", (2 * u, u), lambda k: k[:, : 2 * u].T)
    candidate = ctx.transformed(recurrent, f"{name}.recurrent_h", (u, u), lambda k: k[:, 2 * u :].T)
    g = layer.g
    projected = g.node("Linear", [x.name], f"{name}.inputs", attributes=_linear(features, 3 * u), parameters=inputs)
    x_z, x_r, x_h = g.node_outputs(
        "Split", [projected], f"{name}.gates", attributes={"axis": -1, "split": [u] * 3}, outputs=3
    )
    assert x_z is not None and x_r is not None and x_h is not None
    one = layer.scalar(1.0, dtype, "one")
    states: list[str] = []
    for t in range(steps):
        index = layer.scalar(t, "int64", f"t{t}")
        xz, xr, xh = (
            layer.node("Gather", [part, index], f"t{t}.{gate}", axis=1)
            for part, gate in ((x_z, "xz"), (x_r, "xr"), (x_h, "xh"))
        )
        if not states:
            z = layer.node("Sigmoid", [xz], f"t{t}.z")
            hh = layer.node("Tanh", [xh], f"t{t}.candidate")
            states.append(layer.node("Mul", [layer.node("Sub", [one, z], f"t{t}.keep_new"), hh], f"t{t}.h"))
            continue
        h = states[-1]
        recurrent_zr = g.node(
            "Linear", [h], f"{name}.t{t}.recurrent", attributes=_linear(u, 2 * u), parameters={"weight": gates}
        )
        rz, rr = g.node_outputs(
            "Split", [recurrent_zr], f"{name}.t{t}.recurrent_gates", attributes={"axis": -1, "split": [u, u]}, outputs=2
        )
        assert rz is not None and rr is not None
        z = layer.node("Sigmoid", [layer.node("Add", [xz, rz], f"t{t}.z_in")], f"t{t}.z")
        r = layer.node("Sigmoid", [layer.node("Add", [xr, rr], f"t{t}.r_in")], f"t{t}.r")
        reset = layer.node("Mul", [r, h], f"t{t}.reset_state")
        rh = g.node(
            "Linear", [reset], f"{name}.t{t}.recurrent_h", attributes=_linear(u, u), parameters={"weight": candidate}
        )
        hh = layer.node("Tanh", [layer.node("Add", [xh, rh], f"t{t}.candidate_in")], f"t{t}.candidate")
        kept = layer.node("Mul", [z, h], f"t{t}.keep_old")
        new = layer.node("Mul", [layer.node("Sub", [one, z], f"t{t}.keep_new_gate"), hh], f"t{t}.keep_new")
        states.append(layer.node("Add", [kept, new], f"t{t}.h"))
    return states, dtype


def _linear(inputs: int, outputs: int) -> dict[str, Attribute]:
    return {"in_features": inputs, "out_features": outputs}
