"""Envelope attacks (SPEC.md §12): every way of moving, editing, replacing or forging a signature block.

Structural defects are caught at open by every reader API (no keys needed); forgeries are caught by
verification against the caller's keys. Each case asserts the error code, never the message.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Callable
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from modelfmt.diagnose._check import check_file
from modelfmt.signing import _keys
from modelfmt.signing import _signatures as _signing

END_MAGIC = b"\x89MFS\r\n\x1a\n"
L_ED25519 = 2**252 + 27742317777372353535851937790883648493
N_P256 = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

Body = dict[str, object]


# ---- helpers --------------------------------------------------------------------------------------------


def split(signed: bytes) -> tuple[bytes, Body]:
    """(the file up to the block, the parsed body)."""
    (length,) = struct.unpack("<Q", signed[-16:-8])
    start = len(signed) - 16 - length
    body: Body = json.loads(signed[start:-16])
    return signed[:start], body


def frame(body: bytes) -> bytes:
    return body + struct.pack("<Q", len(body)) + END_MAGIC


def rebuild(base: bytes, body: Body) -> bytes:
    return base + frame(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def entries(body: Body) -> list[dict[str, object]]:
    signatures = body["signatures"]
    assert isinstance(signatures, list)
    return signatures


def unknown_entry(algorithm: str = "ml-dsa-65", signature_bytes: int = 3309) -> dict[str, object]:
    """An entry of an algorithm no reader of 1.0 knows: random signature bytes under a random key id."""
    return {
        "algorithm": algorithm,
        "key_id": os.urandom(32).hex(),
        "signature": os.urandom(signature_bytes).hex(),
        "attributes": {"signer": "a post-quantum signer"},
    }


def code_of(action: Callable[[], object]) -> str:
    with pytest.raises(modelfmt.ModelfmtError) as caught:
        action()
    return caught.value.code


def every_reader_code(path: Path) -> set[str]:
    """The code each reader API reports for `path`: they must all agree."""
    codes = {
        code_of(lambda: modelfmt.read_header(path)),
        code_of(lambda: modelfmt.load_file(path)),
        code_of(lambda: modelfmt.load(path.read_bytes())),
        code_of(lambda: modelfmt.safe_open(path)),
        code_of(lambda: modelfmt.read_signatures(path)),
    }
    result = check_file(path)
    assert result.error is not None
    codes.add(result.error.code)
    return codes


@pytest.fixture
def signed(model: bytes, ed_key: _keys.PrivateKey) -> bytes:
    return modelfmt.sign_bytes(model, ed_key, attributes={"signer": "Alice", "time": "2025-06-01T12:00:00Z"})


@pytest.fixture
def trusted(ed_key: _keys.PrivateKey, p256_key: _keys.PrivateKey) -> modelfmt.TrustedKeys:
    return modelfmt.TrustedKeys([ed_key.public_key(), p256_key.public_key()])


def verify_code(data: bytes, trusted: modelfmt.TrustedKeys) -> str:
    return code_of(lambda: modelfmt.verify_bytes(data, trusted))


# ---- structure: caught at open by every reader ------------------------------------------------------------


def test_untouched_signed_file_opens_everywhere(signed: bytes, write: Callable[[bytes], Path]) -> None:
    path = write(signed)
    modelfmt.read_header(path)
    assert set(modelfmt.load_file(path)) == {"encoder.weight", "encoder.bias", "mask"}
    assert check_file(path).valid


@pytest.mark.parametrize("length", [0, 32, 63, 65, 128])
def test_wrong_length_signature(signed: bytes, write: Callable[[bytes], Path], length: int) -> None:
    base, body = split(signed)
    entries(body)[0]["signature"] = "ab" * length
    assert every_reader_code(write(rebuild(base, body))) == {"SIGNATURE_BLOCK"}


def test_trailing_garbage_after_the_block(signed: bytes, write: Callable[[bytes], Path]) -> None:
    assert every_reader_code(write(signed + b"\x00")) == {"TRAILING_BYTES"}
    assert every_reader_code(write(signed + b"garbage!" * 3)) == {"TRAILING_BYTES"}


def test_garbage_ending_in_the_end_magic(signed: bytes, write: Callable[[bytes], Path]) -> None:
    assert every_reader_code(write(signed + b"xx" + END_MAGIC)) == {"SIGNATURE_BLOCK"}


@pytest.mark.parametrize("cut", [1, 8, 16, 17, 100])
def test_truncated_block(signed: bytes, write: Callable[[bytes], Path], cut: int) -> None:
    assert every_reader_code(write(signed[:-cut])) == {"TRAILING_BYTES"}


def test_two_blocks(signed: bytes, write: Callable[[bytes], Path], p256_key: _keys.PrivateKey, model: bytes) -> None:
    other_block = modelfmt.sign_bytes(model, p256_key)[len(model) :]
    assert every_reader_code(write(signed + other_block)) == {"SIGNATURE_BLOCK"}
    # Even a length field patched to cover both blocks leaves binary inside the body.
    both = signed[len(model) :] + other_block
    forged = model + frame(both[:-16])
    assert every_reader_code(write(forged)) == {"SIGNATURE_BLOCK"}


def test_body_length_over_the_limit(model: bytes, write: Callable[[bytes], Path]) -> None:
    body = b'{"signatures":[]}' + b" " * (1024 * 1024)
    assert every_reader_code(write(model + frame(body))) == {"SIGNATURE_BLOCK"}


def _edit(mutation: Callable[[Body], None]) -> Callable[[Body], None]:
    return mutation


def _set(key: str, value: object) -> Callable[[Body], None]:
    def mutate(body: Body) -> None:
        entries(body)[0][key] = value

    return mutate


def _attributes(value: object) -> Callable[[Body], None]:
    return _set("attributes", value)


def _drop(key: str) -> Callable[[Body], None]:
    def mutate(body: Body) -> None:
        del entries(body)[0][key]

    return mutate


def _duplicate_entry(body: Body) -> None:
    entries(body).append(dict(entries(body)[0]))


def _many_entries(body: Body) -> None:
    body["signatures"] = entries(body) * 65


def _unknown(**changes: object) -> Callable[[Body], None]:
    """Add an entry of an unknown algorithm after the real one, with `changes` applied to it."""

    def mutate(body: Body) -> None:
        entries(body).append({**unknown_entry(), **changes})

    return mutate


def _unknown_with_public_key_of(size: int) -> Callable[[Body], None]:
    """An unknown-algorithm entry whose public key (consistent with its key id) has `size` bytes."""
    key = bytes(size)
    return _unknown(public_key=key.hex(), key_id=hashlib.sha256(key).hexdigest())


def _unknown_with_the_real_key_id(body: Body) -> None:
    entries(body).append({**unknown_entry(), "key_id": entries(body)[0]["key_id"]})


MALFORMED_BODIES: dict[str, Callable[[Body], None]] = {
    "top-level array": lambda body: body.clear(),  # replaced below by a non-object body
    "unknown top-level key": lambda body: body.update(extra=1),
    "no signatures key": lambda body: body.pop("signatures"),
    "signatures not an array": lambda body: body.update(signatures={}),
    "empty signatures": lambda body: body.update(signatures=[]),
    "65 signatures": _many_entries,
    "entry not an object": lambda body: body.update(signatures=["x"]),
    "unknown entry key": _set("note", "hi"),
    "missing key_id": _drop("key_id"),
    "missing attributes": _drop("attributes"),
    "missing algorithm": _drop("algorithm"),
    "algorithm not a string": _set("algorithm", 1),
    "algorithm uppercase": _set("algorithm", "Ed25519"),
    "algorithm empty": _set("algorithm", ""),
    "algorithm underscore": _set("algorithm", "ml_dsa_65"),
    "algorithm double hyphen": _set("algorithm", "ml--dsa-65"),
    "algorithm trailing hyphen": _set("algorithm", "ml-dsa-"),
    "algorithm non-ASCII": _set("algorithm", "ed25519\u00e9"),
    "algorithm 65 characters": _set("algorithm", "a" * 65),
    "unknown algorithm, signature empty": _unknown(signature=""),
    "unknown algorithm, signature odd length": _unknown(signature="abc"),
    "unknown algorithm, signature uppercase": _unknown(signature="AB" * 100),
    "unknown algorithm, signature not hex": _unknown(signature="xy" * 100),
    "unknown algorithm, signature over 65536 bytes": _unknown(signature="00" * 65537),
    "unknown algorithm, key_id short": _unknown(key_id="ab" * 31),
    "unknown algorithm, attribute control character": _unknown(attributes={"signer": "PQ\x1b[2J"}),
    "unknown algorithm, public_key of another key": _unknown(public_key="00" * 44),
    "unknown algorithm, unknown entry key": _unknown(certificate="..."),
    "unknown algorithm, key id of an earlier entry": _unknown_with_the_real_key_id,
    "key_id uppercase": lambda body: entries(body)[0].update(key_id=str(entries(body)[0]["key_id"]).upper()),
    "key_id short": _set("key_id", "ab" * 31),
    "signature uppercase": lambda body: entries(body)[0].update(signature=str(entries(body)[0]["signature"]).upper()),
    "signature not hex": _set("signature", "zz" * 64),
    "signature base64": _set("signature", "A" * 86 + "=="),
    "attributes array": _attributes([]),
    "attribute number": _attributes({"signer": 5}),
    "attribute empty": _attributes({"signer": ""}),
    "attribute too long": _attributes({"comment": "x" * 1025}),
    "attribute control character": _attributes({"signer": "Alice\x1b[2J"}),
    "attribute newline": _attributes({"signer": "Alice\nverified: yes"}),
    "attribute bidi override": _attributes({"signer": "Alice \u202egnp.exe"}),
    "attribute unknown key": _attributes({"Signer": "Alice"}),
    "attribute time format": _attributes({"time": "2025-06-01 12:00:00"}),
    "attribute impossible date": _attributes({"time": "2025-02-30T00:00:00Z"}),
    "too many attributes": _attributes({f"com.example.a{i}": "x" for i in range(17)}),
    "public_key not hex": _set("public_key", "not hex"),
    "public_key of another key": _set("public_key", "00" * 44),
    "unknown algorithm, public_key over 4096 bytes": _unknown_with_public_key_of(4097),
    "duplicate key id": _duplicate_entry,
}


@pytest.mark.parametrize("case", sorted(MALFORMED_BODIES))
def test_malformed_body(signed: bytes, write: Callable[[bytes], Path], case: str) -> None:
    base, body = split(signed)
    if case == "top-level array":
        data = base + frame(b"[]")
    else:
        MALFORMED_BODIES[case](body)
        data = rebuild(base, body)
    assert every_reader_code(write(data)) == {"SIGNATURE_BLOCK"}


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b'{"signatures":[]} x',
        b'{"signatures":[],"signatures":[]}',  # duplicate key
        b'\xef\xbb\xbf{"signatures":[]}',  # BOM
        b'{"signatures":[{"algorithm":"\\ud800"}]}',  # lone surrogate
        b'{"signatures":[NaN]}',
        b"[" * 100 + b"]" * 100,
        b"\xff\xfe",
    ],
)
def test_body_breaks_the_json_rules(model: bytes, write: Callable[[bytes], Path], raw: bytes) -> None:
    assert every_reader_code(write(model + frame(raw))) == {"SIGNATURE_BLOCK"}


def opens_everywhere(path: Path) -> tuple[_signing.SignatureInfo, ...]:
    """Every reader API accepts `path`; returns its signatures as `read_signatures` reports them."""
    modelfmt.read_header(path)
    assert set(modelfmt.load_file(path)) == {"encoder.weight", "encoder.bias", "mask"}
    modelfmt.load(path.read_bytes())
    with modelfmt.safe_open(path) as opened:
        opened.get_tensor("mask")
    assert check_file(path).valid
    return modelfmt.read_signatures(path)


@pytest.mark.parametrize("first", [False, True], ids=["appended", "inserted-first"])
def test_an_unknown_algorithms_entry_is_valid_for_every_reader_and_skipped(
    signed: bytes, write: Callable[[bytes], Path], trusted: modelfmt.TrustedKeys, ed_key: _keys.PrivateKey, first: bool
) -> None:
    # A post-quantum signature added to a 1.0 file: the version stays 1.0, so the Ed25519 signature
    # over [0, D) stays valid, and every reader still opens the file (§12.3).
    base, body = split(signed)
    entries(body).insert(0 if first else 1, unknown_entry())
    data = rebuild(base, body)
    infos = opens_everywhere(write(data))
    assert [info.status for info in infos] == (["unsupported", "unchecked"] if first else ["unchecked", "unsupported"])
    result = modelfmt.verify_bytes(data, trusted)
    assert (result.key_id, result.algorithm) == (modelfmt.key_id(ed_key), "ed25519")
    statuses = ["unsupported", "verified"] if first else ["verified", "unsupported"]
    assert [info.status for info in result.signatures] == statuses
    unknown = result.signatures[0 if first else 1]
    assert (unknown.algorithm, unknown.verified) == ("ml-dsa-65", False)


@pytest.mark.parametrize(
    ("algorithm", "signature_bytes"),
    [("ml-dsa-65", 3309), ("slh-dsa-sha2-256f", 49856), ("x", 1), ("a" * 64, 65536), ("ed448", 114), ("ed448", 64)],
)
def test_unknown_algorithm_names_and_sizes_that_are_valid(
    signed: bytes, write: Callable[[bytes], Path], trusted: modelfmt.TrustedKeys, algorithm: str, signature_bytes: int
) -> None:
    base, body = split(signed)
    entries(body).append(unknown_entry(algorithm, signature_bytes))
    data = rebuild(base, body)
    assert [info.status for info in opens_everywhere(write(data))] == ["unchecked", "unsupported"]
    assert modelfmt.verify_bytes(data, trusted).algorithm == "ed25519"


def test_a_post_quantum_sized_public_key_at_the_limit_is_valid(
    signed: bytes, write: Callable[[bytes], Path], trusted: modelfmt.TrustedKeys
) -> None:
    base, body = split(signed)
    _unknown_with_public_key_of(4096)(body)
    data = rebuild(base, body)
    assert [info.status for info in opens_everywhere(write(data))] == ["unchecked", "unsupported"]
    assert modelfmt.verify_bytes(data, trusted).algorithm == "ed25519"


def test_a_file_signed_only_with_unknown_algorithms(
    model: bytes, write: Callable[[bytes], Path], trusted: modelfmt.TrustedKeys, ed_key: _keys.PrivateKey
) -> None:
    # Valid for every reader; signed, but by no key a 1.0 verifier can hold: UNTRUSTED, never MISSING
    # (§12.9 step 6). A verifier that wants the file reads it with a newer reader or another key.
    data = rebuild(model, {"signatures": [unknown_entry(), unknown_entry("slh-dsa-sha2-128s", 7856)]})
    infos = opens_everywhere(write(data))
    assert [info.status for info in infos] == ["unsupported", "unsupported"]
    with pytest.raises(modelfmt.SignatureError) as caught:
        modelfmt.verify_bytes(data, trusted)
    assert caught.value.code == "SIGNATURE_UNTRUSTED"
    assert "unknown algorithm ml-dsa-65 (cannot be verified by this reader)" in str(caught.value)
    # An unknown entry under a trusted key's id is that key's entry, and it fails: the key decides the
    # algorithm, so an unknown name never hides a trusted key's failed signature as a skipped one.
    _, body = split(data)
    entries(body)[1]["key_id"] = modelfmt.key_id(ed_key)
    assert verify_code(rebuild(model, body), trusted) == "SIGNATURE_INVALID"
    assert [info.status for info in modelfmt.read_signatures(write(rebuild(model, body)), trusted)] == [
        "unsupported",
        "invalid",
    ]


def test_an_algorithm_registered_later_has_its_length_checked_only_when_verifying(
    signed: bytes, write: Callable[[bytes], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reader that learns ml-dsa-65 must not reject files that 1.0 readers accept (§12.6): a wrong
    # length is a failed signature for it, not a malformed block.
    base, body = split(signed)
    entries(body).append(unknown_entry("ml-dsa-65", 100))
    path = write(rebuild(base, body))
    later = _signing.Algorithm("ml-dsa-65", 3309, length_checked_at_open=False)
    monkeypatch.setattr(_signing, "ALGORITHMS", {**_signing.ALGORITHMS, "ml-dsa-65": later})
    assert [info.status for info in opens_everywhere(path)] == ["unchecked", "unchecked"]


def _newer_minor(data: bytes) -> bytes:
    patched = bytearray(data)
    patched[10:12] = struct.pack("<H", modelfmt.MINOR_VERSION + 1)
    return bytes(patched)


def test_unknown_things_in_a_newer_minor_file(
    model: bytes, ed_key: _keys.PrivateKey, write: Callable[[bytes], Path]
) -> None:
    # A 1.(R+1) file that uses nothing new is read and signed normally ...
    signed = modelfmt.sign_bytes(_newer_minor(model), ed_key)
    modelfmt.verify_bytes(signed, ed_key.public_key())
    # ... and so is one with an unknown algorithm's entry: algorithms are not tied to a minor version ...
    base, body = split(signed)
    entries(body).append(unknown_entry())
    modelfmt.verify_bytes(rebuild(base, body), ed_key.public_key())
    assert check_file(write(rebuild(base, body))).valid
    # ... but a key this reader does not know is UNSUPPORTED_VERSION (§15.4).
    base, body = split(signed)
    entries(body)[0]["certificate"] = "..."
    assert every_reader_code(write(rebuild(base, body))) == {"UNSUPPORTED_VERSION"}
    base, body = split(signed)
    entries(body)[0]["attributes"] = {"location": "Paris"}  # perhaps a newer minor's attribute
    assert every_reader_code(write(rebuild(base, body))) == {"UNSUPPORTED_VERSION"}
    base, body = split(signed)
    entries(body)[0]["attributes"] = {"org." + "a" * 130: "x"}  # a reverse-DNS name, too long: never valid
    assert every_reader_code(write(rebuild(base, body))) == {"SIGNATURE_BLOCK"}


# ---- forgeries: caught by verification against the caller's keys --------------------------------------------


def test_stripped_block(signed: bytes, model: bytes, trusted: modelfmt.TrustedKeys) -> None:
    stripped, _ = split(signed)
    assert stripped == model
    modelfmt.load(stripped)  # a valid unsigned file ...
    assert verify_code(stripped, trusted) == "SIGNATURE_MISSING"  # ... but not for a caller who requires trust


def test_signature_from_another_file(signed: bytes, ed_key: _keys.PrivateKey, trusted: modelfmt.TrustedKeys) -> None:
    other_model = modelfmt.save({"encoder.weight": np.zeros((3, 4), np.float32)}, metadata={"name": "other"})
    other_signed = modelfmt.sign_bytes(other_model, ed_key)
    base, _ = split(signed)
    _, foreign_body = split(other_signed)
    assert verify_code(rebuild(base, foreign_body), trusted) == "SIGNATURE_INVALID"


def test_signed_by_another_key(model: bytes, other_key: _keys.PrivateKey, trusted: modelfmt.TrustedKeys) -> None:
    # The block carries the attacker's public key; it grants nothing.
    forged = modelfmt.sign_bytes(model, other_key, attributes={"signer": "Alice"})
    assert verify_code(forged, trusted) == "SIGNATURE_UNTRUSTED"


def test_another_keys_signature_relabelled_as_a_trusted_key(
    model: bytes, other_key: _keys.PrivateKey, ed_key: _keys.PrivateKey, trusted: modelfmt.TrustedKeys
) -> None:
    base, body = split(modelfmt.sign_bytes(model, other_key))
    entries(body)[0]["key_id"] = modelfmt.key_id(ed_key)
    del entries(body)[0]["public_key"]
    assert verify_code(rebuild(base, body), trusted) == "SIGNATURE_INVALID"


def test_malleated_ed25519_signature(signed: bytes, trusted: modelfmt.TrustedKeys) -> None:
    base, body = split(signed)
    signature = bytes.fromhex(str(entries(body)[0]["signature"]))
    s = int.from_bytes(signature[32:], "little")
    entries(body)[0]["signature"] = (signature[:32] + (s + L_ED25519).to_bytes(32, "little")).hex()
    assert verify_code(rebuild(base, body), trusted) == "SIGNATURE_INVALID"


def _p256_signed(model: bytes, p256_key: _keys.PrivateKey) -> tuple[bytes, Body, int, int]:
    base, body = split(modelfmt.sign_bytes(model, p256_key))
    signature = bytes.fromhex(str(entries(body)[0]["signature"]))
    return base, body, int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")


def test_ecdsa_signatures_are_low_s(model: bytes, p256_key: _keys.PrivateKey) -> None:
    for index in range(20):  # different messages: about half of raw RFC 6979 signatures are high-S
        data = modelfmt.save({"t": np.full(3, index, np.int32)})
        _, _, _, s = _p256_signed(data, p256_key)
        assert 1 <= s <= N_P256 // 2


@pytest.mark.parametrize("variant", ["high-s", "r-zero", "s-zero", "r-order", "s-order", "swapped"])
def test_malleated_or_out_of_range_ecdsa_signature(
    model: bytes, p256_key: _keys.PrivateKey, trusted: modelfmt.TrustedKeys, variant: str
) -> None:
    base, body, r, s = _p256_signed(model, p256_key)
    # The high-S twin is a mathematically valid ECDSA signature: OpenSSL alone would accept it.
    r, s = {
        "high-s": (r, N_P256 - s),
        "r-zero": (0, s),
        "s-zero": (r, 0),
        "r-order": (r + N_P256 if r + N_P256 < 2**256 else N_P256, s),
        "s-order": (r, N_P256),
        "swapped": (s, r),
    }[variant]
    entries(body)[0]["signature"] = (r.to_bytes(32, "big") + s.to_bytes(32, "big")).hex()
    assert verify_code(rebuild(base, body), trusted) == "SIGNATURE_INVALID"


@pytest.mark.parametrize("algorithm", ["ecdsa-p256-sha256", "ed448", "ml-dsa-65"])
def test_algorithm_label_swapped(signed: bytes, trusted: modelfmt.TrustedKeys, algorithm: str) -> None:
    # The trusted key is Ed25519 and decides: relabelling its entry, even to a name this reader does
    # not know (which would otherwise be skipped), makes it invalid, never ignored.
    base, body = split(signed)
    entries(body)[0]["algorithm"] = algorithm
    assert verify_code(rebuild(base, body), trusted) == "SIGNATURE_INVALID"


@pytest.mark.parametrize(
    "attributes",
    [
        {"signer": "Mallory", "time": "2025-06-01T12:00:00Z"},
        {"signer": "Alice", "time": "2030-01-01T00:00:00Z"},
        {"signer": "Alice"},
        {"signer": "Alice", "time": "2025-06-01T12:00:00Z", "comment": "approved"},
        {},
    ],
)
def test_attributes_edited(signed: bytes, trusted: modelfmt.TrustedKeys, attributes: dict[str, str]) -> None:
    base, body = split(signed)
    entries(body)[0]["attributes"] = attributes
    assert verify_code(rebuild(base, body), trusted) == "SIGNATURE_INVALID"


def test_header_edited_in_place(signed: bytes, trusted: modelfmt.TrustedKeys) -> None:
    position = signed.index(b"signing fixture")
    edited = signed[:position] + b"S" + signed[position + 1 :]
    modelfmt.load(edited)  # still a valid file: digests cannot detect a header edit
    assert verify_code(edited, trusted) == "SIGNATURE_INVALID"


def test_header_replaced_and_old_block_grafted(signed: bytes, trusted: modelfmt.TrustedKeys) -> None:
    tensors = modelfmt.load(signed)
    relabelled = modelfmt.save(tensors, metadata={"name": "signing fixture", "version": "2", "license": "MIT"})
    _, body = split(signed)
    assert verify_code(rebuild(relabelled, body), trusted) == "SIGNATURE_INVALID"


def test_tensor_swapped_for_another_with_its_digest(signed: bytes, trusted: modelfmt.TrustedKeys) -> None:
    tensors = modelfmt.load(signed)
    tensors["encoder.weight"] = tensors["encoder.weight"] * 0  # a consistent file, with new digests
    _, body = split(signed)
    assert verify_code(rebuild(modelfmt.save(tensors, metadata={"name": "signing fixture", "version": "1"}), body),
                       trusted) == "SIGNATURE_INVALID"


def test_header_padding_changed(signed: bytes, trusted: modelfmt.TrustedKeys) -> None:
    header_length = struct.unpack_from("<Q", signed, 16)[0]
    data_start = -(-(24 + header_length) // 64) * 64
    assert data_start > 24 + header_length, "the fixture needs padding"
    edited = bytearray(signed)
    edited[data_start - 1] = 1
    # The signature covers the padding and is checked before phase 5.
    assert verify_code(bytes(edited), trusted) == "SIGNATURE_INVALID"
    assert code_of(lambda: modelfmt.load(bytes(edited))) == "PADDING_NOT_ZERO"


def test_data_byte_changed_names_the_tensor(signed: bytes, trusted: modelfmt.TrustedKeys) -> None:
    modelfmt.load(signed)  # the untouched file loads
    header_length = struct.unpack_from("<Q", signed, 16)[0]
    data_start = -(-(24 + header_length) // 64) * 64
    edited = bytearray(signed)
    edited[data_start + 5] ^= 0x40  # inside the first tensor
    with pytest.raises(modelfmt.IntegrityError) as caught:
        modelfmt.verify_bytes(bytes(edited), trusted)
    assert caught.value.code == "DIGEST_MISMATCH"
    assert caught.value.tensor == "encoder.weight"


@pytest.mark.parametrize("tampered_first", [True, False], ids=["tampered-first", "tampered-second"])
def test_an_invalid_signature_by_a_trusted_key_fails_even_beside_a_valid_one(
    signed: bytes,
    p256_key: _keys.PrivateKey,
    ed_key: _keys.PrivateKey,
    trusted: modelfmt.TrustedKeys,
    tampered_first: bool,
) -> None:
    # A tampered co-signer (§12.9 step 5, §12.11): the block is not signed, so an entry a trusted key did
    # not make over this file is evidence of tampering, whatever else verifies.
    both = modelfmt.sign_bytes(signed, p256_key, attributes={"signer": "Bob"})
    base, body = split(both)
    tampered = entries(body)[0 if tampered_first else 1]
    tampered["attributes"] = {"signer": "Mallory"}  # the co-signer's claims rewritten
    data = rebuild(base, body)
    with pytest.raises(modelfmt.VerificationError) as caught:
        modelfmt.verify_bytes(data, trusted)
    assert caught.value.code == "SIGNATURE_INVALID"
    assert "1 other trusted signature(s) verify" in str(caught.value)
    statuses = ["invalid", "verified"] if tampered_first else ["verified", "invalid"]
    assert [info.status for info in caught.value.signatures] == statuses
    assert caught.value.signatures[0 if tampered_first else 1].attributes == {"signer": "Mallory"}
    # Trusting only the key whose entry is intact: the other entry is not checked, and the file verifies.
    intact = p256_key if tampered_first else ed_key
    result = modelfmt.verify_bytes(data, modelfmt.TrustedKeys([intact.public_key()]))
    assert result.key_id == modelfmt.key_id(intact)
    assert sorted(info.status for info in result.signatures) == ["untrusted", "verified"]


def test_a_failed_verification_names_every_entry(
    signed: bytes, write: Callable[[bytes], Path], trusted: modelfmt.TrustedKeys
) -> None:
    base, body = split(signed)
    entries(body).append(unknown_entry())
    data = rebuild(base, body)
    with pytest.raises(modelfmt.VerificationError) as caught:
        modelfmt.verify_bytes(data, modelfmt.TrustedKeys([modelfmt.generate_key().public_key()]))
    assert caught.value.code == "SIGNATURE_UNTRUSTED"
    assert [info.status for info in caught.value.signatures] == ["untrusted", "unsupported"]
    with pytest.raises(modelfmt.VerificationError) as missing:
        modelfmt.verify_bytes(base, trusted)
    assert (missing.value.code, missing.value.signatures) == ("SIGNATURE_MISSING", ())
    # On success the verdicts are in the result, unknown entries included.
    assert [info.status for info in modelfmt.verify_file(write(data), trusted).signatures] == [
        "verified",
        "unsupported",
    ]


@pytest.mark.parametrize("count", [4, 5])
def test_a_block_holds_at_most_four_entries_of_other_algorithms(
    signed: bytes, write: Callable[[bytes], Path], count: int
) -> None:
    # Anyone can add them without a key (§12.3 step 3.8): bounded, and counted in block order.
    base, body = split(signed)
    entries(body)[:0] = [unknown_entry("slh-dsa-sha2-256f", 49856) for _ in range(count)]
    path = write(rebuild(base, body))
    if count == 4:
        assert [info.status for info in opens_everywhere(path)] == ["unsupported"] * 4 + ["unchecked"]
    else:
        assert every_reader_code(path) == {"SIGNATURE_BLOCK"}
        with pytest.raises(modelfmt.SignatureError, match="signature 5 is entry 5 of an algorithm other than"):
            modelfmt.read_signatures(path)


def test_sixty_four_entries_of_the_algorithms_of_1_0_are_valid(
    signed: bytes, write: Callable[[bytes], Path]
) -> None:
    base, body = split(signed)
    entries(body).extend(
        {**unknown_entry("ed25519", 64), "key_id": hashlib.sha256(b"%d" % index).hexdigest()} for index in range(63)
    )
    assert len(opens_everywhere(write(rebuild(base, body)))) == 64


def test_equivalent_non_canonical_body_still_verifies(signed: bytes, trusted: modelfmt.TrustedKeys) -> None:
    # Readers accept any encoding of the same JSON value (§12.2); the signature covers the value.
    base, body = split(signed)
    entry = entries(body)[0]
    text = json.dumps({"signatures": [dict(reversed(list(entry.items())))]}, indent=2, ensure_ascii=True)
    text = text.replace('"Alice"', '"\\u0041lice"')
    result = modelfmt.verify_bytes(base + frame(text.encode()), trusted)
    assert result.attributes == {"signer": "Alice", "time": "2025-06-01T12:00:00Z"}
