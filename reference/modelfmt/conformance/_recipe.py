"""Recipes: the deterministic description of a vector too large to keep in the repository.

A recipe is a list of parts whose bytes are concatenated (conformance/README.md, "Recipes"):

- `{"hex": H, "repeat": N}`: the bytes of the hexadecimal string H, N times (N defaults to 1);
- `{"text": T, "repeat": N}`: the UTF-8 bytes of T, N times;
- `{"template": T, "count": N, "width": W, "separator": S}`: for i = 0 .. N-1, T with every `{i}` replaced
  by the decimal digits of i, left-padded with zeros to W digits (default 0), joined by S (default empty);
  UTF-8.

The manifest pins the SHA-256 and size of the result, so a runner in any language can materialise a
recipe and prove it built the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final, cast

# Bytes handed to the file at a time: the largest vector is 64 MiB, built in pieces of this size.
_FLUSH_BYTES: Final = 1 << 20


class RecipeError(ValueError):
    """A recipe is malformed or does not produce the bytes its manifest entry pins."""


def _part_chunks(part: Mapping[str, object]) -> Iterator[bytes]:
    if "template" in part:
        template = cast(str, part["template"])
        count = cast(int, part["count"])
        width = cast(int, part.get("width", 0))
        separator = cast(str, part.get("separator", ""))
        pieces = template.split("{i}")
        step = 4096  # items per chunk: long enough to be quick, short enough to stay small
        for first in range(0, count, step):
            items = [str(index).zfill(width).join(pieces) for index in range(first, min(first + step, count))]
            yield ((separator if first else "") + separator.join(items)).encode("utf-8")
        return
    if "hex" in part:
        unit = bytes.fromhex(cast(str, part["hex"]))
    elif "text" in part:
        unit = cast(str, part["text"]).encode("utf-8")
    else:
        raise RecipeError(f"unknown recipe part {sorted(part)}")
    repeat = cast(int, part.get("repeat", 1))
    if not unit:
        return
    per_chunk = max(1, _FLUSH_BYTES // len(unit))
    while repeat > 0:
        take = min(per_chunk, repeat)
        yield unit * take
        repeat -= take


def chunks(recipe: Mapping[str, object]) -> Iterator[bytes]:
    """The recipe's bytes, in pieces of about a mebibyte."""
    parts = recipe.get("parts")
    if not isinstance(parts, list):
        raise RecipeError("a recipe has a `parts` array")
    for part in cast(Sequence[Mapping[str, object]], parts):
        yield from _part_chunks(part)


def build(recipe: Mapping[str, object]) -> bytes:
    return b"".join(chunks(recipe))


def materialise(recipe: Mapping[str, object], destination: Path, *, sha256: str, size: int) -> Path:
    """Write the recipe's bytes to `destination`, checking them against the pinned digest and size."""
    digest = hashlib.sha256()
    written = 0
    with open(destination, "wb") as stream:
        for chunk in chunks(recipe):
            digest.update(chunk)
            stream.write(chunk)
            written += len(chunk)
    if written != size or digest.hexdigest() != sha256:
        raise RecipeError(
            f"recipe built {written} bytes with SHA-256 {digest.hexdigest()}, the manifest pins {size} bytes "
            f"with {sha256}"
        )
    return destination
