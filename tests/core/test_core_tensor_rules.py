"""The rules of a tensor entry (SPEC.md §7.2-7.5) have two forms that must agree (container/_tensors.py).

A reader judges a table column by column first (`accept_by_columns`, builtins looping in C), and walks it
entry by entry (`validate_entry_by_entry`, the spec's order of steps) only when that fails. Random tables,
valid and damaged, show that the column forms accept exactly the tables the entry-by-entry walk accepts,
under the default limits and lowered ones, and that the walk reports the code of the rule a single
damage breaks.

Tables are built here from their own arithmetic (core_helpers: element sizes, align64), not by the package.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import modelfmt
from core_helpers import ELEMENT_BYTES, align64
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelfmt import Limits, ModelfmtError
from modelfmt.container._tensors import ENTRY_RULES, accept_by_columns, validate_entry_by_entry, validate_table
from modelfmt.format._dtypes import byte_lengths
from modelfmt.format._framing import align, align_each
from modelfmt.format._limits import zero_size_extent_problem

Entry = dict[str, object]
MAX_SAFE_INTEGER = 2**53 - 1

# Names at the edges of §7.3: exactly 1024 UTF-8 bytes in 1-, 2- and 4-byte characters, and printable
# non-ASCII that the column form must measure in bytes rather than characters.
EDGE_NAMES = ["a" * 1024, "é" * 512, "😀" * 256, "名" * 341 + "a", "x", " ", "~", "\u00a0", "\u200f", "\ufeff"]
VALID_NAMES = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc",)), min_size=1, max_size=6),
    st.text(alphabet="ab.é😀", min_size=1, max_size=4),
    st.sampled_from(EDGE_NAMES),
)
# Names that break §7.3: too long by one byte (in each width), empty, control characters, lone surrogates.
BAD_NAMES = ["a" * 1025, "é" * 512 + "a", "😀" * 256 + "a", "", "a\nb", "\x00", "tab\t", "del\x7f", "\x85", "\ud800x"]
DTYPES = sorted(ELEMENT_BYTES)
ROLES = ["parameter", "buffer", "optimizer", "other"]
HEX = "0123456789abcdef"
LIMITS = st.sampled_from([Limits(), Limits(max_name_bytes=4, max_rank=2), Limits(max_name_bytes=1024, max_rank=0)])
JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**60), 2**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=4),
    st.lists(st.integers(-2, 3), max_size=3),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)


@st.composite
def valid_tables(draw: st.DrawFn) -> list[Entry]:
    names = draw(st.lists(VALID_NAMES, min_size=0, max_size=8, unique=True))
    entries: list[Entry] = []
    end = 0
    for name in names:
        offset = align64(end)
        if offset > MAX_SAFE_INTEGER:  # no entry can follow a tensor that ends this late
            break
        dtype = draw(st.sampled_from(DTYPES))
        # Mostly small, sometimes huge: a table may describe up to 2^53-1 bytes (the file is then merely
        # truncated), and an entry may end beyond 2^53-1.
        shape = draw(st.lists(st.one_of(st.integers(0, 3), st.integers(0, 50).map(lambda k: 2**k)), max_size=3))
        length = math.prod(shape) * ELEMENT_BYTES[dtype]
        if length > MAX_SAFE_INTEGER or zero_size_extent_problem(shape) is not None:
            shape, length = [0], 0
        digest = draw(st.text(alphabet=HEX, min_size=64, max_size=64))
        role = draw(st.sampled_from(ROLES))
        entries.append(
            {
                "name": name,
                "dtype": dtype,
                "shape": shape,
                "offset": offset,
                "length": length,
                "sha256": digest,
                "role": role,
            }
        )
        end = offset + length
    return entries


def outcome(run: Callable[[], object]) -> object:
    try:
        return run()
    except ModelfmtError as exc:
        return exc.code


# ---- the column forms accept exactly what the walk accepts -------------------------------------------------


@st.composite
def damaged_tables(draw: st.DrawFn) -> list[object]:
    """A valid table with up to three random kinds of damage, anywhere."""
    table: list[object] = list(draw(valid_tables()))
    for _ in range(draw(st.integers(0, 3))):
        if not table:
            table.append(draw(JSON_VALUES))
            continue
        index = draw(st.integers(0, len(table) - 1))
        entry = table[index]
        if not isinstance(entry, dict) or not entry:
            continue
        key = draw(st.sampled_from(sorted(entry)))
        kind = draw(st.integers(0, 9))
        if kind == 0:
            entry[key] = draw(JSON_VALUES)
        elif kind == 1:
            del entry[key]
        elif kind == 2:
            entry[draw(st.sampled_from(["extra", "Name", "sha"]))] = 0
        elif kind == 3:
            table[index] = draw(JSON_VALUES)
        elif kind == 4:
            entry["name"] = draw(st.one_of(st.sampled_from(BAD_NAMES), VALID_NAMES))
        elif kind == 5:
            entry["dtype"] = draw(st.sampled_from(["float128", "Float32", "", "int4", "bool "]))
        elif kind == 6:
            dims = st.one_of(st.integers(-3, 3), st.just(MAX_SAFE_INTEGER + 1), st.sampled_from([True, 1.0, "1"]))
            entry["shape"] = draw(st.lists(dims, max_size=18))
        elif kind == 7:
            field = draw(st.sampled_from(["offset", "length"]))
            value = entry.get(field)
            if type(value) is int:
                entry[field] = value + draw(st.sampled_from([-64, -1, 1, 63, 64, MAX_SAFE_INTEGER]))
        elif kind == 8:
            entry["name"] = draw(st.sampled_from([other.get("name") for other in table if isinstance(other, dict)]))
        else:
            entry["role"] = draw(st.sampled_from(["weight", "Parameter", "", "parameter "]))
    return table


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_tables(), LIMITS)
def test_the_column_forms_accept_exactly_what_the_walk_accepts(table: list[object], limits: Limits) -> None:
    by_columns = accept_by_columns(table, limits)
    walked = outcome(lambda: validate_entry_by_entry(table, limits))
    if by_columns is None:
        assert isinstance(walked, str), "the column forms refused a table every step accepts"
    else:
        assert by_columns == walked, "the column forms accepted a table a step refuses"
    assert outcome(lambda: validate_table(table, limits)) == walked


@settings(max_examples=150, deadline=None)
@given(valid_tables())
def test_valid_tables_are_accepted_by_columns(table: list[Entry]) -> None:
    accepted = accept_by_columns(table)
    assert accepted is not None
    infos, by_name = accepted
    assert [info.as_json() for info in infos] == table
    assert list(by_name) == [entry["name"] for entry in table]


def test_a_table_may_end_beyond_2_53() -> None:
    # Every offset and length is within 2^53-1 while the last tensor ends beyond it: no rule of §7 refuses
    # that (the file is truncated, phase 4), so neither form may.
    half = 2**52
    table = [
        {"name": name, "dtype": "uint8", "shape": [half], "offset": offset, "length": half, "sha256": "0" * 64}
        for name, offset in (("a", 0), ("b", half))
    ]
    for entry in table:
        entry["role"] = "other"
    assert accept_by_columns(table) == validate_entry_by_entry(table)


# ---- the walk reports the code of the rule a damage breaks ----------------------------------------------

Damage = Callable[[list[Entry], int], None]


def setter(key: str, value: object) -> Damage:
    def damage(table: list[Entry], index: int) -> None:
        table[index][key] = value

    return damage


def shifted(key: str, delta: int) -> Damage:
    def damage(table: list[Entry], index: int) -> None:
        value = table[index][key]
        assert type(value) is int
        table[index][key] = value + delta

    return damage


def renamed_like_the_first(table: list[Entry], index: int) -> None:
    table[index]["name"] = table[0]["name"]


def replaced(value: object) -> Damage:
    def damage(table: list[Entry], index: int) -> None:
        table[index] = value  # type: ignore[call-overload]

    return damage


def without(key: str) -> Damage:
    def damage(table: list[Entry], index: int) -> None:
        del table[index][key]

    return damage


# (what, damage, the code a reader reports, whether the damaged entry may be the first one)
DAMAGES: list[tuple[str, Damage, str, bool]] = [
    ("not an object", replaced([1]), "HEADER_TYPE", True),
    ("extra key", setter("extra", 1), "HEADER_UNKNOWN_KEY", True),
    ("missing key", without("sha256"), "HEADER_MISSING_KEY", True),
    ("name a number", setter("name", 7), "HEADER_TYPE", True),
    ("dtype null", setter("dtype", None), "HEADER_TYPE", True),
    ("shape an object", setter("shape", {}), "HEADER_TYPE", True),
    ("dimension a float", setter("shape", [1.0]), "HEADER_TYPE", True),
    ("dimension a boolean", setter("shape", [True]), "HEADER_TYPE", True),
    ("negative offset", setter("offset", -64), "HEADER_TYPE", True),
    ("length a float", setter("length", 4.0), "HEADER_TYPE", True),
    ("length beyond 2^53-1", setter("length", MAX_SAFE_INTEGER + 1), "HEADER_NUMBER", True),
    ("digest uppercase", setter("sha256", "A" * 64), "HEADER_TYPE", True),
    ("digest short", setter("sha256", "a" * 63), "HEADER_TYPE", True),
    ("role a list", setter("role", []), "HEADER_TYPE", True),
    *((f"name {name[:8]!r}", setter("name", name), "TENSOR_NAME", True) for name in BAD_NAMES),
    ("unknown dtype", setter("dtype", "float128"), "DTYPE_UNKNOWN", True),
    ("unknown role", setter("role", "weight"), "ROLE_UNKNOWN", True),
    ("rank 17", setter("shape", [1] * 17), "SHAPE_INVALID", True),
    ("negative dimension", setter("shape", [-1]), "SHAPE_INVALID", True),
    ("dimension beyond 2^53-1", setter("shape", [MAX_SAFE_INTEGER + 1]), "HEADER_NUMBER", True),
    ("length one more", shifted("length", 1), "TENSOR_LENGTH", True),
    ("offset one more", shifted("offset", 1), "TENSOR_MISALIGNED", True),
    ("offset a boundary late", shifted("offset", 64), "TENSOR_GAP", True),
    ("offset a boundary early", shifted("offset", -64), "TENSOR_OVERLAP", False),
    ("name of the first entry", renamed_like_the_first, "TENSOR_NAME_DUPLICATE", False),
]


def damageable(table: list[Entry], code: str, first_allowed: bool) -> list[int]:
    """The entries a damage can be the first failure of."""
    return [
        index
        for index, entry in enumerate(table)
        if (index > 0 or first_allowed)
        # Moving an offset a boundary earlier overlaps the previous tensor only if one ends after 0.
        and (code != "TENSOR_OVERLAP" or entry["offset"] != 0)
    ]


@st.composite
def damaged_once(draw: st.DrawFn) -> tuple[list[Entry], str]:
    _, damage, code, first_allowed = draw(st.sampled_from(DAMAGES))
    table = draw(valid_tables().filter(lambda entries: bool(damageable(entries, code, first_allowed))))
    damage(table, draw(st.sampled_from(damageable(table, code, first_allowed))))
    return table, code


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(damaged_once())
def test_one_damage_is_reported_with_the_code_of_its_rule(case: tuple[list[Entry], str]) -> None:
    table, code = case
    assert accept_by_columns(table) is None
    assert outcome(lambda: validate_entry_by_entry(table)) == code
    assert outcome(lambda: validate_table(copy.deepcopy(table))) == code


def test_every_code_of_a_rule_has_a_damage_that_breaks_it() -> None:
    codes = {code for rule in ENTRY_RULES for code in rule.codes}
    assert codes <= set(modelfmt.ERROR_CODES)
    damaged = {code for _, _, code, _ in DAMAGES}
    assert codes <= damaged, f"rules without a damage that breaks them: {sorted(codes - damaged)}"


# ---- the bulk forms of the layout formulas ---------------------------------------------------------------


@given(st.lists(st.integers(-(2**60), 2**60), max_size=20))
def test_align_each_is_align(offsets: list[int]) -> None:
    assert list(align_each(offsets)) == [align(offset) for offset in offsets]


@given(st.lists(st.tuples(st.sampled_from(sorted(modelfmt.DTYPES)), st.integers(0, 2**40)), max_size=20))
def test_byte_lengths_is_byte_length(pairs: list[tuple[str, int]]) -> None:
    names = [name for name, _ in pairs]
    counts = [count for _, count in pairs]
    assert byte_lengths(names, counts) == [modelfmt.DTYPES[name].byte_length(count) for name, count in pairs]
    assert byte_lengths(names, counts) == [ELEMENT_BYTES[name] * count for name, count in pairs]
