"""The manifest is valid against its JSON Schema, and every byte it points at is what it says.

A suite whose hashes drift, whose files were edited by hand or whose ids were reused cannot prove
anything about an implementation; these checks run before any implementation is judged.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conformance_helpers import SUITE, manifest, vectors
from modelfmt.conformance import SuiteError, _compare, _recipe, load_suite


def _sha256(path: Path) -> tuple[str, int]:
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), len(data)


def test_manifest_matches_its_json_schema() -> None:
    schema = json.loads((SUITE / "manifest.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(manifest()))
    assert [f"{list(error.absolute_path)}: {error.message}" for error in errors] == []


def test_the_runner_loads_the_suite() -> None:
    suite = load_suite(SUITE)
    assert len(suite.vectors) == len(manifest()["vectors"])


def _files(entry: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    if "path" in entry:
        found.append(entry)
    for key in ("result", "output"):
        if key in entry and "path" in entry[key]:
            found.append(entry[key])
    return found


def test_every_file_has_the_pinned_sha256_and_size() -> None:
    wrong = []
    for entry in vectors():
        for ref in _files(entry):
            digest, size = _sha256(SUITE / ref["path"])
            if digest != ref["sha256"] or ("size" in ref and size != ref["size"]):
                wrong.append(ref["path"])
    for key in manifest()["keys"]:
        for ref in (key["public"], key["private"]):
            if _sha256(SUITE / ref["path"])[0] != ref["sha256"]:
                wrong.append(ref["path"])
    assert wrong == []


def test_every_recipe_builds_the_pinned_bytes() -> None:
    recipes = [entry for entry in vectors() if "recipe" in entry]
    assert recipes, "the large limits are recipes"
    for entry in recipes:
        digest = hashlib.sha256()
        size = 0
        for chunk in _recipe.chunks(entry["recipe"]):
            digest.update(chunk)
            size += len(chunk)
        assert (digest.hexdigest(), size) == (entry["sha256"], entry["size"]), entry["id"]


def test_result_files_hold_exactly_the_canonical_form_they_pin() -> None:
    for entry in vectors():
        result = entry.get("result")
        if result is None:
            continue
        if "path" in result:
            data = (SUITE / result["path"]).read_bytes()
            assert _compare.canonical(_compare.load(data)).encode("utf-8") == data, entry["id"]
        if "document" in result:
            text = _compare.canonical(_compare.of_value(result["document"])).encode("utf-8")
            assert hashlib.sha256(text).hexdigest() == result["sha256"], entry["id"]


def test_no_file_is_outside_the_manifest() -> None:
    listed = {ref["path"] for entry in vectors() for ref in _files(entry)}
    listed |= {ref["path"] for key in manifest()["keys"] for ref in (key["public"], key["private"])}
    listed.add("keys/README.md")
    on_disk = {
        str(path.relative_to(SUITE))
        for folder in ("vectors", "keys")
        for path in (SUITE / folder).rglob("*")
        if path.is_file()
    }
    assert on_disk - listed == set(), "files nobody generated (edited or added by hand?)"
    assert listed - on_disk == set()


def test_ids_are_unique_well_formed_never_retired_and_name_their_files() -> None:
    ids = [entry["id"] for entry in vectors()]
    assert len(ids) == len(set(ids))
    assert set(ids).isdisjoint(manifest()["retired_ids"])
    for entry in vectors():
        kind, outcome = entry["kind"], entry["expected"]
        prefix = outcome if kind == "read" else f"{kind}.{outcome}"
        assert entry["id"].startswith(prefix + "."), entry["id"]
        if "path" in entry:
            rest = entry["id"][len(prefix) + 1 :]
            suffix = ".task.json" if kind == "write" else ".mf"
            assert entry["path"] == f"vectors/{kind}/{outcome}/{rest}{suffix}"


def test_keys_are_test_keys_with_a_warning() -> None:
    readme = (SUITE / "keys" / "README.md").read_text(encoding="utf-8")
    assert "TEST ONLY" in readme and "never" in readme.lower()
    for key in manifest()["keys"]:
        assert re.fullmatch(r"test-[a-z0-9-]+", key["name"])


def test_verify_vectors_name_existing_public_key_files() -> None:
    for entry in vectors("verify"):
        for key in entry["keys"]:
            assert (SUITE / key).is_file() and key.endswith(".pub"), entry["id"]


def test_a_runner_without_jsonschema_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jsonschema", None)  # `import jsonschema` now raises ImportError
    with pytest.raises(SuiteError, match=r"modelfmt\[conformance\]"):
        load_suite(SUITE)
