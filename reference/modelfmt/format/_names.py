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
# Never in a signature attribute value (§12.4), which is shown to people as the signer's words and compared
# by them: a name that differs from another only by characters nobody sees is a look-alike signer. The
# rows are, as of Unicode 17.0, exactly the code points of general category Cc, Cf, Zl or Zp, the
# Default_Ignorable_Code_Point property and the noncharacters. They are written out rather than looked up
# because a reader's Unicode tables change with its version, and a file must not be valid for one reader
# and invalid for another (Python 3.11 has Unicode 14.0, Node.js 20 has 15.1 or later).
SOFT_HYPHEN: Final = "\u00ad"
COMBINING_GRAPHEME_JOINER: Final = "\u034f"
# Visible marks of category Cf, yet format characters that change how the next characters render.
PREPENDED_CONCATENATION_MARKS: Final = "\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
HANGUL_FILLERS: Final = "\u115f\u1160\u3164\uffa0"  # blank letters: a name made of them looks empty
KHMER_INHERENT_VOWELS: Final = "\u17b4\u17b5"
MONGOLIAN_SELECTORS_AND_SEPARATOR: Final = "\u180b-\u180f"
DEPRECATED_FORMAT: Final = "\u206a-\u206f"  # inhibit/activate symmetric swapping, shaping, digit shapes
VARIATION_SELECTORS: Final = "\ufe00-\ufe0f"
INTERLINEAR_ANNOTATION: Final = "\ufff0-\ufffb"  # U+FFF0-U+FFF8 are reserved as default ignorable
HIEROGLYPH_FORMAT: Final = "\U00013430-\U0001343f"
SHORTHAND_FORMAT: Final = "\U0001bca0-\U0001bca3"
MUSICAL_FORMAT: Final = "\U0001d173-\U0001d17a"
TAGS_AND_VARIATION_SELECTORS_SUPPLEMENT: Final = "\U000e0000-\U000e0fff"
# U+FDD0-U+FDEF and the last two code points of each of the 17 planes: never characters of any text.
NONCHARACTERS: Final = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
FORBIDDEN_IN_DISPLAYED_TEXT: Final = _any_of(
    C0_CONTROLS,
    DELETE_AND_C1_CONTROLS,
    SOFT_HYPHEN,
    COMBINING_GRAPHEME_JOINER,
    PREPENDED_CONCATENATION_MARKS,
    ARABIC_LETTER_MARK,
    HANGUL_FILLERS,
    KHMER_INHERENT_VOWELS,
    MONGOLIAN_SELECTORS_AND_SEPARATOR,
    ZERO_WIDTH,
    DIRECTION_MARKS,
    LINE_AND_PARAGRAPH_SEPARATORS,
    DIRECTION_EMBEDDINGS_AND_OVERRIDES,
    INVISIBLE_OPERATORS,
    DIRECTION_ISOLATES,
    DEPRECATED_FORMAT,
    VARIATION_SELECTORS,
    BYTE_ORDER_MARK,
    INTERLINEAR_ANNOTATION,
    HIEROGLYPH_FORMAT,
    SHORTHAND_FORMAT,
    MUSICAL_FORMAT,
    TAGS_AND_VARIATION_SELECTORS_SUPPLEMENT,
    NONCHARACTERS,
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
