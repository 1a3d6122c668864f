"""Fuzz the signature block parser and the verifier (SPEC.md §12).

An input that starts with the file magic is a whole file, verified with `verify_bytes`. Any other input
is a signature block body: it is parsed with `parse_block` (for this minor and for a newer one, whose
unknown names are another error), then framed with its trailer after the unsigned part of a fixed valid
file, so that the verifier sees well-formed files whose block alone varies. Trust comes from the two
conformance test keys (Ed25519 and P-256), fixed for the whole run.
"""

from __future__ import annotations

import contextlib
import json

import _harness

with _harness.instrumented():
    import modelfmt
    from modelfmt.format._framing import MAGIC, SIGNATURE_END_MAGIC, SIGNATURE_TRAILER
    from modelfmt.signing import _signatures

# Signed by both trusted keys: seeds cut from it verify, and the fuzzer can reach the accepting path.
BASE_VECTOR = "verify.valid.two-signers-trust-both"
TRUSTED_KEYS = ("test-ed25519.pub", "test-p256.pub")


def _unsigned_prefix(vector_id: str) -> bytes:
    manifest = json.loads((_harness.CONFORMANCE / "manifest.json").read_text(encoding="utf-8"))
    (vector,) = [entry for entry in manifest["vectors"] if entry["id"] == vector_id]
    data: bytes = (_harness.CONFORMANCE / vector["path"]).read_bytes()
    body_length, _ = SIGNATURE_TRAILER.unpack(data[-SIGNATURE_TRAILER.size :])
    return data[: len(data) - SIGNATURE_TRAILER.size - body_length]


_PREFIX = _unsigned_prefix(BASE_VECTOR)
_TRUSTED = modelfmt.load_trusted_keys(*(_harness.TEST_KEYS / name for name in TRUSTED_KEYS))


def one_input(data: bytes) -> None:
    if data.startswith(MAGIC):
        modelfmt.verify_bytes(data, _TRUSTED)
        return
    for minor in (modelfmt.MINOR_VERSION, modelfmt.MINOR_VERSION + 1):
        with contextlib.suppress(modelfmt.ModelfmtError):
            _signatures.parse_block(data, offset=len(_PREFIX), minor=minor)
    modelfmt.verify_bytes(_PREFIX + data + SIGNATURE_TRAILER.pack(len(data), SIGNATURE_END_MAGIC), _TRUSTED)


if __name__ == "__main__":
    _harness.main(one_input)
