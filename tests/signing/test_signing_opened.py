"""Trusted reads through one opened file: the signature block is parsed once per read, and the prefix
digest a signature is checked against is taken from the bytes the parser saw, even when the file changes
after its header was read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from modelfmt import cli
from modelfmt.container import _opened
from modelfmt.diagnose._check import check_file
from modelfmt.format._limits import Limits
from modelfmt.signing import _keys, _signatures

TENSORS = {"w": np.arange(12, dtype=np.float32).reshape(3, 4), "mask": np.array([True, False, True])}


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of `parse_block` calls (one list item each)."""
    calls: list[int] = []
    original = _signatures.parse_block

    def counting(body: bytes, *, offset: int, minor: int) -> tuple[_signatures.SignatureEntry, ...]:
        calls.append(offset)
        return original(body, offset=offset, minor=minor)

    monkeypatch.setattr(_signatures, "parse_block", counting)
    return calls


def _signed(key: _keys.PrivateKey, name: str) -> bytes:
    return modelfmt.sign_bytes(modelfmt.save(TENSORS, metadata={"name": name}), key)


def test_a_trusted_read_parses_the_signature_block_once(
    ed_key: _keys.PrivateKey, write: Callable[[bytes, str], Path], tmp_path: Path, parses: list[int]
) -> None:
    path = write(_signed(ed_key, "good"), "s.mf")
    public = ed_key.public_key()
    pub_file = tmp_path / "k.pub"
    modelfmt.save_public_key(ed_key, pub_file)
    reads: dict[str, Callable[[], object]] = {
        "load_file": lambda: modelfmt.load_file(path, trusted_keys=public),
        "safe_open": lambda: modelfmt.safe_open(path, trusted_keys=public).close(),
        "verify_file": lambda: modelfmt.verify_file(path, public),
        "verify_bytes": lambda: modelfmt.verify_bytes(path.read_bytes(), public),
        "read_signatures": lambda: modelfmt.read_signatures(path, public),
        "check_file": lambda: check_file(path, public, strict=True),
        "inspect --key": lambda: cli.main(["inspect", str(path), "--key", str(pub_file)]),
        "sign_file": lambda: modelfmt.sign_file(path, ed_key),
    }
    for name, read in reads.items():
        parses.clear()
        read()
        assert len(parses) == 1, name


def test_check_with_keys_reports_the_verification_once_and_the_header(
    ed_key: _keys.PrivateKey, other_key: _keys.PrivateKey, write: Callable[[bytes, str], Path]
) -> None:
    path = write(_signed(ed_key, "good"), "s.mf")
    result = check_file(path, ed_key.public_key())
    assert result.valid and result.verification is not None and result.header is not None
    assert result.as_json()["signature"] == {
        "verified": True,
        "key_id": modelfmt.key_id(ed_key),
        "algorithm": "ed25519",
        "attributes": {},
        "signatures": [
            {
                "algorithm": "ed25519",
                "key_id": modelfmt.key_id(ed_key),
                "status": "verified",
                "attributes": {},
                "attributes_verified": True,
            }
        ],
    }
    refused = check_file(path, other_key.public_key())
    assert refused.error is not None and refused.error.code == "SIGNATURE_UNTRUSTED"
    assert refused.header is None and refused.verification is None  # nothing reported as verified


def _swap_after_parse(monkeypatch: pytest.MonkeyPatch, path: Path, replacement: bytes) -> None:
    """Once the header of `path` has been parsed and validated, overwrite the file in place (same inode,
    same size) with `replacement`: later reads, and a memory map, see the new bytes."""
    validate = _opened.validate

    def validate_then_swap(parsed: object, preamble: object, limits: Limits) -> modelfmt.Header:
        header = validate(parsed, preamble, limits)  # type: ignore[arg-type]
        with open(path, "r+b") as stream:
            stream.write(replacement)
        return header

    monkeypatch.setattr(_opened, "validate", validate_then_swap)


@pytest.mark.parametrize("read", ["load_file", "safe_open", "verify_file", "check_file"])
def test_a_trusted_read_hashes_the_header_bytes_it_parsed(
    read: str, ed_key: _keys.PrivateKey, write: Callable[[bytes, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `good` is signed. `evil` has another header of the same size and good's signature block: alone it is
    # rejected. A reader that parsed evil's header and then hashed a second read of the prefix, after
    # the file became `good`, would accept evil's header under good's signature.
    good = _signed(ed_key, "good")
    unsigned_evil = modelfmt.save(TENSORS, metadata={"name": "evil"})
    evil = unsigned_evil + good[len(unsigned_evil) :]
    assert len(evil) == len(good) and evil != good
    public = ed_key.public_key()
    with pytest.raises(modelfmt.SignatureError, match="does not verify"):
        modelfmt.verify_bytes(evil, public)
    path = write(evil, "race.mf")
    _swap_after_parse(monkeypatch, path, good)
    with pytest.raises(modelfmt.SignatureError) as caught:
        if read == "load_file":
            modelfmt.load_file(path, trusted_keys=public)
        elif read == "safe_open":
            modelfmt.safe_open(path, trusted_keys=public)
        elif read == "verify_file":
            modelfmt.verify_file(path, public)
        else:
            result = check_file(path, public)
            assert result.error is not None
            raise result.error
    assert caught.value.code == "SIGNATURE_INVALID"
    assert path.read_bytes() == good  # the swap happened: the verdict is on the bytes that were parsed
