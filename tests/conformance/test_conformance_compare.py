"""The runner's comparison of result documents: its fast canonical form equals RFC 8785's, numbers compare
as doubles, output is parsed strictly; and recipes build exactly what they say."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from modelfmt.conformance import _compare, _recipe
from modelfmt.format import _json

keys = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=6)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53 - 1), 2**53 - 1)
    | st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=8)
)
json_values = st.recursive(
    scalars | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_canonical_form_of_a_loaded_document_is_rfc_8785(value: object) -> None:
    document = _compare.load(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    assert _compare.canonical(document) == _json.canonical(value)


def test_numbers_compare_as_doubles() -> None:
    assert _compare.first_difference({"a": 1}, {"a": 1.0}) is None
    assert _compare.first_difference([1e21], [1000000000000000000000]) is None
    assert _compare.first_difference([9007199254740992.0], [9007199254740993]) is None  # both round to 2^53
    assert _compare.first_difference({"a": [1, 2]}, {"a": [1, 3]}) == "/a/1: expected 2, got 3"
    assert _compare.first_difference({"a": 1}, {}) == "/a: missing (expected 1)"


@pytest.mark.parametrize("text", [b'{"a":1,"a":2}', b'{"a":NaN}', b"\xff", b"{", b'{"a":1}x'])
def test_malformed_output_is_rejected(text: bytes) -> None:
    with pytest.raises(_compare.OutputError):
        _compare.load(text)


def test_huge_numbers_have_no_canonical_form() -> None:
    with pytest.raises(_compare.OutputError):
        _compare.canonical(_compare.load(b"[1e400]"))


def test_recipe_parts(tmp_path: Path) -> None:
    recipe = {
        "parts": [
            {"hex": "00ff", "repeat": 2},
            {"text": "é"},
            {"template": "<{i}>", "count": 3, "width": 2, "separator": ","},
        ]
    }
    assert _recipe.build(recipe) == b"\x00\xff\x00\xff\xc3\xa9<00>,<01>,<02>"
    out = _recipe.materialise(recipe, tmp_path / "x", sha256=_sha(_recipe.build(recipe)), size=20)
    assert out.read_bytes() == _recipe.build(recipe)
    with pytest.raises(_recipe.RecipeError):
        _recipe.materialise(recipe, tmp_path / "y", sha256="0" * 64, size=20)
    with pytest.raises(_recipe.RecipeError):
        _recipe.build({"parts": [{"bytes": "00"}]})


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
