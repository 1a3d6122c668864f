"""Vectors of SPEC.md §17.19: headers whose parsed values cost many times their text, and limits a reader
may meet while it parses but must still report in the order of §13.1.

A reader that bounds its memory (§17.19) checks limits early and walks containers with bounded state. These
vectors catch the shortcuts that makes tempting: checking the depth of the first of many containers only,
or reporting a phase 3 limit (the metadata size, the tensor count) as soon as it is passed although a
phase 2 defect follows later in the header.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .limits import recipe_file
from .model import Vector, invalid, valid

TAGS = ("pitfall:17.19",)
CHAIN = 61  # root (1), `extensions` (2), its array (3): a chain of 61 arrays reaches depth 64 exactly

Part = dict[str, Any]


def _extension(items: list[Part]) -> dict[str, object]:
    return recipe_file(
        [{"text": '{"extensions":{"org.example.memory":['}, *items, {"text": ']},"metadata":{},"tensors":[]}'}]
    )


def _chains(count: int, depth: int = CHAIN) -> Part:
    return {"template": "[" * depth + "]" * depth, "count": count, "separator": ","}


def _many_keys(last: str) -> dict[str, object]:
    # 100000 members of 12 bytes: 1.2 MB in canonical form, above the 1 MiB limit before `last`.
    keys: Part = {"template": '"k{i}":0', "count": 100_000, "width": 6, "separator": ","}
    return recipe_file([{"text": '{"metadata":{'}, keys, {"text": last + '},"tensors":[]}'}])


def _built(vector: Vector, recipe: dict[str, object]) -> Vector:
    """`vector` with its file built from `recipe` (conformance/README.md): files over 64 KiB are not kept."""
    return dataclasses.replace(vector, content=None, recipe=recipe)


def vectors() -> list[Vector]:
    floats = _extension([{"template": "1e1", "count": 1_000_000, "separator": ","}])
    count_then_nan = recipe_file(
        [
            {"text": '{"metadata":{},"tensors":['},
            {"template": "0", "count": 262_145, "separator": ","},
            {"text": ",NaN]}"},
        ]
    )
    return [
        _built(
            valid(
                "valid.memory.many-short-floats",
                b"",
                "a million floats written 1e1 in `extensions`: 4 MB of text whose parsed values take several "
                "times as much",
                ("4.6", "8.3", "17.19"),
                tags=TAGS,
            ),
            floats,
        ),
        _built(
            valid(
                "valid.memory.nesting-at-depth-limit-repeated",
                b"",
                "20000 chains of arrays in `extensions`, each reaching depth 64, the limit",
                ("4.5", "8.3", "17.19"),
                tags=TAGS,
            ),
            _extension([_chains(20_000)]),
        ),
        _built(
            invalid(
                "invalid.memory.nesting-over-limit-in-last-of-many",
                b"",
                "HEADER_DEPTH",
                "19999 chains of arrays reaching depth 64, then one reaching 65: every container is checked",
                ("4.5", "8.3", "17.19"),
                tags=TAGS,
            ),
            _extension([_chains(19_999), {"text": ","}, _chains(1, CHAIN + 1)]),
        ),
        _built(
            invalid(
                "invalid.memory.metadata-many-keys-too-large",
                b"",
                "METADATA_TOO_LARGE",
                "metadata of 100000 keys, 1.2 MB in canonical form",
                ("8.1", "17.19"),
                tags=TAGS,
            ),
            _many_keys(""),
        ),
        _built(
            invalid(
                "invalid.memory.metadata-too-large-then-duplicate-key",
                b"",
                "HEADER_DUPLICATE_KEY",
                "metadata past the size limit, then a key already used: the duplicate (phase 2) comes before "
                "the size (phase 3), wherever a parser meets the limit",
                ("4.3", "8.1", "13.1", "17.19"),
                tags=TAGS,
            ),
            _many_keys(',"k000000":1'),
        ),
        _built(
            invalid(
                "invalid.memory.tensor-count-over-then-nan",
                b"",
                "HEADER_NUMBER",
                "262145 tensor entries written 0, then NaN: a phase 2 defect after the count limit is passed "
                "comes before TENSOR_COUNT",
                ("4.4", "7.1", "13.1", "17.19"),
                tags=TAGS,
            ),
            count_then_nan,
        ),
    ]
