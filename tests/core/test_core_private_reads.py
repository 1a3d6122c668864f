"""Files changing after verification (SPEC.md §17.20.1): what `safe_open` and `load_file` promise about
a file that another process overwrites or truncates after it was verified.

Before: `safe_open(path, trusted_keys=...)` verified the file, then returned views of a memory map, so an
in-place overwrite changed what `get_tensor` returned and a truncation killed the process with SIGBUS.
Now private mode (`mmap=False`, the default with `trusted_keys`) reads each tensor into memory of its own
and checks the digest over those very bytes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from modelfmt.format._errors import ModelfmtError

WEIGHTS = {
    "w": np.arange(4096, dtype=np.float32).reshape(64, 64),
    "mask": np.array([True, False, True]),
    "b": np.ones(3, np.float32),
    "empty": np.zeros((0, 5), np.float32),
}


def _file(tmp_path: Path, *, signed: bool = False) -> tuple[Path, object]:
    path = tmp_path / "m.mf"
    modelfmt.save_file(WEIGHTS, path)
    key = modelfmt.generate_key()
    if signed:
        modelfmt.sign_file(path, key)
    return path, key.public_key()


def _overwrite(path: Path, name: str, payload: bytes, *, before: int = 0) -> None:
    """Write `payload` in place over tensor `name` (or `before` bytes ahead of it), as another process would."""
    header = modelfmt.read_header(path)
    info = header.tensor(name)
    with open(path, "r+b") as stream:
        stream.seek(header.data_start + info.offset - before)
        stream.write(payload)


def test_trusted_keys_default_to_private_memory_and_plain_opens_to_the_mapping(tmp_path: Path) -> None:
    path, public = _file(tmp_path, signed=True)
    with modelfmt.safe_open(path, trusted_keys=public) as handle:
        assert not handle.mapped
    with modelfmt.safe_open(path) as handle:
        assert handle.mapped
    with modelfmt.safe_open(path, trusted_keys=public, mmap=True) as handle:
        assert handle.mapped
    with modelfmt.safe_open(path, mmap=False) as handle:
        assert not handle.mapped
        for name, array in WEIGHTS.items():
            got = handle.get_tensor(name)
            assert got.dtype == array.dtype and np.array_equal(got, array)
            assert (got.flags.writeable and got.ctypes.data % 64 == 0) or got.size == 0


def test_private_mode_returns_the_verified_bytes_after_an_overwrite(tmp_path: Path) -> None:
    path, public = _file(tmp_path, signed=True)
    with modelfmt.safe_open(path, trusted_keys=public) as handle:
        before = handle.get_tensor("w")
        _overwrite(path, "w", np.full(16, 7, np.float32).tobytes())
        assert np.array_equal(before, WEIGHTS["w"])  # the array returned is the caller's, unchanged
        with pytest.raises(modelfmt.IntegrityError) as caught:
            handle.get_tensor("w")  # read again: the new bytes fail the signed digest
        assert caught.value.code == "DIGEST_MISMATCH"
        assert np.array_equal(handle.get_tensor("b"), WEIGHTS["b"])


def test_private_mode_checks_padding_and_bool_values_over_its_own_copy(tmp_path: Path) -> None:
    path, _ = _file(tmp_path)
    with modelfmt.safe_open(path, mmap=False) as handle:
        _overwrite(path, "mask", b"\x02")
        with pytest.raises(ModelfmtError) as caught:
            handle.get_tensor("mask")
        assert caught.value.code == "DIGEST_MISMATCH"
    with modelfmt.safe_open(path, mmap=False, verify=False) as handle:
        with pytest.raises(ModelfmtError) as caught:
            handle.get_tensor("mask")  # bool values are checked even without verification (§7.9)
        assert caught.value.code == "BOOL_VALUE"
    path, _ = _file(tmp_path)
    with modelfmt.safe_open(path, mmap=False) as handle:
        _overwrite(path, "b", b"\x01", before=1)  # the last byte of the gap before `b`
        with pytest.raises(ModelfmtError) as caught:
            handle.get_tensor("b")
        assert caught.value.code == "PADDING_NOT_ZERO"


def test_a_truncation_in_private_mode_is_a_coded_error(tmp_path: Path) -> None:
    path, public = _file(tmp_path, signed=True)
    for options in ({"trusted_keys": public}, {"mmap": False}, {"mmap": False, "verify": False}):
        with modelfmt.safe_open(path, **options) as handle:  # type: ignore[arg-type]
            os.truncate(path, 100)
            with pytest.raises(modelfmt.FormatError) as caught:
                handle.get_tensor("w")
            assert caught.value.code == "TRUNCATED"
        _file(tmp_path, signed=True)


def test_a_truncation_after_open_never_kills_the_process(tmp_path: Path) -> None:
    # In a process of its own, so that a SIGBUS (what a mapping gives) fails this test instead of the run.
    path, key = tmp_path / "m.mf", tmp_path / "k.pub"
    script = textwrap.dedent(
        """
        import os, sys
        import modelfmt
        path, key = sys.argv[1], sys.argv[2]
        with modelfmt.safe_open(path, trusted_keys=key) as handle:
            os.truncate(path, 4096)
            try:
                handle.get_tensor("w")
            except modelfmt.ModelfmtError as exc:
                print(exc.code)
        """
    )
    keyfile = modelfmt.generate_key()
    modelfmt.save_public_key(keyfile, key)
    modelfmt.save_file(WEIGHTS, path)
    modelfmt.sign_file(path, keyfile)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(path), str(key)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, (done.returncode, done.stderr)  # a negative code is a signal
    assert done.stdout.strip() == "TRUNCATED"


def test_mapped_mode_shows_later_changes_as_documented(tmp_path: Path) -> None:
    # What §17.20.1 says the mapped mode does not cover: a verified view follows the file.
    path, _ = _file(tmp_path)
    with modelfmt.safe_open(path, mmap=True) as handle:
        view = handle.get_tensor("b")
        assert not view.flags.writeable
        _overwrite(path, "b", np.full(3, 5, np.float32).tobytes())
        assert view.tolist() == [5.0, 5.0, 5.0]


def test_load_file_holds_the_verified_bytes_and_mmap_gives_views(tmp_path: Path) -> None:
    path, public = _file(tmp_path, signed=True)
    loaded = modelfmt.load_file(path, trusted_keys=public)
    mapped = modelfmt.load_file(path, mmap=True)
    assert all(np.array_equal(mapped[name], array) for name, array in WEIGHTS.items())
    assert not mapped["w"].flags.writeable and loaded["w"].flags.writeable
    _overwrite(path, "w", np.full(16, 7, np.float32).tobytes())
    assert np.array_equal(loaded["w"], WEIGHTS["w"])
    del mapped
    with pytest.raises(modelfmt.IntegrityError):
        modelfmt.load_file(path, mmap=True)
    with pytest.raises(modelfmt.IntegrityError):
        modelfmt.load_file(path, mmap=True, trusted_keys=public)


def test_private_reads_from_several_threads_each_get_their_own_bytes(tmp_path: Path) -> None:
    # Reads share one file descriptor: with a shared file position (seek, then read) two threads could
    # swap bytes and fail the digest check, or return another tensor's bytes unverified.
    path = tmp_path / "many.mf"
    tensors = {f"t{index}": np.full(5000 + index, index, np.int32) for index in range(16)}
    modelfmt.save_file(tensors, path)
    with modelfmt.safe_open(path, mmap=False, verify=False) as handle, ThreadPoolExecutor(4) as pool:
        names = list(tensors) * 8
        for name, array in zip(names, pool.map(handle.get_tensor, names), strict=True):
            assert np.array_equal(array, tensors[name]), name
