"""Paths and readers shared by the conformance tests: the suite, its manifest, SPEC.md's tables."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "conformance"
SPEC = (REPO / "SPEC.md").read_text(encoding="utf-8")
JS_CLI = SUITE / "implementations" / "js" / "cli.js"
PYTHON = sys.executable
REFERENCE = f"{PYTHON} -m modelfmt.conformance"


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


def run_runner(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`modelfmt conformance run ARGS` as a process, from the repository root."""
    return subprocess.run(
        [PYTHON, "-m", "modelfmt.conformance", "run", "--suite", str(SUITE), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
