"""Trust for readers (SPEC.md §12.9): check signatures over exactly the bytes the reader parsed.

A reader given trusted keys wraps its `read_at` with `Gate.reader`, so the preamble and header bytes it
parses are the very bytes whose digest is checked against the signatures: a file that changes while it
is read cannot pass one version to the parser and another to the verifier. The header padding is
hashed from the same bytes the reader checks for zeros.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from ..format._framing import PREAMBLE_SIZE
from ..signing import _signatures
from ..signing._keys import TrustedKeys, TrustInput, as_trusted
from ..signing._signatures import Verdict
from ._header import Header

ReadAt = Callable[[int, int], bytes]


@dataclass(frozen=True)
class Verification(Verdict):
    """A verdict paired with the header the signature covers, as parsed from the verified bytes."""

    header: Header | None = None


class Gate:
    """One read of one file under a set of trusted keys."""

    def __init__(self, trusted: TrustedKeys) -> None:
        self.trusted = trusted
        self._seen: dict[int, bytes] = {}

    def reader(self, read_at: ReadAt) -> ReadAt:
        """`read_at`, recording what it returns for the preamble (offset 0) and the header (offset 24)."""

        def recording(offset: int, count: int) -> bytes:
            data = read_at(offset, count)
            if offset in (0, PREAMBLE_SIZE) and offset not in self._seen:
                self._seen[offset] = data
            return data

        return recording

    def prefix_sha256(self, header: Header, padding: bytes) -> bytes:
        """SHA-256 of [0, D) from the bytes that were parsed; `padding` is the bytes [24 + L, D)."""
        preamble = self._seen.get(0, b"")
        header_bytes = self._seen.get(PREAMBLE_SIZE, b"")
        if (
            len(preamble) != PREAMBLE_SIZE
            or len(header_bytes) != header.header_length
            or PREAMBLE_SIZE + len(header_bytes) + len(padding) != header.data_start
        ):
            # The reader did not read the prefix through `reader()`: a bug here, never bad input.
            raise RuntimeError("trust gate: the prefix bytes were not captured as parsed")
        digest = hashlib.sha256()
        for part in (preamble, header_bytes, padding):
            digest.update(part)
        return digest.digest()

    def check(self, header: Header, signature_body: bytes | None, padding: bytes) -> Verification:
        """Steps 2-6 of §12.9 for a structurally valid file (phases 1-4 passed)."""
        # (2) SHA-256 of [0, D), from the bytes that were parsed
        digest = self.prefix_sha256(header, padding)
        entries = None
        if signature_body is not None:
            entries = _signatures.parse_block(signature_body, offset=header.data_end, minor=header.minor)
        # (3)-(6)
        verdict = _signatures.verify(entries, digest, self.trusted, offset=header.data_end)
        return Verification(verdict.key_id, verdict.algorithm, verdict.attributes, verdict.signatures, header)


def gate(trusted_keys: TrustInput | None, *, verify: bool) -> Gate | None:
    """The gate for a read, or None when the caller did not ask for signatures.

    Trust without content verification would vouch for a header whose tensors were never checked, so
    the combination is refused rather than silently upgraded.
    """
    if trusted_keys is None:
        return None
    if not verify:
        raise ValueError("trusted_keys requires verify=True: a signature vouches for tensor bytes only once "
                         "their digests are checked")
    return Gate(as_trusted(trusted_keys))
