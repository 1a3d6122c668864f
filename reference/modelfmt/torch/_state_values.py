"""Python and PyTorch objects to state values (SPEC.md §11.10) and back, exactly.

Only data crosses: None, bool, int, float, str, list, tuple, dict (and Counter, as a dict), torch tensors
and numpy arrays (as tensors of role `other`). Anything else, a callable above all, is refused by its
path in the object, never pickled.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from ..format._errors import ToolError
from ..graph._state_values import parse_float, parse_int
from ._dtypes import to_numpy


class TrainingStateError(ToolError, ValueError):
    """The objects given do not match the training state in the file, or hold what a file cannot store."""


@dataclass
class Encoder:
    """Encodes values into state values; tensors met on the way are collected for the tensor table."""

    taken: set[str]
    tensors: dict[str, np.ndarray] = field(default_factory=dict)

    def tensor_name(self, prefix: str) -> str:
        index = 0
        while f"{prefix}.{index}" in self.taken or f"{prefix}.{index}" in self.tensors:
            index += 1
        return f"{prefix}.{index}"

    def add_tensor(self, name: str, array: np.ndarray) -> str:
        if name in self.taken or name in self.tensors:
            raise TrainingStateError(f"tensor name `{name}` for training state is already used")
        self.tensors[name] = array
        return name

    def encode(self, value: object, where: str, prefix: str) -> dict[str, object]:
        """The state value of `value`; `where` names it in errors, `prefix` names its tensors."""
        if value is None:
            return {"none": None}
        if isinstance(value, bool | np.bool_):
            return {"bool": bool(value)}
        if isinstance(value, int | np.integer):
            return {"int": str(int(value))}
        if isinstance(value, float | np.floating):
            # repr is the shortest string that round-trips, and it is in JSON's number grammar
            # (or inf, -inf, nan); -0.0 keeps its sign.
            return {"float": repr(float(value))}
        if isinstance(value, str):
            return {"str": value}
        if isinstance(value, torch.Tensor | np.ndarray):
            array = to_numpy(value.detach().cpu()) if isinstance(value, torch.Tensor) else np.ascontiguousarray(value)
            return {"tensor": self.add_tensor(self.tensor_name(prefix), array)}
        if isinstance(value, list | tuple):
            items = [self.encode(item, f"{where}[{index}]", prefix) for index, item in enumerate(value)]
            return {"list" if isinstance(value, list) else "tuple": items}
        if isinstance(value, dict):  # Counter too: restored as a Counter where PyTorch needs one
            pairs: list[object] = []
            for key, item in value.items():
                if not isinstance(key, None | bool | int | float | str):
                    raise TrainingStateError(f"{where} has a key of type {type(key).__name__}; keys are data")
                pairs.append([self.encode(key, where, prefix), self.encode(item, f"{where}[{key!r}]", prefix)])
            return {"dict": pairs}
        kind = "a callable" if callable(value) else f"a {type(value).__module__}.{type(value).__qualname__}"
        raise TrainingStateError(
            f"{where} is {kind}, which a file cannot store: modelfmt stores data (numbers, strings, lists, "
            "dicts, tensors), never code or objects; rebuild it in code when resuming"
        )


def decode(value: object, tensor: Callable[[str], torch.Tensor]) -> object:
    """The object a (validated) state value stands for; `tensor(name)` reads a tensor of the file."""
    assert isinstance(value, dict)
    ((tag, payload),) = value.items()
    if tag == "int":
        return parse_int(payload, "state value")
    if tag == "float":
        return parse_float(payload, "state value")
    if tag in ("list", "tuple"):
        items = [decode(item, tensor) for item in payload]
        return items if tag == "list" else tuple(items)
    if tag == "dict":
        return {decode(key, tensor): decode(item, tensor) for key, item in payload}
    if tag == "tensor":
        return tensor(payload)
    return payload  # none, bool, str


def as_counter(value: object) -> Counter[object]:
    assert isinstance(value, dict)
    return Counter(value)
