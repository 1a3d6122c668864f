"""The reference implementation passes every vector through the same runner any implementation faces:
`modelfmt conformance run` as a process, strict (error codes compared), reader in batch mode."""

from __future__ import annotations

import json
import os

from conformance_helpers import REFERENCE, manifest, run_runner


def test_reference_implementation_passes_every_vector_strictly() -> None:
    jobs = str(max(2, len(os.sched_getaffinity(0))))
    completed = run_runner(
        "--reader",
        f"{REFERENCE} reader",
        "--verifier",
        f"{REFERENCE} verifier",
        "--writer",
        f"{REFERENCE} writer",
        "--strict",
        "--batch",
        "--json",
        "--jobs",
        jobs,
    )
    report = json.loads(completed.stdout)
    failures = [f"{result['id']}: {result['detail']}" for result in report["results"] if result["status"] != "pass"]
    assert failures == []
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert report["summary"]["run"] == len(manifest()["vectors"])
    assert report["strict"] is True
