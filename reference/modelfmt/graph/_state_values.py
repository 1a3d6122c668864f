"""State values (SPEC.md §11.10): typed JSON for training state that is not an optimizer's.

A state value is an object with exactly one key, its tag, so that every value comes back with its type:
an integer of any size, a binary64 (infinities, NaN and -0 included) as a decimal string, a string, a list
or a tuple, a mapping with typed keys, or a reference to a tensor of role `other` (RNG bytes, user
tensors). Nothing in a state value names code: it restores data, never a callable.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np

from ..format._errors import error
from ..format._json import json_type, show

TAGS: Final = ("none", "bool", "int", "float", "str", "list", "tuple", "dict", "tensor")
KEY_TAGS: Final = frozenset({"none", "bool", "int", "float", "str"})
# An int's decimal digits: 4300 is Python's default limit for str <-> int conversion, which stays linear.
MAX_INT_DIGITS: Final = 4300
INT_TEXT: Final = re.compile(r"-?(?:0|[1-9][0-9]*)")
# JSON's number grammar (§4.2), or a non-finite value's name.
FLOAT_TEXT: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
NON_FINITE: Final = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
MAX_FLOAT_CHARS: Final = 32  # the shortest round-trip form of any binary64 is 24 characters at most
STATE_ROLE: Final = "other"  # the role of a tensor a state value refers to (§7.7: "anything else")
TensorCheck = Callable[[object, str], None]


def _fail(where: str, message: str) -> Exception:
    return error("TRAINING_VALUE", f"{where}: {message}")


def parse_float(text: str, where: str) -> float:
    """The binary64 a `float` tag's string denotes (round to nearest, ties to even)."""
    if text in NON_FINITE:
        return NON_FINITE[text]
    if len(text) > MAX_FLOAT_CHARS or FLOAT_TEXT.fullmatch(text) is None:
        raise _fail(where, f"`float` must be a JSON number or inf, -inf, nan as a string, got {show(text)}")
    value = float(text)
    if math.isinf(value):
        raise _fail(where, f'{show(text)} does not round to a finite binary64 (write "inf")')
    return value


def parse_int(text: str, where: str) -> int:
    if len(text) - text.startswith("-") > MAX_INT_DIGITS or INT_TEXT.fullmatch(text) is None:
        raise _fail(
            where, f"`int` must be a decimal integer string of at most {MAX_INT_DIGITS} digits, got {show(text)}"
        )
    return int(text)


def key_identity(tag: str, payload: object, where: str) -> tuple[str, object]:
    """What makes two keys of a `dict` the same: tag and value (a float by its bits)."""
    if tag == "int":
        assert isinstance(payload, str)
        return tag, parse_int(payload, where)
    if tag == "float":
        assert isinstance(payload, str)
        return tag, struct.pack("<d", parse_float(payload, where))
    return tag, payload


def validate_value(value: object, where: str, check_tensor: TensorCheck, *, newer: bool = False) -> None:
    """§11.10 for one state value (recursively); `check_tensor(name, where)` judges a `tensor` tag's name.
    `newer`: the file is of a newer minor than this reader, whose unknown tag is UNSUPPORTED_VERSION (§15.4).

    The header's nesting limit (§4.5) bounds the recursion."""
    if type(value) is not dict or len(value) != 1:
        raise _fail(where, f"a state value is an object with exactly one key, got {json_type(value)}")
    ((tag, payload),) = value.items()
    if tag not in TAGS:
        message = f"unknown tag {show(tag)}; tags are {', '.join(TAGS)}"
        if newer:
            raise error("UNSUPPORTED_VERSION", f"{where}: {message}", hint="a newer modelfmt release may read it")
        raise _fail(where, message)
    expected = _PAYLOAD_TYPES[tag]
    if type(payload) not in expected[0]:
        raise _fail(where, f"`{tag}` holds {expected[1]}, got {json_type(payload)}")
    if tag == "int":
        parse_int(payload, where)
    elif tag == "float":
        parse_float(payload, where)
    elif tag in ("list", "tuple"):
        for index, item in enumerate(payload):
            validate_value(item, f"{where}[{index}]", check_tensor, newer=newer)
    elif tag == "dict":
        _validate_dict(payload, where, check_tensor, newer)
    elif tag == "tensor":
        check_tensor(payload, where)


def _validate_dict(pairs: list[object], where: str, check_tensor: TensorCheck, newer: bool) -> None:
    seen: set[tuple[str, object]] = set()
    for index, pair in enumerate(pairs):
        at = f"{where} entry {index}"
        if type(pair) is not list or len(pair) != 2:
            raise _fail(at, f"a `dict` entry is an array [key, value], got {json_type(pair)}")
        key, item = pair
        validate_value(key, f"{at} key", check_tensor, newer=newer)
        assert isinstance(key, dict)
        ((tag, payload),) = key.items()
        if tag not in KEY_TAGS:
            raise _fail(at, f"a key is none, bool, int, float or str, got `{tag}`")
        identity = key_identity(tag, payload, at)
        if identity in seen:
            raise _fail(at, "the key is already in this `dict`")
        seen.add(identity)
        validate_value(item, f"{at} value", check_tensor, newer=newer)


_PAYLOAD_TYPES: Final[Mapping[str, tuple[tuple[type, ...], str]]] = {
    "none": ((type(None),), "null"),
    "bool": ((bool,), "a boolean"),
    "int": ((str,), "a string"),
    "float": ((str,), "a string"),
    "str": ((str,), "a string"),
    "list": ((list,), "an array"),
    "tuple": ((list,), "an array"),
    "dict": ((list,), "an array of [key, value] pairs"),
    "tensor": ((str,), "a tensor name"),
}


@dataclass(frozen=True)
class StateEncoder:
    """Python data to state values, exactly: None, bool, int, float, str, list, tuple, dict (a Counter too)
    and numpy scalars; `tensor(value, where)` stores an array-like value and returns its tensor name (None:
    not a tensor). Anything else, a callable above all, is refused with `refuse(message)`, by its path:
    a file stores data, never code."""

    tensor: Callable[[object, str], str | None]
    refuse: Callable[[str], Exception]

    def encode(self, value: object, where: str) -> dict[str, object]:
        if value is None:
            return {"none": None}
        if isinstance(value, bool | np.bool_):
            return {"bool": bool(value)}
        if isinstance(value, int | np.integer):
            return {"int": str(int(value))}
        if isinstance(value, float | np.floating):
            # repr is the shortest string that round-trips, in JSON's number grammar (or inf, -inf, nan);
            # -0.0 keeps its sign.
            return {"float": repr(float(value))}
        if isinstance(value, str):
            return {"str": value}
        name = self.tensor(value, where)
        if name is not None:
            return {"tensor": name}
        if isinstance(value, list | tuple):
            items = [self.encode(item, f"{where}[{index}]") for index, item in enumerate(value)]
            return {"list" if isinstance(value, list) else "tuple": items}
        if isinstance(value, dict):
            pairs: list[object] = []
            for key, item in value.items():
                if not isinstance(key, None | bool | int | float | str):
                    raise self.refuse(f"{where} has a key of type {type(key).__name__}; keys are data")
                pairs.append([self.encode(key, where), self.encode(item, f"{where}[{key!r}]")])
            return {"dict": pairs}
        kind = "a callable" if callable(value) else f"a {type(value).__module__}.{type(value).__qualname__}"
        raise self.refuse(
            f"{where} is {kind}, which a file cannot store: modelfmt stores data (numbers, strings, lists, "
            "dicts, tensors), never code or objects; rebuild it in code when resuming"
        )
