"""Trust for readers (SPEC.md §12.9): what a verification returns, and which keys a read requires.

The check itself is `OpenedFile.verify_signatures`: it hashes the preamble and header bytes the parser
saw and the padding bytes the zero check sees, so a file that changes while it is read cannot pass one
version to the parser and another to the verifier.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..signing._keys import TrustedKeys, TrustInput, as_trusted
from ..signing._signatures import Verdict
from ._header import Header


@dataclass(frozen=True)
class Verification(Verdict):
    """A verdict paired with the header the signature covers, as parsed from the verified bytes."""

    header: Header | None = None


def trusted_for_read(trusted_keys: TrustInput | None, *, verify: bool) -> TrustedKeys | None:
    """The keys a read requires a signature by, or None when the caller did not ask for signatures.

    Trust without content verification would vouch for a header whose tensors were never checked, so
    the combination is refused rather than silently upgraded.
    """
    if trusted_keys is None:
        return None
    if not verify:
        raise ValueError("trusted_keys requires verify=True: a signature vouches for tensor bytes only once "
                         "their digests are checked")
    return as_trusted(trusted_keys)
