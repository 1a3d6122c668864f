"""A plain PyTorch training checkpoint as a resumable modelfmt file (SPEC.md §11).

`{"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3, "scheduler": ...,
"scaler": ...}` (and the usual spellings of these keys) is recognised after the checkpoint has been
loaded with `weights_only=True` and walked within its bounds (`_pytorch.py`, `_pytorch_tree.py`). It
becomes the model's tensors (role `parameter` or `buffer`), the optimizer's state (type, groups,
per-parameter slots of role `optimizer`), the scheduler's and the scaler's state, and every other key
as `extra`, so that `modelfmt.torch.load_checkpoint` resumes it.

A state dict does not say which entries are parameters: the optimizer does, by position. Its groups
list parameter indices in the order `model.parameters()` gave them, which is the state dict's order
without buffers and without a tied parameter's second name. Entries that are batch-norm statistics or
not floating point are buffers; when the rest does not match the optimizer's parameters one to one (a
frozen parameter outside the optimizer, a floating buffer of another name) or a slot's shape differs
from its parameter's, nothing is guessed: the checkpoint is converted as a plain tree, with a note.
DataParallel's `module.` and torch.compile's `_orig_mod.` prefixes are removed when every name has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import torch

from ..graph._optimizers import OPTIMIZERS, OptimizerSpec
from ..graph._state_values import StateEncoder
from ._errors import ConversionError

MODEL_KEYS: Final = ("model", "state_dict", "model_state_dict", "model_state", "net")
OPTIMIZER_KEYS: Final = ("optimizer", "optimizer_state_dict", "optimizer_state", "optim")
SCHEDULER_KEYS: Final = ("scheduler", "lr_scheduler", "scheduler_state_dict")
SCALER_KEYS: Final = ("scaler", "grad_scaler", "scaler_state_dict")
EPOCH_KEYS: Final = ("epoch",)
STEP_KEYS: Final = ("step", "global_step", "iteration")
PREFIXES: Final = ("module.", "_orig_mod.")
BUFFER_SUFFIXES: Final = ("running_mean", "running_var", "num_batches_tracked")
# Group keys that choose an implementation or that schedulers add: not hyperparameters (§11.3).
IMPLEMENTATION_KEYS: Final = frozenset(
    {"params", "foreach", "capturable", "differentiable", "fused", "initial_lr", "decoupled_weight_decay"}
    | {"max_lr", "min_lr", "max_momentum", "base_momentum"}
)
# A scheduler's state_dict() does not name its class; its own keys do (torch 2.13), besides these.
_SCHEDULER_BASE: Final = frozenset(
    {"base_lrs", "last_epoch", "_step_count", "_is_initial", "_get_lr_called_within_step", "_last_lr", "verbose"}
)
_SCHEDULER_KEYS: Final[Mapping[frozenset[str], str]] = {
    frozenset({"_schedulers"}): "ChainedScheduler",
    frozenset({"factor", "total_iters"}): "ConstantLR",
    frozenset({"T_max", "eta_min"}): "CosineAnnealingLR",
    frozenset({"T_0", "T_i", "T_mult", "eta_min", "T_cur"}): "CosineAnnealingWarmRestarts",
    frozenset(
        {
            "max_lrs",
            "total_size",
            "step_ratio",
            "mode",
            "gamma",
            "scale_mode",
            "cycle_momentum",
            "use_beta1",
            "base_momentums",
            "max_momentums",
            "_scale_fn_custom",
        }
    ): "CyclicLR",
    frozenset({"gamma"}): "ExponentialLR",
    frozenset({"start_factor", "end_factor", "total_iters"}): "LinearLR",
    frozenset({"milestones", "gamma"}): "MultiStepLR",
    frozenset({"total_steps", "_schedule_phases", "_anneal_func_type", "cycle_momentum", "use_beta1"}): "OneCycleLR",
    frozenset({"total_iters", "power"}): "PolynomialLR",
    frozenset(
        {
            "factor",
            "default_min_lr",
            "min_lrs",
            "patience",
            "cooldown",
            "eps",
            "mode_worse",
            "mode",
            "threshold",
            "threshold_mode",
            "best",
            "cooldown_counter",
            "num_bad_epochs",
        }
    ): "ReduceLROnPlateau",
    frozenset({"_milestones", "_schedulers"}): "SequentialLR",
    frozenset({"step_size", "gamma"}): "StepLR",
    # LambdaLR and MultiplicativeLR both keep only `lr_lambdas`: not told apart, kept in `extra`.
}


@dataclass
class TrainingPlan:
    """What the converter writes for a training checkpoint."""

    tensors: dict[str, tuple[torch.Tensor, str]] = field(default_factory=dict)  # name -> (tensor, role)
    training: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _one_of(loaded: Mapping[object, object], keys: tuple[str, ...]) -> str | None:
    present = [key for key in keys if key in loaded]
    return present[0] if len(present) == 1 else None


def plan_training(loaded: object, where: str) -> TrainingPlan | str | None:
    """The plan for a training checkpoint; None when `loaded` does not look like one; why not (a note for
    the user) when it does but cannot be resumed. `loaded` has passed the bounded walk of
    `_pytorch_tree.flatten`: a tree within its limits."""
    if not isinstance(loaded, dict):
        return None
    model_key, optimizer_key = _one_of(loaded, MODEL_KEYS), _one_of(loaded, OPTIMIZER_KEYS)
    if model_key is None or optimizer_key is None:
        return None
    model, optimizer = loaded[model_key], loaded[optimizer_key]
    if (
        not isinstance(model, dict)
        or not model
        or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in model.items())
    ):
        return f"`{model_key}` is not a state dict of tensors"
    if not isinstance(optimizer, dict) or set(optimizer) != {"state", "param_groups"}:
        return f"`{optimizer_key}` is not an optimizer's state_dict()"
    plan = TrainingPlan()
    names = _strip_prefixes(list(model), plan.notes)
    state = dict(zip(names, model.values(), strict=True))
    parameters = _parameters(state, optimizer["param_groups"])
    if isinstance(parameters, str):
        return parameters
    spec = _optimizer_type(optimizer["param_groups"])
    if isinstance(spec, str):
        return spec
    parameter_ids = {id(tensor) for tensor in parameters}
    for name, tensor in state.items():
        plan.tensors[name] = (tensor, "parameter" if id(tensor) in parameter_ids else "buffer")
    section = _optimizer_section(spec, optimizer, parameters, state, plan, where)
    if isinstance(section, str):
        return section
    counters = {"epoch": _count_key(loaded, EPOCH_KEYS), "step": _count_key(loaded, STEP_KEYS)}
    plan.training = {name: 0 if key is None else loaded[key] for name, key in counters.items()}
    plan.training["optimizer"] = section
    used = {model_key, optimizer_key} | {key for key in counters.values() if key is not None}
    _resume_state(loaded, plan, used, where)
    plan.notes.append(
        f"a training checkpoint: {len(parameters)} parameters and {len(state) - len(parameter_ids)} other model "
        f"entries, {spec.name} state for {len(section['state'])} parameters"  # type: ignore[arg-type]
    )
    return plan


def _strip_prefixes(names: list[str], notes: list[str]) -> list[str]:
    stripped = True
    while stripped:
        stripped = False
        for prefix in PREFIXES:
            if all(name.startswith(prefix) for name in names):
                names = [name[len(prefix) :] for name in names]
                notes.append(f"the `{prefix}` prefix of every model name was removed")
                stripped = True
    return names


def _parameters(state: Mapping[str, torch.Tensor], groups: object) -> list[torch.Tensor] | str:
    """The parameters in the optimizer's index order: the state dict's floating entries that are not
    batch-norm statistics, each tensor once."""
    if not isinstance(groups, list) or not all(
        isinstance(g, dict) and isinstance(g.get("params"), list) for g in groups
    ):
        return "the optimizer's param_groups are not lists of parameter indices"
    indices = [index for group in groups for index in group["params"]]
    candidates: list[torch.Tensor] = []
    seen: set[int] = set()
    for name, tensor in state.items():
        if tensor.is_floating_point() and not name.endswith(BUFFER_SUFFIXES) and id(tensor) not in seen:
            seen.add(id(tensor))
            candidates.append(tensor)
    if sorted(indices) != list(range(len(candidates))):
        return (
            f"the optimizer holds {len(indices)} parameters, the model {len(candidates)} floating entries that "
            "are not batch-norm statistics: parameters cannot be told from buffers"
        )
    return candidates


def _optimizer_type(groups: list[dict[str, object]]) -> OptimizerSpec | str:
    keys = set(groups[0]) if groups else set()
    found = [
        spec
        for spec in OPTIMIZERS.values()
        if {h.name for h in spec.hyperparameters} == keys - IMPLEMENTATION_KEYS and spec.name != "AdamW"
    ]
    if len(found) != 1:
        listed = sorted(keys - IMPLEMENTATION_KEYS)
        return f"the optimizer's hyperparameters {listed} name no single optimizer type of SPEC.md §11.2"
    spec = found[0]
    if spec.name == "Adam" and groups[0].get("decoupled_weight_decay") is True:
        spec = OPTIMIZERS["AdamW"]  # AdamW is Adam with decoupled_weight_decay=True in torch 2.13
    return spec


def _optimizer_section(  # noqa: PLR0917 -- one call site
    spec: OptimizerSpec,
    optimizer: dict[str, object],
    parameters: list[torch.Tensor],
    state_dict: Mapping[str, torch.Tensor],
    plan: TrainingPlan,
    where: str,
) -> dict[str, object] | str:
    """The `optimizer` object of §11.2-11.4; slot tensors go into the plan (role optimizer)."""
    first_name: dict[int, str] = {}
    for name, tensor in state_dict.items():
        first_name.setdefault(id(tensor), name)
    names = [first_name[id(tensor)] for tensor in parameters]
    groups, state = optimizer["param_groups"], optimizer["state"]
    assert isinstance(groups, list)
    if not isinstance(state, dict):
        return "the optimizer's state is not a dict"
    groups_out: list[dict[str, object]] = []
    for group in groups:
        hyperparameters: dict[str, object] = {}
        for hyper in spec.hyperparameters:
            value = group[hyper.name]
            if not isinstance(value, None | bool | int | float | str | list | tuple):
                return f"hyperparameter `{hyper.name}` is a {type(value).__name__}, not a JSON value"
            hyperparameters[hyper.name] = list(value) if isinstance(value, tuple) else value
        groups_out.append({"hyperparameters": hyperparameters, "parameters": [names[i] for i in group["params"]]})
    section: dict[str, object] = {"type": spec.name, "groups": groups_out, "state": {}}
    if spec.shared:  # LBFGS: its whole state under its first parameter, as a state value
        if set(state) - {0}:
            return f"{spec.name} state is kept under its first parameter only"
        if state:
            section["shared"] = _shared(state[0], plan, where)
        return section
    state_out: dict[str, object] = {}
    for index, entry in state.items():
        if not isinstance(index, int) or not 0 <= index < len(names) or not isinstance(entry, dict):
            return f"optimizer state {index!r} is not a parameter's"
        described = _state_entry(spec, names[index], parameters[index], entry, plan)
        if isinstance(described, str):
            return described
        state_out[names[index]] = described
    section["state"] = state_out
    return section


def _shared(value: object, plan: TrainingPlan, where: str) -> dict[str, object]:
    def tensor(item: object, at: str) -> str | None:
        if not isinstance(item, torch.Tensor):
            return None
        name = f"optimizer.shared.{sum(1 for n in plan.tensors if n.startswith('optimizer.shared.'))}"
        plan.tensors[name] = (item, "optimizer")
        return name

    return StateEncoder(tensor, lambda message: ConversionError(f"{where}: {message}")).encode(value, "the LBFGS state")


def _state_entry(
    spec: OptimizerSpec, name: str, parameter: torch.Tensor, entry: dict[object, object], plan: TrainingPlan
) -> dict[str, object] | str:
    result: dict[str, object] = {}
    slots: dict[str, str] = {}
    for key, value in entry.items():
        if key == "step":
            count = float(value.item() if isinstance(value, torch.Tensor) else value)  # type: ignore[arg-type]
            if not count.is_integer() or count < 0:
                return f"the step of `{name}` is {count}, not a count"
            result["step"] = int(count)
            continue
        if value is None:
            continue  # SGD's momentum_buffer before momentum is used
        slot = spec.slot(str(key))
        if slot is None or not isinstance(value, torch.Tensor):
            return f"optimizer state `{key}` of `{name}` is not a slot of {spec.name}"
        if slot.shape == "like" and (value.shape != parameter.shape or value.dtype != parameter.dtype):
            return (
                f"slot `{key}` of `{name}` is {value.dtype} {list(value.shape)}, the parameter "
                f"{parameter.dtype} {list(parameter.shape)}: the parameters were not matched"
            )
        tensor_name = f"optimizer.{name}.{key}"
        plan.tensors[tensor_name] = (value, "optimizer")
        slots[str(key)] = tensor_name
    result["slots"] = slots
    return result


def _count_key(loaded: Mapping[object, object], keys: tuple[str, ...]) -> str | None:
    """The first of `keys` whose value is a count (0..2^53-1)."""
    for key in keys:
        value = loaded.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**53 - 1:
            return key
    return None


def _resume_state(loaded: Mapping[object, object], plan: TrainingPlan, used: set[str], where: str) -> None:
    def refuse(message: str) -> Exception:
        return ConversionError(f"{where}: {message}")

    counter = [0]

    def tensor(value: object, at: str) -> str | None:
        if not isinstance(value, torch.Tensor):
            return None
        name = f"training.state.{counter[0]}"
        counter[0] += 1
        plan.tensors[name] = (value, "other")
        return name

    encoder = StateEncoder(tensor, refuse)
    extra: dict[object, object] = {}
    for key, value in loaded.items():
        if key in used:
            continue
        if isinstance(key, str) and key in SCHEDULER_KEYS and isinstance(value, dict):
            kind = _SCHEDULER_KEYS.get(frozenset(k for k in value if k not in _SCHEDULER_BASE))
            if kind is not None and "scheduler" not in plan.training:
                plan.training["scheduler"] = {"type": kind, "state": encoder.encode(value, f"`{key}`")}
                continue
            plan.notes.append(f"`{key}`: the scheduler's class is not told by its state; kept in `extra`")
        if isinstance(key, str) and key in SCALER_KEYS and isinstance(value, dict) and "scaler" not in plan.training:
            plan.training["scaler"] = encoder.encode(value, f"`{key}`")
            continue
        extra[key] = value
    if extra:
        plan.training["extra"] = encoder.encode(extra, "the checkpoint")
