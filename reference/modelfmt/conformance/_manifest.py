"""The suite on disk: conformance/manifest.json, validated by its JSON Schema, as typed records.

The vectors live in the repository, not in the wheel: a runner is pointed at the suite's folder
(`--suite DIR`, by default `./conformance`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, cast

MANIFEST: Final = "manifest.json"
SCHEMA: Final = "manifest.schema.json"
KINDS: Final = ("read", "verify", "write")
OUTCOMES: Final = ("valid", "invalid", "acceptable")


class SuiteError(ValueError):
    """The suite folder is missing, or its manifest is malformed (a usage error for the runner)."""


@dataclass(frozen=True)
class FileRef:
    """A file of the suite (or, with a recipe, one the runner builds): where, and which bytes exactly."""

    path: str | None
    sha256: str
    size: int


@dataclass(frozen=True)
class Expected:
    """The expected result document: inline, in a file of the suite, or only its digest (recipes)."""

    sha256: str  # of the RFC 8785 canonical form of the document
    path: str | None = None
    document: object = None


@dataclass(frozen=True)
class Vector:
    id: str
    kind: str
    expected: str
    file: FileRef
    description: str
    sections: tuple[str, ...]
    error: str | None = None
    reason: str | None = None
    result: Expected | None = None
    keys: tuple[str, ...] = ()
    output: FileRef | None = None  # write: the file a conforming writer produces (`file` is the task)
    recipe: Mapping[str, object] | None = None
    tags: tuple[str, ...] = ()
    runtime: Mapping[str, object] | None = None
    limit: Mapping[str, object] | None = None


@dataclass(frozen=True)
class Suite:
    root: Path
    vectors: tuple[Vector, ...]
    raw: Mapping[str, object]

    def path(self, relative: str) -> Path:
        return self.root / relative


def _file(raw: Mapping[str, object]) -> FileRef:
    return FileRef(cast(str | None, raw.get("path")), cast(str, raw["sha256"]), cast(int, raw["size"]))


def _vector(raw: Mapping[str, object]) -> Vector:
    result = cast(Mapping[str, object] | None, raw.get("result"))
    output = cast(Mapping[str, object] | None, raw.get("output"))
    return Vector(
        id=cast(str, raw["id"]),
        kind=cast(str, raw["kind"]),
        expected=cast(str, raw["expected"]),
        file=_file(raw),
        description=cast(str, raw["description"]),
        sections=tuple(cast(Sequence[str], raw["sections"])),
        error=cast(str | None, raw.get("error")),
        reason=cast(str | None, raw.get("reason")),
        result=None
        if result is None
        else Expected(cast(str, result["sha256"]), cast(str | None, result.get("path")), result.get("document")),
        keys=tuple(cast(Sequence[str], raw.get("keys", ()))),
        output=None if output is None else _file(output),
        recipe=cast(Mapping[str, object] | None, raw.get("recipe")),
        tags=tuple(cast(Sequence[str], raw.get("tags", ()))),
        runtime=cast(Mapping[str, object] | None, raw.get("runtime")),
        limit=cast(Mapping[str, object] | None, raw.get("limit")),
    )


def load_suite(root: Path) -> Suite:
    """Read and validate `root/manifest.json` against `root/manifest.schema.json` (JSON Schema 2020-12)."""
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise SuiteError(
            f"no conformance suite at {root}: {MANIFEST} is missing; pass --suite DIR (the conformance "
            "folder of a modelfmt source checkout)"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        schema = json.loads((root / SCHEMA).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SuiteError(f"cannot read the suite at {root}: {exc}") from None
    # Imported here, not at the top: every reference process (`python -m modelfmt.conformance reader`)
    # imports this package, and jsonschema would add a fifth to its start-up time.
    try:
        import jsonschema  # noqa: PLC0415
    except ImportError:
        raise SuiteError(
            "the conformance runner validates the suite's manifest with jsonschema, which is not installed: "
            "pip install 'modelfmt[conformance]'"
        ) from None

    validator = jsonschema.Draft202012Validator(schema)
    problem = next(iter(sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path))), None)
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path)
        raise SuiteError(f"{manifest_path}: does not match {SCHEMA} at /{where}: {problem.message}")
    vectors = tuple(_vector(item) for item in cast(Sequence[Mapping[str, object]], manifest["vectors"]))
    seen: set[str] = set()
    for vector in vectors:
        if vector.id in seen:
            raise SuiteError(f"{manifest_path}: vector id {vector.id} appears twice")
        seen.add(vector.id)
    return Suite(root, vectors, cast(Mapping[str, object], manifest))


def expected_document(suite: Suite, vector: Vector) -> tuple[object, bool]:
    """(document, present): the expected result document of a vector, when the suite holds it."""
    if vector.result is None:
        return None, False
    if vector.result.path is not None:
        text = suite.path(vector.result.path).read_text(encoding="utf-8")
        return json.loads(text), True
    if vector.result.document is not None:
        return vector.result.document, True
    return None, False
