"""Training state for PyTorch (SPEC.md §11): save an optimizer's exact state, restore it into a fresh one.

Resuming is exact: every number that enters the next update (moments, momentum buffers, step counts,
hyperparameters) is stored bit for bit, so N steps + save + load + M steps equals N + M steps on CPU.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import torch
from torch import nn

from ..container._reader import SafeOpen, safe_open
from ..format._errors import ToolError
from ..graph._training import OPTIMIZERS
from ._dtypes import to_numpy, to_torch
from ._state import load_state_from

# torch.optim class -> the type name of SPEC.md §11.2.
_TYPES: Final[Mapping[type[torch.optim.Optimizer], str]] = {
    torch.optim.SGD: "SGD",
    torch.optim.Adam: "Adam",
    torch.optim.AdamW: "AdamW",
}


class TrainingStateError(ToolError, ValueError):
    """The optimizer given does not match the training state in the file."""


@dataclass(frozen=True)
class TrainingProgress:
    epoch: int
    step: int


def _type_name(optimizer: torch.optim.Optimizer) -> str:
    name = _TYPES.get(type(optimizer))
    if name is None:
        supported = ", ".join(f"torch.optim.{cls.__name__}" for cls in _TYPES)
        raise TrainingStateError(f"optimizer {type(optimizer).__name__} is not supported; supported: {supported}")
    if name == "Adam" and optimizer.defaults.get("decoupled_weight_decay"):
        name = "AdamW"  # Adam(decoupled_weight_decay=True) is AdamW's algorithm
    return name


def _parameter_names(module: nn.Module) -> dict[int, str]:
    return {id(p): name for name, p in module.named_parameters()}


def _hyperparameters(name: str, group: Mapping[str, object]) -> dict[str, object]:
    values: dict[str, object] = {}
    for hyper in OPTIMIZERS[name].hyperparameters:
        value = group[hyper.name]
        if isinstance(value, torch.Tensor):
            raise TrainingStateError(f"hyperparameter `{hyper.name}` is a tensor; store it as a Python number")
        values[hyper.name] = list(value) if hyper.kind == "betas" else value  # type: ignore[call-overload]
    return values


def training_section(
    module: nn.Module,
    optimizer: torch.optim.Optimizer | None,
    *,
    epoch: int | None,
    step: int | None,
    taken: set[str],
) -> tuple[dict[str, object], dict[str, np.ndarray]]:
    """The `training` object and the optimizer slot tensors (role optimizer) for `module`."""
    training: dict[str, object] = {"epoch": int(epoch or 0), "step": int(step or 0)}
    slot_tensors: dict[str, np.ndarray] = {}
    if optimizer is None:
        return training, slot_tensors
    type_name = _type_name(optimizer)
    names = _parameter_names(module)
    groups: list[dict[str, object]] = []
    state: dict[str, object] = {}
    for index, group in enumerate(optimizer.param_groups):
        params: list[str] = []
        for parameter in group["params"]:
            name = names.get(id(parameter))
            if name is None:
                raise TrainingStateError(
                    f"optimizer group {index} holds a tensor that is not a parameter of the module"
                )
            params.append(name)
            entry = optimizer.state.get(parameter)
            if entry:
                state[name] = _state_entry(type_name, name, entry, slot_tensors, taken)
        groups.append({"hyperparameters": _hyperparameters(type_name, group), "parameters": params})
    training["optimizer"] = {"type": type_name, "groups": groups, "state": state}
    return training, slot_tensors


def _state_entry(
    type_name: str, name: str, entry: Mapping[str, object], slot_tensors: dict[str, np.ndarray], taken: set[str]
) -> dict[str, object]:
    result: dict[str, object] = {}
    slots: dict[str, str] = {}
    for key, value in entry.items():
        if key == "step":
            count = float(value.item() if isinstance(value, torch.Tensor) else value)  # type: ignore[arg-type]
            if not count.is_integer():
                raise TrainingStateError(f"optimizer step of `{name}` is {count}, not an integer")
            result["step"] = int(count)
            continue
        if value is None:
            continue  # e.g. SGD without momentum
        if key not in OPTIMIZERS[type_name].slots or not isinstance(value, torch.Tensor):
            raise TrainingStateError(f"optimizer state `{key}` of `{name}` is not part of {type_name}'s state")
        tensor_name = f"optimizer.{name}.{key}"
        if tensor_name in taken:
            raise TrainingStateError(f"tensor name `{tensor_name}` for optimizer state is already used")
        slot_tensors[tensor_name] = to_numpy(value)
        slots[key] = tensor_name
    result["slots"] = slots
    return result


def load_checkpoint(
    path: str | os.PathLike[str],
    module: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    strict: bool = True,
) -> TrainingProgress:
    """Load the module's state and, with `optimizer` (built for this module, same type), its exact state.
    Returns the epoch and step stored in the file."""
    with safe_open(path) as handle:
        load_state_from(handle, module, strict=strict)
        training = handle.header.training_state  # validated when the file was opened
        if training is None:
            raise TrainingStateError(f"{os.fspath(path)} has no training state")
        if optimizer is not None:
            if training.optimizer is None:
                raise TrainingStateError(f"{os.fspath(path)} has no optimizer state")
            _restore_optimizer(training.optimizer, module, optimizer, handle)
    return TrainingProgress(training.epoch, training.step)


def _restore_optimizer(
    saved: Mapping[str, object], module: nn.Module, optimizer: torch.optim.Optimizer, handle: SafeOpen
) -> None:
    type_name = _type_name(optimizer)
    if saved["type"] != type_name:
        raise TrainingStateError(f"the file holds {saved['type']} state; the optimizer given is {type_name}")
    groups = saved["groups"]
    state = saved["state"]
    assert isinstance(groups, list) and isinstance(state, dict)
    if len(groups) != len(optimizer.param_groups):
        raise TrainingStateError(
            f"the file has {len(groups)} parameter groups; the optimizer has {len(optimizer.param_groups)}"
        )
    names = _parameter_names(module)
    template = optimizer.state_dict()  # keeps implementation flags (foreach, fused, ...) of this optimizer
    new_state: dict[int, dict[str, object]] = {}
    index = 0
    for group_index, (group, saved_group, current) in enumerate(
        zip(template["param_groups"], groups, optimizer.param_groups, strict=True)
    ):
        expected = [names.get(id(p), "?") for p in current["params"]]
        if expected != saved_group["parameters"]:
            raise TrainingStateError(
                f"group {group_index}: the file lists parameters {saved_group['parameters']}, the optimizer holds "
                f"{expected}"
            )
        for key, value in saved_group["hyperparameters"].items():
            group[key] = tuple(value) if isinstance(value, list) else value
        for name in expected:
            entry = state.get(name)
            if entry is not None:
                new_state[index] = _torch_state(entry, handle)
            index += 1
    optimizer.load_state_dict({"state": new_state, "param_groups": template["param_groups"]})


def _torch_state(entry: Mapping[str, object], handle: SafeOpen) -> dict[str, object]:
    result: dict[str, object] = {}
    if "step" in entry:
        scalar = torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32
        result["step"] = torch.tensor(float(entry["step"]), dtype=scalar)  # type: ignore[arg-type]
    slots = entry["slots"]
    assert isinstance(slots, dict)
    for slot, tensor_name in slots.items():
        info = handle.tensor_info(tensor_name)
        result[slot] = to_torch(handle.get_tensor(tensor_name), info.dtype)
    return result
