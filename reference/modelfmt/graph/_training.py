"""Training state (SPEC.md §11): validation of the `training` object against the tensor table.

"training": {"epoch": 3, "step": 1200, "optimizer": {
    "type": "Adam",
    "groups": [{"hyperparameters": {"lr": 0.001, ...}, "parameters": ["fc.weight", "fc.bias"]}],
    "state": {"fc.weight": {"step": 1200, "slots": {"exp_avg": "optimizer.fc.weight.exp_avg", ...}}}}}

Since 1.1 also `scheduler`, `scaler`, `rng`, `data` and `extra` (§11.9), whose values are state values
(`_state_values.py`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from ..format._errors import error
from ..format._framing import MINOR_VERSION
from ..format._json import json_type, show
from ..format._limits import MAX_SAFE_INTEGER
from ..format._names import REVERSE_DNS_PATTERN
from ..format._objects import check_keys
from ._json_shape import canonical_order, expect_array, expect_int, expect_object, expect_string
from ._optimizers import (
    OPTIMIZERS,
    SCALAR_SLOT_DTYPES,
    Hyperparameter,
    OptimizerSpec,
    optimizers_of,
    slot_applies,
    slot_shape,
)
from ._state_values import STATE_ROLE, validate_value
from ._types import TensorEntry

# The keys of `training` (§11.1, §11.9) with the minor version that introduced each.
TRAINING_KEYS_SINCE: Final = {
    "epoch": 0,
    "step": 0,
    "optimizer": 0,
    "scheduler": 1,
    "scaler": 1,
    "rng": 1,
    "data": 1,
    "extra": 1,
}
TRAINING_KEYS: Final = tuple(TRAINING_KEYS_SINCE)
TRAINING_REQUIRED: Final = ("epoch", "step")
OPTIMIZER_KEYS: Final = ("type", "groups", "state")
OPTIMIZER_KEYS_1_1: Final = (*OPTIMIZER_KEYS, "shared")  # §11.4: optimizer-wide state (LBFGS), since 1.1
GROUP_KEYS: Final = ("hyperparameters", "parameters")
STATE_KEYS: Final = ("step", "slots")
SCHEDULER_KEYS: Final = ("type", "state")
RNG_KEYS: Final = ("torch", "numpy", "python")
DATA_KEYS: Final = ("batch", "generator")
EXTENSION_TYPE: Final = re.compile(REVERSE_DNS_PATTERN + r"\.[A-Za-z][A-Za-z0-9_]*")  # §11.2
RESERVED_PREFIX: Final = "modelfmt."
# §11.9: the learning-rate schedulers of PyTorch's torch.optim.lr_scheduler, as core types (since 1.1).
SCHEDULERS: Final = (
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
)
SCHEDULERS_SINCE: Final = 1

__all__ = ["OPTIMIZERS", "SCHEDULERS", "TrainingState", "training_minor", "validate_training"]


@dataclass(frozen=True)
class TrainingState:
    epoch: int
    step: int
    optimizer: Mapping[str, object] | None


def training_minor(training: Mapping[str, object] | None) -> int:
    """The lowest minor version that defines every feature `training` uses (§15.5)."""
    if training is None:
        return 0
    minor = max((TRAINING_KEYS_SINCE.get(key, 0) for key in training), default=0)
    optimizer = training.get("optimizer")
    if isinstance(optimizer, Mapping):
        spec = OPTIMIZERS.get(str(optimizer.get("type")))
        minor = max(minor, spec.since if spec is not None else 0, 1 if "shared" in optimizer else 0)
    return minor


def _count(value: object, where: str) -> int:
    number = expect_int(value, where)
    if not 0 <= number <= MAX_SAFE_INTEGER:
        raise error("HEADER_TYPE", f"{where} must be a non-negative integer, got {number}")
    return number


def _newer(minor: int, code: str, message: str) -> Exception:
    """§15.4: in a file of a newer minor, a name this reader does not know may be that minor's feature."""
    if minor > MINOR_VERSION:
        return error(
            "UNSUPPORTED_VERSION",
            f"{message}; the file is version 1.{minor}, this reader knows 1.{MINOR_VERSION}",
            hint="a newer modelfmt release may read it",
        )
    return error(code, message)  # type: ignore[arg-type]


def validate_training(training: object, tensors: Mapping[str, TensorEntry], minor: int = 0) -> TrainingState:
    """§11 for the `training` object of a file of minor version `minor`."""
    known = min(minor, MINOR_VERSION)
    obj = expect_object(training, "`training`")
    allowed = [key for key, since in TRAINING_KEYS_SINCE.items() if since <= known]
    check_keys(obj, allowed, TRAINING_REQUIRED, "`training`")
    epoch = _count(obj["epoch"], "`training.epoch`")
    step = _count(obj["step"], "`training.step`")
    optimizer = obj.get("optimizer")
    if "optimizer" in obj:
        _validate_optimizer(optimizer, tensors, minor)
    _validate_resume_state(obj, tensors, minor)
    return TrainingState(epoch, step, optimizer if isinstance(optimizer, dict) else None)


def _tensor(name: str, tensors: Mapping[str, TensorEntry], role: str, where: str) -> TensorEntry:
    entry = tensors.get(name)
    if entry is None:
        raise error("TRAINING_TENSOR_MISSING", f"{where} names {show(name)}, which is not in the tensor table")
    if entry.role != role:
        raise error(
            "TRAINING_TENSOR_ROLE",
            f"{where} names tensor {show(name)} of role {entry.role}; expected {role}",
            tensor=name,
        )
    return entry


def _number(value: object) -> bool:
    return type(value) in (int, float)


def _hyper_ok(hyper: Hyperparameter, value: object) -> bool:
    kind, minimum, maximum = hyper.kind, hyper.minimum, hyper.maximum
    if kind == "triple":
        return type(value) is list and len(value) == 3 and all(_number(item) for item in value)
    if kind == "integer":
        return type(value) is int and minimum <= value <= maximum
    if kind == "choice":
        return value is None or value in hyper.choices
    if kind == "eps_pair":
        return (
            type(value) is list
            and len(value) == 2
            and (value[0] is None or (_number(value[0]) and value[0] >= 0))
            and _number(value[1])
            and value[1] >= 0
        )
    if kind == "bool":
        return type(value) is bool
    if kind in ("betas", "pair"):
        top = 1 if kind == "betas" else float("inf")
        return (
            type(value) is list
            and len(value) == 2
            and all(type(b) in (int, float) and 0 <= b < top for b in value)  # inf excluded for pairs too
        )
    return type(value) in (int, float) and minimum <= value <= maximum  # type: ignore[operator]


def _expected(hyper: Hyperparameter) -> str:
    kind, minimum, maximum = hyper.kind, hyper.minimum, hyper.maximum
    if kind == "triple":
        return "three numbers"
    if kind == "integer":
        return f"an integer in [{minimum:g}, {maximum:g}]"
    if kind == "choice":
        return "null or one of " + ", ".join(f'"{choice}"' for choice in hyper.choices)
    if kind == "eps_pair":
        return "[null or a number >= 0, a number >= 0]"
    if kind == "bool":
        return "a boolean"
    if kind == "betas":
        return "two numbers in [0, 1)"
    if kind == "pair":
        return "two numbers >= 0"
    if maximum != float("inf"):
        return f"a number in [{minimum:g}, {maximum:g}]"
    return "a number" + (" >= 0" if minimum == 0 else "")


def _validate_hyperparameters(spec: OptimizerSpec | None, raw: object, where: str) -> None:
    values = expect_object(raw, where)
    if spec is None:
        return  # an extension optimizer: free-form JSON
    known = {h.name: h for h in spec.hyperparameters}
    for name in canonical_order(values):
        if name not in known:
            raise error("TRAINING_HYPERPARAMETER", f"{where}: {spec.name} has no hyperparameter {show(name)}")
    for hyper in spec.hyperparameters:
        if hyper.name not in values:
            raise error("TRAINING_HYPERPARAMETER", f"{where}: hyperparameter `{hyper.name}` is missing")
        value = values[hyper.name]
        if not _hyper_ok(hyper, value):
            raise error(
                "TRAINING_HYPERPARAMETER",
                f"{where}: hyperparameter `{hyper.name}` must be {_expected(hyper)}, got {json_type(value)} {value!r}",
            )


def _optimizer_type(kind: str, minor: int) -> OptimizerSpec | None:
    spec = optimizers_of(min(minor, MINOR_VERSION)).get(kind)
    # `modelfmt.` is reserved for this specification (as for op set domains, §9.3): never an extension type.
    if spec is None and (EXTENSION_TYPE.fullmatch(kind) is None or kind.startswith(RESERVED_PREFIX)):
        names = ", ".join(optimizers_of(min(minor, MINOR_VERSION)))
        raise _newer(
            minor,
            "TRAINING_OPTIMIZER",
            f"unknown optimizer type {show(kind)}; core types of 1.{min(minor, MINOR_VERSION)} are {names} "
            "(others use a reverse-DNS name such as `com.example.Lion`)",
        )
    return spec


def _validate_optimizer(raw: object, tensors: Mapping[str, TensorEntry], minor: int) -> None:
    obj = expect_object(raw, "`training.optimizer`")
    allowed = OPTIMIZER_KEYS_1_1 if min(minor, MINOR_VERSION) >= 1 else OPTIMIZER_KEYS
    check_keys(obj, allowed, OPTIMIZER_KEYS, "`training.optimizer`")
    spec = _optimizer_type(expect_string(obj["type"], "`training.optimizer.type`"), minor)
    grouped: dict[str, tuple[TensorEntry, dict[str, object]]] = {}
    for index, group_raw in enumerate(expect_array(obj["groups"], "`training.optimizer.groups`")):
        where = f"optimizer group #{index}"
        group = expect_object(group_raw, where)
        check_keys(group, GROUP_KEYS, GROUP_KEYS, where)
        # §11.8: the JSON types of both keys come right after the keys, before the hyperparameter rules.
        hyperparameters = expect_object(group["hyperparameters"], where)
        parameters = expect_array(group["parameters"], f"{where}: `parameters`")
        _validate_hyperparameters(spec, hyperparameters, where)
        for name_raw in parameters:
            name = expect_string(name_raw, f"{where}: parameter names")
            if name in grouped:
                raise error("TRAINING_PARAMETER", f"{where}: parameter {show(name)} is already in a group")
            grouped[name] = (_tensor(name, tensors, "parameter", f"{where}"), hyperparameters)
    state = expect_object(obj["state"], "`training.optimizer.state`")
    for name in canonical_order(state):
        where = f"optimizer state of {show(name)}"
        found = grouped.get(name)
        if found is None:
            raise error("TRAINING_PARAMETER", f"{where}: the parameter is in no optimizer group")
        if spec is not None and spec.shared:
            raise error("TRAINING_SLOT", f"{where}: {spec.name} keeps no per-parameter state (see `shared`)")
        _validate_state_entry(spec, state[name], found[0], found[1], tensors, where)
    if "shared" in obj:
        if spec is not None and not spec.shared:
            raise error("TRAINING_SLOT", f"`training.optimizer.shared`: {spec.name} keeps per-parameter state only")

        def check_tensor(name: object, at: str) -> None:
            _tensor(expect_string(name, at), tensors, "optimizer", at)  # optimizer state: role optimizer

        validate_value(obj["shared"], "`training.optimizer.shared`", check_tensor, newer=minor > MINOR_VERSION)


def _validate_state_entry(  # noqa: PLR0917 -- one call site, each argument named there
    spec: OptimizerSpec | None,
    raw: object,
    parameter: TensorEntry,
    hyperparameters: Mapping[str, object],
    tensors: Mapping[str, TensorEntry],
    where: str,
) -> None:
    entry = expect_object(raw, where)
    check_keys(entry, STATE_KEYS, ("slots",), where)
    if "step" in entry:
        if spec is not None and not spec.has_step:
            raise error("TRAINING_SLOT", f"{where}: {spec.name} keeps no per-parameter `step`")
        _count(entry["step"], f"{where}: `step`")
    elif spec is not None and spec.has_step:
        raise error("TRAINING_SLOT", f"{where}: {spec.name} needs the per-parameter `step`")
    slots = expect_object(entry["slots"], f"{where}: `slots`")
    # §11.4: a conditional slot (Adam's `max_exp_avg_sq`, RMSprop's `momentum_buffer` and `grad_avg`) is
    # a slot only when its group's hyperparameter says so.
    rank = len(parameter.shape)
    applicable = () if spec is None else tuple(s for s in spec.slot_table if slot_applies(s, hyperparameters, rank))
    known = {slot.name: slot for slot in applicable}
    for name in canonical_order(slots):
        slot = known.get(name)
        if spec is not None and slot is None:
            raise error("TRAINING_SLOT", f"{where}: {spec.name} has no slot {show(name)}")
        tensor = _tensor(
            expect_string(slots[name], f"{where}: slot `{name}`"), tensors, "optimizer", f"{where}: slot `{name}`"
        )
        if slot is None:
            continue  # an extension optimizer's slot: any shape and dtype (§11.7)
        if slot.shape == "scalar":
            if tuple(tensor.shape) != () or tensor.dtype not in SCALAR_SLOT_DTYPES:
                raise error(
                    "TRAINING_SLOT",
                    f"{where}: slot `{name}` is {tensor.dtype} {list(tensor.shape)}, but it holds one number: "
                    "float32 or float64 of shape []",
                    tensor=tensor.name,
                )
        elif tuple(tensor.shape) != slot_shape(slot, tuple(parameter.shape)) or tensor.dtype != parameter.dtype:
            raise error(
                "TRAINING_SLOT",
                f"{where}: slot `{name}` is {tensor.dtype} {list(tensor.shape)}, but it must be "
                f"{parameter.dtype} {list(slot_shape(slot, tuple(parameter.shape)))} for the parameter of shape "
                f"{list(parameter.shape)}",
                tensor=tensor.name,
            )
    for slot in applicable:
        if slot.required and slot.name not in slots:
            raise error("TRAINING_SLOT", f"{where}: slot `{slot.name}` is missing")


# -- §11.9: schedulers, scaler, random number generators, data position, user state (since 1.1) --


def _validate_resume_state(obj: Mapping[str, object], tensors: Mapping[str, TensorEntry], minor: int) -> None:
    def check_tensor(name: object, where: str) -> None:
        _tensor(expect_string(name, where), tensors, STATE_ROLE, where)

    def byte_state(name: object, where: str) -> None:
        entry = _tensor(expect_string(name, where), tensors, STATE_ROLE, where)
        if entry.dtype != "uint8" or len(entry.shape) != 1:
            raise error(
                "TRAINING_VALUE",
                f"{where}: a generator's state is a uint8 tensor of rank 1, got {entry.dtype} {list(entry.shape)}",
                tensor=entry.name,
            )

    def state_value(value: object, where: str) -> None:
        validate_value(value, where, check_tensor, newer=minor > MINOR_VERSION)

    if "scheduler" in obj:
        scheduler = expect_object(obj["scheduler"], "`training.scheduler`")
        check_keys(scheduler, SCHEDULER_KEYS, SCHEDULER_KEYS, "`training.scheduler`")
        kind = expect_string(scheduler["type"], "`training.scheduler.type`")
        if kind not in SCHEDULERS and (EXTENSION_TYPE.fullmatch(kind) is None or kind.startswith(RESERVED_PREFIX)):
            raise _newer(
                minor,
                "TRAINING_SCHEDULER",
                f"unknown scheduler type {show(kind)}; core types are {', '.join(SCHEDULERS)} "
                "(others use a reverse-DNS name such as `com.example.Warmup`)",
            )
        state_value(scheduler["state"], "`training.scheduler.state`")
    if "scaler" in obj:
        state_value(obj["scaler"], "`training.scaler`")
    if "rng" in obj:
        rng = expect_object(obj["rng"], "`training.rng`")
        check_keys(rng, RNG_KEYS, (), "`training.rng`")
        if "torch" in rng:
            byte_state(rng["torch"], "`training.rng.torch`")
        for key in ("numpy", "python"):
            if key in rng:
                state_value(rng[key], f"`training.rng.{key}`")
    if "data" in obj:
        data = expect_object(obj["data"], "`training.data`")
        check_keys(data, DATA_KEYS, ("batch",), "`training.data`")
        _count(data["batch"], "`training.data.batch`")
        if "generator" in data:
            byte_state(data["generator"], "`training.data.generator`")
    if "extra" in obj:
        state_value(obj["extra"], "`training.extra`")
