"""PyTorch checkpoints -> modelfmt through torch.load(weights_only=True) only: nested state dicts
flattened with dotted names, plain values kept in metadata, everything else refused without running."""

from __future__ import annotations

import collections
import dataclasses
import re
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from modelfmt.convert import ConversionError, convert

torch = pytest.importorskip("torch")

TORCH_DTYPES = [
    torch.bool,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    torch.uint8,
    torch.uint16,
    torch.uint32,
    torch.uint64,
    torch.float16,
    torch.bfloat16,
    torch.float32,
    torch.float64,
    torch.float8_e4m3fn,
    torch.float8_e5m2,
]


def raw(tensor: torch.Tensor) -> bytes:
    return tensor.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()


def test_every_dtype_bit_exact(tmp_path: Path) -> None:
    generator = torch.Generator().manual_seed(0)
    state = {}
    for index, dtype in enumerate(TORCH_DTYPES):
        size = torch.tensor(0, dtype=dtype).element_size()
        bits = torch.randint(0, 256, (3 * 4 * size,), dtype=torch.uint8, generator=generator)
        if dtype == torch.bool:
            bits &= 1
        state[f"p{index}"] = bits.view(dtype).reshape(3, 4)
    torch.save(state, tmp_path / "c.pt")
    assert convert(tmp_path / "c.pt", tmp_path / "c.mf").source_format == "pytorch"
    loaded = modelfmt.load_file(tmp_path / "c.mf")
    assert list(loaded) == list(state)
    for name, tensor in state.items():
        assert loaded[name].shape == tuple(tensor.shape)
        assert loaded[name].tobytes() == raw(tensor), name


def test_nested_checkpoint_is_flattened_and_plain_values_kept(tmp_path: Path) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    checkpoint = {
        "weights": model.state_dict(),
        "stats": {"mean": torch.zeros(2)},
        "epoch": 7,
        "config": {"lr": 0.001, "name": "run-1", "sizes": (3, 4), "flags": [True, None]},
    }
    torch.save(checkpoint, tmp_path / "ckpt.pt")
    convert(tmp_path / "ckpt.pt", tmp_path / "ckpt.mf")
    header = modelfmt.read_header(tmp_path / "ckpt.mf")
    tensors = modelfmt.load_file(tmp_path / "ckpt.mf")
    for name, tensor in model.state_dict().items():
        assert tensors[f"weights.{name}"].tobytes() == raw(tensor)
    assert "stats.mean" in tensors
    values = header.metadata["pytorch_values"]
    assert values["epoch"] == 7
    assert values["config"] == {"lr": 0.001, "name": "run-1", "sizes": [3, 4], "flags": [True, None]}
    assert header.training is None


def test_views_and_shared_storage(tmp_path: Path) -> None:
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    state = {"t": base.t(), "slice": base[1:3, ::2], "tied_a": base, "tied_b": base, "scalar": torch.tensor(2.5)}
    torch.save(state, tmp_path / "v.pt")
    convert(tmp_path / "v.pt", tmp_path / "v.mf")
    loaded = modelfmt.load_file(tmp_path / "v.mf")
    for name, tensor in state.items():
        np.testing.assert_array_equal(loaded[name], tensor.numpy())


def test_legacy_non_zip_checkpoint(tmp_path: Path) -> None:
    torch.save({"w": torch.ones(2, 2)}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    report = convert(tmp_path / "old.pt", tmp_path / "old.mf")
    assert any("legacy" in note for note in report.notes)
    np.testing.assert_array_equal(modelfmt.load_file(tmp_path / "old.mf")["w"], np.ones((2, 2), np.float32))


class Payload:
    """Pickles as a call to open(marker, "w"): it would create the marker if anything unpickled it freely."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def test_objects_beyond_weights_only_are_refused_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    torch.save({"w": torch.zeros(2), "payload": Payload(marker)}, tmp_path / "evil.pt")
    with pytest.raises(ConversionError, match=r"refused by torch.load\(weights_only=True\)"):
        convert(tmp_path / "evil.pt", tmp_path / "evil.mf")
    assert not marker.exists()
    assert not (tmp_path / "evil.mf").exists()


@dataclasses.dataclass
class TrainingConfig:
    lr: float


def test_custom_class_is_refused(tmp_path: Path) -> None:
    torch.save({"w": torch.zeros(2), "config": TrainingConfig(0.1)}, tmp_path / "c.pt")
    with pytest.raises(ConversionError, match=r"weights_only.*TrainingConfig"):
        convert(tmp_path / "c.pt", tmp_path / "c.mf")


def test_dict_subclasses_weights_only_allows_are_plain_values(tmp_path: Path) -> None:
    torch.save({"w": torch.zeros(2), "counts": collections.Counter("abb")}, tmp_path / "c.pt")
    convert(tmp_path / "c.pt", tmp_path / "c.mf")
    assert modelfmt.read_header(tmp_path / "c.mf").metadata["pytorch_values"] == {"counts": {"a": 1, "b": 2}}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (torch.float32, "`extra.dtype` is a torch.dtype"),
        (float("nan"), "`extra.dtype` = nan: JSON metadata cannot hold NaN"),
        (2**60, "beyond the exact integers of JSON"),
        (1e20, "`extra.dtype` = 1e+20: a float between 2^53 and 1e21 cannot be stored"),
        (b"raw", "`extra.dtype` is a builtins.bytes"),
    ],
)
def test_values_json_cannot_hold_are_refused_naming_the_key(tmp_path: Path, value: object, expected: str) -> None:
    torch.save({"w": torch.zeros(2), "extra": {"dtype": value}}, tmp_path / "x.pt")
    with pytest.raises(ConversionError, match=re.escape(expected)):
        convert(tmp_path / "x.pt", tmp_path / "x.mf")


def test_unsupported_tensors_are_refused_naming_them(tmp_path: Path) -> None:
    torch.save({"z": torch.zeros(2, dtype=torch.complex64)}, tmp_path / "c.pt")
    with pytest.raises(ConversionError, match=r"tensor `z`: torch dtype torch\.complex64"):
        convert(tmp_path / "c.pt", tmp_path / "c.mf")
    torch.save({"s": torch.eye(3).to_sparse()}, tmp_path / "s.pt")
    with pytest.raises(ConversionError, match="tensor `s`"):
        convert(tmp_path / "s.pt", tmp_path / "s.mf")


def test_colliding_names_are_refused(tmp_path: Path) -> None:
    torch.save({"a.b": torch.zeros(1), "a": {"b": torch.ones(1)}}, tmp_path / "n.pt")
    with pytest.raises(ConversionError, match=r"two tensors flatten to the name `a\.b`"):
        convert(tmp_path / "n.pt", tmp_path / "n.mf")


def test_a_bare_tensor_and_an_empty_checkpoint(tmp_path: Path) -> None:
    torch.save(torch.arange(3), tmp_path / "t.pt")
    convert(tmp_path / "t.pt", tmp_path / "t.mf")
    assert list(modelfmt.load_file(tmp_path / "t.mf")) == ["tensor"]
    torch.save({"epoch": 1}, tmp_path / "e.pt")
    with pytest.raises(ConversionError, match="holds no tensors"):
        convert(tmp_path / "e.pt", tmp_path / "e.mf")


def test_damaged_checkpoint(tmp_path: Path) -> None:
    torch.save({"w": torch.zeros(100)}, tmp_path / "d.pt")
    data = (tmp_path / "d.pt").read_bytes()
    (tmp_path / "d.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ConversionError):
        convert(tmp_path / "d.pt", tmp_path / "d.mf")
    assert not (tmp_path / "d.mf").exists()
