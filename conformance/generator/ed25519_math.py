"""Just enough Edwards-curve arithmetic to build one signature no library will make: a signature by the
holder of a test key whose R carries a small-order component, so that it verifies under the cofactored
equation [8][S]B = [8]R + [8][k]A but not under the cofactorless [S]B = R + [k]A (SPEC.md §12.6 allows
either behaviour; OpenSSL, Go and Node use the cofactorless one). Test code only: not constant time.
"""

from __future__ import annotations

import hashlib
from typing import Final

P: Final = 2**255 - 19
L: Final = 2**252 + 27742317777372353535851937790883648493
D: Final = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1: Final = pow(2, (P - 1) // 4, P)

Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T)


def _add(p: Point, q: Point) -> Point:
    a = (p[1] - p[0]) * (q[1] - q[0]) % P
    b = (p[1] + p[0]) * (q[1] + q[0]) % P
    c = 2 * p[3] * q[3] * D % P
    d = 2 * p[2] * q[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _multiply(scalar: int, point: Point) -> Point:
    result: Point = (0, 1, 1, 0)
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _recover_x(y: int, sign: int) -> int:
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    assert (x * x - x2) % P == 0
    return P - x if x & 1 != sign else x


def decode(encoded: bytes) -> Point:
    y = int.from_bytes(encoded, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    return (x, y, 1, x * y % P)


def encode(point: Point) -> bytes:
    inverse = pow(point[2], P - 2, P)
    x, y = point[0] * inverse % P, point[1] * inverse % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


G: Final = decode(bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666"))
# A point of order 8 (a torsion point): [8]T is the identity, so the cofactored equation cannot see it.
T8: Final = decode(bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"))


def _hash(*parts: bytes) -> int:
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little")


def cofactored_only_signature(seed: bytes, message: bytes) -> bytes:
    """R = [r]B + T8, S = r + k a with k = H(R || A || M): valid only under the cofactored equation."""
    digest = hashlib.sha512(seed).digest()
    scalar = int.from_bytes(digest[:32], "little")
    scalar &= (1 << 254) - 8
    scalar |= 1 << 254
    public = encode(_multiply(scalar, G))
    r = _hash(digest[32:], message) % L
    big_r = encode(_add(_multiply(r, G), T8))
    k = _hash(big_r, public, message) % L
    s = (r + k * scalar) % L
    return big_r + s.to_bytes(32, "little")


def _equal(p: Point, q: Point) -> bool:
    return (p[0] * q[2] - q[0] * p[2]) % P == 0 and (p[1] * q[2] - q[1] * p[2]) % P == 0


def verifies(public: bytes, message: bytes, signature: bytes, *, cofactored: bool) -> bool:
    """RFC 8032 §5.1.7 with either equation (for checking the vector while generating it)."""
    big_r, s = signature[:32], int.from_bytes(signature[32:], "little")
    if s >= L:
        return False
    k = _hash(big_r, public, message) % L
    left = _multiply(s, G)
    right = _add(decode(big_r), _multiply(k, decode(public)))
    if cofactored:
        left, right = _multiply(8, left), _multiply(8, right)
    return _equal(left, right)
