"""`modelfmt check --strict`: each SHOULD-level finding of `_strict.FINDINGS` is reported, with its stable
id, for a file that breaks it, and never for what a conforming writer and signer produce."""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from conformance_helpers import PYTHON, SUITE
from modelfmt.diagnose._check import check_file
from modelfmt.diagnose._strict import FINDINGS

VALID = SUITE / "vectors" / "read" / "valid"
LINEAR = {
    "opset": {"modelfmt.core": 1},
    "inputs": [{"name": "x", "dtype": "float32", "shape": ["n", 2]}],
    "outputs": [{"name": "y", "dtype": "float32", "shape": ["n", 2]}],
    "nodes": [
        {
            "name": "fc",
            "op": "Linear",
            "inputs": ["x"],
            "outputs": ["h"],
            "attributes": {"in_features": 2, "out_features": 2},
            "parameters": {"weight": "w"},
        },
        {
            "name": "bn",
            "op": "BatchNorm1d",
            "inputs": ["h"],
            "outputs": ["y"],
            "attributes": {"num_features": 2},
            "parameters": {"running_mean": "mean", "running_var": "var"},
        },
    ],
}


def ids(path: Path) -> list[str]:
    result = check_file(path, strict=True)
    assert result.valid, result.error
    return [warning.split(": ", 1)[0] for warning in result.warnings]


def saved(tmp_path: Path, **kwargs: object) -> Path:
    path = tmp_path / "model.mf"
    tensors = kwargs.pop("tensors", {"w": np.ones((2, 2), np.float32)})
    modelfmt.save_file(tensors, path, **kwargs)  # type: ignore[arg-type]
    return path


def raw_header_file(tmp_path: Path, header: bytes) -> Path:
    path = tmp_path / "raw.mf"
    preamble = b"\x89MFT\r\n\x1a\n" + struct.pack("<HHIQ", 1, 0, 0, len(header))
    path.write_bytes(preamble + header + bytes(-(24 + len(header)) % 64))
    return path


@pytest.mark.parametrize(
    ("vector", "finding"),
    [
        ("json.member-order-free", "header-not-canonical"),
        ("json.numbers", "number-not-writable"),
        ("version.minor-2-nothing-new", "minor-version-not-lowest"),
        ("signature_block.non-canonical-body", "signature-block-not-canonical"),
        ("signature_block.unknown-algorithm-only", "signature-unknown-algorithm"),
        ("metadata.display-hazards", "display-unsafe-characters"),
        ("names.unicode", "display-unsafe-characters"),
    ],
)
def test_findings_on_suite_vectors(vector: str, finding: str) -> None:
    assert finding in ids(VALID / f"{vector}.mf")


def test_empty_extensions(tmp_path: Path) -> None:
    path = raw_header_file(tmp_path, b'{"extensions":{},"metadata":{},"tensors":[]}')
    assert ids(path) == ["extensions-empty"]  # canonical otherwise: the object is just empty


@pytest.mark.parametrize("key", ["Author", "licence", "LICENSE", "Model-Name", "tag"])
def test_metadata_key_variants(tmp_path: Path, key: str) -> None:
    assert ids(saved(tmp_path, metadata={key: "x"})) == ["metadata-key-variant"]


def test_metadata_variant_is_quiet_when_the_recommended_key_is_there(tmp_path: Path) -> None:
    assert ids(saved(tmp_path, metadata={"authors": ["a"], "Author": "x"})) == []


def test_binding_roles(tmp_path: Path) -> None:
    tensors = {"w": np.ones((2, 2), np.float32), "mean": np.zeros(2, np.float32), "var": np.ones(2, np.float32)}
    good = saved(tmp_path, tensors=tensors, architecture=LINEAR, roles={"mean": "buffer", "var": "buffer"})
    assert ids(good) == []
    bad = saved(tmp_path, tensors=tensors, architecture=LINEAR, roles={"w": "optimizer", "var": "buffer"})
    assert ids(bad) == ["binding-role", "running-statistics-role"]


def test_optimizer_slot_names(tmp_path: Path) -> None:
    tensors = {"w": np.ones(2, np.float32), "momentum": np.zeros(2, np.float32)}
    hyper = {"lr": 0.1, "momentum": 0.9, "dampening": 0, "weight_decay": 0, "nesterov": False, "maximize": False}
    training = {
        "epoch": 0,
        "step": 1,
        "optimizer": {
            "type": "SGD",
            "groups": [{"hyperparameters": hyper, "parameters": ["w"]}],
            "state": {"w": {"slots": {"momentum_buffer": "momentum"}}},
        },
    }
    path = saved(tmp_path, tensors=tensors, training=training, roles={"momentum": "optimizer"})
    assert ids(path) == ["optimizer-slot-name"]


def test_conforming_writer_and_signer_output_has_no_findings(tmp_path: Path) -> None:
    assert ids(VALID / "container.appendix-a.mf") == []
    assert ids(VALID / "signature_block.ed25519.mf") == []
    assert ids(saved(tmp_path, metadata={"name": "m", "license": "MIT"}, extensions={"com.example.x": [1]})) == []


def test_every_finding_id_is_tested() -> None:
    tested = {
        "header-not-canonical",
        "number-not-writable",
        "extensions-empty",
        "minor-version-not-lowest",
        "metadata-key-variant",
        "binding-role",
        "running-statistics-role",
        "optimizer-slot-name",
        "signature-block-not-canonical",
        "signature-unknown-algorithm",
        "display-unsafe-characters",
    }
    assert set(FINDINGS) == tested


@pytest.mark.slow
def test_cli_prints_findings_with_ids_and_json_lists_them() -> None:
    path = str(VALID / "json.member-order-free.mf")
    text = subprocess.run(
        [PYTHON, "-m", "modelfmt", "check", "--strict", path], capture_output=True, text=True, check=False
    )
    assert text.returncode == 0
    assert "warning: header-not-canonical: " in text.stdout
    plain = subprocess.run([PYTHON, "-m", "modelfmt", "check", path], capture_output=True, text=True, check=True)
    assert "warning" not in plain.stdout
    report = subprocess.run(
        [PYTHON, "-m", "modelfmt", "check", "--strict", "--json", path], capture_output=True, text=True, check=True
    )
    (entry,) = json.loads(report.stdout)
    assert entry["findings"][0]["id"] == "header-not-canonical"
