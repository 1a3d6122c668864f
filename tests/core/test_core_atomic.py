"""Atomic replacement (SPEC.md §14.4): a failed or killed write leaves the previous file, never a part.

Failures are simulated at each stage: the input raising while it is converted or streamed, the disk
filling up (a write raising ENOSPC), fsync failing, the rename failing, a StreamWriter closed before all
declared bytes arrived, and a process killed with SIGKILL in the middle of a large streaming write.
OS errors must pass through unchanged (not wrapped in ModelfmtError).
"""

from __future__ import annotations

import errno
import io
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import modelfmt
import numpy as np
import pytest

PREVIOUS = {"old": np.arange(10, dtype=np.int32)}


@pytest.fixture
def previous(tmp_path: Path) -> tuple[Path, bytes]:
    """A destination that already holds a valid file."""
    path = tmp_path / "model.mf"
    modelfmt.save_file(PREVIOUS, path)
    return path, path.read_bytes()


def assert_untouched(path: Path, content: bytes) -> None:
    assert path.read_bytes() == content
    leftovers = [entry.name for entry in path.parent.iterdir() if entry != path]
    assert leftovers == [], f"temporary files left behind: {leftovers}"


class ExplodingArray:
    """A tensor whose conversion to an array fails: placed second, it makes save_file fail mid-way."""

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        raise RuntimeError("conversion failed")


def test_save_file_failing_on_a_later_tensor_keeps_the_previous_file(previous: tuple[Path, bytes]) -> None:
    path, content = previous
    with pytest.raises(RuntimeError, match="conversion failed"):
        modelfmt.save_file({"a": np.ones(4), "b": ExplodingArray()}, path)
    assert_untouched(path, content)


def test_save_file_with_invalid_input_keeps_the_previous_file(previous: tuple[Path, bytes]) -> None:
    path, content = previous
    with pytest.raises(ValueError):
        modelfmt.save_file({"": np.ones(4)}, path)
    with pytest.raises(TypeError):
        modelfmt.save_file({"a": np.array(["text"])}, path)
    assert_untouched(path, content)


def spec_and_chunks(count: int) -> tuple[list[modelfmt.TensorSpec], Iterator[bytes]]:
    specs = [modelfmt.TensorSpec("x", "uint8", (count * 1000,))]

    def chunks() -> Iterator[bytes]:
        for index in range(count):
            if index == count // 2:
                raise RuntimeError("the source went away")
            yield bytes([index % 256]) * 1000

    return specs, chunks()


def test_stream_writer_whose_source_raises_halfway_keeps_the_previous_file(previous: tuple[Path, bytes]) -> None:
    path, content = previous
    specs, chunks = spec_and_chunks(100)
    with pytest.raises(RuntimeError, match="went away"), modelfmt.StreamWriter(path, specs) as writer:
        for chunk in chunks:
            writer.write(chunk)
    assert_untouched(path, content)


def test_stream_writer_closed_early_writes_nothing(tmp_path: Path, previous: tuple[Path, bytes]) -> None:
    path, content = previous
    specs = [modelfmt.TensorSpec("a", "float32", (4,)), modelfmt.TensorSpec("b", "int8", (3,))]
    writer = modelfmt.StreamWriter(path, specs)
    writer.write(np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="nothing was written"):
        writer.close()
    assert_untouched(path, content)
    # The same through `with`: leaving the block cleanly with bytes missing is an error too.
    fresh = tmp_path / "fresh.mf"
    with pytest.raises(ValueError), modelfmt.StreamWriter(fresh, specs) as stream:
        stream.write(b"\x00" * 5)
    assert not fresh.exists()
    assert_untouched(path, content)


def test_stream_writer_refuses_extra_bytes_and_writes_nothing(previous: tuple[Path, bytes]) -> None:
    path, content = previous
    with (
        pytest.raises(ValueError, match="more than the declared"),
        modelfmt.StreamWriter(path, [modelfmt.TensorSpec("a", "uint8", (2,))]) as writer,
    ):
        writer.write(b"abc")
    assert_untouched(path, content)


def test_stream_writer_abort_and_write_after_close(previous: tuple[Path, bytes]) -> None:
    path, content = previous
    writer = modelfmt.StreamWriter(path, [modelfmt.TensorSpec("a", "uint8", (2,))])
    writer.write(b"a")
    writer.abort()
    with pytest.raises(ValueError):
        writer.write(b"b")
    assert_untouched(path, content)


class FullDisk(io.BufferedRandom):
    """A file whose disk fills up after `room` bytes."""

    room = 300

    def write(self, data: Any) -> int:
        size = len(memoryview(data).cast("B"))
        if self.tell() + size > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(data)


def full_disk_fdopen(fd: int, mode: str = "r", *args: object, **kwargs: object) -> FullDisk:
    return FullDisk(io.FileIO(fd, "r+"))


def patch_full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writes to any `.partial` file fail with ENOSPC once past `FullDisk.room` bytes, whether they go
    through the buffered stream or straight to the descriptor (os.write, os.writev, os.pwrite)."""
    monkeypatch.setattr(os, "fdopen", full_disk_fdopen)

    def guard(original: Any) -> Any:
        def call(fd: int, *args: Any) -> Any:
            if os.readlink(f"/proc/self/fd/{fd}").endswith(".partial"):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return original(fd, *args)

        return call

    for name in ("write", "writev", "pwrite", "pwritev"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, guard(getattr(os, name)))


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("writer", ["save_file", "StreamWriter"])
def test_disk_full_keeps_the_previous_file_and_passes_the_os_error_through(
    writer: str, previous: tuple[Path, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, content = previous
    model = {"a": np.arange(1000, dtype=np.float32)}
    patch_full_disk(monkeypatch)
    with pytest.raises(OSError) as raised:
        if writer == "save_file":
            modelfmt.save_file(model, path)
        else:
            with modelfmt.StreamWriter(path, [modelfmt.TensorSpec("a", "float32", (1000,))]) as stream:
                stream.write(model["a"])
    assert raised.value.errno == errno.ENOSPC
    assert not isinstance(raised.value, modelfmt.ModelfmtError)
    monkeypatch.undo()
    assert_untouched(path, content)


def test_fsync_failure_keeps_the_previous_file(previous: tuple[Path, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    path, content = previous

    def failing_fsync(fd: int) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError) as raised:
        modelfmt.save_file({"a": np.ones(3)}, path)
    assert raised.value.errno == errno.EIO
    monkeypatch.undo()
    assert_untouched(path, content)


def test_rename_failure_removes_the_temporary_file(
    previous: tuple[Path, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, content = previous

    def failing_replace(source: object, destination: object) -> None:
        raise OSError(errno.EXDEV, "cross-device link")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        modelfmt.save_file({"a": np.ones(3)}, path)
    monkeypatch.undo()
    assert_untouched(path, content)


def test_missing_directory_is_an_os_error_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        modelfmt.save_file({"a": np.ones(1)}, tmp_path / "no" / "such" / "m.mf")
    assert list(tmp_path.iterdir()) == []


def test_successful_replace_swaps_the_file_and_old_mappings_stay_valid(previous: tuple[Path, bytes]) -> None:
    path, _ = previous
    inode = path.stat().st_ino
    with modelfmt.safe_open(path) as opened:
        old = opened.get_tensor("old")
        modelfmt.save_file({"new": np.full(3, 7, np.int8)}, path)
        assert old.tolist() == list(range(10))  # the mapping still shows the old file (rename, not rewrite)
        del old
    assert path.stat().st_ino != inode
    assert list(modelfmt.load_file(path)) == ["new"]
    assert [entry.name for entry in path.parent.iterdir()] == [path.name]


# ---- permissions ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_new_file_mode_follows_the_umask(umask: int, tmp_path: Path) -> None:
    old = os.umask(umask)
    try:
        modelfmt.save_file({"a": np.ones(1)}, tmp_path / "m.mf")
        with modelfmt.StreamWriter(tmp_path / "s.mf", [modelfmt.TensorSpec("a", "uint8", (1,))]) as writer:
            writer.write(b"\x01")
    finally:
        os.umask(old)
    for name in ("m.mf", "s.mf"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_replacing_a_file_keeps_its_mode(mode: int, previous: tuple[Path, bytes]) -> None:
    path, _ = previous
    path.chmod(mode)
    modelfmt.save_file({"a": np.ones(1)}, path)
    assert stat.S_IMODE(path.stat().st_mode) == mode


# ---- SIGKILL in the middle of a large streaming write ------------------------------------------------------

KILLED_WRITER = r"""
import sys, time
import modelfmt
path = sys.argv[1]
chunk = b"\xab" * (8 * 1024 * 1024)
specs = [modelfmt.TensorSpec("big", "uint8", (128 * len(chunk),))]  # 1 GiB declared
with modelfmt.StreamWriter(path, specs) as writer:
    print("started", flush=True)
    for _ in range(128):
        writer.write(chunk)
        time.sleep(0.02)  # at least 2.5 s in all: slow enough to be killed mid-way, whatever the disk
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_stream_leaves_the_previous_file(previous: tuple[Path, bytes]) -> None:
    path, content = previous
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert process.stdout is not None and process.stdout.readline() == b"started\n"
        deadline = time.monotonic() + 60
        partial: list[Path] = []
        while time.monotonic() < deadline:
            partial = [entry for entry in path.parent.iterdir() if entry.name.endswith(".partial")]
            if partial and partial[0].stat().st_size > 64 * 1024 * 1024:
                break
            time.sleep(0.01)
        assert partial, "the writer never created its temporary file"
        assert process.poll() is None, "the writer finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
        # The destination is the previous file; the temporary may remain (nothing runs after SIGKILL).
        assert path.read_bytes() == content
        assert list(modelfmt.load_file(path)) == ["old"]
        assert all(entry.name.startswith(f".{path.name}.") for entry in partial)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for entry in path.parent.iterdir():
            if entry.name.endswith(".partial"):
                entry.unlink()


def test_a_missing_destination_folder_is_named_not_a_temporary_file(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError) as raised:
        modelfmt.save_file({"w": np.zeros(2, np.float32)}, missing / "model.mf")
    assert raised.value.filename == str(missing) and ".partial" not in str(raised.value)
    assert not missing.exists()
