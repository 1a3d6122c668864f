"""`modelfmt convert`: exit 0 and one summary line on success, exit 1 and one clean line (no traceback)
when the source cannot be converted, exit 2 for usage errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from interop_helpers import raw_safetensors, safetensors_bytes
from modelfmt.cli import main


def test_convert_and_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tensors = {"w": np.arange(6, dtype=np.float32).reshape(2, 3)}
    (tmp_path / "in.safetensors").write_bytes(safetensors_bytes(tensors, {"format": "pt"}))
    assert main(["convert", str(tmp_path / "in.safetensors"), str(tmp_path / "out.mf")]) == 0
    out = capsys.readouterr().out
    assert "(safetensors) ->" in out and "(modelfmt): 1 tensors, 24 bytes of data" in out
    np.testing.assert_array_equal(modelfmt.load_file(tmp_path / "out.mf")["w"], tensors["w"])
    assert main(["convert", str(tmp_path / "out.mf"), str(tmp_path / "back.safetensors")]) == 0
    assert (tmp_path / "back.safetensors").read_bytes() == (tmp_path / "in.safetensors").read_bytes()
    assert main(["convert", str(tmp_path / "out.mf"), str(tmp_path / "w.npz"), "--to", "npz"]) == 0
    with np.load(tmp_path / "w.npz") as archive:
        np.testing.assert_array_equal(archive["w"], tensors["w"])


def test_failures_are_one_line_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.safetensors").write_bytes(
        raw_safetensors(b'{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', bytes(8))
    )
    assert main(["convert", str(tmp_path / "bad.safetensors"), str(tmp_path / "out.mf")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot convert" in err and "truncated safetensors file" in err
    assert not (tmp_path / "out.mf").exists()
    assert main(["convert", str(tmp_path / "missing.pt"), str(tmp_path / "out.mf")]) == 1
    assert "No such file" in capsys.readouterr().err


def test_a_damaged_modelfmt_source_reports_its_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.mf").write_bytes(modelfmt.save({"w": np.zeros(4, np.float32)})[:-3])
    assert main(["convert", str(tmp_path / "m.mf"), str(tmp_path / "out.safetensors")]) == 1
    assert "TRUNCATED" in capsys.readouterr().err


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["convert", "a", "b", "--to", "onnx"])
    assert caught.value.code == 2


def test_the_installed_command_runs(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.eye(3, dtype=np.float32))
    result = subprocess.run(
        [sys.executable, "-m", "modelfmt", "convert", str(tmp_path / "a.npy"), str(tmp_path / "a.mf"), "--name", "eye"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert list(modelfmt.load_file(tmp_path / "a.mf")) == ["eye"]
    (tmp_path / "junk.bin").write_bytes(b"GGUF" + bytes(100))
    result = subprocess.run(
        [sys.executable, "-m", "modelfmt", "convert", str(tmp_path / "junk.bin"), str(tmp_path / "j.mf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "a GGUF file" in result.stderr and "Traceback" not in result.stderr
