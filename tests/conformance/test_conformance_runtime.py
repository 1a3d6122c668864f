"""The runtime codes (RUN_*) are not reader codes (manifest `not_applicable`); the valid vectors tagged with a
`runtime` expectation carry inputs that make a runtime (SPEC.md §9.11) report each of them, checked here
against the reference runtime."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import modelfmt
import numpy as np
import pytest
from conformance_helpers import SUITE, vectors
from modelfmt import DTYPES
from modelfmt.conformance import _recipe

RUNTIME = [entry for entry in vectors() if "runtime" in entry]


def _array(spec: dict[str, Any]) -> np.ndarray:
    data = bytes.fromhex(spec["hex"])
    return np.frombuffer(data, dtype=DTYPES[spec["dtype"]].numpy).reshape(spec["shape"]).copy()


@pytest.mark.parametrize("entry", RUNTIME, ids=[entry["id"] for entry in RUNTIME])
def test_runtime_reports_the_expected_code(entry: dict[str, Any], tmp_path: Path) -> None:
    path = (
        SUITE / entry["path"]
        if "path" in entry
        else _recipe.materialise(entry["recipe"], tmp_path / "vector.mf", sha256=entry["sha256"], size=entry["size"])
    )
    modelfmt.load_file(path)  # a valid file: only running it fails
    inputs = {name: _array(spec) for name, spec in entry["runtime"]["inputs"].items()}
    with pytest.raises(modelfmt.ModelfmtError) as caught:
        modelfmt.run(path, inputs)
    assert caught.value.code == entry["runtime"]["error"]
