"""The JSON Schema for `architecture` and `training` (generated from the op tables) agrees with the reader:
it accepts every valid graph and training object, and rejects every invalid case whose rule a schema
can express (SPEC.md §9.10 lists the rules only a reader can check: definitions before use, references
to the tensor table, dtypes and shapes, cross-attribute rules)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import test_arch_invalid as invalid
import test_arch_training as training_cases
from modelfmt.graph._schema import architecture_schema, merged_header_schema

ROOT = Path(__file__).resolve().parents[2]
HEADER_SCHEMA = json.loads((ROOT / "schema" / "header.schema.json").read_text(encoding="utf-8"))
MERGED = merged_header_schema(HEADER_SCHEMA)


def _validator(definition: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator({"$defs": MERGED["$defs"], "$ref": f"#/$defs/{definition}"})


ARCHITECTURE = _validator("architecture")
TRAINING = _validator("training")

# Rules of §9 that need more than the JSON of one object: the reader alone checks them.
READER_ONLY = {
    "opset-core-newer",  # the schema pins version 1; covered below as a rejection
    "input-declared-twice",
    "output-unknown",
    "output-twice",
    "output-wrong-dtype",
    "output-wrong-size",
    "output-wrong-rank",
    "output-other-symbol",
    "node-duplicate",
    "undeclared-extension-domain",
    "split-output-count",
    "value-defined-twice",
    "output-shadows-input",
    "use-before-definition",
    "cycle",
    "self-loop",
    "undefined-input",
    "attribute-axis-out-of-range",
    "attribute-two-minus-ones",
    "attribute-bad-permutation",
    "slot-missing",
    "tensor-missing",
    "slot-shape-transposed",
    "slot-dtype",
    "slot-group-half-bound",
    "embedding-int-weight",
    "input-dtype",
    "linear-in-features",
    "add-mixed-dtypes",
    "add-not-broadcastable",
    "matmul-inner",
    "reshape-count",
    "conv-input-too-small",
    "null-required-input",  # nullability per position of each op
    "attribute-ints-item-type",  # a schema treats 3.0 as an integer; the reader does not (SPEC.md §4)
}


def test_schema_accepts_the_valid_base() -> None:
    ARCHITECTURE.validate(invalid.base())
    TRAINING.validate(training_cases.base())


@pytest.mark.parametrize(
    ("case_id", "mutation"), [(case[0], case[1]) for case in invalid.CASES], ids=[case[0] for case in invalid.CASES]
)
def test_schema_rejects_what_it_can_express(case_id: str, mutation: Any) -> None:
    architecture = mutation(copy.deepcopy(invalid.base()))
    valid = ARCHITECTURE.is_valid(architecture)
    if case_id in READER_ONLY:
        if case_id == "opset-core-newer":
            assert not valid
        return
    assert not valid, f"the schema accepts {case_id}, which the reader rejects"


TRAINING_READER_ONLY = {
    "parameter-twice",
    "state-without-group",
    "parameter-missing",
    "parameter-wrong-role",
    "adam-without-step",
    "unknown-slot",
    "missing-slot",
    "amsgrad-needs-max",
    "slot-shape",
    "slot-tensor-missing",
    "slot-wrong-role",
    "sgd-with-step",
}


@pytest.mark.parametrize(
    ("case_id", "mutation"),
    [(case[0], case[1]) for case in training_cases.CASES],
    ids=[case[0] for case in training_cases.CASES],
)
def test_training_schema_rejects_what_it_can_express(case_id: str, mutation: Any) -> None:
    if case_id in TRAINING_READER_ONLY:
        return
    assert not TRAINING.is_valid(mutation(copy.deepcopy(training_cases.base())))


@pytest.mark.interop
def test_schema_accepts_exported_networks(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    import arch_models  # noqa: PLC0415 - needs torch
    import modelfmt  # noqa: PLC0415 - needs torch
    import modelfmt.torch as mft  # noqa: PLC0415 - needs torch

    cases = [
        (arch_models.mlp_trained(), (torch.randn(2, 8),), None),
        (arch_models.EmbeddingLSTM().eval(), (torch.randint(0, 50, (2, 5)),), None),
        (arch_models.SmallCNN().eval(), (torch.randn(1, 3, 16, 16),), None),
        (arch_models.TwoLayerGRU().eval(), (torch.randn(4, 2, 10),), None),
        (arch_models.Encoder().eval(), (torch.randn(2, 4, 32), torch.zeros(2, 4, dtype=torch.bool)), None),
        (arch_models.bert_random(), (torch.ones(2, 4, dtype=torch.int64),) * 3, None),
    ]
    header_validator = jsonschema.Draft202012Validator(MERGED)
    for index, (model, examples, axes) in enumerate(cases):
        path = tmp_path / f"{index}.mft"
        optimizer = torch.optim.Adam(model.parameters())
        mft.export(model, examples, path, dynamic_axes=axes, optimizer=optimizer, epoch=1, step=0)
        with modelfmt.safe_open(path) as handle:
            header_validator.validate(handle.header.as_json())


def test_merged_schema_in_the_repository_is_the_generated_one() -> None:
    """schema/header.schema.json carries exactly the architecture schema the op tables generate."""
    fragment = architecture_schema()
    for key, value in fragment["$defs"].items():  # type: ignore[union-attr]
        assert HEADER_SCHEMA["$defs"][key] == value, key
