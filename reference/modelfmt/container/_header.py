"""The header object of SPEC.md §7-8: validation of a parsed header, and the model a reader gets.

No I/O: `validate` takes the parsed JSON and the preamble and returns a `Header`, or raises the error
of the first rule that fails, in the order of §13 phases 2-3.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain, compress, repeat
from operator import itemgetter, mul, not_
from types import MappingProxyType
from typing import Final, NamedTuple

from ..format import _json
from ..format._dtypes import DTYPES, DType
from ..format._errors import FormatError, error
from ..format._framing import ALIGNMENT, MINOR_VERSION, Preamble, align
from ..format._limits import DEFAULT_LIMITS, MAX_SAFE_INTEGER, Limits, zero_size_extent_problem
from ..format._names import FORBIDDEN_IN_NAMES, REVERSE_DNS
from ..graph._training import validate_training
from ..graph._validate import validate_architecture

ROLES: Final = ("parameter", "buffer", "optimizer", "other")
_ROLE_SET: Final = frozenset(ROLES)

TOP_LEVEL_REQUIRED: Final = ("tensors", "metadata")
TOP_LEVEL_OPTIONAL: Final = ("architecture", "training", "extensions")
_TOP_LEVEL_KEYS: Final = frozenset(TOP_LEVEL_REQUIRED + TOP_LEVEL_OPTIONAL)

TENSOR_KEYS: Final = ("name", "dtype", "shape", "offset", "length", "sha256", "role")
_TENSOR_KEY_SET: Final = frozenset(TENSOR_KEYS)

# Recommended metadata keys and their JSON types (§8.1); other keys are free-form.
METADATA_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "name": "string",
        "version": "string",
        "license": "string",
        "authors": "array of strings",
        "description": "string",
        "source": "string",
        "tags": "array of strings",
    }
)

_SHA256: Final = re.compile(r"[0-9a-f]{64}")
# Codes that mean "something this reader does not know": for a file of a newer minor version they
# are reported as UNSUPPORTED_VERSION (§15), since a newer minor may define that very thing.
_UNKNOWN_FEATURE_CODES: Final = frozenset({"HEADER_UNKNOWN_KEY", "DTYPE_UNKNOWN", "ROLE_UNKNOWN"})


class TensorInfo(NamedTuple):
    """One row of the tensor table. `offset` is relative to the start of the data section.

    A NamedTuple rather than a dataclass: a file may hold 262144 of them, and tuples are built fastest."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    offset: int
    length: int
    sha256: str
    role: str

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


@dataclass(frozen=True)
class Header:
    """A validated header and the layout it implies."""

    major: int
    minor: int
    header_length: int
    tensors: tuple[TensorInfo, ...]
    metadata: Mapping[str, object]
    architecture: Mapping[str, object] | None = None
    training: Mapping[str, object] | None = None
    extensions: Mapping[str, object] | None = None
    _by_name: Mapping[str, TensorInfo] = field(default_factory=dict, repr=False, compare=False)

    @property
    def data_start(self) -> int:
        return align(24 + self.header_length)

    @property
    def data_length(self) -> int:
        return self.tensors[-1].end if self.tensors else 0

    @property
    def data_end(self) -> int:
        return self.data_start + self.data_length

    def tensor(self, name: str) -> TensorInfo:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no tensor named {name!r} in this file") from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def as_json(self) -> dict[str, object]:
        """The header as JSON-ready data (what `inspect --json` prints)."""
        result: dict[str, object] = {
            "tensors": [info.as_json() for info in self.tensors],
            "metadata": dict(self.metadata),
        }
        for key, value in (
            ("architecture", self.architecture),
            ("training", self.training),
            ("extensions", self.extensions),
        ):
            if value is not None:
                result[key] = value
        return result


def validate(parsed: object, preamble: Preamble, limits: Limits = DEFAULT_LIMITS) -> Header:
    """Phases 2 (tree rules) and 3 (structure) of §13 for a parsed header."""
    try:
        _check_tree_outside_tensors(parsed, limits)
        return _validate_structure(parsed, preamble, limits)
    except FormatError as structural:
        # Phase 2 rules take precedence over phase 3 wherever they are broken. The tensor table is
        # only walked generically when something is already wrong, which keeps valid loads fast.
        _json.check_tree(parsed, depth=0, max_depth=limits.max_depth)
        if structural.code in _UNKNOWN_FEATURE_CODES and preamble.minor > MINOR_VERSION:
            raise error(
                "UNSUPPORTED_VERSION",
                f"this file is modelfmt {preamble.major}.{preamble.minor} and uses a feature this reader "
                f"(1.{MINOR_VERSION}) does not know: {structural}",
                offset=structural.offset,
                tensor=structural.tensor,
                hint="a newer modelfmt release may read it",
            ) from None
        raise


def _check_tree_outside_tensors(parsed: object, limits: Limits) -> None:
    if isinstance(parsed, dict):
        for key, value in parsed.items():
            # A valid tensor table nests 4 deep (root, tensors, entry, shape): checked entry by entry in
            # phase 3 (see validate()), unless the caller lowered the depth limit below that.
            if key == "tensors" and isinstance(value, list) and limits.max_depth >= 4:
                continue
            _json.check_tree({key: value}, depth=0, max_depth=limits.max_depth)
    else:
        _json.check_tree(parsed, depth=0, max_depth=limits.max_depth)


def _validate_structure(parsed: object, preamble: Preamble, limits: Limits) -> Header:
    tensors_value = _validate_top_level(parsed, limits)
    tensors, by_name = _validate_tensor_table(tensors_value, limits)
    metadata, extensions, architecture, training = _validate_structure_rest(parsed, by_name, limits)  # type: ignore[arg-type]
    return Header(
        major=preamble.major,
        minor=preamble.minor,
        header_length=preamble.header_length,
        tensors=tensors,
        metadata=metadata,
        architecture=architecture,
        training=training,
        extensions=extensions,
        _by_name=by_name,
    )


def _validate_top_level(parsed: object, limits: Limits) -> list[object]:
    """Phase 3 steps 1-3: the header object, its keys and their types, the tensor count."""
    if not isinstance(parsed, dict):
        raise error("HEADER_TYPE", f"the header must be a JSON object, got {_json.json_type(parsed)}")
    _check_keys(parsed, _TOP_LEVEL_KEYS, TOP_LEVEL_REQUIRED, where="the header")
    tensors_value = parsed["tensors"]
    if not isinstance(tensors_value, list):
        raise error("HEADER_TYPE", f"`tensors` must be an array, got {_json.json_type(tensors_value)}")
    for key in ("metadata", *TOP_LEVEL_OPTIONAL):  # step 2: every top-level type before any entry
        if key in parsed and not isinstance(parsed[key], dict):
            raise error("HEADER_TYPE", f"`{key}` must be an object, got {_json.json_type(parsed[key])}")
    if len(tensors_value) > limits.max_tensors:
        raise error(
            "TENSOR_COUNT",
            f"{len(tensors_value)} tensors exceed the limit {limits.max_tensors} ({limits.describe('max_tensors')})",
        )
    return tensors_value


def validate_for_writer(infos: Sequence[TensorInfo], sections: Mapping[str, object]) -> None:
    """What a writer must check before writing: the same rules as a reader, but the table's offsets,
    lengths and digests are computed by the writer itself, so only its names and shapes are judged.
    `sections` (metadata, architecture, ...) must be parsed JSON, as a reader would see it."""
    parsed = {**sections, "tensors": []}
    _json.check_tree(parsed, depth=0, max_depth=DEFAULT_LIMITS.max_depth)
    _validate_top_level(parsed, DEFAULT_LIMITS)
    if len(infos) > DEFAULT_LIMITS.max_tensors:
        raise error("TENSOR_COUNT", f"{len(infos)} tensors exceed the limit {DEFAULT_LIMITS.max_tensors}")
    by_name: dict[str, TensorInfo] = {}
    for index, info in enumerate(infos):
        check_name(info.name, f"tensor {index}")
        check_shape(info.shape, info.name, f"tensor {index}")
        if info.name in by_name:
            raise error("TENSOR_NAME_DUPLICATE", f"tensor name `{info.name}` appears twice", tensor=info.name)
        by_name[info.name] = info
    _validate_structure_rest(parsed, by_name, DEFAULT_LIMITS)


_Sections = tuple[
    Mapping[str, object], Mapping[str, object] | None, Mapping[str, object] | None, Mapping[str, object] | None
]


def _validate_structure_rest(parsed: dict[str, object], tensors: Mapping[str, TensorInfo], limits: Limits) -> _Sections:
    """Phase 3 steps 5-8: metadata, extensions, architecture, training (which refer to `tensors`)."""
    metadata = _validate_metadata(parsed["metadata"], limits)
    extensions = _validate_extensions(parsed.get("extensions"))
    architecture = _validate_section(parsed, "architecture")
    if architecture is not None:
        validate_architecture(architecture, tensors)  # §9-10
    training = _validate_section(parsed, "training")
    if training is not None:
        validate_training(training, tensors)  # §11
    return metadata, extensions, architecture, training


def _check_keys(obj: dict[str, object], allowed: frozenset[str], required: tuple[str, ...], *, where: str) -> None:
    for key in obj:
        if key not in allowed:
            raise error("HEADER_UNKNOWN_KEY", f"{where} has an unknown key {_json.show(key)}")
    for key in required:
        if key not in obj:
            raise error("HEADER_MISSING_KEY", f"{where} lacks the required key `{key}`")


def _validate_tensor_table(
    entries: list[object], limits: Limits
) -> tuple[tuple[TensorInfo, ...], dict[str, TensorInfo]]:
    valid = _valid_table_bulk(entries, limits)
    if valid is not None:
        return valid
    infos: list[TensorInfo] = []
    by_name: dict[str, TensorInfo] = {}
    previous_end = 0
    for index, entry in enumerate(entries):
        info = _valid_entry_fast(entry, previous_end, limits)
        if info is None:  # something is wrong: find out what, checking in the order of §7.2
            info = _validate_tensor_entry(entry, index, previous_end, limits)
        if info.name in by_name:
            raise error("TENSOR_NAME_DUPLICATE", f"tensor name `{info.name}` appears twice", tensor=info.name)
        by_name[info.name] = info
        infos.append(info)
        previous_end = info.offset + info.length
    return tuple(infos), by_name


_COLUMN_GETTERS: Final = tuple(itemgetter(key) for key in TENSOR_KEYS)


def _is_lower_hex(text: str) -> bool:
    """True when `text` holds only 0-9 and a-f (deleting those bytes leaves nothing: one pass in C)."""
    return text.isascii() and not text.encode("ascii").translate(None, b"0123456789abcdef")


_BLOCK_BYTES: Final = {name: dtype.block_bytes for name, dtype in DTYPES.items() if dtype.block_elements == 1}


def _aligned_length(length: int) -> int:
    return -(-length // ALIGNMENT) * ALIGNMENT


def _valid_table_bulk(
    entries: list[object], limits: Limits
) -> tuple[tuple[TensorInfo, ...], dict[str, TensorInfo]] | None:
    """The whole table if every entry passes every check of §7.2, else None (then the entry-by-entry
    path finds and reports the first failure in the spec's order). Checks run column by column with
    builtins that loop in C: a table of 10^5 rows costs milliseconds, not a Python loop per field."""
    if not entries:
        return (), {}
    try:
        if set(map(type, entries)) - {dict} or set(map(len, entries)) - {len(TENSOR_KEYS)}:  # type: ignore[arg-type]
            return None
        # One pass per column (a zip over 10^5 rows costs several times more).
        names, dtypes, shapes, offsets, lengths, digests, roles = (
            list(map(getter, entries))  # type: ignore[arg-type]
            for getter in _COLUMN_GETTERS
        )
    except (KeyError, TypeError):
        return None
    joined_names = "".join(names) if not set(map(type, names)) - {str} else None
    if (
        joined_names is None
        or not joined_names.isascii()  # non-ASCII names: the exact path measures their UTF-8 length
        or not joined_names.isprintable()  # for ASCII: no control character
        or min(map(len, names)) == 0
        or max(map(len, names)) > limits.max_name_bytes
        or len(set(names)) != len(names)
        or set(map(type, dtypes)) - {str}
        or not set(dtypes) <= _BLOCK_BYTES.keys()
        or set(map(type, roles)) - {str}
        or not set(roles) <= _ROLE_SET
        or set(map(type, digests)) - {str}
        or set(map(len, digests)) != {64}
        or not _is_lower_hex("".join(digests))
        or set(map(type, shapes)) - {list}
        or max(map(len, shapes)) > limits.max_rank
        or set(map(type, offsets)) - {int}
        or set(map(type, lengths)) - {int}
    ):
        return None
    dims = list(chain.from_iterable(shapes))
    if dims and (set(map(type, dims)) - {int} or min(dims) < 0 or max(dims) > MAX_SAFE_INTEGER):
        return None
    expected_lengths = list(map(mul, map(math.prod, shapes), map(_BLOCK_BYTES.__getitem__, dtypes)))
    # Each offset is aligned, so align(offset + length) = offset + align(length): offsets are a running sum.
    expected_offsets = list(accumulate(map(_aligned_length, expected_lengths[:-1]), initial=0))
    if lengths != expected_lengths or offsets != expected_offsets or offsets[-1] + lengths[-1] > MAX_SAFE_INTEGER:
        return None
    if 0 in lengths and any(map(zero_size_extent_problem, compress(shapes, map(not_, lengths)))):
        return None
    columns = zip(names, dtypes, map(tuple, shapes), offsets, lengths, digests, roles, strict=True)
    infos = tuple(map(tuple.__new__, repeat(TensorInfo), columns))  # TensorInfo._make without a call per row
    return infos, dict(zip(names, infos, strict=True))


def _valid_entry_fast(entry: object, previous_end: int, limits: Limits) -> TensorInfo | None:
    """The entry if it passes every check of §7.2 (steps 1-9), else None. Answers only yes or no, in
    whatever order is quickest; `_validate_tensor_entry` then reports the error the spec's order defines.
    Valid files with 10^5 tensors spend most of their header time here."""
    if type(entry) is not dict or entry.keys() != _TENSOR_KEY_SET:
        return None
    name = entry["name"]
    dtype_name = entry["dtype"]
    shape = entry["shape"]
    offset = entry["offset"]
    length = entry["length"]
    sha256 = entry["sha256"]
    role = entry["role"]
    if not (
        type(name) is str
        and name.isascii()
        and name.isprintable()  # for ASCII: no C0 control character and no DEL
        and 0 < len(name) <= limits.max_name_bytes
        and type(dtype_name) is str
        and type(role) is str
        and role in _ROLE_SET
        and type(shape) is list
        and len(shape) <= limits.max_rank
        and type(offset) is int
        and type(length) is int
        and type(sha256) is str
        and len(sha256) == 64
    ):
        return None
    dtype = DTYPES.get(dtype_name)
    if dtype is None or _SHA256.fullmatch(sha256) is None:
        return None
    for dim in shape:
        if type(dim) is not int or not 0 <= dim <= MAX_SAFE_INTEGER:
            return None
    if length != dtype.byte_length(math.prod(shape)) or offset != align(previous_end):
        return None
    if offset + length > MAX_SAFE_INTEGER or (not length and zero_size_extent_problem(shape) is not None):
        return None
    return TensorInfo(name, dtype_name, tuple(shape), offset, length, sha256, role)


def _validate_tensor_entry(entry: object, index: int, previous_end: int, limits: Limits) -> TensorInfo:
    where = f"tensor entry {index}"
    if type(entry) is not dict:
        raise error("HEADER_TYPE", f"{where} must be an object, got {_json.json_type(entry)}")
    if entry.keys() != _TENSOR_KEY_SET:
        _check_keys(entry, _TENSOR_KEY_SET, TENSOR_KEYS, where=where)
    name, dtype_name, shape, offset, length, sha256, role = (entry[key] for key in TENSOR_KEYS)
    # -- JSON types and forms, in the field order of §7.2 step 3
    if type(name) is not str:
        raise error("HEADER_TYPE", f"{where}: `name` must be a string, got {_json.json_type(name)}")
    where = f"tensor `{name}`" if name.isprintable() and len(name) <= 200 else where
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
            code = "HEADER_NUMBER" if value > MAX_SAFE_INTEGER else "HEADER_TYPE"
            raise error(code, f"{where}: `{key}` must be in 0..2^53-1, got {value}", tensor=name)
    if type(sha256) is not str or _SHA256.fullmatch(sha256) is None:
        raise error("HEADER_TYPE", f"{where}: `sha256` must be 64 lowercase hex digits", tensor=name)
    if type(role) is not str:
        raise error("HEADER_TYPE", f"{where}: `role` must be a string, got {_json.json_type(role)}", tensor=name)
    check_name(name, where, limits)
    # -- dtype and role
    dtype: DType | None = DTYPES.get(dtype_name)
    if dtype is None:
        raise error("DTYPE_UNKNOWN", f"{where}: unknown dtype {_json.show(dtype_name)}", tensor=name)
    if role not in _ROLE_SET:
        raise error(
            "ROLE_UNKNOWN", f"{where}: unknown role {_json.show(role)}; roles are {', '.join(ROLES)}", tensor=name
        )
    # -- shape and length, in exact integer arithmetic
    check_shape(shape, name, where, limits)
    expected_length = dtype.byte_length(math.prod(shape))
    if length != expected_length:
        raise error(
            "TENSOR_LENGTH",
            f"{where}: length is {length}, expected {expected_length} for shape {shape} of {dtype_name}",
            tensor=name,
        )
    # -- offset: exactly the next 64-byte boundary after the previous tensor (§7.5)
    if offset % ALIGNMENT:
        raise error("TENSOR_MISALIGNED", f"{where}: offset {offset} is not a multiple of {ALIGNMENT}", tensor=name)
    if offset < previous_end:
        raise error(
            "TENSOR_OVERLAP",
            f"{where}: offset {offset} is inside the previous tensor, which ends at {previous_end}",
            tensor=name,
        )
    if offset != align(previous_end):
        raise error(
            "TENSOR_GAP",
            f"{where}: offset {offset} leaves a hole; expected {align(previous_end)}",
            tensor=name,
        )
    return TensorInfo(name, dtype_name, tuple(shape), offset, length, sha256, role)


def check_name(name: str, where: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """§7.3: 1 to 1024 UTF-8 bytes, no control characters (uniqueness is checked by the caller)."""
    name_bytes = len(name) if name.isascii() else len(name.encode("utf-8", "surrogatepass"))
    if name_bytes == 0 or name_bytes > limits.max_name_bytes:
        raise error(
            "TENSOR_NAME",
            f"{where}: name is {name_bytes} bytes; names are 1 to {limits.max_name_bytes} bytes of UTF-8",
            tensor=name,
        )
    if FORBIDDEN_IN_NAMES.search(name) is not None:
        raise error("TENSOR_NAME", f"{where}: name contains a control character", tensor=name)


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


def _validate_metadata(metadata: object, limits: Limits) -> Mapping[str, object]:
    assert isinstance(metadata, dict)  # checked with the other top-level types
    size = len(_json.canonical(metadata).encode("utf-8"))
    if size > limits.max_metadata_bytes:
        raise error(
            "METADATA_TOO_LARGE",
            f"metadata is {size} bytes in canonical form, above the limit {limits.max_metadata_bytes} "
            f"({limits.describe('max_metadata_bytes')}); store bulk data as a uint8 tensor",
        )
    for key, expected in METADATA_TYPES.items():
        if key not in metadata:
            continue
        value = metadata[key]
        ok = (
            isinstance(value, str)
            if expected == "string"
            else (isinstance(value, list) and all(isinstance(item, str) for item in value))
        )
        if not ok:
            raise error("METADATA_TYPE", f"metadata `{key}` must be {expected}, got {_json.json_type(value)}")
    return metadata


def _validate_extensions(extensions: object) -> Mapping[str, object] | None:
    if not isinstance(extensions, dict):  # absent; its type was checked with the other top-level types
        return None
    for key in extensions:
        if REVERSE_DNS.fullmatch(key) is None:
            raise error(
                "EXTENSION_NAME",
                f"extension key {_json.show(key)} is not a reverse-DNS name such as `com.example.tool`",
            )
    return extensions


def _validate_section(parsed: dict[str, object], key: str) -> Mapping[str, object] | None:
    value = parsed.get(key)
    return value if isinstance(value, dict) else None  # its type was checked with the other top-level types
