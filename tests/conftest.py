"""Suite-wide settings: markers given by folder, and the branch coverage gate (coverage_gate.py).

The markers are registered in pyproject.toml; `slow` is given test by test, from measured durations.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from coverage_gate import CoverageGate

INTEROP = Path(__file__).resolve().parent / "interop"


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(CoverageGate(config), "modelfmt-coverage-gate")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(INTEROP):
            item.add_marker(pytest.mark.interop)
