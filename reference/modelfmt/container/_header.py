"""The header object of SPEC.md §7-8: validation of a parsed header, and the model a reader gets.

No I/O: `validate` takes the parsed JSON and the preamble and returns a `Header`, or raises the error
of the first rule that fails, in the order of §13 phases 2-3. The rules of the tensor table (§7) are
those of `_tensors`; this module holds the rest of the header's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from ..format import _json
from ..format._errors import Code, FormatError, error
from ..format._framing import MAJOR_VERSION, MINOR_VERSION, Preamble, align
from ..format._limits import DEFAULT_LIMITS, Limits
from ..format._names import REVERSE_DNS
from ..format._objects import check_keys
from ..graph._training import TrainingState, validate_training
from ..graph._types import Graph
from ..graph._validate import validate_architecture
from ._tensors import Columns, TensorInfo, accept_columns, validate_table

TOP_LEVEL_REQUIRED: Final = ("tensors", "metadata")
TOP_LEVEL_OPTIONAL: Final = ("architecture", "training", "extensions")
_TOP_LEVEL_KEYS: Final = frozenset(TOP_LEVEL_REQUIRED + TOP_LEVEL_OPTIONAL)

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

# Codes that mean "something this reader does not know": for a file of a newer minor version they
# are reported as UNSUPPORTED_VERSION (§15), since a newer minor may define that very thing.
_UNKNOWN_FEATURE_CODES: Final[frozenset[Code]] = frozenset({"HEADER_UNKNOWN_KEY", "DTYPE_UNKNOWN", "ROLE_UNKNOWN"})


@dataclass(frozen=True)
class Header:
    """A validated header and the layout it implies.

    `architecture` and `training` are the sections as JSON; `graph` and `training_state` are what their
    validation established (§9-11), kept so that nothing downstream validates them again."""

    major: int
    minor: int
    header_length: int
    tensors: tuple[TensorInfo, ...]
    metadata: Mapping[str, object]
    architecture: Mapping[str, object] | None = None
    training: Mapping[str, object] | None = None
    extensions: Mapping[str, object] | None = None
    _by_name: Mapping[str, TensorInfo] = field(default_factory=dict, repr=False, compare=False)
    # Derived from `architecture` and `training` (so not compared): present exactly when they are.
    graph: Graph | None = field(default=None, repr=False, compare=False)
    training_state: TrainingState | None = field(default=None, repr=False, compare=False)

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
    tensors, by_name = validate_table(tensors_value, limits)
    sections = _validate_structure_rest(parsed, by_name, limits, preamble.minor)  # type: ignore[arg-type]
    metadata, extensions, architecture, training, graph, state = sections
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
        graph=graph,
        training_state=state,
    )


def _validate_top_level(parsed: object, limits: Limits) -> list[object]:
    """Phase 3 steps 1-3: the header object, its keys and their types, the tensor count."""
    if not isinstance(parsed, dict):
        raise error("HEADER_TYPE", f"the header must be a JSON object, got {_json.json_type(parsed)}")
    check_keys(parsed, _TOP_LEVEL_KEYS, TOP_LEVEL_REQUIRED, "the header")
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


def validate_for_writer(table: Columns, sections: Mapping[str, object], minor: int) -> tuple[TensorInfo, ...]:
    """What a writer checks before writing: the header it would write, by the reader's rules and in the
    reader's order, so that it refuses exactly what a reader would reject, with the reader's code. `table` is
    the tensor table as the writer lays it out (digests are placeholders: they are not known before the
    data is written), `sections` (metadata, architecture, ...) parsed JSON, as a reader would see them.
    `minor` is the minor version the writer will write. Returns the table."""
    accepted = accept_columns(table, own_layout=True)
    if accepted is None:  # the table breaks a rule: the reader's own validation names it, with its precedence
        preamble = Preamble(MAJOR_VERSION, minor, header_length=0)
        return validate({**sections, "tensors": table.entries()}, preamble).tensors
    # A valid table holds nothing that phase 2 refuses: the rest is judged by the steps `validate` takes,
    # the entries' count among them.
    infos, by_name = accepted
    parsed = {**sections, "tensors": list(infos)}
    _check_tree_outside_tensors(parsed, DEFAULT_LIMITS)
    _validate_top_level(parsed, DEFAULT_LIMITS)
    _validate_structure_rest(parsed, by_name, DEFAULT_LIMITS, minor)
    return infos


_Sections = tuple[
    Mapping[str, object],
    Mapping[str, object] | None,
    Mapping[str, object] | None,
    Mapping[str, object] | None,
    Graph | None,
    TrainingState | None,
]


def _validate_structure_rest(
    parsed: dict[str, object], tensors: Mapping[str, TensorInfo], limits: Limits, minor: int
) -> _Sections:
    """Phase 3 steps 5-8: metadata, extensions, architecture, training (which refer to `tensors`), and
    the graph and training state their validation builds."""
    metadata = _validate_metadata(parsed["metadata"], limits)
    extensions = _validate_extensions(parsed.get("extensions"))
    architecture = _validate_section(parsed, "architecture")
    graph = None if architecture is None else validate_architecture(architecture, tensors)  # §9-10
    training = _validate_section(parsed, "training")
    state = None if training is None else validate_training(training, tensors, minor)  # §11
    return metadata, extensions, architecture, training, graph, state


def _validate_metadata(metadata: object, limits: Limits) -> Mapping[str, object]:
    assert isinstance(metadata, dict)  # checked with the other top-level types
    # Measured without building the canonical text, and only until the limit is passed.
    size = _json.canonical_size(metadata, stop_above=limits.max_metadata_bytes)
    if size > limits.max_metadata_bytes:
        raise error(
            "METADATA_TOO_LARGE",
            f"metadata is at least {size} bytes in canonical form, above the limit {limits.max_metadata_bytes} "
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
