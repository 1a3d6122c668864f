"""Coverage of the suite, derived from SPEC.md itself: a code, a limit, a dtype, an op or a security
pitfall that SPEC.md gains fails here until it has its vectors."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from conformance_helpers import SUITE, error_codes, manifest, section, table_rows, vectors

POSITIONS = {"limit-1", "limit", "limit+1"}


def _tags(prefix: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for entry in vectors():
        for tag in entry.get("tags", ()):
            kind, _, value = tag.partition(":")
            if kind == prefix:
                found[value].append(entry["id"])
    return found


def test_every_error_code_has_an_invalid_vector_or_is_marked_not_applicable() -> None:
    codes = error_codes()
    covered = {entry["error"] for entry in vectors() if entry["expected"] == "invalid"}
    not_applicable = manifest()["not_applicable"]
    missing = sorted(set(codes) - covered - set(not_applicable))
    assert missing == [], "codes of SPEC.md §16 without an invalid vector"
    assert set(covered) <= set(codes), "vectors expect codes SPEC.md §16 does not define"


def test_only_runtime_codes_are_not_applicable_and_each_has_a_runtime_vector() -> None:
    codes = error_codes()
    not_applicable = manifest()["not_applicable"]
    assert set(not_applicable) == {code for code, where in codes.items() if where == "9.11"}
    with_runtime = {entry["runtime"]["error"] for entry in vectors() if "runtime" in entry}
    assert with_runtime == set(not_applicable), "each runtime code has a valid file that triggers it"


def _limit_names(text: str) -> dict[str, int]:
    """Limit name -> value, from a table whose first column names the limit (backticked parts removed)."""
    limits = {}
    for cells in table_rows(text):
        if len(cells) < 3 or not re.match(r"[0-9]", cells[1]):
            continue
        name = re.sub(r"\s*`[^`]*`", "", cells[0]).strip()
        limits[name] = int(re.match(r"[0-9]+", cells[1]).group())  # type: ignore[union-attr]
    return limits


def _limit_vectors() -> dict[str, dict[str, list[dict[str, Any]]]]:
    found: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for entry in vectors():
        if "limit" in entry:
            found[entry["limit"]["name"]][entry["limit"]["at"]].append(entry)
    return found


def test_every_limit_of_section_5_has_vectors_at_limit_minus_1_limit_and_limit_plus_1() -> None:
    limits = _limit_names(section("5"))
    assert len(limits) >= 15, "the §5 table was not parsed"
    found = _limit_vectors()
    for name, value in limits.items():
        assert set(found[name]) == POSITIONS, f"limit `{name}` lacks vectors at {POSITIONS - set(found[name])}"
        for at, entries in found[name].items():
            for entry in entries:
                assert entry["limit"]["value"] == value, entry["id"]
                assert (entry["expected"] == "invalid") == (at == "limit+1"), entry["id"]


# §9.12 rows -> the limit names the vectors use (one row may bound two things).
GRAPH_LIMITS = {
    "nodes": ["graph nodes"],
    "graph inputs; graph outputs (each)": ["graph inputs", "graph outputs"],
    "entries of one node's; of its (each)": ["node inputs", "node outputs"],
    "items of one attribute": ["ints items"],
    "rank of a declared or inferred value": ["rank of a declared value"],
    "symbolic dimension name": ["symbolic dimension name"],
    "node and value names": ["node and value names"],
    "recurrent": ["recurrent num_layers"],
}


def test_every_graph_limit_of_section_9_12_has_its_three_vectors() -> None:
    text = section("9").split("### 9.12", 1)[1].split("### 9.13", 1)[0]
    rows = [re.sub(r"\s*`[^`]*`", "", cells[0]).strip() for cells in table_rows(text) if cells[0] not in ("limit",)]
    assert sorted(rows) == sorted(GRAPH_LIMITS), "§9.12 changed: update GRAPH_LIMITS and add vectors"
    found = _limit_vectors()
    for names in GRAPH_LIMITS.values():
        for name in names:
            assert set(found[name]) == POSITIONS, name


def test_every_dtype_has_a_valid_vector() -> None:
    dtypes = [cells[0].strip("`") for cells in table_rows(section("6").split("### 6.2")[0]) if cells[0].startswith("`")]
    assert len(dtypes) == 15
    tagged = _tags("dtype")
    valid_ids = {entry["id"] for entry in vectors("read") if entry["expected"] == "valid"}
    for dtype in dtypes:
        assert any(vector in valid_ids for vector in tagged[dtype]), dtype


def test_float_dtype_vectors_hold_signed_zero_nan_payloads_and_subnormals() -> None:
    """The bytes, not just the names: -0.0, a NaN with a payload and the smallest subnormal of each type."""
    patterns = {
        "float16": ("0080", "017c", "0100"),
        "bfloat16": ("0080", "817f", "0100"),
        "float32": ("00000080", "0100807f", "01000000"),
        "float64": ("0000000000000080", "010000000000f07f", "0100000000000000"),
        "float8_e4m3fn": ("80", "7f", "01"),
        "float8_e5m2": ("80", "7d", "01"),
    }
    by_id = {entry["id"]: entry for entry in vectors()}
    for dtype, needles in patterns.items():
        result = by_id[f"valid.dtype.{dtype}"]["result"]
        text = (SUITE / result["path"]).read_text(encoding="utf-8")
        values = re.search(r'"hex":"([0-9a-f]*)","length":[0-9]+,"name":"values"', text)
        assert values is not None, dtype
        size = len(needles[0])
        words = {values.group(1)[i : i + size] for i in range(0, len(values.group(1)), size)}
        assert set(needles) <= words, dtype


def test_every_op_has_a_valid_vector() -> None:
    ops = re.findall(r"^#### 10\.[0-9]+\.[0-9]+ ([A-Za-z0-9]+)$", section("10"), re.M)
    assert len(ops) >= 44
    tagged = _tags("op")
    assert sorted(op for op in ops if not tagged[op]) == []


def test_every_graph_and_training_rule_has_an_invalid_vector() -> None:
    """Each code of §9-11 (except the runtime's) and each named structural rule of §9.2-9.10."""
    codes = {code for code, where in error_codes().items() if where.split(".")[0] in ("9", "10", "11")}
    codes -= set(manifest()["not_applicable"])
    covered = {entry["error"] for entry in vectors() if entry["expected"] == "invalid"}
    assert sorted(codes - covered) == []
    rules = _tags("graph-rule")
    for rule in (
        "cycle",
        "use-before-definition",
        "self-loop",
        "value-defined-twice",
        "node-duplicate",
        "op-unknown",
        "arity-too-many-inputs",
        "attribute-missing",
        "slot-missing",
        "tensor-missing",
        "output-unknown",
        "opset-core-newer",
        "shape-not-broadcastable",
        "extension-tensor-missing",
    ):
        assert rules[rule], rule
    assert len(_tags("training-rule")) >= 20


def test_every_security_pitfall_has_a_vector() -> None:
    pitfalls = re.findall(r"^### (17\.[0-9]+) ", section("17"), re.M)
    assert len(pitfalls) >= 16
    tagged = _tags("pitfall")
    assert sorted(p for p in pitfalls if not tagged[p]) == []


def test_signature_coverage() -> None:
    verify = vectors("verify")
    valid = [entry for entry in verify if entry["expected"] == "valid"]
    algorithms = {entry["result"]["document"]["algorithm"] for entry in valid}
    assert algorithms == {"ed25519", "ecdsa-p256-sha256"}
    assert any(len(entry["keys"]) > 1 for entry in valid), "several trusted keys"
    assert any("two-signers" in entry["id"] for entry in valid), "several signers"
    assert any("unknown-algorithm" in entry["id"] for entry in valid)
    failures = {entry["error"] for entry in verify if entry["expected"] == "invalid"}
    assert {"SIGNATURE_MISSING", "SIGNATURE_UNTRUSTED", "SIGNATURE_INVALID", "SIGNATURE_BLOCK"} <= failures


def test_write_tasks_cover_canonical_form() -> None:
    writes = vectors("write")
    tags = {tag for entry in writes for tag in entry.get("tags", ())}
    assert {"jcs:key-order", "jcs:numbers", "jcs:strings"} <= tags
    assert any(entry["expected"] == "invalid" for entry in writes)
    assert any(entry["id"] == "write.valid.appendix-a" for entry in writes)


def test_acceptable_vectors_say_why() -> None:
    for entry in vectors():
        if entry["expected"] == "acceptable":
            assert len(entry["reason"]) > 40, entry["id"]
