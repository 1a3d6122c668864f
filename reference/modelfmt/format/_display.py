"""Terminal-safe text: the one rule for showing a string from a file, a header or a path to people
(SPEC.md §17.18).

A string from a file may hold terminal control sequences (ESC, OSC 52 clipboard writes, a window title,
a cleared screen), carriage returns and line breaks that forge output lines, direction controls that
reorder what is shown, and invisible characters. `terminal_text` shows each of them as a visible escape
and escapes the backslash too, so that the mapping is injective: two different strings never look the
same. `terminal_line` shows a message the package built (prose that may quote names already escaped)
on one line: the same escapes, backslashes left alone. `terminal_lines` is the safety net of an output
stream: it also keeps the line feeds the program writes (JSON and Windows paths keep their backslashes).

Pure functions over `str`, no I/O: `cli/` puts every stream it writes through them, and the conformance
runner escapes what it reports.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# Unicode general categories shown as escapes: controls (Cc: C0, DEL, C1), format characters (Cf:
# direction controls, zero-width characters, the byte order mark, the soft hyphen, tags), line and
# paragraph separators (Zl, Zp), lone surrogates (Cs, from `\u` escapes or undecodable file names), and
# unassigned code points (Cn, noncharacters included): what a later Unicode version or a terminal makes
# of those is unknown.
_UNSAFE_CATEGORIES: Final = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Cn"})

# Default-ignorable code points (Unicode DerivedCoreProperties) outside those categories: they draw
# nothing, so a name holding them looks like another name. Combining grapheme joiner, Hangul fillers,
# Khmer inherent vowels, Mongolian variation selectors, variation selectors.
_INVISIBLE_LETTERS_AND_MARKS: Final = (
    "\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef"
)
# The characters the fast path must look at although `str.isprintable` accepts them.
_SPECIAL: Final = re.compile(f"[\\\\{_INVISIBLE_LETTERS_AND_MARKS}]")
_INVISIBLE: Final = re.compile(f"[{_INVISIBLE_LETTERS_AND_MARKS}]")

# The short escapes Python and JSON also use; every other unsafe character is \xHH, \uHHHH or \UHHHHHHHH.
_SHORT: Final = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def is_unsafe(char: str) -> bool:
    """Whether one character must not reach a terminal as it is (the classes of SPEC.md §17.18)."""
    return unicodedata.category(char) in _UNSAFE_CATEGORIES or _INVISIBLE.fullmatch(char) is not None


def _escape(char: str) -> str:
    short = _SHORT.get(char)
    if short is not None:
        return short
    point = ord(char)
    if point < 0x100:
        return f"\\x{point:02x}"
    return f"\\u{point:04x}" if point < 0x10000 else f"\\U{point:08x}"


def _is_plain(text: str) -> bool:
    # str.isprintable is false for every character of the unsafe categories (and for the spaces of Zs
    # and the private-use characters, which the slow path then keeps): one C-speed pass for the
    # common case of harmless text.
    return text.isprintable() and _SPECIAL.search(text) is None


class _Escapes(dict[int, str]):
    """A `str.translate` table that works each code point out once: what it is shown as. Escaping is
    then one C-speed pass even over hostile text (a megabyte of controls in about 0.2 s, not 1.4 s).
    The table forgets everything past `_MAX_REMEMBERED` code points, so that text with many different
    characters cannot make it grow without bound."""

    _MAX_REMEMBERED: Final = 65536

    def __init__(self, *, backslash: bool, line_feed: bool) -> None:
        super().__init__()
        self._backslash, self._line_feed = backslash, line_feed

    def __missing__(self, point: int) -> str:
        char = chr(point)
        if char == "\\":
            shown = _escape(char) if self._backslash else char
        elif char == "\n" and self._line_feed:
            shown = char
        else:
            shown = _escape(char) if is_unsafe(char) else char
        if len(self) >= self._MAX_REMEMBERED:
            self.clear()
        self[point] = shown
        return shown


_VALUE: Final = _Escapes(backslash=True, line_feed=False)
_MESSAGE: Final = _Escapes(backslash=False, line_feed=False)
_LINES: Final = _Escapes(backslash=False, line_feed=True)


def terminal_text(text: str) -> str:
    """`text` as one terminal-safe value: every unsafe character, line feeds and tabs included, as an
    escape (`\\x1b`, `\\n`, `\\u202e`, `\\U000e0041`), and `\\` as `\\\\`. Injective, and the identity
    on text without backslashes or unsafe characters. For paths, names, metadata, attributes."""
    return text if _is_plain(text) else text.translate(_VALUE)


def terminal_line(text: str) -> str:
    """A message as one terminal-safe line: unsafe characters and line feeds escaped as `terminal_text`
    does, backslashes kept. For prose the package built (an error message, a note), whose names may
    already be escaped by `terminal_text` (through `_json.show`): escaping them again would double
    their backslashes."""
    return text if _is_plain(text.replace("\\", "")) else text.translate(_MESSAGE)


def terminal_lines(text: str) -> str:
    """`text` as the program's own lines: line feeds kept, everything else as `terminal_line`. The net
    under the program's output streams, not a way to show one value or message (its line feeds would
    forge lines of the report)."""
    return text if _is_plain(text.replace("\\", "").replace("\n", "")) else text.translate(_LINES)


__all__ = ["is_unsafe", "terminal_line", "terminal_lines", "terminal_text"]
