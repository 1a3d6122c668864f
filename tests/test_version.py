"""One version, said the same way by the package, the command and the distribution's metadata."""

from __future__ import annotations

import contextlib
import io
import tomllib
from pathlib import Path

import modelfmt
import pytest
from modelfmt.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_version_is_pyprojects() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert modelfmt.__version__ == project["version"]


def test_modelfmt_version_names_the_package_and_the_format_versions_it_reads() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert out.getvalue().strip() == (
        f"modelfmt {modelfmt.__version__} (reads format 1.0 to {modelfmt.MAJOR_VERSION}.{modelfmt.MINOR_VERSION})"
    )
