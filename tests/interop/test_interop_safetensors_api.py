"""`modelfmt`'s numpy API and `safe_open` as safetensors callers use them: the same script, with only its
imports changed, gives the same results.

Each scenario takes `save_file`, `load_file` and `safe_open` from one library; it runs once with safetensors
(`safetensors.numpy` and `safetensors.safe_open`) and once with modelfmt, and the results are compared (arrays
by dtype, shape and bytes; dicts by their names, whose order each library chooses for itself).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import modelfmt
import numpy as np
import pytest

safetensors = pytest.importorskip("safetensors")
safetensors_numpy = pytest.importorskip("safetensors.numpy")
pytestmark = pytest.mark.interop

SAFETENSORS = SimpleNamespace(
    save_file=safetensors_numpy.save_file, load_file=safetensors_numpy.load_file, safe_open=safetensors.safe_open
)
MODELFMT = SimpleNamespace(save_file=modelfmt.save_file, load_file=modelfmt.load_file, safe_open=modelfmt.safe_open)


def _same(left: object, right: object) -> None:
    if isinstance(left, np.ndarray):
        assert isinstance(right, np.ndarray)
        assert (left.dtype, left.shape) == (right.dtype, right.shape)
        assert left.tobytes() == right.tobytes()
    elif hasattr(left, "numpy") and type(left).__module__.startswith("torch"):
        assert type(right) is type(left)
        _same(left.numpy(), right.numpy())  # type: ignore[attr-defined]
    elif isinstance(left, dict):
        assert isinstance(right, dict) and sorted(left) == sorted(right), (list(left), list(right))
        for key in left:
            _same(left[key], right[key])
    elif isinstance(left, list | tuple):
        assert type(left) is type(right) and len(left) == len(right), (left, right)
        for a, b in zip(left, right, strict=True):
            _same(a, b)
    else:
        assert left == right, (left, right)


def _both(scenario: Callable[[SimpleNamespace, Path], object], tmp_path: Path) -> None:
    results = []
    for name, lib in (("safetensors", SAFETENSORS), ("modelfmt", MODELFMT)):
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        results.append(scenario(lib, folder))
    _same(*results)


TENSORS: dict[str, Any] = {
    "embed.weight": np.arange(24, dtype=np.float32).reshape(6, 4),
    "norm.bias": np.linspace(-1, 1, 4).astype(np.float16),
    "position_ids": np.arange(6, dtype=np.int64)[None, :],
    "mask": np.array([True, False, True]),
    "scale": np.array(0.5, dtype=np.float64),
}


def test_save_then_load_file(tmp_path: Path) -> None:
    def scenario(lib: SimpleNamespace, folder: Path) -> object:
        lib.save_file(TENSORS, folder / "m", {"format": "np"})  # metadata positional
        return lib.load_file(folder / "m")

    _both(scenario, tmp_path)


def test_safe_open_keys_metadata_and_tensors(tmp_path: Path) -> None:
    def scenario(lib: SimpleNamespace, folder: Path) -> object:
        lib.save_file(TENSORS, folder / "m", metadata={"format": "np", "source": "test"})
        with lib.safe_open(folder / "m", framework="np") as f:
            tensors = {name: f.get_tensor(name) for name in f.keys()}  # noqa: SIM118 (safetensors' handle is not iterable)
            return [f.keys(), f.metadata(), tensors, f.get_tensors()]

    _both(scenario, tmp_path)


def test_no_metadata_is_none(tmp_path: Path) -> None:
    def scenario(lib: SimpleNamespace, folder: Path) -> object:
        lib.save_file(TENSORS, folder / "m")
        with lib.safe_open(folder / "m", "numpy") as f:
            return f.metadata()

    _both(scenario, tmp_path)


@pytest.mark.parametrize(
    "key",
    [
        (slice(1, 3),),
        (slice(None), 2),
        (Ellipsis, 1),
        (0,),
        (slice(2, None), slice(1, 3)),
        (slice(0, 0),),
    ],
    ids=str,
)
def test_get_slice(tmp_path: Path, key: tuple[object, ...]) -> None:
    def scenario(lib: SimpleNamespace, folder: Path) -> object:
        lib.save_file(TENSORS, folder / "m")
        with lib.safe_open(folder / "m", framework="np") as f:
            piece = f.get_slice("embed.weight")
            return [piece.get_shape(), piece.get_dtype(), piece[key if len(key) > 1 else key[0]]]

    _both(scenario, tmp_path)


def test_every_dtype_name_of_get_dtype(tmp_path: Path) -> None:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    arrays = {
        "bf16": np.ones(3, dtype=ml_dtypes.bfloat16),
        "u8": np.ones(3, dtype=np.uint8),
        "i32": np.ones(3, dtype=np.int32),
        "u64": np.ones(3, dtype=np.uint64),
    }

    def scenario(lib: SimpleNamespace, folder: Path) -> object:
        lib.save_file(arrays, folder / "m")
        with lib.safe_open(folder / "m", framework="np") as f:
            return {name: f.get_slice(name).get_dtype() for name in f.keys()}  # noqa: SIM118 (safetensors handles are not iterable)

    _both(scenario, tmp_path)


def test_safe_open_with_torch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")

    def scenario(lib: SimpleNamespace, folder: Path) -> object:
        lib.save_file(TENSORS, folder / "m")
        with lib.safe_open(folder / "m", framework="pt", device="cpu") as f:
            tensors = {name: f.get_tensor(name) for name in f.keys()}  # noqa: SIM118 (safetensors handles are not iterable)
            return [tensors, f.get_slice("embed.weight")[1:3], f.metadata()]

    _both(scenario, tmp_path)
    with modelfmt.safe_open(tmp_path / "modelfmt" / "m", framework="pt") as f:
        tensor = f.get_tensor("embed.weight")
        tensor += 1  # writable, and the file is unchanged
        assert isinstance(tensor, torch.Tensor)
        assert f.get_tensor("embed.weight")[0, 0].item() == 0.0


def test_offset_keys_are_in_file_order(tmp_path: Path) -> None:
    modelfmt.save_file(TENSORS, tmp_path / "m")
    with modelfmt.safe_open(tmp_path / "m") as f:
        assert f.offset_keys() == list(TENSORS)
        assert f.keys() == sorted(TENSORS)


def test_typed_metadata_stays_reachable(tmp_path: Path) -> None:
    modelfmt.save_file(TENSORS, tmp_path / "m", {"epochs": 3, "tags": ["a", "b"], "name": "x"})
    with modelfmt.safe_open(tmp_path / "m") as f:
        assert f.metadata["epochs"] == 3 and f.metadata["tags"] == ["a", "b"]
        assert f.metadata() == {"epochs": "3", "tags": '["a","b"]', "name": "x"}


def test_a_converted_safetensors_file_gives_back_its_own_metadata(tmp_path: Path) -> None:
    safetensors_numpy.save_file(TENSORS, tmp_path / "m.safetensors", metadata={"format": "pt", "k": "v"})
    modelfmt.convert(tmp_path / "m.safetensors", tmp_path / "m.mf")
    with modelfmt.safe_open(tmp_path / "m.mf") as f, safetensors.safe_open(tmp_path / "m.safetensors", "np") as g:
        assert f.metadata() == g.metadata()


def test_a_framework_or_device_numpy_cannot_serve_is_refused(tmp_path: Path) -> None:
    modelfmt.save_file(TENSORS, tmp_path / "m")
    with pytest.raises(ValueError, match="framework"):
        modelfmt.safe_open(tmp_path / "m", framework="tf")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="CPU"):
        modelfmt.safe_open(tmp_path / "m", framework="np", device="cuda:0")
