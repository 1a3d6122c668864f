"""Result documents: strict parsing of what an implementation printed, and comparison as JSON values.

Two documents are equal when their RFC 8785 canonical forms are (PROTOCOL.md, "Result documents"): every
number is compared as the IEEE 754 double it denotes, member order and whitespace never matter.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Final

from ..format import _json
from ..format._display import terminal_line, terminal_text
from ..format._limits import MAX_SAFE_INTEGER

_MAX_SHOWN: Final = 120


class OutputError(ValueError):
    """Standard output is not one strict JSON document."""


@dataclass(frozen=True)
class Document:
    """A parsed document, and whether `json.dumps` with sorted keys already writes its canonical form: no
    number with a fraction or exponent (their text differs from ECMAScript's), integers within 2^53-1, ASCII
    keys (code point order is then UTF-16 order). Strings need no check: both escape exactly `"`, `\\` and
    the C0 controls, the same way. Large result documents (262144 tensors) are of this kind, and the fast
    path makes their comparison ten times quicker."""

    value: object
    simple: bool


class _Loader:
    """json.loads hooks: strict about duplicates and NaN, and noting what rules out the fast path."""

    def __init__(self) -> None:
        self.simple = True

    def pairs(self, pairs: list[tuple[str, object]]) -> dict[str, object]:
        result = dict(pairs)
        if len(result) != len(pairs):
            raise OutputError("the output has an object with a duplicate key")
        if self.simple and not "".join(result).isascii():
            self.simple = False
        return result

    def number(self, text: str) -> float:
        self.simple = False
        return float(text)

    def integer(self, text: str) -> int:
        value = int(text)
        if len(text) > 15 and abs(value) > MAX_SAFE_INTEGER:
            self.simple = False
        return value

    @staticmethod
    def constant(literal: str) -> object:
        raise OutputError(f"the output holds {literal}, which is not JSON")


def load(data: bytes) -> Document:
    """Parse a result document strictly: duplicate keys and NaN or Infinity make the output malformed.
    Integers stay integers here; comparison treats every number as the double it denotes (§4.6)."""
    loader = _Loader()
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text,
            object_pairs_hook=loader.pairs,
            parse_float=loader.number,
            parse_int=loader.integer,
            parse_constant=loader.constant,
        )
    except UnicodeDecodeError:
        raise OutputError("the output is not UTF-8") from None
    except OutputError:
        raise
    except ValueError as exc:
        raise OutputError(f"the output is not JSON: {exc}") from None
    return Document(value, loader.simple)


def of_value(value: object) -> Document:
    """A document for a value built in memory (the generator's expected results)."""
    return load(json.dumps(value, ensure_ascii=False).encode("utf-8"))


def _doubles(value: object) -> object:
    """Integers beyond 2^53-1 as the doubles they denote (an implementation may print a float that way)."""
    if isinstance(value, dict):
        return {key: _doubles(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_doubles(child) for child in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER:
        return float(value)
    return value


def _slow_canonical(value: object) -> str:
    try:
        return _json.canonical(_doubles(value))
    except (TypeError, ValueError) as exc:  # a number beyond the double range, a lone surrogate
        raise OutputError(f"the output has a value with no canonical form: {exc}") from None


def canonical(document: Document) -> str:
    """The RFC 8785 canonical form of a document."""
    if document.simple:
        return json.dumps(document.value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return _slow_canonical(document.value)


def digest(document: Document) -> str:
    """SHA-256 of the canonical form: how the manifest pins documents too large to keep."""
    try:
        return hashlib.sha256(canonical(document).encode("utf-8")).hexdigest()
    except UnicodeEncodeError:
        raise OutputError("the output has a string with an unpaired surrogate") from None


def _show(value: object) -> str:
    """A value of an implementation's document as canonical JSON on one terminal-safe line (SPEC.md
    §17.18): JSON is an unambiguous encoding already, so its own escapes are kept."""
    text = _slow_canonical(value)
    return terminal_line(text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…")


def first_difference(expected: object, actual: object, path: str = "") -> str | None:
    """Where two documents first differ, as `/json/pointer: expected X, got Y`; None when equal."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            where = f"{path}/{terminal_text(str(key))}"  # a key of the implementation's document
            if key not in actual:
                return f"{where}: missing (expected {_show(expected[key])})"
            if key not in expected:
                return f"{where}: unexpected member {_show(actual[key])}"
            found = first_difference(expected[key], actual[key], where)
            if found is not None:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        for index, (left, right) in enumerate(zip(expected, actual, strict=False)):
            found = first_difference(left, right, f"{path}/{index}")
            if found is not None:
                return found
        if len(expected) != len(actual):
            return f"{path or '/'}: expected {len(expected)} elements, got {len(actual)}"
        return None
    if _slow_canonical(expected) != _slow_canonical(actual):
        return f"{path or '/'}: expected {_show(expected)}, got {_show(actual)}"
    return None
