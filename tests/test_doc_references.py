"""The documents name only files and modules that exist.

A module that moves leaves its old name behind in prose; these tests find such names in SPEC.md, README.md,
reference/README.md, bench/README.md and the Markdown files of conformance/: backquoted repository paths
(`reference/modelfmt/signing/_signatures.py`, `tests/test_spec_map.py`) and backquoted dotted names
(`modelfmt.diagnose._check.check_file`), whose modules must exist and whose last name must be defined there.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "reference" / "modelfmt"
DOCUMENTS = sorted(
    [ROOT / "SPEC.md", ROOT / "README.md", ROOT / "reference" / "README.md", ROOT / "bench" / "README.md"]
    + [path for path in (ROOT / "conformance").rglob("*.md") if "node_modules" not in path.parts]
)
# Backquoted paths that start at a folder of the repository root.
_ROOTS = ("reference/", "tests/", "bench/", "conformance/", "schema/", "examples/")
_PATH = re.compile(r"^((?:" + "|".join(map(re.escape, _ROOTS)) + r")[\w./-]*\.(?:py|md|json|js))$")
_CODE_SPAN = re.compile(r"`([^`]+)`")
_DOTTED = re.compile(r"(?<![\w.])(modelfmt(?:\.\w+)+)")
# Paths of files the tools generate (git ignores them), named as examples of their output.
GENERATED = ("bench/out/",)
OP_SET_DOMAINS = frozenset({"modelfmt.core"})  # names of SPEC.md §9.3, not Python modules


@cache
def _defined_names(module: Path) -> frozenset[str]:
    """The names a module defines or imports at its top level."""
    names: set[str] = set()
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return frozenset(names)


def dotted_name_problem(name: str) -> str | None:
    """Why `modelfmt.a.b.c` names nothing, or None. Modules are resolved as far as they go; the next name
    must be defined in the last module (attributes of that object are not followed)."""
    if name in OP_SET_DOMAINS or any(name.startswith(f"{domain}.") for domain in OP_SET_DOMAINS):
        return None
    module = PACKAGE / "__init__.py"
    parts = name.split(".")[1:]
    for index, part in enumerate(parts):
        folder = module.parent / part
        if module.name == "__init__.py" and (folder / "__init__.py").exists():
            module = folder / "__init__.py"
        elif module.name == "__init__.py" and folder.with_suffix(".py").exists():
            module = folder.with_suffix(".py")
        elif part in _defined_names(module) or part.startswith("__"):
            return None
        else:
            where = ".".join(["modelfmt", *parts[:index]])
            return f"{where} ({module.relative_to(ROOT)}) has no module or name {part!r}"
    return None


def _references(pattern: re.Pattern[str]) -> list[tuple[str, int, str]]:
    """(document, line number, match) for every match of `pattern` inside a backquoted span."""
    found = []
    for document in DOCUMENTS:
        for number, line in enumerate(document.read_text(encoding="utf-8").splitlines(), 1):
            for span in _CODE_SPAN.findall(line):
                found.extend((str(document.relative_to(ROOT)), number, match) for match in pattern.findall(span))
    return found


def test_every_backquoted_repository_path_exists() -> None:
    missing = [
        f"{doc}:{line}: {path}"
        for doc, line, path in _references(_PATH)
        if not path.startswith(GENERATED) and not (ROOT / path).exists()
    ]
    assert missing == []


def test_every_backquoted_modelfmt_name_exists() -> None:
    broken = []
    for doc, line, name in _references(_DOTTED):
        problem = dotted_name_problem(name)
        if problem is not None:
            broken.append(f"{doc}:{line}: `{name}`: {problem}")
    assert broken == []


@pytest.mark.parametrize(
    ("name", "exists"),
    [
        ("modelfmt.load_file", True),
        ("modelfmt.core", True),
        ("modelfmt.diagnose._check.check_file", True),
        ("modelfmt.torch.export", True),
        ("modelfmt.__version__", True),
        ("modelfmt._sniff.identify", False),
        ("modelfmt.diagnose._sniff.no_such_function", False),
        ("modelfmt.no_such_name", False),
    ],
)
def test_dotted_names_are_resolved_through_modules(name: str, exists: bool) -> None:
    assert (dotted_name_problem(name) is None) == exists
