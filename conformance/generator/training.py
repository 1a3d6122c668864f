"""Training state vectors (SPEC.md §11): each optimizer type, and one mutation per rule of §11.3-11.8."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from .build import Tensor, canonical, f32, file_bytes, model
from .graph import at, drop, number_tokens, pattern
from .model import Vector, invalid, valid

Training = dict[str, Any]


def _tensors(slots: tuple[str, ...]) -> list[Tensor]:
    tensors = [
        Tensor("fc.weight", "float32", [2, 3], f32(*pattern(6))),
        Tensor("fc.bias", "float32", [2], f32(0.5, -0.5)),
        Tensor("bn.running_mean", "float32", [2], f32(0, 0), "buffer"),
        Tensor("bn.num_batches_tracked", "int64", [], bytes(8), "buffer"),
    ]
    for parameter, shape in (("fc.weight", [2, 3]), ("fc.bias", [2])):
        for slot in slots:
            count = shape[0] * (shape[1] if len(shape) > 1 else 1)
            tensors.append(
                Tensor(f"optimizer.{parameter}.{slot}", "float32", shape, f32(*pattern(count, 0.125)), "optimizer")
            )
    tensors.append(Tensor("optimizer.fc.weight.wrong_shape", "float32", [3, 2], f32(*pattern(6)), "optimizer"))
    tensors.append(Tensor("optimizer.fc.weight.wrong_dtype", "float64", [2, 3], bytes(48), "optimizer"))
    return tensors


ADAM_SLOTS = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")


def adam(kind: str = "Adam", amsgrad: bool = False) -> Training:
    hyper = {"lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0, "amsgrad": amsgrad, "maximize": False}
    slots = ["exp_avg", "exp_avg_sq", *(["max_exp_avg_sq"] if amsgrad else [])]
    state = {
        name: {"step": 1200, "slots": {slot: f"optimizer.{name}.{slot}" for slot in slots}}
        for name in ("fc.weight", "fc.bias")
    }
    return {
        "epoch": 3,
        "step": 1200,
        "optimizer": {
            "type": kind,
            "groups": [{"hyperparameters": hyper, "parameters": ["fc.weight", "fc.bias"]}],
            "state": state,
        },
    }


def sgd() -> Training:
    hyper = {"lr": 0.1, "momentum": 0.9, "dampening": -0.5, "weight_decay": 0.0001, "nesterov": True, "maximize": False}
    return {
        "epoch": 1,
        "step": 10,
        "optimizer": {
            "type": "SGD",
            "groups": [
                {"hyperparameters": hyper, "parameters": ["fc.weight"]},
                {"hyperparameters": {**hyper, "lr": 0.01, "nesterov": False}, "parameters": ["fc.bias"]},
            ],
            "state": {"fc.weight": {"slots": {"momentum_buffer": "optimizer.fc.weight.momentum_buffer"}}},
        },
    }


def training_file(
    training: object, slots: tuple[str, ...] = (*ADAM_SLOTS, "momentum_buffer"), *, minor: int = 0
) -> bytes:
    m = model(_tensors(slots), {})
    m.header["training"] = training
    m.minor = minor
    return file_bytes(m, header_text=number_tokens(canonical(m.header)))


Mutation = Callable[[Training], Any]

# (name, base, mutation, code, description, section)
CASES: list[tuple[str, Callable[[], Training], Mutation, str, str, str]] = [
    ("not-an-object", adam, lambda t: [], "HEADER_TYPE", "training is an object", "11.1"),
    (
        "unknown-key",
        adam,
        at("lr_scheduler", {}),
        "HEADER_UNKNOWN_KEY",
        "training is closed (scheduler state belongs in extensions)",
        "11.1",
    ),
    ("missing-step", adam, drop("step"), "HEADER_MISSING_KEY", "epoch and step are required", "11.1"),
    ("epoch-negative", adam, at("epoch", -1), "HEADER_TYPE", "counters are non-negative", "11.1"),
    ("step-fraction", adam, at("step", "@1200.0@"), "HEADER_TYPE", "counters are integer-form", "11.1"),
    (
        "optimizer-unknown-key",
        adam,
        at("optimizer.lr", 0.1),
        "HEADER_UNKNOWN_KEY",
        "the optimizer object is closed",
        "11.1",
    ),
    ("optimizer-missing-state", adam, drop("optimizer.state"), "HEADER_MISSING_KEY", "type, groups and state", "11.1"),
    ("groups-not-array", adam, at("optimizer.groups", {}), "HEADER_TYPE", "groups is an array", "11.3"),
    ("type-unknown", adam, at("optimizer.type", "Adagrad"), "TRAINING_OPTIMIZER", "not a core type", "11.2"),
    ("type-case", adam, at("optimizer.type", "adam"), "TRAINING_OPTIMIZER", "types are case-sensitive", "11.2"),
    (
        "type-extension-without-name",
        adam,
        at("optimizer.type", "com.example"),
        "TRAINING_OPTIMIZER",
        "an extension type is a reverse-DNS name, a dot and a name",
        "11.2",
    ),
    (
        "type-extension-bad-name",
        adam,
        at("optimizer.type", "com.example.1cycle"),
        "TRAINING_OPTIMIZER",
        "the name after the last dot matches [A-Za-z][A-Za-z0-9_]*",
        "11.2",
    ),
    (
        "type-prototype-name",
        adam,
        at("optimizer.type", "__proto__"),
        "TRAINING_OPTIMIZER",
        "a type is looked up in the table only",
        "11.2",
    ),
    (
        "hyperparameter-unknown",
        sgd,
        at("optimizer.groups.0.hyperparameters.foreach", True),
        "TRAINING_HYPERPARAMETER",
        "implementation choices are not stored",
        "11.3",
    ),
    (
        "hyperparameter-missing",
        adam,
        drop("optimizer.groups.0.hyperparameters.eps"),
        "TRAINING_HYPERPARAMETER",
        "every hyperparameter is required",
        "11.3",
    ),
    (
        "hyperparameter-lr-negative",
        adam,
        at("optimizer.groups.0.hyperparameters.lr", -0.001),
        "TRAINING_HYPERPARAMETER",
        "lr >= 0",
        "11.3",
    ),
    (
        "hyperparameter-lr-string",
        adam,
        at("optimizer.groups.0.hyperparameters.lr", "0.001"),
        "TRAINING_HYPERPARAMETER",
        "lr is a number",
        "11.3",
    ),
    (
        "hyperparameter-betas-three",
        adam,
        at("optimizer.groups.0.hyperparameters.betas", [0.9, 0.99, 0.999]),
        "TRAINING_HYPERPARAMETER",
        "betas has two numbers",
        "11.3",
    ),
    (
        "hyperparameter-beta-one",
        adam,
        at("optimizer.groups.0.hyperparameters.betas", [0.9, 1]),
        "TRAINING_HYPERPARAMETER",
        "each beta is in [0, 1)",
        "11.3",
    ),
    (
        "hyperparameter-bool-string",
        sgd,
        at("optimizer.groups.0.hyperparameters.nesterov", "true"),
        "TRAINING_HYPERPARAMETER",
        "nesterov is a boolean",
        "11.3",
    ),
    (
        "hyperparameter-momentum-negative",
        sgd,
        at("optimizer.groups.0.hyperparameters.momentum", -0.9),
        "TRAINING_HYPERPARAMETER",
        "momentum >= 0",
        "11.3",
    ),
    (
        "parameter-in-two-groups",
        sgd,
        at("optimizer.groups.1.parameters", ["fc.bias", "fc.weight"]),
        "TRAINING_PARAMETER",
        "a parameter is in at most one group",
        "11.3",
    ),
    (
        "parameter-missing",
        adam,
        at("optimizer.groups.0.parameters", ["fc.weight", "fc.bias", "fc.gone"]),
        "TRAINING_TENSOR_MISSING",
        "group parameters are tensors",
        "11.3",
    ),
    (
        "parameter-role",
        adam,
        at("optimizer.groups.0.parameters", ["fc.weight", "fc.bias", "bn.running_mean"]),
        "TRAINING_TENSOR_ROLE",
        "group parameters have role parameter",
        "11.3",
    ),
    (
        "state-without-group",
        sgd,
        at("optimizer/state/fc.gone", {"slots": {}}),
        "TRAINING_PARAMETER",
        "state only for grouped parameters",
        "11.4",
    ),
    (
        "state-unknown-key",
        adam,
        at("optimizer/state/fc.bias/lr", 1),
        "HEADER_UNKNOWN_KEY",
        "state entries are closed",
        "11.4",
    ),
    (
        "sgd-with-step",
        sgd,
        at("optimizer/state/fc.weight/step", 10),
        "TRAINING_SLOT",
        "SGD keeps no per-parameter step",
        "11.4",
    ),
    ("adam-without-step", adam, drop("optimizer/state/fc.bias/step"), "TRAINING_SLOT", "Adam needs the step", "11.4"),
    (
        "slot-unknown",
        adam,
        at("optimizer/state/fc.bias/slots/momentum_buffer", "optimizer.fc.bias.momentum_buffer"),
        "TRAINING_SLOT",
        "Adam has no momentum_buffer",
        "11.4",
    ),
    (
        "slot-missing-tensor",
        adam,
        at("optimizer/state/fc.bias/slots/exp_avg", "optimizer.fc.bias.gone"),
        "TRAINING_TENSOR_MISSING",
        "slot tensors exist",
        "11.4",
    ),
    (
        "slot-role",
        adam,
        at("optimizer/state/fc.bias/slots/exp_avg", "fc.bias"),
        "TRAINING_TENSOR_ROLE",
        "slot tensors have role optimizer",
        "11.4",
    ),
    (
        "slot-shape",
        adam,
        at("optimizer/state/fc.weight/slots/exp_avg", "optimizer.fc.weight.wrong_shape"),
        "TRAINING_SLOT",
        "a slot has its parameter's shape",
        "11.4",
    ),
    (
        "slot-dtype",
        adam,
        at("optimizer/state/fc.weight/slots/exp_avg", "optimizer.fc.weight.wrong_dtype"),
        "TRAINING_SLOT",
        "a slot has its parameter's dtype",
        "11.4",
    ),
    (
        "slot-required-missing",
        adam,
        drop("optimizer/state/fc.bias/slots/exp_avg_sq"),
        "TRAINING_SLOT",
        "Adam's required slots",
        "11.4",
    ),
    (
        "amsgrad-max-missing",
        lambda: adam("AdamW", amsgrad=True),
        drop("optimizer/state/fc.bias/slots/max_exp_avg_sq"),
        "TRAINING_SLOT",
        "max_exp_avg_sq is required with amsgrad",
        "11.4",
    ),
    (
        "extension-parameter-role",
        lambda: {
            "epoch": 0,
            "step": 0,
            "optimizer": {
                "type": "com.example.Lion",
                "groups": [{"hyperparameters": {}, "parameters": ["bn.running_mean"]}],
                "state": {},
            },
        },
        lambda t: t,
        "TRAINING_TENSOR_ROLE",
        "an extension optimizer's references are still checked",
        "11.7",
    ),
]


def vectors() -> list[Vector]:
    lion = {
        "epoch": 0,
        "step": 5,
        "optimizer": {
            "type": "com.example.Lion",
            "groups": [
                {
                    "hyperparameters": {"lr": 1e-4, "betas": [0.9, 0.99, 0.5], "schedule": {"warmup": 10}},
                    "parameters": ["fc.weight"],
                }
            ],
            "state": {"fc.weight": {"step": 5, "slots": {"anything": "optimizer.fc.weight.exp_avg"}}},
        },
    }
    no_state = sgd()
    no_state["optimizer"]["state"] = {}
    result = [
        valid(
            "valid.training.counters-only",
            training_file({"epoch": 0, "step": 0}),
            "only the counters, no optimizer",
            "11.1",
        ),
        valid(
            "valid.training.sgd",
            training_file(sgd()),
            "SGD with Nesterov momentum in two groups, a negative dampening, state for one parameter",
            ("11.2", "11.3", "11.4"),
        ),
        valid("valid.training.sgd-no-state", training_file(no_state), "no step taken yet: no state entries", "11.4"),
        valid(
            "valid.training.adam",
            training_file(adam()),
            "Adam with per-parameter steps and both moments",
            ("11.2", "11.4"),
        ),
        valid(
            "valid.training.adamw-amsgrad",
            training_file(adam("AdamW", amsgrad=True)),
            "AdamW with AMSGrad: max_exp_avg_sq is present",
            ("11.2", "11.4"),
        ),
        valid(
            "valid.training.extension-optimizer",
            training_file(lion),
            "an extension optimizer: free hyperparameters and slot names",
            "11.7",
        ),
    ]
    for name, make, change, code, description, section in CASES:
        value = change(copy.deepcopy(make()))
        result.append(
            invalid(
                f"invalid.training.{name}",
                training_file(value),
                code,
                description,
                section,
                tags=(f"training-rule:{name}",),
            )
        )
    return result + vectors_11()


# -- 1.1: the optimizer types of §11.2 since 1.1, and the keys and state values of §11.9-11.10 --------------

NEW_TYPES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "RMSprop": (
        {
            "lr": 0.01,
            "alpha": 0.99,
            "eps": 1e-8,
            "weight_decay": 0,
            "momentum": 0.5,
            "centered": True,
            "maximize": False,
        },
        ("square_avg", "momentum_buffer", "grad_avg"),
    ),
    "Adagrad": (
        {"lr": 0.01, "lr_decay": 0, "eps": 1e-10, "weight_decay": 0, "initial_accumulator_value": 0, "maximize": False},
        ("sum",),
    ),
    "Adamax": (
        {"lr": 0.002, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0, "maximize": False},
        ("exp_avg", "exp_inf"),
    ),
    "NAdam": (
        {
            "lr": 0.002,
            "betas": [0.9, 0.999],
            "eps": 1e-8,
            "weight_decay": 0,
            "momentum_decay": 0.004,
            "decoupled_weight_decay": False,
            "maximize": False,
        },
        ("mu_product", "exp_avg", "exp_avg_sq"),
    ),
    "RAdam": (
        {
            "lr": 0.001,
            "betas": [0.9, 0.999],
            "eps": 1e-8,
            "weight_decay": 0,
            "decoupled_weight_decay": True,
            "maximize": False,
        },
        ("exp_avg", "exp_avg_sq"),
    ),
    "Adadelta": (
        {"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0, "maximize": False},
        ("square_avg", "acc_delta"),
    ),
    "Rprop": ({"lr": 0.01, "etas": [0.5, 1.2], "step_sizes": [1e-6, 50], "maximize": False}, ("prev", "step_size")),
    "ASGD": (
        {"lr": 0.01, "lambd": 0.0001, "alpha": 0.75, "t0": 1000000.0, "weight_decay": 0, "maximize": False},
        ("eta", "mu", "ax"),
    ),
    "SparseAdam": ({"lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-8, "maximize": False}, ("exp_avg", "exp_avg_sq")),
}
SCALAR_SLOTS = ("mu_product", "eta", "mu")
LIKE_SLOTS = tuple(dict.fromkeys(s for _, slots in NEW_TYPES.values() for s in slots if s not in SCALAR_SLOTS))


def _tensors_11() -> list[Tensor]:
    tensors = _tensors(LIKE_SLOTS)
    for parameter in ("fc.weight", "fc.bias"):
        for slot in SCALAR_SLOTS:
            tensors.append(Tensor(f"optimizer.{parameter}.{slot}", "float32", [], f32(0.875), "optimizer"))
    tensors.append(Tensor("optimizer.fc.weight.scalar64", "float64", [], bytes(8), "optimizer"))
    tensors.append(Tensor("training.rng.torch", "uint8", [5], bytes(range(5)), "other"))
    tensors.append(Tensor("training.data.generator", "uint8", [3], bytes(3), "other"))
    tensors.append(Tensor("training.extra.0", "float32", [2], f32(1, 2), "other"))
    tensors.append(Tensor("training.int8", "int8", [2], bytes(2), "other"))
    # Adafactor's factored second moments of the matrix fc.weight [2, 3], and the variance of fc.bias
    tensors.append(Tensor("optimizer.fc.weight.row_var", "float32", [2, 1], f32(0.25, 0.5), "optimizer"))
    tensors.append(Tensor("optimizer.fc.weight.col_var", "float32", [1, 3], f32(0.25, 0.5, 0.75), "optimizer"))
    tensors.append(Tensor("optimizer.fc.bias.variance", "float32", [2], f32(0.25, 0.5), "optimizer"))
    # LBFGS's shared state: flattened vectors of all 8 parameter elements
    tensors.append(Tensor("optimizer.shared.0", "float32", [8], f32(*pattern(8)), "optimizer"))
    tensors.append(Tensor("optimizer.shared.1", "float32", [8], f32(*pattern(8, 0.5)), "optimizer"))
    return tensors


def lbfgs() -> Training:
    hyper = {
        "lr": 1,
        "max_iter": 20,
        "max_eval": 25,
        "tolerance_grad": 1e-7,
        "tolerance_change": 1e-9,
        "history_size": 100,
        "line_search_fn": None,
    }
    shared = {
        "dict": [
            [{"str": "func_evals"}, {"int": "20"}],
            [{"str": "n_iter"}, {"int": "20"}],
            [{"str": "d"}, {"tensor": "optimizer.shared.0"}],
            [{"str": "t"}, {"float": "1.0"}],
            [{"str": "old_dirs"}, {"list": [{"tensor": "optimizer.shared.1"}]}],
            [{"str": "al"}, {"list": [{"none": None}, {"none": None}]}],
            [{"str": "prev_loss"}, {"float": "-108.67473602294922"}],
        ]
    }
    return {
        "epoch": 1,
        "step": 1,
        "optimizer": {
            "type": "LBFGS",
            "groups": [{"hyperparameters": hyper, "parameters": ["fc.weight", "fc.bias"]}],
            "state": {},
            "shared": shared,
        },
    }


def adafactor() -> Training:
    hyper = {"lr": 0.01, "beta2_decay": -0.8, "eps": [None, 0.001], "d": 1.0, "weight_decay": 0.0, "maximize": False}
    return {
        "epoch": 1,
        "step": 7,
        "optimizer": {
            "type": "Adafactor",
            "groups": [{"hyperparameters": hyper, "parameters": ["fc.weight", "fc.bias"]}],
            "state": {
                "fc.weight": {
                    "step": 7,
                    "slots": {"row_var": "optimizer.fc.weight.row_var", "col_var": "optimizer.fc.weight.col_var"},
                },
                "fc.bias": {"step": 7, "slots": {"variance": "optimizer.fc.bias.variance"}},
            },
        },
    }


def muon() -> Training:
    hyper = {
        "lr": 0.001,
        "weight_decay": 0.1,
        "momentum": 0.95,
        "nesterov": True,
        "ns_coefficients": [3.4445, -4.775, 2.0315],
        "eps": 1e-7,
        "ns_steps": 5,
        "adjust_lr_fn": None,
    }
    return {
        "epoch": 1,
        "step": 7,
        "optimizer": {
            "type": "Muon",
            "groups": [{"hyperparameters": hyper, "parameters": ["fc.weight"]}],
            "state": {"fc.weight": {"slots": {"momentum_buffer": "optimizer.fc.weight.momentum_buffer"}}},
        },
    }


def optimizer_11(kind: str) -> Training:
    hyper, slots = NEW_TYPES[kind]
    state = {
        name: {"step": 7, "slots": {slot: f"optimizer.{name}.{slot}" for slot in slots}}
        for name in ("fc.weight", "fc.bias")
    }
    return {
        "epoch": 1,
        "step": 7,
        "optimizer": {
            "type": kind,
            "groups": [{"hyperparameters": dict(hyper), "parameters": ["fc.weight", "fc.bias"]}],
            "state": state,
        },
    }


def resume_state() -> Training:
    """Every key of §11.9 and every tag of §11.10."""
    training = optimizer_11("NAdam")
    training["scheduler"] = {
        "type": "ReduceLROnPlateau",
        "state": {
            "dict": [
                [{"str": "best"}, {"float": "inf"}],
                [{"str": "mode_worse"}, {"float": "-inf"}],
                [{"str": "factor"}, {"float": "0.1"}],
                [{"str": "patience"}, {"int": "10"}],
                [{"str": "longest"}, {"int": "-" + "9" * 4300}],
                [{"str": "last"}, {"float": "-0.0"}],
                [{"str": "eps"}, {"float": "1e-08"}],
                [{"int": "1"}, {"float": "nan"}],
                [{"float": "1.0"}, {"none": None}],
                [{"bool": True}, {"tuple": [{"bool": False}, {"list": []}]}],
            ]
        },
    }
    training["scaler"] = {
        "dict": [[{"str": "scale"}, {"float": "65536.0"}], [{"str": "_growth_tracker"}, {"int": "0"}]]
    }
    training["rng"] = {
        "torch": "training.rng.torch",
        "numpy": {"dict": [[{"str": "state"}, {"int": "340282366920938463463374607431768211455"}]]},
        "python": {"tuple": [{"int": "3"}, {"tuple": [{"int": "2147483648"}, {"int": "-1"}]}, {"none": None}]},
    }
    training["data"] = {"batch": 3, "generator": "training.data.generator"}
    training["extra"] = {
        "dict": [[{"str": "weights"}, {"tensor": "training.extra.0"}], [{"str": "name"}, {"str": "run"}]]
    }
    return training


def training_file_11(training: object, *, minor: int = 1) -> bytes:
    m = model(_tensors_11(), {})
    m.header["training"] = training
    m.minor = minor
    return file_bytes(m, header_text=number_tokens(canonical(m.header)))


def _value(value: object) -> Mutation:
    return at("extra", value)


CASES_11: list[tuple[str, Callable[[], Training], Mutation, str, str, str]] = [
    (
        "lbfgs-state-entry",
        lbfgs,
        at("optimizer/state/fc.bias", {"slots": {}}),
        "TRAINING_SLOT",
        "LBFGS keeps no per-parameter state",
        "11.4",
    ),
    (
        "shared-on-radam",
        lambda: {
            **optimizer_11("RAdam"),
            "optimizer": {**optimizer_11("RAdam")["optimizer"], "shared": {"none": None}},
        },
        lambda t: t,
        "TRAINING_SLOT",
        "only LBFGS has `shared`",
        "11.4",
    ),
    (
        "lbfgs-shared-tensor-role",
        lbfgs,
        at("optimizer/shared/dict/2/1/tensor", "training.extra.0"),
        "TRAINING_TENSOR_ROLE",
        "`shared` names tensors of role optimizer",
        "11.4",
    ),
    (
        "lbfgs-shared-grammar",
        lbfgs,
        at("optimizer/shared/dict/0/1", {"int": 20}),
        "TRAINING_VALUE",
        "`shared` is a state value",
        "11.10",
    ),
    (
        "lbfgs-max-iter-negative",
        lbfgs,
        at("optimizer.groups.0.hyperparameters.max_iter", -1),
        "TRAINING_HYPERPARAMETER",
        "max_iter is a count",
        "11.3",
    ),
    (
        "lbfgs-line-search-unknown",
        lbfgs,
        at("optimizer.groups.0.hyperparameters.line_search_fn", "backtracking"),
        "TRAINING_HYPERPARAMETER",
        "line_search_fn is null or strong_wolfe",
        "11.3",
    ),
    (
        "adafactor-row-var-full-shape",
        adafactor,
        at("optimizer/state/fc.weight/slots/row_var", "optimizer.fc.weight.sum"),
        "TRAINING_SLOT",
        "row_var has the parameter's shape with its last dimension 1",
        "11.4",
    ),
    (
        "adafactor-variance-on-a-matrix",
        adafactor,
        at("optimizer/state/fc.weight/slots/variance", "optimizer.fc.weight.sum"),
        "TRAINING_SLOT",
        "variance is a slot of parameters of rank < 2 only",
        "11.4",
    ),
    (
        "adafactor-col-var-on-a-vector",
        adafactor,
        at("optimizer/state/fc.bias/slots/col_var", "optimizer.fc.bias.sum"),
        "TRAINING_SLOT",
        "col_var is a slot of parameters of rank >= 2 only",
        "11.4",
    ),
    (
        "adafactor-beta2-decay-positive",
        adafactor,
        at("optimizer.groups.0.hyperparameters.beta2_decay", 0.5),
        "TRAINING_HYPERPARAMETER",
        "beta2_decay <= 0",
        "11.3",
    ),
    (
        "adafactor-eps-first-string",
        adafactor,
        at("optimizer.groups.0.hyperparameters.eps", ["auto", 0.001]),
        "TRAINING_HYPERPARAMETER",
        "eps is [null or a number >= 0, a number >= 0]",
        "11.3",
    ),
    (
        "adafactor-d-below-one",
        adafactor,
        at("optimizer.groups.0.hyperparameters.d", 0.5),
        "TRAINING_HYPERPARAMETER",
        "d >= 1",
        "11.3",
    ),
    (
        "muon-with-step",
        muon,
        at("optimizer/state/fc.weight/step", 7),
        "TRAINING_SLOT",
        "Muon keeps no per-parameter step",
        "11.4",
    ),
    (
        "muon-ns-steps-fraction",
        muon,
        at("optimizer.groups.0.hyperparameters.ns_steps", "@5.0@"),
        "TRAINING_HYPERPARAMETER",
        "ns_steps is an integer-form number",
        "11.3",
    ),
    (
        "muon-ns-steps-100",
        muon,
        at("optimizer.groups.0.hyperparameters.ns_steps", 100),
        "TRAINING_HYPERPARAMETER",
        "ns_steps is at most 99",
        "11.3",
    ),
    (
        "muon-adjust-lr-fn-unknown",
        muon,
        at("optimizer.groups.0.hyperparameters.adjust_lr_fn", "cosine"),
        "TRAINING_HYPERPARAMETER",
        "adjust_lr_fn is null, original or match_rms_adamw",
        "11.3",
    ),
    (
        "muon-coefficients-two",
        muon,
        at("optimizer.groups.0.hyperparameters.ns_coefficients", [3.4445, -4.775]),
        "TRAINING_HYPERPARAMETER",
        "ns_coefficients is three numbers",
        "11.3",
    ),
    (
        "muon-buffer-missing",
        muon,
        at("optimizer/state/fc.weight/slots", {}),
        "TRAINING_SLOT",
        "Muon's momentum_buffer is required",
        "11.4",
    ),
    (
        "rmsprop-grad-avg-without-centered",
        lambda: optimizer_11("RMSprop"),
        at("optimizer.groups.0.hyperparameters.centered", False),
        "TRAINING_SLOT",
        "grad_avg is a slot only when centered is true",
        "11.4",
    ),
    (
        "rmsprop-momentum-buffer-missing",
        lambda: optimizer_11("RMSprop"),
        drop("optimizer/state/fc.bias/slots/momentum_buffer"),
        "TRAINING_SLOT",
        "momentum_buffer is required when momentum != 0",
        "11.4",
    ),
    (
        "nadam-scalar-slot-shaped",
        lambda: optimizer_11("NAdam"),
        at("optimizer/state/fc.bias/slots/mu_product", "optimizer.fc.bias.exp_avg"),
        "TRAINING_SLOT",
        "a scalar slot has shape []",
        "11.4",
    ),
    (
        "asgd-scalar-slot-int",
        lambda: optimizer_11("ASGD"),
        at("optimizer/state/fc.bias/slots/eta", "bn.num_batches_tracked"),
        "TRAINING_TENSOR_ROLE",
        "a scalar slot is a tensor of role optimizer",
        "11.4",
    ),
    (
        "adagrad-without-step",
        lambda: optimizer_11("Adagrad"),
        drop("optimizer/state/fc.bias/step"),
        "TRAINING_SLOT",
        "every 1.1 type keeps the per-parameter step",
        "11.4",
    ),
    (
        "adadelta-rho-above-one",
        lambda: optimizer_11("Adadelta"),
        at("optimizer.groups.0.hyperparameters.rho", 1.5),
        "TRAINING_HYPERPARAMETER",
        "rho is in [0, 1]",
        "11.3",
    ),
    (
        "rprop-etas-three",
        lambda: optimizer_11("Rprop"),
        at("optimizer.groups.0.hyperparameters.etas", [0.5, 1.2, 2]),
        "TRAINING_HYPERPARAMETER",
        "etas is two numbers",
        "11.3",
    ),
    (
        "sparseadam-weight-decay",
        lambda: optimizer_11("SparseAdam"),
        at("optimizer.groups.0.hyperparameters.weight_decay", 0),
        "TRAINING_HYPERPARAMETER",
        "SparseAdam has no weight_decay",
        "11.3",
    ),
    (
        "scheduler-type-unknown",
        resume_state,
        at("scheduler.type", "WarmupLR"),
        "TRAINING_SCHEDULER",
        "a scheduler type is a core type or reverse-DNS",
        "11.9",
    ),
    (
        "scheduler-type-reserved",
        resume_state,
        at("scheduler.type", "modelfmt.Warmup"),
        "TRAINING_SCHEDULER",
        "modelfmt. is reserved",
        "11.9",
    ),
    (
        "scheduler-missing-state",
        resume_state,
        drop("scheduler.state"),
        "HEADER_MISSING_KEY",
        "type and state are required",
        "11.9",
    ),
    (
        "rng-unknown-key",
        resume_state,
        at("rng.cuda", "training.rng.torch"),
        "HEADER_UNKNOWN_KEY",
        "rng is closed",
        "11.9",
    ),
    (
        "rng-torch-not-bytes",
        resume_state,
        at("rng.torch", "training.extra.0"),
        "TRAINING_VALUE",
        "a generator state is uint8 of rank 1",
        "11.9",
    ),
    (
        "rng-torch-wrong-role",
        resume_state,
        at("rng.torch", "fc.bias"),
        "TRAINING_TENSOR_ROLE",
        "state tensors have role other",
        "11.9",
    ),
    ("data-batch-negative", resume_state, at("data.batch", -1), "HEADER_TYPE", "batch is a count", "11.9"),
    (
        "data-generator-missing",
        resume_state,
        at("data.generator", "nowhere"),
        "TRAINING_TENSOR_MISSING",
        "the generator tensor exists",
        "11.9",
    ),
    (
        "value-two-keys",
        resume_state,
        _value({"int": "1", "str": "x"}),
        "TRAINING_VALUE",
        "a state value has exactly one key",
        "11.10",
    ),
    ("value-unknown-tag", resume_state, _value({"complex": "1j"}), "TRAINING_VALUE", "an unknown tag", "11.10"),
    ("value-int-number", resume_state, _value({"int": 1}), "TRAINING_VALUE", "an int is a string", "11.10"),
    (
        "value-int-4301-digits",
        resume_state,
        _value({"int": "1" * 4301}),
        "TRAINING_VALUE",
        "at most 4300 digits",
        "11.10",
    ),
    (
        "value-int-leading-zero",
        resume_state,
        _value({"int": "01"}),
        "TRAINING_VALUE",
        "an int has no leading zero",
        "11.10",
    ),
    ("value-float-number", resume_state, _value({"float": 0.5}), "TRAINING_VALUE", "a float is a string", "11.10"),
    (
        "value-float-infinity-word",
        resume_state,
        _value({"float": "Infinity"}),
        "TRAINING_VALUE",
        "infinity is inf",
        "11.10",
    ),
    (
        "value-float-overflow",
        resume_state,
        _value({"float": "1e999"}),
        "TRAINING_VALUE",
        "a float rounds to a finite binary64 or is inf",
        "11.10",
    ),
    ("value-none-not-null", resume_state, _value({"none": 0}), "TRAINING_VALUE", "none holds null", "11.10"),
    (
        "value-dict-pair-short",
        resume_state,
        _value({"dict": [[{"str": "a"}]]}),
        "TRAINING_VALUE",
        "a dict entry is [key, value]",
        "11.10",
    ),
    (
        "value-dict-list-key",
        resume_state,
        _value({"dict": [[{"list": []}, {"none": None}]]}),
        "TRAINING_VALUE",
        "a key is a scalar",
        "11.10",
    ),
    (
        "value-dict-duplicate-float-key",
        resume_state,
        _value({"dict": [[{"float": "1"}, {"none": None}], [{"float": "1.0"}, {"none": None}]]}),
        "TRAINING_VALUE",
        "floats are the same key by their bits",
        "11.10",
    ),
    (
        "value-tensor-missing",
        resume_state,
        _value({"tensor": "nowhere"}),
        "TRAINING_TENSOR_MISSING",
        "a tensor tag names a tensor",
        "11.10",
    ),
    (
        "value-tensor-role",
        resume_state,
        _value({"list": [{"tensor": "fc.weight"}]}),
        "TRAINING_TENSOR_ROLE",
        "a tensor tag names a tensor of role other",
        "11.10",
    ),
]


def vectors_11() -> list[Vector]:
    result = [
        valid(
            f"valid.training.{kind.lower()}",
            training_file_11(optimizer_11(kind)),
            f"{kind} (since 1.1) with its slots",
            ("11.2", "11.3", "11.4"),
        )
        for kind in NEW_TYPES
    ]
    result.append(
        valid(
            "valid.training.adafactor",
            training_file_11(adafactor()),
            "Adafactor (since 1.1): factored row_var [2, 1] and col_var [1, 3] for a matrix, variance for a vector",
            ("11.2", "11.3", "11.4"),
        )
    )
    result.append(
        valid(
            "valid.training.lbfgs",
            training_file_11(lbfgs()),
            "LBFGS (since 1.1): no per-parameter state; its whole state is the state value `shared`",
            ("11.2", "11.3", "11.4", "11.10"),
        )
    )
    result.append(
        invalid(
            "invalid.training.shared-in-1-0",
            training_file_11({**sgd(), "optimizer": {**sgd()["optimizer"], "shared": {"none": None}}}, minor=0),
            "HEADER_UNKNOWN_KEY",
            "the optimizer's `shared` is a key of 1.1",
            ("11.4", "15.4"),
            tags=("training-rule:shared-since",),
        )
    )
    result.append(
        valid(
            "valid.training.muon",
            training_file_11(muon()),
            "Muon (since 1.1): no per-parameter step, ns_steps an integer, adjust_lr_fn null",
            ("11.2", "11.3", "11.4"),
        )
    )
    result.append(
        valid(
            "valid.training.resume-state",
            training_file_11(resume_state()),
            "every key of §11.9 and every tag of §11.10: inf, -inf, nan, -0.0, a 128-bit int, typed dict keys",
            ("11.9", "11.10"),
            tags=("pitfall:17.22",),
        )
    )
    result += [
        invalid(
            "invalid.training.rmsprop-in-1-0",
            training_file_11(optimizer_11("RMSprop"), minor=0),
            "TRAINING_OPTIMIZER",
            "a type of 1.1 is unknown in a 1.0 file",
            ("11.2", "15.4"),
            tags=("training-rule:type-since",),
        ),
        invalid(
            "invalid.training.scheduler-in-1-0",
            training_file_11({"epoch": 0, "step": 0, "scaler": {"none": None}}, minor=0),
            "HEADER_UNKNOWN_KEY",
            "a key of 1.1 is unknown in a 1.0 file",
            ("11.9", "15.4"),
            tags=("training-rule:key-since",),
        ),
        invalid(
            "invalid.training.minor-2-optimizer-unknown",
            training_file_11(
                {**optimizer_11("RMSprop"), "optimizer": {"type": "Lion", "groups": [], "state": {}}}, minor=2
            ),
            "UNSUPPORTED_VERSION",
            "an unknown non-reverse-DNS type in a newer minor's file may be that minor's core type",
            ("15.4",),
        ),
        invalid(
            "invalid.training.minor-2-tag-unknown",
            training_file_11({"epoch": 0, "step": 0, "extra": {"complex": "1j"}}, minor=2),
            "UNSUPPORTED_VERSION",
            "an unknown tag in a newer minor's file may be that minor's tag",
            ("15.4",),
        ),
    ]
    for name, make, change, code, description, section in CASES_11:
        value = change(copy.deepcopy(make()))
        result.append(
            invalid(
                f"invalid.training.{name}",
                training_file_11(value),
                code,
                description,
                section,
                tags=(f"training-rule:{name}", *(("pitfall:17.22",) if name.startswith("value-") else ())),
            )
        )
    return result
