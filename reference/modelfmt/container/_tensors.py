"""The tensor table of SPEC.md §7: `TensorInfo`, and the rules of a tensor entry, each stated once.

A reader checks an entry in the order of §7.2 and reports the first failure: `entry_form` (steps 1-3: an
object with exactly the seven keys, each of its JSON type and form), then `ENTRY_RULES` (steps 4-10, in
order). A writer judges the table it would write with the same steps (`accept_columns`, and the reader's
whole validation when one fails), so it refuses exactly the tables a reader rejects, with the reader's code.

Every step also has a column form, which judges all entries at once with builtins that loop in C
(`columns_of`, `has_json_form`, then each rule's `holds`): `validate_table` tries those first, so that a
valid table of 10^5 entries costs milliseconds, not a Python loop per field. Only a table that breaks a
rule is walked entry by entry, to report the first failure in the spec's order. The two forms of each step
sit side by side below, and tests/core/test_core_tensor_rules.py shows on random tables that the column
forms accept exactly the tables the entry-by-entry walk accepts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import accumulate, chain, repeat
from operator import itemgetter
from typing import Final, Literal, NamedTuple, cast

from ..format import _json
from ..format._dtypes import DTYPES, byte_lengths
from ..format._errors import Code, error
from ..format._framing import ALIGNMENT, align, align_each
from ..format._limits import DEFAULT_LIMITS, MAX_SAFE_INTEGER, Limits, zero_size_extent_problem
from ..format._names import FORBIDDEN_IN_NAMES, name_problem
from ..format._objects import check_keys

# The roles of SPEC.md §7.7, in its order.
Role = Literal["parameter", "buffer", "optimizer", "other"]
ROLES: Final[tuple[Role, ...]] = ("parameter", "buffer", "optimizer", "other")
_ROLE_SET: Final = frozenset(ROLES)

TENSOR_KEYS: Final = ("name", "dtype", "shape", "offset", "length", "sha256", "role")
_TENSOR_KEY_SET: Final = frozenset(TENSOR_KEYS)

_SHA256: Final = re.compile(r"[0-9a-f]{64}")


class TensorInfo(NamedTuple):
    """One row of the tensor table. `offset` is relative to the start of the data section.

    A NamedTuple rather than a dataclass: a file may hold 262144 of them, and tuples are built fastest."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    offset: int
    length: int
    sha256: str
    role: Role

    @property
    def end(self) -> int:
        return self.offset + self.length

    @property
    def element_count(self) -> int:
        return math.prod(self.shape)

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "shape": list(self.shape),
            "offset": self.offset,
            "length": self.length,
            "sha256": self.sha256,
            "role": self.role,
        }


Table = tuple[tuple[TensorInfo, ...], dict[str, TensorInfo]]  # the entries, and the same by name


def validate_table(entries: Sequence[object], limits: Limits = DEFAULT_LIMITS) -> Table:
    """§7.2-7.5 for a parsed `tensors` array: the table, or the error of the first entry, and of its first
    step, that fails."""
    accepted = accept_by_columns(entries, limits)
    return accepted if accepted is not None else validate_entry_by_entry(entries, limits)


def validate_entry_by_entry(entries: Sequence[object], limits: Limits = DEFAULT_LIMITS) -> Table:
    """`validate_table` without the column forms: each entry through every step, in the spec's order."""
    infos: list[TensorInfo] = []
    by_name: dict[str, TensorInfo] = {}
    previous_end = 0
    for index, entry in enumerate(entries):
        info = entry_form(entry, index)
        place = Place(describe(info.name, index), previous_end, limits, by_name)
        for rule in ENTRY_RULES:
            rule.check(info, place)
        by_name[info.name] = info
        infos.append(info)
        previous_end = info.end
    return tuple(infos), by_name


def describe(name: str, index: int) -> str:
    """How messages name an entry: by its name when that prints well, else by its position."""
    return f"tensor `{name}`" if name.isprintable() and len(name) <= 200 else f"tensor entry {index}"


# ---- steps 1-3: the entry's JSON form -------------------------------------------------------------------


def entry_form(entry: object, index: int) -> TensorInfo:
    """Steps 1-3 of §7.2: an object (HEADER_TYPE), closed (HEADER_UNKNOWN_KEY, HEADER_MISSING_KEY), each key
    of its JSON type and form in the order of the table (HEADER_TYPE; HEADER_NUMBER beyond 2^53-1)."""
    where = f"tensor entry {index}"
    if type(entry) is not dict:
        raise error("HEADER_TYPE", f"{where} must be an object, got {_json.json_type(entry)}")
    if entry.keys() != _TENSOR_KEY_SET:
        check_keys(entry, _TENSOR_KEY_SET, TENSOR_KEYS, where)
    name, dtype_name, shape, offset, length, sha256, role = (entry[key] for key in TENSOR_KEYS)
    if type(name) is not str:
        raise error("HEADER_TYPE", f"{where}: `name` must be a string, got {_json.json_type(name)}")
    where = describe(name, index)
    if type(dtype_name) is not str:
        raise error("HEADER_TYPE", f"{where}: `dtype` must be a string, got {_json.json_type(dtype_name)}", tensor=name)
    if type(shape) is not list:
        raise error("HEADER_TYPE", f"{where}: `shape` must be an array, got {_json.json_type(shape)}", tensor=name)
    for dim in shape:
        if type(dim) is not int:
            raise error(
                "HEADER_TYPE", f"{where}: shape dimensions must be integers, got {_json.json_type(dim)}", tensor=name
            )
    for key, value in (("offset", offset), ("length", length)):
        if type(value) is not int:
            raise error(
                "HEADER_TYPE", f"{where}: `{key}` must be an integer, got {_json.json_type(value)}", tensor=name
            )
        if not 0 <= value <= MAX_SAFE_INTEGER:
            code: Code = "HEADER_NUMBER" if value > MAX_SAFE_INTEGER else "HEADER_TYPE"
            raise error(code, f"{where}: `{key}` must be in 0..2^53-1, got {value}", tensor=name)
    if type(sha256) is not str or _SHA256.fullmatch(sha256) is None:
        raise error("HEADER_TYPE", f"{where}: `sha256` must be 64 lowercase hex digits", tensor=name)
    if type(role) is not str:
        raise error("HEADER_TYPE", f"{where}: `role` must be a string, got {_json.json_type(role)}", tensor=name)
    # The role is only a string here; the role step checks it against ROLES before the table is returned.
    return TensorInfo(name, dtype_name, tuple(shape), offset, length, sha256, cast(Role, role))


class Columns(NamedTuple):
    """A table column by column: the values of each key of §7.2, in table order, as a reader parses them
    or as a writer lays them out (a writer's shapes are tuples, arrays once written). The types below hold
    once `has_json_form` is true, which the rules' column forms assume."""

    names: list[str]
    dtypes: list[str]
    shapes: Sequence[Sequence[int]]
    offsets: list[int]
    lengths: list[int]
    digests: list[str]
    roles: list[str]

    def entries(self) -> list[dict[str, object]]:
        """The table as a reader parses it: one object per entry."""
        shapes = [list(shape) if type(shape) is tuple else shape for shape in self.shapes]
        rows = zip(*self._replace(shapes=shapes), strict=True)
        return [dict(zip(TENSOR_KEYS, row, strict=True)) for row in rows]


_COLUMN_GETTERS: Final = tuple(itemgetter(key) for key in TENSOR_KEYS)


def columns_of(entries: Sequence[object]) -> Columns | None:
    """Steps 1-2 for every entry at once: the columns if every entry is an object with exactly the seven
    keys, else None."""
    try:
        if set(map(type, entries)) - {dict} or set(map(len, entries)) - {len(TENSOR_KEYS)}:  # type: ignore[arg-type]
            return None
        # One pass per column (a zip over 10^5 rows costs several times more). Seven keys, none missing:
        # exactly the seven.
        return Columns._make(list(map(getter, entries)) for getter in _COLUMN_GETTERS)  # type: ignore[arg-type]
    except KeyError:
        return None


def has_json_form(columns: Columns, *, own_layout: bool = False) -> bool:
    """Step 3 for every entry at once: each value of its JSON type and form. With `own_layout` the table is
    a writer's: shapes are tuples, and the digests are placeholders, of their form by construction."""
    names, dtypes, shapes, offsets, lengths, digests, roles = columns
    return (
        _all_of_type(names, str)
        and _all_of_type(dtypes, str)
        and _all_of_type(shapes, tuple if own_layout else list)
        and _all_of_type(chain.from_iterable(shapes), int)
        and _all_of_type(offsets, int)
        and _all_in_range(offsets)
        and _all_of_type(lengths, int)
        and _all_in_range(lengths)
        and (own_layout or _are_digests(digests))
        and _all_of_type(roles, str)
    )


def _are_digests(values: list[str]) -> bool:
    return _all_of_type(values, str) and not set(map(len, values)) - {64} and _is_lower_hex("".join(values))


def _all_of_type(values: Iterable[object], kind: type) -> bool:
    return not set(map(type, values)) - {kind}


def _all_in_range(values: list[int]) -> bool:
    return not values or (min(values) >= 0 and max(values) <= MAX_SAFE_INTEGER)


def _is_lower_hex(text: str) -> bool:
    """True when `text` holds only 0-9 and a-f (deleting those bytes leaves nothing: one pass in C)."""
    return text.isascii() and not text.encode("ascii").translate(None, b"0123456789abcdef")


# ---- steps 4-10: the rules, each in its two forms -----------------------------------------------------------


class Place(NamedTuple):
    """What checking one entry needs besides the entry itself."""

    where: str  # the entry, as messages name it
    previous_end: int  # where the previous tensor ends (0 for the first)
    limits: Limits
    earlier: Mapping[str, TensorInfo]  # the entries before it, by name


class EntryRule(NamedTuple):
    """One step of §7.2 after the JSON form. `check` judges one entry and raises the step's error; `holds`
    judges every entry of a table at once (all have their JSON form) and is True when none breaks it."""

    step: str
    codes: frozenset[str]  # what `check` raises
    check: Callable[[TensorInfo, Place], None]
    holds: Callable[[Columns, Limits], bool]
    # A step that judges the layout (lengths and offsets). A writer computes its layout with the very
    # functions `holds` applies (`byte_lengths`, `align_each`), so it need not judge it again.
    layout: bool = False


# -- step 4: the name (§7.3)


def check_name(name: str, where: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """§7.3: 1 to 1024 UTF-8 bytes, no control characters (uniqueness is step 10)."""
    problem = name_problem(name, limits.max_name_bytes)
    if problem is not None:
        raise error("TENSOR_NAME", f"{where}: name {problem}", tensor=name)


def _names_hold(columns: Columns, limits: Limits) -> bool:
    names = columns.names
    joined = "".join(names)
    if joined.isascii():
        # For ASCII, printable means no C0 control and no DEL, and a character is a byte.
        return joined.isprintable() and all(names) and max(map(len, names)) <= limits.max_name_bytes
    if FORBIDDEN_IN_NAMES.search(joined) is not None:  # also any lone surrogate, which UTF-8 cannot encode
        return False
    return all(names) and max(map(len, map(str.encode, names))) <= limits.max_name_bytes


# -- step 5: the dtype (§6.1)


def _check_dtype(info: TensorInfo, place: Place) -> None:
    if info.dtype not in DTYPES:
        raise error("DTYPE_UNKNOWN", f"{place.where}: unknown dtype {_json.show(info.dtype)}", tensor=info.name)


def _dtypes_hold(columns: Columns, limits: Limits) -> bool:
    return set(columns.dtypes) <= DTYPES.keys()


# -- step 6: the role (§7.7)


def _check_role(info: TensorInfo, place: Place) -> None:
    if info.role not in _ROLE_SET:
        raise error(
            "ROLE_UNKNOWN",
            f"{place.where}: unknown role {_json.show(info.role)}; roles are {', '.join(ROLES)}",
            tensor=info.name,
        )


def _roles_hold(columns: Columns, limits: Limits) -> bool:
    return set(columns.roles) <= _ROLE_SET


# -- step 7: the shape (§7.4)


def check_shape(shape: Sequence[int], name: str, where: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """§7.4: rank within the limit, every dimension 0..2^53-1, a zero-size shape's extent within 2^53-1."""
    if len(shape) > limits.max_rank:
        raise error(
            "SHAPE_INVALID",
            f"{where}: rank {len(shape)} exceeds the limit {limits.max_rank} ({limits.describe('max_rank')})",
            tensor=name,
        )
    for dim in shape:
        if dim < 0:
            raise error("SHAPE_INVALID", f"{where}: negative dimension {dim}", tensor=name)
        if dim > MAX_SAFE_INTEGER:
            raise error("HEADER_NUMBER", f"{where}: dimension {dim} exceeds 2^53-1", tensor=name)
    problem = zero_size_extent_problem(shape)
    if problem is not None:
        raise error("SHAPE_INVALID", f"{where}: {problem}", tensor=name)


def _shapes_hold(columns: Columns, limits: Limits) -> bool:
    if max(map(len, columns.shapes)) > limits.max_rank:
        return False
    dims = list(chain.from_iterable(columns.shapes))
    if dims and (min(dims) < 0 or max(dims) > MAX_SAFE_INTEGER):
        return False
    return 0 not in dims or not any(zero_size_extent_problem(shape) for shape in columns.shapes if 0 in shape)


# -- step 8: the length (§7.4), in exact integer arithmetic


def _check_length(info: TensorInfo, place: Place) -> None:
    expected = DTYPES[info.dtype].byte_length(math.prod(info.shape))
    if info.length != expected:
        raise error(
            "TENSOR_LENGTH",
            f"{place.where}: length is {info.length}, expected {expected} for shape {list(info.shape)} of {info.dtype}",
            tensor=info.name,
        )


def _lengths_hold(columns: Columns, limits: Limits) -> bool:
    return columns.lengths == byte_lengths(columns.dtypes, map(math.prod, columns.shapes))


# -- step 9: the offset (§7.5): exactly the next 64-byte boundary after the previous tensor


def _check_placement(info: TensorInfo, place: Place) -> None:
    offset, previous_end = info.offset, place.previous_end
    if offset % ALIGNMENT:
        raise error(
            "TENSOR_MISALIGNED", f"{place.where}: offset {offset} is not a multiple of {ALIGNMENT}", tensor=info.name
        )
    if offset < previous_end:
        raise error(
            "TENSOR_OVERLAP",
            f"{place.where}: offset {offset} is inside the previous tensor, which ends at {previous_end}",
            tensor=info.name,
        )
    if offset != align(previous_end):
        raise error(
            "TENSOR_GAP",
            f"{place.where}: offset {offset} leaves a hole; expected {align(previous_end)}",
            tensor=info.name,
        )


def _placements_hold(columns: Columns, limits: Limits) -> bool:
    # Each offset is aligned, so align(offset + length) = offset + align(length): offsets are a running sum.
    return columns.offsets == list(accumulate(align_each(columns.lengths[:-1]), initial=0))


# -- step 10: the name against all earlier names (§7.3)


def _check_unique(info: TensorInfo, place: Place) -> None:
    if info.name in place.earlier:
        raise error("TENSOR_NAME_DUPLICATE", f"tensor name `{info.name}` appears twice", tensor=info.name)


def _names_unique(columns: Columns, limits: Limits) -> bool:
    return len(set(columns.names)) == len(columns.names)


def _check_name_rule(info: TensorInfo, place: Place) -> None:
    check_name(info.name, place.where, place.limits)


def _check_shape_rule(info: TensorInfo, place: Place) -> None:
    check_shape(info.shape, info.name, place.where, place.limits)


# Steps 4-10 of §7.2, in order.
ENTRY_RULES: Final = (
    EntryRule("name (§7.3)", frozenset({"TENSOR_NAME"}), _check_name_rule, _names_hold),
    EntryRule("dtype (§6.1)", frozenset({"DTYPE_UNKNOWN"}), _check_dtype, _dtypes_hold),
    EntryRule("role (§7.7)", frozenset({"ROLE_UNKNOWN"}), _check_role, _roles_hold),
    EntryRule("shape (§7.4)", frozenset({"SHAPE_INVALID", "HEADER_NUMBER"}), _check_shape_rule, _shapes_hold),
    EntryRule("length (§7.4)", frozenset({"TENSOR_LENGTH"}), _check_length, _lengths_hold, layout=True),
    EntryRule(
        "offset (§7.5)",
        frozenset({"TENSOR_MISALIGNED", "TENSOR_OVERLAP", "TENSOR_GAP"}),
        _check_placement,
        _placements_hold,
        layout=True,
    ),
    EntryRule("unique name (§7.3)", frozenset({"TENSOR_NAME_DUPLICATE"}), _check_unique, _names_unique),
)


def accept_by_columns(entries: Sequence[object], limits: Limits = DEFAULT_LIMITS) -> Table | None:
    """The table if every entry passes every step, judged column by column; else None."""
    if not entries:
        return (), {}
    columns = columns_of(entries)
    return None if columns is None else accept_columns(columns, limits)


def accept_columns(columns: Columns, limits: Limits = DEFAULT_LIMITS, *, own_layout: bool = False) -> Table | None:
    """`accept_by_columns` for a table already in columns: steps 3-10. `own_layout`: the table is a writer's,
    whose lengths, offsets and digests it computed itself; the steps that judge only those are skipped."""
    if not columns.names:
        return (), {}
    rules = [rule for rule in ENTRY_RULES if not (own_layout and rule.layout)]
    if not has_json_form(columns, own_layout=own_layout) or not all(rule.holds(columns, limits) for rule in rules):
        return None
    names, dtypes, shapes, offsets, lengths, digests, roles = columns
    rows = zip(names, dtypes, map(tuple, shapes), offsets, lengths, digests, roles, strict=True)
    infos = tuple(map(tuple.__new__, repeat(TensorInfo), rows))  # TensorInfo._make without a call per row
    return infos, dict(zip(names, infos, strict=True))
