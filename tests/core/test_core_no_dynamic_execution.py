"""No dynamic execution anywhere in the package (SPEC.md §13.5 items 1-2, §17.10-17.11).

Two scans of every module under reference/modelfmt, on code only (strings and comments are ignored: a
docstring may well say "pickle"):

1. a token grep for names that load or run code: pickle, marshal, importlib, eval, exec, __import__,
   literal_eval, and friends (attribute names excepted: `module.eval()` is torch's inference switch);
2. an AST scan: no import of such modules, no reference to eval/exec/compile/__import__/globals/locals/
   vars, no torch.load, no numpy load with allow_pickle=True, and getattr/setattr/delattr/hasattr only
   with a literal attribute name.

A few modules that are not on any reading path are allowed one named kind of finding, each with its
reason below; the list is checked for stale entries. A self-test feeds the scanner a sample that does
all of the forbidden things, so the test is known to be able to fail.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import modelfmt
import pytest

PACKAGE = Path(modelfmt.__file__).parent
SOURCES = sorted(PACKAGE.rglob("*.py"))

FORBIDDEN_TOKENS = {
    "pickle",
    "cPickle",
    "_pickle",
    "marshal",
    "shelve",
    "dill",
    "cloudpickle",
    "joblib",
    "importlib",
    "__import__",
    "eval",
    "exec",
    "literal_eval",
    "runpy",
    "import_module",
}
FORBIDDEN_MODULES = {
    "pickle",
    "_pickle",
    "cPickle",
    "marshal",
    "shelve",
    "dill",
    "cloudpickle",
    "joblib",
    "importlib",
    "runpy",
    "code",
    "codeop",
    "pydoc",
}
FORBIDDEN_NAMES = {"eval", "exec", "compile", "__import__", "globals", "locals", "vars", "breakpoint"}
REFLECTION = {"getattr", "setattr", "delattr", "hasattr"}

# file (relative to the package) -> (finding kinds allowed there, why). Reading modules never appear here.
ALLOWED: dict[str, tuple[frozenset[str], str]] = {
    "torch/_convert_modules.py": (
        frozenset({"reflection"}),
        "PyTorch export: optional slots and submodules of the caller's live nn.Module, never file content",
    ),
    "torch/_export.py": (
        frozenset({"reflection"}),
        "PyTorch export: torch.fx get_attr targets of the caller's own traced module, never file content",
    ),
    "convert/_pytorch.py": (
        frozenset({"pickle", "torch.load"}),
        "the converter from PyTorch checkpoints (a pickle format): torch.load(weights_only=True) and the "
        "pickle exception type it raises; documented there as the one place that reads a pickle",
    ),
}


def code_tokens(source: str) -> list[tuple[int, str]]:
    """(line, name) of every NAME token that is not an attribute name. Strings and comments are
    separate token types, so they are excluded."""
    names = []
    previous = ""
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME and previous != ".":
            names.append((token.start[0], token.string))
        if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
            previous = token.string
    return names


def _is_literal_string(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def findings(source: str) -> list[tuple[str, str]]:
    """(kind, description) of everything forbidden in `source`."""
    found = [(name, f"line {line}: `{name}`") for line, name in code_tokens(source) if name in FORBIDDEN_TOKENS]
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                if root in FORBIDDEN_MODULES:
                    found.append((root, f"line {line}: import {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in FORBIDDEN_MODULES:
            found.append((node.module.split(".")[0], f"line {line}: from {node.module} import ..."))
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            found.append((node.id, f"line {line}: reference to {node.id}"))
        elif isinstance(node, ast.Attribute) and node.attr in {"literal_eval", "import_module", "__import__"}:
            found.append((node.attr, f"line {line}: .{node.attr}"))
        elif isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in REFLECTION:
                if len(node.args) < 2 or not _is_literal_string(node.args[1]):
                    found.append(("reflection", f"line {line}: {function.id} with a computed attribute name"))
            elif isinstance(function, ast.Attribute) and function.attr == "load":
                owner = function.value
                if isinstance(owner, ast.Name) and owner.id == "torch":
                    found.append(("torch.load", f"line {line}: torch.load"))
                pickles = [kw for kw in node.keywords if kw.arg == "allow_pickle"]
                if any(not (isinstance(kw.value, ast.Constant) and kw.value.value is False) for kw in pickles):
                    found.append(("allow_pickle", f"line {line}: load with allow_pickle"))
    return found


@pytest.mark.parametrize("path", SOURCES, ids=[str(path.relative_to(PACKAGE)) for path in SOURCES])
def test_module_has_no_dynamic_execution(path: Path) -> None:
    allowed, _ = ALLOWED.get(path.relative_to(PACKAGE).as_posix(), (frozenset(), ""))
    remaining = [description for kind, description in findings(path.read_text(encoding="utf-8")) if kind not in allowed]
    assert remaining == []


def test_allowlist_is_current_and_never_covers_a_reading_module() -> None:
    reading = {
        "format/_framing.py",
        "format/_json.py",
        "container/_header.py",
        "container/_digests.py",
        "container/_opened.py",
        "container/_reader.py",
        "diagnose/_check.py",
        "container/_sniff.py",
        "cli/__init__.py",
    }
    for relative, (kinds, reason) in ALLOWED.items():
        path = PACKAGE / relative
        assert path.exists(), f"stale allowlist entry {relative}"
        assert relative not in reading
        assert reason
        present = {kind for kind, _ in findings(path.read_text(encoding="utf-8"))}
        assert kinds & present, f"{relative} no longer needs its exception {sorted(kinds)}"


def test_the_scan_covers_the_core_modules() -> None:
    names = {path.relative_to(PACKAGE).as_posix() for path in SOURCES}
    assert {
        "format/_framing.py",
        "format/_json.py",
        "container/_header.py",
        "container/_digests.py",
        "container/_opened.py",
        "container/_reader.py",
        "container/_writer.py",
        "container/_atomic.py",
        "container/_sniff.py",
        "diagnose/_check.py",
        "cli/__init__.py",
        "format/_errors.py",
        "format/_limits.py",
        "format/_dtypes.py",
    } <= names


def test_the_scanner_can_fail() -> None:
    sample = (
        "import pickle\n"
        "import importlib.util\n"
        "from marshal import loads\n"
        "import ast\n"
        "x = eval('1')\n"
        "exec('y = 2')\n"
        "f = __import__('os')\n"
        "v = ast.literal_eval('[1]')\n"
        "g = getattr(object, name)\n"
        "h = getattr(object, '__doc__')\n"
        "code = compile('1', 's', 'eval')\n"
        "s = 'pickle and eval( in a string are fine'  # so is pickle in a comment\n"
        "model.eval()\n"
        "t = torch.load(path)\n"
        "a = np.load(path, allow_pickle=True)\n"
        "b = np.load(path, allow_pickle=False)\n"
    )
    found = findings(sample)
    joined = "\n".join(description for _, description in found)
    for expected in (
        "import pickle",
        "import importlib.util",
        "from marshal",
        "reference to eval",
        "reference to exec",
        "reference to __import__",
        ".literal_eval",
        "getattr with a computed",
        "reference to compile",
        "line 14: torch.load",
        "line 15: load with allow_pickle",
    ):
        assert expected in joined, expected
    for line in (10, 12, 13, 16):  # literal getattr, strings/comments, an attribute named eval, allow_pickle=False
        assert not any(description.startswith(f"line {line}:") for _, description in found), line
