"""The resume matrix of SPEC.md §11.6: every optimizer type and every scheduler, trained N steps, saved,
resumed in a fresh process for M steps, against N + M uninterrupted steps.

Imported by `test_arch_resume.py` (the uninterrupted runs and the checkpoints) and run as a script in one
fresh process for every case (`python resume_cases.py <folder>`): it resumes each case's checkpoint and
writes the final state next to it. A training step uses everything a resume must restore: dropout (torch
RNG), noise from numpy's and Python's global generators, a shuffled data order from a sampler generator,
batch norm statistics, a learning-rate scheduler and, in one case, a GradScaler.
"""

from __future__ import annotations

import functools
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import modelfmt.torch as mft
import numpy as np
import torch
from torch import nn
from torch.optim import lr_scheduler as sched

N_STEPS = 3
M_STEPS = 3
BATCHES_PER_EPOCH = 2  # so a checkpoint falls in the middle of an epoch
SAMPLES = 8
BATCH = SAMPLES // BATCHES_PER_EPOCH


class Net(nn.Module):
    def __init__(self, sparse: bool = False) -> None:
        super().__init__()
        self.embed = nn.Embedding(SAMPLES, 3, sparse=sparse) if sparse else None
        self.fc1 = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.drop = nn.Dropout(0.25)
        self.fc2 = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        if self.embed is not None:
            x = x + self.embed(index)
        return self.fc2(self.drop(torch.tanh(self.bn(self.fc1(x)))))


Optim = Callable[[Any], torch.optim.Optimizer]
Sched = Callable[[torch.optim.Optimizer], Any] | None

OPTIMIZERS: dict[str, Optim] = {
    "SGD": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "SGD-plain": lambda p: torch.optim.SGD(p, lr=0.05),
    "Adam-amsgrad": lambda p: torch.optim.Adam(p, lr=0.01, amsgrad=True, weight_decay=1e-3),
    "AdamW": lambda p: torch.optim.AdamW(p, lr=0.01),
    "RMSprop": lambda p: torch.optim.RMSprop(p, lr=0.01),
    "RMSprop-centered-momentum": lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "Adagrad": lambda p: torch.optim.Adagrad(p, lr=0.05, lr_decay=0.01, initial_accumulator_value=0.1),
    "Adamax": lambda p: torch.optim.Adamax(p, lr=0.01, weight_decay=1e-3),
    "NAdam": lambda p: torch.optim.NAdam(p, lr=0.01),
    "NAdam-decoupled": lambda p: torch.optim.NAdam(p, lr=0.01, weight_decay=0.01, decoupled_weight_decay=True),
    "RAdam": lambda p: torch.optim.RAdam(p, lr=0.01, decoupled_weight_decay=True, weight_decay=0.01),
    "Adadelta": lambda p: torch.optim.Adadelta(p, lr=0.5, weight_decay=1e-3),
    "Rprop": lambda p: torch.optim.Rprop(p, lr=0.01),
    "ASGD": lambda p: torch.optim.ASGD(p, lr=0.01, t0=2),  # averaging starts within the run
    "Adafactor": lambda p: torch.optim.Adafactor(p, lr=0.01, weight_decay=1e-3),  # factored and not
    "LBFGS": lambda p: torch.optim.LBFGS(p, lr=0.1, max_iter=3, history_size=2),  # history wraps around
}

SCHEDULERS: dict[str, Sched] = {
    "LambdaLR": lambda o: sched.LambdaLR(o, lambda epoch: 0.9**epoch),
    "MultiplicativeLR": lambda o: sched.MultiplicativeLR(o, lambda epoch: 0.95),
    "StepLR": lambda o: sched.StepLR(o, step_size=2, gamma=0.5),
    "MultiStepLR": lambda o: sched.MultiStepLR(o, milestones=[2, 4], gamma=0.5),
    "ConstantLR": lambda o: sched.ConstantLR(o, factor=0.5, total_iters=4),
    "LinearLR": lambda o: sched.LinearLR(o, start_factor=0.25, total_iters=5),
    "ExponentialLR": lambda o: sched.ExponentialLR(o, gamma=0.9),
    "SequentialLR": lambda o: sched.SequentialLR(
        o, [sched.ConstantLR(o, factor=0.5, total_iters=2), sched.ExponentialLR(o, gamma=0.9)], milestones=[2]
    ),
    "PolynomialLR": lambda o: sched.PolynomialLR(o, total_iters=5, power=2.0),
    "CosineAnnealingLR": lambda o: sched.CosineAnnealingLR(o, T_max=4),
    "ChainedScheduler": lambda o: sched.ChainedScheduler(
        [sched.ConstantLR(o, factor=0.5, total_iters=3), sched.ExponentialLR(o, gamma=0.9)]
    ),
    "ReduceLROnPlateau": lambda o: sched.ReduceLROnPlateau(o, patience=0, factor=0.5),
    "CyclicLR": lambda o: sched.CyclicLR(o, base_lr=0.001, max_lr=0.05, step_size_up=2),
    "OneCycleLR": lambda o: sched.OneCycleLR(o, max_lr=0.05, total_steps=N_STEPS + M_STEPS + 1),
    "CosineAnnealingWarmRestarts": lambda o: sched.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2),
}


@dataclass(frozen=True)
class Case:
    name: str
    optimizer: str
    scheduler: str | None = None
    scaler: bool = False
    sparse: bool = False
    matrices: bool = False  # Muon trains matrices only

    @property
    def key(self) -> str:
        return self.name


def cases() -> list[Case]:
    result = [Case(f"opt-{name}", name) for name in OPTIMIZERS]
    result.append(Case("opt-SparseAdam", "SparseAdam", sparse=True))
    result.append(Case("opt-Muon", "Muon", matrices=True))
    # schedulers that drive momentum need an optimizer with it
    for name in SCHEDULERS:
        optimizer = "SGD" if name in ("CyclicLR", "OneCycleLR") else "Adam-amsgrad"
        result.append(Case(f"sched-{name}", optimizer, name))
    result.append(Case("scaler", "AdamW", "StepLR", scaler=True))
    return result


@dataclass
class Run:
    """One training run's objects and its position in the data."""

    case: Case
    model: Net
    optimizer: torch.optim.Optimizer
    scheduler: Any
    scaler: torch.amp.GradScaler | None
    generator: torch.Generator = field(default_factory=torch.Generator)
    epoch: int = 0
    batch: int = 0
    step: int = 0
    epoch_start: torch.Tensor | None = None  # the sampler generator's state when this epoch's order was drawn
    order: torch.Tensor | None = None


def build(case: Case) -> Run:
    torch.manual_seed(0)
    model = Net(sparse=case.sparse)
    if case.sparse:
        dense = [p for n, p in model.named_parameters() if not n.startswith("embed")]
        # SparseAdam takes the sparse embedding; the dense rest learns with SGD in a second optimizer
        # that this case does not save (its test is the SparseAdam state).
        optimizer: torch.optim.Optimizer = torch.optim.SparseAdam([model.embed.weight], lr=0.01)  # type: ignore[union-attr]
        for p in dense:
            p.requires_grad_(False)
    elif case.matrices:
        matrices = [p for p in model.parameters() if p.dim() == 2]
        for p in model.parameters():
            p.requires_grad_(p.dim() == 2)
        optimizer = torch.optim.Muon(matrices, lr=0.01, adjust_lr_fn="match_rms_adamw")
    else:
        optimizer = OPTIMIZERS[case.optimizer](model.parameters())
    factory = SCHEDULERS.get(case.scheduler) if case.scheduler else None
    scheduler = factory(optimizer) if factory is not None else None
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**4, growth_interval=2) if case.scaler else None
    run = Run(case, model, optimizer, scheduler, scaler)
    run.generator.manual_seed(1234)
    return run


X = torch.linspace(-1, 1, SAMPLES * 3).reshape(SAMPLES, 3)
Y = torch.sin(torch.arange(SAMPLES, dtype=torch.float32)).reshape(SAMPLES, 1)


def _loss(run: Run, index: torch.Tensor, noise: torch.Tensor, scale: float) -> torch.Tensor:
    return ((run.model(X[index] + noise, index) - Y[index]) ** 2).mean() * scale


def _closure(run: Run, index: torch.Tensor, noise: torch.Tensor, scale: float) -> torch.Tensor:
    run.optimizer.zero_grad()
    loss = _loss(run, index, noise, scale)
    loss.backward()
    return loss


def train(run: Run, steps: int) -> None:
    run.model.train()
    for _ in range(steps):
        if run.order is None:
            run.epoch_start = run.generator.get_state()
            run.order = torch.randperm(SAMPLES, generator=run.generator)
        index = run.order[run.batch * BATCH : (run.batch + 1) * BATCH]
        noise = torch.from_numpy(np.random.standard_normal((BATCH, 3)).astype(np.float32)) * 0.01
        scale = 1.0 + random.random() * 0.01
        run.optimizer.zero_grad()
        loss = _loss(run, index, noise, scale)
        if isinstance(run.optimizer, torch.optim.LBFGS):  # evaluates the loss again, as often as it needs
            run.optimizer.step(functools.partial(_closure, run, index, noise, scale))
        elif run.scaler is not None:
            run.scaler.scale(loss).backward()
            run.scaler.step(run.optimizer)
            run.scaler.update()
        else:
            loss.backward()
            run.optimizer.step()
        if isinstance(run.scheduler, sched.ReduceLROnPlateau):
            run.scheduler.step(float(loss.detach()))
        elif run.scheduler is not None:
            run.scheduler.step()
        run.step += 1
        run.batch += 1
        if run.batch == BATCHES_PER_EPOCH:
            run.epoch, run.batch, run.order = run.epoch + 1, 0, None


def save(run: Run, path: Path) -> None:
    generator = torch.Generator()
    if run.order is not None:
        assert run.epoch_start is not None
        generator.set_state(run.epoch_start)  # the loader redraws this epoch's order and skips `batch`
    else:
        generator.set_state(run.generator.get_state())
    mft.save_checkpoint(
        run.model,
        path,
        optimizer=run.optimizer,
        epoch=run.epoch,
        step=run.step,
        scheduler=run.scheduler,
        scaler=run.scaler,
        rng=True,
        data=mft.DataPosition(run.batch, generator),
        extra={"case": run.case.name, "best": float("inf"), "history": [1, 2.5, None]},
    )


def resume(case: Case, path: Path) -> Run:
    run = build(case)
    progress = mft.load_checkpoint(
        path,
        run.model,
        run.optimizer,
        scheduler=run.scheduler,
        scaler=run.scaler,
        rng=True,
        data_generator=run.generator,
    )
    assert progress.extra == {"case": case.name, "best": float("inf"), "history": [1, 2.5, None]}, progress.extra
    assert progress.batch is not None
    run.epoch, run.step, run.batch = progress.epoch, progress.step, progress.batch
    if run.batch:  # mid-epoch: the order is redrawn from the epoch's generator state
        run.epoch_start = run.generator.get_state()
        run.order = torch.randperm(SAMPLES, generator=run.generator)
    return run


def final_state(run: Run) -> dict[str, np.ndarray]:
    """Every parameter and buffer, every optimizer state value and group number, the scheduler's last lr,
    and the next draws of each generator: all must match bit for bit."""
    result = {f"model.{k}": v.detach().numpy().copy() for k, v in run.model.state_dict().items()}
    for index, state in enumerate(run.optimizer.state.values()):
        for key, value in state.items():
            array = value.numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
            result[f"opt.{index}.{key}"] = array.copy()
    for index, group in enumerate(run.optimizer.param_groups):
        result[f"group.{index}.lr"] = np.asarray(group["lr"], np.float64)
    if run.scheduler is not None and hasattr(run.scheduler, "get_last_lr"):
        result["sched.last_lr"] = np.asarray(run.scheduler.get_last_lr(), np.float64)
    if run.scaler is not None:
        result["scaler.scale"] = np.asarray(run.scaler.get_scale(), np.float64)
    result["rng.torch"] = torch.rand(4).numpy()
    result["rng.numpy"] = np.random.standard_normal(4)
    result["rng.python"] = np.asarray([random.random() for _ in range(4)])
    result["rng.data"] = torch.randperm(SAMPLES, generator=run.generator).numpy()
    return result


def main(folder: Path) -> None:
    """The fresh process: resume every case saved in `folder` and write its final state."""
    for case in cases():
        checkpoint = folder / f"{case.key}.mft"
        run = resume(case, checkpoint)
        train(run, M_STEPS)
        np.savez(folder / f"{case.key}.resumed.npz", **final_state(run))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
