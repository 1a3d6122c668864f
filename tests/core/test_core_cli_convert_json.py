"""`modelfmt convert --json`: one JSON object on stdout, for success and failure alike."""

from __future__ import annotations

import json
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from modelfmt.cli import main


def test_a_conversion_reports_itself_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "m.mf"
    modelfmt.save_file({"w": np.ones((2, 3), np.float32)}, source)
    assert main(["convert", str(source), str(tmp_path / "m.safetensors"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "source": str(source),
        "destination": str(tmp_path / "m.safetensors"),
        "ok": True,
        "source_format": "modelfmt",
        "destination_format": "safetensors",
        "tensors": 1,
        "data_bytes": 24,
        "architecture": False,
        "notes": [],
    }


def test_a_failure_is_json_with_its_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "page.mf"
    source.write_bytes(b"<!DOCTYPE html><html></html>")
    assert main(["convert", str(source), str(tmp_path / "out.mf"), "--json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {
        "source": str(source),
        "destination": str(tmp_path / "out.mf"),
        "ok": False,
        "code": "CONVERT_FAILED",
    }
    assert "cannot convert" in captured.err
