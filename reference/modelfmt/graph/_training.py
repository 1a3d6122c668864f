"""Training state (SPEC.md §11): validation of the `training` object against the tensor table.

"training": {"epoch": 3, "step": 1200, "optimizer": {
    "type": "Adam",
    "groups": [{"hyperparameters": {"lr": 0.001, ...}, "parameters": ["fc.weight", "fc.bias"]}],
    "state": {"fc.weight": {"step": 1200, "slots": {"exp_avg": "optimizer.fc.weight.exp_avg", ...}}}}}
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from ..format._errors import error
from ..format._json import json_type, show
from ..format._limits import MAX_SAFE_INTEGER
from ..format._names import REVERSE_DNS_PATTERN
from ..format._objects import check_keys
from ._json_shape import canonical_order, expect_array, expect_int, expect_object, expect_string
from ._types import TensorEntry

TRAINING_KEYS: Final = ("epoch", "step", "optimizer")
TRAINING_REQUIRED: Final = ("epoch", "step")
OPTIMIZER_KEYS: Final = ("type", "groups", "state")
GROUP_KEYS: Final = ("hyperparameters", "parameters")
STATE_KEYS: Final = ("step", "slots")
EXTENSION_TYPE: Final = re.compile(REVERSE_DNS_PATTERN + r"\.[A-Za-z][A-Za-z0-9_]*")  # §11.2
RESERVED_PREFIX: Final = "modelfmt."


@dataclass(frozen=True)
class Hyperparameter:
    name: str
    kind: str  # "number", "bool", "betas"
    minimum: float = 0.0


@dataclass(frozen=True)
class OptimizerSpec:
    """A core optimizer type: its hyperparameters (all required) and per-parameter state."""

    name: str
    hyperparameters: tuple[Hyperparameter, ...]
    has_step: bool  # per-parameter integer step count
    slots: tuple[str, ...]  # slot tensors, each shaped like its parameter
    required_slots: tuple[str, ...]


_ADAM_HYPERPARAMETERS: Final = (
    Hyperparameter("lr", "number"),
    Hyperparameter("betas", "betas"),
    Hyperparameter("eps", "number"),
    Hyperparameter("weight_decay", "number"),
    Hyperparameter("amsgrad", "bool"),
    Hyperparameter("maximize", "bool"),
)

OPTIMIZERS: Final[Mapping[str, OptimizerSpec]] = MappingProxyType(
    {
        "SGD": OptimizerSpec(
            "SGD",
            (
                Hyperparameter("lr", "number"),
                Hyperparameter("momentum", "number"),
                Hyperparameter("dampening", "number", -math.inf),
                Hyperparameter("weight_decay", "number"),
                Hyperparameter("nesterov", "bool"),
                Hyperparameter("maximize", "bool"),
            ),
            has_step=False,
            slots=("momentum_buffer",),
            required_slots=(),
        ),
        "Adam": OptimizerSpec(
            "Adam", _ADAM_HYPERPARAMETERS, True, ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"), ("exp_avg", "exp_avg_sq")
        ),
        "AdamW": OptimizerSpec(
            "AdamW", _ADAM_HYPERPARAMETERS, True, ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"), ("exp_avg", "exp_avg_sq")
        ),
    }
)


@dataclass(frozen=True)
class TrainingState:
    epoch: int
    step: int
    optimizer: Mapping[str, object] | None


def _count(value: object, where: str) -> int:
    number = expect_int(value, where)
    if not 0 <= number <= MAX_SAFE_INTEGER:
        raise error("HEADER_TYPE", f"{where} must be a non-negative integer, got {number}")
    return number


def validate_training(training: object, tensors: Mapping[str, TensorEntry]) -> TrainingState:
    obj = expect_object(training, "`training`")
    check_keys(obj, TRAINING_KEYS, TRAINING_REQUIRED, "`training`")
    epoch = _count(obj["epoch"], "`training.epoch`")
    step = _count(obj["step"], "`training.step`")
    optimizer = obj.get("optimizer")
    if "optimizer" in obj:
        _validate_optimizer(optimizer, tensors)
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
        if hyper.kind == "bool":
            ok = type(value) is bool
        elif hyper.kind == "betas":
            ok = type(value) is list and len(value) == 2 and all(type(b) in (int, float) and 0 <= b < 1 for b in value)
        else:
            ok = type(value) in (int, float) and value >= hyper.minimum  # type: ignore[operator]
        if not ok:
            expected = {"bool": "a boolean", "betas": "two numbers in [0, 1)"}.get(
                hyper.kind, "a number" + (" >= 0" if hyper.minimum == 0 else "")
            )
            raise error(
                "TRAINING_HYPERPARAMETER",
                f"{where}: hyperparameter `{hyper.name}` must be {expected}, got {json_type(value)} {value!r}",
            )


def _validate_optimizer(raw: object, tensors: Mapping[str, TensorEntry]) -> None:
    obj = expect_object(raw, "`training.optimizer`")
    check_keys(obj, OPTIMIZER_KEYS, OPTIMIZER_KEYS, "`training.optimizer`")
    kind = expect_string(obj["type"], "`training.optimizer.type`")
    spec = OPTIMIZERS.get(kind)
    # `modelfmt.` is reserved for this specification (as for op set domains, §9.3): never an extension type.
    if spec is None and (EXTENSION_TYPE.fullmatch(kind) is None or kind.startswith(RESERVED_PREFIX)):
        raise error(
            "TRAINING_OPTIMIZER",
            f"unknown optimizer type {show(kind)}; core types are {', '.join(OPTIMIZERS)} "
            "(others use a reverse-DNS name such as `com.example.Lion`)",
        )
    grouped: dict[str, TensorEntry] = {}
    for index, group_raw in enumerate(expect_array(obj["groups"], "`training.optimizer.groups`")):
        where = f"optimizer group #{index}"
        group = expect_object(group_raw, where)
        check_keys(group, GROUP_KEYS, GROUP_KEYS, where)
        # §11.8: the JSON types of both keys come right after the keys, before the hyperparameter rules.
        expect_object(group["hyperparameters"], where)
        parameters = expect_array(group["parameters"], f"{where}: `parameters`")
        _validate_hyperparameters(spec, group["hyperparameters"], where)
        for name_raw in parameters:
            name = expect_string(name_raw, f"{where}: parameter names")
            if name in grouped:
                raise error("TRAINING_PARAMETER", f"{where}: parameter {show(name)} is already in a group")
            grouped[name] = _tensor(name, tensors, "parameter", f"{where}")
    state = expect_object(obj["state"], "`training.optimizer.state`")
    for name in canonical_order(state):
        where = f"optimizer state of {show(name)}"
        parameter = grouped.get(name)
        if parameter is None:
            raise error("TRAINING_PARAMETER", f"{where}: the parameter is in no optimizer group")
        entry = expect_object(state[name], where)
        check_keys(entry, STATE_KEYS, ("slots",), where)
        if "step" in entry:
            if spec is not None and not spec.has_step:
                raise error("TRAINING_SLOT", f"{where}: {spec.name} keeps no per-parameter `step`")
            _count(entry["step"], f"{where}: `step`")
        elif spec is not None and spec.has_step:
            raise error("TRAINING_SLOT", f"{where}: {spec.name} needs the per-parameter `step`")
        slots = expect_object(entry["slots"], f"{where}: `slots`")
        amsgrad = spec is not None and spec.name in ("Adam", "AdamW") and _amsgrad(obj, name)
        # §11.4: `max_exp_avg_sq` is a slot only when the parameter's group has `amsgrad` true.
        known = () if spec is None else tuple(s for s in spec.slots if amsgrad or s != "max_exp_avg_sq")
        for slot in canonical_order(slots):
            if spec is not None and slot not in known:
                raise error("TRAINING_SLOT", f"{where}: {spec.name} has no slot {show(slot)}")
            tensor = _tensor(
                expect_string(slots[slot], f"{where}: slot `{slot}`"), tensors, "optimizer", f"{where}: slot `{slot}`"
            )
            if spec is not None and (tuple(tensor.shape) != tuple(parameter.shape) or tensor.dtype != parameter.dtype):
                raise error(
                    "TRAINING_SLOT",
                    f"{where}: slot `{slot}` is {tensor.dtype} {list(tensor.shape)}, but the parameter is "
                    f"{parameter.dtype} {list(parameter.shape)}",
                    tensor=tensor.name,
                )
        if spec is not None:
            required = list(spec.required_slots)
            if amsgrad:
                required.append("max_exp_avg_sq")
            for slot in required:
                if slot not in slots:
                    raise error("TRAINING_SLOT", f"{where}: slot `{slot}` is missing")


def _amsgrad(optimizer: Mapping[str, object], parameter: str) -> bool:
    groups = optimizer["groups"]
    assert isinstance(groups, list)
    for group in groups:
        if parameter in group["parameters"]:
            return bool(group["hyperparameters"].get("amsgrad"))
    return False
