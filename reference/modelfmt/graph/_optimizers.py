"""The core optimizer types of SPEC.md §11.2-§11.4 as data: hyperparameters, step and slot rules.

One table, read by the validator (`_training.py`), the header schema (`_schema.py`) and the PyTorch
adapter (`torch/_training.py`), so that the three cannot disagree about a type.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

HyperKind = Literal["number", "bool", "betas", "pair", "triple", "integer", "choice", "eps_pair"]
SlotShape = Literal["like", "scalar", "row", "col"]
SlotRank = Literal["any", "matrix", "vector"]


@dataclass(frozen=True)
class Hyperparameter:
    """One REQUIRED key of a group's `hyperparameters` (§11.3).

    kinds: "number" in [minimum, maximum]; "bool"; "betas": two numbers in [0, 1); "pair": two numbers >= 0;
    "triple": three numbers; "integer": an integer-form number in [minimum, maximum]; "choice": null or one
    of `choices`; "eps_pair": [null or a number >= 0, a number >= 0]."""

    name: str
    kind: HyperKind
    minimum: float = 0.0
    maximum: float = math.inf
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Slot:
    """A per-parameter state tensor (§11.4).

    `shape` "like": the parameter's shape and dtype; "scalar": shape [] and dtype float32 or float64 (a
    per-parameter number that PyTorch keeps as a 0-d tensor, stored as one so that its bits survive);
    "row" / "col": the parameter's dtype and shape with its last / second-to-last dimension 1 (factored
    second moments). `when` names the hyperparameter (boolean, or a number != 0) under which the slot
    exists, `rank` the parameters it exists for ("matrix": rank >= 2, "vector": rank < 2); `required` says
    whether it must then be present."""

    name: str
    shape: SlotShape = "like"
    when: str | None = None
    required: bool = True
    rank: SlotRank = "any"


@dataclass(frozen=True)
class OptimizerSpec:
    """A core optimizer type: its hyperparameters (all required) and per-parameter state."""

    name: str
    since: int  # the minor version that introduced the type (§15.3)
    hyperparameters: tuple[Hyperparameter, ...]
    has_step: bool  # per-parameter integer step count
    slot_table: tuple[Slot, ...]
    # LBFGS: state of the whole parameter list (`shared`, a state value), no per-parameter entries
    shared: bool = False

    @property
    def slots(self) -> tuple[str, ...]:
        return tuple(slot.name for slot in self.slot_table)

    def slot(self, name: str) -> Slot | None:
        return next((slot for slot in self.slot_table if slot.name == name), None)


def _n(name: str, minimum: float = 0.0, maximum: float = math.inf) -> Hyperparameter:
    return Hyperparameter(name, "number", minimum, maximum)


def _b(name: str) -> Hyperparameter:
    return Hyperparameter(name, "bool")


MAX_COUNT: Final = 2**53 - 1  # an integer-form JSON number (§4.4)
_BETAS: Final = Hyperparameter("betas", "betas")
_ADAM_HYPERPARAMETERS: Final = (_n("lr"), _BETAS, _n("eps"), _n("weight_decay"), _b("amsgrad"), _b("maximize"))
_ADAM_SLOTS: Final = (Slot("exp_avg"), Slot("exp_avg_sq"), Slot("max_exp_avg_sq", when="amsgrad"))
_MOMENTS: Final = (Slot("exp_avg"), Slot("exp_avg_sq"))

_TABLE: Final = (
    OptimizerSpec(
        "SGD",
        0,
        (_n("lr"), _n("momentum"), _n("dampening", -math.inf), _n("weight_decay"), _b("nesterov"), _b("maximize")),
        False,
        # Present once a step with momentum != 0 has been taken, so never required.
        (Slot("momentum_buffer", required=False),),
    ),
    OptimizerSpec("Adam", 0, _ADAM_HYPERPARAMETERS, True, _ADAM_SLOTS),
    OptimizerSpec("AdamW", 0, _ADAM_HYPERPARAMETERS, True, _ADAM_SLOTS),
    # -- 1.1 --
    OptimizerSpec(
        "RMSprop",
        1,
        (_n("lr"), _n("alpha"), _n("eps"), _n("weight_decay"), _n("momentum"), _b("centered"), _b("maximize")),
        True,
        (Slot("square_avg"), Slot("momentum_buffer", when="momentum"), Slot("grad_avg", when="centered")),
    ),
    OptimizerSpec(
        "Adagrad",
        1,
        (_n("lr"), _n("lr_decay"), _n("eps"), _n("weight_decay"), _n("initial_accumulator_value"), _b("maximize")),
        True,
        (Slot("sum"),),
    ),
    OptimizerSpec(
        "Adamax",
        1,
        (_n("lr"), _BETAS, _n("eps"), _n("weight_decay"), _b("maximize")),
        True,
        (Slot("exp_avg"), Slot("exp_inf")),
    ),
    OptimizerSpec(
        "NAdam",
        1,
        (
            _n("lr"),
            _BETAS,
            _n("eps"),
            _n("weight_decay"),
            _n("momentum_decay"),
            _b("decoupled_weight_decay"),
            _b("maximize"),
        ),
        True,
        (Slot("mu_product", "scalar"), *_MOMENTS),
    ),
    OptimizerSpec(
        "RAdam",
        1,
        (_n("lr"), _BETAS, _n("eps"), _n("weight_decay"), _b("decoupled_weight_decay"), _b("maximize")),
        True,
        _MOMENTS,
    ),
    OptimizerSpec(
        "Adadelta",
        1,
        (_n("lr"), _n("rho", 0.0, 1.0), _n("eps"), _n("weight_decay"), _b("maximize")),
        True,
        (Slot("square_avg"), Slot("acc_delta")),
    ),
    OptimizerSpec(
        "Rprop",
        1,
        (_n("lr"), Hyperparameter("etas", "pair"), Hyperparameter("step_sizes", "pair"), _b("maximize")),
        True,
        (Slot("prev"), Slot("step_size")),
    ),
    OptimizerSpec(
        "ASGD",
        1,
        (_n("lr"), _n("lambd"), _n("alpha", -math.inf), _n("t0"), _n("weight_decay"), _b("maximize")),
        True,
        (Slot("eta", "scalar"), Slot("mu", "scalar"), Slot("ax")),
    ),
    OptimizerSpec("SparseAdam", 1, (_n("lr"), _BETAS, _n("eps"), _b("maximize")), True, _MOMENTS),
    OptimizerSpec(
        "Adafactor",
        1,
        (
            _n("lr"),
            _n("beta2_decay", -math.inf, 0.0),
            Hyperparameter("eps", "eps_pair"),
            _n("d", 1.0),
            _n("weight_decay"),
            _b("maximize"),
        ),
        True,
        (
            Slot("row_var", "row", rank="matrix"),
            Slot("col_var", "col", rank="matrix"),
            Slot("variance", rank="vector"),
        ),
    ),
    OptimizerSpec(
        "Muon",
        1,
        (
            _n("lr"),
            _n("weight_decay"),
            _n("momentum"),
            _b("nesterov"),
            Hyperparameter("ns_coefficients", "triple"),
            _n("eps"),
            Hyperparameter("ns_steps", "integer", 0, 99),  # PyTorch refuses 100 or more
            Hyperparameter("adjust_lr_fn", "choice", choices=("original", "match_rms_adamw")),
        ),
        False,
        (Slot("momentum_buffer"),),
    ),
    OptimizerSpec(
        "LBFGS",
        1,
        (
            _n("lr"),
            Hyperparameter("max_iter", "integer", 0, MAX_COUNT),
            Hyperparameter("max_eval", "integer", 0, MAX_COUNT),
            _n("tolerance_grad"),
            _n("tolerance_change"),
            Hyperparameter("history_size", "integer", 0, MAX_COUNT),
            Hyperparameter("line_search_fn", "choice", choices=("strong_wolfe",)),
        ),
        False,
        (),
        shared=True,
    ),
)

OPTIMIZERS: Final[Mapping[str, OptimizerSpec]] = MappingProxyType({spec.name: spec for spec in _TABLE})

SCALAR_SLOT_DTYPES: Final = ("float32", "float64")


def slot_shape(slot: Slot, parameter_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape a slot of shape kind "like", "row" or "col" has for a parameter of this shape."""
    shape = list(parameter_shape)
    if slot.shape == "row":
        shape[-1] = 1
    elif slot.shape == "col":
        shape[-2] = 1
    return tuple(shape)


def optimizers_of(minor: int) -> dict[str, OptimizerSpec]:
    """The core types defined for a file of minor version `minor` (§15.3: a later type is unknown there)."""
    return {name: spec for name, spec in OPTIMIZERS.items() if spec.since <= minor}


def slot_applies(slot: Slot, hyperparameters: Mapping[str, object], rank: int) -> bool:
    """Whether `slot` exists for a parameter of rank `rank` whose group has these (valid) hyperparameters."""
    if (slot.rank == "matrix" and rank < 2) or (slot.rank == "vector" and rank >= 2):
        return False
    if slot.when is None:
        return True
    value = hyperparameters.get(slot.when)
    return value is True or (type(value) in (int, float) and value != 0)
