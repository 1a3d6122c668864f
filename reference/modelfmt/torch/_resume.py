"""Everything besides the optimizer that an exact resume needs (SPEC.md §11.9): the learning-rate
scheduler, the GradScaler, the random number generators (torch CPU, numpy's global one, Python's
`random`), the data-loader position and the user's own state.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import torch
from torch.optim import lr_scheduler

from ..graph._training import SCHEDULERS
from ._state_values import Encoder, TrainingStateError, as_counter, decode

Scheduler = lr_scheduler.LRScheduler | lr_scheduler.ReduceLROnPlateau
TensorReader = Callable[[str], torch.Tensor]

# The classes of SPEC.md §11.9's scheduler types, spelled out (no lookup by name).
_SCHEDULER_CLASSES: Final[Mapping[type, str]] = {
    lr_scheduler.ChainedScheduler: "ChainedScheduler",
    lr_scheduler.ConstantLR: "ConstantLR",
    lr_scheduler.CosineAnnealingLR: "CosineAnnealingLR",
    lr_scheduler.CosineAnnealingWarmRestarts: "CosineAnnealingWarmRestarts",
    lr_scheduler.CyclicLR: "CyclicLR",
    lr_scheduler.ExponentialLR: "ExponentialLR",
    lr_scheduler.LambdaLR: "LambdaLR",
    lr_scheduler.LinearLR: "LinearLR",
    lr_scheduler.MultiStepLR: "MultiStepLR",
    lr_scheduler.MultiplicativeLR: "MultiplicativeLR",
    lr_scheduler.OneCycleLR: "OneCycleLR",
    lr_scheduler.PolynomialLR: "PolynomialLR",
    lr_scheduler.ReduceLROnPlateau: "ReduceLROnPlateau",
    lr_scheduler.SequentialLR: "SequentialLR",
    lr_scheduler.StepLR: "StepLR",
}


@dataclass(frozen=True)
class DataPosition:
    """Where the data loader stands: `batch` batches of the current epoch consumed, and the generator
    its sampler shuffles with (`torch.Generator`), whose state is stored so that the order repeats."""

    batch: int
    generator: torch.Generator | None = None


def _scheduler_type(scheduler: object) -> str:
    name = _SCHEDULER_CLASSES.get(type(scheduler))
    if name is None:
        raise TrainingStateError(
            f"scheduler {type(scheduler).__qualname__} is not one of torch.optim.lr_scheduler's classes "
            f"({', '.join(SCHEDULERS)}); a subclass may keep state its base class does not know"
        )
    return name


def resume_sections(
    encoder: Encoder,
    *,
    scheduler: Scheduler | None,
    scaler: torch.amp.GradScaler | None,
    rng: bool,
    data: DataPosition | None,
    extra: object,
    has_extra: bool,
) -> dict[str, object]:
    """The 1.1 keys of `training` for what is given; tensors go to `encoder.tensors` (role other)."""
    sections: dict[str, object] = {}
    if scheduler is not None:
        kind = _scheduler_type(scheduler)
        state = encoder.encode(scheduler.state_dict(), f"the {kind} scheduler's state", "training.scheduler")
        sections["scheduler"] = {"type": kind, "state": state}
    if scaler is not None:
        sections["scaler"] = encoder.encode(scaler.state_dict(), "the GradScaler's state", "training.scaler")
    if rng:
        sections["rng"] = {
            "torch": encoder.add_tensor("training.rng.torch", torch.get_rng_state().numpy()),
            "numpy": encoder.encode(np.random.get_state(legacy=False), "numpy's RNG state", "training.rng.numpy"),
            "python": encoder.encode(random.getstate(), "Python's random state", "training.rng.python"),
        }
    if data is not None:
        position: dict[str, object] = {"batch": int(data.batch)}
        if data.generator is not None:
            position["generator"] = encoder.add_tensor("training.data.generator", data.generator.get_state().numpy())
        sections["data"] = position
    if has_extra:
        sections["extra"] = encoder.encode(extra, "`extra`", "training.extra")
    return sections


def restore_scheduler(saved: object, scheduler: Scheduler, tensor: TensorReader) -> None:
    if not isinstance(saved, dict):
        raise TrainingStateError("the file has no scheduler state")
    kind = _scheduler_type(scheduler)
    if saved["type"] != kind:
        raise TrainingStateError(f"the file holds {saved['type']} state; the scheduler given is {kind}")
    state = decode(saved["state"], tensor)
    if not isinstance(state, dict):
        raise TrainingStateError(f"the {kind} state in the file is not a dict")
    if kind == "MultiStepLR" and "milestones" in state:
        state["milestones"] = as_counter(state["milestones"])  # PyTorch counts milestones in a Counter
    scheduler.load_state_dict(state)


def restore_scaler(saved: object, scaler: torch.amp.GradScaler, tensor: TensorReader) -> None:
    if saved is None:
        raise TrainingStateError("the file has no GradScaler state")
    state = decode(saved, tensor)
    if not isinstance(state, dict):
        raise TrainingStateError("the GradScaler state in the file is not a dict")
    scaler.load_state_dict(state)


def restore_rng(saved: object, tensor: TensorReader) -> None:
    if not isinstance(saved, dict):
        raise TrainingStateError("the file has no random number generator state")
    if "torch" in saved:
        torch.set_rng_state(tensor(saved["torch"]))
    if "numpy" in saved:
        state = decode(saved["numpy"], tensor)
        np.random.set_state(_numpy_arrays(state))  # type: ignore[arg-type]
    if "python" in saved:
        random.setstate(decode(saved["python"], tensor))  # type: ignore[arg-type]


def _numpy_arrays(value: object) -> object:
    """numpy wants its own arrays back where the state held them (stored as tensors, read as torch)."""
    if isinstance(value, torch.Tensor):
        return value.numpy()
    if isinstance(value, dict):
        return {key: _numpy_arrays(item) for key, item in value.items()}
    return value


def restore_data(saved: object, generator: torch.Generator | None, tensor: TensorReader) -> int | None:
    """Restores the sampler's generator; returns the batch position (None when the file has none)."""
    if not isinstance(saved, dict):
        if generator is not None:
            raise TrainingStateError("the file has no data-loader position")
        return None
    if generator is not None:
        if "generator" not in saved:
            raise TrainingStateError("the file has no data-loader generator state")
        generator.set_state(tensor(saved["generator"]))
    batch = saved["batch"]
    assert isinstance(batch, int)
    return batch
