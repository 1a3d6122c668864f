"""Training state of 1.1 (SPEC.md §11.2-11.4 new types, §11.9-11.10 keys and state values, §15): the
validator's codes, the version a writer picks, and the PyTorch adapter's exactness and refusals."""

from __future__ import annotations

import copy
import math
import struct
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import modelfmt
import numpy as np
import pytest
from arch_helpers import raw_file, table
from modelfmt.graph._optimizers import OPTIMIZERS
from modelfmt.graph._training import training_minor, validate_training

F32 = np.zeros((2, 3), np.float32)
TENSORS = {
    "w": F32,
    "sa.w": F32,
    "mb.w": F32,
    "ga.w": F32,
    "mu.w": np.zeros((), np.float32),
    "mu64.w": np.zeros((), np.float64),
    "int.w": np.zeros((), np.int32),
    "m.w": F32,
    "v.w": F32,
    "rng": np.zeros(5, np.uint8),
    "rng2d": np.zeros((1, 5), np.uint8),
    "t": np.zeros(2, np.float32),
}
ROLES = {name: "optimizer" for name in ("sa.w", "mb.w", "ga.w", "mu.w", "mu64.w", "int.w", "m.w", "v.w")} | {
    "rng": "other",
    "rng2d": "other",
    "t": "other",
}
RMSPROP = {
    "lr": 0.01,
    "alpha": 0.99,
    "eps": 1e-8,
    "weight_decay": 0,
    "momentum": 0.5,
    "centered": True,
    "maximize": False,
}
NADAM = {
    "lr": 0.002,
    "betas": [0.9, 0.999],
    "eps": 1e-8,
    "weight_decay": 0,
    "momentum_decay": 0.004,
    "decoupled_weight_decay": False,
    "maximize": False,
}


def rmsprop() -> dict[str, Any]:
    return {
        "epoch": 0,
        "step": 3,
        "optimizer": {
            "type": "RMSprop",
            "groups": [{"hyperparameters": dict(RMSPROP), "parameters": ["w"]}],
            "state": {"w": {"step": 3, "slots": {"square_avg": "sa.w", "momentum_buffer": "mb.w", "grad_avg": "ga.w"}}},
        },
    }


def nadam() -> dict[str, Any]:
    return {
        "epoch": 0,
        "step": 3,
        "optimizer": {
            "type": "NAdam",
            "groups": [{"hyperparameters": dict(NADAM), "parameters": ["w"]}],
            "state": {"w": {"step": 3, "slots": {"mu_product": "mu.w", "exp_avg": "m.w", "exp_avg_sq": "v.w"}}},
        },
    }


def lbfgs() -> dict[str, Any]:
    hyper = {
        "lr": 1,
        "max_iter": 20,
        "max_eval": 25,
        "tolerance_grad": 1e-7,
        "tolerance_change": 1e-9,
        "history_size": 100,
        "line_search_fn": "strong_wolfe",
    }
    shared = {"dict": [[{"str": "d"}, {"tensor": "m.w"}], [{"str": "n_iter"}, {"int": "3"}]]}
    return {
        "epoch": 0,
        "step": 3,
        "optimizer": {
            "type": "LBFGS",
            "groups": [{"hyperparameters": hyper, "parameters": ["w"]}],
            "state": {},
            "shared": shared,
        },
    }


def resume() -> dict[str, Any]:
    return {
        "epoch": 1,
        "step": 3,
        "scheduler": {"type": "StepLR", "state": {"dict": [[{"str": "last_epoch"}, {"int": "3"}]]}},
        "scaler": {"dict": []},
        "rng": {"torch": "rng", "numpy": {"none": None}, "python": {"tuple": []}},
        "data": {"batch": 1, "generator": "rng"},
        "extra": {"list": [{"float": "-inf"}, {"tensor": "t"}]},
    }


def check(training: object, minor: int = 1) -> None:
    validate_training(training, table(TENSORS, ROLES), minor)


def _set(path: str, value: object) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def apply(training: dict[str, Any]) -> dict[str, Any]:
        *parents, last = path.split("/")
        target: Any = training
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if value is _DROP:
            del target[last]
        else:
            target[last] = value
        return training

    return apply


_DROP = object()
EXTRA = "extra"

INVALID: list[tuple[str, Callable[[], dict[str, Any]], Callable[[dict[str, Any]], Any], str]] = [
    ("grad-avg-not-centered", rmsprop, _set("optimizer/groups/0/hyperparameters/centered", False), "TRAINING_SLOT"),
    ("momentum-buffer-at-zero", rmsprop, _set("optimizer/groups/0/hyperparameters/momentum", 0), "TRAINING_SLOT"),
    ("momentum-buffer-missing", rmsprop, _set("optimizer/state/w/slots/momentum_buffer", _DROP), "TRAINING_SLOT"),
    ("rmsprop-step-missing", rmsprop, _set("optimizer/state/w/step", _DROP), "TRAINING_SLOT"),
    ("scalar-slot-shaped", nadam, _set("optimizer/state/w/slots/mu_product", "m.w"), "TRAINING_SLOT"),
    ("scalar-slot-int", nadam, _set("optimizer/state/w/slots/mu_product", "int.w"), "TRAINING_SLOT"),
    ("like-slot-scalar", nadam, _set("optimizer/state/w/slots/exp_avg", "mu.w"), "TRAINING_SLOT"),
    ("rho-above-one", nadam, _set("optimizer/type", "Adadelta"), "TRAINING_HYPERPARAMETER"),
    ("lbfgs-state-entry", lbfgs, _set("optimizer/state/w", {"slots": {}}), "TRAINING_SLOT"),
    ("lbfgs-shared-role-other", lbfgs, _set("optimizer/shared", {"tensor": "t"}), "TRAINING_TENSOR_ROLE"),
    ("lbfgs-shared-grammar", lbfgs, _set("optimizer/shared", {"dict": {}}), "TRAINING_VALUE"),
    (
        "lbfgs-history-fraction",
        lbfgs,
        _set("optimizer/groups/0/hyperparameters/history_size", 1.5),
        "TRAINING_HYPERPARAMETER",
    ),
    ("shared-on-nadam", nadam, _set("optimizer/shared", {"none": None}), "TRAINING_SLOT"),
    ("scheduler-unknown", resume, _set("scheduler/type", "Warmup"), "TRAINING_SCHEDULER"),
    ("scheduler-reserved", resume, _set("scheduler/type", "modelfmt.Warmup"), "TRAINING_SCHEDULER"),
    ("scheduler-not-object", resume, _set("scheduler", []), "HEADER_TYPE"),
    ("scheduler-extra-key", resume, _set("scheduler/kind", "x"), "HEADER_UNKNOWN_KEY"),
    ("rng-unknown-key", resume, _set("rng/cuda", "rng"), "HEADER_UNKNOWN_KEY"),
    ("rng-torch-not-string", resume, _set("rng/torch", 1), "HEADER_TYPE"),
    ("rng-torch-rank-2", resume, _set("rng/torch", "rng2d"), "TRAINING_VALUE"),
    ("rng-torch-float", resume, _set("rng/torch", "t"), "TRAINING_VALUE"),
    ("rng-torch-role", resume, _set("rng/torch", "w"), "TRAINING_TENSOR_ROLE"),
    ("data-batch-missing", resume, _set("data/batch", _DROP), "HEADER_MISSING_KEY"),
    ("data-batch-float", resume, _set("data/batch", 1.5), "HEADER_TYPE"),
    ("data-generator-missing", resume, _set("data/generator", "nope"), "TRAINING_TENSOR_MISSING"),
    ("value-empty-object", resume, _set(EXTRA, {}), "TRAINING_VALUE"),
    ("value-array", resume, _set(EXTRA, []), "TRAINING_VALUE"),
    ("value-unknown-tag", resume, _set(EXTRA, {"set": []}), "TRAINING_VALUE"),
    ("value-bool-number", resume, _set(EXTRA, {"bool": 1}), "TRAINING_VALUE"),
    ("value-int-plus", resume, _set(EXTRA, {"int": "+1"}), "TRAINING_VALUE"),
    ("value-int-too-long", resume, _set(EXTRA, {"int": "9" * 4301}), "TRAINING_VALUE"),
    ("value-float-nan-word", resume, _set(EXTRA, {"float": "NaN"}), "TRAINING_VALUE"),
    ("value-float-hex", resume, _set(EXTRA, {"float": "0x1p3"}), "TRAINING_VALUE"),
    ("value-float-too-long", resume, _set(EXTRA, {"float": "0." + "1" * 40}), "TRAINING_VALUE"),
    ("value-float-overflow", resume, _set(EXTRA, {"float": "2e308"}), "TRAINING_VALUE"),
    ("value-list-item", resume, _set(EXTRA, {"list": [{"int": "1"}, {"int": 2}]}), "TRAINING_VALUE"),
    ("value-dict-object", resume, _set(EXTRA, {"dict": {"a": {"none": None}}}), "TRAINING_VALUE"),
    ("value-dict-tensor-key", resume, _set(EXTRA, {"dict": [[{"tensor": "t"}, {"none": None}]]}), "TRAINING_VALUE"),
    (
        "value-dict-duplicate-int",
        resume,
        _set(EXTRA, {"dict": [[{"int": "1"}, {"none": None}], [{"int": "1"}, {"bool": True}]]}),
        "TRAINING_VALUE",
    ),
    ("value-tensor-missing", resume, _set(EXTRA, {"tensor": "nope"}), "TRAINING_TENSOR_MISSING"),
    ("value-tensor-role", resume, _set(EXTRA, {"tensor": "m.w"}), "TRAINING_TENSOR_ROLE"),
]


@pytest.mark.parametrize(("make", "change", "code"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_training_state_of_1_1(
    make: Callable[[], dict[str, Any]], change: Callable[[dict[str, Any]], Any], code: str
) -> None:
    with pytest.raises(modelfmt.FormatError) as caught:
        check(change(copy.deepcopy(make())))
    assert caught.value.code == code, str(caught.value)


def test_valid_training_state_of_1_1() -> None:
    check(rmsprop())
    check(nadam())
    check(lbfgs())
    check(_set("optimizer/shared", _DROP)(lbfgs()))  # no step taken yet
    scalar64 = nadam()
    scalar64["optimizer"]["state"]["w"]["slots"]["mu_product"] = "mu64.w"
    check(scalar64)
    check(resume())
    distinct = resume()  # an int and a float of the same value are different keys; so are 0.0 and -0.0
    distinct["extra"] = {
        "dict": [
            [{"int": "1"}, {"none": None}],
            [{"float": "1"}, {"none": None}],
            [{"float": "0.0"}, {"none": None}],
            [{"float": "-0"}, {"none": None}],
            [{"float": "nan"}, {"none": None}],
            [{"str": "1"}, {"none": None}],
            [{"none": None}, {"none": None}],
        ]
    }
    check(distinct)


def test_features_of_1_1_in_older_and_newer_files() -> None:
    """§15.4: a 1.1 feature is unknown in a 1.0 file with its ordinary code; in a 1.2 file an unknown type
    or tag may be that version's, so it is UNSUPPORTED_VERSION."""
    cases: list[tuple[dict[str, Any], int, str]] = [
        (rmsprop(), 0, "TRAINING_OPTIMIZER"),
        ({"epoch": 0, "step": 0, "extra": {"none": None}}, 0, "HEADER_UNKNOWN_KEY"),
        (_set("optimizer/type", "Adam")(_set("optimizer/shared", {"none": None})(nadam())), 0, "HEADER_UNKNOWN_KEY"),
        (_set("optimizer/type", "Lion")(rmsprop()), 2, "UNSUPPORTED_VERSION"),
        (_set("scheduler/type", "WarmupLR")(resume()), 2, "UNSUPPORTED_VERSION"),
        (_set(EXTRA, {"set": []})(resume()), 2, "UNSUPPORTED_VERSION"),
        (_set("optimizer/groups/0/hyperparameters/rank", 4)(rmsprop()), 2, "TRAINING_HYPERPARAMETER"),
        (_set(EXTRA, {"int": 1})(resume()), 2, "TRAINING_VALUE"),
    ]
    for training, minor, code in cases:
        with pytest.raises(modelfmt.FormatError) as caught:
            check(training, minor)
        assert caught.value.code == code, (training, minor, str(caught.value))
    check(rmsprop(), 2)  # a newer file that uses nothing unknown is read normally


def test_the_writer_picks_the_lowest_minor() -> None:
    """§15.5: 1.0 files stay 1.0; a 1.1 type or key makes a 1.1 file."""
    assert training_minor(None) == 0
    assert training_minor({"epoch": 0, "step": 0}) == 0
    assert training_minor({"epoch": 0, "step": 0, "optimizer": {"type": "AdamW"}}) == 0
    assert training_minor({"epoch": 0, "step": 0, "optimizer": {"type": "com.example.Lion"}}) == 0
    assert training_minor(rmsprop()) == 1
    assert training_minor({"epoch": 0, "step": 0, "data": {"batch": 0}}) == 1
    assert {spec.name for spec in OPTIMIZERS.values() if spec.since == 0} == {"SGD", "Adam", "AdamW"}


def test_a_reader_reads_a_1_1_file_and_refuses_a_hostile_state_value() -> None:
    tensors = {"w": F32, "t": np.zeros(2, np.float32)}
    training = {"epoch": 0, "step": 0, "extra": {"list": [{"tensor": "t"}]}}
    good = modelfmt.save(tensors, roles={"t": "other"}, training=training)
    assert good[10:12] == struct.pack("<H", 1)  # the writer wrote 1.1 (§15.5)
    assert set(modelfmt.load(good)) == {"w", "t"}
    hostile = raw_file(tensors, {"training": {"epoch": 0, "step": 0, "extra": {"object": "os.system"}}})
    hostile = hostile[:10] + struct.pack("<H", 1) + hostile[12:]
    with pytest.raises(modelfmt.FormatError) as caught:
        modelfmt.load(hostile)
    assert caught.value.code == "TRAINING_VALUE"


# ---- the PyTorch adapter ----------------------------------------------------------------------------------


def _torch() -> Any:
    return pytest.importorskip("torch")


def _model(torch: Any) -> Any:
    torch.manual_seed(0)
    nn = torch.nn
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 2))


@pytest.mark.interop
def test_optimizer_only_checkpoints_stay_1_0(tmp_path: Path) -> None:
    torch = _torch()
    import modelfmt.torch as mft  # noqa: PLC0415 - needs torch

    model = _model(torch)
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.randn(4, 3)).sum().backward()
    optimizer.step()
    mft.save_checkpoint(model, tmp_path / "a.mft", optimizer=optimizer)
    mft.save_checkpoint(model, tmp_path / "b.mft", optimizer=torch.optim.NAdam(model.parameters()))
    mft.save_checkpoint(model, tmp_path / "c.mft", optimizer=optimizer, extra=None)
    minors = [modelfmt.safe_open(tmp_path / n).header.minor for n in ("a.mft", "b.mft", "c.mft")]
    assert minors == [0, 1, 1]
    assert (tmp_path / "a.mft").read_bytes()[8:12] == b"\x01\x00\x00\x00"


@pytest.mark.interop
def test_extra_state_round_trips_exactly(tmp_path: Path) -> None:
    torch = _torch()
    import modelfmt.torch as mft  # noqa: PLC0415 - needs torch

    model = _model(torch)
    extra = {
        "inf": math.inf,
        "-inf": -math.inf,
        "-0": -0.0,
        "tiny": 5e-324,
        "third": 1 / 3,
        "big": 2**200 + 1,
        "negative": -(2**70),
        "tuple": (1, 1.0, "1", None, True),
        2: "int key",
        3.0: "float key",
        "tensor": torch.arange(6, dtype=torch.int16).reshape(2, 3),
        "array": np.array([1.5, 2.5]),
        "numpy scalar": np.float32(0.1),
        "pcg64": np.random.Generator(np.random.PCG64(7)).bit_generator.state,
    }
    mft.save_checkpoint(model, tmp_path / "x.mft", extra=extra)
    progress = mft.load_checkpoint(tmp_path / "x.mft", _model(torch))
    got = progress.extra
    assert isinstance(got, dict)
    assert math.copysign(1.0, got["-0"]) == -1.0
    assert got["big"] == 2**200 + 1 and got["negative"] == -(2**70)
    assert got["tuple"] == (1, 1.0, "1", None, True) and type(got["tuple"][1]) is float
    assert {type(key) for key in got if key in (2, 3)} == {int, float}
    assert torch.equal(got["tensor"], extra["tensor"])
    assert progress.state == {"extra": got}
    assert got["array"].tolist() == [1.5, 2.5]
    assert got["numpy scalar"] == float(np.float32(0.1))
    assert got["pcg64"] == extra["pcg64"]
    for key in ("inf", "-inf", "tiny", "third"):
        assert got[key] == extra[key]
    nan = mft.load_checkpoint(tmp_path / "x.mft", _model(torch))  # loading twice gives the same
    assert nan.extra["big"] == got["big"]  # type: ignore[index]


@pytest.mark.interop
def test_code_is_refused_by_its_path(tmp_path: Path) -> None:
    torch = _torch()
    import modelfmt.torch as mft  # noqa: PLC0415 - needs torch

    model = _model(torch)
    with pytest.raises(mft.TrainingStateError, match=r"`extra`\['hook'\] is a callable"):
        mft.save_checkpoint(model, tmp_path / "x.mft", extra={"hook": print})
    with pytest.raises(mft.TrainingStateError, match="keys are data"):
        mft.save_checkpoint(model, tmp_path / "x.mft", extra={(1, 2): 3})
    with pytest.raises(mft.TrainingStateError, match="is a pathlib"):
        mft.save_checkpoint(model, tmp_path / "x.mft", extra=tmp_path)

    class Schedule:  # a callable object: LambdaLR stores its __dict__, which here holds a function
        def __init__(self) -> None:
            self.inner = lambda epoch: 0.5

        def __call__(self, epoch: int) -> float:
            return 0.5

    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, Schedule())
    with pytest.raises(
        mft.TrainingStateError, match=r"LambdaLR scheduler's state\['lr_lambdas'\]\[0\]\['inner'\] is a callable"
    ):
        mft.save_checkpoint(model, tmp_path / "x.mft", optimizer=optimizer, scheduler=scheduler)
    assert not (tmp_path / "x.mft").exists()

    class Mine(torch.optim.lr_scheduler.StepLR):
        pass

    with pytest.raises(mft.TrainingStateError, match=r"not one of torch\.optim\.lr_scheduler's classes"):
        mft.save_checkpoint(model, tmp_path / "x.mft", scheduler=Mine(optimizer, 2))

    class Lion(torch.optim.SGD):
        pass

    with pytest.raises(mft.TrainingStateError, match="optimizer Lion is not supported"):
        mft.save_checkpoint(model, tmp_path / "x.mft", optimizer=Lion(model.parameters(), lr=0.1))


@pytest.mark.interop
def test_load_refuses_what_the_file_does_not_hold(tmp_path: Path) -> None:
    torch = _torch()
    import modelfmt.torch as mft  # noqa: PLC0415 - needs torch

    model = _model(torch)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    step = torch.optim.lr_scheduler.StepLR(optimizer, 2)
    mft.save_checkpoint(model, tmp_path / "s.mft", optimizer=optimizer, scheduler=step)
    fresh = _model(torch)
    fresh_optimizer = torch.optim.SGD(fresh.parameters(), lr=0.1)
    with pytest.raises(mft.TrainingStateError, match="StepLR state; the scheduler given is ExponentialLR"):
        mft.load_checkpoint(
            tmp_path / "s.mft",
            fresh,
            fresh_optimizer,
            scheduler=torch.optim.lr_scheduler.ExponentialLR(fresh_optimizer, 0.9),
        )
    state = mft.load_checkpoint(tmp_path / "s.mft", _model(torch)).state  # returned whole, nothing given
    assert state["scheduler"] == {"type": "StepLR", "state": step.state_dict()}
    with pytest.raises(mft.TrainingStateError, match="no GradScaler state"):
        mft.load_checkpoint(tmp_path / "s.mft", fresh, scaler=torch.amp.GradScaler("cpu"))
    with pytest.raises(mft.TrainingStateError, match="no random number generator state"):
        mft.load_checkpoint(tmp_path / "s.mft", fresh, rng=True)
    with pytest.raises(mft.TrainingStateError, match="no data-loader position"):
        mft.load_checkpoint(tmp_path / "s.mft", fresh, data_generator=torch.Generator())


@pytest.mark.interop
def test_multistep_milestones_come_back_as_a_counter(tmp_path: Path) -> None:
    torch = _torch()
    import modelfmt.torch as mft  # noqa: PLC0415 - needs torch

    model = _model(torch)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, [1, 1, 3])
    mft.save_checkpoint(model, tmp_path / "m.mft", optimizer=optimizer, scheduler=scheduler)
    fresh_optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    fresh = torch.optim.lr_scheduler.MultiStepLR(fresh_optimizer, [2])
    mft.load_checkpoint(tmp_path / "m.mft", model, fresh_optimizer, scheduler=fresh)
    assert fresh.milestones == Counter({1: 2, 3: 1}) and isinstance(fresh.milestones, Counter)


@pytest.mark.interop
def test_a_built_module_trains_and_resumes(tmp_path: Path) -> None:
    """`build` gives a module whose dropout and batch norm follow train()/eval() as torch.nn's do, and
    `save_checkpoint`/`load_checkpoint` address its tensors by the file's names."""
    torch = _torch()
    import modelfmt.torch as mft  # noqa: PLC0415 - needs torch

    original = _model(torch)
    mft.export(original, torch.randn(4, 3), tmp_path / "net.mft")
    built = mft.build(tmp_path / "net.mft")
    assert not built.training
    x = torch.randn(8, 3)
    assert torch.equal(built(x), original.eval()(x))
    original.train()
    built.train()
    torch.manual_seed(5)
    expected = original(x)
    torch.manual_seed(5)
    got = built(x)
    assert torch.equal(got, expected)  # the same dropout mask and batch statistics
    assert torch.equal(built.tensor("1.running_mean"), original[1].running_mean)
    assert torch.equal(built.tensor("1.running_var"), original[1].running_var)

    def steps(module: Any, optimizer: Any, count: int, seed: int) -> None:
        module.train()
        for index in range(count):
            torch.manual_seed(seed + index)
            optimizer.zero_grad()
            module(torch.randn(8, 3)).square().mean().backward()
            optimizer.step()

    uninterrupted = mft.build(tmp_path / "net.mft")
    optimizer = torch.optim.NAdam(uninterrupted.parameters(), lr=0.01)
    steps(uninterrupted, optimizer, 3, 0)
    mft.save_checkpoint(uninterrupted, tmp_path / "ckpt.mft", optimizer=optimizer, step=3)
    with modelfmt.safe_open(tmp_path / "ckpt.mft") as handle:
        names = {info.name for info in handle.header.tensors}
    assert {"0.weight", "1.running_mean", "1.num_batches_tracked", "optimizer.0.weight.mu_product"} <= names
    steps(uninterrupted, optimizer, 3, 3)

    resumed = mft.build(tmp_path / "net.mft")
    resumed_optimizer = torch.optim.NAdam(resumed.parameters(), lr=0.01)
    progress = mft.load_checkpoint(tmp_path / "ckpt.mft", resumed, resumed_optimizer)
    assert progress.step == 3
    steps(resumed, resumed_optimizer, 3, 3)
    for (name, a), (_, b) in zip(uninterrupted.named_file_tensors(), resumed.named_file_tensors(), strict=True):
        assert torch.equal(a, b), name


@pytest.mark.interop
def test_the_adapter_knows_every_core_scheduler_and_optimizer_type() -> None:
    """The adapter's class tables and SPEC.md §11.2/§11.9's types are the same sets; every torch.optim
    optimizer and every lr_scheduler class but the base is among them (torch 2.13)."""
    torch = _torch()
    from modelfmt.graph._training import SCHEDULERS  # noqa: PLC0415
    from modelfmt.torch._resume import _SCHEDULER_CLASSES  # noqa: PLC0415
    from modelfmt.torch._training import _TYPES  # noqa: PLC0415

    assert sorted(_SCHEDULER_CLASSES.values()) == sorted(SCHEDULERS)
    assert sorted(set(_TYPES.values())) == sorted(OPTIMIZERS)
    optimizers = {
        name
        for name, value in vars(torch.optim).items()
        if isinstance(value, type) and issubclass(value, torch.optim.Optimizer) and value is not torch.optim.Optimizer
    }
    assert optimizers == set(OPTIMIZERS)
    schedulers = {
        name
        for name, value in vars(torch.optim.lr_scheduler).items()
        if isinstance(value, type)
        and issubclass(value, torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau)
        and not name.startswith("_")
    }
    assert schedulers - set(SCHEDULERS) == {"LRScheduler"}


def test_inspect_names_what_a_checkpoint_resumes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from modelfmt import cli  # noqa: PLC0415

    training = {"epoch": 2, "step": 9, "scheduler": {"type": "StepLR", "state": {"dict": []}}, "data": {"batch": 1}}
    modelfmt.save_file({"w": F32}, tmp_path / "r.mf", training=training)
    assert cli.main(["inspect", str(tmp_path / "r.mf")]) == 0
    out = capsys.readouterr().out
    assert "modelfmt 1.1" in out
    assert "training: epoch 2, step 9, no optimizer state\n  resumes  scheduler StepLR, data\n" in out
    assert cli.main(["check", "--strict", str(tmp_path / "r.mf")]) == 0  # 1.1 is the lowest minor here
    assert "minor-version-not-lowest" not in capsys.readouterr().out
