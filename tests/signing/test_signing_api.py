"""The signing API: sign_file (atomic, deterministic, additive), verify_file, and the trust keywords of
load_file / safe_open (SPEC.md §12.8, §12.9)."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import stat
import struct
from collections.abc import Callable
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from modelfmt.container import _signfile
from modelfmt.signing import _keys

DATA = Path(__file__).resolve().parent / "data"
ATTRIBUTES = {"signer": "Alice", "time": "2025-06-01T12:00:00Z"}


def _partials(directory: Path) -> list[Path]:
    return [path for path in directory.iterdir() if path.name.endswith(".partial")]


# ---- sign_file ------------------------------------------------------------------------------------------


def test_sign_file_matches_sign_bytes_and_is_deterministic(
    model: bytes, ed_key: _keys.PrivateKey, write: Callable[[bytes, str], Path]
) -> None:
    first, second = write(model, "a.mf"), write(model, "b.mf")
    info = modelfmt.sign_file(first, ed_key, attributes=ATTRIBUTES)
    modelfmt.sign_file(second, ed_key, attributes=ATTRIBUTES)
    assert first.read_bytes() == second.read_bytes() == modelfmt.sign_bytes(model, ed_key, attributes=ATTRIBUTES)
    assert first.read_bytes().startswith(model)  # tensor data untouched, block appended
    assert (info.key_id, info.algorithm, info.status) == (modelfmt.key_id(ed_key), "ed25519", "verified")
    assert _partials(first.parent) == []


def test_signatures_accumulate_and_a_key_signs_once(
    model: bytes, ed_key: _keys.PrivateKey, p256_key: _keys.PrivateKey, write: Callable[[bytes, str], Path]
) -> None:
    path = write(model, "m.mf")
    modelfmt.sign_file(path, ed_key, attributes={"comment": "first"})
    modelfmt.sign_file(path, p256_key)
    assert [info.algorithm for info in modelfmt.read_signatures(path)] == ["ed25519", "ecdsa-p256-sha256"]
    # Re-signing with a key that already signed replaces its entry in place.
    modelfmt.sign_file(path, ed_key, attributes={"comment": "second"})
    infos = modelfmt.read_signatures(path)
    assert [(info.algorithm, dict(info.attributes)) for info in infos] == [
        ("ed25519", {"comment": "second"}),
        ("ecdsa-p256-sha256", {}),
    ]
    assert all(info.status == "unchecked" for info in infos)
    for key in (ed_key, p256_key):
        assert modelfmt.verify_file(path, key.public_key()).key_id == modelfmt.key_id(key)


def _block_entries(data: bytes) -> list[dict[str, object]]:
    (length,) = struct.unpack("<Q", data[-16:-8])
    signatures: list[dict[str, object]] = json.loads(data[-16 - length : -16])["signatures"]
    return signatures


def test_sign_file_keeps_entries_of_unknown_algorithms(
    model: bytes, ed_key: _keys.PrivateKey, p256_key: _keys.PrivateKey, write: Callable[[bytes, str], Path]
) -> None:
    # A block mixing a known and an unknown entry, the unknown one written non-canonically (members out
    # of order, escapes, whitespace) and with every optional field: a signer keeps it, in place, with the
    # same JSON value (§12.8 step 5), even though it cannot check it.
    spki = b"\x30\x2a not a real post-quantum public key" + os.urandom(40)
    unknown = {
        "signature": os.urandom(3309).hex(),
        "public_key": spki.hex(),
        "key_id": hashlib.sha256(spki).hexdigest(),
        "attributes": {"signer": "Bob \u00e9", "org.example.pq": "yes", "time": "2030-01-01T00:00:00Z"},
        "algorithm": "ml-dsa-65",
    }
    signed = modelfmt.sign_bytes(model, ed_key, attributes=ATTRIBUTES)
    known = _block_entries(signed)[0]
    body = json.dumps({"signatures": [known, unknown]}, indent=1, ensure_ascii=True).encode()
    path = write(model + body + struct.pack("<Q", len(body)) + b"\x89MFS\r\n\x1a\n", "m.mf")
    info = modelfmt.sign_file(path, p256_key)
    assert info.algorithm == "ecdsa-p256-sha256"
    (p256_entry,) = _block_entries(modelfmt.sign_bytes(model, p256_key))  # deterministic: the same entry
    assert _block_entries(path.read_bytes()) == [known, unknown, p256_entry]
    assert [info.status for info in modelfmt.read_signatures(path)] == ["unchecked", "unsupported", "unchecked"]
    for key in (ed_key, p256_key):
        result = modelfmt.verify_file(path, key.public_key())
        assert result.key_id == modelfmt.key_id(key)
        assert result.signatures[1].status == "unsupported"
        assert result.signatures[1].public_key == spki
    # Re-signing with the Ed25519 key replaces its entry in place; the unknown entry stays where it was.
    modelfmt.sign_file(path, ed_key, attributes={"comment": "again"})
    after = _block_entries(path.read_bytes())
    assert after[1] == unknown and after[0]["attributes"] == {"comment": "again"}
    assert path.read_bytes().startswith(model)


def test_at_most_64_signatures(model: bytes) -> None:
    data = model
    for _ in range(64):
        data = modelfmt.sign_bytes(data, modelfmt.generate_key())
    with pytest.raises(ValueError, match="64 signatures"):
        modelfmt.sign_bytes(data, modelfmt.generate_key())


def test_signing_a_corrupt_file_fails_and_leaves_it_unchanged(
    model: bytes, ed_key: _keys.PrivateKey, write: Callable[[bytes, str], Path]
) -> None:
    corrupt = bytearray(model)
    corrupt[-1] ^= 1
    path = write(bytes(corrupt), "m.mf")
    with pytest.raises(modelfmt.IntegrityError):
        modelfmt.sign_file(path, ed_key)
    assert path.read_bytes() == bytes(corrupt)
    assert _partials(path.parent) == []


def test_a_crash_while_writing_the_block_keeps_the_original(
    model: bytes, ed_key: _keys.PrivateKey, write: Callable[[bytes, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(modelfmt.sign_bytes(model, ed_key), "m.mf")
    before = path.read_bytes()

    def crash(fd: int, data: bytes, offset: int) -> None:
        os.pwrite(fd, data[: len(data) // 2], offset)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_signfile, "_pwrite_all", crash)
    with pytest.raises(OSError, match="No space"):
        modelfmt.sign_file(path, modelfmt.generate_key("ecdsa-p256"))
    assert path.read_bytes() == before
    assert _partials(path.parent) == []


def test_copy_falls_back_when_the_kernel_refuses(
    model: bytes, ed_key: _keys.PrivateKey, write: Callable[[bytes, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> int:
        raise OSError(18, "Invalid cross-device link")  # EXDEV

    monkeypatch.setattr(os, "copy_file_range", refuse)
    path = write(model, "m.mf")
    modelfmt.sign_file(path, ed_key)
    assert path.read_bytes() == modelfmt.sign_bytes(model, ed_key)


def test_sign_file_keeps_the_file_mode(
    model: bytes, ed_key: _keys.PrivateKey, write: Callable[[bytes, str], Path]
) -> None:
    path = write(model, "m.mf")
    path.chmod(0o640)
    modelfmt.sign_file(path, ed_key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_sign_file_through_a_symlink_signs_the_target(
    model: bytes, ed_key: _keys.PrivateKey, write: Callable[[bytes, str], Path]
) -> None:
    target = write(model, "blob")
    link = target.parent / "model.mf"
    link.symlink_to(target.name)
    modelfmt.sign_file(link, ed_key)
    assert link.is_symlink()
    assert target.read_bytes() == modelfmt.sign_bytes(model, ed_key)


@pytest.mark.parametrize(
    "attributes",
    [
        {"signer": ""},
        {"signer": "a\nb"},
        {"time": "yesterday"},
        {"Signer": "Alice"},
        {"signer": 5},
        {f"org.example.k{i}": "v" for i in range(17)},
    ],
)
def test_bad_attributes_are_caller_errors(
    model: bytes, ed_key: _keys.PrivateKey, attributes: dict[str, object]
) -> None:
    with pytest.raises((ValueError, TypeError)) as caught:
        modelfmt.sign_bytes(model, ed_key, attributes=attributes)  # type: ignore[arg-type]
    assert not isinstance(caught.value, modelfmt.ModelfmtError)


def test_utc_time() -> None:
    moment = datetime.datetime(2025, 6, 1, 14, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert modelfmt.utc_time(moment) == "2025-06-01T12:00:00Z"
    with pytest.raises(ValueError, match="naive"):
        modelfmt.utc_time(datetime.datetime(2025, 6, 1))


# ---- verify_file ----------------------------------------------------------------------------------------


def test_verify_file_accepts_keys_paths_and_directories(
    model: bytes, ed_key: _keys.PrivateKey, write: Callable[[bytes, str], Path], tmp_path: Path
) -> None:
    path = write(modelfmt.sign_bytes(model, ed_key, attributes=ATTRIBUTES), "m.mf")
    keys = tmp_path / "keys"
    keys.mkdir()
    modelfmt.save_public_key(ed_key, keys / "alice.pub")
    modelfmt.save_public_key(modelfmt.generate_key(), keys / "bob.pub")
    (keys / "notes.txt").write_text("not a key")
    for trusted in (
        ed_key.public_key(),
        [ed_key.public_key()],
        keys / "alice.pub",
        str(keys / "alice.pub"),
        keys,
        [keys / "bob.pub", keys / "alice.pub"],
        modelfmt.load_trusted_keys(keys),
    ):
        result = modelfmt.verify_file(path, trusted)  # type: ignore[arg-type]
        assert result.key_id == modelfmt.key_id(ed_key)
        assert result.attributes == ATTRIBUTES
        assert result.header is not None and len(result.header.tensors) == 3


def test_verify_file_errors_are_categorised(
    model: bytes, ed_key: _keys.PrivateKey, other_key: _keys.PrivateKey, write: Callable[[bytes, str], Path]
) -> None:
    unsigned = write(model, "u.mf")
    with pytest.raises(modelfmt.SignatureError) as caught:
        modelfmt.verify_file(unsigned, ed_key.public_key())
    assert caught.value.code == "SIGNATURE_MISSING"
    assert isinstance(caught.value, ValueError)
    signed = write(modelfmt.sign_bytes(model, other_key), "s.mf")
    with pytest.raises(modelfmt.SignatureError, match="no signature is by a trusted key"):
        modelfmt.verify_file(signed, ed_key.public_key())


@pytest.mark.parametrize(
    ("trusted", "error"),
    [
        ([], ValueError),
        ((), ValueError),
        (b"-----BEGIN PUBLIC KEY-----", TypeError),
        (42, TypeError),
        ([42], TypeError),
    ],
)
def test_trusted_keys_must_be_public_keys(
    model: bytes, ed_key: _keys.PrivateKey, trusted: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        modelfmt.verify_bytes(model, trusted)  # type: ignore[arg-type]


def test_a_private_key_is_not_a_trusted_key(model: bytes, ed_key: _keys.PrivateKey) -> None:
    with pytest.raises(TypeError, match="public"):
        modelfmt.verify_bytes(model, ed_key)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="public"):
        modelfmt.TrustedKeys([ed_key])  # type: ignore[list-item]


def test_a_directory_without_public_keys(tmp_path: Path, model: bytes) -> None:
    with pytest.raises(modelfmt.KeyFileError, match=r"no \.pub"):
        modelfmt.verify_bytes(model, tmp_path)


# ---- trust keywords on load_file and safe_open -----------------------------------------------------------


def test_load_file_with_trusted_keys(
    model: bytes, ed_key: _keys.PrivateKey, other_key: _keys.PrivateKey, write: Callable[[bytes, str], Path]
) -> None:
    signed = write(modelfmt.sign_bytes(model, ed_key), "s.mf")
    tensors = modelfmt.load_file(signed, trusted_keys=ed_key.public_key())
    np.testing.assert_array_equal(tensors["encoder.weight"], np.arange(12, dtype=np.float32).reshape(3, 4))
    for path, code in (
        (write(model, "u.mf"), "SIGNATURE_MISSING"),
        (write(modelfmt.sign_bytes(model, other_key), "o.mf"), "SIGNATURE_UNTRUSTED"),
    ):
        with pytest.raises(modelfmt.SignatureError) as caught:
            modelfmt.load_file(path, trusted_keys=ed_key.public_key())
        assert caught.value.code == code


def test_load_file_with_trusted_keys_rejects_tampered_data(
    model: bytes, ed_key: _keys.PrivateKey, write: Callable[[bytes, str], Path]
) -> None:
    signed = write(modelfmt.sign_bytes(model, ed_key), "s.mf")
    tampered = bytearray(signed.read_bytes())
    tampered[modelfmt.read_header(signed).data_start] ^= 0xFF  # the first data byte
    path = write(bytes(tampered), "t.mf")
    with pytest.raises(modelfmt.IntegrityError):
        modelfmt.load_file(path, trusted_keys=ed_key.public_key())


def test_safe_open_with_trusted_keys_verifies_everything_at_open(
    model: bytes, ed_key: _keys.PrivateKey, other_key: _keys.PrivateKey, write: Callable[[bytes, str], Path]
) -> None:
    signed = write(modelfmt.sign_bytes(model, ed_key, attributes=ATTRIBUTES), "s.mf")
    with modelfmt.safe_open(signed, trusted_keys=ed_key.public_key()) as opened:
        assert opened.verification is not None
        assert opened.verification.attributes == ATTRIBUTES
        assert opened.get_tensor("mask").tolist() == [True, False, True]
    with modelfmt.safe_open(signed) as opened:
        assert opened.verification is None
    # A tampered last tensor: nothing is yielded, not even the untouched first tensor.
    tampered = bytearray(signed.read_bytes())
    header = modelfmt.read_header(signed)
    mask = header.tensor("mask")
    tampered[header.data_start + mask.offset] = 0
    path = write(bytes(tampered), "t.mf")
    with pytest.raises(modelfmt.IntegrityError):
        modelfmt.safe_open(path, trusted_keys=ed_key.public_key())
    with pytest.raises(modelfmt.SignatureError):
        modelfmt.safe_open(write(model, "u.mf"), trusted_keys=ed_key.public_key())


def test_trust_cannot_be_combined_with_verify_off(
    model: bytes, ed_key: _keys.PrivateKey, write: Callable[[bytes, str], Path]
) -> None:
    path = write(modelfmt.sign_bytes(model, ed_key), "s.mf")
    with pytest.raises(ValueError, match="verify=True"):
        modelfmt.load_file(path, verify=False, trusted_keys=ed_key.public_key())
    with pytest.raises(ValueError, match="verify=True"):
        modelfmt.safe_open(path, verify=False, trusted_keys=ed_key.public_key())


def test_read_signatures_reports_status_per_entry(
    model: bytes, ed_key: _keys.PrivateKey, p256_key: _keys.PrivateKey, write: Callable[[bytes, str], Path]
) -> None:
    assert modelfmt.read_signatures(write(model, "u.mf")) == ()
    path = write(modelfmt.sign_bytes(modelfmt.sign_bytes(model, ed_key), p256_key), "s.mf")
    infos = modelfmt.read_signatures(path, ed_key.public_key())
    assert [info.status for info in infos] == ["verified", "untrusted"]
    assert infos[0].public_key is not None
    assert modelfmt.key_id(modelfmt.load_public_key(DATA / "test-ed25519.pub")) == infos[0].key_id
