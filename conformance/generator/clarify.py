"""Vectors that pin the answers SPEC.md gives to the questions the independent JavaScript implementation
raised (conformance/implementations/js/SPEC-ISSUES.md): each names its issue number in `tags`
(`spec-issue:N`). Where two readers could have disagreed on a code, one of these decides it."""

from __future__ import annotations

import copy
from typing import Any

from . import signing
from .base import header_only, tiny
from .build import Preamble, Tensor, edit_text, f32, f64, file_bytes
from .graph import TENSORS, base, graph_file, node
from .model import Vector, invalid, valid
from .signatures import UNKNOWN
from .training import adam, training_file

F = "float32"


def _tag(*issues: int) -> tuple[str, ...]:
    return tuple(f"spec-issue:{n}" for n in issues)


def _graph(
    inputs: list[tuple[str, str, list[Any]]],
    outputs: list[tuple[str, str, list[Any]]],
    nodes: list[dict[str, Any]],
    tensors: list[Tensor] | None = None,
    *,
    opset: dict[str, object] | None = None,
) -> bytes:
    arch = {
        "opset": opset or {"modelfmt.core": 1},
        "inputs": [{"name": n, "dtype": d, "shape": s} for n, d, s in inputs],
        "outputs": [{"name": n, "dtype": d, "shape": s} for n, d, s in outputs],
        "nodes": nodes,
    }
    return graph_file(arch, tensors if tensors is not None else [])


def _w(name: str, shape: list[int], dtype: str = F, role: str = "parameter") -> Tensor:
    count = 1
    for dim in shape:
        count *= dim
    return Tensor(name, dtype, shape, (f32 if dtype == F else f64)(*([0.25] * count)), role)


def _versions() -> list[Vector]:
    """Issues 2 and 3: what a newer minor version changes, and what it does not."""
    newer_core = copy.deepcopy(base())
    newer_core["opset"] = {"modelfmt.core": 3}
    unknown_op = copy.deepcopy(base())
    unknown_op["nodes"][1]["op"] = "Swish"
    unknown_attribute = copy.deepcopy(base())
    unknown_attribute["nodes"][2]["attributes"]["dim"] = 1
    hyper = adam()
    hyper["optimizer"]["groups"][0]["hyperparameters"]["decoupled"] = True
    return [
        invalid(
            "invalid.graph.minor-2-opset-core-newer",
            graph_file(newer_core, TENSORS, minor=2),
            "GRAPH_OPSET_VERSION",
            "op sets are versioned by opset alone: a newer modelfmt.core is GRAPH_OPSET_VERSION in any file",
            ("9.3", "15.4"),
            tags=_tag(2),
        ),
        invalid(
            "invalid.graph.minor-2-op-unknown",
            graph_file(unknown_op, TENSORS, minor=2),
            "GRAPH_OP_UNKNOWN",
            "a minor version adds no op: an unknown core op is GRAPH_OP_UNKNOWN in any file",
            ("9.3", "15.4"),
            tags=_tag(2),
        ),
        invalid(
            "invalid.graph.minor-2-attribute-unknown",
            graph_file(unknown_attribute, TENSORS, minor=2),
            "GRAPH_ATTRIBUTE_UNKNOWN",
            "an unknown attribute keeps its code in a newer minor's file",
            ("9.7", "15.4"),
            tags=_tag(3),
        ),
        invalid(
            "invalid.training.minor-2-hyperparameter-unknown",
            training_file(hyper, minor=2),
            "TRAINING_HYPERPARAMETER",
            "an unknown core hyperparameter keeps its code in a newer minor's file",
            ("11.3", "15.4"),
            tags=_tag(3),
        ),
    ]


def _json() -> list[Vector]:
    """Issues 4, 5, 6."""
    meta = '{"metadata":{"x":%s},"tensors":[]}'
    numbers = {
        "infinity-suffix": ("Infinityx", "HEADER_NUMBER", "a value that starts with Infinity, whatever follows"),
        "nan-digit": ("NaN1", "HEADER_NUMBER", "a value that starts with NaN, whatever follows"),
        "minus-infinity-suffix": ("-Infinity0", "HEADER_NUMBER", "a value that starts with -Infinity"),
        "minus-nan": ("-NaN", "HEADER_SYNTAX", "-NaN is not one of the three tokens"),
        "plus-infinity": ("+Infinity", "HEADER_SYNTAX", "+Infinity is not one of the three tokens"),
        "nan-lowercase": ("nan", "HEADER_SYNTAX", "the tokens are case-sensitive"),
    }
    vectors = [
        invalid(
            f"invalid.json.token-{name}",
            header_only(meta % text),
            code,
            description,
            "4.4",
            tags=_tag(4),
        )
        for name, (text, code, description) in numbers.items()
    ]
    vectors.append(
        invalid(
            "invalid.json.token-nan-as-key",
            header_only('{"metadata":{NaN:1},"tensors":[]}'),
            "HEADER_SYNTAX",
            "NaN where a key is expected is not a value: HEADER_SYNTAX",
            "4.4",
            tags=_tag(4),
        )
    )
    vectors.append(
        invalid(
            "invalid.json.utf8-truncated-at-end-of-string",
            header_only(b'{"metadata":{"x":"ab\xc3'),
            "HEADER_ENCODING",
            "the header ends inside a multi-byte sequence inside a string: ill-formed UTF-8 wins over syntax",
            ("4.1", "13.1"),
            tags=_tag(5),
        )
    )
    vectors.append(
        valid(
            "valid.json.number-canonical-form-not-writable",
            header_only('{"metadata":{"n":1e16,"m":9007199254740993.0},"tensors":[]}'),
            "numbers whose canonical form is an integer beyond 2^53-1 are valid to read (a writer cannot emit them)",
            ("4.4", "4.7"),
            tags=_tag(6),
        )
    )
    return vectors


def _header() -> list[Vector]:
    """Issues 7, 8, 9."""
    m = tiny()
    return [
        valid(
            "valid.tensor_table.offset-minus-zero",
            file_bytes(m, header_text=edit_text(m, ('"offset":0,', '"offset":-0,'))),
            "-0 is integer-form and denotes 0: a valid offset",
            ("4.6", "7.2"),
            tags=_tag(7),
        ),
        invalid(
            "invalid.tensor_table.name-invalid-dtype-not-string",
            file_bytes(m, header_text=edit_text(m, ('"name":"w"', '"name":""'), ('"dtype":"float32"', '"dtype":1'))),
            "HEADER_TYPE",
            "tensor entries: every key's JSON type before any rule (an empty name is found later)",
            "7.2",
            tags=_tag(8),
        ),
        invalid(
            "invalid.graph.input-name-invalid-dtype-not-string",
            _graph([("", 1, [2])], [("x", F, [2])], []),  # type: ignore[list-item]
            "GRAPH_NAME",
            "graph value declarations: key by key, the name's rule before the dtype's type",
            ("9.5", "9.10"),
            tags=_tag(8),
        ),
        valid(
            "valid.extensions.empty-object",
            header_only('{"extensions":{},"metadata":{},"tensors":[]}'),
            "an empty extensions object is accepted (writers omit it)",
            "8.3",
            tags=_tag(9),
        ),
    ]


def _opsets() -> list[Vector]:
    """Issues 11, 12."""
    cases = {
        "opset-extension-version-string": (
            {"modelfmt.core": 1, "com.example": "1"},
            "HEADER_TYPE",
            "an extension op set version is an integer-form number, as the core's",
        ),
        "opset-extension-version-fraction-form": (
            {"modelfmt.core": 1, "com.example": "@1.0@"},
            "HEADER_TYPE",
            "1.0 is not integer-form",
        ),
        "opset-extension-version-negative": (
            {"modelfmt.core": 1, "com.example": -1},
            "GRAPH_OPSET",
            "an extension op set version below 1",
        ),
        "opset-without-core-extension-version-string": (
            {"com.example": "1"},
            "GRAPH_OPSET",
            "the presence of modelfmt.core is checked before the keys",
        ),
        "opset-domain-before-version": (
            {"modelfmt.core": 1, "Bad": "1"},
            "GRAPH_OPSET",
            "each key: the domain, then the version's type",
        ),
        "opset-keys-in-order": (
            {"modelfmt.core": 1, "com.example": "1", "Bad": 1},
            "GRAPH_OPSET",
            "keys in ascending order: Bad (not reverse-DNS) comes before com.example",
        ),
    }
    result = []
    for name, (opset, code, description) in cases.items():
        arch = copy.deepcopy(base())
        arch["opset"] = opset
        result.append(
            invalid(f"invalid.graph.{name}", graph_file(arch, TENSORS), code, description, "9.3", tags=_tag(11, 12))
        )
    return result


def _outputs() -> list[Vector]:
    """Issue 13: a declared output shape against the inferred one."""
    relu = [node("act", "ReLU", ["x"], ["y"])]
    cases = [
        (
            "declared-integer-inferred-symbol",
            ["b", 4],
            [2, 4],
            "GRAPH_SHAPE",
            "a declared integer against an inferred symbol",
        ),
        (
            "bound-symbol-inferred-integer",
            ["b", 4],
            ["b", "b"],
            "GRAPH_SHAPE",
            "a bound symbol against an inferred integer",
        ),
        ("free-symbol-inferred-symbol", ["b", 4], ["n", 4], "GRAPH_SHAPE", "a free symbol against an inferred symbol"),
    ]
    result = [
        invalid(
            f"invalid.graph.output-{name}",
            _graph([("x", F, shape_in)], [("y", F, shape_out)], relu),
            code,
            description,
            "9.5",
            tags=_tag(13),
        )
        for name, shape_in, shape_out, code, description in cases
    ]
    result.append(
        valid(
            "valid.graph.output-free-symbol-inferred-integer",
            _graph([("x", F, ["b", 4])], [("y", F, ["b", "k"])], relu),
            "a free symbol against an inferred integer is accepted; an unknown inferred dimension accepts anything",
            "9.5",
            tags=_tag(13),
        )
    )
    return result


def _nodes() -> list[Vector]:
    """Issues 14 to 17, 19, 20, 22, 23, 25."""
    xs = [("a", F, [2, 3]), ("b", F, [2, 3])]
    reshape_ints = [1] * 4096 + ["x"]
    bn = {"running_mean": "bn.mean", "running_var": "bn.var"}
    bn_tensors = [_w("bn.mean", [3], role="buffer"), _w("bn.var", [3], role="buffer")]
    conv = [_w("conv.w", [2, 3, 1])]
    rnn = [_w("rnn.w", [3, 4]), _w("rnn.u", [3, 3])]
    rnn_params = {"weight_ih_l0": "rnn.w", "weight_hh_l0": "rnn.u"}
    rnn_attrs = {"input_size": 4, "hidden_size": 3}
    mha = [_w("mha.in", [12, 4]), _w("mha.out", [4, 4])]
    mha_params = {"in_proj_weight": "mha.in", "out_proj_weight": "mha.out"}
    mha_attrs = {"embed_dim": 4, "num_heads": 2}
    cases: list[tuple[str, bytes, str, str, str, tuple[int, ...]]] = [
        (
            "concat-null-input",
            _graph(xs, [("y", F, [4, 3])], [node("cat", "Concat", ["a", None, "b"], ["y"], attributes={"axis": 0})]),
            "GRAPH_ARITY",
            "every entry of a variadic port is required: null is an arity error",
            "9.6",
            (14,),
        ),
        (
            "split-output-count-before-inputs",
            _graph(
                [("x", F, [4])],
                [("y", F, [2])],
                [node("s", "Split", ["nowhere"], ["y"], attributes={"axis": 0, "split": [2, 2]})],
            ),
            "GRAPH_ARITY",
            "Split's output count depends on an attribute: checked right after the attributes (step 4.7)",
            "9.6",
            (14,),
        ),
        (
            "ints-over-limit-non-integer",
            _graph(
                [("x", F, [1])],
                [("y", F, [1])],
                [node("r", "Reshape", ["x"], ["y"], attributes={"shape": reshape_ints})],
            ),
            "GRAPH_LIMIT",
            "an ints attribute: array type, then the item count, then the item types",
            "9.7",
            (15,),
        ),
        (
            "scalar-int32-value-fraction-form",
            _graph(
                [],
                [("y", "int32", [])],
                [node("s", "Scalar", [], ["y"], attributes={"value": "@3.0@", "dtype": "int32"})],
            ),
            "GRAPH_ATTRIBUTE_VALUE",
            "an int32 Scalar value is an integer-form number: 3.0 is not",
            "10.2.3",
            (16,),
        ),
        (
            "softmax-rank-0",
            _graph([("x", F, [])], [("y", F, [])], [node("s", "Softmax", ["x"], ["y"], attributes={"axis": 0})]),
            "GRAPH_SHAPE",
            "a stated input rank (>= 1) is GRAPH_SHAPE, checked before the axis attribute",
            "10.1",
            (19,),
        ),
        (
            "linear-rank-0",
            _graph(
                [("x", F, [])],
                [("y", F, [3])],
                [
                    node(
                        "fc",
                        "Linear",
                        ["x"],
                        ["y"],
                        attributes={"in_features": 4, "out_features": 3},
                        parameters={"weight": "w"},
                    )
                ],
                [_w("w", [3, 4])],
            ),
            "GRAPH_SHAPE",
            "Linear's input has rank >= 1",
            "10.1",
            (19,),
        ),
        (
            "conv1d-rank-2",
            _graph(
                [("x", F, [3, 5])],
                [("y", F, [1, 2, 5])],
                [
                    node(
                        "c",
                        "Conv1d",
                        ["x"],
                        ["y"],
                        attributes={"in_channels": 3, "out_channels": 2, "kernel_size": [1]},
                        parameters={"weight": "conv.w"},
                    )
                ],
                conv,
            ),
            "GRAPH_SHAPE",
            "Conv1d's input is [N, C, L]",
            "10.1",
            (19,),
        ),
        (
            "conv1d-channels-mismatch",
            _graph(
                [("x", F, [1, 4, 5])],
                [("y", F, [1, 2, 5])],
                [
                    node(
                        "c",
                        "Conv1d",
                        ["x"],
                        ["y"],
                        attributes={"in_channels": 3, "out_channels": 2, "kernel_size": [1]},
                        parameters={"weight": "conv.w"},
                    )
                ],
                conv,
            ),
            "GRAPH_SHAPE",
            "X.shape[1] equals in_channels",
            "10.8.1",
            (20,),
        ),
        (
            "batchnorm-channels-mismatch",
            _graph(
                [("x", F, [2, 4])],
                [("y", F, [2, 4])],
                [node("bn", "BatchNorm1d", ["x"], ["y"], attributes={"num_features": 3}, parameters=bn)],
                bn_tensors,
            ),
            "GRAPH_SHAPE",
            "X.shape[1] equals num_features",
            "10.9.1",
            (20,),
        ),
        (
            "rnn-h0-dtype",
            _graph(
                [("x", F, [2, 1, 4]), ("h0", "float64", [1, 1, 3])],
                [("y", F, [2, 1, 3])],
                [node("r", "RNN", ["x", "h0"], ["y"], attributes=rnn_attrs, parameters=rnn_params)],
                rnn,
            ),
            "GRAPH_DTYPE",
            "H0 has X's dtype",
            "10.10",
            (20,),
        ),
        (
            "rnn-h0-shape",
            _graph(
                [("x", F, [2, 1, 4]), ("h0", F, [1, 2, 3])],
                [("y", F, [2, 1, 3])],
                [node("r", "RNN", ["x", "h0"], ["y"], attributes=rnn_attrs, parameters=rnn_params)],
                rnn,
            ),
            "GRAPH_SHAPE",
            "H0 has shape [L*D, N, H]",
            "10.10",
            (20,),
        ),
        (
            "rnn-input-size-mismatch",
            _graph(
                [("x", F, [2, 1, 5])],
                [("y", F, [2, 1, 3])],
                [node("r", "RNN", ["x"], ["y"], attributes=rnn_attrs, parameters=rnn_params)],
                rnn,
            ),
            "GRAPH_SHAPE",
            "X's last axis is input_size",
            "10.10",
            (20,),
        ),
        (
            "mha-key-features",
            _graph(
                [("q", F, [2, 1, 4]), ("k", F, [3, 1, 5]), ("v", F, [3, 1, 4])],
                [("y", F, [2, 1, 4])],
                [node("m", "MultiHeadAttention", ["q", "k", "v"], ["y"], attributes=mha_attrs, parameters=mha_params)],
                mha,
            ),
            "GRAPH_SHAPE",
            "key and value have embed_dim features (the packed projection has no kdim, vdim)",
            "10.11.1",
            (20,),
        ),
        (
            "mha-mask-other-float",
            _graph(
                [("q", F, [2, 1, 4]), ("k", F, [3, 1, 4]), ("v", F, [3, 1, 4]), ("mask", "float64", [1, 3])],
                [("y", F, [2, 1, 4])],
                [
                    node(
                        "m",
                        "MultiHeadAttention",
                        ["q", "k", "v", "mask"],
                        ["y"],
                        attributes=mha_attrs,
                        parameters=mha_params,
                    )
                ],
                mha,
            ),
            "GRAPH_DTYPE",
            "a floating mask has the query's dtype",
            "10.11.1",
            (20,),
        ),
        (
            "transpose-perm-negative",
            _graph(
                [("x", F, [2, 3])],
                [("y", F, [3, 2])],
                [node("t", "Transpose", ["x"], ["y"], attributes={"perm": [-1, 0]})],
            ),
            "GRAPH_ATTRIBUTE_VALUE",
            "perm entries are not normalised: each is in 0..r-1",
            "10.5.3",
            (22,),
        ),
        (
            "reshape-two-minus-one-before-inputs",
            _graph(
                [("x", F, [2, 3])],
                [("y", F, [6])],
                [node("r", "Reshape", ["nowhere"], ["y"], attributes={"shape": [-1, -1]})],
            ),
            "GRAPH_ATTRIBUTE_VALUE",
            "more than one -1 is a cross-attribute rule (step 4.7), before inputs are known to be defined",
            "10.5.2",
            (23,),
        ),
        (
            "reducemean-axes-empty",
            _graph(
                [("x", F, [2, 3])], [("y", F, [2, 3])], [node("r", "ReduceMean", ["x"], ["y"], attributes={"axes": []})]
            ),
            "GRAPH_ATTRIBUTE_VALUE",
            "axes has at least 1 item",
            "10.6.1",
            (25,),
        ),
    ]
    result = [
        invalid(f"invalid.graph.{name}", content, code, description, section, tags=_tag(*issues))
        for name, content, code, description, section, issues in cases
    ]
    result += [
        valid(
            "valid.graph.scalar-float16-rounds-to-infinity",
            _graph(
                [],
                [("y", "float16", [])],
                [node("s", "Scalar", [], ["y"], attributes={"value": 1000000, "dtype": "float16"})],
            ),
            "a floating Scalar value that rounds to infinity in its dtype is allowed",
            "10.2.3",
            tags=_tag(17),
        ),
        valid(
            "valid.graph.squeeze-symbolic-axis",
            _graph(
                [("x", F, ["b", 3])], [("y", F, [3])], [node("s", "Squeeze", ["x"], ["y"], attributes={"axes": [0]})]
            ),
            "squeezing a symbolic axis is accepted at validation (its size is checked at run time)",
            "10.5.8",
            tags=_tag(25),
        ),
    ]
    return result


def _algebra() -> list[Vector]:
    """Issues 21 and 24: the dimension algebra of §9.10."""
    return [
        valid(
            "valid.graph.broadcast-symbol-with-integer-unknown",
            _graph(
                [("a", F, ["s"]), ("b", F, [5])],
                [("y", F, ["s"])],
                [node("add", "Add", ["a", "b"], ["y"])],
            ),
            "s broadcast with 5 is unknown (not 5): a bound symbol declared for it is accepted",
            "9.10",
            tags=_tag(21),
        ),
        invalid(
            "invalid.graph.reshape-minus-one-keeps-symbol",
            _graph(
                [("x", F, ["b", 1])], [("y", F, [7])], [node("r", "Reshape", ["x"], ["y"], attributes={"shape": [-1]})]
            ),
            "GRAPH_SHAPE",
            "Reshape's -1 of [b, 1] is certainly b: a declared integer fails",
            "9.10",
            tags=_tag(21),
        ),
        valid(
            "valid.graph.reshape-minus-one-symbolic-product-unknown",
            _graph(
                [("x", F, ["b", 12, 64])],
                [("y", F, ["b", "b"])],
                [node("r", "Reshape", ["x"], ["y"], attributes={"shape": [0, -1]})],
            ),
            "Reshape [0, -1] of [b, 12, 64]: the -1 is unknown (not 768), since symbols may be 0",
            "9.10",
            tags=_tag(21),
        ),
        valid(
            "valid.graph.reshape-symbolic-count-unchecked",
            _graph(
                [("x", F, ["b", 4])],
                [("y", F, ["b", 5])],
                [node("r", "Reshape", ["x"], ["y"], attributes={"shape": [0, 5]})],
            ),
            "the element count is checked only when every size is a known integer (b may be 0)",
            "9.10",
            tags=_tag(21),
        ),
        invalid(
            "invalid.graph.concat-symbol-plus-zero-keeps-symbol",
            _graph(
                [("a", F, ["s", 2]), ("b", F, [0, 2])],
                [("y", F, [7, 2])],
                [node("cat", "Concat", ["a", "b"], ["y"], attributes={"axis": 0})],
            ),
            "GRAPH_SHAPE",
            "Concat's joined axis of s and 0 is certainly s: a declared integer fails",
            "9.10",
            tags=_tag(21),
        ),
        valid(
            "valid.graph.inferred-dimension-beyond-2-53",
            _graph(
                [("x", F, [134217728, 134217728])],
                [("y", F, [9007199254740991])],
                [node("f", "Flatten", ["x"], ["y"], attributes={"start_dim": 0})],
            ),
            "an inferred dimension above 2^53-1 (here 2^54) is unknown: no declared size contradicts it",
            "9.10",
            tags=_tag(24),
        ),
    ]


def _training() -> list[Vector]:
    """Issues 27, 28, 29."""
    no_ams = adam()
    no_ams["optimizer"]["state"]["fc.weight"]["slots"]["max_exp_avg_sq"] = "optimizer.fc.weight.max_exp_avg_sq"
    extension = {
        "epoch": 0,
        "step": 0,
        "optimizer": {
            "type": "com.example.Lion",
            "groups": [{"hyperparameters": {"lr": 0.0001}, "parameters": ["fc.weight", "fc.bias"]}],
            "state": {
                "fc.weight": {"step": 1, "slots": {"m": "optimizer.fc.weight.wrong_dtype"}},
                "fc.bias": {"slots": {"m": "optimizer.fc.weight.wrong_shape"}},
            },
        },
    }
    empty = {"epoch": 0, "step": 0, "optimizer": {"type": "SGD", "groups": [], "state": {}}}
    empty_params = copy.deepcopy(adam())
    empty_params["optimizer"]["groups"].append(
        {"hyperparameters": copy.deepcopy(empty_params["optimizer"]["groups"][0]["hyperparameters"]), "parameters": []}
    )
    group_types = adam()
    group_types["optimizer"]["groups"][0]["hyperparameters"]["decoupled"] = True
    group_types["optimizer"]["groups"][0]["parameters"] = "fc.weight"
    return [
        invalid(
            "invalid.training.group-types-before-hyperparameters",
            training_file(group_types),
            "HEADER_TYPE",
            "a group's keys, then both keys' JSON types, then the hyperparameter rules",
            ("11.3", "11.8"),
            tags=_tag(26),
        ),
        invalid(
            "invalid.training.max-exp-avg-sq-without-amsgrad",
            training_file(no_ams),
            "TRAINING_SLOT",
            "max_exp_avg_sq is a slot only when the group has amsgrad true",
            "11.4",
            tags=_tag(27),
        ),
        valid(
            "valid.training.extension-optimizer-state",
            training_file(extension),
            "an extension optimizer: step optional, slot tensors of any dtype and shape",
            "11.7",
            tags=_tag(28),
        ),
        valid(
            "valid.training.empty-groups",
            training_file(empty),
            "no groups and no state",
            "11.3",
            tags=_tag(29),
        ),
        valid(
            "valid.training.empty-parameter-list",
            training_file(empty_params),
            "a group with an empty parameter list",
            "11.3",
            tags=_tag(29),
        ),
    ]


def _signatures() -> list[Vector]:
    """Issues 30, 31."""
    unsigned = file_bytes(tiny())
    minor2 = file_bytes(tiny(), preamble=Preamble(minor=2))
    many = {f"org.example.k{i:02d}": "x" for i in range(16)}
    many["location"] = "x"
    return [
        invalid(
            "invalid.signature_block.minor-2-attribute-defect-before-unknown-key",
            signing.with_entries(minor2, [{**UNKNOWN, "attributes": {"comment": "", "location": "x"}}]),
            "SIGNATURE_BLOCK",
            "members in canonical key order: comment's empty value comes before the unknown key location",
            ("12.4", "15.4"),
            tags=_tag(30),
        ),
        invalid(
            "invalid.signature_block.minor-2-unknown-key-before-attribute-defect",
            signing.with_entries(minor2, [{**UNKNOWN, "attributes": {"location": "x", "signer": ""}}]),
            "UNSUPPORTED_VERSION",
            "members in canonical key order: the unknown key location comes before signer's empty value",
            ("12.4", "15.4"),
            tags=_tag(30),
        ),
        invalid(
            "invalid.signature_block.minor-2-member-count-before-unknown-key",
            signing.with_entries(minor2, [{**UNKNOWN, "attributes": many}]),
            "SIGNATURE_BLOCK",
            "the member count is checked before any member",
            ("12.4", "15.4"),
            tags=_tag(30),
        ),
        valid(
            "valid.signature_block.attribute-time-year-0000",
            signing.with_entries(unsigned, [{**UNKNOWN, "attributes": {"time": "0000-02-29T00:00:00Z"}}]),
            "years 0000-9999; 0000 is a Gregorian leap year",
            "12.4",
            tags=_tag(31),
        ),
    ]


def vectors() -> list[Vector]:
    return [
        *_versions(),
        *_json(),
        *_header(),
        *_opsets(),
        *_outputs(),
        *_nodes(),
        *_algebra(),
        *_training(),
        *_signatures(),
    ]
