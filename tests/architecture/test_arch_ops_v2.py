"""The special values SPEC.md §10.14-10.15 states for the ops of modelfmt.core version 2 (NaN, infinities,
signed zeros, integer wrap-around), through the numpy runtime, and the version rule of §9.3 for them."""

from __future__ import annotations

from pathlib import Path

import modelfmt
import numpy as np
import pytest
from arch_helpers import declare, node, with_inferred_outputs, write
from modelfmt.format._errors import FormatError
from modelfmt.graph._validate import validate_architecture
from modelfmt.graph.core._tensor import range_length

NAN, INF = float("nan"), float("inf")


def run(tmp_path: Path, op: str, *inputs: np.ndarray, **attributes: object) -> np.ndarray:
    names = [f"x{index}" for index in range(len(inputs))]
    the_node = node("n", op, names, ["y"], attributes=attributes or None)
    architecture = with_inferred_outputs(
        [declare(n, a) for n, a in zip(names, inputs, strict=True)], [the_node], ["y"], {}
    )
    path = write(tmp_path / "op.mft", architecture, {})
    result: np.ndarray = modelfmt.run(path, dict(zip(names, inputs, strict=True)))["y"]
    return result


def f32(*values: float) -> np.ndarray:
    return np.array(values, np.float32)


def same(actual: np.ndarray, expected: np.ndarray) -> None:
    """Equal elements, NaN where NaN is expected, and the sign of every zero."""
    assert actual.dtype == expected.dtype
    np.testing.assert_array_equal(actual, expected)
    assert np.signbit(actual).tolist() == np.signbit(expected).tolist()


@pytest.mark.parametrize("op", ["Min", "Max"])
def test_min_and_max_propagate_nan_from_either_side(op: str, tmp_path: Path) -> None:
    got = run(tmp_path, op, f32(NAN, 1, 2), f32(0, NAN, 3))
    assert np.isnan(got[:2]).all() and got[2] == (2 if op == "Min" else 3)


def test_clip_keeps_nan_and_rounds_bounds_to_the_dtype(tmp_path: Path) -> None:
    same(run(tmp_path, "Clip", f32(NAN, -5, 5), min=-1, max=1), f32(NAN, -1, 1))
    # 0.1 is not a float32: the bound is float32(0.1), so the clipped element equals it exactly.
    assert run(tmp_path, "Clip", f32(1), max=0.1)[0] == np.float32(0.1)


def test_comparisons_with_nan_are_false_and_zeros_are_equal(tmp_path: Path) -> None:
    a, b = f32(NAN, 0.0, 1), f32(NAN, -0.0, 2)
    assert run(tmp_path, "Equal", a, b).tolist() == [False, True, False]
    assert run(tmp_path, "Less", a, b).tolist() == [False, False, True]
    assert run(tmp_path, "GreaterOrEqual", a, b).tolist() == [False, True, False]


def test_ieee_special_values(tmp_path: Path) -> None:
    same(run(tmp_path, "Sqrt", f32(-0.0, INF)), f32(-0.0, INF))
    assert np.isnan(run(tmp_path, "Sqrt", f32(-1))).all()
    same(run(tmp_path, "Log", f32(0, 1, INF)), f32(-INF, 0, INF))
    assert np.isnan(run(tmp_path, "Log", f32(-1))).all()
    same(run(tmp_path, "Rsqrt", f32(0.0, -0.0, INF)), f32(INF, -INF, 0))
    same(run(tmp_path, "Exp", f32(-INF, 1000)), f32(0, INF))
    same(run(tmp_path, "Erf", f32(INF, -INF, 0.0, -0.0)), f32(1, -1, 0.0, -0.0))
    same(run(tmp_path, "Neg", f32(0.0)), f32(-0.0))
    same(run(tmp_path, "Abs", f32(-0.0)), f32(0.0))


def test_pow_follows_c(tmp_path: Path) -> None:
    got = run(tmp_path, "Pow", f32(NAN, 1, -8, 0), f32(0, NAN, 1 / 3, -1))
    assert got[:2].tolist() == [1, 1] and np.isnan(got[2]) and got[3] == INF


def test_integer_neg_and_abs_wrap_around(tmp_path: Path) -> None:
    lowest = np.iinfo(np.int32).min
    same(run(tmp_path, "Neg", np.array([lowest, 5], np.int32)), np.array([lowest, -5], np.int32))
    same(run(tmp_path, "Abs", np.array([lowest, -5], np.int32)), np.array([lowest, 5], np.int32))


def test_where_takes_no_nan_from_the_side_not_selected(tmp_path: Path) -> None:
    got = run(tmp_path, "Where", np.array([True, False]), f32(1, NAN), f32(NAN, 2))
    same(got, f32(1, 2))


def _graph(version: int, op: str) -> dict[str, object]:
    return {
        "opset": {"modelfmt.core": version},
        "inputs": [{"name": "x", "dtype": "float32", "shape": [2]}],
        "outputs": [{"name": "y", "dtype": "float32", "shape": [2]}],
        "nodes": [node("n", op, ["x"], ["y"])],
    }


@pytest.mark.parametrize("op", ["Neg", "Exp", "Erf"])
def test_an_op_of_version_2_is_unknown_to_a_graph_declaring_version_1(op: str) -> None:
    validate_architecture(_graph(2, op), {})
    with pytest.raises(FormatError) as caught:
        validate_architecture(_graph(1, op), {})
    assert caught.value.code == "GRAPH_OP_UNKNOWN"


def test_a_graph_declaring_version_3_is_unsupported() -> None:
    with pytest.raises(FormatError) as caught:
        validate_architecture(_graph(3, "ReLU"), {})
    assert caught.value.code == "GRAPH_OPSET_VERSION"


# ---- §10.16-10.17 -------------------------------------------------------------------------------------


def test_reduce_max_and_argmax_with_nan(tmp_path: Path) -> None:
    x = np.array([[1, NAN, 3], [2, 5, 5]], np.float32)
    got = run(tmp_path, "ReduceMax", x, axes=[1])
    assert np.isnan(got[0]) and got[1] == 5
    assert run(tmp_path, "ArgMax", x, axis=1).tolist() == [1, 1]  # NaN is the largest; ties take the first


def test_cumsum_of_integers_wraps_around(tmp_path: Path) -> None:
    top = np.iinfo(np.int32).max
    assert run(tmp_path, "CumSum", np.array([top, 1], np.int32), axis=0).tolist() == [top, -top - 1]


@pytest.mark.parametrize(
    ("start", "limit", "delta", "length"),
    [
        (0, 10, 3, 4),
        (10, 0, -3, 4),
        (0, 0, 1, 0),
        (5, 0, 1, 0),
        (0, 1, 0.1, 10),
        (0, 0.3, 0.1, 3),
        (-1, 2**53 - 1, 1, 2**53),
    ],
)
def test_range_length_is_exact(start: float, limit: float, delta: float, length: int) -> None:
    """0.1 is a little more than 1/10 and 0.3 a little less than 3/10: counted exactly, 0.3/0.1 gives 3,
    where floating-point division gives 3.0000000000000004 and ceil 4."""
    assert range_length(start, limit, delta) == length


def test_a_range_of_2_53_elements_is_refused_by_the_budget_not_allocated(tmp_path: Path) -> None:
    the_node = node("n", "Range", [], ["y"], attributes={"start": -1, "limit": 2**53 - 1})
    architecture = {
        "opset": {"modelfmt.core": 2},
        "inputs": [],
        "outputs": [{"name": "y", "dtype": "int64", "shape": ["n"]}],
        "nodes": [the_node],
    }
    path = write(tmp_path / "range.mft", architecture, {})
    with pytest.raises(FormatError) as caught:
        modelfmt.run(path, {})
    assert caught.value.code == "RUN_MEMORY_BUDGET"
    architecture["nodes"] = [node("n", "Range", [], ["y"], attributes={"start": 0, "limit": 2**40})]
    path = write(tmp_path / "range-2-40.mft", architecture, {})
    with pytest.raises(FormatError) as caught:
        modelfmt.run(path, {})
    assert caught.value.code == "RUN_MEMORY_BUDGET"


def test_pad_of_a_rank_0_value_is_a_copy(tmp_path: Path) -> None:
    """Found by tests/architecture/test_arch_fuzz.py: numpy's pad refuses the empty `pads` of a scalar."""
    assert run(tmp_path, "Pad", np.array(2.5, np.float32), pads=[]).tolist() == 2.5
