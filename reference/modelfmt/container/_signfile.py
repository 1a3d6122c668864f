"""Signing and verifying whole files (SPEC.md §12.8, §12.9): `sign_file`, `verify_file` and their
in-memory twins `sign_bytes`, `verify_bytes`, and `read_signatures` for display.

Signing never rewrites a model in place. `sign_file` copies the file beside itself with the kernel's
copy_file_range (which shares extents instead of copying them on filesystems with reflinks: btrfs,
XFS, bcachefs, and on NFS 4.2 / CIFS copies server-side), replaces only the tail after the data section
in the copy, fsyncs it, and renames it over the original. A crash at any moment leaves the original
or the signed file, never a damaged one. Appending to the original in place would avoid the copy on
filesystems without reflinks, but a crash during the append would leave bytes after the data section
that are not a block, and every reader rejects that file (TRAILING_BYTES): the model would be lost
until someone truncated it by hand.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from ..format._errors import error
from ..format._limits import DEFAULT_LIMITS, Limits
from ..signing import _signatures
from ..signing._keys import PrivateKey, TrustedKeys, TrustInput, as_trusted, public_key_of
from ..signing._signatures import SignatureInfo
from . import _digests
from ._atomic import atomic_write
from ._opened import OpenedFile
from ._trust import Verification

PathLike = str | os.PathLike[str]

_COPY_CHUNK = 64 * 1024 * 1024  # per copy_file_range call: large, yet a kill still lands within a second
_FALLBACK_CHUNK = 1024 * 1024
# copy_file_range is refused across filesystems on older kernels, inside some sandboxes and by some
# filesystems; a plain read/write loop then does the same work.
_NO_KERNEL_COPY = frozenset({errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL, errno.EPERM, errno.EBADF})


# ---- verification --------------------------------------------------------------------------------------


def _verify_opened(opened: OpenedFile, trusted: TrustedKeys, progress: _digests.Progress | None) -> Verification:
    # (1) phases 1-4 of §13 ran when the file was opened: the header, the layout, the block's structure
    # (2)-(6) the signatures, over the prefix bytes just parsed: microseconds, so before the digests
    verification = opened.verify_signatures(trusted)
    # (7) phase 5: padding, every tensor digest, bool values; the signed header vouches for none of
    # the data until its digests match
    opened.verify_content(progress)
    return verification


def verify_bytes(
    data: bytes | bytearray | memoryview, trusted_keys: TrustInput, *, limits: Limits = DEFAULT_LIMITS
) -> Verification:
    """Verify a complete file held in memory; see `verify_file`."""
    with memoryview(data) as raw, raw.cast("B") as view:
        trusted = as_trusted(trusted_keys)  # key errors surface before the file is parsed
        with OpenedFile.from_view(view, limits) as opened:
            return _verify_opened(opened, trusted, None)


def verify_file(
    path: PathLike,
    trusted_keys: TrustInput,
    *,
    limits: Limits = DEFAULT_LIMITS,
    progress: _digests.Progress | None = None,
) -> Verification:
    """Check that `path` is signed by one of `trusted_keys` and that every tensor digest matches.

    `trusted_keys`: public keys, key file paths, directories of `.pub` files, or a `TrustedKeys`.
    Returns which key verified, with every signature's verdict (`Verification.signatures`); raises
    `VerificationError` (SIGNATURE_MISSING, SIGNATURE_UNTRUSTED, SIGNATURE_INVALID, with every verdict in
    `.signatures`), `SignatureError` (SIGNATURE_BLOCK), `IntegrityError` (DIGEST_MISMATCH) or another
    `ModelfmtError`, and never returns a failure. Trust comes only from `trusted_keys`. A signature by a
    trusted key that does not verify fails the file even when another verifies (SPEC.md §12.9 step 5).
    Signatures of algorithms this reader does not know are skipped (SIGNATURE_UNTRUSTED when there is no
    other).
    """
    trusted = as_trusted(trusted_keys)  # key errors surface before the file is touched
    with OpenedFile.open(path, limits, mapped=True) as opened:
        return _verify_opened(opened, trusted, progress)


def read_signatures(
    path: PathLike, trusted_keys: TrustInput | None = None, *, limits: Limits = DEFAULT_LIMITS
) -> tuple[SignatureInfo, ...]:
    """The signatures of a file, for display (`modelfmt inspect`). Empty for an unsigned file.

    With `trusted_keys`, each signature's status says whether it verifies, but tensor digests are NOT
    checked: use `verify_file` to decide whether to trust the file. Without keys every status is
    "unchecked" and the attributes are only claims. An entry of an algorithm this reader does not know
    is "unsupported" (or "invalid" if it claims a trusted key's id: the key decides the algorithm).
    """
    trusted = None if trusted_keys is None else as_trusted(trusted_keys)
    with OpenedFile.open(path, limits, mapped=False) as opened:
        return opened.signature_statuses(trusted)


# ---- signing -------------------------------------------------------------------------------------------


def _sign_opened(
    open_file: Callable[[], OpenedFile],
    private_key: PrivateKey,
    attributes: Mapping[str, str] | None,
    progress: _digests.Progress | None,
) -> tuple[int, bytes, SignatureInfo]:
    """(E, the new signature block, the new signature) for the complete file `open_file` opens: §12.8
    steps 1-5, numbered in comments (step 2 first, so that a caller's mistake costs no hashing)."""
    checked = _signatures.check_attributes(attributes)  # (2) caller mistakes first, before any hashing
    public_key = public_key_of(private_key)
    # (1) the file is valid: phases 1-4 ...
    with open_file() as opened:
        # ... and phase 5: a signature vouches for every tensor, so a signer
        # never signs bytes it has not checked
        opened.verify_content(progress)
        # (3) sign SHA-256([0, D)) and the attributes
        digest = opened.prefix_digest()
        entry = _signatures.sign(private_key, digest, checked)
        # (4) check the new signature before writing it: a faulty signer (hardware fault, broken backend)
        # must not publish a signature that could leak key material or fail every verifier
        if not _signatures.signature_valid(entry, public_key, digest):
            raise RuntimeError("the signature just made does not verify; nothing was written")
        # (5) existing signatures are kept, except an earlier one by the same key, which is replaced
        block = _signatures.encode_block(_signatures.add_entry(opened.signatures, entry))
        info = SignatureInfo(entry.algorithm, entry.key_id, entry.attributes, "verified", entry.public_key)
        return opened.header.data_end, block, info


def sign_bytes(
    data: bytes | bytearray | memoryview,
    private_key: PrivateKey,
    *,
    attributes: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> bytes:
    """The bytes of `data` (a complete file) with a signature by `private_key` added; see `sign_file`."""
    with memoryview(data) as raw, raw.cast("B") as view:
        end, block, _ = _sign_opened(lambda: OpenedFile.from_view(view, limits), private_key, attributes, None)
        return bytes(view[:end]) + block


def _copy_into(source: int, target: int, size: int) -> None:
    """Copy `size` bytes from the start of `source` to the start of `target` (an empty file)."""
    copied = 0
    try:
        while copied < size:
            count = os.copy_file_range(source, target, min(size - copied, _COPY_CHUNK), copied, copied)
            if count == 0:
                break
            copied += count
    except OSError as exc:
        if exc.errno not in _NO_KERNEL_COPY:
            raise
    while copied < size:
        chunk = os.pread(source, min(size - copied, _FALLBACK_CHUNK), copied)
        if not chunk:
            break
        _pwrite_all(target, chunk, copied)
        copied += len(chunk)
    if copied != size:
        raise error("TRUNCATED", f"file shrank from {size} to {copied} bytes while it was being signed", offset=copied)


def _pwrite_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


def sign_file(
    path: PathLike,
    private_key: PrivateKey,
    *,
    attributes: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: _digests.Progress | None = None,
) -> SignatureInfo:
    """Add a signature by `private_key` to the file at `path`, atomically.

    The file is checked completely first (a signer vouches for every tensor). Existing signatures are
    kept; an earlier signature by the same key is replaced. `attributes` are signed claims shown to
    verifiers: `signer` (a name), `time` (YYYY-MM-DDTHH:MM:SSZ, see `utc_time`), `comment`, or
    reverse-DNS keys. Signing is deterministic: the same file, key and attributes give the same bytes.
    Returns the new signature. On any failure the file at `path` is left as it was. A symlink is
    followed: the file it points to is signed and the link is kept.
    """
    # Through a symlink, sign the file it points to and keep the link (model caches link names to blobs);
    # renaming over the link itself would silently turn it into a separate copy.
    destination = Path(os.path.realpath(path))
    with open(destination, "rb") as source, atomic_write(destination) as target:
        size = os.fstat(source.fileno()).st_size
        fd = target.fileno()
        _copy_into(source.fileno(), fd, size)
        # Everything below reads the private copy, so what is checked and signed is what is renamed.
        end, block, info = _sign_opened(
            lambda: OpenedFile.from_stream(target, limits, mapped=True), private_key, attributes, progress
        )
        os.ftruncate(fd, end)  # (6) replace [E, F): drop the old block, if any
        _pwrite_all(fd, block, end)
    return info
