"""What the signing layer refuses from its callers, and signatures of the wrong length: attributes that are
not a mapping of strings, a prefix digest that is not SHA-256, an empty signature block, and a signature
cut or padded by one byte, which never verifies (whatever a parser upstream let through)."""

from __future__ import annotations

import dataclasses
import hashlib

import modelfmt
import pytest
from modelfmt.signing import _keys, _signatures

DIGEST = hashlib.sha256(b"the bytes [0, D) of some file").digest()


@pytest.mark.parametrize(
    ("attributes", "words"),
    [
        ([("signer", "Alice")], "attributes must be a mapping of str to str, got list"),
        ({1: "Alice"}, "attribute keys must be str, got int"),
    ],
)
def test_attributes_of_the_wrong_type_are_refused_before_signing(
    model: bytes, ed_key: _keys.PrivateKey, attributes: object, words: str
) -> None:
    with pytest.raises(TypeError) as raised:
        modelfmt.sign_bytes(model, ed_key, attributes=attributes)  # type: ignore[arg-type]
    assert str(raised.value) == words


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_the_signed_message_takes_only_a_sha256_digest(length: int) -> None:
    with pytest.raises(ValueError, match=f"prefix digest must be 32 bytes, got {length}"):
        _signatures.signed_message(bytes(length), {})


def test_the_signed_message_is_domain_digest_and_canonical_attributes() -> None:
    message = _signatures.signed_message(DIGEST, {"time": "2025-06-01T12:00:00Z", "signer": "A"})
    assert message == _signatures.DOMAIN + DIGEST + b'{"signer":"A","time":"2025-06-01T12:00:00Z"}'


def test_a_signature_block_holds_at_least_one_signature() -> None:
    with pytest.raises(ValueError, match="holds 1 to 64 signatures, got 0"):
        _signatures.encode_block(())


@pytest.mark.parametrize("change", [-1, 1], ids=["one-byte-short", "one-byte-long"])
@pytest.mark.parametrize("key_name", ["ed_key", "p256_key"])
def test_a_signature_of_the_wrong_length_never_verifies(
    key_name: str, change: int, request: pytest.FixtureRequest
) -> None:
    key: _keys.PrivateKey = request.getfixturevalue(key_name)
    entry = _signatures.sign(key, DIGEST, {"signer": "A"})
    public_key = key.public_key()
    assert _signatures.signature_valid(entry, public_key, DIGEST)
    signature = entry.signature[:-1] if change < 0 else entry.signature + b"\x00"
    altered = dataclasses.replace(entry, signature=signature)
    assert not _signatures.signature_valid(altered, public_key, DIGEST)
