"""Result documents: strict parsing of what an implementation printed, and comparison as JSON values.

Two documents are equal when their RFC 8785 canonical forms are (PROTOCOL.md, "Result documents"): every
number is compared as the IEEE 754 double it denotes, member order and whitespace never matter.
"""

from __future__ import annotations

import hashlib
import json
from typing import Final

from .. import _json

_MAX_SHOWN: Final = 120


class OutputError(ValueError):
    """Standard output is not one strict JSON document."""


def _pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise OutputError("the output has an object with a duplicate key")
    return result


def _constant(literal: str) -> object:
    raise OutputError(f"the output holds {literal}, which is not JSON")


def load(data: bytes) -> object:
    """Parse a result document. Every number becomes a double, the data model of SPEC.md §4.6 that
    comparison uses; duplicate keys and non-finite numbers make the output malformed."""
    try:
        text = data.decode("utf-8")
        value = json.loads(text, object_pairs_hook=_pairs, parse_int=float, parse_constant=_constant)
    except UnicodeDecodeError:
        raise OutputError("the output is not UTF-8") from None
    except OutputError:
        raise
    except ValueError as exc:
        raise OutputError(f"the output is not JSON: {exc}") from None
    return value  # numbers beyond the double range (1e400) fail later, in `canonical`


def canonical(value: object) -> str:
    try:
        return _json.canonical(value)
    except (TypeError, ValueError) as exc:
        raise OutputError(f"the output has a value with no canonical form: {exc}") from None


def digest(value: object) -> str:
    """SHA-256 of the canonical form: how the manifest pins documents too large to keep."""
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


def normalise(value: object) -> object:
    """`value` with every integer made a double, as `load` reads implementation output."""
    if isinstance(value, dict):
        return {key: normalise(child) for key, child in value.items()}
    if isinstance(value, list):
        return [normalise(child) for child in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _show(value: object) -> str:
    text = canonical(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def first_difference(expected: object, actual: object, path: str = "") -> str | None:
    """Where two documents first differ, as `/json/pointer: expected X, got Y`; None when equal."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            where = f"{path}/{key}"
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
    if canonical(expected) != canonical(actual):
        return f"{path or '/'}: expected {_show(expected)}, got {_show(actual)}"
    return None
