"""The runner's report: one line per vector and a summary, or one JSON document (`--json`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from ..format._display import terminal_line, terminal_text
from ._judge import Verdict


def line(verdict: Verdict) -> str:
    vector = verdict.vector
    mark = "skip" if verdict.outcome == "skipped" else ("ok  " if verdict.passed else "FAIL")
    expected = vector.expected if vector.error is None else f"{vector.expected} {vector.error}"
    # The id comes from the suite's manifest; the judge escaped what it quotes of the implementation's
    # output; the whole line is then shown as one message, even outside the CLI's writer (SPEC.md §17.18).
    text = f"{mark} {terminal_text(vector.id)} [{vector.kind}, {expected}]"
    if verdict.detail and verdict.outcome != "skipped":
        text += f": {verdict.detail}"
    return terminal_line(text)


def summary(verdicts: Sequence[Verdict], *, strict: bool) -> str:
    ran = [verdict for verdict in verdicts if verdict.outcome != "skipped"]
    failed = [verdict for verdict in ran if not verdict.passed]
    by_kind = Counter(verdict.vector.kind for verdict in ran)
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(by_kind.items()))
    text = (
        f"conformance: {len(ran)} vectors run ({kinds or 'none'}), {len(ran) - len(failed)} passed, "
        f"{len(failed)} failed, {len(verdicts) - len(ran)} skipped"
    )
    differing = sum(1 for verdict in ran if verdict.code_differs)
    if strict:
        text += " (strict: error codes compared)"
    elif differing:
        text += f" ({differing} rejected with another code than expected; --strict makes that a failure)"
    return text


def write_text(verdict: Verdict, stream: TextIO) -> None:
    stream.write(line(verdict) + "\n")
    stream.flush()


def as_json(verdicts: Sequence[Verdict], *, strict: bool, suite: str) -> dict[str, object]:
    ran = [verdict for verdict in verdicts if verdict.outcome != "skipped"]
    failed = sum(1 for verdict in ran if not verdict.passed)
    return {
        "suite": suite,
        "strict": strict,
        "summary": {
            "vectors": len(verdicts),
            "run": len(ran),
            "passed": len(ran) - failed,
            "failed": failed,
            "skipped": len(verdicts) - len(ran),
            "codes_differ": sum(1 for verdict in ran if verdict.code_differs),
        },
        "results": [
            {
                "id": verdict.vector.id,
                "kind": verdict.vector.kind,
                "expected": verdict.vector.expected,
                "expected_error": verdict.vector.error,
                "status": "skip" if verdict.outcome == "skipped" else ("pass" if verdict.passed else "fail"),
                "outcome": verdict.outcome,
                "code": verdict.code,
                "detail": verdict.detail,
                "seconds": round(verdict.seconds, 3),
            }
            for verdict in verdicts
        ],
    }
