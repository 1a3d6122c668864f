"""JSON-shape checks shared by the architecture and training validators (closed objects, types).

They raise the core's structural codes (HEADER_TYPE, HEADER_UNKNOWN_KEY, HEADER_MISSING_KEY) so that a
schema validator and this code report the same failure.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from ..format._errors import error
from ..format._json import json_type, show
from ..format._limits import MAX_NAME_BYTES
from ..format._names import FORBIDDEN_IN_NAMES


def expect_object(value: object, where: str) -> dict[str, object]:
    if type(value) is not dict:
        raise error("HEADER_TYPE", f"{where} must be an object, got {json_type(value)}")
    return value


def expect_array(value: object, where: str) -> list[object]:
    if type(value) is not list:
        raise error("HEADER_TYPE", f"{where} must be an array, got {json_type(value)}")
    return value


def expect_string(value: object, where: str) -> str:
    if type(value) is not str:
        raise error("HEADER_TYPE", f"{where} must be a string, got {json_type(value)}")
    return value


def expect_int(value: object, where: str) -> int:
    if type(value) is not int:
        raise error("HEADER_TYPE", f"{where} must be an integer, got {json_type(value)}")
    return value


def check_keys(obj: dict[str, object], allowed: Collection[str], required: Collection[str], where: str) -> None:
    for key in obj:
        if key not in allowed:
            raise error("HEADER_UNKNOWN_KEY", f"{where} has an unknown key {show(key)}")
    for key in required:
        if key not in obj:
            raise error("HEADER_MISSING_KEY", f"{where} lacks the required key `{key}`")


def name_problem(name: str) -> str | None:
    """Why `name` is not a valid node or value name (the tensor-name rule of §7.2), or None."""
    size = len(name) if name.isascii() else len(name.encode("utf-8", "surrogatepass"))
    if size == 0 or size > MAX_NAME_BYTES:
        return f"is {size} bytes; names are 1 to {MAX_NAME_BYTES} bytes of UTF-8"
    if FORBIDDEN_IN_NAMES.search(name) is not None:
        return "contains a control character"
    return None


def canonical_order(keys: Iterable[str]) -> list[str]:
    """Keys in the order of the canonical form (§4.7): by UTF-16 code units, which is how error
    precedence among an object's members is defined."""
    return sorted(keys, key=lambda key: key.encode("utf-16-be", "surrogatepass"))
