"""Header JSON vectors (SPEC.md §4, phase 2 of §13.1): encoding, grammar, duplicate keys, numbers, depth,
and the forms a reader must accept although no writer produces them. Each invalid vector has exactly one
phase 2 defect (§13.1)."""

from __future__ import annotations

import dataclasses

from . import limits
from .base import header_only, tiny
from .build import edit_text, file_bytes
from .model import Vector, invalid, valid

META = '{"metadata":%s,"tensors":[]}'


def _meta(value: str) -> bytes:
    """A header whose metadata is the JSON text `value` (an object)."""
    return header_only(META % value)


def _meta_raw(value: bytes) -> bytes:
    return header_only(b'{"metadata":' + value + b',"tensors":[]}')


def _valid() -> list[Vector]:
    escapes = (
        r'{"all":"\" \\ \/ \b \f \n \r \t","control":"\u0000\u0001\u001f\u007f","upper":"\u00E9\u00e9",'
        r'"pair":"\uD83D\uDE00","pair-lower":"\ud83d\ude00","bmp":"\u20ac\uFFFF","solidus":"a\/b"}'
    )
    raw = '{"two":"é","three":"€\u2028\u2029\ufeff","four":"😀","max":"\U0010ffff","nonchar":"\ufffe\U0001fffe"}'
    numbers = (
        '{"zero":0,"minus-zero":-0,"minus-zero-float":-0.0,"int":1,"neg":-1,"frac":1.5,"exp":1e2,"exp-upper":1E+2,'
        '"exp-neg":1e-2,"tenth":0.1,"one-point-zero":1.0,"underflow":1e-400,"min-subnormal":5e-324,'
        '"min-normal":2.2250738585072014e-308,"max-double":1.7976931348623157e308,'
        '"max-double-rounding":1.7976931348623158e308,"max-safe":9007199254740991,"min-safe":-9007199254740991,'
        '"float-beyond-safe":9007199254740992.0,"float-1e21":1e21,"float-2e53-exp":9.007199254740993e15,'
        '"long-mantissa":123456789012345678901234567890.5,"zero-exponent-huge":0e999999999,'
        '"tiny-exponent-huge":1e-999999999,"scaled":0.' + "0" * 398 + '1e400,"exp-leading-zeros":1e0000000000000000002}'
    )
    return [
        valid(
            "valid.json.whitespace-everywhere",
            header_only(' \t\r\n{ "metadata" :\t{ } ,\n"tensors"\r: [ ]\n}\t \r\n'),
            "space, tab, LF and CR around every token, before and after the value",
            "4.2",
        ),
        valid(
            "valid.json.member-order-free",
            header_only('{"tensors":[],"metadata":{"b":1,"a":2}}'),
            "member order carries no meaning (the canonical order is not required)",
            ("4.6", "4.7"),
        ),
        valid(
            "valid.json.escapes",
            _meta(escapes),
            "every escape, upper- and lower-case hexadecimal, a surrogate pair, an escaped solidus",
            ("4.1", "4.2"),
        ),
        valid(
            "valid.json.raw-non-ascii",
            _meta(raw),
            "raw UTF-8 of 2, 3 and 4 bytes, U+2028, U+FEFF inside a string, U+10FFFF, noncharacters",
            "4.1",
        ),
        valid(
            "valid.json.keys-not-normalised",
            _meta('{"é":1,"e\u0301":2,"A":3,"a":4,"":5}'),
            "keys compare as code points: NFC and NFD forms, and cases, are different keys",
            "4.3",
        ),
        valid(
            "valid.json.numbers",
            _meta(numbers),
            "integers, -0, fractions, exponents, values that round to zero or to the largest double, and a "
            "float beyond 2^53 (only integer-form numbers are bounded)",
            ("4.4", "4.6"),
        ),
        valid(
            "valid.json.literals",
            _meta('{"t":true,"f":false,"n":null,"list":[true,false,null,[],{}]}'),
            "true, false and null, and empty containers",
            "4.2",
        ),
        valid(
            "valid.json.prototype-keys",
            _meta(
                '{"__proto__":{"polluted":true},"constructor":{"prototype":1},"toString":"x",'
                '"hasOwnProperty":null,"__class__":"str","__dict__":{},"valueOf":0}'
            ),
            "keys that are special in some languages are ordinary keys: echoed exactly, nothing resolved",
            ("4.6", "8.1", "13.5"),
            tags=("pitfall:17.10",),
        ),
    ]


def _encoding() -> list[Vector]:
    m = tiny()
    good = file_bytes(m)
    bom = b"\xef\xbb\xbf" + good[24 : 24 + 358]
    cases = {
        "overlong-two-bytes": b"\xc0\xaf",
        "overlong-three-bytes": b"\xe0\x80\xaf",
        "overlong-nul": b"\xc0\x80",
        "encoded-surrogate": b"\xed\xa0\x80",
        "above-u10ffff": b"\xf4\x90\x80\x80",
        "lead-byte-f5": b"\xf5\x80\x80\x80",
        "lone-continuation": b"\x80",
        "truncated-sequence": b"\xe2\x82",
        "latin-1": b"\xe9",
        "byte-ff": b"\xff",
    }
    vectors = [
        invalid(
            "invalid.json.bom", header_only(bom), "HEADER_ENCODING", "the header starts with a byte order mark", "4.1"
        ),
    ]
    for name, raw in cases.items():
        vectors.append(
            invalid(
                f"invalid.json.utf8-{name}",
                _meta_raw(b'{"x":"a' + raw + b'b"}'),
                "HEADER_ENCODING",
                f"ill-formed UTF-8 inside a string: {raw.hex(' ')}",
                "4.1",
            )
        )
    escapes = {
        "lone-high": r'"\ud800"',
        "lone-low": r'"\udfff"',
        "low-then-high": r'"\uDE00\uD83D"',
        "high-then-letter": r'"\uD83Da"',
        "high-then-non-surrogate-escape": r'"\uD83D\u0041"',
        "high-then-high": r'"\uD83D\uD83D"',
        "high-at-end": r'"abc\uD83D"',
    }
    for name, text in escapes.items():
        vectors.append(
            invalid(
                f"invalid.json.surrogate-{name}",
                _meta('{"x":' + text + "}"),
                "HEADER_ENCODING",
                f"an unpaired surrogate escape: {text}",
                "4.1",
            )
        )
    vectors += [
        invalid(
            "invalid.json.surrogate-in-key",
            _meta(r'{"\udc00":1}'),
            "HEADER_ENCODING",
            "an unpaired surrogate escape in a key",
            "4.1",
        ),
        invalid(
            "invalid.json.surrogate-in-name",
            file_bytes(m, header_text=edit_text(m, ('"name":"w"', r'"name":"\udfff"'))),
            "HEADER_ENCODING",
            "phase 2 (encoding) comes before the name rules of phase 3",
            ("4.1", "13.1"),
        ),
    ]
    return vectors


def _syntax() -> list[Vector]:
    cases = {
        "empty": ("", "an empty header (L = 0)"),
        "whitespace-only": (" \n\t ", "a header of whitespace only"),
        "truncated": ('{"metadata":{},"tensors":[]', "the closing brace is missing"),
        "trailing-garbage": ('{"metadata":{},"tensors":[]} x', "non-whitespace after the value"),
        "trailing-nul": ('{"metadata":{},"tensors":[]}\x00', "a 0x00 after the value is not whitespace"),
        "two-values": ('{"metadata":{},"tensors":[]}{}', "exactly one JSON value"),
        "trailing-comma-array": ('{"metadata":{"a":[1,]},"tensors":[]}', "a trailing comma in an array"),
        "trailing-comma-object": ('{"metadata":{"a":1,},"tensors":[]}', "a trailing comma in an object"),
        "leading-zero": ('{"metadata":{"a":01},"tensors":[]}', "a leading zero"),
        "plus-sign": ('{"metadata":{"a":+1},"tensors":[]}', "a plus sign"),
        "bare-fraction": ('{"metadata":{"a":.5},"tensors":[]}', "no digit before the point"),
        "bare-point": ('{"metadata":{"a":1.},"tensors":[]}', "no digit after the point"),
        "bare-exponent": ('{"metadata":{"a":1e},"tensors":[]}', "no digit in the exponent"),
        "minus-alone": ('{"metadata":{"a":-},"tensors":[]}', "a minus sign without digits"),
        "single-quotes": ("{'metadata':{},'tensors':[]}", "single quotes"),
        "line-comment": ('{"metadata":{},//\n"tensors":[]}', "a comment"),
        "block-comment": ('{"metadata":{}/**/,"tensors":[]}', "a block comment"),
        "vertical-tab": ('{"metadata":{},\x0b"tensors":[]}', "vertical tab is not whitespace"),
        "form-feed": ('{"metadata":{},\x0c"tensors":[]}', "form feed is not whitespace"),
        "nbsp": ('{"metadata":{},\u00a0"tensors":[]}', "U+00A0 is not whitespace"),
        "bom-inside": ('{"metadata":{},\ufeff"tensors":[]}', "U+FEFF after the start is not whitespace"),
        "raw-newline-in-string": ('{"metadata":{"a":"x\ny"},"tensors":[]}', "an unescaped control character"),
        "raw-nul-in-string": ('{"metadata":{"a":"x\x00y"},"tensors":[]}', "an unescaped U+0000"),
        "raw-unit-separator-in-string": ('{"metadata":{"a":"x\x1fy"},"tensors":[]}', "an unescaped U+001F"),
        "unknown-escape": ('{"metadata":{"a":"\\x41"},"tensors":[]}', "\\x is not an escape"),
        "short-unicode-escape": ('{"metadata":{"a":"\\u12"},"tensors":[]}', "\\u needs four hexadecimal digits"),
        "uppercase-u-escape": ('{"metadata":{"a":"\\U0041"},"tensors":[]}', "\\U is not an escape"),
        "unquoted-key": ('{metadata:{},"tensors":[]}', "keys are strings"),
        "hex-number": ('{"metadata":{"a":0x10},"tensors":[]}', "no hexadecimal numbers"),
        "lowercase-nan": ('{"metadata":{"a":nan},"tensors":[]}', "only the three exact tokens are HEADER_NUMBER"),
        "capitalised-true": ('{"metadata":{"a":True},"tensors":[]}', "literals are case-sensitive"),
        "undefined": ('{"metadata":{"a":undefined},"tensors":[]}', "undefined is not JSON"),
        "missing-colon": ('{"metadata" {},"tensors":[]}', "a member without a colon"),
        "missing-comma": ('{"metadata":{} "tensors":[]}', "members without a comma"),
        "unclosed-string": ('{"metadata":{"a":"x},"tensors":[]}', "a string that never ends"),
    }
    return [
        invalid(f"invalid.json.syntax-{name}", header_only(text), "HEADER_SYNTAX", description, "4.2")
        for name, (text, description) in cases.items()
    ]


def _duplicates() -> list[Vector]:
    m = tiny()
    return [
        invalid(
            "invalid.json.duplicate-tensors",
            header_only('{"tensors":[],"metadata":{},"tensors":[]}'),
            "HEADER_DUPLICATE_KEY",
            "two tensor tables: which one would a reader use?",
            "4.3",
            tags=("pitfall:17.4",),
        ),
        invalid(
            "invalid.json.duplicate-metadata",
            header_only('{"metadata":{"name":"a"},"tensors":[],"metadata":{"name":"b"}}'),
            "HEADER_DUPLICATE_KEY",
            "the first or the last metadata? neither",
            "4.3",
            tags=("pitfall:17.4",),
        ),
        invalid(
            "invalid.json.duplicate-in-entry",
            file_bytes(m, header_text=edit_text(m, ('"name":"w"', '"name":"w","name":"v"'))),
            "HEADER_DUPLICATE_KEY",
            "a tensor entry with two names",
            "4.3",
            tags=("pitfall:17.4",),
        ),
        invalid(
            "invalid.json.duplicate-after-unescaping",
            _meta(r'{"name":"a","n\u0061me":"b"}'),
            "HEADER_DUPLICATE_KEY",
            "keys are compared after unescaping",
            "4.3",
            tags=("pitfall:17.4",),
        ),
        invalid(
            "invalid.json.duplicate-surrogate-pair-escaped",
            _meta('{"😀":1,"\\ud83d\\ude00":2}'),
            "HEADER_DUPLICATE_KEY",
            "a raw astral character and its escaped surrogate pair are one key",
            "4.3",
        ),
        invalid(
            "invalid.json.duplicate-deep",
            _meta('{"a":[{"b":{"c":1,"c":2}}]}'),
            "HEADER_DUPLICATE_KEY",
            "duplicates are found at any depth",
            "4.3",
        ),
        invalid(
            "invalid.json.duplicate-proto",
            _meta('{"__proto__":1,"__proto__":2}'),
            "HEADER_DUPLICATE_KEY",
            "a key some parsers treat specially is still a key",
            "4.3",
            tags=("pitfall:17.4", "pitfall:17.10"),
        ),
        invalid(
            "invalid.json.duplicate-empty-key",
            _meta('{"":1,"":2}'),
            "HEADER_DUPLICATE_KEY",
            "the empty key twice",
            "4.3",
        ),
        invalid(
            "invalid.json.duplicate-beats-structure",
            header_only('{"metadata":{"a":1,"a":2},"tensors":[{"name":1}],"unknown":0}'),
            "HEADER_DUPLICATE_KEY",
            "phase 2 is reported before any phase 3 rule",
            "13.1",
        ),
    ]


def _numbers() -> list[Vector]:
    m = tiny()
    cases = {
        "nan": ("NaN", "NaN is not JSON"),
        "infinity": ("Infinity", "Infinity is not JSON"),
        "minus-infinity": ("-Infinity", "-Infinity is not JSON"),
        "1e309": ("1e309", "rounds to infinity"),
        "max-double-plus": ("1.7976931348623159e308", "at 2^1024 - 2^970 and above, rounding gives infinity"),
        "minus-1e400": ("-1e400", "negative overflow"),
        "exponent-huge": ("1e999999999", "an exponent of nine digits: infinite, without computing it"),
        "2-53": ("9007199254740992", "an integer-form number beyond 2^53-1"),
        "minus-2-53": ("-9007199254740992", "the bound is symmetric"),
        "17-digits": ("10000000000000000", "more than 16 digits is always out of range"),
        "400-digits": ("1" + "0" * 399, "an integer of 400 digits"),
        "5000-digits": ("9" * 5000, "an integer longer than some parsers convert"),
    }
    vectors = [
        invalid(
            f"invalid.json.number-{name}",
            _meta('{"x":' + text + "}"),
            "HEADER_NUMBER",
            description,
            "4.4",
            tags=("pitfall:17.2",) if "digits" in name or "2-53" in name else (),
        )
        for name, (text, description) in cases.items()
    ]
    vectors += [
        invalid(
            "invalid.json.number-infinity-in-offset",
            file_bytes(m, header_text=edit_text(m, ('"offset":0,', '"offset":Infinity,'))),
            "HEADER_NUMBER",
            "phase 2 (numbers) before the integer-field rule of phase 3",
            ("4.4", "13.1"),
        ),
        invalid(
            "invalid.json.number-length-2-53",
            file_bytes(m, header_text=edit_text(m, ('"length":8,', '"length":9007199254740992,'))),
            "HEADER_NUMBER",
            "an offset or length beyond 2^53-1 never reaches the tensor rules",
            ("4.4", "7.2"),
            tags=("pitfall:17.2",),
        ),
        invalid(
            "invalid.json.number-shape-2-64",
            file_bytes(m, header_text=edit_text(m, ('"shape":[2]', '"shape":[18446744073709551616]'))),
            "HEADER_NUMBER",
            "a dimension of 2^64 (0 in a 64-bit register)",
            ("4.4", "7.4"),
            tags=("pitfall:17.2", "pitfall:17.8"),
        ),
    ]
    return vectors


def _depth() -> list[Vector]:
    return [
        dataclasses.replace(
            invalid(
                "invalid.json.depth-hostile",
                b"",
                "HEADER_DEPTH",
                "100000 nested arrays: enforced while parsing, before a recursive parser exhausts its stack",
                ("4.5", "13.3"),
            ),
            content=None,
            recipe=limits.recipe_file(
                [
                    {"text": '{"metadata":{"a":'},
                    {"text": "[", "repeat": 100000},
                    {"text": "]", "repeat": 100000},
                    {"text": '},"tensors":[]}'},
                ]
            ),
        ),
        invalid(
            "invalid.json.depth-beats-unknown-key",
            header_only('{"metadata":{},"tensors":[],"x":' + "[" * 70 + "]" * 70 + "}"),
            "HEADER_DEPTH",
            "depth is phase 2, the unknown key phase 3",
            ("4.5", "13.1"),
        ),
    ]


def vectors() -> list[Vector]:
    return [*_valid(), *_encoding(), *_syntax(), *_duplicates(), *_numbers(), *_depth()]
