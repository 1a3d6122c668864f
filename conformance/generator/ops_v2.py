"""Vectors for the ops of modelfmt.core version 2 (SPEC.md §10.13 onward): one valid vector per op, whose
declared outputs were worked out by hand from §10 (a reader must infer the same), and one invalid vector
per rule an op states (dtype, shape, attribute), plus the version rule of §9.3: a graph declaring version 1
does not know an op of version 2."""

from __future__ import annotations

from .model import Vector, invalid, valid
from .ops import op_file, w32

F = "float32"

# (op, what the vector shows, file)
_VALID: list[tuple[str, str, bytes]] = [
    ("Neg", "int32 (wraps around)", op_file("Neg", [("x", "int32", [3])], [("y", "int32", [3])], opset=2)),
    ("Abs", "a symbolic batch", op_file("Abs", [("x", F, ["n", 2])], [("y", F, ["n", 2])], opset=2)),
    ("Sqrt", "float64", op_file("Sqrt", [("x", "float64", [4])], [("y", "float64", [4])], opset=2)),
    ("Rsqrt", "float16", op_file("Rsqrt", [("x", "float16", [2, 2])], [("y", "float16", [2, 2])], opset=2)),
    ("Exp", "rank 0", op_file("Exp", [("x", F, [])], [("y", F, [])], opset=2)),
    ("Log", "bfloat16", op_file("Log", [("x", "bfloat16", [3])], [("y", "bfloat16", [3])], opset=2)),
    ("Sin", "float32", op_file("Sin", [("x", F, [2, 3])], [("y", F, [2, 3])], opset=2)),
    ("Cos", "float32", op_file("Cos", [("x", F, [5])], [("y", F, [5])], opset=2)),
    ("Erf", "a zero-size axis", op_file("Erf", [("x", F, [0, 3])], [("y", F, [0, 3])], opset=2)),
    ("Pow", "broadcast", op_file("Pow", [("a", F, [2, 1]), ("b", F, [3])], [("y", F, [2, 3])], opset=2)),
    (
        "Min",
        "int64, broadcast",
        op_file("Min", [("a", "int64", [4]), ("b", "int64", [])], [("y", "int64", [4])], opset=2),
    ),
    (
        "Max",
        "a symbol against 1",
        op_file("Max", [("a", F, ["n", 1]), ("b", F, [1, 3])], [("y", F, ["n", 3])], opset=2),
    ),
    (
        "Clip",
        "min equal to max (allowed), given as integer-form numbers",
        op_file("Clip", [("x", F, [3])], [("y", F, [3])], attributes={"min": 1, "max": 1}, opset=2),
    ),
    (
        "Equal",
        "int32 to bool",
        op_file("Equal", [("a", "int32", [3]), ("b", "int32", [3])], [("y", "bool", [3])], opset=2),
    ),
    ("Less", "broadcast", op_file("Less", [("a", F, [2, 1]), ("b", F, [4])], [("y", "bool", [2, 4])], opset=2)),
    (
        "LessOrEqual",
        "float64",
        op_file("LessOrEqual", [("a", "float64", [2]), ("b", "float64", [2])], [("y", "bool", [2])], opset=2),
    ),
    ("Greater", "int64", op_file("Greater", [("a", "int64", [2]), ("b", "int64", [1])], [("y", "bool", [2])], opset=2)),
    ("GreaterOrEqual", "rank 0", op_file("GreaterOrEqual", [("a", F, []), ("b", F, [])], [("y", "bool", [])], opset=2)),
    ("And", "broadcast", op_file("And", [("a", "bool", [3, 1]), ("b", "bool", [2])], [("y", "bool", [3, 2])], opset=2)),
    ("Or", "bool", op_file("Or", [("a", "bool", [2]), ("b", "bool", [2])], [("y", "bool", [2])], opset=2)),
    ("Xor", "bool", op_file("Xor", [("a", "bool", [2]), ("b", "bool", [2])], [("y", "bool", [2])], opset=2)),
    ("Not", "bool", op_file("Not", [("x", "bool", [2, 2])], [("y", "bool", [2, 2])], opset=2)),
    (
        "Where",
        "the three inputs broadcast together, int64 values",
        op_file(
            "Where",
            [("c", "bool", [2, 1, 1]), ("x", "int64", [3, 1]), ("y", "int64", [4])],
            [("z", "int64", [2, 3, 4])],
            opset=2,
        ),
    ),
]

_VALID += [
    (
        "ReduceMax",
        "axes [1], keepdims",
        op_file(
            "ReduceMax", [("x", F, [2, 3])], [("y", F, [2, 1])], attributes={"axes": [1], "keepdims": True}, opset=2
        ),
    ),
    (
        "ReduceMin",
        "all axes of an int32",
        op_file("ReduceMin", [("x", "int32", [2, 3])], [("y", "int32", [])], opset=2),
    ),
    (
        "ArgMax",
        "int64 out, symbolic batch kept",
        op_file("ArgMax", [("x", F, ["n", 5])], [("y", "int64", ["n"])], attributes={"axis": -1}, opset=2),
    ),
    (
        "CumSum",
        "exclusive and reverse",
        op_file(
            "CumSum",
            [("x", "int64", [4])],
            [("y", "int64", [4])],
            attributes={"axis": 0, "exclusive": True, "reverse": True},
            opset=2,
        ),
    ),
    (
        "Expand",
        "both ways",
        op_file("Expand", [("x", F, [3, 1])], [("y", F, [2, 3, 4])], attributes={"shape": [2, 1, 4]}, opset=2),
    ),
    (
        "Tile",
        "a symbol times 1 stays the symbol",
        op_file("Tile", [("x", "bool", ["n", 2])], [("y", "bool", ["n", 6])], attributes={"repeats": [1, 3]}, opset=2),
    ),
    (
        "Pad",
        "reflect by the largest count allowed",
        op_file(
            "Pad", [("x", F, [2, 3])], [("y", F, [2, 7])], attributes={"pads": [0, 2, 0, 2], "mode": "reflect"}, opset=2
        ),
    ),
    (
        "Range",
        "float32 with a fractional delta",
        op_file(
            "Range",
            [],
            [("y", F, [4])],
            attributes={"start": 0, "limit": 1, "delta": 0.25, "dtype": "float32"},
            opset=2,
        ),
    ),
]

_ROPE = {"rotary_dim": 4, "scaling": "llama3", "factor": 8, "base": 500000}
_VALID += [
    (
        "RMSNorm",
        "Gemma's unit_offset with a bound weight",
        op_file(
            "RMSNorm",
            [("x", F, ["n", 4])],
            [("y", F, ["n", 4])],
            attributes={"normalized_shape": [4], "unit_offset": True},
            parameters={"weight": w32("norm.weight", [4])},
            opset=2,
        ),
    ),
    (
        "RotaryEmbedding",
        "partial rotary with llama3 scaling, int32 positions, symbolic sequence",
        op_file(
            "RotaryEmbedding",
            [("q", F, [1, 2, "s", 8]), ("pos", "int32", [1, "s"])],
            [("y", F, [1, 2, "s", 8])],
            attributes=_ROPE,
            opset=2,
        ),
    ),
]

_ATT_IN = [("q", F, [1, 4, 1, 8]), ("k", F, [1, 2, 1, 8]), ("v", F, [1, 2, 1, 6])]
_PAST = [("pk", F, [1, 2, "past", 8]), ("pv", F, [1, 2, "past", 6])]
_VALID += [
    (
        "Attention",
        "one decoding step: grouped heads (4 on 2), a cache of symbolic length, an additive mask, causal, "
        "a window and soft-capping; Y and both presents",
        op_file(
            "Attention",
            [*_ATT_IN, ("m", F, [1, 1, 1, "total"]), *_PAST],
            [("y", F, [1, 4, 1, 6]), ("pk2", F, [1, 2, "t", 8]), ("pv2", F, [1, 2, "t", 6])],
            attributes={"causal": True, "window": 4, "softcap": 50, "scale": 0.125},
            opset=2,
        ),
    ),
]

_Q = [("q", F, [1, 2, 3, 8]), ("pos", "int64", [1, 3])]
_QY = [("y", F, [1, 2, 3, 8])]

# (name, file, code, description, section)
_INVALID: list[tuple[str, bytes, str, str, str]] = [
    (
        "v2-op-in-v1-graph",
        op_file("Neg", [("x", F, [3])], [("y", F, [3])], opset=1),
        "GRAPH_OP_UNKNOWN",
        "an op of version 2 in a graph declaring version 1 is unknown, whatever the reader implements",
        "9.3",
    ),
    (
        "sqrt-integer",
        op_file("Sqrt", [("x", "int64", [3])], [("y", "int64", [3])], opset=2),
        "GRAPH_DTYPE",
        "Sqrt takes T (a floating dtype)",
        "10.14.3",
    ),
    (
        "neg-bool",
        op_file("Neg", [("x", "bool", [3])], [("y", "bool", [3])], opset=2),
        "GRAPH_DTYPE",
        "Neg takes N (bool is not N)",
        "10.14.1",
    ),
    (
        "pow-integer",
        op_file("Pow", [("a", "int32", [3]), ("b", "int32", [3])], [("y", "int32", [3])], opset=2),
        "GRAPH_DTYPE",
        "Pow takes T",
        "10.14.10",
    ),
    (
        "min-mixed-dtypes",
        op_file("Min", [("a", F, [3]), ("b", "float64", [3])], [("y", F, [3])], opset=2),
        "GRAPH_DTYPE",
        "Min's inputs have the same dtype",
        "10.14.11",
    ),
    (
        "max-not-broadcastable",
        op_file("Max", [("a", F, [3]), ("b", F, [4])], [("y", F, [4])], opset=2),
        "GRAPH_SHAPE",
        "3 and 4 do not broadcast",
        "10.14.12",
    ),
    (
        "clip-min-above-max",
        op_file("Clip", [("x", F, [3])], [("y", F, [3])], attributes={"min": 2, "max": 1}, opset=2),
        "GRAPH_ATTRIBUTE_VALUE",
        "Clip's min is at most its max",
        "10.14.13",
    ),
    (
        "clip-bound-string",
        op_file("Clip", [("x", F, [3])], [("y", F, [3])], attributes={"max": "6"}, opset=2),
        "GRAPH_ATTRIBUTE_TYPE",
        "Clip's bounds are numbers",
        "10.14.13",
    ),
    (
        "equal-bool",
        op_file("Equal", [("a", "bool", [3]), ("b", "bool", [3])], [("y", "bool", [3])], opset=2),
        "GRAPH_DTYPE",
        "comparisons take N (Xor and Not compare bools)",
        "10.15.1",
    ),
    (
        "less-output-declared-float",
        op_file("Less", [("a", F, [3]), ("b", F, [3])], [("y", F, [3])], opset=2),
        "GRAPH_DTYPE",
        "a comparison's output is bool (the declared output differs from the inferred one)",
        "10.15.2",
    ),
    (
        "and-float",
        op_file("And", [("a", F, [3]), ("b", F, [3])], [("y", "bool", [3])], opset=2),
        "GRAPH_DTYPE",
        "And takes bool",
        "10.15.6",
    ),
    (
        "where-condition-float",
        op_file("Where", [("c", F, [3]), ("x", F, [3]), ("y", F, [3])], [("z", F, [3])], opset=2),
        "GRAPH_DTYPE",
        "Where's condition is bool",
        "10.15.10",
    ),
    (
        "where-mixed-dtypes",
        op_file("Where", [("c", "bool", [3]), ("x", F, [3]), ("y", "int64", [3])], [("z", F, [3])], opset=2),
        "GRAPH_DTYPE",
        "Where's X and Y have the same dtype",
        "10.15.10",
    ),
    (
        "where-not-broadcastable",
        op_file("Where", [("c", "bool", [2]), ("x", F, [3]), ("y", F, [3])], [("z", F, [3])], opset=2),
        "GRAPH_SHAPE",
        "the condition broadcasts with X and Y",
        "10.15.10",
    ),
]

_INVALID += [
    (
        "reducemax-axes-twice",
        op_file("ReduceMax", [("x", F, [2, 3])], [("y", F, [2])], attributes={"axes": [1, -1]}, opset=2),
        "GRAPH_ATTRIBUTE_VALUE",
        "axes name an axis once",
        "10.16.1",
    ),
    (
        "reducemin-bool",
        op_file("ReduceMin", [("x", "bool", [2])], [("y", "bool", [])], opset=2),
        "GRAPH_DTYPE",
        "ReduceMin takes N",
        "10.16.2",
    ),
    (
        "argmax-empty-axis",
        op_file("ArgMax", [("x", F, [2, 0])], [("y", "int64", [2])], attributes={"axis": 1}, opset=2),
        "GRAPH_SHAPE",
        "an empty axis has no largest element",
        "10.16.3",
    ),
    (
        "argmax-axis-out-of-range",
        op_file("ArgMax", [("x", F, [2, 3])], [("y", "int64", [2])], attributes={"axis": 2}, opset=2),
        "GRAPH_ATTRIBUTE_VALUE",
        "axis is an axis of X",
        "10.16.3",
    ),
    (
        "argmax-axis-missing",
        op_file("ArgMax", [("x", F, [2, 3])], [("y", "int64", [2])], opset=2),
        "GRAPH_ATTRIBUTE_MISSING",
        "axis is required",
        "10.16.3",
    ),
    (
        "cumsum-rank-0",
        op_file("CumSum", [("x", F, [])], [("y", F, [])], attributes={"axis": 0}, opset=2),
        "GRAPH_SHAPE",
        "CumSum's X has rank >= 1",
        "10.16.4",
    ),
    (
        "expand-not-broadcastable",
        op_file("Expand", [("x", F, [3])], [("y", F, [4])], attributes={"shape": [4]}, opset=2),
        "GRAPH_SHAPE",
        "3 does not broadcast with 4",
        "10.17.1",
    ),
    (
        "expand-negative",
        op_file("Expand", [("x", F, [1])], [("y", F, [1])], attributes={"shape": [-1]}, opset=2),
        "GRAPH_ATTRIBUTE_VALUE",
        "target sizes are >= 0 (no -1 as in PyTorch's expand)",
        "10.17.1",
    ),
    (
        "tile-repeats-length",
        op_file("Tile", [("x", F, [2, 2])], [("y", F, [4, 2])], attributes={"repeats": [2]}, opset=2),
        "GRAPH_ATTRIBUTE_VALUE",
        "repeats has one item per axis",
        "10.17.2",
    ),
    (
        "pad-pads-length",
        op_file("Pad", [("x", F, [2, 2])], [("y", F, [4, 2])], attributes={"pads": [1, 1]}, opset=2),
        "GRAPH_ATTRIBUTE_VALUE",
        "pads has 2r items",
        "10.17.3",
    ),
    (
        "pad-reflect-too-wide",
        op_file("Pad", [("x", F, [3])], [("y", F, [6])], attributes={"pads": [3, 0], "mode": "reflect"}, opset=2),
        "GRAPH_SHAPE",
        "reflect counts stay below the axis size",
        "10.17.3",
    ),
    (
        "pad-replicate-empty",
        op_file("Pad", [("x", F, [0])], [("y", F, [1])], attributes={"pads": [1, 0], "mode": "replicate"}, opset=2),
        "GRAPH_SHAPE",
        "replicate has no border element on an empty axis",
        "10.17.3",
    ),
    (
        "pad-mode-unknown",
        op_file("Pad", [("x", F, [3])], [("y", F, [5])], attributes={"pads": [1, 1], "mode": "wrap"}, opset=2),
        "GRAPH_ATTRIBUTE_VALUE",
        "modes are constant, reflect, replicate",
        "10.17.3",
    ),
    (
        "pad-integer",
        op_file("Pad", [("x", "int64", [3])], [("y", "int64", [5])], attributes={"pads": [1, 1]}, opset=2),
        "GRAPH_DTYPE",
        "Pad takes T",
        "10.17.3",
    ),
    (
        "range-delta-zero",
        op_file("Range", [], [("y", "int64", [0])], attributes={"start": 0, "limit": 4, "delta": 0}, opset=2),
        "GRAPH_ATTRIBUTE_VALUE",
        "delta is not 0",
        "10.17.4",
    ),
    (
        "range-int-fraction",
        op_file("Range", [], [("y", "int64", [2])], attributes={"start": 0, "limit": 1.5}, opset=2),
        "GRAPH_ATTRIBUTE_VALUE",
        "integer dtypes take integer-form attributes",
        "10.17.4",
    ),
    (
        "range-int32-overflow",
        op_file(
            "Range", [], [("y", "int32", [0])], attributes={"start": 2147483648, "limit": 0, "dtype": "int32"}, opset=2
        ),
        "GRAPH_ATTRIBUTE_VALUE",
        "the attributes fit the dtype",
        "10.17.4",
    ),
    (
        "range-declared-length-wrong",
        op_file("Range", [], [("y", "int64", [3])], attributes={"start": 0, "limit": 10, "delta": 3}, opset=2),
        "GRAPH_SHAPE",
        "ceil((10 - 0) / 3) is 4, not the declared 3",
        "10.17.4",
    ),
]

_INVALID += [
    (
        "rmsnorm-shape",
        op_file("RMSNorm", [("x", F, [2, 3])], [("y", F, [2, 3])], attributes={"normalized_shape": [4]}, opset=2),
        "GRAPH_SHAPE",
        "X ends with normalized_shape",
        "10.18.1",
    ),
    (
        "rmsnorm-weight-shape",
        op_file(
            "RMSNorm",
            [("x", F, [2, 4])],
            [("y", F, [2, 4])],
            attributes={"normalized_shape": [4]},
            parameters={"weight": w32("norm.weight", [3])},
            opset=2,
        ),
        "GRAPH_PARAMETER_SHAPE",
        "the weight has normalized_shape",
        "10.18.1",
    ),
    (
        "rotary-rank-3",
        op_file("RotaryEmbedding", [("q", F, [2, 3, 8]), ("pos", "int64", [2, 3])], [("y", F, [2, 3, 8])], opset=2),
        "GRAPH_SHAPE",
        "X is [batch, heads, seq, head_dim]",
        "10.18.2",
    ),
    (
        "rotary-positions-float",
        op_file("RotaryEmbedding", [_Q[0], ("pos", F, [1, 3])], _QY, opset=2),
        "GRAPH_DTYPE",
        "position_ids is I",
        "10.18.2",
    ),
    (
        "rotary-positions-seq",
        op_file("RotaryEmbedding", [_Q[0], ("pos", "int64", [1, 4])], _QY, opset=2),
        "GRAPH_SHAPE",
        "position_ids is [batch, seq] of X",
        "10.18.2",
    ),
    (
        "rotary-dim-odd",
        op_file("RotaryEmbedding", _Q, _QY, attributes={"rotary_dim": 3}, opset=2),
        "GRAPH_ATTRIBUTE_VALUE",
        "rotary_dim is even",
        "10.18.2",
    ),
    (
        "rotary-dim-too-large",
        op_file("RotaryEmbedding", _Q, _QY, attributes={"rotary_dim": 10}, opset=2),
        "GRAPH_SHAPE",
        "rotary_dim is at most head_dim",
        "10.18.2",
    ),
    (
        "rotary-head-dim-odd",
        op_file("RotaryEmbedding", [("q", F, [1, 2, 3, 7]), _Q[1]], [("y", F, [1, 2, 3, 7])], opset=2),
        "GRAPH_SHAPE",
        "without rotary_dim, the head size is even",
        "10.18.2",
    ),
    (
        "rotary-llama3-factors",
        op_file(
            "RotaryEmbedding",
            _Q,
            _QY,
            attributes={"scaling": "llama3", "low_freq_factor": 4, "high_freq_factor": 1},
            opset=2,
        ),
        "GRAPH_ATTRIBUTE_VALUE",
        "llama3: low_freq_factor < high_freq_factor",
        "10.18.2",
    ),
    (
        "rotary-scaling-dynamic",
        op_file("RotaryEmbedding", _Q, _QY, attributes={"scaling": "dynamic"}, opset=2),
        "GRAPH_ATTRIBUTE_VALUE",
        "version 2 scalings are none, linear, llama3 and yarn (dynamic NTK depends on values)",
        "10.18.2",
    ),
    (
        "rotary-yarn-betas",
        op_file(
            "RotaryEmbedding",
            _Q,
            _QY,
            attributes={"scaling": "yarn", "factor": 4, "beta_fast": 1, "beta_slow": 32},
            opset=2,
        ),
        "GRAPH_ATTRIBUTE_VALUE",
        "yarn: 0 < beta_slow < beta_fast",
        "10.18.2",
    ),
    (
        "rotary-yarn-base-1",
        op_file("RotaryEmbedding", _Q, _QY, attributes={"scaling": "yarn", "factor": 4, "base": 1}, opset=2),
        "GRAPH_ATTRIBUTE_VALUE",
        "yarn divides by ln(base)",
        "10.18.2",
    ),
]

_ATT_Y = [("y", F, [1, 4, 1, 6])]
_INVALID += [
    (
        "attention-heads-not-multiple",
        op_file("Attention", [("q", F, [1, 3, 1, 8]), *_ATT_IN[1:]], [("y", F, [1, 3, 1, 6])], opset=2),
        "GRAPH_SHAPE",
        "query heads are a multiple of key/value heads",
        "10.18.3",
    ),
    (
        "attention-window-without-causal",
        op_file("Attention", _ATT_IN, _ATT_Y, attributes={"window": 2}, opset=2),
        "GRAPH_ATTRIBUTE_VALUE",
        "a window counts back from each query: it needs causal",
        "10.18.3",
    ),
    (
        "attention-past-key-alone",
        op_file("Attention", [*_ATT_IN, _PAST[0]], _ATT_Y, node_inputs=["q", "k", "v", None, "pk"], opset=2),
        "GRAPH_ARITY",
        "past_key and past_value are given together",
        "10.18.3",
    ),
    (
        "attention-mask-shape",
        op_file("Attention", [*_ATT_IN, ("m", "bool", [1, 1, 2, 1])], _ATT_Y, opset=2),
        "GRAPH_SHAPE",
        "the mask does not enlarge the logits [1, 4, 1, 1]",
        "10.18.3",
    ),
    (
        "attention-mask-dtype",
        op_file("Attention", [*_ATT_IN, ("m", "int64", [1, 1])], _ATT_Y, opset=2),
        "GRAPH_DTYPE",
        "the mask is bool or the query's dtype",
        "10.18.3",
    ),
    (
        "attention-rank-3",
        op_file("Attention", [("q", F, [4, 1, 8]), *_ATT_IN[1:]], [("y", F, [4, 1, 6])], opset=2),
        "GRAPH_SHAPE",
        "query is [batch, heads, length, head_dim]",
        "10.18.3",
    ),
    (
        "attention-key-head-size",
        op_file("Attention", [_ATT_IN[0], ("k", F, [1, 2, 1, 4]), _ATT_IN[2]], _ATT_Y, opset=2),
        "GRAPH_SHAPE",
        "key's head size is query's",
        "10.18.3",
    ),
    (
        "attention-past-heads",
        op_file(
            "Attention",
            [*_ATT_IN, ("pk", F, [1, 4, 3, 8]), ("pv", F, [1, 4, 3, 6])],
            _ATT_Y,
            node_inputs=["q", "k", "v", None, "pk", "pv"],
            opset=2,
        ),
        "GRAPH_SHAPE",
        "the past has the key/value heads",
        "10.18.3",
    ),
    (
        "attention-present-length",
        op_file(
            "Attention",
            [*_ATT_IN, ("pk", F, [1, 2, 3, 8]), ("pv", F, [1, 2, 3, 6])],
            [*_ATT_Y, ("pk2", F, [1, 2, 3, 8])],
            node_inputs=["q", "k", "v", None, "pk", "pv"],
            opset=2,
        ),
        "GRAPH_SHAPE",
        "present_key holds past and current keys: 3 + 1, not the declared 3",
        "10.18.3",
    ),
]


def _huge_range() -> Vector:
    """SPEC.md §10.17.4: a Range of 2^53 elements is a valid graph (its size is unknown) that no runtime
    budget admits."""
    content = op_file(
        "Range", [], [("y", "int64", ["n"])], attributes={"start": -1, "limit": 2**53 - 1, "delta": 1}, opset=2
    )
    return valid(
        "valid.runtime.memory-budget-range-of-2-53",
        content,
        "a Range of 2^53 elements (-1 to 2^53-1): valid, its length is unknown, and no runtime may allocate it",
        ("10.17.4", "9.11"),
        runtime={"inputs": {}, "error": "RUN_MEMORY_BUDGET"},
        tags=("runtime:RUN_MEMORY_BUDGET", "op:Range", "pitfall:17.17"),
    )


def vectors() -> list[Vector]:
    result = [
        valid(f"valid.op.{op.lower()}", content, f"{op}: {what}", ("9.3", "10"), tags=(f"op:{op}",))
        for op, what, content in _VALID
    ]
    for name, content, code, description, section in _INVALID:
        tags = (f"graph-rule:{name}",)
        result.append(invalid(f"invalid.graph.{name}", content, code, description, section, tags=tags))
    result.append(_huge_range())
    return result
