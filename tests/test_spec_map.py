"""reference/README.md maps every normative section of SPEC.md to the modules that implement it.

The map is only useful while it is true: these tests fail when it names a module or a section that does not
exist, when a normative section of §3 to §16 is claimed by no row, and when a module of the package is in
neither the map nor the list of modules that implement no section.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "reference" / "modelfmt"
SPEC = (ROOT / "SPEC.md").read_text(encoding="utf-8")
README = (ROOT / "reference" / "README.md").read_text(encoding="utf-8")

MAP_TITLE = "## Where each section of SPEC.md is implemented"
NO_SECTION_TITLE = "## Modules that implement no section of SPEC.md"
NORMATIVE_CHAPTERS = range(3, 17)  # §1-2 are conventions and overview, §17-18 build on the rest
_SECTION = r"\d+(?:\.\d+)*"
_INFORMATIVE_OPENINGS = ("*This section is informative.*", "*This subsection is informative.*")


def _table(title: str) -> list[list[str]]:
    """The body rows of the first table after the level-2 heading `title` in reference/README.md."""
    match = re.search(rf"^{re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match is not None, f"reference/README.md has no section {title!r}"
    lines = [line for line in match.group(1).splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines[2:]]


def _paths(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _sections_of(cell: str) -> list[str]:
    """`§9.3 ...` -> ["9.3"]; a range `§10.2–10.4 ...` -> ["10.2", "10.3", "10.4"]."""
    match = re.match(rf"§({_SECTION})(?:[–-]({_SECTION}))?(?=\s|$)", cell)
    assert match is not None, f"a row of the map must start with a section number: {cell!r}"
    first, last = match.groups()
    if last is None:
        return [first]
    prefix, start = first.rsplit(".", 1)
    prefix_end, end = last.rsplit(".", 1)
    assert prefix == prefix_end and int(start) < int(end), cell
    return [f"{prefix}.{number}" for number in range(int(start), int(end) + 1)]


def _headings() -> dict[str, str]:
    """Section number -> the heading's title and the text up to the next heading."""
    parts = re.split(rf"^#{{2,4}} ({_SECTION})\.? ", SPEC, flags=re.M)
    return {number: text for number, text in zip(parts[1::2], parts[2::2], strict=True)}


def _map() -> dict[str, list[str]]:
    claims: dict[str, list[str]] = {}
    for cells in _table(MAP_TITLE):
        for section in _sections_of(cells[0]):
            assert section not in claims, f"§{section} has two rows"
            claims[section] = _paths(cells[1])
    return claims


def _no_section() -> list[str]:
    return [path for cells in _table(NO_SECTION_TITLE) for path in _paths(cells[0])]


def _package_modules() -> set[str]:
    return {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")}


def _is_informative(text: str) -> bool:
    title, _, body = text.partition("\n")
    return "(informative)" in title or body.lstrip().startswith(_INFORMATIVE_OPENINGS)


def _normative_sections() -> list[str]:
    return [
        number
        for number, text in _headings().items()
        if int(number.split(".")[0]) in NORMATIVE_CHAPTERS and not _is_informative(text)
    ]


def test_every_row_names_an_existing_section_and_existing_modules() -> None:
    headings = _headings()
    modules = _package_modules()
    for section, paths in _map().items():
        assert section in headings, f"reference/README.md maps §{section}, which SPEC.md does not have"
        assert paths, f"§{section} names no module"
        assert sorted(set(paths) - modules) == [], f"§{section} names modules that do not exist"


def test_every_normative_section_is_claimed_by_a_module() -> None:
    claimed = set(_map())

    def covered(number: str) -> bool:
        parts = number.split(".")
        return any(".".join(parts[:length]) in claimed for length in range(1, len(parts) + 1))

    unclaimed = [f"§{number}" for number in _normative_sections() if not covered(number)]
    assert unclaimed == [], "normative sections of SPEC.md that reference/README.md maps to no module"


def test_every_module_is_in_the_map_or_listed_as_implementing_no_section() -> None:
    mapped = {path for paths in _map().values() for path in paths}
    listed = _no_section()
    folders = tuple(path for path in listed if path.endswith("/"))
    files = {path for path in listed if not path.endswith("/")}
    assert sorted(path for path in folders if not (PACKAGE / path).is_dir()) == []
    assert sorted(files - _package_modules()) == [], "listed modules that do not exist"
    assert sorted(files & mapped) == [], "modules both in the map and listed as implementing no section"
    missing = sorted(path for path in _package_modules() - mapped - files if not path.startswith(folders))
    assert missing == [], "modules that reference/README.md neither maps to a section nor lists"


def test_informative_sections_are_recognised() -> None:
    normative = set(_normative_sections())
    assert {"12.12", "13.7", "10.12"}.isdisjoint(normative)
    assert {"3.1", "9.11", "10.2.1", "13.5", "16"} <= normative
