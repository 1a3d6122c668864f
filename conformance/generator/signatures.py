"""Signature vectors (SPEC.md §3.5-3.6, §12): the block structure every reader checks (read vectors), and
verification with trusted keys (verify vectors), including every SIGNATURE_* failure."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from modelfmt.signing import _signatures as _signing

from . import ed25519_math, signing
from .base import tiny
from .build import END_MAGIC, Preamble, block, canonical, data_start, edit_text, file_bytes, mutated, patch
from .keys import KEYS, P256_ORDER
from .model import Vector, invalid, valid, verify

Entry = dict[str, Any]
UNSIGNED = file_bytes(tiny())
# Another model: a signature moved from it must not verify.
OTHER = file_bytes(mutated(tiny(), lambda header: header["metadata"].update(name="other")))
ED25519_ORDER = ed25519_math.L
UNKNOWN = {
    "algorithm": "ml-dsa-65",
    "attributes": {"signer": "an algorithm this suite's readers do not know (not a real signature)"},
    "key_id": hashlib.sha256(b"modelfmt conformance: not a real ml-dsa-65 key").hexdigest(),
    "signature": hashlib.shake_256(b"modelfmt conformance: not a real ml-dsa-65 signature").hexdigest(3309),
}


def ed() -> Entry:
    return signing.entry(UNSIGNED, "test-ed25519")


def p256() -> Entry:
    return signing.entry(UNSIGNED, "test-p256")


def with_entry(change: Callable[[Entry], object], make: Callable[[], Entry] = ed) -> bytes:
    entry = make()
    change(entry)
    return signing.with_entries(UNSIGNED, [entry])


def _set(**values: object) -> Callable[[Entry], object]:
    return lambda entry: entry.update(values)


def _drop(key: str) -> Callable[[Entry], object]:
    return lambda entry: entry.pop(key)


def _body(text: str) -> bytes:
    return signing.with_body(UNSIGNED, text.encode("utf-8"))


def _signed_over(attributes: dict[str, str]) -> bytes:
    """UNSIGNED with one Ed25519 entry whose signature is valid over `attributes`, made without the signer's
    checks of §12.4: the only defect of the file is then the attribute value itself."""
    message = _signing.signed_message(signing.prefix_digest(UNSIGNED), attributes)
    return signing.with_entries(UNSIGNED, [{**ed(), "attributes": attributes, "signature": _raw_ed25519(message)}])


# One vector per class of the excluded code points of §12.4 that is invisible on screen (controls, line
# separators and bidirectional controls have theirs above): each name looks like "Alice" when printed.
LOOKALIKES: dict[str, tuple[str, str]] = {
    "zero-width-space": ("\u200b", "U+200B zero width space"),
    "zero-width-joiner": ("\u200d", "U+200D zero width joiner (excluded although some scripts use it)"),
    "word-joiner": ("\u2060", "U+2060 word joiner"),
    "byte-order-mark": ("\ufeff", "U+FEFF (zero width no-break space) inside a value"),
    "reserved-ignorable": ("\u2065", "U+2065, reserved as default ignorable: excluded before it is assigned"),
    "soft-hyphen": ("\u00ad", "U+00AD soft hyphen, invisible unless a line breaks there"),
    "hangul-filler": ("\u3164", "U+3164 Hangul filler, a blank letter"),
    "variation-selector": ("\ufe0f", "U+FE0F variation selector 16"),
    "tag-character": ("\U000e0041", "U+E0041 tag latin capital letter A, outside the BMP"),
    "format-character": ("\u0600", "U+0600 Arabic number sign, a format character (category Cf)"),
    "interlinear-annotation": ("\ufff9", "U+FFF9 interlinear annotation anchor"),
    "noncharacter": ("\ufdd0", "U+FDD0, a noncharacter"),
    "noncharacter-last-plane": ("\U0010ffff", "U+10FFFF, the last noncharacter"),
}


# ---- read vectors: the block's structure (§12.3), checked by every reader -----------------------------------


def _structure() -> list[Vector]:
    e = ed()
    good_text = canonical({"signatures": [e]}).decode()
    cases: dict[str, tuple[bytes, str]] = {
        "body-not-json": (_body("signatures"), "the body is not JSON"),
        "body-empty": (_body(""), "an empty body (B = 0)"),
        "body-binary": (signing.with_body(UNSIGNED, b"\x00\xff\x00\xff"), "arbitrary bytes where JSON belongs"),
        "body-duplicate-key": (_body('{"signatures":[],"signatures":' + good_text[14:]), "a duplicate key in the body"),
        "body-bom": (signing.with_body(UNSIGNED, b"\xef\xbb\xbf" + good_text.encode()), "a byte order mark"),
        "body-nan": (_body(good_text[:-1] + ',"x":NaN}'), "NaN in the body"),
        "body-depth": (_body('{"signatures":' + "[" * 70 + "]" * 70 + "}"), "nesting deeper than 64"),
        "body-array": (_body("[" + good_text + "]"), "the body is an object"),
        "body-unknown-key": (_body(good_text[:-1] + ',"timestamp":"2025-01-01T00:00:00Z"}'), "the body has one key"),
        "body-missing-signatures": (_body("{}"), "signatures is required"),
        "signatures-object": (_body('{"signatures":{}}'), "signatures is an array"),
        "signatures-empty": (_body('{"signatures":[]}'), "1 to 64 entries: an empty block is written as no block"),
        "entry-string": (_body('{"signatures":["ed25519"]}'), "an entry is an object"),
        "entry-unknown-key": (with_entry(_set(certificate="00")), "entries are closed objects"),
        "entry-prototype-key": (with_entry(_set(__proto__="x")), "__proto__ is an unknown key like any other"),
        "entry-missing-attributes": (with_entry(_drop("attributes")), "attributes is required ({} when empty)"),
        "entry-missing-key-id": (with_entry(_drop("key_id")), "key_id is required"),
        "entry-algorithm-number": (with_entry(_set(algorithm=1)), "algorithm is a string"),
        "entry-attributes-array": (with_entry(_set(attributes=[])), "attributes is an object"),
        "entry-public-key-null": (with_entry(_set(public_key=None)), "public_key, when present, is a string"),
        "algorithm-uppercase": (with_entry(_set(algorithm="Ed25519")), "algorithm names are lowercase"),
        "algorithm-double-hyphen": (with_entry(_set(algorithm="ecdsa--p256")), "groups joined by single hyphens"),
        "algorithm-trailing-hyphen": (with_entry(_set(algorithm="ed25519-")), "no trailing hyphen"),
        "algorithm-empty": (with_entry(_set(algorithm="")), "1 to 64 characters"),
        "algorithm-65-characters": (with_entry(_set(algorithm="a" * 65)), "at most 64 characters"),
        "algorithm-underscore": (with_entry(_set(algorithm="ml_dsa")), "letters, digits and hyphens"),
        "key-id-uppercase": (
            with_entry(lambda x: x.update(key_id=str(x["key_id"]).upper(), public_key=None) or x.pop("public_key")),
            "key ids are lowercase hexadecimal",
        ),
        "key-id-short": (
            with_entry(lambda x: x.update(key_id=str(x["key_id"])[:62]) or x.pop("public_key")),
            "key ids are 64 digits",
        ),
        "ed25519-signature-short": (
            with_entry(lambda x: x.update(signature=str(x["signature"])[:126])),
            "an Ed25519 signature is exactly 64 bytes",
        ),
        "ed25519-signature-long": (
            with_entry(lambda x: x.update(signature=str(x["signature"]) + "00")),
            "an Ed25519 signature is exactly 64 bytes",
        ),
        "ed25519-signature-uppercase": (
            with_entry(lambda x: x.update(signature=str(x["signature"]).upper())),
            "hexadecimal is lowercase: one encoding per byte string",
        ),
        "p256-signature-der": (
            with_entry(_set(signature="3044" + "02207f" + "11" * 31 + "02207f" + "22" * 31), p256),
            "ECDSA signatures are r || s (64 bytes), not DER",
        ),
        "unknown-signature-odd-digits": (
            signing.with_entries(UNSIGNED, [{**UNKNOWN, "signature": "abc"}]),
            "whole bytes: an even number of digits",
        ),
        "unknown-signature-empty": (signing.with_entries(UNSIGNED, [{**UNKNOWN, "signature": ""}]), "1 to 65536 bytes"),
        "public-key-mismatch": (
            with_entry(_set(public_key=p256()["public_key"])),
            "public_key must hash to key_id, so it cannot name another key",
        ),
        "public-key-uppercase": (
            with_entry(lambda x: x.update(public_key=str(x["public_key"]).upper())),
            "lowercase hexadecimal",
        ),
        "public-key-odd-digits": (with_entry(lambda x: x.update(public_key=str(x["public_key"])[:-1])), "whole bytes"),
        "duplicate-key-id": (signing.with_entries(UNSIGNED, [ed(), ed()]), "a key signs a file at most once"),
        "duplicate-key-id-other-algorithm": (
            signing.with_entries(UNSIGNED, [ed(), {**UNKNOWN, "key_id": ed()["key_id"]}]),
            "once per key id, whatever the algorithm",
        ),
        "attribute-key-not-reverse-dns": (
            with_entry(_set(attributes={"Signer": "x"})),
            "attribute keys are defined keys or reverse-DNS names",
        ),
        "attribute-key-too-long": (
            with_entry(_set(attributes={"org." + "a" * 125: "x"})),
            "reverse-DNS attribute keys are at most 128 bytes",
        ),
        "attribute-key-prototype": (
            with_entry(_set(attributes={"__proto__": "x"})),
            "not a defined or reverse-DNS key",
        ),
        "attribute-value-empty": (with_entry(_set(attributes={"signer": ""})), "values are 1 to 1024 bytes"),
        "attribute-value-number": (with_entry(_set(attributes={"comment": 1})), "values are strings"),
        "attribute-value-newline": (
            with_entry(_set(attributes={"signer": "Alice\nVerified: yes"})),
            "a line break could fake further output lines",
        ),
        "attribute-value-escape": (
            with_entry(_set(attributes={"signer": "\x1b[32mtrusted\x1b[0m"})),
            "terminal control sequences",
        ),
        "attribute-value-c1": (with_entry(_set(attributes={"signer": "a\u009bb"})), "C1 controls"),
        "attribute-value-bidi": (
            with_entry(_set(attributes={"signer": "Alice \u202eeciLA"})),
            "a bidirectional override reorders what a person reads",
        ),
        "attribute-value-isolate": (
            with_entry(_set(attributes={"comment": "x\u2066y\u2069"})),
            "bidirectional isolates",
        ),
        "attribute-value-line-separator": (with_entry(_set(attributes={"comment": "x\u2028y"})), "U+2028"),
        "attribute-value-alm": (with_entry(_set(attributes={"comment": "x\u061cy"})), "U+061C, the Arabic letter mark"),
        "attribute-time-invalid-date": (
            with_entry(_set(attributes={"time": "2025-02-30T00:00:00Z"})),
            "a valid calendar date",
        ),
        "attribute-time-hour-24": (with_entry(_set(attributes={"time": "2025-01-01T24:00:00Z"})), "hours 00-23"),
        "attribute-time-leap-second": (with_entry(_set(attributes={"time": "2016-12-31T23:59:60Z"})), "seconds 00-59"),
        "attribute-time-offset": (with_entry(_set(attributes={"time": "2025-01-01T01:00:00+01:00"})), "UTC only"),
        "attribute-time-fraction": (
            with_entry(_set(attributes={"time": "2025-01-01T00:00:00.5Z"})),
            "no fractional seconds",
        ),
        "attribute-time-lowercase": (with_entry(_set(attributes={"time": "2025-01-01t00:00:00z"})), "T and Z upper"),
        "trailer-length-mismatch": (
            UNSIGNED + canonical({"signatures": [e]}) + struct.pack("<Q", 1) + END_MAGIC,
            "B does not match the bytes between E and the trailer",
        ),
        "trailer-length-huge": (
            UNSIGNED + canonical({"signatures": [e]}) + struct.pack("<Q", 2**64 - 1) + END_MAGIC,
            "B = 2^64-1",
        ),
        "two-blocks": (
            signing.signed(UNSIGNED, "test-ed25519") + block(canonical({"signatures": [p256()]})),
            "a second block appended puts binary bytes inside the outer body",
        ),
    }
    cases.update(
        {
            f"attribute-value-{name}": (
                _signed_over({**signing.ATTRIBUTES, "signer": f"Al{character}ice"}),
                f"a signer name holding {what}, under a signature valid over it",
            )
            for name, (character, what) in LOOKALIKES.items()
        }
    )
    vectors = [
        invalid(
            f"invalid.signature_block.{name}",
            content,
            "SIGNATURE_BLOCK",
            description,
            ("3.6", "12.3"),
            tags=_pitfall(name),
        )
        for name, (content, description) in cases.items()
    ]
    signed = signing.signed(UNSIGNED, "test-ed25519")
    minor2 = file_bytes(tiny(), preamble=Preamble(minor=2))
    vectors += [
        invalid(
            "invalid.signature_block.end-magic-damaged",
            signed[:-1] + b"\x0d",
            "TRAILING_BYTES",
            "without the end magic, the bytes after E are trailing bytes",
            ("3.6",),
        ),
        invalid(
            "invalid.signature_block.byte-after-block",
            signed + b"\x00",
            "TRAILING_BYTES",
            "nothing follows the block",
            ("3.6",),
            tags=("pitfall:17.1",),
        ),
        invalid(
            "invalid.signature_block.data-cut-trailer-intact",
            signed[: data_start(signed) + 40] + signed[-16:],
            "TRUNCATED",
            "F < E is checked first, even when the file ends with a block trailer",
            ("3.6",),
        ),
        invalid(
            "invalid.signature_block.minor-2-unknown-body-key",
            signing.with_body(minor2, (canonical({"signatures": [UNKNOWN]})[:-1] + b',"timestamps":[]}')),
            "UNSUPPORTED_VERSION",
            "in a newer minor's file, an unknown key of the body",
            ("12.3", "15.4"),
        ),
        invalid(
            "invalid.signature_block.minor-2-unknown-entry-key",
            signing.with_entries(minor2, [{**UNKNOWN, "certificate_chain": "00"}]),
            "UNSUPPORTED_VERSION",
            "in a newer minor's file, an unknown key of an entry",
            ("12.3", "15.4"),
        ),
        invalid(
            "invalid.signature_block.minor-2-unknown-attribute-key",
            signing.with_entries(minor2, [{**UNKNOWN, "attributes": {"location": "x"}}]),
            "UNSUPPORTED_VERSION",
            "in a newer minor's file, an attribute key that is neither defined nor reverse-DNS",
            ("12.4", "15.4"),
        ),
        invalid(
            "invalid.signature_block.minor-2-bad-algorithm-name",
            signing.with_entries(minor2, [{**UNKNOWN, "algorithm": "ML-DSA"}]),
            "SIGNATURE_BLOCK",
            "an algorithm name is never a newer minor's feature",
            ("12.3", "15.4"),
        ),
        valid("valid.signature_block.ed25519", signed, "a file signed by the Ed25519 test key", ("3.5", "12.2")),
        valid(
            "valid.signature_block.unknown-algorithm-only",
            signing.with_entries(UNSIGNED, [UNKNOWN]),
            "an entry of an algorithm the reader does not know is "
            "checked for its form only and never makes a file invalid",
            "12.3",
        ),
        valid(
            "valid.signature_block.non-canonical-body",
            signing.with_body(UNSIGNED, b' \n{ "signatures" : [\n  ' + canonical(e)[:-1] + b" } ] }\r\n"),
            "whitespace in the body: readers accept any encoding of a valid body",
            "12.2",
        ),
        valid(
            "valid.signature_block.minor-2-unknown-algorithm",
            signing.with_entries(minor2, [UNKNOWN]),
            "an unknown algorithm is not a newer minor's feature either",
            ("12.3", "15.4"),
        ),
    ]
    return vectors


def _pitfall(name: str) -> tuple[str, ...]:
    if name in ("two-blocks", "body-binary"):
        return ("pitfall:17.1",)
    if name.removeprefix("attribute-value-") in LOOKALIKES:
        return ("pitfall:17.21",)
    return ()


# ---- verify vectors (§12.9) --------------------------------------------------------------------------------


def _high_s(entry: Entry) -> None:
    raw = bytes.fromhex(entry["signature"])
    s = int.from_bytes(raw[32:], "big")
    entry["signature"] = (raw[:32] + (P256_ORDER - s).to_bytes(32, "big")).hex()


def _p256_parts(r: int | None = None, s: int | None = None) -> Callable[[Entry], None]:
    def change(entry: Entry) -> None:
        raw = bytes.fromhex(entry["signature"])
        new_r = int.from_bytes(raw[:32], "big") if r is None else r
        new_s = int.from_bytes(raw[32:], "big") if s is None else s
        entry["signature"] = (new_r.to_bytes(32, "big") + new_s.to_bytes(32, "big")).hex()

    return change


def _s_plus_l(entry: Entry) -> None:
    raw = bytes.fromhex(entry["signature"])
    s = int.from_bytes(raw[32:], "little")
    entry["signature"] = (raw[:32] + (s + ED25519_ORDER).to_bytes(32, "little")).hex()


def _raw_ed25519(message: bytes) -> str:
    key = KEYS["test-ed25519"].private
    assert isinstance(key, Ed25519PrivateKey)
    return key.sign(message).hex()


def _verify_valid() -> list[Vector]:
    ed_signed = signing.signed(UNSIGNED, "test-ed25519")
    both = signing.signed(ed_signed, "test-p256")
    p256_first = signing.signed(signing.signed(UNSIGNED, "test-p256"), "test-ed25519")
    escaped_attributes = (
        b'{"signatures":[{"algorithm":"ed25519","attributes":{"\\u0073igner":"modelfmt conformance '
        b'vectors (test key, do not trust)","time":"2025-01-01T00:00:00\\u005a"},"key_id":"'
        + ed()["key_id"].encode()
        + b'","signature":"'
        + ed()["signature"].encode()
        + b'"}]}'
    )
    reordered = canonical({"signatures": [ed()]}).replace(
        b'{"algorithm"', b'{"signature":"' + ed()["signature"].encode() + b'","algorithm"', 1
    )
    reordered = reordered.replace(b',"signature":"' + ed()["signature"].encode() + b'"}', b"}", 1)
    invalid_then_valid = signing.with_entries(UNSIGNED, [_mutated(p256(), _high_s), ed()])
    unicode_attributes = {"signer": "Zoë 名前 😀", "comment": "ÀÉÎ", "org.example.z9": "1", "org.example.a": "2"}
    sixteen = signing.signed(UNSIGNED, "test-p256", {f"org.example.k{index:02d}": "v" for index in range(16)})
    minor2 = signing.signed(file_bytes(tiny(), preamble=Preamble(minor=2)), "test-ed25519")
    return [
        verify(
            "verify.valid.ed25519",
            ed_signed,
            ["test-ed25519"],
            "an Ed25519 signature with attributes",
            ("12.5", "12.6", "12.9"),
            signer="test-ed25519",
        ),
        verify(
            "verify.valid.ed25519-no-attributes",
            signing.signed(UNSIGNED, "test-ed25519", {}),
            ["test-ed25519"],
            "no attributes: the message ends in {}",
            "12.5",
            signer="test-ed25519",
        ),
        verify(
            "verify.valid.p256",
            signing.signed(UNSIGNED, "test-p256"),
            ["test-p256"],
            "an ECDSA P-256 signature (RFC 6979 nonce, low s)",
            ("12.6", "12.9"),
            signer="test-p256",
        ),
        verify(
            "verify.valid.p256-no-attributes",
            signing.signed(UNSIGNED, "test-p256", {}),
            ["test-p256"],
            "P-256 without attributes",
            "12.5",
            signer="test-p256",
        ),
        verify(
            "verify.valid.two-signers-trust-first",
            both,
            ["test-ed25519"],
            "signed by Ed25519 then P-256; trusting the first",
            "12.9",
            signer="test-ed25519",
        ),
        verify(
            "verify.valid.two-signers-trust-second",
            both,
            ["test-p256"],
            "trusting only the second signer",
            "12.9",
            signer="test-p256",
        ),
        verify(
            "verify.valid.two-signers-trust-both",
            both,
            ["test-p256", "test-ed25519"],
            "both trusted: the first valid entry in block order decides, not the order of the keys",
            "12.9",
            signer="test-ed25519",
        ),
        verify(
            "verify.valid.two-signers-p256-first",
            p256_first,
            ["test-ed25519", "test-p256"],
            "P-256 signed first: its entry comes first",
            "12.9",
            signer="test-p256",
        ),
        verify(
            "verify.valid.unknown-algorithm-first",
            signing.with_entries(UNSIGNED, [UNKNOWN, ed()]),
            ["test-ed25519"],
            "an unknown algorithm's entry is skipped",
            ("12.3", "12.9"),
            signer="test-ed25519",
        ),
        verify(
            "verify.valid.untrusted-entry-first",
            signing.with_entries(UNSIGNED, [signing.entry(UNSIGNED, "test-ed25519-2"), ed()]),
            ["test-ed25519"],
            "an entry by a key not trusted is not checked",
            "12.9",
            signer="test-ed25519",
        ),
        verify(
            "verify.valid.tampered-entry-by-a-key-not-trusted",
            invalid_then_valid,
            ["test-ed25519"],
            "an entry by a key the verifier does not trust is never checked, even when it would not verify",
            "12.9",
            signer="test-ed25519",
        ),
        verify(
            "verify.valid.extra-trusted-keys",
            ed_signed,
            ["test-p256", "test-ed25519-2", "test-ed25519", "test-p256-2"],
            "more trusted keys than signers",
            "12.9",
            signer="test-ed25519",
        ),
        verify(
            "verify.valid.no-public-key-field",
            signing.with_entries(UNSIGNED, [signing.entry(UNSIGNED, "test-ed25519", public_key=False)]),
            ["test-ed25519"],
            "public_key is optional and never needed",
            "12.7",
            signer="test-ed25519",
        ),
        verify(
            "verify.valid.body-escaped-attributes",
            signing.with_body(UNSIGNED, escaped_attributes),
            ["test-ed25519"],
            "attributes written with escapes: the message is built from the parsed values, never the body bytes",
            "12.5",
            signer="test-ed25519",
        ),
        verify(
            "verify.valid.body-member-order",
            signing.with_body(UNSIGNED, reordered),
            ["test-ed25519"],
            "members in another order: any encoding of a valid body",
            "12.2",
            signer="test-ed25519",
        ),
        verify(
            "verify.valid.unicode-attributes",
            signing.signed(UNSIGNED, "test-ed25519", unicode_attributes),
            ["test-ed25519"],
            "non-ASCII attribute values and reverse-DNS keys in byte order",
            ("12.4", "12.5"),
            signer="test-ed25519",
        ),
        verify(
            "verify.valid.attribute-visible-neighbours",
            signing.signed(
                UNSIGNED,
                "test-ed25519",
                {"signer": "Lab\u00a0\u00ac\u00ae\u2027\u2070\ufffc\ufffd\U0001f600", "time": "2025-01-01T00:00:00Z"},
            ),
            ["test-ed25519"],
            "visible characters next to excluded ones (no-break space, U+00AC, U+00AE, U+2027, U+2070, U+FFFC, "
            "U+FFFD, an emoji) are allowed",
            ("12.4", "17.21"),
            signer="test-ed25519",
        ),
        verify(
            "verify.valid.sixteen-attributes",
            sixteen,
            ["test-p256"],
            "the most attributes a signature may have",
            "12.4",
            signer="test-p256",
        ),
        verify(
            "verify.valid.minor-2",
            minor2,
            ["test-ed25519"],
            "a 1.1 file that uses nothing new",
            ("12.9", "15.4"),
            signer="test-ed25519",
        ),
        verify(
            "verify.valid.second-p256-key",
            signing.signed(UNSIGNED, "test-p256-2"),
            ["test-p256-2"],
            "another P-256 key",
            "12.6",
            signer="test-p256-2",
        ),
    ]


def _mutated(entry: Entry, change: Callable[[Entry], object]) -> Entry:
    change(entry)
    return entry


def _verify_invalid() -> list[Vector]:
    ed_signed = signing.signed(UNSIGNED, "test-ed25519")
    d = data_start(UNSIGNED)
    moved = signing.with_entries(UNSIGNED, [signing.entry(UNSIGNED, "test-ed25519", message_file=OTHER)])
    header_edited = patch(ed_signed, ed_signed.index(b'"tiny"') + 1, b"T")
    padding_edited = patch(ed_signed, d - 1, b"\x01")
    minor_edited = patch(ed_signed, 10, b"\x01")
    no_domain = {**ed(), "signature": _raw_ed25519(signing.prefix_digest(UNSIGNED) + canonical(signing.ATTRIBUTES))}
    hex_digest = {
        **ed(),
        "signature": _raw_ed25519(
            _signing.DOMAIN + signing.prefix_digest(UNSIGNED).hex().encode() + canonical(signing.ATTRIBUTES)
        ),
    }
    body_bytes_signed = {
        **ed(),
        "signature": _raw_ed25519(
            _signing.DOMAIN + signing.prefix_digest(UNSIGNED) + b'{"time":"2025-01-01T00:00:00Z","signer":"modelfmt '
            b'conformance vectors (test key, do not trust)"}'
        ),
    }
    m = tiny()
    bad_bool = b"\x01\x02\x01"
    bool_text = edit_text(
        m, ("85f90dfea1d8027e1463e5ca971a250110a20df0119d204a74220bc63516d15b", hashlib.sha256(bad_bool).hexdigest())
    )
    bool_file = patch(file_bytes(m, header_text=bool_text), data_start(UNSIGNED) + 64, bad_bool)
    role_edited = file_bytes(m, header_text=edit_text(m, ('"buffer"', '"state"')))
    cases: list[tuple[str, bytes, list[str], str, str, tuple[str, ...]]] = [
        ("unsigned", UNSIGNED, ["test-ed25519"], "SIGNATURE_MISSING", "no signature block at all", ("12.9",)),
        ("untrusted-key", ed_signed, ["test-p256"], "SIGNATURE_UNTRUSTED", "signed, but by no trusted key", ("12.9",)),
        (
            "untrusted-same-algorithm",
            ed_signed,
            ["test-ed25519-2"],
            "SIGNATURE_UNTRUSTED",
            "another Ed25519 key is another key",
            ("12.9",),
        ),
        (
            "only-unknown-algorithm",
            signing.with_entries(UNSIGNED, [UNKNOWN]),
            ["test-ed25519"],
            "SIGNATURE_UNTRUSTED",
            "signed only with an algorithm nobody here can verify: untrusted, not missing",
            ("12.9",),
        ),
        (
            "p256-high-s",
            with_entry(_high_s, p256),
            ["test-p256"],
            "SIGNATURE_INVALID",
            "s replaced by n - s: the other valid ECDSA signature, which low-s rejects",
            ("12.6",),
        ),
        ("p256-r-zero", with_entry(_p256_parts(r=0), p256), ["test-p256"], "SIGNATURE_INVALID", "r = 0", ("12.6",)),
        ("p256-s-zero", with_entry(_p256_parts(s=0), p256), ["test-p256"], "SIGNATURE_INVALID", "s = 0", ("12.6",)),
        (
            "p256-r-order",
            with_entry(_p256_parts(r=P256_ORDER), p256),
            ["test-p256"],
            "SIGNATURE_INVALID",
            "r = n",
            ("12.6",),
        ),
        (
            "p256-s-order",
            with_entry(_p256_parts(s=P256_ORDER), p256),
            ["test-p256"],
            "SIGNATURE_INVALID",
            "s = n",
            ("12.6",),
        ),
        (
            "ed25519-s-plus-l",
            with_entry(_s_plus_l),
            ["test-ed25519"],
            "SIGNATURE_INVALID",
            "S + L: the same signature with a non-canonical S (RFC 8032 §5.1.7)",
            ("12.6",),
        ),
        (
            "attribute-edited",
            with_entry(lambda x: x["attributes"].update(signer="Mallory")),
            ["test-ed25519"],
            "SIGNATURE_INVALID",
            "a signed attribute changed",
            ("12.5", "12.11"),
        ),
        (
            "attribute-added",
            with_entry(lambda x: x["attributes"].update(comment="added later")),
            ["test-ed25519"],
            "SIGNATURE_INVALID",
            "an attribute added after signing",
            ("12.5",),
        ),
        (
            "attribute-removed",
            with_entry(lambda x: x["attributes"].pop("time")),
            ["test-ed25519"],
            "SIGNATURE_INVALID",
            "an attribute removed after signing",
            ("12.5",),
        ),
        (
            "header-edited",
            header_edited,
            ["test-ed25519"],
            "SIGNATURE_INVALID",
            "one metadata letter changed",
            ("12.5",),
        ),
        (
            "padding-edited",
            padding_edited,
            ["test-ed25519"],
            "SIGNATURE_INVALID",
            "a header padding byte changed: the signature covers [0, D), checked before phase 5",
            ("12.5", "12.9"),
        ),
        (
            "minor-version-edited",
            minor_edited,
            ["test-ed25519"],
            "SIGNATURE_INVALID",
            "the minor version changed after signing",
            ("12.5",),
        ),
        (
            "moved-from-another-file",
            moved,
            ["test-ed25519"],
            "SIGNATURE_INVALID",
            "a valid signature of another file by the same key",
            ("12.11",),
        ),
        (
            "relabelled-p256",
            with_entry(_set(algorithm="ecdsa-p256-sha256")),
            ["test-ed25519"],
            "SIGNATURE_INVALID",
            "an Ed25519 entry relabelled: the trusted key decides the algorithm",
            ("12.6", "12.9"),
        ),
        (
            "relabelled-unknown",
            with_entry(_set(algorithm="ed448")),
            ["test-ed25519"],
            "SIGNATURE_INVALID",
            "a trusted key's entry renamed to an unknown algorithm is checked, never skipped",
            ("12.9", "12.11"),
        ),
        (
            "no-domain-separation",
            signing.with_entries(UNSIGNED, [no_domain]),
            ["test-ed25519"],
            "SIGNATURE_INVALID",
            "signed without the domain prefix",
            ("12.5",),
        ),
        (
            "hex-digest-signed",
            signing.with_entries(UNSIGNED, [hex_digest]),
            ["test-ed25519"],
            "SIGNATURE_INVALID",
            "P signed as hexadecimal text instead of 32 bytes",
            ("12.5",),
        ),
        (
            "attributes-not-canonical",
            signing.with_entries(UNSIGNED, [body_bytes_signed]),
            ["test-ed25519"],
            "SIGNATURE_INVALID",
            "the attributes signed in their written order, not canonical form",
            ("12.5",),
        ),
        (
            "invalid-trusted-then-valid-trusted",
            signing.with_entries(UNSIGNED, [_mutated(p256(), _high_s), ed()]),
            ["test-p256", "test-ed25519"],
            "SIGNATURE_INVALID",
            "a trusted key's entry that does not verify, then one that does: the invalid one fails the file",
            ("12.9", "12.11"),
        ),
        (
            "valid-then-tampered-co-signer",
            signing.with_entries(UNSIGNED, [ed(), _mutated(p256(), _set(attributes={"signer": "Mallory"}))]),
            ["test-ed25519", "test-p256"],
            "SIGNATURE_INVALID",
            "a valid signature, then a co-signer by another trusted key whose signer name was edited",
            ("12.9", "12.11", "17.21"),
        ),
        (
            "valid-then-co-signer-relabelled-unknown",
            signing.with_entries(UNSIGNED, [ed(), {**p256(), "algorithm": "ml-dsa-65"}]),
            ["test-ed25519", "test-p256"],
            "SIGNATURE_INVALID",
            "a trusted co-signer's entry renamed to an unknown algorithm is checked and fails, beside a valid one",
            ("12.9", "12.11"),
        ),
        (
            "invalid-trusted-and-valid-untrusted",
            signing.with_entries(UNSIGNED, [signing.entry(UNSIGNED, "test-ed25519-2"), _mutated(ed(), _s_plus_l)]),
            ["test-ed25519"],
            "SIGNATURE_INVALID",
            "a failing trusted signature outranks an untrusted valid one",
            ("12.9",),
        ),
        (
            "digest-after-signature",
            patch(ed_signed, d, b"\xff"),
            ["test-ed25519"],
            "DIGEST_MISMATCH",
            "the signature verifies, the data does not: phase 5 after the signature",
            ("12.9", "13.1"),
        ),
        (
            "bool-after-signature",
            bool_file + block(canonical({"signatures": [signing.entry(bool_file, "test-ed25519")]})),
            ["test-ed25519"],
            "BOOL_VALUE",
            "a signed header whose bool tensor holds 0x02",
            ("12.9", "7.9"),
        ),
        (
            "structure-before-signature",
            role_edited + block(canonical({"signatures": [signing.entry(role_edited, "test-ed25519")]})),
            ["test-ed25519"],
            "ROLE_UNKNOWN",
            "phases 1-4 before any signature check",
            ("12.9", "13.1"),
        ),
        (
            "block-before-signature",
            with_entry(_set(algorithm="Ed25519")),
            ["test-ed25519"],
            "SIGNATURE_BLOCK",
            "a malformed block is a phase 4 failure",
            ("12.9",),
        ),
        (
            "trailing-before-signature",
            ed_signed + b"\x00",
            ["test-ed25519"],
            "TRAILING_BYTES",
            "bytes after the block",
            ("12.9",),
        ),
    ]
    vectors = [
        verify(f"verify.invalid.{name}", content, keys, description, sections, error=code)
        for name, content, keys, code, description, sections in cases
    ]
    lookalike = {**signing.ATTRIBUTES, "signer": "modelfmt conformance vectors\u200b (test key, do not trust)"}
    vectors.append(
        verify(
            "verify.invalid.lookalike-signer-validly-signed",
            _signed_over(lookalike),
            ["test-ed25519"],
            "a trusted key's valid signature over a signer name with a zero width space: the block is malformed "
            "(phase 4) before any signature is checked",
            ("12.4", "12.9", "17.21"),
            error="SIGNATURE_BLOCK",
            tags=("pitfall:17.21",),
        )
    )
    return vectors


def _acceptable() -> list[Vector]:
    seed = KEYS["test-ed25519"].private.private_bytes_raw()  # type: ignore[union-attr]
    digest = signing.prefix_digest(UNSIGNED)
    message = _signing.DOMAIN + digest + canonical(signing.ATTRIBUTES)
    signature = ed25519_math.cofactored_only_signature(seed, message)
    public = KEYS["test-ed25519"].private.public_key().public_bytes_raw()  # type: ignore[union-attr]
    assert ed25519_math.verifies(public, message, signature, cofactored=True)
    assert not ed25519_math.verifies(public, message, signature, cofactored=False)
    content = signing.with_entries(UNSIGNED, [{**ed(), "signature": signature.hex()}])
    key = KEYS["test-ed25519"]
    return [
        Vector(
            "verify.acceptable.ed25519-cofactored-only",
            "verify",
            "acceptable",
            "an Ed25519 signature whose R has a small-order component: valid under the cofactored equation only",
            ("12.6",),
            content,
            error="SIGNATURE_INVALID",
            keys=("test-ed25519",),
            reason="SPEC.md §12.6: a verifier SHOULD use the cofactorless equation (and then rejects this "
            "signature) but may use the cofactored one (and then accepts it); only the private key's holder "
            "can make such a signature",
            accept_result={"key_id": key.key_id, "algorithm": key.algorithm},
        ),
    ]


def vectors() -> list[Vector]:
    return [*_structure(), *_verify_valid(), *_verify_invalid(), *_acceptable()]
