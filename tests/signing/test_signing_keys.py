"""Keys (SPEC.md §12.7): generation, PEM files, passphrases, key ids, and what is refused."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import modelfmt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from modelfmt.signing import _keys


@pytest.mark.parametrize(("name", "algorithm"), [("ed25519", "ed25519"), ("ecdsa-p256", "ecdsa-p256-sha256"),
                                                 ("ecdsa-p256-sha256", "ecdsa-p256-sha256")])
def test_generate_save_load_round_trip(tmp_path: Path, name: str, algorithm: str) -> None:
    key = modelfmt.generate_key(name)
    assert _keys.algorithm_of(key) == algorithm
    modelfmt.save_private_key(key, tmp_path / "k.key")
    modelfmt.save_public_key(key, tmp_path / "k.pub")
    assert stat.S_IMODE((tmp_path / "k.key").stat().st_mode) == 0o600
    assert (tmp_path / "k.key").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8
    assert (tmp_path / "k.pub").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")  # SubjectPublicKeyInfo
    loaded = modelfmt.load_private_key(tmp_path / "k.key")
    public = modelfmt.load_public_key(tmp_path / "k.pub")
    assert modelfmt.key_id(loaded) == modelfmt.key_id(public) == modelfmt.key_id(key)
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".partial")] == []


def test_unknown_algorithm_name() -> None:
    with pytest.raises(ValueError, match="ed25519, ecdsa-p256"):
        modelfmt.generate_key("rsa")


def test_key_id_is_sha256_of_the_der_subject_public_key_info() -> None:
    key = modelfmt.generate_key("ecdsa-p256")
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert modelfmt.key_id(key) == hashlib.sha256(der).hexdigest()
    assert len(modelfmt.key_id(key)) == 64


def test_compressed_point_public_key_has_the_same_id(tmp_path: Path) -> None:
    key = modelfmt.generate_key("ecdsa-p256")
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    compressed = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    from_point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), compressed)
    (tmp_path / "c.pub").write_bytes(from_point.public_bytes(serialization.Encoding.PEM,
                                                             serialization.PublicFormat.SubjectPublicKeyInfo))
    assert modelfmt.key_id(modelfmt.load_public_key(tmp_path / "c.pub")) == modelfmt.key_id(key)


def test_passphrase(tmp_path: Path) -> None:
    key = modelfmt.generate_key()
    path = tmp_path / "k.key"
    modelfmt.save_private_key(key, path, passphrase="correct horse")
    assert b"ENCRYPTED PRIVATE KEY" in path.read_bytes()
    assert modelfmt.key_id(modelfmt.load_private_key(path, passphrase="correct horse")) == modelfmt.key_id(key)
    assert modelfmt.key_id(modelfmt.load_private_key(path, passphrase=b"correct horse")) == modelfmt.key_id(key)
    with pytest.raises(modelfmt.KeyFileError, match="encrypted; give its passphrase"):
        modelfmt.load_private_key(path)
    with pytest.raises(modelfmt.KeyFileError, match="wrong passphrase"):
        modelfmt.load_private_key(path, passphrase="wrong")
    plain = tmp_path / "p.key"
    modelfmt.save_private_key(key, plain)
    with pytest.raises(modelfmt.KeyFileError, match="not encrypted"):
        modelfmt.load_private_key(plain, passphrase="x")
    with pytest.raises(ValueError, match="non-empty"):
        modelfmt.save_private_key(key, tmp_path / "e.key", passphrase="")


def test_no_overwrite_by_default(tmp_path: Path) -> None:
    key = modelfmt.generate_key()
    modelfmt.save_private_key(key, tmp_path / "k.key")
    with pytest.raises(FileExistsError):
        modelfmt.save_private_key(modelfmt.generate_key(), tmp_path / "k.key")
    assert modelfmt.key_id(modelfmt.load_private_key(tmp_path / "k.key")) == modelfmt.key_id(key)
    other = modelfmt.generate_key()
    modelfmt.save_private_key(other, tmp_path / "k.key", overwrite=True)
    assert modelfmt.key_id(modelfmt.load_private_key(tmp_path / "k.key")) == modelfmt.key_id(other)
    assert stat.S_IMODE((tmp_path / "k.key").stat().st_mode) == 0o600


def _pem_private(key: object) -> bytes:
    return key.private_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _pem_public(key: object) -> bytes:
    return key.public_key().public_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "not a PEM public key"),
        (b"hello", "not a PEM public key"),
        (_pem_public(rsa.generate_private_key(65537, 2048)), "Ed25519 or ECDSA P-256"),
        (_pem_public(ec.generate_private_key(ec.SECP384R1())), "P-256"),
        (_pem_private(modelfmt.generate_key()), "private key"),
        (b"x" * 70000, "larger than"),
    ],
)
def test_unusable_public_key_files(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "k.pub"
    path.write_bytes(content)
    with pytest.raises(modelfmt.KeyFileError, match=match):
        modelfmt.load_public_key(path)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"garbage", "not a PEM private key"),
        (_pem_private(rsa.generate_private_key(65537, 2048)), "Ed25519 or ECDSA P-256"),
        (_pem_private(ec.generate_private_key(ec.SECP384R1())), "P-256"),
    ],
)
def test_unusable_private_key_files(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "k.key"
    path.write_bytes(content)
    with pytest.raises(modelfmt.KeyFileError, match=match):
        modelfmt.load_private_key(path)


def test_key_file_errors_are_value_errors_not_format_errors() -> None:
    assert issubclass(modelfmt.KeyFileError, ValueError)
    assert not issubclass(modelfmt.KeyFileError, modelfmt.ModelfmtError)


def test_missing_key_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        modelfmt.load_public_key(tmp_path / "absent.pub")


def test_trusted_keys_directory_reads_only_pub_files(tmp_path: Path) -> None:
    keys = [modelfmt.generate_key(), modelfmt.generate_key("ecdsa-p256")]
    for index, key in enumerate(keys):
        modelfmt.save_public_key(key, tmp_path / f"{index}.pub")
        modelfmt.save_private_key(key, tmp_path / f"{index}.key")  # ignored: not .pub
    trusted = modelfmt.load_trusted_keys(tmp_path)
    assert set(trusted) == {modelfmt.key_id(key) for key in keys}
    assert "TrustedKeys(" in repr(trusted)
    with pytest.raises(ValueError, match="no trusted keys"):
        modelfmt.load_trusted_keys()


def test_public_key_file_with_several_pem_blocks_is_refused(tmp_path: Path) -> None:
    """SPEC.md §12.7: PEM readers take the first block, so a second trusted key would be silently ignored."""
    path = tmp_path / "two.pub"
    path.write_bytes(_pem_public(modelfmt.generate_key()) + _pem_public(modelfmt.generate_key()))
    with pytest.raises(modelfmt.KeyFileError, match="several PEM blocks"):
        modelfmt.load_public_key(path)
