"""The numpy runtime's vectorised erf (`runtime/_erf.py`, W. J. Cody's rational approximations) against
the C library's `math.erf`: within a few units in the last place of float64 on a dense grid and at every
edge (0, -0, ±inf, NaN, subnormals, the interval boundaries, where erf reaches ±1), and within one unit
of float32 after rounding; and the exact GELU built on it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from modelfmt.runtime._erf import THRESHOLD, erf, erf64
from modelfmt.runtime._kernels_basic import gelu

# Cody's functions are accurate to 6e-19 in exact arithmetic; binary64 evaluation adds a few roundings.
MAX_FLOAT64_ULPS = 4


def _grid() -> np.ndarray:
    magnitudes = np.geomspace(1e-308, 30, 20_000)
    boundaries = np.array([THRESHOLD, 4.0, 5.9, 26.543])
    near = np.concatenate([np.nextafter(boundaries, 0), boundaries, np.nextafter(boundaries, 100)])
    points = np.concatenate([np.linspace(-7, 7, 140_001), magnitudes, -magnitudes, near, -near])
    return points.astype(np.float64)


def _ulps(actual: np.ndarray, expected: np.ndarray) -> np.ndarray:
    spacing = np.spacing(np.abs(expected).astype(actual.dtype))
    return np.abs(actual.astype(np.float64) - expected.astype(np.float64)) / spacing.astype(np.float64)


def test_float64_within_a_few_ulps_of_math_erf_on_a_dense_grid() -> None:
    x = _grid()
    expected = np.array([math.erf(value) for value in x])
    assert _ulps(erf64(x), expected).max() <= MAX_FLOAT64_ULPS


def test_float32_within_one_ulp_of_math_erf_rounded() -> None:
    x = _grid().astype(np.float32)
    expected = np.array([math.erf(float(value)) for value in x]).astype(np.float32)
    got = erf(x)
    assert got.dtype == np.float32
    assert _ulps(got, expected).max() <= 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, 0.0),
        (-0.0, -0.0),
        (math.inf, 1.0),
        (-math.inf, -1.0),
        (5e-324, 5e-324 * 2 / math.sqrt(math.pi)),
        (1e-300, math.erf(1e-300)),
        (6.0, 1.0),
        (-26.6, -1.0),
        (1e300, 1.0),
    ],
)
def test_edge_cases(value: float, expected: float) -> None:
    got = float(erf64(np.array([value]))[0])
    assert got == pytest.approx(expected, rel=1e-15, abs=0) or got == expected
    assert math.copysign(1, got) == math.copysign(1, expected)


def test_nan_stays_nan_and_shapes_are_kept() -> None:
    x = np.array([[math.nan, 0.5], [-1.0, math.nan]], np.float32)
    got = erf(x)
    assert got.shape == (2, 2) and np.isnan(got[0, 0]) and np.isnan(got[1, 1])
    assert erf(np.zeros((0, 3), np.float64)).shape == (0, 3)


def test_exact_gelu_matches_the_formula_with_math_erf() -> None:
    x = np.linspace(-8, 8, 4001)
    expected = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x])
    assert np.abs(gelu(x, "none") - expected).max() <= 4 * np.spacing(np.abs(expected).max())
