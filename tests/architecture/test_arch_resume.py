"""SPEC.md §11.6: N steps, save, load in a fresh process, M steps equals N + M uninterrupted steps, bit for
bit, for every optimizer type and every learning-rate scheduler (with the GradScaler, the RNGs and the
data-loader position stored too). One fresh process resumes every case (`resume_cases.py`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import modelfmt
import numpy as np
import pytest
import resume_cases as rc

pytestmark = [pytest.mark.interop, pytest.mark.slow]  # two processes import torch: about a minute
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, np.ndarray]]]:
    folder = tmp_path_factory.mktemp("resume")
    expected: dict[str, dict[str, np.ndarray]] = {}
    for case in rc.cases():
        run = rc.build(case)
        rc.train(run, rc.N_STEPS)
        rc.save(run, folder / f"{case.key}.mft")
        rc.train(run, rc.M_STEPS)
        expected[case.key] = rc.final_state(run)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parents[1] / "reference"), str(HERE)])}
    subprocess.run([sys.executable, str(HERE / "resume_cases.py"), str(folder)], check=True, env=env, timeout=600)
    return folder, expected


@pytest.mark.parametrize("case", rc.cases(), ids=lambda c: c.key)
def test_resumed_in_a_fresh_process_equals_uninterrupted(
    matrix: tuple[Path, dict[str, dict[str, np.ndarray]]], case: rc.Case
) -> None:
    folder, expected = matrix
    with np.load(folder / f"{case.key}.resumed.npz") as resumed:
        assert sorted(resumed.files) == sorted(expected[case.key])
        for key, value in expected[case.key].items():
            got = resumed[key]
            assert got.dtype == value.dtype and got.shape == value.shape, key
            assert got.tobytes() == value.tobytes(), f"{case.key}: {key} differs after resuming"


def test_checkpoint_versions(matrix: tuple[Path, dict[str, dict[str, np.ndarray]]]) -> None:
    """A checkpoint with a scheduler, RNG or data state is 1.1 (§15.5); the matrix's files are read back."""
    folder, _ = matrix
    with modelfmt.safe_open(folder / "opt-SGD.mft") as handle:
        assert handle.header.minor == 1
        training = handle.header.training
        assert training is not None and set(training) == {"epoch", "step", "optimizer", "rng", "data", "extra"}
