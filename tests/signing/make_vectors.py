"""Regenerate tests/signing/data (keys, known-answer vectors, golden signed files).

    python tests/signing/make_vectors.py

Everything is deterministic: fixed test keys (RFC 8032 test 1 seed, RFC 6979 A.2.5 scalar), a fixed
model, fixed attributes, Ed25519 and RFC 6979 ECDSA with low-S. Running this again must reproduce every
file byte for byte; test_signing_vectors.py checks exactly that, so a change in the signed message, the block
encoding or the signing code shows up as a diff of checked-in files, never silently.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable
from pathlib import Path

import modelfmt
import numpy as np
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from modelfmt.container._opened import OpenedFile
from modelfmt.format import _json
from modelfmt.signing import _keys
from modelfmt.signing import _signatures as _signing

DATA = Path(__file__).resolve().parent / "data"

# RFC 8032 §7.1 TEST 1 secret key, and RFC 6979 §A.2.5 private key: public, well-known test values.
ED25519_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
P256_SCALAR = 0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721

END_MAGIC = b"\x89MFS\r\n\x1a\n"
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
ED25519_ORDER = 2**252 + 27742317777372353535851937790883648493

ATTRIBUTES = {"signer": "modelfmt test vectors (test key, do not trust)", "time": "2025-01-01T00:00:00Z"}

# An entry of an algorithm no reader of this document knows, as a post-quantum signer might add one: a
# 3309-byte "ML-DSA-65 signature" of pseudo-random bytes under a made-up key id. Readers must accept it
# and ignore it (§12.3, §12.9); nobody can verify it, and nothing here is a real key or signature.
UNKNOWN_ENTRY = {
    "algorithm": "ml-dsa-65",
    "attributes": {"signer": "an algorithm unknown to this reader (not a real signature)"},
    "key_id": hashlib.sha256(b"modelfmt test vectors: not a real ml-dsa-65 key").hexdigest(),
    "signature": hashlib.shake_256(b"modelfmt test vectors: not a real ml-dsa-65 signature").digest(3309).hex(),
}


def fixed_keys() -> dict[str, _keys.PrivateKey]:
    return {
        "ed25519": Ed25519PrivateKey.from_private_bytes(ED25519_SEED),
        "ecdsa-p256-sha256": ec.derive_private_key(P256_SCALAR, ec.SECP256R1()),
    }


KEY_FILES = {"ed25519": "test-ed25519", "ecdsa-p256-sha256": "test-p256"}


def model_bytes() -> bytes:
    tensors = {
        "layer.weight": np.arange(6, dtype=np.float32).reshape(2, 3),
        "layer.bias": np.array([0.5, -0.5], dtype=np.float32),
    }
    return modelfmt.save(tensors, metadata={"name": "signature vectors", "license": "CC0-1.0"})


def build() -> dict[str, bytes]:
    """Every file of data/ (except README.md) by name."""
    files: dict[str, bytes] = {}
    keys = fixed_keys()
    for algorithm, key in keys.items():
        stem = KEY_FILES[algorithm]
        files[f"{stem}.key"] = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        files[f"{stem}.pub"] = _keys.public_key_pem(key)
    unsigned = model_bytes()
    files["kat-unsigned.mf"] = unsigned
    with OpenedFile.from_view(memoryview(unsigned)) as opened:
        header = opened.header
    data_start = header.data_start
    digest = hashlib.sha256(unsigned[:data_start]).digest()
    vectors = []
    for algorithm, key in keys.items():
        stem = KEY_FILES[algorithm]
        for attributes, suffix in ((ATTRIBUTES, ""), ({}, "-noattr")):
            signed = modelfmt.sign_bytes(unsigned, key, attributes=attributes)
            name = f"kat-{stem}{suffix}.mf"
            files[name] = signed
            entry = _signing.parse_block(signed[header.data_end : -16], offset=header.data_end, minor=0)[0]
            vectors.append(
                {
                    "algorithm": algorithm,
                    "private_key": f"{stem}.key",
                    "public_key": f"{stem}.pub",
                    "key_id": modelfmt.key_id(key),
                    "attributes": attributes,
                    "message": _signing.signed_message(digest, attributes).hex(),
                    "signature": entry.signature.hex(),
                    "signed_file": name,
                    "signed_file_sha256": hashlib.sha256(signed).hexdigest(),
                }
            )
    # Both signatures in one file, Ed25519 first.
    both = modelfmt.sign_bytes(files["kat-test-ed25519.mf"], keys["ecdsa-p256-sha256"], attributes=ATTRIBUTES)
    files["kat-both.mf"] = both
    # An unknown algorithm's entry before the Ed25519 one: valid everywhere, verified by the Ed25519 entry.
    with_unknown = _edit_block(
        files["kat-test-ed25519.mf"], header.data_end, lambda signatures: signatures.insert(0, dict(UNKNOWN_ENTRY))
    )
    files["kat-unknown-algorithm.mf"] = with_unknown
    fails = failures(files, header.data_end)
    kat = {
        "description": "modelfmt §12 known-answer vectors; regenerate with tests/signing/make_vectors.py",
        "domain": _signing.DOMAIN.hex(),
        "unsigned_file": "kat-unsigned.mf",
        "data_start": data_start,
        "data_end": header.data_end,
        "prefix_sha256": digest.hex(),
        "vectors": vectors,
        "both_file": "kat-both.mf",
        "both_file_sha256": hashlib.sha256(both).hexdigest(),
        "unknown_algorithm": {
            "file": "kat-unknown-algorithm.mf",
            "file_sha256": hashlib.sha256(with_unknown).hexdigest(),
            "how": "kat-test-ed25519.mf with an ml-dsa-65 entry (3309 pseudo-random signature bytes) inserted first",
            "trusted_key": "test-ed25519.pub",
            "verified_key_id": modelfmt.key_id(keys["ed25519"]),
        },
        "failures": fails,
    }
    files["kat.json"] = (json.dumps(kat, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return files


def _edit_block(signed: bytes, data_end: int, edit: Callable[[list[dict[str, object]]], None]) -> bytes:
    """`signed` with its entries edited and the block re-framed (canonical JSON, like a signer)."""
    body = json.loads(signed[data_end:-16]) if len(signed) > data_end else {"signatures": []}
    edit(body["signatures"])
    encoded = _json.canonical(body).encode("utf-8")
    return signed[:data_end] + encoded + struct.pack("<Q", len(encoded)) + END_MAGIC


def _edit_entry(signed: bytes, data_end: int, edit: Callable[[dict[str, object]], None]) -> bytes:
    """`signed` with its first entry edited and the block re-framed."""
    return _edit_block(signed, data_end, lambda signatures: edit(signatures[0]))


def _high_s(entry: dict[str, object]) -> None:
    raw = bytes.fromhex(str(entry["signature"]))
    s = int.from_bytes(raw[32:], "big")
    entry["signature"] = (raw[:32] + (P256_ORDER - s).to_bytes(32, "big")).hex()


def _s_plus_l(entry: dict[str, object]) -> None:
    raw = bytes.fromhex(str(entry["signature"]))
    s = int.from_bytes(raw[32:], "little")
    entry["signature"] = (raw[:32] + (s + ED25519_ORDER).to_bytes(32, "little")).hex()


def failures(files: dict[str, bytes], data_end: int) -> list[dict[str, str]]:
    """Files every verifier must reject, with the code and how each was made (added to `files`)."""
    ed, p256 = files["kat-test-ed25519.mf"], files["kat-test-p256.mf"]
    header_edited = bytearray(ed)
    position = ed.index(b"signature vectors")
    header_edited[position] = ord("S")
    made = {
        "kat-p256-high-s_fail.mf": (
            _edit_entry(p256, data_end, _high_s),
            "test-p256.pub", "SIGNATURE_INVALID", "kat-test-p256.mf with s replaced by n - s (the high-S twin)",
        ),
        "kat-ed25519-s-plus-l_fail.mf": (
            _edit_entry(ed, data_end, _s_plus_l),
            "test-ed25519.pub", "SIGNATURE_INVALID", "kat-test-ed25519.mf with S replaced by S + L",
        ),
        "kat-ed25519-attribute-edited_fail.mf": (
            _edit_entry(ed, data_end, lambda entry: entry.update(attributes={**ATTRIBUTES, "signer": "Mallory"})),
            "test-ed25519.pub", "SIGNATURE_INVALID", "kat-test-ed25519.mf with the signer attribute changed",
        ),
        "kat-ed25519-header-edited_fail.mf": (
            bytes(header_edited),
            "test-ed25519.pub", "SIGNATURE_INVALID", "kat-test-ed25519.mf with one metadata letter changed in place",
        ),
        "kat-ed25519-short-signature_fail.mf": (
            _edit_entry(ed, data_end, lambda entry: entry.update(signature=str(entry["signature"])[:126])),
            "test-ed25519.pub", "SIGNATURE_BLOCK", "kat-test-ed25519.mf with the signature's last byte removed",
        ),
        "kat-ed25519-malformed-algorithm_fail.mf": (
            _edit_entry(ed, data_end, lambda entry: entry.update(algorithm="Ed25519")),
            "test-ed25519.pub", "SIGNATURE_BLOCK", "kat-test-ed25519.mf with algorithm `Ed25519`, not a name",
        ),
        "kat-ed25519-relabelled-p256_fail.mf": (
            _edit_entry(ed, data_end, lambda entry: entry.update(algorithm="ecdsa-p256-sha256")),
            "test-ed25519.pub", "SIGNATURE_INVALID",
            "kat-test-ed25519.mf with algorithm `ecdsa-p256-sha256`: the trusted key decides the algorithm",
        ),
        "kat-ed25519-relabelled-unknown_fail.mf": (
            _edit_entry(ed, data_end, lambda entry: entry.update(algorithm="ed448")),
            "test-ed25519.pub", "SIGNATURE_INVALID",
            "kat-test-ed25519.mf with algorithm `ed448` (unknown): a trusted key's entry is never skipped",
        ),
        "kat-only-unknown-algorithm_fail.mf": (
            _edit_block(files["kat-unsigned.mf"], data_end, lambda signatures: signatures.append(dict(UNKNOWN_ENTRY))),
            "test-ed25519.pub", "SIGNATURE_UNTRUSTED",
            "kat-unsigned.mf with one ml-dsa-65 entry: signed, but by no key a reader can trust",
        ),
    }
    result = []
    for name, (content, key, code, how) in made.items():
        files[name] = content
        result.append({"file": name, "trusted_key": key, "code": code, "how": how})
    # Existing files checked with the wrong expectations.
    result.append({"file": "kat-unsigned.mf", "trusted_key": "test-ed25519.pub", "code": "SIGNATURE_MISSING",
                   "how": "the unsigned input, verified with a trusted key"})
    result.append({"file": "kat-test-ed25519.mf", "trusted_key": "test-p256.pub", "code": "SIGNATURE_UNTRUSTED",
                   "how": "signed by the Ed25519 test key, verified trusting only the P-256 test key"})
    return result


def main() -> None:
    for name, content in build().items():
        (DATA / name).write_bytes(content)
        print(f"wrote {DATA / name} ({len(content)} bytes)")


if __name__ == "__main__":
    main()
