"""Signature helpers: entries signed by the suite's test keys, and blocks built around any entries."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping, Sequence
from typing import Final

import modelfmt
from modelfmt.signing import _signatures as _signing

from .build import END_MAGIC, block, canonical, data_start
from .keys import KEYS

ATTRIBUTES: Final = {"signer": "modelfmt conformance vectors (test key, do not trust)", "time": "2025-01-01T00:00:00Z"}


def prefix_digest(unsigned: bytes) -> bytes:
    return hashlib.sha256(unsigned[: data_start(unsigned)]).digest()


def entry(
    unsigned: bytes,
    key: str,
    attributes: Mapping[str, str] | None = None,
    *,
    public_key: bool = True,
    message_file: bytes | None = None,
) -> dict[str, object]:
    """A valid entry by test key `key` over `unsigned` (or over `message_file`'s prefix)."""
    digest = prefix_digest(unsigned if message_file is None else message_file)
    chosen = ATTRIBUTES if attributes is None else attributes
    made = _signing.sign(KEYS[key].private, digest, chosen, include_public_key=public_key)
    return made.as_json()


def signed(unsigned: bytes, key: str, attributes: Mapping[str, str] | None = None) -> bytes:
    """`unsigned` signed by `key` the way the reference signer does it (existing entries are kept)."""
    return modelfmt.sign_bytes(unsigned, KEYS[key].private, attributes=ATTRIBUTES if attributes is None else attributes)


def with_entries(unsigned: bytes, entries: Sequence[Mapping[str, object]]) -> bytes:
    """`unsigned` (a file without a block) with a block holding exactly `entries`, canonical body."""
    return unsigned + block(canonical({"signatures": list(entries)}))


def with_body(unsigned: bytes, body: bytes) -> bytes:
    return unsigned + block(body)


def trailer(length: int) -> bytes:
    return struct.pack("<Q", length) + END_MAGIC
