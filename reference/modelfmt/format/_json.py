"""The strict JSON subset of SPEC.md §4: parsing untrusted headers and writing canonical ones.

Parsing uses the standard library's C scanner with hooks for the rules it does not enforce itself
(duplicate keys, NaN/Infinity); the rules that need the parsed tree (depth, exact integers, finite
floats, lone surrogates) are checked by `check_tree`. Encoding follows RFC 8785 (JCS), so independent
writers in other languages produce byte-identical headers.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Final

from ._display import terminal_text
from ._errors import error
from ._limits import MAX_SAFE_INTEGER

JSONValue = object  # dict[str, JSONValue] | list[JSONValue] | str | int | float | bool | None

_BOM: Final = b"\xef\xbb\xbf"


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


class _NonFiniteError(Exception):
    def __init__(self, literal: str) -> None:
        self.literal = literal


def _object_without_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return result


def _reject_constant(literal: str) -> object:
    # The scanner calls this as soon as a value starts with `NaN`, `Infinity` or `-Infinity`, whatever
    # follows (`Infinityx`, `NaN1`): exactly the HEADER_NUMBER rule of SPEC.md §4.4. `-NaN`, `+Infinity`
    # and `NaN` where a key is expected never get here and are HEADER_SYNTAX.
    raise _NonFiniteError(literal)


_DECODER: Final = json.JSONDecoder(object_pairs_hook=_object_without_duplicates, parse_constant=_reject_constant)


def parse(raw: bytes, *, base_offset: int) -> object:
    """Parse header bytes under the rules of §4.1-4.3 that a scanner can see.

    `base_offset` is the header's position in the file, so that errors report file offsets.
    Depth, exact integers, finite floats and surrogates are checked afterwards by `check_tree`.
    """
    if raw.startswith(_BOM):
        raise error("HEADER_ENCODING", "header starts with a UTF-8 byte order mark", offset=base_offset)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            "HEADER_ENCODING", f"header is not valid UTF-8: {exc.reason}", offset=base_offset + exc.start
        ) from None
    try:
        value, end = _DECODER.raw_decode(text, _skip_whitespace(text, 0))
    except _DuplicateKeyError as exc:
        raise error("HEADER_DUPLICATE_KEY", f"duplicate key {show(exc.key)} in a header object") from None
    except _NonFiniteError as exc:
        raise error("HEADER_NUMBER", f"{exc.literal} is not a JSON number") from None
    except json.JSONDecodeError as exc:
        offset = base_offset + len(text[: exc.pos].encode("utf-8"))
        raise error("HEADER_SYNTAX", f"header is not valid JSON: {exc.msg}", offset=offset) from None
    except RecursionError:
        raise error("HEADER_DEPTH", "header nesting is too deep to parse") from None
    except ValueError as exc:  # an integer with more digits than Python converts
        raise error("HEADER_NUMBER", f"header has an unreadable number: {exc}") from None
    end = _skip_whitespace(text, end)
    if end != len(text):
        offset = base_offset + len(text[:end].encode("utf-8"))
        raise error("HEADER_SYNTAX", "header has data after the JSON value", offset=offset)
    return value


_WHITESPACE: Final = re.compile(r"[ \t\n\r]*")


def _skip_whitespace(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    return position if match is None else match.end()


def _has_lone_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_tree(value: object, *, depth: int, max_depth: int) -> None:
    """Enforce §4.3-4.4 on a parsed value whose enclosing container is at `depth` (0 for the root).

    Iterative, so hostile nesting cannot exhaust the stack.
    """
    stack: list[tuple[object, int]] = [(value, depth)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            if level + 1 > max_depth:
                raise error("HEADER_DEPTH", f"header nesting exceeds depth {max_depth}")
            for key, child in item.items():
                if _has_lone_surrogate(key):
                    raise error("HEADER_ENCODING", "a header key has an unpaired surrogate escape")
                stack.append((child, level + 1))
        elif isinstance(item, list):
            if level + 1 > max_depth:
                raise error("HEADER_DEPTH", f"header nesting exceeds depth {max_depth}")
            stack.extend((child, level + 1) for child in item)
        elif isinstance(item, str):
            if _has_lone_surrogate(item):
                raise error("HEADER_ENCODING", "a header string has an unpaired surrogate escape")
        elif isinstance(item, bool) or item is None:
            pass
        elif isinstance(item, int):
            if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                raise error("HEADER_NUMBER", f"integer {item} is outside ±(2^53-1)")
        elif isinstance(item, float) and not math.isfinite(item):
            raise error("HEADER_NUMBER", "a number is too large for an IEEE 754 double")


def show(text: str, limit: int = 60) -> str:
    """A name or value as error messages print it: in backticks, terminal-safe (SPEC.md §17.18), shortened."""
    return "`" + terminal_text(text if len(text) <= limit else text[:limit]) + ("…" if len(text) > limit else "") + "`"


def json_type(value: object) -> str:
    """The JSON type of a parsed value, for messages: expected X, got `json_type(value)`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


# ---- canonical encoding (RFC 8785) -------------------------------------------------------------------


def _utf16_key(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


def format_number(number: float) -> str:
    """ECMAScript Number::toString for a finite double, as RFC 8785 §3.2.2.3 requires; NaN and the
    infinities have none (HEADER_NUMBER, §4.4)."""
    if not math.isfinite(number):
        raise error("HEADER_NUMBER", f"{number} cannot be written in a modelfmt header")
    if number == 0:
        return "0"
    if number < 0:
        return "-" + format_number(-number)
    # repr gives the shortest digit string that round-trips, the same digits ECMAScript chooses.
    mantissa, _, exponent_text = repr(number).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    # n: the decimal exponent such that value = 0.d1d2... x 10^n
    point = len(whole) + (int(exponent_text) if exponent_text else 0)
    point -= len(whole + fraction) - len((whole + fraction).lstrip("0"))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        return digits + "0" * (point - k)
    if 0 < point <= 21:
        return digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return "0." + "0" * (-point) + digits
    exponent = point - 1
    sign = "+" if exponent >= 0 else "-"
    head = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(exponent)}"


_encode_string: Callable[[str], str] = json.JSONEncoder(ensure_ascii=False).encode


def typed_number(number: float) -> str:
    """A float written so that a reader of §4 gets back the same binary64 *as a non-integer-form number*:
    its canonical form, with `.0` appended when that form is integer-form (`1.0`, and `1e16`, whose
    canonical `10000000000000000` a reader refuses, becomes `10000000000000000.0`), and `-0.0` for negative
    zero. Not canonical: for JSON carried where no canonical form is required (a safetensors `__metadata__`
    string), so that typed metadata survives a round trip exactly."""
    text = format_number(number)
    if number == 0 and math.copysign(1.0, number) < 0:
        return "-0.0"
    return text if "." in text or "e" in text else text + ".0"


def canonical(value: object, *, writing: bool = False, typed_floats: bool = False) -> str:
    """Encode a JSON value in RFC 8785 canonical form.

    A value the header's JSON cannot hold raises the error a reader gives a file holding it (a
    `FormatError`, so also a ValueError): HEADER_NUMBER for NaN, an infinity or an integer beyond 2^53-1,
    HEADER_ENCODING for a lone surrogate, HEADER_DEPTH for nesting no header allows. What JSON cannot
    express at all (a set, a key that is not a string) is a TypeError.

    With `writing`, also refuse what a writer must not emit (§4.7): a float whose canonical form is an
    integer beyond 2^53-1. A reader measuring a parsed value (the metadata size) leaves it off.

    With `typed_floats`, floats are written by `typed_number` instead: every finite float is then
    writable and reads back as the same float (the output is canonical but for those numbers)."""
    parts: list[str] = []
    _encode_into(value, parts, 0, writing, typed_floats)
    return "".join(parts)


def _encode_into(value: object, parts: list[str], depth: int, writing: bool, typed_floats: bool = False) -> None:
    if depth > 1000:  # a cyclic or absurdly deep structure from a caller, not from a file
        raise error("HEADER_DEPTH", "value nests too deeply to encode")
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, str):
        if _has_lone_surrogate(value):
            raise error("HEADER_ENCODING", "strings in a modelfmt header must not contain unpaired surrogates")
        parts.append(_encode_string(value))
    elif isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise error("HEADER_NUMBER", f"integer {value} is outside ±(2^53-1) and cannot be stored exactly")
        parts.append(str(int(value)))
    elif isinstance(value, float):
        if typed_floats:
            parts.append(typed_number(value))
            return
        if writing and MAX_SAFE_INTEGER < abs(value) < 1e21:
            # Canonical form writes these as integer digits, which readers reject (SPEC.md §4.7).
            raise error(
                "HEADER_NUMBER",
                f"{value!r} cannot be stored in a modelfmt header: between 2^53 and 1e21 its "
                "canonical form is an integer beyond 2^53-1; store it as a string or a tensor",
            )
        parts.append(format_number(value))
    elif isinstance(value, dict):
        keys = list(value)
        for key in keys:
            if not isinstance(key, str):
                raise TypeError(f"header object keys must be str, got {type(key).__name__}")
        parts.append("{")
        for index, key in enumerate(sorted(keys, key=_utf16_key)):
            if index:
                parts.append(",")
            _encode_into(key, parts, depth + 1, writing, typed_floats)
            parts.append(":")
            _encode_into(value[key], parts, depth + 1, writing, typed_floats)
        parts.append("}")
    elif isinstance(value, list | tuple):
        parts.append("[")
        for index, item in enumerate(value):
            if index:
                parts.append(",")
            _encode_into(item, parts, depth + 1, writing, typed_floats)
        parts.append("]")
    else:
        raise TypeError(f"{type(value).__name__} cannot be stored in a modelfmt header (JSON values only)")
