"""The branch coverage gate: a run of the whole suite fails when the tests leave more than 5% of the branches
of `modelfmt/container/` or of `modelfmt/signing/` unexecuted, each folder on its own.

Coverage is measured by pytest-cov (`--cov` in pyproject.toml's addopts, settings under `[tool.coverage]`),
which also combines what the xdist workers measured. This plugin reads the combined result once the tests
have run and prints the branch coverage of every folder of the package. It fails the run only when every
collected test was selected (no `-m`, `-k`, paths or `--lf`): a partial run prints the figures and says they
were not enforced. Code that tests run in another process (the CLI as a command) is not counted.

To see the branches not taken after a run: `python -m coverage report --show-missing --include='*/container/*'`.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, Final

import pytest

PACKAGE: Final = "modelfmt"
GATED: Final = ("container", "signing")
REQUIRED_PERCENT: Final = 95.0
# Options that run only part of the collected tests (-m, -k, --deselect, --lf, --sw): the gate then reports only.
SELECTING_OPTIONS: Final = ("markexpr", "keyword", "deselect", "lf", "stepwise")


@dataclass(frozen=True)
class Branches:
    covered: int = 0
    total: int = 0

    def __add__(self, other: Branches) -> Branches:
        return Branches(self.covered + other.covered, self.total + other.total)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0


def folder_of(filename: str) -> str:
    """`container` for `.../modelfmt/container/_header.py`; `.` for a module at the package's top."""
    parts = PurePath(filename).parts
    top = len(parts) - 1 - parts[::-1].index(PACKAGE)
    return parts[top + 1] if len(parts) > top + 2 else "."


def branches_by_folder(files: Mapping[str, Any]) -> dict[str, Branches]:
    """Sums the per-file summaries of a coverage.py JSON report (its `files` object) by package folder."""
    folders: dict[str, Branches] = {}
    for filename, report in files.items():
        if PACKAGE not in PurePath(filename).parts:
            continue
        summary = report["summary"]
        measured = Branches(summary["covered_branches"], summary["num_branches"])
        folders[folder_of(filename)] = folders.get(folder_of(filename), Branches()) + measured
    return folders


def shortfalls(folders: Mapping[str, Branches], gated: Sequence[str] = GATED) -> list[str]:
    """One line per gated folder below the requirement (a folder nothing measured counts as 0 of 1)."""
    lines = []
    for name in gated:
        branches = folders.get(name, Branches(0, 1))
        if branches.percent < REQUIRED_PERCENT:
            lines.append(
                f"{PACKAGE}/{name}/: {branches.percent:.1f}% of branches covered "
                f"({branches.covered} of {branches.total}), at least {REQUIRED_PERCENT:g}% required"
            )
    return lines


def _measured(config: pytest.Config) -> Any:
    """The coverage.Coverage object pytest-cov measured with (combined over workers), or None."""
    plugin = config.pluginmanager.getplugin("_cov")
    controller = None if plugin is None else plugin.cov_controller
    return None if controller is None else controller.cov


class CoverageGate:
    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self._deselected = 0
        self._folders: dict[str, Branches] | None = None
        self._enforced = False

    def pytest_deselected(self, items: Sequence[pytest.Item]) -> None:
        self._deselected += len(items)  # seen here without xdist; with it, the workers deselect

    def _whole_suite(self) -> bool:
        config = self._config
        narrowed = any(config.getoption(name, default=None) for name in SELECTING_OPTIONS)
        return config.args_source is pytest.Config.ArgsSource.TESTPATHS and not narrowed and self._deselected == 0

    # tryfirst makes this wrapper the outermost: its second half runs after pytest-cov's has combined the data.
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Any:
        result = yield
        if hasattr(self._config, "workerinput") or self._config.option.collectonly:
            return result
        coverage = _measured(self._config)
        if coverage is None:
            return result
        with tempfile.TemporaryDirectory(prefix="modelfmt-coverage-") as scratch:
            report = Path(scratch) / "coverage.json"
            coverage.json_report(outfile=str(report))
            self._folders = branches_by_folder(json.loads(report.read_text(encoding="utf-8"))["files"])
        self._enforced = self._whole_suite()
        if self._enforced and shortfalls(self._folders):
            session.testsfailed += 1  # the run's exit status becomes 1, like a failed test
        return result

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self._folders is None:
            return
        terminalreporter.write_sep("-", "branch coverage of modelfmt (tests/coverage_gate.py)")
        total = Branches()
        for name in sorted(self._folders):
            branches = self._folders[name]
            total += branches
            if not branches.total:  # modules without a branch (`__init__.py`)
                continue
            gate = f"  (gate: {REQUIRED_PERCENT:g}%)" if name in GATED else ""
            terminalreporter.write_line(
                f"{name + '/':12} {branches.percent:5.1f}%  {branches.covered:5} of {branches.total:5}{gate}"
            )
        terminalreporter.write_line(f"{'total':12} {total.percent:5.1f}%  {total.covered:5} of {total.total:5}")
        failures = shortfalls(self._folders)
        if not self._enforced:
            terminalreporter.write_line("not enforced: only part of the suite ran")
        elif failures:
            for line in failures:
                terminalreporter.write_line(f"FAILED coverage gate: {line}", red=True, bold=True)
        else:
            terminalreporter.write_line(f"coverage gate passed: {', '.join(GATED)}", green=True)
