"""The independent JavaScript implementation (conformance/implementations/js, written from SPEC.md alone)
passes every read and verify vector through the same runner, strictly. Skipped when Node.js or the
implementation is absent."""

from __future__ import annotations

import json
import os

import pytest
from conformance_helpers import JS_CLI, js_available, node, run_runner, vectors

pytestmark = [
    pytest.mark.js,
    pytest.mark.slow,
    pytest.mark.skipif(not js_available(), reason="node or conformance/implementations/js/cli.js missing"),
]


def test_javascript_implementation_passes_every_read_and_verify_vector_strictly() -> None:
    command = f"{node()} {JS_CLI}"
    jobs = str(max(2, len(os.sched_getaffinity(0))))
    completed = run_runner(
        "--reader",
        f"{command} read",
        "--verifier",
        f"{command} verify",
        "--strict",
        "--batch",
        "--json",
        "--jobs",
        jobs,
    )
    report = json.loads(completed.stdout)
    failures = [f"{result['id']}: {result['detail']}" for result in report["results"] if result["status"] == "fail"]
    assert failures == []
    assert report["summary"]["run"] == len([entry for entry in vectors() if entry["kind"] != "write"])
