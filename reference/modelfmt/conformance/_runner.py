"""Driving an implementation through every vector (conformance/PROTOCOL.md): one process per vector,
several at a time, in manifest order.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import json
import os
import shlex
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ..format._exit_codes import ExitCode
from . import _process, _recipe
from ._judge import Expectation, Verdict, judge
from ._manifest import FileRef, Suite, Vector, expected_document

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
    batch: bool = False  # read vectors through the reader's optional batch mode (PROTOCOL.md)

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


def _damaged(path: Path, sha256: str, size: int | None) -> str | None:
    try:
        found, found_size = _sha256_file(path)
    except OSError as exc:
        return f"the suite file {path} cannot be read: {exc}"
    if found != sha256 or (size is not None and found_size != size):
        return f"the suite file {path} differs from the manifest (SHA-256 or size); regenerate or check out again"
    return None


def _suite_damage(suite: Suite, vector: Vector) -> str | None:
    """A problem with the suite's own files for `vector` (expected results and outputs), if any."""
    for ref in (vector.output, vector.result):
        if ref is not None and ref.path is not None:
            size = ref.size if isinstance(ref, FileRef) else None
            problem = _damaged(suite.path(ref.path), ref.sha256, size)
            if problem is not None:
                return problem
    return None


def _expectation(suite: Suite, vector: Vector) -> Expectation:
    if vector.kind == "write":
        if vector.output is None or vector.output.path is None:
            return Expectation()
        return Expectation(output=suite.path(vector.output.path).read_bytes())
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
        damage = _suite_damage(suite, vector)
        if damage is not None:
            return Verdict(vector, False, "failure", damage)
        output: Path | None = None
        argv = list(base)
        if vector.kind == "read":
            argv.append(str(path.resolve()))
        elif vector.kind == "verify":
            argv += [str(path.resolve()), *(str(suite.path(key).resolve()) for key in vector.keys)]
        else:
            output = work / "output.mf"
            argv += [str(path.resolve()), str(output)]  # the vector's file is the task
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
            _expectation(suite, vector),
            strict=options.strict,
            timeout=options.timeout,
            output=output,
        )


def _batch_records(completed: _process.Completed, paths: Sequence[str]) -> list[dict[str, object]] | None:
    """The records of a batch run, or None when the process did not honour the batch protocol."""
    if completed.status != ExitCode.OK or completed.stdout_overflow or completed.stderr_overflow:
        return None
    # Split at LF only: str.splitlines would also split inside strings holding U+2028 or U+0085.
    lines = completed.stdout.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    if len(lines) != len(paths):
        return None
    records = []
    for line, path in zip(lines, paths, strict=True):
        try:
            record = json.loads(line)
        except ValueError:
            return None
        if not isinstance(record, dict) or record.get("path") != path:
            return None
        status = record.get("status")
        if type(status) is not int or not (
            (status == ExitCode.OK and isinstance(record.get("result"), dict))
            or (status == ExitCode.FAILED and isinstance(record.get("error"), str))
        ):
            return None
        records.append(record)
    return records


def run_batch(suite: Suite, vectors: Sequence[Vector], options: Options) -> dict[str, Verdict]:
    """Read vectors through one `READER --batch LIST` process. Anything but a complete, well-formed batch
    makes every vector of it run again one process each, so that batch mode never changes a verdict."""
    assert options.reader is not None
    verdicts: dict[str, Verdict] = {}
    runnable: list[tuple[Vector, str]] = []
    for vector in vectors:
        assert vector.file.path is not None
        path = suite.path(vector.file.path)
        damage = _damaged(path, vector.file.sha256, vector.file.size) or _suite_damage(suite, vector)
        if damage is not None:
            verdicts[vector.id] = Verdict(vector, False, "failure", damage)
        else:
            runnable.append((vector, str(path.resolve())))
    if not runnable:
        return verdicts
    with tempfile.TemporaryDirectory(prefix="modelfmt-conformance-") as scratch:
        listing = Path(scratch) / "batch.txt"
        listing.write_text("".join(f"{path}\n" for _, path in runnable), encoding="utf-8")
        completed = _process.run(
            [*options.reader, "--batch", str(listing)],
            cwd=suite.root.resolve(),
            timeout=options.timeout * len(runnable),
            max_stdout=options.max_stdout,
            max_stderr=options.max_stderr,
        )
    records = _batch_records(completed, [path for _, path in runnable])
    if records is None:
        for vector, _ in runnable:
            verdicts[vector.id] = run_vector(suite, vector, dataclasses.replace(options, batch=False))
        return verdicts
    share = completed.seconds / len(runnable)
    for (vector, _), record in zip(runnable, records, strict=True):
        one = _process.Completed(
            share,
            status=int(str(record["status"])),
            stdout=json.dumps(record.get("result")).encode("utf-8") if record["status"] == ExitCode.OK else b"",
            stderr=str(record.get("error", "")).encode("utf-8"),
        )
        verdicts[vector.id] = judge(
            vector, one, _expectation(suite, vector), strict=options.strict, timeout=options.timeout
        )
    return verdicts


def run(suite: Suite, options: Options, on_verdict: Callable[[Verdict], None] | None = None) -> list[Verdict]:
    """Every selected vector, `options.jobs` processes at a time; verdicts in manifest order."""
    vectors = selected(suite, options.filters)
    jobs = max(1, options.jobs)
    batched = [
        vector
        for vector in vectors
        if options.batch and options.reader is not None and vector.kind == "read" and vector.recipe is None
    ]
    chunks = [batched[index::jobs] for index in range(jobs) if batched[index::jobs]]
    verdicts: list[Verdict] = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        batch_futures = [pool.submit(run_batch, suite, chunk, options) for chunk in chunks]
        chunk_of = {vector.id: number for number, chunk in enumerate(chunks) for vector in chunk}
        single: dict[str, Future[Verdict]] = {
            vector.id: pool.submit(run_vector, suite, vector, options)
            for vector in vectors
            if vector.id not in chunk_of
        }
        for vector in vectors:
            if vector.id in chunk_of:
                verdict = batch_futures[chunk_of[vector.id]].result()[vector.id]
            else:
                verdict = single[vector.id].result()
            verdicts.append(verdict)
            if on_verdict is not None:
                on_verdict(verdict)
    return verdicts


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
