"""The Python API names what a file is when it is not modelfmt, as `modelfmt check` does (SPEC.md §13.7)."""

from __future__ import annotations

from pathlib import Path

import modelfmt
import numpy as np
import pytest

LFS_POINTER = (
    b"version https://git-lfs.github.com/spec/v1\n"
    b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n"
)


@pytest.mark.parametrize(
    ("content", "cause"),
    [
        (LFS_POINTER, "git-lfs pointer"),
        (b"<!DOCTYPE html><html><body>Sign in to continue</body></html>", "HTML"),
        (b"PK\x03\x04" + bytes(60), "zip"),
    ],
    ids=["git-lfs", "html", "zip"],
)
@pytest.mark.parametrize("opener", ["load_file", "safe_open", "read_header"])
def test_the_error_names_the_real_cause(content: bytes, cause: str, opener: str, tmp_path: Path) -> None:
    path = tmp_path / "model.mf"
    path.write_bytes(content)
    with pytest.raises(modelfmt.FormatError) as raised:
        getattr(modelfmt, opener)(path)
    assert raised.value.code == "BAD_MAGIC"
    assert cause in str(raised.value)


def test_a_modelfmt_error_keeps_its_own_message(tmp_path: Path) -> None:
    path = tmp_path / "short.mf"
    path.write_bytes(modelfmt.save({"w": np.zeros(25, np.float32)})[:30])  # a modelfmt file cut short: TRUNCATED
    with pytest.raises(modelfmt.ModelfmtError) as raised:
        modelfmt.load_file(path)
    assert "git-lfs" not in str(raised.value)
