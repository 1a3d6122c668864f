"""The object tree of a loaded PyTorch checkpoint, flattened into named tensors and plain values.

A checkpoint is a tree of dicts, lists and tuples. Tensors become modelfmt tensors named by their path
joined with dots (`model.encoder.weight`, `optimizer.state.0.exp_avg`); subtrees that hold no tensor
and only JSON values (numbers, strings, booleans, None) are kept as plain values under their path;
anything else is refused with the key that holds it.

The pickle may describe a graph rather than a tree: one container under several keys (40 shared
levels are 2^40 paths in a 2 KB file), a container inside itself, nesting thousands deep. So the walk
is bounded: whether a container holds a tensor is decided once per container (by identity), a
container met again on its own path is a cycle and refused, and every visit, repeated visits
included, counts against the node and depth limits of `WalkBudget`.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Iterator
from typing import Final

import torch

from ._errors import STRUCTURE, ConversionError
from ._walk import WalkBudget

_JSON_SAFE_INTEGER: Final = 2**53 - 1
_SHOWN_CHARS: Final = 80
Path = tuple[str, ...]


def flatten(
    loaded: object, where: str, *, json_values: bool = True
) -> tuple[dict[str, torch.Tensor], dict[str, object]]:
    """(tensors by dotted name, plain values by dotted name) of a loaded checkpoint. Without
    `json_values`, plain values are returned as loaded (after the bounded walk), not as JSON."""
    walk = _Walk(where, json_values=json_values)
    walk.flatten(loaded, ())
    return walk.tensors, walk.values


def key(path: Path) -> str:
    return ".".join(path) if path else "(the whole checkpoint)"


def _children(value: dict[object, object] | list[object] | tuple[object, ...]) -> Iterator[tuple[object, object]]:
    return iter(value.items()) if isinstance(value, dict) else iter(enumerate(value))


def _shown(value: object) -> str:
    """`repr(value)` for a message, bounded: a key or value from the file may be megabytes long."""
    if isinstance(value, str | bytes | bytearray) and len(value) > _SHOWN_CHARS:
        return reprlib.repr(value[:_SHOWN_CHARS]) + "..."
    return reprlib.repr(value)


def _segment(child_key: object) -> str | None:
    """A str or int key as a segment of a dotted name; None for any other key."""
    if isinstance(child_key, bool) or not isinstance(child_key, str | int):
        return None
    return str(child_key)


class _Walk:
    def __init__(self, where: str, *, json_values: bool) -> None:
        self.where = where
        self.json_values = json_values
        self.budget = WalkBudget(where, separator=".")
        self.tensors: dict[str, torch.Tensor] = {}
        self.values: dict[str, object] = {}
        self._holds_tensor: dict[int, bool] = {}  # container id -> whether a tensor is inside it
        self._on_path: set[int] = set()  # ids of the containers being walked: meeting one again is a cycle

    def flatten(self, value: object, path: Path) -> None:
        self.budget.step(path)
        if isinstance(value, torch.Tensor):
            name = key(path) if path else "tensor"
            if name in self.tensors:
                raise ConversionError(f"{self.where}: two tensors flatten to the name `{name}`")
            self.tensors[name] = value
            return
        if not self._holds(value, path):
            if not path:
                raise ConversionError(f"{self.where}: the checkpoint holds no tensors")
            self.values[key(path)] = self._json_value(value, path) if self.json_values else value
            return
        assert isinstance(value, dict | list | tuple)
        self._enter(value, path)
        for child_key, item in _children(value):
            segment = _segment(child_key)
            if segment is None:
                raise ConversionError(
                    f"{self.where}: key {_shown(child_key)} under `{key(path)}` is a {type(child_key).__name__}; "
                    "only str and int keys become tensor names"
                )
            self.flatten(item, (*path, segment))
        self._on_path.discard(id(value))

    def _holds(self, value: object, path: Path) -> bool:
        """Whether `value` holds a tensor; decided once per container."""
        if isinstance(value, torch.Tensor):
            return True
        if not isinstance(value, dict | list | tuple):
            return False
        known = self._holds_tensor.get(id(value))
        if known is not None:
            return known
        self.budget.step(path)
        self._enter(value, path)
        found = any(
            self._holds(item, (*path, _segment(child_key) or _shown(child_key))) for child_key, item in _children(value)
        )
        self._on_path.discard(id(value))
        self._holds_tensor[id(value)] = found
        return found

    def _enter(self, value: object, path: Path) -> None:
        if id(value) in self._on_path:
            raise ConversionError(
                f"{self.where}: `{key(path)}` contains itself (a reference cycle); a checkpoint is a tree",
                code=STRUCTURE,
            )
        self._on_path.add(id(value))

    def _json_value(self, value: object, path: Path) -> object:
        """A tensor-free subtree as JSON, or ConversionError naming the key of the first value JSON cannot hold.

        `_holds` has walked the subtree completely (it found no tensor), so it holds no cycle."""
        self.budget.step(path)
        where = self.where
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int):
            if abs(value) > _JSON_SAFE_INTEGER:
                raise ConversionError(
                    f"{where}: `{key(path)}` = {_shown(value)} is beyond the exact integers of JSON (2^53-1)"
                )
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ConversionError(f"{where}: `{key(path)}` = {value}: JSON metadata cannot hold NaN or infinity")
            if _JSON_SAFE_INTEGER < abs(value) < 1e21:  # canonical form would write integer digits (SPEC.md §4.7)
                raise ConversionError(
                    f"{where}: `{key(path)}` = {value!r}: a float between 2^53 and 1e21 cannot be stored in a "
                    "modelfmt header"
                )
            return value
        if isinstance(value, list | tuple):
            return [self._json_value(item, (*path, str(index))) for index, item in enumerate(value)]
        if isinstance(value, dict):
            result: dict[str, object] = {}
            for item_key, item in value.items():
                segment = _segment(item_key)
                if segment is None:
                    raise ConversionError(f"{where}: key {_shown(item_key)} under `{key(path)}` is not a str or int")
                result[segment] = self._json_value(item, (*path, segment))
            return result
        raise ConversionError(
            f"{where}: `{key(path)}` is a {type(value).__module__}.{type(value).__qualname__}, which modelfmt "
            "cannot store (tensors become tensors; numbers, strings and lists of them become metadata)"
        )
