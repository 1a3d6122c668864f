"""What every harness shares: instrumented imports of the package, and the property under test.

The property: whatever bytes come in, the package either succeeds or raises one of its documented
errors (`ModelfmtError` and its categories, `ConversionError`, `KeyFileError`). Anything else that
escapes (a traceback from a builtin, RecursionError, MemoryError, UnicodeError, a numpy or zipfile
error) is a crash: atheris stops, prints the traceback and writes the input as `crash-<sha1>`.

Harnesses import the package inside `instrumented()` so that coverage guides the mutations; this
module imports nothing from modelfmt at load time for the same reason.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import atheris

REPOSITORY = Path(__file__).resolve().parent.parent
CONFORMANCE = REPOSITORY / "conformance"
TEST_KEYS = CONFORMANCE / "keys"

# Only the package is instrumented: numpy, torch and the standard library would dilute the coverage map.
_INSTRUMENTED = ["modelfmt"]


@contextmanager
def instrumented() -> Iterator[None]:
    """Import the package under this block so that atheris can see which branches an input reaches."""
    with atheris.instrument_imports(include=_INSTRUMENTED):
        yield


def scratch_directory() -> Path:
    """A private directory for the files a harness writes; removed when the process ends."""
    holder = tempfile.TemporaryDirectory(prefix="modelfmt-fuzz-")
    _KEEP_ALIVE.append(holder)
    return Path(holder.name)


_KEEP_ALIVE: list[tempfile.TemporaryDirectory[str]] = []


def documented_errors() -> tuple[type[BaseException], ...]:
    """The exceptions the package documents for bad input; everything else is a finding."""
    from modelfmt import ConversionError, KeyFileError, ModelfmtError  # noqa: PLC0415 (after instrumentation)

    return (ModelfmtError, ConversionError, KeyFileError)


def fuzz(target: Callable[[bytes], None], *, also_allowed: tuple[type[BaseException], ...] = ()) -> None:
    """Run libFuzzer on `target` with the command line of this process (corpus folders, -runs=N, ...)."""
    allowed = documented_errors() + also_allowed

    def one_input(data: bytes) -> None:
        with suppress(*allowed):
            target(data)

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


def reproduce(target: Callable[[bytes], None], paths: list[str]) -> None:
    """Run `target` once on each file, letting any exception escape with its traceback (for debugging)."""
    allowed = documented_errors()
    for path in paths:
        data = Path(path).read_bytes()
        try:
            target(data)
        except allowed as exc:
            print(f"{path}: {type(exc).__name__}: {exc}", file=sys.stderr)
        else:
            print(f"{path}: accepted", file=sys.stderr)


def main(target: Callable[[bytes], None], *, also_allowed: tuple[type[BaseException], ...] = ()) -> None:
    """`python fuzz/fuzz_x.py [libFuzzer flags] [corpus...]`, or `--reproduce FILE...` for a plain run."""
    if len(sys.argv) > 1 and sys.argv[1] == "--reproduce":
        reproduce(target, sys.argv[2:])
        return
    fuzz(target, also_allowed=also_allowed)
