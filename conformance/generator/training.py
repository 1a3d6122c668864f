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
    return result
