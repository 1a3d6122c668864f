"""The PyTorch adapter: export names what it cannot describe, load_state_dict reports every difference,
build executes without code from the file."""

from __future__ import annotations

from pathlib import Path

import modelfmt
import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.interop
import arch_models  # noqa: E402 - needs torch
import modelfmt.torch as mft  # noqa: E402

nn = torch.nn


class Unsupported(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv3d(1, 2, 3)
        self.norm = nn.GroupNorm(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cumsum(self.norm(self.conv(x)), 1).clamp(min=0)


def test_export_names_every_unsupported_module_and_function(tmp_path: Path) -> None:
    with pytest.raises(mft.ExportError) as caught:
        mft.export(Unsupported(), torch.randn(1, 1, 4, 4, 4), tmp_path / "x.mft")
    message = str(caught.value)
    for fragment in ("module `conv` (torch.nn.modules.conv.Conv3d)", "module `norm`", "torch.cumsum", ".clamp()"):
        assert fragment in message
    assert not (tmp_path / "x.mft").exists()


class DataDependent(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:
            return x
        return -x


def test_export_explains_untraceable_control_flow(tmp_path: Path) -> None:
    with pytest.raises(mft.ExportError, match="data-dependent control flow"):
        mft.export(DataDependent(), torch.randn(2, 2), tmp_path / "x.mft")


def test_static_shapes_when_asked(tmp_path: Path) -> None:
    mft.export(
        nn.Linear(3, 2),
        torch.randn(5, 3),
        tmp_path / "l.mft",
        dynamic_axes={},
        input_names=["features"],
        output_names=["scores"],
    )
    with modelfmt.safe_open(tmp_path / "l.mft") as handle:
        architecture = handle.header.architecture
    assert architecture is not None
    assert architecture["inputs"] == [{"name": "features", "dtype": "float32", "shape": [5, 3]}]
    assert architecture["outputs"] == [{"name": "scores", "dtype": "float32", "shape": [5, 2]}]


def test_load_state_dict_round_trip_and_reports(tmp_path: Path) -> None:
    model = arch_models.with_random_statistics(arch_models.SmallCNN())
    path = tmp_path / "cnn.mft"
    mft.export(model, torch.randn(1, 3, 16, 16), path)

    fresh = arch_models.SmallCNN()
    report = mft.load_state_dict(fresh, path)
    assert report.ok
    for key, value in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value), key

    different = nn.Sequential(nn.Conv2d(3, 8, 5), nn.Linear(2, 2))
    with pytest.raises(mft.StateDictMismatchError) as caught:
        mft.load_state_dict(different, path)
    report = caught.value.report
    assert "1.weight" in report.missing and "features.1.running_mean" in report.unexpected
    assert ("0.weight", (8, 3, 3, 3), (8, 3, 5, 5)) not in report.shape_mismatch  # different names
    text = str(caught.value)
    assert "missing from the file" in text and "not in the module" in text

    renamed = nn.Sequential()
    renamed.features = arch_models.SmallCNN().features.double()
    report = mft.load_state_dict(renamed, path, strict=False)
    assert any(name == "features.0.weight" for name, *_ in report.dtype_mismatch)
    assert "classifier.2.weight" in report.unexpected


def test_build_is_a_trainable_module(tmp_path: Path) -> None:
    model = arch_models.mlp_trained()
    path = tmp_path / "mlp.mft"
    mft.export(model, torch.randn(4, 8), path)
    built = mft.build(path)
    names = dict(built.named_file_tensors())
    # the whole model state, `num_batches_tracked` too (no node binds it), so that checkpoints are complete
    assert set(names) == set(model.state_dict())
    assert names["1.weight"].requires_grad and not names["0.running_mean"].requires_grad
    output = built(torch.randn(3, 8))
    output.sum().backward()
    assert names["1.weight"].grad is not None


def test_build_refuses_extension_ops(tmp_path: Path) -> None:
    architecture = {
        "opset": {"modelfmt.core": 1, "org.example": 1},
        "inputs": [{"name": "x", "dtype": "float32", "shape": [2]}],
        "outputs": [{"name": "y", "dtype": "float32", "shape": [2]}],
        "nodes": [
            {"name": "e", "op": "org.example.Op", "inputs": ["x"], "outputs": ["t"]},
            {"name": "i", "op": "Identity", "inputs": ["x"], "outputs": ["y"]},
        ],
    }
    modelfmt.save_file({}, tmp_path / "e.mft", architecture=architecture)
    with pytest.raises(modelfmt.UnsupportedError, match=r"org\.example\.Op"):
        mft.build(tmp_path / "e.mft")


def test_built_module_checks_its_inputs(tmp_path: Path) -> None:
    mft.export(nn.Linear(3, 2), torch.randn(5, 3), tmp_path / "l.mft")
    built = mft.build(tmp_path / "l.mft")
    with pytest.raises(modelfmt.ModelfmtError) as caught:
        built(torch.randn(5, 3, dtype=torch.float64))
    assert caught.value.code == "RUN_INPUT"
    assert built(input=torch.randn(7, 3)).shape == (7, 2)


def test_bfloat16_round_trips_through_the_adapter(tmp_path: Path) -> None:
    model = nn.Linear(4, 3).to(torch.bfloat16)
    mft.export(model, torch.randn(2, 4, dtype=torch.bfloat16), tmp_path / "b.mft")
    fresh = nn.Linear(4, 3).to(torch.bfloat16)
    mft.load_state_dict(fresh, tmp_path / "b.mft")
    assert torch.equal(fresh.weight, model.weight)
    with modelfmt.safe_open(tmp_path / "b.mft") as handle:
        assert handle.tensor_info("weight").dtype == "bfloat16"
    assert np.asarray(modelfmt.load_file(tmp_path / "b.mft")["weight"]).dtype.name == "bfloat16"
