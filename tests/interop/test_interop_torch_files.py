"""`modelfmt.torch`'s safetensors API: code written for `safetensors.torch` runs with only its import changed.

Each scenario is one function of the library module it is given; it runs once with `safetensors.torch` and once
with `modelfmt.torch`, and what it returns (tensors compared bit for bit, names, errors by type and first words)
must be the same.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")
import modelfmt  # noqa: E402
import modelfmt.torch as modelfmt_torch  # noqa: E402
from torch import nn  # noqa: E402

pytestmark = pytest.mark.interop
LIBRARIES = pytest.mark.parametrize("lib", [safetensors_torch, modelfmt_torch], ids=["safetensors", "modelfmt"])


def _same(left: object, right: object) -> None:
    """Equal values, tensors compared by dtype, shape and bits."""
    if isinstance(left, torch.Tensor):
        assert isinstance(right, torch.Tensor)
        assert (left.dtype, left.shape, left.device) == (right.dtype, right.shape, right.device)
        assert left.reshape(-1).view(torch.uint8).equal(right.reshape(-1).view(torch.uint8))
    elif isinstance(left, dict):
        # Key order is not compared: safetensors stores tensors sorted by dtype size and name, modelfmt in
        # the order given (its README says so); both return every name.
        assert isinstance(right, dict) and sorted(left) == sorted(right), (list(left), list(right))
        for key in left:
            _same(left[key], right[key])
    elif isinstance(left, list | tuple):
        assert type(left) is type(right) and len(left) == len(right)
        for a, b in zip(left, right, strict=True):
            _same(a, b)
    else:
        assert left == right


def _both(scenario: Callable[[ModuleType, Path], object], tmp_path: Path) -> object:
    results = []
    for lib in (safetensors_torch, modelfmt_torch):
        folder = tmp_path / lib.__name__
        folder.mkdir(parents=True, exist_ok=True)
        try:
            results.append(("ok", scenario(lib, folder)))
        except Exception as exc:  # the error's kind is part of the behaviour compared
            results.append(("raised", exc))
    (kind_st, value_st), (kind_mf, value_mf) = results
    assert kind_st == kind_mf, results
    if kind_st == "ok":
        _same(value_st, value_mf)
    else:  # what a caller catches for safetensors catches modelfmt's error too
        assert isinstance(value_mf, type(value_st)), results
    return value_mf


def _every_dtype() -> dict[str, Any]:
    generator = torch.Generator().manual_seed(0)
    base = torch.randn(3, 5, generator=generator)
    tensors: dict[str, Any] = {
        f"t.{dtype}".replace("torch.", ""): base.to(dtype)
        for dtype in (torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.float8_e4m3fn)
    }
    tensors["t.float8_e5m2"] = base.to(torch.float8_e5m2)
    tensors["t.int64"] = torch.arange(-7, 8).reshape(3, 5)
    tensors["t.int8"] = torch.arange(-7, 8, dtype=torch.int8)
    tensors["t.uint8"] = torch.arange(15, dtype=torch.uint8)
    tensors["t.bool"] = torch.arange(15) % 3 == 0
    tensors["t.scalar"] = torch.tensor(2.5)
    tensors["t.empty"] = torch.zeros(0, 4)
    tensors["t.grad"] = torch.ones(2, 2, requires_grad=True)
    return tensors


def test_save_file_then_load_file_every_dtype(tmp_path: Path) -> None:
    def scenario(lib: ModuleType, folder: Path) -> object:
        lib.save_file(_every_dtype(), folder / "m", {"format": "pt"})  # metadata positional
        return lib.load_file(folder / "m")

    loaded = _both(scenario, tmp_path)
    assert isinstance(loaded, dict) and loaded["t.grad"].requires_grad is False


def test_save_and_load_bytes(tmp_path: Path) -> None:
    _both(lambda lib, _: lib.load(lib.save(_every_dtype(), metadata={"a": "b"})), tmp_path)


def test_load_file_on_a_device_and_tensors_are_writable(tmp_path: Path) -> None:
    def scenario(lib: ModuleType, folder: Path) -> object:
        lib.save_file({"w": torch.arange(6.0)}, folder / "m")
        tensors = lib.load_file(folder / "m", device="cpu")
        tensors["w"] += 1  # in place: the loaded tensors are the caller's
        return tensors

    _both(scenario, tmp_path)


def test_tensors_sharing_memory_are_refused_with_the_same_guidance(tmp_path: Path) -> None:
    def scenario(lib: ModuleType, folder: Path) -> object:
        weight = torch.ones(4, 4)
        lib.save_file({"a": weight, "b": weight}, folder / "m")
        return None

    _both(scenario, tmp_path)
    weight = torch.ones(2, 2)
    with pytest.raises(RuntimeError, match=r"(?s)share memory.*save_model"):
        modelfmt_torch.save_file({"a": weight, "b": weight[0]}, tmp_path / "x")


def test_views_of_one_storage_that_do_not_overlap_are_not_shared(tmp_path: Path) -> None:
    whole = torch.arange(8.0)
    modelfmt_torch.save_file({"low": whole[:4], "high": whole[4:]}, tmp_path / "m")
    loaded = modelfmt_torch.load_file(tmp_path / "m")
    assert loaded["low"].tolist() == [0, 1, 2, 3] and loaded["high"].tolist() == [4, 5, 6, 7]


def test_a_non_contiguous_tensor_is_stored_by_value(tmp_path: Path) -> None:
    transposed = torch.arange(12.0).reshape(3, 4).t()
    modelfmt_torch.save_file({"t": transposed}, tmp_path / "m")
    assert modelfmt_torch.load_file(tmp_path / "m")["t"].equal(transposed)


def test_not_a_dict_or_not_a_tensor_is_a_value_error(tmp_path: Path) -> None:
    _both(lambda lib, folder: lib.save_file([torch.ones(1)], folder / "m"), tmp_path / "list")
    _both(lambda lib, folder: lib.save_file({"a": [1.0]}, folder / "m"), tmp_path / "value")


class _TiedLM(nn.Module):
    def __init__(self, vocab: int = 11, width: int = 6) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, width)
        self.norm = nn.LayerNorm(width)
        self.lm_head = nn.Linear(width, vocab, bias=False)
        self.lm_head.weight = self.embed.weight  # tied, as most decoders are
        self.register_buffer("position", torch.arange(4))


def test_save_model_stores_tied_weights_once_and_load_model_reties_them(tmp_path: Path) -> None:
    def scenario(lib: ModuleType, folder: Path) -> object:
        torch.manual_seed(0)
        lib.save_model(_TiedLM(), folder / "m", metadata={"note": "x"})
        stored = lib.load_file(folder / "m")
        torch.manual_seed(1)
        fresh = _TiedLM()
        missing, unexpected = lib.load_model(fresh, folder / "m")
        tied = fresh.lm_head.weight is fresh.embed.weight
        return [sorted(stored), sorted(missing), unexpected, fresh.state_dict(), tied]

    result = _both(scenario, tmp_path)
    assert isinstance(result, list) and result[0] == ["embed.weight", "norm.bias", "norm.weight", "position"]
    with modelfmt.safe_open(tmp_path / "modelfmt.torch" / "m") as handle:
        assert handle.metadata["lm_head.weight"] == "embed.weight"  # as safetensors records the alias


def test_load_model_reports_and_refuses_missing_and_unexpected_names(tmp_path: Path) -> None:
    def strict(lib: ModuleType, folder: Path) -> object:
        lib.save_file({"weight": torch.ones(2, 3), "extra": torch.ones(1)}, folder / "m")
        lib.load_model(nn.Linear(3, 2), folder / "m")
        return None

    def lenient(lib: ModuleType, folder: Path) -> object:
        lib.save_file({"weight": torch.ones(2, 3), "extra": torch.ones(1)}, folder / "m")
        model = nn.Linear(3, 2)
        missing, unexpected = lib.load_model(model, folder / "m", strict=False)
        return [missing, unexpected, model.weight.detach()]

    _both(strict, tmp_path / "strict")
    _both(lenient, tmp_path / "lenient")


def test_a_corrupt_file_is_refused_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / "m"
    modelfmt_torch.save_file({"w": torch.arange(1000.0)}, path)
    data = bytearray(path.read_bytes())
    data[-8] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(modelfmt.IntegrityError):
        modelfmt_torch.load_file(path)
