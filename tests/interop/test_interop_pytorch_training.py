"""A plain PyTorch training checkpoint (`{"model": ..., "optimizer": ..., "epoch": ..., "scheduler": ...}`)
converts into a resumable modelfmt file (SPEC.md §11): roles right, prefixes removed, and training resumes
from the converted file exactly as from the original."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import modelfmt
import modelfmt.torch as mft
import pytest
from modelfmt.convert import convert

torch = pytest.importorskip("torch")


def _model() -> Any:
    torch.manual_seed(0)
    nn = torch.nn
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def _train(model: Any, optimizer: Any, scheduler: Any, steps: range) -> None:
    model.train()
    for step in steps:
        torch.manual_seed(100 + step)
        optimizer.zero_grad()
        model(torch.randn(6, 3)).square().mean().backward()
        optimizer.step()
        scheduler.step()


@pytest.mark.parametrize("prefix", ["", "module.", "_orig_mod.module."])
def test_a_training_checkpoint_resumes_from_the_converted_file(tmp_path: Path, prefix: str) -> None:
    model = _model()
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.01)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    _train(model, optimizer, scheduler, range(3))
    checkpoint = {
        "model": {prefix + name: tensor for name, tensor in model.state_dict().items()},
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "epoch": 2,
        "global_step": 3,
        "best_loss": math.inf,
        "history": [0.5, 0.25],
        "ema": {"0.weight": model[0].weight.detach().clone()},
    }
    torch.save(checkpoint, tmp_path / "ckpt.pt")
    report = convert(tmp_path / "ckpt.pt", tmp_path / "ckpt.mf")
    assert any("a training checkpoint" in note for note in report.notes)
    assert all(part in " ".join(report.notes) for part in prefix.split(".") if part)
    _train(model, optimizer, scheduler, range(3, 6))

    header = modelfmt.read_header(tmp_path / "ckpt.mf")
    roles = {info.name: info.role for info in header.tensors}
    assert roles["0.weight"] == "parameter" and roles["1.bias"] == "parameter"
    assert roles["1.running_mean"] == roles["1.num_batches_tracked"] == "buffer"
    assert roles["optimizer.0.weight.exp_avg"] == "optimizer" and roles["training.state.0"] == "other"
    assert header.training is not None
    assert header.training["scheduler"]["type"] == "StepLR"
    assert (header.training["epoch"], header.training["step"]) == (2, 3)

    resumed = _model()
    resumed_optimizer = torch.optim.AdamW(resumed.parameters(), lr=0.01)
    resumed_scheduler = torch.optim.lr_scheduler.StepLR(resumed_optimizer, step_size=2, gamma=0.5)
    progress = mft.load_checkpoint(tmp_path / "ckpt.mf", resumed, resumed_optimizer, scheduler=resumed_scheduler)
    extra = progress.extra
    assert isinstance(extra, dict)
    assert extra["best_loss"] == math.inf and extra["history"] == [0.5, 0.25]
    assert torch.equal(extra["ema"]["0.weight"], checkpoint["ema"]["0.weight"])
    _train(resumed, resumed_optimizer, resumed_scheduler, range(3, 6))
    for (name, expected), actual in zip(model.state_dict().items(), resumed.state_dict().values(), strict=True):
        assert torch.equal(expected, actual), name
    assert resumed_scheduler.get_last_lr() == scheduler.get_last_lr()


def test_reduce_on_plateau_and_a_scaler_carry_their_infinities(tmp_path: Path) -> None:
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer)
    scaler = torch.amp.GradScaler("cpu")
    checkpoint = {
        "state_dict": model.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "lr_scheduler": plateau.state_dict(),
        "scaler": scaler.state_dict(),
    }
    torch.save(checkpoint, tmp_path / "c.pt")
    convert(tmp_path / "c.pt", tmp_path / "c.mf")
    fresh_model = _model()
    fresh_optimizer = torch.optim.SGD(fresh_model.parameters(), lr=0.1, momentum=0.9)
    fresh = torch.optim.lr_scheduler.ReduceLROnPlateau(fresh_optimizer, mode="max")
    fresh_scaler = torch.amp.GradScaler("cpu", init_scale=2.0)
    mft.load_checkpoint(tmp_path / "c.mf", fresh_model, fresh_optimizer, scheduler=fresh, scaler=fresh_scaler)
    assert fresh.mode == "min" and fresh.best == math.inf and fresh.mode_worse == math.inf
    assert fresh_scaler.get_scale() == scaler.get_scale()


def test_what_cannot_be_matched_is_converted_as_a_tree_with_a_note(tmp_path: Path) -> None:
    model = _model()
    optimizer = torch.optim.Adam(model[3].parameters())  # the first layers are frozen: not in the optimizer
    checkpoint = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 1}
    torch.save(checkpoint, tmp_path / "f.pt")
    report = convert(tmp_path / "f.pt", tmp_path / "f.mf")
    assert any("parameters cannot be told from buffers" in note for note in report.notes)
    header = modelfmt.read_header(tmp_path / "f.mf")
    assert header.training is None and "model.0.weight" in {info.name for info in header.tensors}

    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": {"state": {}, "param_groups": [{"params": list(range(6)), "beta": 1}]},
        },
        tmp_path / "u.pt",
    )
    report = convert(tmp_path / "u.pt", tmp_path / "u.mf")
    assert any("name no single optimizer type" in note for note in report.notes)


def test_an_lbfgs_checkpoint_resumes_from_its_shared_state(tmp_path: Path) -> None:
    model = _model()
    optimizer = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=2, history_size=3)

    def run(module: Any, lbfgs: Any, steps: range) -> None:
        module.train()
        for step in steps:

            def closure(step: int = step) -> Any:
                torch.manual_seed(step)
                lbfgs.zero_grad()
                loss = module(torch.randn(6, 3)).square().mean()
                loss.backward()
                return loss

            lbfgs.step(closure)

    run(model, optimizer, range(3))
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, tmp_path / "l.pt")
    convert(tmp_path / "l.pt", tmp_path / "l.mf")
    run(model, optimizer, range(3, 5))
    resumed = _model()
    resumed_optimizer = torch.optim.LBFGS(resumed.parameters(), lr=0.5, max_iter=2, history_size=3)
    mft.load_checkpoint(tmp_path / "l.mf", resumed, resumed_optimizer)
    run(resumed, resumed_optimizer, range(3, 5))
    for (name, expected), actual in zip(model.state_dict().items(), resumed.state_dict().values(), strict=True):
        assert torch.equal(expected, actual), name


def test_code_in_a_training_checkpoint_is_still_refused(tmp_path: Path) -> None:
    """The pickle guard comes first: a training checkpoint with a global outside weights_only is refused
    before anything of it is interpreted."""
    from modelfmt.convert import ConversionError  # noqa: PLC0415

    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "hook": print}, tmp_path / "h.pt")
    with pytest.raises(ConversionError, match="weights_only"):
        convert(tmp_path / "h.pt", tmp_path / "h.mf")
    assert not (tmp_path / "h.mf").exists()
