"""When the operating system misbehaves: short reads and writes are resumed, a file that shrinks while it is
read or signed is TRUNCATED (never garbage, never a partial file), a missing kernel copy falls back to
plain reads and writes, and an I/O error passes through with the file left as it was.

The faults are injected by wrapping the `os` functions the package calls, for the duration of one test.
"""

from __future__ import annotations

import errno
import gc
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace

import modelfmt
import numpy as np
import pytest
from modelfmt.signing._keys import PrivateKey

TENSORS = {
    "weight": np.arange(3000, dtype=np.float32).reshape(30, 100),
    "bias": np.linspace(-1, 1, 100, dtype=np.float64),
    "mask": np.array([True, False, True]),
}


@pytest.fixture
def model_path(tmp_path: Path) -> Path:
    path = tmp_path / "model.mf"
    modelfmt.save_file(TENSORS, path, metadata={"name": "faults"})
    return path


@pytest.fixture
def signing_key() -> PrivateKey:
    return modelfmt.generate_key()


def _leftovers(directory: Path, keep: str) -> list[str]:
    return sorted(entry.name for entry in directory.iterdir() if entry.name != keep)


def _size_taken_before_the_file_shrank(monkeypatch: pytest.MonkeyPatch, path: Path, cut: int) -> None:
    """The file loses its end after its size was taken: `os.fstat` still reports the old size for it."""
    original = path.stat()
    with open(path, "r+b") as stream:
        stream.truncate(cut)
    real_fstat = os.fstat

    def fstat(fd: int) -> object:
        found = real_fstat(fd)
        if (found.st_ino, found.st_dev) == (original.st_ino, original.st_dev):
            return SimpleNamespace(st_size=original.st_size)
        return found

    monkeypatch.setattr(os, "fstat", fstat)


def _header_end(path: Path) -> int:
    return 24 + int.from_bytes(path.read_bytes()[16:24], "little")


@pytest.mark.parametrize("where", ["header", "data"])
@pytest.mark.parametrize("verify", [True, False], ids=["verify", "no-verify"])
def test_a_file_that_shrinks_while_it_is_read_is_truncated(
    model_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, verify: bool
) -> None:
    size = model_path.stat().st_size
    cut = _header_end(model_path) - 10 if where == "header" else size - 100
    _size_taken_before_the_file_shrank(monkeypatch, model_path, cut)
    with pytest.raises(modelfmt.TruncatedError) as raised:
        modelfmt.load_file(model_path, verify=verify)
    assert raised.value.code == "TRUNCATED"
    assert "while it was being read" in str(raised.value)


def test_a_file_that_shrinks_while_it_is_signed_is_truncated_and_left_alone(
    model_path: Path, monkeypatch: pytest.MonkeyPatch, signing_key: PrivateKey
) -> None:
    size = model_path.stat().st_size
    _size_taken_before_the_file_shrank(monkeypatch, model_path, size - 100)
    shrunk = model_path.read_bytes()
    with pytest.raises(modelfmt.TruncatedError) as raised:
        modelfmt.sign_file(model_path, signing_key)
    assert raised.value.code == "TRUNCATED"
    assert f"shrank from {size}" in str(raised.value)
    assert model_path.read_bytes() == shrunk
    assert _leftovers(model_path.parent, model_path.name) == []


@pytest.mark.parametrize("code", [errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL])
def test_signing_without_a_kernel_copy_gives_the_same_file(
    model_path: Path, monkeypatch: pytest.MonkeyPatch, signing_key: PrivateKey, code: int
) -> None:
    expected = modelfmt.sign_bytes(model_path.read_bytes(), signing_key)

    def no_copy(*args: object) -> int:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "copy_file_range", no_copy)
    modelfmt.sign_file(model_path, signing_key)
    assert model_path.read_bytes() == expected


def test_an_io_error_while_signing_passes_through_and_leaves_the_file(
    model_path: Path, monkeypatch: pytest.MonkeyPatch, signing_key: PrivateKey
) -> None:
    before = model_path.read_bytes()

    def failing_copy(*args: object) -> int:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "copy_file_range", failing_copy)
    with pytest.raises(OSError) as raised:
        modelfmt.sign_file(model_path, signing_key)
    assert raised.value.errno == errno.EIO
    assert not isinstance(raised.value, modelfmt.ModelfmtError)
    assert model_path.read_bytes() == before
    assert _leftovers(model_path.parent, model_path.name) == []


def _short_writes(real: Callable[[int, Sequence[bytes | memoryview]], int], most: int) -> Callable[..., int]:
    """os.writev that writes at most `most` bytes per call, as a signal or a pipe may make it."""

    def writev(fd: int, buffers: Sequence[bytes | memoryview]) -> int:
        taken: list[bytes | memoryview] = []
        room = most
        for buffer in buffers:
            if room <= 0:
                break
            piece = memoryview(buffer)[:room]
            taken.append(piece)
            room -= len(piece)
        return real(fd, taken)

    return writev


@pytest.mark.parametrize("most", [1, 777, 4096])
def test_short_writes_are_resumed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, most: int) -> None:
    calls: list[int] = []
    short = _short_writes(os.writev, most)

    def counting(fd: int, buffers: Sequence[bytes | memoryview]) -> int:
        written = short(fd, buffers)
        calls.append(written)
        return written

    monkeypatch.setattr(os, "writev", counting)
    path = tmp_path / "short.mf"
    modelfmt.save_file(TENSORS, path, metadata={"name": "faults"})
    assert max(calls) <= most and len(calls) > 1
    assert path.read_bytes() == modelfmt.save(TENSORS, metadata={"name": "faults"})


@pytest.mark.parametrize("enabled", [True, False], ids=["gc-enabled", "gc-disabled"])
def test_reading_leaves_the_cyclic_collector_as_the_caller_set_it(model_path: Path, enabled: bool) -> None:
    """Reading pauses the collector while it builds the header's objects, and restores exactly the state it
    found: it never turns on a collector its caller had turned off."""
    was_enabled = gc.isenabled()
    if enabled:
        gc.enable()
    else:
        gc.disable()
    try:
        arrays = modelfmt.load_file(model_path)
        assert gc.isenabled() is enabled
        with modelfmt.safe_open(model_path) as opened:
            weight = opened.get_tensor("weight")
        assert gc.isenabled() is enabled
    finally:
        if was_enabled:
            gc.enable()
        else:
            gc.disable()
    np.testing.assert_array_equal(arrays["weight"], TENSORS["weight"])
    np.testing.assert_array_equal(weight, TENSORS["weight"])
