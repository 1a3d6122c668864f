"""Training state (SPEC.md §11): resuming is exact, and malformed training objects get their codes."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import modelfmt
import numpy as np
import pytest
from arch_helpers import raw_file, table
from modelfmt.graph._training import validate_training

# ---- validation (no torch needed) -----------------------------------------------------------------------

P = np.zeros((2, 3), np.float32)
TENSORS = {
    "w": P,
    "b": np.zeros(3, np.float32),
    "m.w": P,
    "v.w": P,
    "m.b": np.zeros(3, np.float32),
    "v.b": np.zeros(3, np.float32),
    "odd": np.zeros((3, 2), np.float32),
}
ROLES = {"m.w": "optimizer", "v.w": "optimizer", "m.b": "optimizer", "v.b": "optimizer", "odd": "optimizer"}
ADAM = {"lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0, "amsgrad": False, "maximize": False}


def base() -> dict[str, Any]:
    return {
        "epoch": 2,
        "step": 10,
        "optimizer": {
            "type": "Adam",
            "groups": [{"hyperparameters": dict(ADAM), "parameters": ["w", "b"]}],
            "state": {
                "w": {"step": 10, "slots": {"exp_avg": "m.w", "exp_avg_sq": "v.w"}},
                "b": {"step": 10, "slots": {"exp_avg": "m.b", "exp_avg_sq": "v.b"}},
            },
        },
    }


def _edit(function: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def apply(training: dict[str, Any]) -> dict[str, Any]:
        function(training)
        return training

    return apply


def _optimizer(training: dict[str, Any]) -> dict[str, Any]:
    return training["optimizer"]  # type: ignore[no-any-return]


CASES: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    ("not-an-object", lambda training: [], "HEADER_TYPE"),
    ("unknown-key", _edit(lambda t: t.update(rng="x")), "HEADER_UNKNOWN_KEY"),
    ("missing-step", _edit(lambda t: t.pop("step")), "HEADER_MISSING_KEY"),
    ("negative-epoch", _edit(lambda t: t.update(epoch=-1)), "HEADER_TYPE"),
    ("float-step", _edit(lambda t: t.update(step=1.5)), "HEADER_TYPE"),
    ("optimizer-missing-state", _edit(lambda t: _optimizer(t).pop("state")), "HEADER_MISSING_KEY"),
    ("unknown-type", _edit(lambda t: _optimizer(t).update(type="Adagrad")), "TRAINING_OPTIMIZER"),
    (
        "unknown-hyperparameter",
        _edit(lambda t: _optimizer(t)["groups"][0]["hyperparameters"].update(foreach=True)),
        "TRAINING_HYPERPARAMETER",
    ),
    (
        "missing-hyperparameter",
        _edit(lambda t: _optimizer(t)["groups"][0]["hyperparameters"].pop("eps")),
        "TRAINING_HYPERPARAMETER",
    ),
    (
        "betas-out-of-range",
        _edit(lambda t: _optimizer(t)["groups"][0]["hyperparameters"].update(betas=[0.9, 1.0])),
        "TRAINING_HYPERPARAMETER",
    ),
    (
        "lr-string",
        _edit(lambda t: _optimizer(t)["groups"][0]["hyperparameters"].update(lr="0.1")),
        "TRAINING_HYPERPARAMETER",
    ),
    (
        "parameter-twice",
        _edit(lambda t: _optimizer(t)["groups"].append({"hyperparameters": dict(ADAM), "parameters": ["w"]})),
        "TRAINING_PARAMETER",
    ),
    ("state-without-group", _edit(lambda t: _optimizer(t)["groups"][0].update(parameters=["w"])), "TRAINING_PARAMETER"),
    (
        "parameter-missing",
        _edit(lambda t: _optimizer(t)["groups"][0].update(parameters=["w", "b", "c"])),
        "TRAINING_TENSOR_MISSING",
    ),
    (
        "parameter-wrong-role",
        _edit(lambda t: _optimizer(t)["groups"][0].update(parameters=["w", "b", "m.w"])),
        "TRAINING_TENSOR_ROLE",
    ),
    ("adam-without-step", _edit(lambda t: _optimizer(t)["state"]["w"].pop("step")), "TRAINING_SLOT"),
    (
        "unknown-slot",
        _edit(lambda t: _optimizer(t)["state"]["w"]["slots"].update(momentum_buffer="m.w")),
        "TRAINING_SLOT",
    ),
    ("missing-slot", _edit(lambda t: _optimizer(t)["state"]["w"]["slots"].pop("exp_avg_sq")), "TRAINING_SLOT"),
    (
        "amsgrad-needs-max",
        _edit(lambda t: _optimizer(t)["groups"][0]["hyperparameters"].update(amsgrad=True)),
        "TRAINING_SLOT",
    ),
    ("slot-shape", _edit(lambda t: _optimizer(t)["state"]["w"]["slots"].update(exp_avg="odd")), "TRAINING_SLOT"),
    (
        "slot-tensor-missing",
        _edit(lambda t: _optimizer(t)["state"]["w"]["slots"].update(exp_avg="nope")),
        "TRAINING_TENSOR_MISSING",
    ),
    (
        "slot-wrong-role",
        _edit(lambda t: _optimizer(t)["state"]["w"]["slots"].update(exp_avg="b")),
        "TRAINING_TENSOR_ROLE",
    ),
    (
        "sgd-with-step",
        _edit(
            lambda t: (
                _optimizer(t).update(type="SGD"),
                _optimizer(t)["groups"][0].update(
                    hyperparameters={
                        "lr": 0.1,
                        "momentum": 0.9,
                        "dampening": 0,
                        "weight_decay": 0,
                        "nesterov": False,
                        "maximize": False,
                    }
                ),
            )
        ),
        "TRAINING_SLOT",
    ),
]


@pytest.mark.parametrize(("mutation", "code"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_invalid_training_state(mutation: Callable[[dict[str, Any]], Any], code: str) -> None:
    with pytest.raises(modelfmt.FormatError) as caught:
        validate_training(mutation(copy.deepcopy(base())), table(TENSORS, ROLES))
    assert caught.value.code == code, str(caught.value)


def test_valid_training_state_and_extension_optimizer() -> None:
    state = validate_training(base(), table(TENSORS, ROLES))
    assert (state.epoch, state.step) == (2, 10)
    extension = base()
    extension["optimizer"]["type"] = "com.example.Lion"
    extension["optimizer"]["groups"][0]["hyperparameters"] = {"anything": [1, {"goes": True}]}
    extension["optimizer"]["state"]["w"] = {"slots": {"factored_row": "odd"}}
    validate_training(extension, table(TENSORS, ROLES))


def test_reader_checks_training_state() -> None:
    training = base()
    training["optimizer"]["type"] = "Adagrad"
    with pytest.raises(modelfmt.FormatError) as caught:
        modelfmt.load(raw_file({"w": P}, {"training": training}))
    assert caught.value.code == "TRAINING_OPTIMIZER"


# ---- resuming exactly (PyTorch) ---------------------------------------------------------------------------


def _torch() -> Any:
    return pytest.importorskip("torch")


def _model(torch: Any) -> Any:
    torch.manual_seed(0)
    nn = torch.nn
    return nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))


def _batches(torch: Any, start: int, count: int) -> list[tuple[Any, Any]]:
    generator = torch.Generator().manual_seed(42)
    data = [
        (torch.randn(8, 6, generator=generator), torch.randint(0, 2, (8,), generator=generator))
        for _ in range(start + count)
    ]
    return data[start:]


def _train(torch: Any, model: Any, optimizer: Any, batches: list[tuple[Any, Any]]) -> None:
    model.train()
    for inputs, labels in batches:
        loss = torch.nn.functional.cross_entropy(model(inputs), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def _groups(model: Any) -> list[dict[str, Any]]:
    """Two parameter groups, as fine-tuning setups use (the head learns faster)."""
    return [{"params": [*model[0].parameters(), *model[1].parameters()]}, {"params": model[3].parameters(), "lr": 0.05}]


OPTIMIZERS = {
    "sgd-momentum-nesterov": lambda torch, model: torch.optim.SGD(
        _groups(model), lr=0.02, momentum=0.9, nesterov=True, weight_decay=1e-4
    ),
    "sgd-dampening": lambda torch, model: torch.optim.SGD(_groups(model), lr=0.02, momentum=0.5, dampening=0.1),
    "adam-amsgrad": lambda torch, model: torch.optim.Adam(_groups(model), lr=1e-2, amsgrad=True, weight_decay=1e-3),
    "adamw": lambda torch, model: torch.optim.AdamW(_groups(model), lr=1e-2, betas=(0.8, 0.95)),
}


@pytest.mark.slow
@pytest.mark.interop
@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("with_architecture", [False, True], ids=["checkpoint", "export"])
def test_training_resumes_bit_for_bit(name: str, with_architecture: bool, tmp_path: Path) -> None:
    torch = _torch()
    import modelfmt.torch as mft  # noqa: PLC0415 - needs torch

    make_optimizer = OPTIMIZERS[name]
    steps_before, steps_after = 5, 7
    uninterrupted = _model(torch)
    optimizer = make_optimizer(torch, uninterrupted)
    _train(torch, uninterrupted, optimizer, _batches(torch, 0, steps_before))
    path = tmp_path / "checkpoint.mft"
    example = torch.randn(4, 6) if with_architecture else None
    mft.save_checkpoint(uninterrupted, path, optimizer=optimizer, epoch=1, step=steps_before, example_inputs=example)
    _train(torch, uninterrupted, optimizer, _batches(torch, steps_before, steps_after))

    resumed = _model(torch)
    with torch.no_grad():
        for parameter in resumed.parameters():
            parameter.add_(1.0)  # anything the file does not restore would show
    resumed_optimizer = make_optimizer(torch, resumed)
    progress = mft.load_checkpoint(path, resumed, resumed_optimizer)
    assert (progress.epoch, progress.step) == (1, steps_before)
    _train(torch, resumed, resumed_optimizer, _batches(torch, steps_before, steps_after))

    expected, actual = uninterrupted.state_dict(), resumed.state_dict()
    assert list(expected) == list(actual)
    for key in expected:
        assert torch.equal(expected[key], actual[key]), key
    with modelfmt.safe_open(path) as handle:
        roles = {info.name: info.role for info in handle.header.tensors}
        assert (handle.header.architecture is not None) == with_architecture
    assert roles["optimizer.3.weight." + ("momentum_buffer" if name.startswith("sgd") else "exp_avg")] == "optimizer"


@pytest.mark.interop
def test_resume_refuses_another_optimizer(tmp_path: Path) -> None:
    torch = _torch()
    import modelfmt.torch as mft  # noqa: PLC0415 - needs torch

    model = _model(torch)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    _train(torch, model, optimizer, _batches(torch, 0, 1))
    mft.save_checkpoint(model, tmp_path / "c.mft", optimizer=optimizer)
    with pytest.raises(mft.TrainingStateError, match="SGD state; the optimizer given is Adam"):
        mft.load_checkpoint(tmp_path / "c.mft", _model(torch), torch.optim.Adam(model.parameters()))
    fresh = _model(torch)
    with pytest.raises(mft.TrainingStateError, match="parameter groups"):
        mft.load_checkpoint(tmp_path / "c.mft", fresh, torch.optim.SGD(_groups(fresh), lr=0.1))
