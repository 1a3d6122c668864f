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
from ..graph._state_values import StateEncoder, parse_float, parse_int
from ._dtypes import to_numpy


class TrainingStateError(ToolError, ValueError):
    """The objects given do not match the training state in the file, or hold what a file cannot store."""


@dataclass
class Encoder:
    """Encodes values into state values; tensors met on the way (torch tensors, numpy arrays) are
    collected for the tensor table, named `<prefix>.<n>`."""

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

        def tensor(item: object, at: str) -> str | None:
            if isinstance(item, torch.Tensor):
                return self.add_tensor(self.tensor_name(prefix), to_numpy(item.detach().cpu()))
            if isinstance(item, np.ndarray):
                return self.add_tensor(self.tensor_name(prefix), np.ascontiguousarray(item))
            return None

        return StateEncoder(tensor, TrainingStateError).encode(value, where)


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
