"""Fuzz the strict JSON parser of headers (`format/_json.parse`, then `check_tree`, SPEC.md §4).

Beyond "no crash": a value the parser accepts must survive a round trip through the canonical
encoder as a writer uses it, unchanged, since writers and signatures depend on that encoding. The
writer refuses (ValueError) the floats between 2^53 and 1e21 whose canonical digits a reader would
reject (SPEC.md §4.7); such values leave the round trip out.
"""

from __future__ import annotations

import _harness

with _harness.instrumented():
    from modelfmt.format import _json
    from modelfmt.format._limits import MAX_DEPTH

_HEADER_OFFSET = 24  # where a header starts in a file: errors report file offsets


def one_input(data: bytes) -> None:
    value = _json.parse(data, base_offset=_HEADER_OFFSET)
    _json.check_tree(value, depth=0, max_depth=MAX_DEPTH)
    try:
        text = _json.canonical(value, writing=True)
    except ValueError:
        return  # SPEC.md §4.7: a parsed value a writer must not emit again
    again = _json.parse(text.encode("utf-8"), base_offset=0)
    if again != value:
        raise AssertionError(f"canonical form changes the value: {text[:200]!r}")


if __name__ == "__main__":
    _harness.main(one_input)
