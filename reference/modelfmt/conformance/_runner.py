"""Driving an implementation through every vector (conformance/PROTOCOL.md): one process per vector,
several at a time, in manifest order.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import shlex
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from . import _process, _recipe
from ._judge import Expectation, Verdict, judge
from ._manifest import Suite, Vector, expected_document

DEFAULT_TIMEOUT: Final = 30.0  # seconds per process (PROTOCOL.md)
# PROTOCOL.md: at most this much standard output (the largest result document, 262144 tensors, is ~80 MB)
MAX_STDOUT: Final = 256 * 1024 * 1024
MAX_STDERR: Final = 1024 * 1024
ROLES: Final = {"read": "reader", "verify": "verifier", "write": "writer"}


class CommandError(ValueError):
    """A command line given to the runner cannot be split."""


def split_command(command: str) -> list[str]:
    """Split like a POSIX shell, honouring quotes and expanding nothing (PROTOCOL.md, "Commands")."""
    try:
        argv = shlex.split(command, posix=True)
    except ValueError as exc:
        raise CommandError(f"cannot split {command!r}: {exc}") from None
    if not argv:
        raise CommandError("an empty command")
    return argv


@dataclass(frozen=True)
class Options:
    reader: Sequence[str] | None = None
    verifier: Sequence[str] | None = None
    writer: Sequence[str] | None = None
    strict: bool = False
    timeout: float = DEFAULT_TIMEOUT
    filters: Sequence[str] = ()
    jobs: int = 1
    max_stdout: int = MAX_STDOUT
    max_stderr: int = MAX_STDERR

    def command(self, kind: str) -> Sequence[str] | None:
        return {"read": self.reader, "verify": self.verifier, "write": self.writer}[kind]


def selected(suite: Suite, filters: Sequence[str]) -> list[Vector]:
    """The vectors whose id matches any of the glob patterns (all of them without patterns)."""
    if not filters:
        return list(suite.vectors)
    return [vector for vector in suite.vectors if any(fnmatch.fnmatchcase(vector.id, glob) for glob in filters)]


def _sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _damaged(path: Path, sha256: str, size: int) -> str | None:
    try:
        found, found_size = _sha256_file(path)
    except OSError as exc:
        return f"the suite file {path} cannot be read: {exc}"
    if found != sha256 or found_size != size:
        return f"the suite file {path} differs from the manifest (SHA-256 or size); regenerate or check out again"
    return None


def _expectation(suite: Suite, vector: Vector, vector_path: Path) -> Expectation:
    if vector.kind == "write":
        return Expectation(output=vector_path.read_bytes())
    document, present = expected_document(suite, vector)
    sha256 = vector.result.sha256 if vector.result is not None else None
    return Expectation(document, present, sha256)


def run_vector(suite: Suite, vector: Vector, options: Options) -> Verdict:
    """Run one vector through the implementation for its kind (a skip when that role was not given)."""
    base = options.command(vector.kind)
    if base is None:
        return Verdict(vector, True, "skipped", f"no --{ROLES[vector.kind]} given")
    with tempfile.TemporaryDirectory(prefix="modelfmt-conformance-") as scratch:
        work = Path(scratch)
        try:
            if vector.recipe is not None:
                path = _recipe.materialise(
                    vector.recipe, work / f"{vector.id}.mf", sha256=vector.file.sha256, size=vector.file.size
                )
            else:
                assert vector.file.path is not None  # the schema requires a path or a recipe
                path = suite.path(vector.file.path)
                damage = _damaged(path, vector.file.sha256, vector.file.size)
                if damage is not None:
                    return Verdict(vector, False, "failure", damage)
        except (OSError, _recipe.RecipeError) as exc:
            return Verdict(vector, False, "failure", f"cannot build the vector: {exc}")
        output: Path | None = None
        argv = list(base)
        if vector.kind == "read":
            argv.append(str(path.resolve()))
        elif vector.kind == "verify":
            argv += [str(path.resolve()), *(str(suite.path(key).resolve()) for key in vector.keys)]
        else:
            assert vector.task is not None and vector.task.path is not None
            task = suite.path(vector.task.path)
            output = work / "output.mf"
            argv += [str(task.resolve()), str(output)]
        completed = _process.run(
            argv,
            cwd=path.parent.resolve(),
            timeout=options.timeout,
            max_stdout=options.max_stdout,
            max_stderr=options.max_stderr,
        )
        return judge(
            vector,
            completed,
            _expectation(suite, vector, path),
            strict=options.strict,
            timeout=options.timeout,
            output=output,
        )


def run(suite: Suite, options: Options, on_verdict: Callable[[Verdict], None] | None = None) -> list[Verdict]:
    """Every selected vector, `options.jobs` processes at a time; verdicts in manifest order."""
    vectors = selected(suite, options.filters)
    verdicts: list[Verdict] = []
    jobs = max(1, options.jobs)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results: Iterator[Verdict] = pool.map(lambda vector: run_vector(suite, vector, options), vectors)
        for verdict in results:
            verdicts.append(verdict)
            if on_verdict is not None:
                on_verdict(verdict)
    return verdicts


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
