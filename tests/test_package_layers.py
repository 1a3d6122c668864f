"""The package's folders are its architecture: imports run one way, from the command line down to the bytes.

`LAYERS` lists the folders of `reference/modelfmt` from the bottom up. A module may import its own folder and
any folder on a lower layer; folders on one layer do not import each other. No two modules import each other,
directly or through others. The face (`modelfmt/__init__.py`) and entry points (`__main__`) sit on top.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "reference" / "modelfmt"

LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"format"}),  # bytes, strict JSON, names, dtypes, limits, error codes: no I/O
    frozenset({"graph", "signing"}),  # the op set and its validation; signatures over a digest: no files
    frozenset({"container"}),  # files: header, tensor table, reader, writer, digests, signed files
    frozenset({"runtime", "diagnose"}),  # executing a graph; naming foreign and damaged files
    frozenset({"torch", "convert"}),  # adapters to other frameworks and formats
    frozenset({"conformance"}),  # the conformance runner and the reference's protocol adapter
    frozenset({"cli"}),  # one entry point, one exit-code table
    frozenset({"__init__", "__main__"}),  # the public face and `python -m modelfmt`
)
LAYER_OF = {folder: index for index, folders in enumerate(LAYERS) for folder in folders}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def folder_of(module: str) -> str:
    """The top-level folder of a `modelfmt.x.y` module; the face is `__init__`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(source: str, package: str) -> Iterator[str]:
    """Every `modelfmt` module that `source`, a module of `package`, imports: absolute names, submodules
    where an import names one."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.split(".")[0] == "modelfmt")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != "modelfmt":
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                relative = Path(*candidate.split(".")[1:])
                is_module = (PACKAGE / relative).with_suffix(".py").exists() or (PACKAGE / relative).is_dir()
                yield candidate if is_module else target


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        graph[name] = set(imports(path.read_text(encoding="utf-8"), package))
    return graph


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, targets in sorted(graph.items()):
        here = folder_of(module)
        for target in sorted(targets):
            there = folder_of(target)
            if there != here and LAYER_OF[there] >= LAYER_OF[here]:
                found.append(f"{module} imports {target} ({here} -> {there})")
    return found


def test_every_folder_has_a_layer() -> None:
    folders = {folder_of(name) for name in import_graph()}
    assert folders == set(LAYER_OF)


def test_imports_run_downward_only() -> None:
    assert upward_imports(import_graph()) == []


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles among modules. A submodule importing its own package's face is not one: the face has
    already run when the submodule is imported through it."""
    edges = {
        module: {t for t in targets if t in graph and t != module and not module.startswith(t + ".")}
        for module, targets in graph.items()
    }
    state: dict[str, int] = {}
    found: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges[module]):
            if state.get(target) == 1:
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    return found


def test_no_import_cycles_between_modules() -> None:
    assert import_cycles(import_graph()) == []


def test_the_checker_sees_upward_and_sideways_imports() -> None:
    source = "from ..cli import main\nfrom . import _json\nfrom ..graph import Graph\n"
    resolved = set(imports(source, "modelfmt.format"))
    assert resolved == {"modelfmt.cli", "modelfmt.format._json", "modelfmt.graph"}
    graph = {"modelfmt.format._x": resolved, "modelfmt.graph._y": {"modelfmt.signing._keys"}}
    assert upward_imports(graph) == [
        "modelfmt.format._x imports modelfmt.cli (format -> cli)",
        "modelfmt.format._x imports modelfmt.graph (format -> graph)",
        "modelfmt.graph._y imports modelfmt.signing._keys (graph -> signing)",
    ]


def test_the_checker_sees_a_cycle() -> None:
    graph = {"modelfmt.a": {"modelfmt.b"}, "modelfmt.b": {"modelfmt.c"}, "modelfmt.c": {"modelfmt.a"}}
    assert import_cycles(graph) == [["modelfmt.a", "modelfmt.b", "modelfmt.c", "modelfmt.a"]]
    assert import_cycles({"modelfmt.a": set(), "modelfmt.a.b": {"modelfmt.a"}}) == []
