"""Every single-bit change anywhere in a signed file makes verification fail (SPEC.md §12.9).

Exhaustive over every bit of a ~2.7 KB file signed once (about 21,600 verifications per algorithm),
in-process through `verify_bytes` with the keys parsed once. A file signed by one key is the right
subject: with several signatures, a bit inside an entry by a key the verifier does not use cannot
matter, by design (§12.9 step 5).
"""

from __future__ import annotations

from collections import Counter

import modelfmt
import numpy as np
import pytest
from modelfmt.signing import _keys


def _subject(key: _keys.PrivateKey) -> bytes:
    model = modelfmt.save(
        {
            "embed.weight": np.linspace(-1, 1, 256, dtype=np.float32).reshape(16, 16),
            "norm.bias": np.arange(10, dtype=np.float16),
            "head.weight": np.arange(300).astype(np.int8).reshape(30, 10),
            "mask": np.array([True, False] * 5),
        },
        metadata={"name": "bitflip", "license": "CC0-1.0"},
    )
    return modelfmt.sign_bytes(model, key, attributes={"signer": "Bit Flipper", "time": "2025-06-01T12:00:00Z"})


@pytest.mark.slow
@pytest.mark.parametrize("key_name", ["ed_key", "p256_key"])
def test_every_single_bit_flip_fails_verification(key_name: str, request: pytest.FixtureRequest) -> None:
    key: _keys.PrivateKey = request.getfixturevalue(key_name)
    signed = _subject(key)
    assert 2048 <= len(signed) <= 4096
    trusted = modelfmt.TrustedKeys([key.public_key()])
    assert modelfmt.verify_bytes(signed, trusted).key_id == modelfmt.key_id(key)  # the untouched file verifies

    buffer = bytearray(signed)
    survivors: list[tuple[int, int]] = []
    codes: Counter[str] = Counter()
    for index in range(len(buffer)):
        for bit in range(8):
            buffer[index] ^= 1 << bit
            try:
                modelfmt.verify_bytes(buffer, trusted)
            except modelfmt.ModelfmtError as exc:  # anything else (KeyError, UnicodeError...) is a bug
                codes[exc.code] += 1
            else:
                survivors.append((index, bit))
            buffer[index] ^= 1 << bit
    assert bytes(buffer) == signed
    assert survivors == [], f"bit flips that still verify (byte, bit): {survivors[:10]}"
    assert sum(codes.values()) == 8 * len(signed)
    # Every layer takes its share: the signature over the prefix, the digests, the block structure.
    for code in ("SIGNATURE_INVALID", "DIGEST_MISMATCH", "SIGNATURE_BLOCK", "PADDING_NOT_ZERO", "TRAILING_BYTES"):
        assert codes[code] > 0, (code, codes)
