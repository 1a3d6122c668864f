"""erf for whole arrays in float64: W. J. Cody's rational approximations (CALERF, "Rational Chebyshev
approximations for the error function", Math. Comp. 23, 1969, pp. 631-638; ACM TOMS algorithm 715).

numpy has no erf, and calling `math.erf` element by element took most of a BERT run (GELU). Cody's
three rational functions have a maximal relative error below 6e-19 in exact arithmetic; evaluated in
binary64 the result is within a few units in the last place of float64 (tests/architecture/test_arch_erf.py
checks it against `math.erf` on a dense grid and the edge cases), far inside one unit of float32.

    |x| <= 0.46875:       erf(x)  = x * R1(x^2)
    0.46875 < |x| <= 4:   erfc(|x|) = exp(-x^2) * R2(|x|)
    |x| > 4:              erfc(|x|) = exp(-x^2) / |x| * (1/sqrt(pi) - R3(1/x^2) / x^2)

and erf(x) = sign(x) * (1 - erfc(|x|)) on the last two intervals. exp(-x^2) is computed as
exp(-t^2) * exp(-(|x| - t)(|x| + t)) with t = |x| rounded down to a multiple of 1/16, so that the
rounding error of x^2 is not magnified by exp (Cody's own device).
"""

from __future__ import annotations

from typing import Final

import numpy as np

from ._kernel_api import Array

THRESHOLD: Final = 0.46875
_SQRT_PI_INVERSE: Final = 5.6418958354775628695e-1  # 1 / sqrt(pi)
# Beyond this |x|, erfc(|x|) underflows to 0 in binary64 and erf(x) is exactly ±1 (Cody's XBIG).
_BIG: Final = 26.543

_A: Final = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03)
_A_LAST: Final = 1.85777706184603153e-1
_B: Final = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_C: Final = (
    5.64188496988670089e-1,
    8.88314979438837594e00,
    6.61191906371416295e01,
    2.98635138197400131e02,
    8.81952221241769090e02,
    1.71204761263407058e03,
    2.05107837782607147e03,
    1.23033935479799725e03,
)
_C_LAST: Final = 2.15311535474403846e-8
_D: Final = (
    1.57449261107098347e01,
    1.17693950891312499e02,
    5.37181101862009858e02,
    1.62138957456669019e03,
    3.29079923573345963e03,
    4.36261909014324716e03,
    3.43936767414372164e03,
    1.23033935480374942e03,
)
_P: Final = (
    3.05326634961232344e-1,
    3.60344899949804439e-1,
    1.25781726111229246e-1,
    1.60837851487422766e-2,
    6.58749161529837803e-4,
)
_P_LAST: Final = 1.63153871373020978e-2
_Q: Final = (
    2.56852019228982242e00,
    1.87295284992346047e00,
    5.27905102951428412e-1,
    6.05183413124413191e-2,
    2.33520497626869185e-3,
)


def _rational(z: Array, numerator: tuple[float, ...], last: float, denominator: tuple[float, ...]) -> Array:
    """Cody's evaluation order: num = ((last*z + n0)*z + n1)*z ... + n_k, den = ((z + d0)*z + d1)*z ... + d_k.
    In place on two buffers: a fresh array per step would cost more than the arithmetic."""
    top = last * z
    bottom = z.copy()
    for n, d in zip(numerator[:-1], denominator[:-1], strict=True):
        top += n
        top *= z
        bottom += d
        bottom *= z
    top += numerator[-1]
    bottom += denominator[-1]
    top /= bottom
    return top


def _exp_minus_square(y: Array) -> Array:
    """exp(-y^2) without magnifying the rounding error of y^2."""
    t = y * 16
    np.trunc(t, out=t)
    t /= 16
    rest = y - t
    rest *= y + t
    np.negative(rest, out=rest)
    np.exp(rest, out=rest)
    t *= t
    np.negative(t, out=t)
    np.exp(t, out=t)
    t *= rest
    return t


# Elements per block: the dozen temporaries of a block stay in the processor's cache, so the forty
# element-wise passes do not each stream the whole array through memory.
BLOCK: Final = 8192


def erf64(x: Array) -> Array:
    """erf of every element of `x`, in float64; NaN stays NaN, erf(±0) = ±0, erf(±inf) = ±1."""
    flat = np.asarray(x, dtype=np.float64).reshape(-1)
    result = np.empty_like(flat)
    for start in range(0, flat.size, BLOCK):
        result[start : start + BLOCK] = _block(flat[start : start + BLOCK])
    return result.reshape(np.shape(x))


def _block(x: Array) -> Array:
    """The first two intervals, where nearly all activations lie, are evaluated on the whole block (their
    arguments clipped into the interval) and merged with `where`: selecting elements by a mask and
    scattering them back costs more than the arithmetic. Elements beyond 4 are rare and are computed
    apart, only when there are any."""
    y = np.abs(x)
    with np.errstate(all="ignore"):  # NaN lanes give NaN, as they should; nothing overflows
        small = np.minimum(y, THRESHOLD)
        near_zero = _rational(small * small, _A, _A_LAST, _B)
        near_zero *= x
        middle = np.clip(y, THRESHOLD, 4.0)
        erfc = _exp_minus_square(middle)
        erfc *= _rational(middle, _C, _C_LAST, _D)
        away = 0.5 - erfc
        away += 0.5
        np.copysign(away, x, out=away)
        result: Array = np.where(y <= THRESHOLD, near_zero, away)
        large = y > 4
        if large.any():
            result[large] = _beyond_four(x[large])
    return result


def _beyond_four(x: Array) -> Array:
    """erf for |x| > 4 (NaN and infinities included)."""
    y = np.abs(x)
    inverse = 1 / (y * y)
    tail = inverse * _rational(inverse, _P, _P_LAST, _Q)
    erfc = _exp_minus_square(np.minimum(y, _BIG)) * (_SQRT_PI_INVERSE - tail) / y
    result = (0.5 - erfc) + 0.5
    result[y >= _BIG] = 1.0  # erfc underflows: erf is exactly 1 (infinity included)
    signed: Array = np.copysign(result, x)
    return signed


def erf(x: Array) -> Array:
    """erf in the dtype of `x` (float32 or float64): computed in float64, rounded once."""
    return erf64(x).astype(x.dtype, copy=False)
