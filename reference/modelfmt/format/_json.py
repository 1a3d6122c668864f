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
from collections.abc import Callable, Collection, Iterable, Iterator
from itertools import compress
from json.encoder import encode_basestring
from typing import Any, Final

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


# A float token of at most this many characters shares its float object with every equal token of the same
# parse. A float costs 32 bytes (the object and its pointer): for `1e1,` that is 8 times its text (SPEC.md
# §17.19). Tokens this short number a few thousand at most, so the table stays small; a longer token costs
# at most 5 times its text.
_SHARED_FLOAT_CHARS: Final = 4


class _SharedFloats:
    """`parse_float` for one parse: each distinct short token becomes one float object, shared."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}

    def __call__(self, token: str) -> float:
        if len(token) > _SHARED_FLOAT_CHARS:
            return float(token)
        value = self._seen.get(token)
        if value is None:
            value = self._seen[token] = float(token)
        return value


def _decoder() -> json.JSONDecoder:
    return json.JSONDecoder(
        object_pairs_hook=_object_without_duplicates, parse_constant=_reject_constant, parse_float=_SharedFloats()
    )


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
        value, end = _decoder().raw_decode(text, _skip_whitespace(text, 0))
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

    Iterative, so hostile nesting cannot exhaust the stack, and in memory bounded by the depth rather than
    by the size of the tree: the walk keeps one iterator per open container (never a list of every child,
    which for a header of 3*10^7 small values cost 2 GB), and judges the scalars of each container with
    builtins that loop in C.
    """
    if type(value) not in _CONTAINERS:
        _check_scalars((value,))
        return
    # stack[i] yields the containers among the children of a container of depth `depth + i`.
    stack: list[Iterator[object]] = [iter((value,))]
    while stack:
        child = next(stack[-1], None)
        if child is None:  # containers are never None: this one is done
            stack.pop()
            continue
        if depth + len(stack) > max_depth:
            raise error("HEADER_DEPTH", f"header nesting exceeds depth {max_depth}")
        children: Collection[object]
        if type(child) is dict:
            if not all(map(str.isascii, child)) and any(map(_has_lone_surrogate, child)):
                raise error("HEADER_ENCODING", "a header key has an unpaired surrogate escape")
            children = child.values()
        else:
            children = child  # type: ignore[assignment]
        if not children:
            continue
        kinds = set(map(type, children))
        if kinds - _CONTAINERS:
            _check_scalars(children, kinds)
        if kinds & _CONTAINERS:
            stack.append(compress(children, map(_CONTAINERS.__contains__, map(type, children))))


_CONTAINERS: Final = frozenset({dict, list})


def _of_type(values: Iterable[object], kind: type) -> Iterator[Any]:
    """The items of `values` whose type is exactly `kind`, selected in C."""
    return compress(values, map(frozenset({kind}).__contains__, map(type, values)))


def _check_scalars(values: Collection[object], kinds: Collection[type] | None = None) -> None:
    """§4.3-4.4 for the scalars among `values` (of the types `kinds`): no string with an unpaired surrogate,
    every integer within ±(2^53-1), every float finite."""
    kinds = set(map(type, values)) if kinds is None else kinds
    strings_ascii = str not in kinds or all(map(str.isascii, _of_type(values, str)))
    if not strings_ascii and any(map(_has_lone_surrogate, _of_type(values, str))):
        raise error("HEADER_ENCODING", "a header string has an unpaired surrogate escape")
    if int in kinds:
        largest = max(map(abs, _of_type(values, int)))
        if largest > MAX_SAFE_INTEGER:
            item = next(item for item in _of_type(values, int) if abs(item) == largest)
            raise error("HEADER_NUMBER", f"integer {item} is outside ±(2^53-1)")
    if float in kinds and not all(map(math.isfinite, _of_type(values, float))):
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


def canonical_size(value: object, *, stop_above: int) -> int:
    """The length in UTF-8 bytes of `canonical(value)`, or a number above `stop_above` as soon as the length
    is known to pass it (SPEC.md §8.1 allows stopping there). For a value a reader parsed, which phase 2
    has checked: a length needs no sorting of keys and no text, so the walk keeps one iterator per open
    container, and each container's scalars are measured by builtins that loop in C."""
    if type(value) not in _CONTAINERS:
        return _scalars_size((value,))
    total = 0
    stack: list[Iterator[object]] = [iter((value,))]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        children: Collection[object]
        if type(child) is dict:
            # braces, a comma between members, a colon in each; the keys as strings
            total += 1 + 2 * len(child) + _scalars_size(child) if child else 2
            children = child.values()
        else:
            assert type(child) is list  # a parsed value holds no other container
            total += 1 + len(child) if child else 2  # brackets and a comma between items
            children = child
        if not children:
            continue
        kinds = set(map(type, children))
        if kinds - _CONTAINERS:
            total += _scalars_size(children, kinds)
        if total > stop_above:
            return total
        if kinds & _CONTAINERS:
            stack.append(compress(children, map(_CONTAINERS.__contains__, map(type, children))))
    return total


def _scalars_size(values: Collection[object], kinds: Collection[type] | None = None) -> int:
    """The canonical length of the scalars among `values`, checked by phase 2 (no surrogate, integers
    within ±(2^53-1), floats finite)."""
    kinds = set(map(type, values)) if kinds is None else kinds
    size = 0
    if str in kinds:
        encoded = map(encode_basestring, _of_type(values, str))
        size += sum(map(_utf8_length, encoded))
    if int in kinds:
        size += sum(map(len, map(str, _of_type(values, int))))
    if float in kinds:
        size += sum(map(len, map(format_number, _of_type(values, float))))
    if bool in kinds:
        size += sum(map(_BOOL_SIZE.__getitem__, _of_type(values, bool)))
    if type(None) in kinds:
        size += 4 * sum(1 for _ in _of_type(values, type(None)))
    return size


_BOOL_SIZE: Final = {True: 4, False: 5}


def _utf8_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


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
