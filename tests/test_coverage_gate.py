"""The coverage gate's arithmetic (coverage_gate.py): branches summed by package folder, wherever the package
is installed, and each gated folder judged on its own."""

from __future__ import annotations

from coverage_gate import Branches, branches_by_folder, folder_of, shortfalls


def _file(covered: int, total: int) -> dict[str, object]:
    return {"summary": {"covered_branches": covered, "num_branches": total}}


def test_files_are_grouped_by_the_folder_under_the_package() -> None:
    assert folder_of("reference/modelfmt/container/_header.py") == "container"
    assert folder_of("/ci/.venv/lib/python3.11/site-packages/modelfmt/signing/_keys.py") == "signing"
    assert folder_of("reference/modelfmt/__init__.py") == "."
    report = {
        "reference/modelfmt/container/_header.py": _file(90, 100),
        "reference/modelfmt/container/_reader.py": _file(10, 10),
        "reference/modelfmt/signing/_keys.py": _file(5, 5),
        "tests/core/core_helpers.py": _file(0, 7),  # not the package: never counted
    }
    assert branches_by_folder(report) == {"container": Branches(100, 110), "signing": Branches(5, 5)}


def test_each_gated_folder_is_judged_on_its_own() -> None:
    passing = {"container": Branches(95, 100), "signing": Branches(19, 20), "torch": Branches(0, 50)}
    assert shortfalls(passing) == []
    failing = {"container": Branches(949, 1000), "signing": Branches(1000, 1000)}
    assert shortfalls(failing) == [
        "modelfmt/container/: 94.9% of branches covered (949 of 1000), at least 95% required"
    ]
    assert shortfalls({"container": Branches(1, 1)}) == [
        "modelfmt/signing/: 0.0% of branches covered (0 of 1), at least 95% required"
    ]
