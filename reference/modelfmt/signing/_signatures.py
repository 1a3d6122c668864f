"""Signatures of SPEC.md §12: the signed message, the signature block body, and signature checks.

No files and no I/O here: functions take the prefix digest (SHA-256 of the file's bytes [0, D)) and the
block body, and either return values or raise the error of the first rule that fails. Step numbers in
comments are the numbered steps of §12.3 (block structure) and §12.9 (verification).

What a signature covers is the prefix digest and the signer's attributes, nothing else: the header
commits to every tensor digest and to the data length, so the prefix digest binds every byte of the
file before the signature block. The block itself is not covered and is never trusted: it only says
which key claims to have signed, and the verifier decides with keys of its own.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from ..format import _json
from ..format._errors import Code, ModelfmtError, SignatureError, error
from ..format._framing import MINOR_VERSION, SIGNATURE_END_MAGIC, SIGNATURE_TRAILER
from ..format._json import json_type, show
from ..format._limits import (
    MAX_ALGORITHM_NAME_CHARS,
    MAX_ATTRIBUTE_KEY_BYTES,
    MAX_ATTRIBUTE_VALUE_BYTES,
    MAX_ATTRIBUTES,
    MAX_DEPTH,
    MAX_PUBLIC_KEY_BYTES,
    MAX_SIGNATURE_BLOCK_BYTES,
    MAX_SIGNATURES,
    MAX_UNKNOWN_SIGNATURE_BYTES,
    MAX_UNKNOWN_SIGNATURES,
)
from ..format._names import FORBIDDEN_IN_DISPLAYED_TEXT, REVERSE_DNS
from ..format._objects import missing_key, unknown_key
from . import _keys
from ._keys import ECDSA_P256, ED25519, PrivateKey, PublicKey, TrustedKeys

# The domain-separation string: a signature made for a modelfmt file can never be replayed as a
# signature over anything else a key signs (a git commit, a TLS handshake, another format), and the
# version lets a future message layout never collide with this one. NUL-terminated, 22 bytes.
DOMAIN: Final = b"modelfmt-signature-v1\x00"

# P-256 group order. Signatures with s > n/2 are rejected (§12.6): every valid (r, s) has the twin
# (r, n - s), and accepting only one of them makes a signature's encoding unique.
P256_ORDER: Final = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_P256_HALF_ORDER: Final = P256_ORDER // 2
_SCALAR_BYTES: Final = 32


@dataclass(frozen=True)
class Algorithm:
    """A row of the §12.6 algorithm registry.

    There is no *since* column: an algorithm is added to the registry without a new minor version,
    because a reader that does not know it validates its entries generically and ignores them (§12.3).
    """

    name: str
    signature_bytes: int
    # Whether phase 4 holds entries to exactly `signature_bytes` (§12.3 step 3.4). True only for the
    # algorithms of 1.0, which every reader knows, so every reader agrees on which files are valid. An
    # algorithm registered later is False: an older reader accepts its entries at any length of the
    # generic rule, so a newer reader must too, and checks the length when it verifies (§12.6).
    length_checked_at_open: bool


# The algorithm registry of §12.6, in the order verifiers list them.
ALGORITHMS: Final[Mapping[str, Algorithm]] = MappingProxyType(
    {
        ED25519: Algorithm(ED25519, 64, length_checked_at_open=True),
        ECDSA_P256: Algorithm(ECDSA_P256, 64, length_checked_at_open=True),
    }
)

BODY_KEYS: Final = frozenset({"signatures"})
ENTRY_REQUIRED: Final = ("algorithm", "key_id", "signature", "attributes")
ENTRY_OPTIONAL: Final = ("public_key",)
_ENTRY_KEYS: Final = frozenset(ENTRY_REQUIRED + ENTRY_OPTIONAL)
# Attributes with a defined meaning (§12.4); others must be reverse-DNS names like extension keys.
DEFINED_ATTRIBUTES: Final = ("signer", "time", "comment")

_HEX: Final = re.compile(r"[0-9a-f]+")
_ALGORITHM_NAME: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_TIME: Final = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")


@dataclass(frozen=True)
class SignatureEntry:
    """One signature of a block, as stored. Nothing in it is trusted until a verifier checks it."""

    algorithm: str
    key_id: str
    signature: bytes
    attributes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    public_key: bytes | None = None  # DER SubjectPublicKeyInfo; informational only (§12.7)

    def as_json(self) -> dict[str, object]:
        result: dict[str, object] = {
            "algorithm": self.algorithm,
            "key_id": self.key_id,
            "signature": self.signature.hex(),
            "attributes": dict(self.attributes),
        }
        if self.public_key is not None:
            result["public_key"] = self.public_key.hex()
        return result


# What a verifier concluded about one signature entry (§12.9 step 4); `SignatureInfo` explains each.
SignatureStatus = Literal["verified", "invalid", "untrusted", "unchecked", "unsupported"]


@dataclass(frozen=True)
class SignatureInfo:
    """A signature of a file and what a verifier concluded about it.

    status: "verified" (valid, by a trusted key), "invalid" (by a trusted key, does not verify),
    "untrusted" (by a key the verifier was not given), "unchecked" (no keys were given),
    "unsupported" (an algorithm this reader does not know: it cannot be checked, and is ignored).
    Attributes are claims by whoever made the entry unless the status is "verified".
    """

    algorithm: str
    key_id: str
    attributes: Mapping[str, str]
    status: SignatureStatus
    public_key: bytes | None = None

    @property
    def verified(self) -> bool:
        return self.status == "verified"


@dataclass(frozen=True)
class Verdict:
    """The outcome of a successful verification: which trusted key signed, and what it signed. The
    container pairs it with the header the signature covers (`modelfmt.Verification`)."""

    key_id: str
    algorithm: str
    attributes: Mapping[str, str]  # covered by the verified signature
    signatures: tuple[SignatureInfo, ...]  # every entry of the block, in block order


class VerificationError(SignatureError):
    """A verification with trusted keys failed (SIGNATURE_MISSING, SIGNATURE_UNTRUSTED, SIGNATURE_INVALID).

    `signatures` is every entry's verdict in block order (§12.9 step 4), empty for an unsigned file: the
    entry that failed, and every other, is named rather than only the one that decided."""

    def __init__(
        self, code: Code, message: str, *, offset: int, hint: str, signatures: tuple[SignatureInfo, ...]
    ) -> None:
        super().__init__(code, message, offset=offset, hint=hint)
        self.signatures = signatures


# ---- the signed message (§12.5) ---------------------------------------------------------------------


def prefix_digest(prefix: bytes | memoryview) -> bytes:
    """SHA-256 of the bytes [0, D): preamble, header and header padding."""
    return hashlib.sha256(prefix).digest()


def signed_message(prefix_sha256: bytes, attributes: Mapping[str, str]) -> bytes:
    """DOMAIN || SHA-256([0, D)) || canonical JSON (RFC 8785) of the attributes object.

    The first two parts have fixed lengths, so the attributes need no length prefix.
    """
    if len(prefix_sha256) != 32:
        raise ValueError(f"prefix digest must be 32 bytes, got {len(prefix_sha256)}")
    return DOMAIN + prefix_sha256 + _json.canonical(dict(attributes)).encode("utf-8")


# ---- attributes (§12.4) -----------------------------------------------------------------------------


def _attribute_key_problem(key: str) -> str | None:
    if key in DEFINED_ATTRIBUTES:
        return None
    if len(key.encode("utf-8")) > MAX_ATTRIBUTE_KEY_BYTES or not REVERSE_DNS.fullmatch(key):
        return (
            f"attribute key {show(key)} is neither one of {', '.join(DEFINED_ATTRIBUTES)} "
            f"nor a reverse-DNS name of at most {MAX_ATTRIBUTE_KEY_BYTES} bytes"
        )
    return None


def _attribute_value_problem(key: str, value: object) -> str | None:
    if not isinstance(value, str):
        return f"attribute `{key}` must be a string, got {json_type(value)}"
    size = len(value.encode("utf-8", "surrogatepass"))
    if not 1 <= size <= MAX_ATTRIBUTE_VALUE_BYTES:
        return f"attribute `{key}` is {size} bytes; values are 1 to {MAX_ATTRIBUTE_VALUE_BYTES} bytes of UTF-8"
    bad = FORBIDDEN_IN_DISPLAYED_TEXT.search(value)  # attribute values are shown to people
    if bad is not None:
        return (
            f"attribute `{key}` contains U+{ord(bad.group()):04X}, an invisible, control, bidirectional or "
            "noncharacter code point (§12.4): it could make two different values look alike"
        )
    if key == "time" and not _valid_time(value):
        return f"attribute `time` is {show(value)}; expected UTC time as YYYY-MM-DDTHH:MM:SSZ"
    return None


def _valid_time(text: str) -> bool:
    match = _TIME.fullmatch(text)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    # §12.4: years 0000-9999 (0000 included, which datetime cannot represent), the Gregorian leap year
    # rule, hours 00-23, minutes and seconds 00-59 (no leap second).
    if not (1 <= month <= 12 and hour <= 23 and minute <= 59 and second <= 59):
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 1 <= day <= (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]


def check_attributes(attributes: Mapping[str, str] | None) -> Mapping[str, str]:
    """Validate attributes a caller wants to sign; ValueError/TypeError name the problem."""
    if attributes is None:
        return MappingProxyType({})
    if not isinstance(attributes, Mapping):
        raise TypeError(f"attributes must be a mapping of str to str, got {type(attributes).__name__}")
    if len(attributes) > MAX_ATTRIBUTES:
        raise ValueError(f"{len(attributes)} attributes; at most {MAX_ATTRIBUTES} are allowed")
    for key, value in attributes.items():
        if not isinstance(key, str):
            raise TypeError(f"attribute keys must be str, got {type(key).__name__}")
        problem = _attribute_key_problem(key) or _attribute_value_problem(key, value)
        if problem is not None:
            raise ValueError(problem)
    return MappingProxyType(dict(attributes))


def utc_time(moment: datetime.datetime | None = None) -> str:
    """A `time` attribute value: `moment` (default now) in UTC, to the second."""
    moment = moment or datetime.datetime.now(datetime.UTC)
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no time zone; pass an aware datetime")
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- the block body (§12.2, §12.3) ------------------------------------------------------------------


def parse_block(body: bytes, *, offset: int, minor: int) -> tuple[SignatureEntry, ...]:
    """Validate a signature block body and return its entries (phase 4, §3.6 step 6 and §12.3).

    `offset` is the body's position in the file (E), `minor` the file's minor version: in a file of a
    newer minor, a key or attribute name this reader does not know is UNSUPPORTED_VERSION (§15.4). An
    algorithm this reader does not know is never an error, in a file of any version: its entries are
    validated generically and returned, for display and to be kept by a signer, and verification
    skips them (§12.9).
    """

    def fail(message: str) -> ModelfmtError:
        return error("SIGNATURE_BLOCK", f"signature block: {message}", offset=offset)

    def unknown(message: str) -> ModelfmtError:
        if minor > MINOR_VERSION:
            return error(
                "UNSUPPORTED_VERSION",
                f"signature block: {message}; the file is version 1.{minor}, this reader knows 1.{MINOR_VERSION}",
                offset=offset,
            )
        return fail(message)

    # (1) the JSON rules of §4.1-§4.5, as for the header
    try:
        value = _json.parse(body, base_offset=offset)
        _json.check_tree(value, depth=0, max_depth=MAX_DEPTH)
    except ModelfmtError as exc:
        reason = str(exc).removesuffix(f" (at byte {exc.offset})")
        raise error(
            "SIGNATURE_BLOCK", f"signature block body breaks §4 ({exc.code}): {reason}", offset=exc.offset or offset
        ) from None
    # (2) the body is an object with exactly the key `signatures`, an array of 1 to 64 entries
    if not isinstance(value, dict):
        raise fail(f"the body must be a JSON object, got {json_type(value)}")
    extra = unknown_key(value, BODY_KEYS)
    if extra is not None:
        raise unknown(f"unknown key {show(extra)} in the body")
    if missing_key(value, BODY_KEYS) is not None:
        raise fail("the body has no `signatures` key")
    signatures = value["signatures"]
    if not isinstance(signatures, list):
        raise fail(f"`signatures` must be an array, got {json_type(signatures)}")
    if not 1 <= len(signatures) <= MAX_SIGNATURES:
        raise fail(f"`signatures` has {len(signatures)} entries; expected 1 to {MAX_SIGNATURES}")
    entries: list[SignatureEntry] = []
    seen: set[str] = set()
    generic = 0  # entries validated by the generic rule of step 3.4, counted for step 3.8
    for index, item in enumerate(signatures):
        where = f"signature {index + 1}"
        # (3.1) each entry: an object with the keys of the table, of the right types
        if not isinstance(item, dict):
            raise fail(f"{where} must be an object, got {json_type(item)}")
        extra = unknown_key(item, _ENTRY_KEYS)
        if extra is not None:
            raise unknown(f"{where} has an unknown key {show(extra)}")
        absent = missing_key(item, ENTRY_REQUIRED)
        if absent is not None:
            raise fail(f"{where} has no `{absent}`")
        for key in (*ENTRY_REQUIRED, *ENTRY_OPTIONAL):
            if key in item and not isinstance(item[key], dict if key == "attributes" else str):
                expected = "an object" if key == "attributes" else "a string"
                raise fail(f"{where}: `{key}` must be {expected}, got {json_type(item[key])}")
        # (3.2) the algorithm is a well-formed name. Whether this reader knows it does not matter here:
        # an entry nobody can verify is harmless, since trust comes only from the caller's keys, so a
        # file may carry signatures of algorithms newer than its version and every reader reads it
        name: str = item["algorithm"]
        if not _is_algorithm_name(name):
            raise fail(
                f"{where}: `algorithm` {show(name)} is not an algorithm name (groups of lowercase letters "
                f"and digits joined by single hyphens, at most {MAX_ALGORITHM_NAME_CHARS} characters)"
            )
        # (3.3) key_id: 64 lowercase hex digits
        identifier: str = item["key_id"]
        if not _is_hex(identifier, 64):
            raise fail(f"{where}: `key_id` must be 64 lowercase hex digits (SHA-256 of the public key)")
        # (3.4) signature: lowercase hex, of exactly the algorithm's length for an algorithm of 1.0
        problem = _signature_problem(name, item["signature"])
        if problem is not None:
            raise fail(f"{where}: {problem}")
        # (3.5) attributes (§12.4): at most 16, keys defined or reverse-DNS, values displayable strings
        attributes: dict[str, object] = item["attributes"]
        if len(attributes) > MAX_ATTRIBUTES:
            raise fail(f"{where} has {len(attributes)} attributes; at most {MAX_ATTRIBUTES} are allowed")
        for key, attribute in attributes.items():
            problem = _attribute_key_problem(key)
            if problem is not None:
                # A key outside both grammars may be a newer minor's attribute; an over-long name is not.
                raise (fail if REVERSE_DNS.fullmatch(key) else unknown)(f"{where}: {problem}")
            problem = _attribute_value_problem(key, attribute)
            if problem is not None:
                raise fail(f"{where}: {problem}")
        # (3.6) public_key, when present: hex DER whose SHA-256 is key_id, so it cannot mislead a reader
        public_key: bytes | None = None
        if "public_key" in item:
            text: str = item["public_key"]
            if not (len(text) % 2 == 0 and _is_hex(text, None) and len(text) <= 2 * MAX_PUBLIC_KEY_BYTES):
                raise fail(f"{where}: `public_key` must be lowercase hex of at most {MAX_PUBLIC_KEY_BYTES} bytes")
            public_key = bytes.fromhex(text)
            if hashlib.sha256(public_key).hexdigest() != identifier:
                raise fail(f"{where}: `public_key` does not hash to `key_id`")
        # (3.7) one entry per key
        if identifier in seen:
            raise fail(f"{where} repeats key id {identifier[:16]}…; a key signs a file at most once")
        seen.add(identifier)
        # (3.8) at most MAX_UNKNOWN_SIGNATURES entries of algorithms other than those of 1.0: nobody can
        # check them, and anyone can add them to a signed file, so what they may carry is bounded
        if not _length_checked_at_open(name):
            generic += 1
            if generic > MAX_UNKNOWN_SIGNATURES:
                raise fail(
                    f"{where} is entry {generic} of an algorithm other than ed25519 and ecdsa-p256-sha256; "
                    f"a block holds at most {MAX_UNKNOWN_SIGNATURES} such entries"
                )
        entries.append(
            SignatureEntry(
                name,
                identifier,
                bytes.fromhex(item["signature"]),
                MappingProxyType({key: str(value) for key, value in attributes.items()}),
                public_key,
            )
        )
    return tuple(entries)


def encode_block(entries: Sequence[SignatureEntry]) -> bytes:
    """A complete signature block: canonical JSON body, u64 LE body length, end magic."""
    if not 1 <= len(entries) <= MAX_SIGNATURES:
        raise ValueError(f"a signature block holds 1 to {MAX_SIGNATURES} signatures, got {len(entries)}")
    body = _json.canonical({"signatures": [entry.as_json() for entry in entries]}).encode("utf-8")
    if len(body) > MAX_SIGNATURE_BLOCK_BYTES:
        raise ValueError(f"signature block body would be {len(body)} bytes; the limit is {MAX_SIGNATURE_BLOCK_BYTES}")
    return body + SIGNATURE_TRAILER.pack(len(body), SIGNATURE_END_MAGIC)


def add_entry(entries: Sequence[SignatureEntry], new: SignatureEntry) -> tuple[SignatureEntry, ...]:
    """`entries` with `new` added: a key that already signed has its entry replaced in place (a key
    signs at most once), otherwise `new` is appended."""
    result = [new if entry.key_id == new.key_id else entry for entry in entries]
    if new not in result:
        result.append(new)
    if len(result) > MAX_SIGNATURES:
        raise ValueError(f"the file already has {MAX_SIGNATURES} signatures, the most a block holds")
    return tuple(result)


def _is_algorithm_name(name: str) -> bool:
    return len(name) <= MAX_ALGORITHM_NAME_CHARS and _ALGORITHM_NAME.fullmatch(name) is not None


def _length_checked_at_open(name: str) -> bool:
    """Whether phase 4 checks `name`'s signature length (§12.3 step 3.4): true only for the algorithms of
    1.0, the same for every reader; every other entry is generic, and counted by step 3.8."""
    algorithm = ALGORITHMS.get(name)
    return algorithm is not None and algorithm.length_checked_at_open


def _signature_problem(name: str, text: str) -> str | None:
    """What breaks §12.3 step 3.4 in the `signature` text of an entry of algorithm `name`, or None."""
    if _length_checked_at_open(name):
        algorithm = ALGORITHMS[name]
        if not _is_hex(text, 2 * algorithm.signature_bytes):
            return (
                f"`signature` must be {2 * algorithm.signature_bytes} lowercase hex digits "
                f"({algorithm.signature_bytes} bytes) for {name}, got {len(text)} characters"
            )
        return None
    # Any other algorithm: 1 to 65536 whole bytes, a bound every reader shares (room for post-quantum
    # signatures); the body limit of §5 bounds the block as a whole.
    if not (len(text) % 2 == 0 and len(text) <= 2 * MAX_UNKNOWN_SIGNATURE_BYTES and _is_hex(text, None)):
        return (
            f"`signature` must be lowercase hex of 1 to {MAX_UNKNOWN_SIGNATURE_BYTES} bytes for {name}, "
            f"got {len(text)} characters"
        )
    return None


def _is_known_algorithm(name: str) -> bool:
    """Whether this reader implements `name`; entries of other algorithms are ignored (§12.3, §12.9)."""
    return name in ALGORITHMS


# ---- signing and checking one signature (§12.6) -----------------------------------------------------


def sign(
    private_key: PrivateKey,
    prefix_sha256: bytes,
    attributes: Mapping[str, str] | None = None,
    *,
    include_public_key: bool = True,
) -> SignatureEntry:
    """Sign the message of §12.5. Deterministic: Ed25519 by construction, ECDSA by RFC 6979 nonces
    with s normalised to the lower half of the group order."""
    algorithm = _keys.algorithm_of(private_key)
    checked = check_attributes(attributes)
    message = signed_message(prefix_sha256, checked)
    if isinstance(private_key, Ed25519PrivateKey):
        signature = private_key.sign(message)
    else:
        der = private_key.sign(message, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        r, s = decode_dss_signature(der)
        s = min(s, P256_ORDER - s)  # low-S (§12.6)
        signature = r.to_bytes(_SCALAR_BYTES, "big") + s.to_bytes(_SCALAR_BYTES, "big")
    public = _keys.public_key_der(private_key) if include_public_key else None
    return SignatureEntry(algorithm, _keys.key_id(private_key), signature, checked, public)


def signature_valid(entry: SignatureEntry, public_key: PublicKey, prefix_sha256: bytes) -> bool:
    """Whether `entry` is a valid signature by `public_key` over the message for `prefix_sha256`.

    Internal: the public API raises instead of returning a bool. Deliberately no reason is given for a
    failure (no oracle): a wrong key, a wrong message and a corrupt signature look the same.
    """
    if _keys.algorithm_of(public_key) != entry.algorithm:
        return False  # the key decides the algorithm, never the file
    message = signed_message(prefix_sha256, entry.attributes)
    try:
        if isinstance(public_key, Ed25519PublicKey):
            if len(entry.signature) != 64:
                return False
            # OpenSSL rejects S >= L, so the encoding of a valid Ed25519 signature is unique (RFC 8032 §5.1.7).
            public_key.verify(entry.signature, message)
            return True
        if len(entry.signature) != 2 * _SCALAR_BYTES:
            return False
        r = int.from_bytes(entry.signature[:_SCALAR_BYTES], "big")
        s = int.from_bytes(entry.signature[_SCALAR_BYTES:], "big")
        if not (1 <= r < P256_ORDER and 1 <= s <= _P256_HALF_ORDER):
            return False  # out of range, or the high-S twin of a valid signature
        public_key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


# ---- verification (§12.9) ---------------------------------------------------------------------------


def evaluate(
    entries: Sequence[SignatureEntry], prefix_sha256: bytes, trusted: TrustedKeys | None
) -> tuple[SignatureInfo, ...]:
    """The status of every entry (§12.9 step 4). Only entries whose key id is trusted are checked
    cryptographically; an entry of an algorithm this reader does not know is never valid."""
    infos: list[SignatureInfo] = []
    for entry in entries:
        if trusted is not None and entry.key_id in trusted:
            # The trusted key decides the algorithm: an entry naming another one, known to this reader
            # or not, is invalid, so relabelling a trusted entry cannot turn it into a skipped one.
            valid = signature_valid(entry, trusted[entry.key_id], prefix_sha256)
            status: SignatureStatus = "verified" if valid else "invalid"
        elif not _is_known_algorithm(entry.algorithm):
            status = "unsupported"  # skipped: no key this reader can hold would check it
        elif trusted is None:
            status = "unchecked"
        else:
            status = "untrusted"
        infos.append(SignatureInfo(entry.algorithm, entry.key_id, entry.attributes, status, entry.public_key))
    return tuple(infos)


def verify(
    entries: Sequence[SignatureEntry] | None, prefix_sha256: bytes, trusted: TrustedKeys, *, offset: int
) -> Verdict:
    """Steps 3-6 of §12.9: succeed when an entry is a valid signature by a trusted key and no entry by a
    trusted key is invalid. Failures are `VerificationError`, carrying every entry's verdict.

    `entries` is None for a file without a signature block; `offset` (E) locates errors.
    """
    # (3) a file without a signature block cannot satisfy a caller who requires one
    if not entries:
        raise VerificationError(
            "SIGNATURE_MISSING",
            "the file is not signed, and trusted keys were given",
            offset=offset,
            hint="ask the publisher for a signed file, or sign it yourself with `modelfmt sign`",
            signatures=(),
        )
    # (4) check each entry whose key id is a trusted key's id, with that key and its algorithm
    infos = evaluate(entries, prefix_sha256, trusted)
    # (5) an entry by a trusted key that does not verify fails the file, even when another verifies: the
    # block is not signed, so that entry was altered, moved or forged by someone, and a key the caller
    # trusts is the one thing in the block that can tell (§12.11). Failing costs an attacker nothing new
    # (they could damage the file anyway) and never lets a tampered co-signer go unreported.
    invalid = [info for info in infos if info.status == "invalid"]
    if invalid:
        verified = [info for info in infos if info.verified]
        also = f"; {len(verified)} other trusted signature(s) verify" if verified else ""
        raise VerificationError(
            "SIGNATURE_INVALID",
            f"the signature by trusted key {invalid[0].key_id[:16]}… ({invalid[0].algorithm}) does not verify"
            + also,
            offset=offset,
            hint="the file or its signature block was altered after it was signed; do not use it",
            signatures=infos,
        )
    # (6) the first verified entry in block order decides; its attributes are the verified ones
    for info in infos:
        if info.verified:
            return Verdict(info.key_id, info.algorithm, info.attributes, infos)
    # Entries of algorithms this reader does not know are signatures by keys it was not given: UNTRUSTED,
    # not MISSING (the file is signed; MISSING means there is no block at all)
    present = ", ".join(_signer_text(info) for info in infos)
    hint = "if you expected this signer, obtain their public key through a channel you trust"
    if all(info.status == "unsupported" for info in infos):
        hint = "the file is signed only with algorithms this reader does not implement; a newer reader may verify it"
    raise VerificationError(
        "SIGNATURE_UNTRUSTED",
        f"no signature is by a trusted key: the file is signed by {present}; "
        f"trusted: {', '.join(key[:16] + '…' for key in trusted)}",
        offset=offset,
        hint=hint,
        signatures=infos,
    )


def unsupported_text(algorithm: str) -> str:
    """How an entry of an algorithm this reader does not know is shown to people."""
    return f"unknown algorithm {algorithm} (cannot be verified by this reader)"


def _signer_text(info: SignatureInfo) -> str:
    text = info.key_id[:16] + "…"
    return f"{text} [{unsupported_text(info.algorithm)}]" if info.status == "unsupported" else text


# ---- helpers ----------------------------------------------------------------------------------------


def _is_hex(text: str, length: int | None) -> bool:
    if length is not None and len(text) != length:
        return False
    return bool(text) and _HEX.fullmatch(text) is not None
