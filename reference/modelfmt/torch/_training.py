"""Training state for PyTorch (SPEC.md §11): save an optimizer's exact state, restore it into a fresh one.

Resuming is exact: every number that enters the next update (moments, momentum buffers, step counts,
per-parameter scalars such as NAdam's `mu_product`, hyperparameters) is stored bit for bit, so N steps +
save + load + M steps equals N + M steps on CPU. The scheduler, GradScaler, RNG and data-loader state
are `_resume.py`'s.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import torch
from torch import nn

from ..container._reader import SafeOpen, safe_open
from ..graph._optimizers import OPTIMIZERS
from ._dtypes import to_numpy, to_torch
from ._names import file_parameters
from ._resume import (
    DataPosition,
    Scheduler,
    restore_data,
    restore_rng,
    restore_scaler,
    restore_scheduler,
    resume_sections,
)
from ._state import load_state_from
from ._state_values import Encoder, TrainingStateError, decode

# torch.optim class -> the type name of SPEC.md §11.2 (every optimizer of torch 2.13).
_TYPES: Final[Mapping[type[torch.optim.Optimizer], str]] = {
    torch.optim.SGD: "SGD",
    torch.optim.Adam: "Adam",
    torch.optim.AdamW: "AdamW",
    torch.optim.RMSprop: "RMSprop",
    torch.optim.Adagrad: "Adagrad",
    torch.optim.Adamax: "Adamax",
    torch.optim.NAdam: "NAdam",
    torch.optim.RAdam: "RAdam",
    torch.optim.Adadelta: "Adadelta",
    torch.optim.Rprop: "Rprop",
    torch.optim.ASGD: "ASGD",
    torch.optim.SparseAdam: "SparseAdam",
    torch.optim.Adafactor: "Adafactor",
    torch.optim.Muon: "Muon",
    torch.optim.LBFGS: "LBFGS",
}
# PyTorch keeps SparseAdam's step as a Python int, the others' as a 0-d tensor.
_INT_STEP: Final = frozenset({"SparseAdam"})
_NOTHING: Final = object()

__all__ = ["DataPosition", "TrainingProgress", "TrainingStateError", "load_checkpoint", "training_section"]


@dataclass(frozen=True)
class TrainingProgress:
    """What `load_checkpoint` returns besides what it restores in place: the counters, the data-loader
    position (`batch`, None when not stored) and the user's `extra` state (None when not stored)."""

    epoch: int
    step: int
    batch: int | None = None
    extra: object = None
    # Every key of SPEC.md §11.9 the file holds, decoded (tensors as torch tensors), whether or not an
    # object was given to restore it into: {"scheduler": {"type": ..., "state": {...}}, "scaler": {...},
    # "rng": {"torch": ..., "numpy": ..., "python": ...}, "data": {"batch": ..., "generator": ...}, "extra": ...}
    state: Mapping[str, object] = field(default_factory=dict)


def _type_name(optimizer: torch.optim.Optimizer) -> str:
    name = _TYPES.get(type(optimizer))
    if name is None:
        supported = ", ".join(f"torch.optim.{cls.__name__}" for cls in _TYPES)
        raise TrainingStateError(f"optimizer {type(optimizer).__name__} is not supported; supported: {supported}")
    if name == "Adam" and optimizer.defaults.get("decoupled_weight_decay"):
        name = "AdamW"  # Adam(decoupled_weight_decay=True) is AdamW's algorithm
    return name


def _parameter_names(module: nn.Module) -> dict[int, str]:
    return {id(p): name for name, p in file_parameters(module).items()}


def _hyperparameters(name: str, group: Mapping[str, object]) -> dict[str, object]:
    values: dict[str, object] = {}
    for hyper in OPTIMIZERS[name].hyperparameters:
        value = group[hyper.name]
        if isinstance(value, torch.Tensor):
            raise TrainingStateError(f"hyperparameter `{hyper.name}` is a tensor; store it as a Python number")
        values[hyper.name] = list(value) if isinstance(value, tuple) else value
    return values


def training_section(
    module: nn.Module,
    optimizer: torch.optim.Optimizer | None,
    *,
    epoch: int | None,
    step: int | None,
    taken: set[str],
    scheduler: Scheduler | None = None,
    scaler: torch.amp.GradScaler | None = None,
    rng: bool = False,
    data: DataPosition | None = None,
    extra: object = _NOTHING,
) -> tuple[dict[str, object], dict[str, np.ndarray], dict[str, str]]:
    """The `training` object, and its tensors with their roles (optimizer slots; `other` for the rest)."""
    training: dict[str, object] = {"epoch": int(epoch or 0), "step": int(step or 0)}
    slot_tensors: dict[str, np.ndarray] = {}
    if optimizer is not None:
        training["optimizer"] = _optimizer_section(module, optimizer, slot_tensors, taken)
    encoder = Encoder(taken | set(slot_tensors))
    training.update(
        resume_sections(
            encoder,
            scheduler=scheduler,
            scaler=scaler,
            rng=rng,
            data=data,
            extra=extra,
            has_extra=extra is not _NOTHING,
        )
    )
    roles = {name: "optimizer" for name in slot_tensors} | {name: "other" for name in encoder.tensors}
    return training, slot_tensors | encoder.tensors, roles


def _optimizer_section(
    module: nn.Module, optimizer: torch.optim.Optimizer, slot_tensors: dict[str, np.ndarray], taken: set[str]
) -> dict[str, object]:
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
            if entry and not OPTIMIZERS[type_name].shared:
                state[name] = _state_entry(type_name, name, entry, slot_tensors, taken)
        groups.append({"hyperparameters": _hyperparameters(type_name, group), "parameters": params})
    section: dict[str, object] = {"type": type_name, "groups": groups, "state": state}
    if OPTIMIZERS[type_name].shared:
        shared = _shared_state(optimizer)
        if shared:  # LBFGS keeps its whole state under its first parameter
            encoder = Encoder(taken | set(slot_tensors))
            section["shared"] = encoder.encode(shared, f"the {type_name} state", "optimizer.shared")
            slot_tensors.update(encoder.tensors)  # optimizer state: role optimizer
    return section


def _shared_state(optimizer: torch.optim.Optimizer) -> dict[str, object]:
    """The optimizer-wide state of a type whose state is not per parameter (LBFGS: under its first one)."""
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    return dict(optimizer.state.get(parameters[0], {})) if parameters else {}


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
    scheduler: Scheduler | None = None,
    scaler: torch.amp.GradScaler | None = None,
    rng: bool = False,
    data_generator: torch.Generator | None = None,
    strict: bool = True,
) -> TrainingProgress:
    """Load the module's state and, for each object given (built for this module, of the file's types),
    its exact state: `optimizer`, `scheduler`, `scaler`; with `rng`, the torch, numpy and Python global
    generators; `data_generator` gets the data loader's sampler generator. Returns the counters, the
    data position and the user's `extra` state."""
    with safe_open(path) as handle:
        load_state_from(handle, module, strict=strict)
        state = handle.header.training_state  # validated when the file was opened
        training = handle.header.training
        if state is None or training is None:
            raise TrainingStateError(f"{os.fspath(path)} has no training state")

        def tensor(name: str) -> torch.Tensor:
            return to_torch(handle.get_tensor(name), handle.tensor_info(name).dtype)

        if optimizer is not None:
            if state.optimizer is None:
                raise TrainingStateError(f"{os.fspath(path)} has no optimizer state")
            _restore_optimizer(state.optimizer, module, optimizer, handle)
        if scheduler is not None:
            restore_scheduler(training.get("scheduler"), scheduler, tensor)
        if scaler is not None:
            restore_scaler(training.get("scaler"), scaler, tensor)
        if rng:
            restore_rng(training.get("rng"), tensor)
        batch = restore_data(training.get("data"), data_generator, tensor)
        decoded = _decoded(training, tensor)
    return TrainingProgress(state.epoch, state.step, batch, decoded.get("extra"), decoded)


def _decoded(training: Mapping[str, object], tensor: Callable[[str], torch.Tensor]) -> dict[str, object]:
    """The keys of §11.9 as Python objects: state values decoded, tensor names read."""
    result: dict[str, object] = {}
    for key in ("scheduler", "scaler", "rng", "data", "extra"):
        if key not in training:
            continue
        value = training[key]
        if key in ("scaler", "extra"):
            result[key] = decode(value, tensor)
            continue
        assert isinstance(value, dict)
        result[key] = {
            part: tensor(item)
            if part in ("torch", "generator")
            else item
            if part in ("type", "batch")
            else decode(item, tensor)
            for part, item in value.items()
        }
    return result


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
    exact: dict[int, dict[str, torch.Tensor]] = {}
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
                new_state[index] = _torch_state(type_name, entry, handle)
                exact[index] = {k: v for k, v in new_state[index].items() if isinstance(v, torch.Tensor)}
            index += 1
    optimizer.load_state_dict({"state": new_state, "param_groups": template["param_groups"]})
    if "shared" in saved:  # LBFGS: its whole state, under its first parameter, exactly as decoded
        shared = decode(saved["shared"], lambda name: to_torch(handle.get_tensor(name), handle.tensor_info(name).dtype))
        first = optimizer.param_groups[0]["params"][0]
        assert isinstance(shared, dict)
        optimizer.state[first] = shared
    # load_state_dict casts state tensors to their parameter's dtype; a scalar slot (NAdam's
    # `mu_product`, ASGD's `eta`, `mu`) and `step` keep the dtype they were stored with, bit for bit.
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    for position, tensors in exact.items():
        for key, value in tensors.items():
            if value.dim() == 0:
                optimizer.state[parameters[position]][key] = value


def _torch_state(type_name: str, entry: Mapping[str, object], handle: SafeOpen) -> dict[str, object]:
    result: dict[str, object] = {}
    if "step" in entry:
        step = entry["step"]
        assert isinstance(step, int)
        if type_name in _INT_STEP:
            result["step"] = step
        else:
            scalar = torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32
            result["step"] = torch.tensor(float(step), dtype=scalar)
    slots = entry["slots"]
    assert isinstance(slots, dict)
    for slot, tensor_name in slots.items():
        info = handle.tensor_info(tensor_name)
        result[slot] = to_torch(handle.get_tensor(tensor_name), info.dtype)
    return result
