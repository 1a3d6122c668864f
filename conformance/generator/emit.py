"""Writing the suite: every vector checked against the reference implementation, then its files and the
manifest. A vector whose declared expectation the reference does not meet stops the generation: either
the vector or the reference is wrong, and someone must decide which.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import modelfmt
from modelfmt.conformance import _compare, _recipe, _reference
from modelfmt.format import _json
from modelfmt.format._errors import ModelfmtError

from . import expect
from .build import sha256
from .keys import KEYS, readme
from .model import Vector

MANIFEST_HEAD: dict[str, object] = {
    "format": "modelfmt-conformance",
    "manifest_version": 1,
    "spec_version": "1.1",
    "protocol_version": 1,
    "generator": "python conformance/generate.py",
}


class DisagreementError(AssertionError):
    """The reference implementation does not do what a vector declares."""


@dataclass
class Output:
    """Files to write (path relative to the suite folder -> bytes) and the manifest's entries."""

    files: dict[str, bytes] = field(default_factory=dict)
    entries: list[dict[str, object]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, path: str, data: bytes) -> dict[str, object]:
        if path in self.files:
            raise AssertionError(f"two vectors write {path}")
        self.files[path] = data
        return {"path": path, "sha256": sha256(data), "size": len(data)}


def _canonical_bytes(value: object) -> bytes:
    return _json.canonical(value).encode("utf-8")


def _reference_read(content: bytes) -> tuple[dict[str, object] | None, str | None]:
    try:
        return _reference.read_document(content), None
    except ModelfmtError as exc:
        return None, exc.code


def _reference_verify(content: bytes, keys: Sequence[str]) -> tuple[dict[str, object] | None, str | None]:
    trusted = modelfmt.TrustedKeys([KEYS[name].private.public_key() for name in keys])
    try:
        verification = modelfmt.verify_bytes(content, trusted)
    except ModelfmtError as exc:
        return None, exc.code
    return {"key_id": verification.key_id, "algorithm": verification.algorithm}, None


def _reference_write(task: Mapping[str, Any]) -> tuple[bytes | None, str | None]:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out.mf"
        # Through JSON text, as a writer in another language receives the task.
        parsed = json.loads(json.dumps(task, ensure_ascii=False))
        try:
            _reference.write_task(parsed, out)
        except ModelfmtError as exc:
            return None, exc.code
        return out.read_bytes(), None


def _agree(vector: Vector, accepted: bool, code: str | None, problems: list[str]) -> None:
    if vector.expected == "valid" and not accepted:
        problems.append(f"{vector.id}: declared valid, the reference rejects it with {code}")
    elif vector.expected == "invalid" and (accepted or code != vector.error):
        found = "accepts it" if accepted else f"reports {code}"
        problems.append(f"{vector.id}: declared {vector.error}, the reference {found}")


def _entry_head(vector: Vector) -> dict[str, object]:
    entry: dict[str, object] = {"id": vector.id, "kind": vector.kind, "expected": vector.expected}
    if vector.error is not None:
        entry["error"] = vector.error
    if vector.reason is not None:
        entry["reason"] = vector.reason
    entry["sections"] = list(vector.sections)
    entry["description"] = vector.description
    return entry


def _entry_tail(vector: Vector, entry: dict[str, object]) -> dict[str, object]:
    if vector.tags:
        entry["tags"] = sorted(set(vector.tags))
    if vector.limit is not None:
        entry["limit"] = vector.limit.as_json()
    if vector.runtime is not None:
        entry["runtime"] = dict(vector.runtime)
    return entry


def _check_reference(vector: Vector, content: bytes, expected: _compare.Document | None, out: Output) -> None:
    """Whether the reference implementation does what the vector declares (generation, not CI's regeneration:
    CI checks the reference through the runner)."""
    if vector.kind == "read":
        document, code = _reference_read(content)
    else:
        document, code = _reference_verify(content, vector.keys)
    _agree(vector, document is not None, code, out.problems)
    if document is not None and expected is not None and _compare.first_difference(expected.value, document):
        out.problems.append(f"{vector.id}: the reference's result document differs from the expected one")


def _expected_document(vector: Vector, content: bytes) -> _compare.Document | None:
    if vector.expected == "invalid":
        return None
    if vector.expected == "acceptable":
        return None if vector.accept_result is None else _compare.of_value(dict(vector.accept_result))
    if vector.kind == "read":
        return expect.read_document(content)
    assert vector.signer is not None
    key = KEYS[vector.signer]
    return _compare.of_value({"key_id": key.key_id, "algorithm": key.algorithm})


def _emit_read_or_verify(vector: Vector, out: Output, *, reference: bool) -> None:
    entry = _entry_head(vector)
    folder = f"vectors/{vector.kind}/{vector.expected}"
    if vector.recipe is not None:
        content = _recipe.build(vector.recipe)
        entry.update(recipe=vector.recipe, sha256=sha256(content), size=len(content))
    else:
        assert vector.content is not None, vector.id
        content = vector.content
        entry.update(out.add(f"{folder}/{vector.rest}.mf", content))
    if vector.kind == "verify":
        entry["keys"] = [f"keys/{name}.pub" for name in vector.keys]
    document = _expected_document(vector, content)
    if reference:
        _check_reference(vector, content, document, out)
    if document is not None:
        canonical = _compare.canonical(document).encode("utf-8")
        if vector.kind == "verify":
            entry["result"] = {"sha256": sha256(canonical), "document": document.value}
        elif vector.recipe is not None:
            entry["result"] = {"sha256": sha256(canonical)}
        else:
            entry["result"] = out.add(f"{folder}/{vector.rest}.result.json", canonical)
    out.entries.append(_entry_tail(vector, entry))


def _emit_write(vector: Vector, out: Output, *, reference: bool) -> None:
    assert vector.task is not None
    entry = _entry_head(vector)
    folder = f"vectors/write/{vector.expected}"
    try:
        task_text = json.dumps(vector.task, ensure_ascii=False, indent=1) + "\n"
        data = task_text.encode("utf-8")
    except UnicodeEncodeError:  # a task about unpaired surrogates: only escapes can carry them
        data = (json.dumps(vector.task, ensure_ascii=True, indent=1) + "\n").encode("ascii")
    entry.update(out.add(f"{folder}/{vector.rest}.task.json", data))
    expected = expect.write_file(dict(vector.task)) if vector.expected == "valid" else None
    if reference:
        written, code = _reference_write(vector.task)
        _agree(vector, written is not None, code, out.problems)
        if expected is not None and written is not None and written != expected:
            out.problems.append(f"{vector.id}: the reference writer's bytes differ from the expected file")
    if expected is not None:
        entry["output"] = out.add(f"{folder}/{vector.rest}.mf", expected)
    out.entries.append(_entry_tail(vector, entry))


def build(
    vectors: Iterable[Vector], not_applicable: Mapping[str, str], retired: Sequence[str], *, reference: bool = True
) -> Output:
    out = Output()
    for name, key in KEYS.items():
        out.add(f"keys/{name}.key", key.private_pem())
        out.add(f"keys/{name}.pub", key.public_pem())
    out.files["keys/README.md"] = readme()
    seen: set[str] = set()
    for vector in vectors:
        if vector.id in seen:
            raise AssertionError(f"vector id {vector.id} is used twice")
        if vector.id in retired:
            raise AssertionError(f"vector id {vector.id} was retired and must never be used again")
        seen.add(vector.id)
        if vector.kind == "write":
            _emit_write(vector, out, reference=reference)
        else:
            _emit_read_or_verify(vector, out, reference=reference)
    if out.problems:
        raise DisagreementError("the reference implementation disagrees:\n  " + "\n  ".join(out.problems))
    keys = [
        {
            "name": key.name,
            "algorithm": key.algorithm,
            "key_id": key.key_id,
            "public": {"path": f"keys/{name}.pub", "sha256": sha256(out.files[f"keys/{name}.pub"])},
            "private": {"path": f"keys/{name}.key", "sha256": sha256(out.files[f"keys/{name}.key"])},
        }
        for name, key in KEYS.items()
    ]
    order = {"read": 0, "verify": 1, "write": 2}
    entries = sorted(out.entries, key=lambda e: (order[str(e["kind"])], str(e["id"])))
    manifest = {
        **MANIFEST_HEAD,
        "not_applicable": dict(sorted(not_applicable.items())),
        "retired_ids": list(retired),
        "keys": keys,
        "vectors": entries,
    }
    out.files["manifest.json"] = (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    return out


GENERATED_DIRS = ("vectors", "keys")


def write(out: Output, root: Path) -> None:
    """Replace the generated part of `root` (vectors/, keys/, manifest.json) with `out`."""
    for name in GENERATED_DIRS:
        shutil.rmtree(root / name, ignore_errors=True)
    for relative, data in sorted(out.files.items()):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
