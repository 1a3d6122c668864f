"""One validation per open: the graph and training state that opening a file establishes (`Header.graph`,
`Header.training_state`) are what `run`, `modelfmt.torch.build`, `load_checkpoint` and `inspect --graph`
use; none of them validates the architecture or the training state a second time."""

from __future__ import annotations

from pathlib import Path

import modelfmt
import numpy as np
import pytest
from arch_helpers import declare, node, write
from modelfmt import cli
from modelfmt.graph import _training, _validate

W = np.arange(12, dtype=np.float32).reshape(3, 4) / 10
ARCHITECTURE = {
    "opset": {"modelfmt.core": 1},
    "inputs": [declare("x", "float32", ["batch", 4])],
    "outputs": [declare("y", "float32", ["batch", 3])],
    "nodes": [
        node("fc", "Linear", ["x"], ["y"], attributes={"in_features": 4, "out_features": 3}, parameters={"weight": "w"})
    ],
}


class Validations:
    """How often the architecture and the training state are validated, wherever from: each validation
    calls these module-level helpers exactly once, whichever module imported the validator."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.graph = 0
        self.training = 0
        validate_opset = _validate._validate_opset
        count = _training._count

        def counting_opset(raw: object) -> dict[str, int]:
            self.graph += 1
            return validate_opset(raw)

        def counting_count(value: object, where: str) -> int:
            if where == "`training.epoch`":
                self.training += 1
            return count(value, where)

        monkeypatch.setattr(_validate, "_validate_opset", counting_opset)
        monkeypatch.setattr(_training, "_count", counting_count)

    def reset(self) -> None:
        self.graph = self.training = 0


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> Validations:
    return Validations(monkeypatch)


@pytest.fixture
def linear_file(tmp_path: Path) -> Path:
    return write(tmp_path / "linear.mft", ARCHITECTURE, {"w": W})


def test_the_header_keeps_the_validated_graph_and_training_state(tmp_path: Path) -> None:
    path = write(tmp_path / "m.mft", ARCHITECTURE, {"w": W})
    header = modelfmt.read_header(path)
    assert header.architecture is not None and header.graph is not None
    assert [n.op for n in header.graph.nodes] == ["Linear"]
    assert header.training is None and header.training_state is None
    plain = modelfmt.read_header(write(tmp_path / "t.mft", None, {"w": W}))
    assert plain.architecture is None and plain.graph is None


def test_run_validates_the_graph_once(linear_file: Path, validations: Validations) -> None:
    x = np.ones((2, 4), np.float32)
    validations.reset()
    outputs = modelfmt.run(linear_file, {"x": x})
    np.testing.assert_allclose(outputs["y"], x @ W.T, rtol=1e-6)
    assert validations.graph == 1
    with modelfmt.safe_open(linear_file) as handle:
        modelfmt.run(handle, [x])
    assert validations.graph == 2  # one more open, nothing more


def test_inspect_graph_validates_once(linear_file: Path, tmp_path: Path, validations: Validations) -> None:
    validations.reset()
    assert cli.main(["inspect", str(linear_file), "--graph", str(tmp_path / "g.svg")]) == 0
    assert (tmp_path / "g.svg").read_text(encoding="utf-8").startswith("<svg")
    assert validations.graph == 1


def test_torch_build_validates_the_graph_once(linear_file: Path, validations: Validations) -> None:
    torch = pytest.importorskip("torch")
    import modelfmt.torch as mft  # noqa: PLC0415 - needs torch

    validations.reset()
    module = mft.build(linear_file)
    assert validations.graph == 1
    result = module(torch.ones(2, 4))
    np.testing.assert_allclose(result.detach().numpy(), np.ones((2, 4), np.float32) @ W.T, rtol=1e-6)


def test_load_checkpoint_validates_the_training_state_once(tmp_path: Path, validations: Validations) -> None:
    torch = pytest.importorskip("torch")
    import modelfmt.torch as mft  # noqa: PLC0415 - needs torch

    torch.manual_seed(0)
    module = torch.nn.Linear(4, 3)
    optimizer = torch.optim.Adam(module.parameters())
    module(torch.ones(2, 4)).sum().backward()
    optimizer.step()
    path = tmp_path / "c.mft"
    mft.save_checkpoint(module, path, optimizer=optimizer, epoch=1, step=1)
    fresh = torch.nn.Linear(4, 3)
    validations.reset()
    progress = mft.load_checkpoint(path, fresh, torch.optim.Adam(fresh.parameters()))
    assert (progress.epoch, progress.step, validations.training) == (1, 1, 1)
    torch.testing.assert_close(fresh.weight, module.weight, rtol=0, atol=0)
