"""Vectors are never edited by hand: regenerating the suite from `conformance/generate.py` reproduces every
file byte for byte (vectors, expected results, keys, the manifest)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conformance_helpers import PYTHON, REPO, SUITE

GENERATED = ("vectors", "keys")


def _files(root: Path) -> dict[str, bytes]:
    found = {
        str(path.relative_to(root)): path.read_bytes()
        for name in GENERATED
        for path in (root / name).rglob("*")
        if path.is_file()
    }
    found["manifest.json"] = (root / "manifest.json").read_bytes()
    return found


@pytest.mark.slow
def test_regeneration_reproduces_every_file(tmp_path: Path) -> None:
    # --no-reference: the reference implementation is judged by the runner test, through the protocol.
    subprocess.run(
        [PYTHON, str(SUITE / "generate.py"), "--out", str(tmp_path), "--no-reference"],
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=300,
    )
    fresh, checked_in = _files(tmp_path), _files(SUITE)
    assert sorted(set(fresh) ^ set(checked_in)) == [], "files only on one side"
    differing = sorted(name for name in fresh if fresh[name] != checked_in[name])
    assert differing == [], "regenerate with `python conformance/generate.py` (never edit vectors by hand)"
