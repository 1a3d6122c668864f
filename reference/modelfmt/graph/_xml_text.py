"""Text from a file, made safe to put into XML (SVG) or HTML: every string of a picture goes through here.

A file's strings (names, metadata, attribute values) are arbitrary Unicode scalar values, and many of
them cannot appear in an XML 1.0 document at all, escaped or not: C0 controls other than tab, LF and CR
(`&#1;` is as ill-formed as the raw byte), U+FFFE, U+FFFF, and (in a Python string built by a caller)
lone surrogates. One such character makes the whole picture unparseable. Others are allowed but let a
string disguise itself when displayed: tab, LF and CR (a label is one line; a parser turns CR into LF),
DEL, C1 controls and the bidirectional controls (SPEC.md §17.16, "Displaying untrusted strings").
Every one of them is shown as a visible escape (`\\x01`, `\\u202e`), and a backslash is doubled, so that
a displayed escape is never ambiguous with text that looked like one; then `&`, `<`, `>` and both
quotes become character references, so that the result is safe in element content and in attribute
values alike. Each character of the input becomes at most 6 characters of output (`&quot;`, `\\u202e`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

# Every C0 control, DEL and C1, the bidirectional marks, embeddings, overrides and isolates, surrogates,
# U+FFFE and U+FFFF, and the backslash that starts an escape.
_HIDDEN: Final = re.compile(
    "[\\\\\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
_REFERENCES: Final = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("'"): "&#39;"}


def _escape_hidden(match: re.Match[str]) -> str:
    char = match.group(0)
    if char == "\\":
        return "\\\\"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every character that XML forbids or that hides text shown as an escape (`\\x01`)."""
    return _HIDDEN.sub(_escape_hidden, text)


def _clip(shown: str, whole: bool, limit: int) -> str:
    return shown if whole and len(shown) <= limit else shown[: limit - 1] + "…"


def clipped(text: str, limit: int) -> str:
    """`visible(text)`, cut to `limit` characters with a trailing `…` when longer."""
    # A prefix is enough, since escapes only lengthen the text: a 1 MiB string costs no more than a short one.
    return _clip(visible(text[: limit + 1]), len(text) <= limit, limit)


def xml_text(text: str, limit: int) -> str:
    """`text` as XML character data or an attribute value: `clipped` to `limit` characters, then with
    character references, so at most 6 * `limit` characters, well-formed whatever `text` held."""
    return clipped(text, limit).translate(_REFERENCES)


def xml_lines(lines: Sequence[str], limit: int) -> str:
    """Several texts, each made visible, one per line (a tooltip), cut to `limit` characters in all."""
    shown = "\n".join(visible(line[: limit + 1]) for line in lines[: limit + 1])
    whole = len(lines) <= limit and all(len(line) <= limit for line in lines)
    return _clip(shown, whole, limit).translate(_REFERENCES)


__all__ = ["clipped", "visible", "xml_lines", "xml_text"]
