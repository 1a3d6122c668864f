"""Keys of SPEC.md §12.7: generation, PEM files, key ids, and the set of keys a caller trusts.

Private keys are PKCS#8 PEM (optionally passphrase-encrypted), public keys SubjectPublicKeyInfo PEM,
both through `cryptography`. A key id is the SHA-256 of the DER SubjectPublicKeyInfo, so it names the
key and its algorithm and cannot be chosen by anyone without the key.

Key files are the caller's configuration, not model content: problems with them raise `KeyFileError`
(a `ValueError`), never a `ModelfmtError`, so that a CLI can tell a usage error from a bad model.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Final

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..format._errors import ToolError

PrivateKey = Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey
PathLike = str | os.PathLike[str]

# The names of the §12.6 algorithms; the registry itself is `_signatures.ALGORITHMS`.
ED25519: Final = "ed25519"
ECDSA_P256: Final = "ecdsa-p256-sha256"
# Short names people type (`modelfmt keygen --algorithm ecdsa-p256`) -> registry names.
_ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {ED25519: ED25519, ECDSA_P256: ECDSA_P256, "ecdsa-p256": ECDSA_P256, "p256": ECDSA_P256}
)
PUBLIC_KEY_SUFFIX: Final = ".pub"


class KeyFileError(ToolError, ValueError):
    """A key file (or key argument) is unreadable, malformed, of an unsupported type, or its passphrase
    is wrong. The message names the file and what to do."""


def algorithm_name(name: str) -> str:
    """The registry name for `name` or one of its aliases; ValueError names the choices."""
    try:
        return _ALIASES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown signature algorithm {name!r}; choose one of: ed25519, ecdsa-p256"
        ) from None


def algorithm_of(key: PrivateKey | PublicKey) -> str:
    """The §12.6 algorithm a key signs with. TypeError for key types the format does not define."""
    if isinstance(key, Ed25519PrivateKey | Ed25519PublicKey):
        return ED25519
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if isinstance(key.curve, ec.SECP256R1):
            return ECDSA_P256
        raise TypeError(f"ECDSA keys must be on P-256 (secp256r1), not {key.curve.name}")
    raise TypeError(
        f"{type(key).__name__} is not a modelfmt signing key; use an Ed25519 or ECDSA P-256 key "
        "(see modelfmt.generate_key)"
    )


def public_key_of(key: PrivateKey | PublicKey) -> PublicKey:
    algorithm_of(key)  # rejects foreign key types before they reach serialization
    if isinstance(key, Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
        return key.public_key()
    return key


def public_key_der(key: PrivateKey | PublicKey) -> bytes:
    """The DER SubjectPublicKeyInfo. For P-256 the point is uncompressed (what `cryptography` emits),
    so a key loaded from a compressed-point file still gets the same id."""
    return public_key_of(key).public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(key: PrivateKey | PublicKey) -> str:
    """Lowercase hex SHA-256 of the key's DER SubjectPublicKeyInfo (64 characters)."""
    return hashlib.sha256(public_key_der(key)).hexdigest()


def generate_key(algorithm: str = ED25519) -> PrivateKey:
    """A new private key: "ed25519" (the default) or "ecdsa-p256" ("ecdsa-p256-sha256")."""
    if algorithm_name(algorithm) == ED25519:
        return Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


def _passphrase_bytes(passphrase: str | bytes | None) -> bytes | None:
    if passphrase is None:
        return None
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    if not isinstance(passphrase, bytes) or not passphrase:
        raise ValueError("a passphrase must be a non-empty str or bytes")
    return passphrase


def private_key_pem(key: PrivateKey, *, passphrase: str | bytes | None = None) -> bytes:
    """PKCS#8 PEM; encrypted with the best scheme `cryptography` offers when a passphrase is given."""
    algorithm_of(key)
    secret = _passphrase_bytes(passphrase)
    encryption: serialization.KeySerializationEncryption = (
        serialization.NoEncryption() if secret is None else serialization.BestAvailableEncryption(secret)
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def public_key_pem(key: PrivateKey | PublicKey) -> bytes:
    return public_key_of(key).public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _write_new_file(path: Path, data: bytes, mode: int, *, overwrite: bool) -> None:
    """Write `data` to a temporary file with `mode`, then link or rename it into place.

    The file never exists with other permissions or partial content. Without `overwrite`, os.link
    creates the name only if it is free (FileExistsError otherwise), with no window for a race.
    """
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            os.fchmod(stream.fileno(), mode)  # mkstemp already gives 0600; public keys get 0644
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if overwrite:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def save_private_key(
    key: PrivateKey, path: PathLike, *, passphrase: str | bytes | None = None, overwrite: bool = False
) -> None:
    """Write a PKCS#8 PEM private key with file mode 0600. FileExistsError unless `overwrite`."""
    _write_new_file(Path(path), private_key_pem(key, passphrase=passphrase), 0o600, overwrite=overwrite)


def save_public_key(key: PrivateKey | PublicKey, path: PathLike, *, overwrite: bool = False) -> None:
    """Write a SubjectPublicKeyInfo PEM public key (mode 0644). FileExistsError unless `overwrite`."""
    _write_new_file(Path(path), public_key_pem(key), 0o644, overwrite=overwrite)


# A PEM key file is under 1 KiB (an encrypted P-256 key is the largest, ~600 bytes); anything much
# larger is not a key file, and reading it whole would let a wrong path exhaust memory.
_MAX_KEY_FILE_BYTES: Final = 64 * 1024


def _read_key_file(path: Path) -> bytes:
    with open(path, "rb") as stream:
        data = stream.read(_MAX_KEY_FILE_BYTES + 1)
    if len(data) > _MAX_KEY_FILE_BYTES:
        raise KeyFileError(f"{path}: not a PEM key file (larger than {_MAX_KEY_FILE_BYTES} bytes)")
    return data


def load_private_key(path: PathLike, *, passphrase: str | bytes | None = None) -> PrivateKey:
    """Read a PKCS#8 (or traditional) PEM private key. KeyFileError says what is wrong."""
    path = Path(path)
    data = _read_key_file(path)
    secret = _passphrase_bytes(passphrase)
    try:
        key = serialization.load_pem_private_key(data, password=secret)
    except TypeError:
        # cryptography's TypeError means the passphrase does not fit the file's encryption state.
        if secret is None:
            raise KeyFileError(f"{path}: the private key is encrypted; give its passphrase") from None
        raise KeyFileError(f"{path}: the private key is not encrypted; do not give a passphrase") from None
    except UnsupportedAlgorithm:
        raise KeyFileError(f"{path}: unsupported private key type; use an Ed25519 or ECDSA P-256 key") from None
    except ValueError:
        # Deliberately one message for "not PEM" and "wrong passphrase": OpenSSL cannot tell them apart.
        hint = "wrong passphrase, or " if secret is not None else ""
        raise KeyFileError(f"{path}: cannot read the private key ({hint}not a PEM private key)") from None
    try:
        algorithm_of(key)  # type: ignore[arg-type]
    except TypeError as exc:
        raise KeyFileError(f"{path}: {exc}") from None
    return key  # type: ignore[return-value]


def load_public_key(path: PathLike) -> PublicKey:
    """Read a SubjectPublicKeyInfo PEM public key. KeyFileError says what is wrong."""
    path = Path(path)
    data = _read_key_file(path)
    if b"PRIVATE KEY-----" in data:
        # Refuse rather than derive: a private key has no business in a directory of trusted keys.
        raise KeyFileError(f"{path}: this is a private key; give the public key (.pub) instead")
    if data.count(b"-----BEGIN ") > 1:
        # PEM readers take the first block and ignore the rest: a second key appended to the file would
        # look trusted to whoever wrote it and never be (SPEC.md §12.7).
        raise KeyFileError(f"{path}: holds several PEM blocks; give one public key per file")
    try:
        key = serialization.load_pem_public_key(data)
    except UnsupportedAlgorithm:
        raise KeyFileError(f"{path}: unsupported public key type; use an Ed25519 or ECDSA P-256 key") from None
    except ValueError:
        raise KeyFileError(f"{path}: not a PEM public key") from None
    try:
        algorithm_of(key)  # type: ignore[arg-type]
    except TypeError as exc:
        raise KeyFileError(f"{path}: {exc}") from None
    return key  # type: ignore[return-value]


class TrustedKeys(Mapping[str, PublicKey]):
    """The public keys a verifier trusts, by key id. Never empty; never derived from a model file."""

    def __init__(self, keys: Iterable[PublicKey]) -> None:
        by_id: dict[str, PublicKey] = {}
        for key in keys:
            if isinstance(key, Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
                raise TypeError("trusted keys are public keys; pass private_key.public_key()")
            by_id[key_id(key)] = key
        if not by_id:
            raise ValueError("no trusted keys given: pass at least one public key")
        self._keys: Mapping[str, PublicKey] = MappingProxyType(by_id)

    def __getitem__(self, identifier: str) -> PublicKey:
        return self._keys[identifier]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"TrustedKeys({', '.join(identifier[:16] for identifier in self._keys)})"


def _public_key_files(path: Path) -> list[Path]:
    if not path.is_dir():
        return [path]
    # Only *.pub: a directory of keys often also holds the private keys, READMEs, revocation notes.
    files = sorted(child for child in path.iterdir() if child.suffix == PUBLIC_KEY_SUFFIX and child.is_file())
    if not files:
        raise KeyFileError(f"{path}: the directory has no {PUBLIC_KEY_SUFFIX} public key files")
    return files


def load_trusted_keys(*paths: PathLike) -> TrustedKeys:
    """Trusted keys from public key files and directories of `*.pub` files."""
    if not paths:
        raise ValueError("no trusted keys given: pass at least one public key file or directory")
    keys: list[PublicKey] = []
    for path in paths:
        keys.extend(load_public_key(file) for file in _public_key_files(Path(path)))
    return TrustedKeys(keys)


TrustInput = TrustedKeys | PublicKey | PathLike | Iterable[PublicKey | PathLike]


def as_trusted(value: TrustInput) -> TrustedKeys:
    """Normalise what callers pass as `trusted_keys`: a TrustedKeys, a public key, a path to a key file
    or directory, or an iterable of keys and paths."""
    if isinstance(value, TrustedKeys):
        return value
    if isinstance(value, Ed25519PublicKey | ec.EllipticCurvePublicKey):
        return TrustedKeys([value])
    if isinstance(value, str | os.PathLike):
        return load_trusted_keys(value)
    if isinstance(value, bytes | bytearray):
        raise TypeError("trusted_keys takes keys or paths, not bytes; load PEM data with load_pem_public_key")
    if isinstance(value, Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
        raise TypeError("trusted keys are public keys; pass private_key.public_key()")
    if not isinstance(value, Iterable):
        raise TypeError(f"trusted_keys must be public keys or key file paths, got {type(value).__name__}")
    keys: list[PublicKey] = []
    for item in value:
        if isinstance(item, str | os.PathLike):
            keys.extend(load_trusted_keys(item).values())
        elif isinstance(item, Ed25519PublicKey | ec.EllipticCurvePublicKey):
            keys.append(item)
        else:
            raise TypeError(f"trusted_keys items must be public keys or key file paths, got {type(item).__name__}")
    return TrustedKeys(keys)
