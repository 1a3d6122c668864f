"""The one writer of the `modelfmt` command: standard output and standard error pass through
`terminal_lines` (SPEC.md §17.18) while a command runs.

The commands escape each value they print with `terminal_text` (a value's line feeds must not forge a
line of the report); this writer is the net under them, so that nothing a command, argparse, a warning
or a library prints can reach the terminal with a control sequence, a direction control or an invisible
character. `--json` output is ASCII (`ensure_ascii`), which passes through unchanged.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TextIO, cast

from ..format._display import terminal_lines


class TerminalStream:
    """A text stream that writes `terminal_lines(text)` to `raw`. Closing it leaves `raw` open."""

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        safe = terminal_lines(text)
        try:
            self.raw.write(safe)
        except UnicodeEncodeError:
            # A stream that cannot encode a letter (an ASCII locale): the letter as a backslash escape
            # rather than a crash in the middle of a report.
            encoding = self.raw.encoding or "ascii"
            self.raw.write(safe.encode(encoding, "backslashreplace").decode(encoding))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    @property
    def encoding(self) -> str:
        return self.raw.encoding

    @property
    def errors(self) -> str | None:
        return self.raw.errors


def raw_stream(stream: TextIO) -> TextIO:
    """The stream under a `TerminalStream`: for the program's own control sequences (a progress line
    redrawn in place), never for text from a file."""
    return stream.raw if isinstance(stream, TerminalStream) else stream


def escaped_excepthook(kind: type[BaseException], value: BaseException, trace: TracebackType | None) -> None:
    """`sys.excepthook` that prints the traceback through `terminal_lines`: a bug's exception may quote
    a name from the file it was reading."""
    sys.stderr.write(terminal_lines("".join(traceback.format_exception(kind, value, trace))))


@contextmanager
def terminal_output() -> Iterator[None]:
    """While the block runs, `sys.stdout` and `sys.stderr` are `TerminalStream`s over the current ones.
    An exception that escapes the block (a bug: it still shows its traceback) is printed escaped by the
    interpreter's hook, which runs after the streams are restored."""
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout = cast(TextIO, TerminalStream(raw_stream(stdout)))
    sys.stderr = cast(TextIO, TerminalStream(raw_stream(stderr)))
    try:
        yield
    except Exception:
        if sys.excepthook is sys.__excepthook__:  # leave a hook someone else installed alone
            sys.excepthook = escaped_excepthook
        raise
    finally:
        sys.stdout, sys.stderr = stdout, stderr


__all__ = ["TerminalStream", "escaped_excepthook", "raw_stream", "terminal_output"]


def print_json(value: object) -> None:
    """The one way a command prints a JSON document: ASCII, so every control, direction and invisible
    character of a file is a \\u escape and the data stays exact (SPEC.md §17.18), indented, and written as
    it is encoded (json.dumps would first hold every token in a list: 1.5 GB for the 33 MB header of numbers
    `inspect --json` prints, SPEC.md §17.19)."""
    json.dump(value, sys.stdout, indent=2, ensure_ascii=True)
    sys.stdout.write("\n")
