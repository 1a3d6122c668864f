"""Hostile PyTorch checkpoints, built with torch itself: small files that describe huge tensors, huge or
cyclic object graphs, or pickles that would allocate while loading. Each is refused with a coded
ConversionError, in bounded memory (measured in a fresh process) and without a hang; real checkpoints
with views, tied weights and broadcast buffers still convert."""

from __future__ import annotations

import io
import pickletools
import struct
import sys
import zipfile
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from interop_helpers import convert_in_child
from modelfmt.convert import ConversionError, convert
from modelfmt.convert._pytorch_pickle import MAX_PICKLE_BYTES, MAX_PICKLE_OPCODES

torch = pytest.importorskip("torch")

MiB = 1024 * 1024
# Peak memory a refused checkpoint may add to a process that has imported torch: the refusals happen
# before any tensor is read, so this is parsing and walking, not data.
REFUSAL_MEMORY = 128 * MiB


class Allocate:
    """Pickles as `bytearray(n)`, a call torch's weights_only loader allows."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __reduce__(self) -> tuple[object, tuple[int]]:
        return (bytearray, (self.size,))


class ConvertDtype:
    """Pickles as torch's own `_rebuild_device_tensor_from_cpu_tensor` over a broadcast view: the dtype
    conversion materialises the view at full size while loading."""

    def __init__(self, count: int) -> None:
        self.count = count

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        view = torch.zeros(1, dtype=torch.int8).expand(self.count)
        return (torch._utils._rebuild_device_tensor_from_cpu_tensor, (view, torch.float64, "cpu", False))


def _with_pickle(path: Path, out: Path, edit: object, *, compress: bool = False) -> Path:
    """A copy of the zip checkpoint `path` whose data.pkl is `edit(data.pkl)`."""
    with zipfile.ZipFile(path) as archive, zipfile.ZipFile(out, "w") as copy:
        for info in archive.infolist():
            data = archive.read(info)
            pickled = info.filename.endswith("/data.pkl")
            if pickled:
                data = edit(data)  # type: ignore[operator]
            copy.writestr(info.filename, data, zipfile.ZIP_DEFLATED if pickled and compress else zipfile.ZIP_STORED)
    return out


def _add_item(pickled: bytes, value: bytes) -> bytes:
    """A state dict's pickle with one more item, `"v": value` (opcodes), set before its final STOP."""
    end = max(position for opcode, _, position in pickletools.genops(pickled) if opcode.name == "STOP")
    return pickled[:end] + b"X\x01\x00\x00\x00v" + value + b"s" + pickled[end:]


def _empty_dicts(count: int) -> bytes:
    """A list of `count` empty dicts: one opcode byte each, ~80 bytes of memory each once unpickled."""
    return b"](" + b"}" * count + b"e"


def _legacy_with(path: Path, value: bytes) -> Path:
    """A legacy (non-zip) checkpoint whose object tree gains the item `"v": value`."""
    torch.save({"w": torch.zeros(1)}, path, _use_new_zipfile_serialization=False)
    data = path.read_bytes()
    stream = io.BytesIO(data)
    for _ in range(4):  # magic number, protocol, system information, then the object tree
        end = max(position for opcode, _, position in pickletools.genops(stream) if opcode.name == "STOP")
    path.write_bytes(data[:end] + b"X\x01\x00\x00\x00v" + value + b"s" + data[end:])
    return path


def test_checkpoints_that_expand_are_refused_in_bounded_memory(tmp_path: Path) -> None:
    torch.save({"w": torch.empty(1).expand(3 * 10**8)}, tmp_path / "stride0.pt")  # 1.2 GB from 1.5 KB
    shared = torch.zeros(1024)
    torch.save({"w": [shared] * 10_000}, tmp_path / "aliases.pt")  # 40 MB of one 4 KiB storage
    torch.save({"w": torch.zeros(1), "b": Allocate(600 * MiB)}, tmp_path / "bytearray.pt")
    torch.save({"w": torch.zeros(1), "c": ConvertDtype(50_000_000)}, tmp_path / "dtype.pt")  # 400 MB
    torch.save({"w": torch.zeros(4)}, tmp_path / "small.pt")
    opcodes = _with_pickle(
        tmp_path / "small.pt", tmp_path / "opcodes.pt", lambda data: _add_item(data, _empty_dicts(MAX_PICKLE_OPCODES))
    )
    big_string = b"X" + struct.pack("<I", MAX_PICKLE_BYTES + MiB) + b"a" * (MAX_PICKLE_BYTES + MiB)
    deflated = _with_pickle(
        tmp_path / "small.pt", tmp_path / "deflated.pt", lambda data: _add_item(data, big_string), compress=True
    )
    legacy = _legacy_with(tmp_path / "legacy.pt", _empty_dicts(MAX_PICKLE_OPCODES))
    sources = [
        tmp_path / "stride0.pt",
        tmp_path / "aliases.pt",
        tmp_path / "bytearray.pt",
        tmp_path / "dtype.pt",
        opcodes,
        deflated,
        legacy,
    ]
    assert max(source.stat().st_size for source in sources) < 5 * MiB
    outcomes = convert_in_child(sources, tmp_path / "out.mf", preload_torch=True)
    assert [outcome["code"] for outcome in outcomes] == ["CONVERT_EXPANSION"] * len(sources), outcomes
    for outcome in outcomes:
        assert outcome["growth"] < REFUSAL_MEMORY, outcome  # type: ignore[operator]
    assert "tensor `w` is a view of 4 bytes of storage as 1200000000 bytes" in str(outcomes[0]["message"])
    assert "the same storages appear under many names" in str(outcomes[1]["message"])
    assert "builtins.bytearray" in str(outcomes[2]["message"])
    assert not (tmp_path / "out.mf").exists()


def test_a_shared_reference_graph_is_refused_without_walking_every_path(tmp_path: Path) -> None:
    node: object = {"t": torch.zeros(1)}
    for _ in range(40):  # 2^40 paths through 40 shared dicts
        node = {"a": node, "b": node}
    torch.save(node, tmp_path / "tensors.pt")
    values: object = [1]
    for _ in range(40):
        values = [values, values]
    torch.save({"w": torch.zeros(1), "v": values}, tmp_path / "values.pt")
    outcomes = convert_in_child(
        [tmp_path / "tensors.pt", tmp_path / "values.pt"], tmp_path / "out.mf", preload_torch=True, timeout=300
    )
    assert [outcome["code"] for outcome in outcomes] == ["CONVERT_STRUCTURE"] * 2, outcomes
    assert all("more than 1048576 objects to visit" in str(outcome["message"]) for outcome in outcomes)
    assert all(outcome["growth"] < REFUSAL_MEMORY for outcome in outcomes)  # type: ignore[operator]


@pytest.mark.parametrize("holds_tensor", [True, False])
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path: Path, holds_tensor: bool) -> None:
    deep: object = [torch.zeros(1)] if holds_tensor else [0]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(50_000)  # for torch.save's pickler, not for the converter
    try:
        for _ in range(5000):
            deep = [deep]
        torch.save({"w": torch.zeros(1), "v": deep}, tmp_path / "deep.pt")
    finally:
        sys.setrecursionlimit(limit)
    with pytest.raises(ConversionError, match="nests deeper than 64 levels") as caught:
        convert(tmp_path / "deep.pt", tmp_path / "deep.mf")
    assert caught.value.code == "CONVERT_STRUCTURE"


def test_a_container_inside_itself_is_refused(tmp_path: Path) -> None:
    cycle: list[object] = [torch.zeros(1)]
    cycle.append(cycle)
    torch.save({"v": cycle}, tmp_path / "cycle.pt")
    plain: list[object] = [1]
    plain.append({"again": plain})
    torch.save({"w": torch.zeros(1), "v": plain}, tmp_path / "plain.pt")
    for name in ("cycle", "plain"):
        with pytest.raises(ConversionError, match=r"contains itself \(a reference cycle\)") as caught:
            convert(tmp_path / f"{name}.pt", tmp_path / f"{name}.mf")
        assert caught.value.code == "CONVERT_STRUCTURE"


def test_views_tied_weights_and_broadcast_buffers_still_convert(tmp_path: Path) -> None:
    embedding = torch.randn(50, 8)
    state = {
        "embeddings.weight": embedding,
        "decoder.weight": embedding,  # tied: one storage under two names
        "position_ids": torch.arange(40).expand((1, -1)),  # transformers' buffer: stride 0 on a size-1 axis
        "scale": torch.tensor(0.5).expand(1000),  # a broadcast, within the allowance
        "transposed": torch.arange(24.0).reshape(4, 6).t(),
        "every_other_row": torch.arange(60.0).reshape(20, 3)[::2],
    }
    torch.save(state, tmp_path / "ok.pt")
    convert(tmp_path / "ok.pt", tmp_path / "ok.mf")
    loaded = modelfmt.load_file(tmp_path / "ok.mf")
    for name, tensor in state.items():
        np.testing.assert_array_equal(loaded[name], tensor.numpy())


def test_a_large_transposed_tensor_is_copied_in_blocks(tmp_path: Path) -> None:
    wide = torch.arange(3 * 2**20, dtype=torch.float32).reshape(3, 2**20)  # 12 MiB, copied 16 MiB at a time
    torch.save({"t": wide.t()}, tmp_path / "t.pt")
    convert(tmp_path / "t.pt", tmp_path / "t.mf")
    np.testing.assert_array_equal(modelfmt.load_file(tmp_path / "t.mf")["t"], wide.t().numpy())
