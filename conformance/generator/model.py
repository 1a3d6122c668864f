"""What a vector is before it is written: its id, bytes (or recipe), expectation and where it points in
SPEC.md. Group modules return lists of these; `emit` checks each against the reference implementation
and writes the suite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["read", "verify", "write"]
Outcome = Literal["valid", "invalid", "acceptable"]


@dataclass(frozen=True)
class Limit:
    """A vector at a limit of SPEC.md §5 or §9.12: which limit, its value, and where this vector sits."""

    name: str
    value: int
    at: Literal["limit-1", "limit", "limit+1"]

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "value": self.value, "at": self.at}


@dataclass(frozen=True)
class Vector:
    id: str
    kind: Kind
    expected: Outcome
    description: str
    sections: tuple[str, ...]
    content: bytes | None = None  # read, verify: the file
    recipe: Mapping[str, object] | None = None  # instead of content, for files too large to keep
    error: str | None = None
    reason: str | None = None  # acceptable: why both outcomes conform
    keys: tuple[str, ...] = ()  # verify: key names of conformance/keys (without .pub)
    task: Mapping[str, Any] | None = None  # write
    tags: tuple[str, ...] = ()
    limit: Limit | None = None
    runtime: Mapping[str, object] | None = None  # a runtime expectation checked by tests (RUN_* codes)
    accept_result: Mapping[str, object] | None = None  # acceptable vectors: the document if accepted
    signer: str | None = None  # verify, valid: the test key whose entry verifies first
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def rest(self) -> str:
        """The id without its kind and outcome prefix: the file's stem."""
        parts = self.id.split(".")
        skip = 1 if self.kind == "read" else 2
        return ".".join(parts[skip:])


def _sections(sections: str | Sequence[str]) -> tuple[str, ...]:
    return (sections,) if isinstance(sections, str) else tuple(sections)


def valid(
    id: str, content: bytes, description: str, sections: str | Sequence[str], *, tags: Sequence[str] = (), **more: Any
) -> Vector:
    assert id.startswith("valid."), id
    return Vector(id, "read", "valid", description, _sections(sections), content, tags=tuple(tags), **more)


def invalid(
    id: str,
    content: bytes,
    error: str,
    description: str,
    sections: str | Sequence[str],
    *,
    tags: Sequence[str] = (),
    **more: Any,
) -> Vector:
    assert id.startswith("invalid."), id
    return Vector(
        id, "read", "invalid", description, _sections(sections), content, error=error, tags=tuple(tags), **more
    )


def verify(
    id: str,
    content: bytes,
    keys: Sequence[str],
    description: str,
    sections: str | Sequence[str],
    *,
    error: str | None = None,
    tags: Sequence[str] = (),
    **more: Any,
) -> Vector:
    outcome: Outcome = "valid" if error is None else "invalid"
    assert id.startswith(f"verify.{outcome}."), id
    assert (error is None) == ("signer" in more), f"{id}: a valid verify vector names its signer"
    return Vector(
        id,
        "verify",
        outcome,
        description,
        _sections(sections),
        content,
        error=error,
        keys=tuple(keys),
        tags=tuple(tags),
        **more,
    )


def write(
    id: str,
    task: Mapping[str, Any],
    description: str,
    sections: str | Sequence[str],
    *,
    error: str | None = None,
    tags: Sequence[str] = (),
) -> Vector:
    outcome: Outcome = "valid" if error is None else "invalid"
    assert id.startswith(f"write.{outcome}."), id
    return Vector(id, "write", outcome, description, _sections(sections), error=error, task=task, tags=tuple(tags))
