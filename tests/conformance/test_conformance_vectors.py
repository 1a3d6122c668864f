"""Every vector of conformance/manifest.json, one test each, judged in-process: the reference implementation
meets exactly the outcome and the error code the manifest declares.

The runner's own `run_vector` builds the vector (recipes included), checks the suite's bytes and judges the
result by PROTOCOL.md's rules, strictly; only the process is replaced by a call to the same entry point
(`run_reference_in_process`), so a failure names one vector, shows its description and can be debugged
with `-k`. The process protocol itself is exercised on a sample in test_conformance_reference.py.
"""

from __future__ import annotations

import pytest
from conformance_helpers import SUITE, run_reference_in_process
from modelfmt.conformance import Options, Vector, _process, load_suite
from modelfmt.conformance._runner import run_vector

SUITE_ON_DISK = load_suite(SUITE)
IN_PROCESS = ["reference-in-process"]
OPTIONS = Options(
    reader=[*IN_PROCESS, "reader"],
    verifier=[*IN_PROCESS, "verifier"],
    writer=[*IN_PROCESS, "writer"],
    strict=True,
)
# Measured with --durations: these four take 10 to 40 s each (2^18 tensors or nodes: the result document
# alone is ~80 MB), every other vector well under a second. They run in the default run, not the fast tier,
# and without coverage measurement, which would add half again to their time for no branch that the
# smaller vectors and those just above the same limits do not already take.
SLOW_VECTORS = frozenset(
    {
        "valid.limits.graph-nodes-limit",
        "valid.limits.graph-nodes-limit-minus-1",
        "valid.limits.tensor-count-limit",
        "valid.limits.tensor-count-limit-minus-1",
    }
)
assert {vector.id for vector in SUITE_ON_DISK.vectors} >= SLOW_VECTORS, "a slow vector is not in the manifest"


def _param(vector: Vector) -> object:
    marks = [pytest.mark.slow, pytest.mark.no_cover] if vector.id in SLOW_VECTORS else []
    return pytest.param(vector, id=vector.id, marks=marks)


@pytest.fixture(autouse=True)
def reference_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_process, "run", run_reference_in_process)


@pytest.mark.parametrize("vector", [_param(vector) for vector in SUITE_ON_DISK.vectors])
def test_reference_implementation_meets_the_vector(vector: Vector) -> None:
    verdict = run_vector(SUITE_ON_DISK, vector, OPTIONS)
    context = f"{vector.id} ({vector.kind}, expected {vector.expected}): {vector.description}"
    assert verdict.passed, f"{context}\n{verdict.outcome}: {verdict.detail}"
    if vector.expected == "valid":
        assert verdict.outcome == "accepted", context
    elif vector.expected == "invalid":
        assert (verdict.outcome, verdict.code) == ("rejected", vector.error), context
