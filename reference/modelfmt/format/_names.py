"""Naming rules shared across the file: the name rule, the reverse-DNS grammar, and character classes.

One definition each, so that tensor names (§7.3) and graph names (§9.4), extension keys (§8.3), extension
op domains (§9.3), extension optimizer types (§11.2), signature attribute keys (§12.4) and everything
shown to people cannot drift apart.
"""

from __future__ import annotations

import re
from typing import Final

from ._limits import MAX_NAME_BYTES

# ---- the reverse-DNS grammar (§8.3) ------------------------------------------------------------------

# One DNS label: lowercase letters and digits, hyphens inside. Written exactly as SPEC.md §8.3 writes it,
# so that the JSON Schema built from it (graph/_schema.py) reads like the spec.
_LABEL: Final = "[a-z0-9]([a-z0-9-]*[a-z0-9])?"
# Two labels or more, such as `com.example.tool`: an owner can be named without a registry.
REVERSE_DNS_PATTERN: Final = rf"{_LABEL}(\.{_LABEL})+"
REVERSE_DNS: Final = re.compile(REVERSE_DNS_PATTERN)

# ---- character classes --------------------------------------------------------------------------------

# Each row is one class of code points, as the body of a regular-expression character class. The sets
# below are unions of rows, one set per purpose: what may never be in a name differs, on purpose, from
# what may not be in a signer's words or what a person should be warned about.
C0_CONTROLS: Final = "\x00-\x1f"
C0_CONTROLS_BUT_TAB_AND_LINE_FEED: Final = "\x00-\x08\x0b-\x1f"
DELETE_AND_C1_CONTROLS: Final = "\x7f-\x9f"
SURROGATES: Final = "\ud800-\udfff"  # only as lone surrogates from `\u` escapes: never valid text
ARABIC_LETTER_MARK: Final = "\u061c"
ZERO_WIDTH: Final = "\u200b-\u200d"  # zero width space, non-joiner, joiner
DIRECTION_MARKS: Final = "\u200e\u200f"  # left-to-right and right-to-left marks
LINE_AND_PARAGRAPH_SEPARATORS: Final = "\u2028\u2029"
DIRECTION_EMBEDDINGS_AND_OVERRIDES: Final = "\u202a-\u202e"  # "Trojan Source" reordering
INVISIBLE_OPERATORS: Final = "\u2060-\u2065"  # word joiner, invisible times, ...
DIRECTION_ISOLATES: Final = "\u2066-\u2069"
BYTE_ORDER_MARK: Final = "\ufeff"  # also the zero width no-break space


def _any_of(*classes: str) -> re.Pattern[str]:
    return re.compile("[" + "".join(classes) + "]")


# Never in a tensor, node or value name (§7.3, §9.4): control characters and lone surrogates.
FORBIDDEN_IN_NAMES: Final = _any_of(C0_CONTROLS, DELETE_AND_C1_CONTROLS, SURROGATES)
# Never in a signature attribute value (§12.4), which is shown to people as the signer's words: control
# characters (terminal escape injection), line and paragraph separators, and direction controls (a
# signer's name reordered on screen). Zero-width characters are allowed: scripts need the joiners.
FORBIDDEN_IN_DISPLAYED_TEXT: Final = _any_of(
    C0_CONTROLS,
    DELETE_AND_C1_CONTROLS,
    ARABIC_LETTER_MARK,
    DIRECTION_MARKS,
    LINE_AND_PARAGRAPH_SEPARATORS,
    DIRECTION_EMBEDDINGS_AND_OVERRIDES,
    DIRECTION_ISOLATES,
)
_MISLEADING: Final = (
    ARABIC_LETTER_MARK,
    ZERO_WIDTH,
    DIRECTION_MARKS,
    DIRECTION_EMBEDDINGS_AND_OVERRIDES,
    INVISIBLE_OPERATORS,
    DIRECTION_ISOLATES,
    BYTE_ORDER_MARK,
)
# Valid in a name, but misleading when printed (§17.16, `check --strict`): direction controls and invisible
# characters. (Control characters cannot be in a valid name at all.)
MISLEADING_IN_NAMES: Final = _any_of(*_MISLEADING)
# The same in metadata text, plus the control characters a string may hold; tab and line feed are plain
# text layout.
MISLEADING_IN_TEXT: Final = _any_of(C0_CONTROLS_BUT_TAB_AND_LINE_FEED, DELETE_AND_C1_CONTROLS, *_MISLEADING)

# ---- the name rule (§7.3) ---------------------------------------------------------------------------------


def name_problem(name: str, max_bytes: int = MAX_NAME_BYTES) -> str | None:
    """Why `name` breaks the name rule of §7.3, or None: 1 to `max_bytes` bytes of UTF-8, no control
    character. Tensor names follow it, and so do node and value names (§9.4); uniqueness is the caller's."""
    size = len(name) if name.isascii() else len(name.encode("utf-8", "surrogatepass"))
    if size == 0 or size > max_bytes:
        return f"is {size} bytes; names are 1 to {max_bytes} bytes of UTF-8"
    if FORBIDDEN_IN_NAMES.search(name) is not None:
        return "contains a control character"
    return None
