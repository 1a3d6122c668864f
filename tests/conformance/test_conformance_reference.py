"""The reference implementation passes vectors through the same runner any implementation faces:
`modelfmt conformance run` as a process, strict (error codes compared), reader in batch mode.

Every vector is judged in-process, one test each, by test_conformance_vectors.py. Here a fixed sample goes
through the process protocol itself (command lines, exit statuses, `CODE: message`, batch mode, recipes
built by the runner): every kind with every expected outcome at least once, a recipe vector of each outcome,
and non-ASCII output. The sample is checked to keep that coverage when the manifest grows.
"""

from __future__ import annotations

import json
import os

from conformance_helpers import REFERENCE, manifest, run_runner

SAMPLE = (
    "valid.container.appendix-a",
    "valid.names.unicode",
    "invalid.content.data-flip",
    "invalid.json.duplicate-tensors",
    "invalid.preamble.empty-file",
    "valid.limits.unknown-signature-limit",  # recipes: built by the runner, never batched
    "invalid.limits.graph-inputs-limit-plus-1",
    "verify.valid.two-signers-trust-both",
    "verify.invalid.header-edited",
    "verify.acceptable.ed25519-cofactored-only",
    "write.valid.appendix-a",
    "write.invalid.unpaired-surrogate",
)


def test_the_sample_has_every_kind_and_outcome_and_a_recipe_of_each() -> None:
    entries = {entry["id"]: entry for entry in manifest()["vectors"]}
    assert set(SAMPLE) <= set(entries), sorted(set(SAMPLE) - set(entries))
    sample = [entries[vector_id] for vector_id in SAMPLE]
    assert {(entry["kind"], entry["expected"]) for entry in sample} == {
        (entry["kind"], entry["expected"]) for entry in entries.values()
    }
    assert {entry["expected"] for entry in sample if "recipe" in entry} == {"valid", "invalid"}


def test_reference_implementation_passes_the_sample_through_the_process_protocol_strictly() -> None:
    jobs = str(max(2, len(os.sched_getaffinity(0))))
    filters = [argument for vector_id in SAMPLE for argument in ("--filter", vector_id)]
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
        *filters,
    )
    report = json.loads(completed.stdout)
    failures = [f"{result['id']}: {result['detail']}" for result in report["results"] if result["status"] != "pass"]
    assert failures == []
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert report["summary"]["run"] == len(SAMPLE)
    assert report["strict"] is True
