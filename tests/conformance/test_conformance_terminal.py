"""The runner's report shows what an implementation printed terminal-safe (SPEC.md §17.18): hostile keys
and values of its result document, its standard error and a spawn error reach the report lines escaped,
one line per vector. Judged in-process from a made-up `Completed`: no process is started."""

from __future__ import annotations

import copy
import json
import unicodedata

import pytest
from conformance_helpers import SUITE
from modelfmt.conformance import load_suite
from modelfmt.conformance._judge import judge
from modelfmt.conformance._process import Completed
from modelfmt.conformance._report import line
from modelfmt.conformance._runner import _expectation

VALID = "valid.container.appendix-a"
INVALID = "invalid.content.data-flip"
TITLE = "\x1b]0;pwned\x07"
FORGED = "\nok   valid.everything [read, valid]\u2028\u202e\x9b2J"


def unsafe_in(text: str) -> list[str]:
    return [
        f"U+{ord(char):04X}"
        for char in text
        if (ord(char) < 0x20 and char != "\t") or 0x7F <= ord(char) <= 0x9F
        or unicodedata.category(char) in {"Cf", "Zl", "Zp", "Cs"}
    ]


CASES = {
    "document-key": (VALID, Completed(0.1, status=0, stdout=json.dumps({TITLE + FORGED: 1}).encode())),
    "rejected-valid": (VALID, Completed(0.1, status=1, stderr=f"HEADER_SYNTAX: {TITLE}{FORGED}".encode())),
    "bad-rejection": (INVALID, Completed(0.1, status=1, stderr=f"{TITLE}{FORGED}".encode())),
    "garbage": (VALID, Completed(0.1, status=0, stdout=f"{TITLE}{FORGED}".encode())),
    "spawn-error": (VALID, Completed(0.1, spawn_error=f"no such program {TITLE}{FORGED}")),
    "usage": (INVALID, Completed(0.1, status=2, stderr=f"usage error: {TITLE}{FORGED}".encode())),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_report_lines_are_terminal_safe(case: str) -> None:
    suite = load_suite(SUITE)
    vector_id, completed = CASES[case]
    (vector,) = [vector for vector in suite.vectors if vector.id == vector_id]
    verdict = judge(vector, completed, _expectation(suite, vector), strict=True, timeout=30)
    assert not verdict.passed
    text = line(verdict)
    assert unsafe_in(text) == [] and "\n" not in text, text
    assert "pwned" in text or case == "document-key"  # what was said is shown, escaped


def test_a_hostile_value_in_the_document_is_shown_escaped() -> None:
    suite = load_suite(SUITE)
    (vector,) = [vector for vector in suite.vectors if vector.id == VALID]
    expectation = _expectation(suite, vector)
    document = copy.deepcopy(expectation.document)
    document["header"]["metadata"]["name"] = TITLE + FORGED  # type: ignore[index]
    completed = Completed(0.1, status=0, stdout=json.dumps(document).encode())
    text = line(judge(vector, completed, expectation, strict=True, timeout=30))
    assert unsafe_in(text) == [], text
    assert "\\u001b]0;pwned\\u0007\\nok   valid.everything [read, valid]\\u2028\\u202e\\x9b2J" in text, text
