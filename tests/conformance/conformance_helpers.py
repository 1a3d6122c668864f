"""Paths and readers shared by the conformance tests: the suite, its manifest, SPEC.md's tables, and the
reference implementation's roles called in-process."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from modelfmt.conformance import _process, _reference

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "conformance"
SPEC = (REPO / "SPEC.md").read_text(encoding="utf-8")
JS_CLI = SUITE / "implementations" / "js" / "cli.js"
PYTHON = sys.executable
REFERENCE = f"{PYTHON} -m modelfmt.conformance"
# A correctness test must not depend on how loaded the machine is: the runner's per-process timeout and the
# bound on the runner's own process only catch a real hang, far above any honest run on a busy 2-core
# machine (the limit-sized recipe vectors take tens of seconds there). The test that shows a hang is killed
# gives its own short `--timeout`, which comes later on the command line and wins.
PROCESS_TIMEOUT = 600.0
RUNNER_TIMEOUT = 3600.0


@cache
def manifest() -> dict[str, Any]:
    result: dict[str, Any] = json.loads((SUITE / "manifest.json").read_text(encoding="utf-8"))
    return result


def vectors(kind: str | None = None) -> list[dict[str, Any]]:
    return [vector for vector in manifest()["vectors"] if kind is None or vector["kind"] == kind]


def section(number: str) -> str:
    """The text of `## N. Title` up to the next level-2 heading of SPEC.md."""
    match = re.search(rf"^## {re.escape(number)}\. .*?(?=^## |\Z)", SPEC, re.M | re.S)
    assert match is not None, f"SPEC.md has no section {number}"
    return match.group(0)


def table_rows(text: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("| ") and not line.startswith("|---")
    ]


def error_codes() -> dict[str, str]:
    """Code -> section, from the registry table of SPEC.md §16."""
    return {cells[0].strip("`"): cells[-1] for cells in table_rows(section("16")) if cells[0].startswith("`")}


def node() -> str | None:
    return shutil.which("node")


def js_available() -> bool:
    return node() is not None and JS_CLI.is_file()


def run_runner(*args: str, timeout: float = RUNNER_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """`modelfmt conformance run ARGS` as a process, from the repository root, with a hang-only timeout."""
    return subprocess.run(
        [PYTHON, "-m", "modelfmt.conformance", "run", "--suite", str(SUITE), "--timeout", str(PROCESS_TIMEOUT), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_reference_in_process(
    argv: Sequence[str], *, cwd: Path, timeout: float, max_stdout: int, max_stderr: int
) -> _process.Completed:
    """Stands in for `_process.run` when the command is the reference implementation: `ARGV[0] ROLE ARGS...`
    answered by the same entry point as `python -m modelfmt.conformance ROLE ARGS...`, in this process, so
    that the runner builds, judges and reports each vector exactly as for a process, without start-up costs
    and without a clock (`cwd` and `timeout` do not apply: the roles take absolute paths and cannot hang)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    status = _reference.main(list(argv[1:]), stdout=stdout, stderr=stderr)
    out, err = stdout.getvalue().encode("utf-8"), stderr.getvalue().encode("utf-8")
    return _process.Completed(
        time.perf_counter() - started,
        status=status,
        stdout=out[:max_stdout],
        stderr=err[:max_stderr],
        stdout_overflow=len(out) > max_stdout,
        stderr_overflow=len(err) > max_stderr,
    )
