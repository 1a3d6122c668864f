"""Judging one process against one vector, by the rules of PROTOCOL.md ("Outcomes", "Judging").

Whatever the implementation did (crashed, hung, printed garbage, wrote nothing), the verdict is a value:
nothing here raises because of an implementation's behaviour.
"""

from __future__ import annotations

import hashlib
import re
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ..format._display import terminal_text
from ..format._errors import Code, is_code
from ..format._exit_codes import ExitCode
from . import _compare
from ._manifest import Vector
from ._process import Completed

_REJECTION: Final = re.compile(r"([A-Z][A-Z0-9_]*): ")
_EXCERPT: Final = 300


@dataclass(frozen=True)
class Verdict:
    vector: Vector
    passed: bool
    outcome: str  # "accepted", "rejected", "failure" (of the implementation) or "skipped"
    detail: str = ""
    code: Code | None = None  # the code of a rejection
    code_differs: bool = False  # rejected with another code than expected (a failure only with --strict)
    seconds: float = 0.0


@dataclass(frozen=True)
class Expectation:
    """What the manifest promises for a vector, with the expected document loaded."""

    document: object = None
    has_document: bool = False
    document_sha256: str | None = None
    output: bytes | None = None  # writer: the exact file expected


def excerpt(data: bytes, limit: int = _EXCERPT) -> str:
    """Output made safe to print (SPEC.md §17.18): control, direction and invisible characters, line
    feeds and backslashes shown as escapes; bytes that are not UTF-8 as U+FFFD."""
    text = terminal_text(data[:limit].decode("utf-8", "replace"))
    if len(data) > limit:
        text += f"… ({len(data)} bytes)"
    return text or "(empty)"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _failure(vector: Vector, completed: Completed, detail: str) -> Verdict:
    return Verdict(vector, False, "failure", detail, seconds=completed.seconds)


def _process_failure(vector: Vector, completed: Completed, timeout: float) -> Verdict | None:
    """The verdict when the process itself misbehaved, else None."""
    if completed.spawn_error is not None:
        reason = terminal_text(str(completed.spawn_error))
        return _failure(vector, completed, f"cannot start the implementation: {reason}")
    if completed.timed_out:
        return _failure(vector, completed, f"no exit within {timeout:g} s; the process group was killed")
    if completed.stdout_overflow:
        return _failure(vector, completed, f"standard output exceeds the protocol's limit: {excerpt(completed.stdout)}")
    if completed.stderr_overflow:
        return _failure(vector, completed, f"standard error exceeds the protocol's limit: {excerpt(completed.stderr)}")
    if completed.signal_number is not None:
        return _failure(
            vector,
            completed,
            f"killed by {_signal_name(completed.signal_number)}; stderr: {excerpt(completed.stderr)}",
        )
    if completed.status == ExitCode.USAGE:  # PROTOCOL.md: reserved for usage errors, never expected for a vector
        return _failure(vector, completed, f"exit status 2 (a usage error); stderr: {excerpt(completed.stderr)}")
    if completed.status not in (ExitCode.OK, ExitCode.FAILED):
        return _failure(vector, completed, f"exit status {completed.status}; stderr: {excerpt(completed.stderr)}")
    return None


def _rejection_code(stderr: bytes) -> Code | None:
    first = stderr.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        line = first.decode("utf-8")
    except UnicodeDecodeError:
        return None
    match = _REJECTION.match(line)
    code: str | None = match.group(1) if match is not None else None
    return code if code is not None and is_code(code) else None


def _compare_document(vector: Vector, completed: Completed, expectation: Expectation) -> Verdict:
    try:
        actual = _compare.load(completed.stdout)
        if expectation.has_document:
            difference = _compare.first_difference(expectation.document, actual.value)
        elif expectation.document_sha256 is not None:
            found = _compare.digest(actual)
            difference = (
                None
                if found == expectation.document_sha256
                else (f"the result document's canonical SHA-256 is {found}, expected {expectation.document_sha256}")
            )
        else:
            difference = None  # acceptable vector without a pinned document
    except _compare.OutputError as exc:
        reason = terminal_text(str(exc))
        return _failure(vector, completed, f"malformed result document ({reason}): {excerpt(completed.stdout)}")
    if difference is not None:
        return Verdict(vector, False, "accepted", f"wrong result: {difference}", seconds=completed.seconds)
    return Verdict(vector, True, "accepted", seconds=completed.seconds)


def _compare_output(vector: Vector, completed: Completed, output: Path, expectation: Expectation) -> Verdict:
    try:
        written = output.read_bytes()
    except OSError as exc:
        reason = terminal_text(str(exc))
        return Verdict(vector, False, "accepted", f"exit 0 but no output file: {reason}", seconds=completed.seconds)
    expected = expectation.output or b""
    assert vector.output is not None  # the schema requires it for valid write vectors
    if hashlib.sha256(written).hexdigest() == vector.output.sha256 and len(written) == vector.output.size:
        return Verdict(vector, True, "accepted", seconds=completed.seconds)
    offset = next((i for i, (a, b) in enumerate(zip(written, expected, strict=False)) if a != b), None)
    if offset is None:
        offset = min(len(written), len(expected))
    return Verdict(
        vector,
        False,
        "accepted",
        f"the file written differs from the expected one at byte {offset} "
        f"({len(written)} bytes written, {len(expected)} expected)",
        seconds=completed.seconds,
    )


def judge(
    vector: Vector,
    completed: Completed,
    expectation: Expectation,
    *,
    strict: bool,
    timeout: float,
    output: Path | None = None,
) -> Verdict:
    failed = _process_failure(vector, completed, timeout)
    if failed is not None:
        return failed
    if completed.status == ExitCode.OK:
        if vector.expected == "invalid":
            what = "wrote a file for" if vector.kind == "write" else "accepted"
            return Verdict(
                vector,
                False,
                "accepted",
                f"{what} an invalid vector (expected {vector.error})",
                seconds=completed.seconds,
            )
        if vector.kind == "write":
            assert output is not None
            return _compare_output(vector, completed, output, expectation)
        return _compare_document(vector, completed, expectation)
    code = _rejection_code(completed.stderr)
    if code is None:
        return _failure(
            vector,
            completed,
            f"exit 1 without `CODE: message` (a code of SPEC.md §16) on the first line of stderr: "
            f"{excerpt(completed.stderr)}",
        )
    if vector.expected == "valid":
        return Verdict(
            vector,
            False,
            "rejected",
            f"rejected a valid vector: {excerpt(completed.stderr)}",
            code,
            seconds=completed.seconds,
        )
    differs = vector.error is not None and code != vector.error
    if differs and strict:
        return Verdict(vector, False, "rejected", f"expected {vector.error}, got {code}", code, True, completed.seconds)
    detail = f"code {code}, expected {vector.error} (not compared without --strict)" if differs else ""
    return Verdict(vector, True, "rejected", detail, code, differs, completed.seconds)
