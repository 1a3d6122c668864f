"""Errors: one base class, a stable code per failure, categories that also subclass builtins.

Callers catch `ModelfmtError` (everything the format can report), a category (`FormatError`,
`TruncatedError`, `IntegrityError`, ...) or a builtin (`ValueError`, `EOFError`). Conformance vectors
assert `.code`, never the prose, so codes are stable forever and the prose may improve.

OS errors (file not found, permission denied, disk full) are not wrapped: they pass through unchanged.

The tools around the format (key files, converters from other formats, the PyTorch bridge) report what
they cannot use with subclasses of `ToolError`. Those describe no modelfmt file, so they carry no code of
SPEC.md §16 and are never a `ModelfmtError`; each also keeps the builtin base it has always had.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, TypeGuard

# Every code of the registry below, as a type: `mypy --strict` rejects a misspelt code wherever one is
# written. tests/test_typed_registries.py fails when this list and `ERROR_CODES` differ.
Code = Literal[
    "BAD_MAGIC",
    "UNSUPPORTED_VERSION",
    "RESERVED_NOT_ZERO",
    "TRUNCATED",
    "TRAILING_BYTES",
    "HEADER_TOO_LARGE",
    "PADDING_NOT_ZERO",
    "HEADER_ENCODING",
    "HEADER_SYNTAX",
    "HEADER_DUPLICATE_KEY",
    "HEADER_NUMBER",
    "HEADER_DEPTH",
    "HEADER_TYPE",
    "HEADER_UNKNOWN_KEY",
    "HEADER_MISSING_KEY",
    "TENSOR_COUNT",
    "TENSOR_NAME",
    "TENSOR_NAME_DUPLICATE",
    "DTYPE_UNKNOWN",
    "ROLE_UNKNOWN",
    "SHAPE_INVALID",
    "TENSOR_LENGTH",
    "TENSOR_MISALIGNED",
    "TENSOR_OVERLAP",
    "TENSOR_GAP",
    "DIGEST_MISMATCH",
    "BOOL_VALUE",
    "METADATA_TOO_LARGE",
    "METADATA_TYPE",
    "EXTENSION_NAME",
    "SIGNATURE_BLOCK",
    "SIGNATURE_MISSING",
    "SIGNATURE_UNTRUSTED",
    "SIGNATURE_INVALID",
    "GRAPH_OPSET",
    "GRAPH_OPSET_VERSION",
    "GRAPH_LIMIT",
    "GRAPH_NAME",
    "GRAPH_NODE_DUPLICATE",
    "GRAPH_OP_UNKNOWN",
    "GRAPH_ARITY",
    "GRAPH_ATTRIBUTE_UNKNOWN",
    "GRAPH_ATTRIBUTE_MISSING",
    "GRAPH_ATTRIBUTE_TYPE",
    "GRAPH_ATTRIBUTE_VALUE",
    "GRAPH_PARAMETER_UNKNOWN",
    "GRAPH_PARAMETER_MISSING",
    "GRAPH_TENSOR_MISSING",
    "GRAPH_PARAMETER_SHAPE",
    "GRAPH_PARAMETER_DTYPE",
    "GRAPH_VALUE_DUPLICATE",
    "GRAPH_VALUE_UNDEFINED",
    "GRAPH_OUTPUT_UNKNOWN",
    "GRAPH_OUTPUT_DUPLICATE",
    "GRAPH_DTYPE",
    "GRAPH_SHAPE",
    "RUN_NO_ARCHITECTURE",
    "RUN_UNSUPPORTED",
    "RUN_INPUT",
    "RUN_INDEX",
    "RUN_MEMORY_BUDGET",
    "RUN_WORK_BUDGET",
    "TRAINING_OPTIMIZER",
    "TRAINING_HYPERPARAMETER",
    "TRAINING_PARAMETER",
    "TRAINING_SLOT",
    "TRAINING_TENSOR_MISSING",
    "TRAINING_TENSOR_ROLE",
    "TRAINING_SCHEDULER",
    "TRAINING_VALUE",
]

# The categories of SPEC.md §16, one exception class each (`_CATEGORY_CLASS`).
Category = Literal["format", "truncated", "limit", "unsupported", "integrity", "signature", "input"]


class ModelfmtError(Exception):
    """Base of every error the format reports. `.code` is stable; the message is for people."""

    category: Category = "format"

    def __init__(
        self,
        code: Code,
        message: str,
        *,
        offset: int | None = None,
        tensor: str | None = None,
        hint: str | None = None,
    ) -> None:
        if code not in ERROR_CODES:
            raise KeyError(f"unregistered error code {code!r}")  # a bug in the package, not bad input
        self.code: Code = code
        self.offset = offset
        self.tensor = tensor
        self.hint = hint
        text = message if offset is None else f"{message} (at byte {offset})"
        super().__init__(text)

    @property
    def message(self) -> str:
        return str(self)

    def diagnostics(self) -> str:
        """What went wrong and, when known, what to do next."""
        text = f"{self.code}: {self}"
        return text if self.hint is None else f"{text}\n  hint: {self.hint}"


class FormatError(ModelfmtError, ValueError):
    """The bytes do not follow SPEC.md."""


class TruncatedError(FormatError, EOFError):
    """The file ends before the bytes its own header (or preamble) promises."""

    category = "truncated"


class LimitError(FormatError):
    """A size or count exceeds a limit of SPEC.md §5 (or a lower one the caller set)."""

    category = "limit"


class UnsupportedError(FormatError):
    """A well-formed file this reader cannot read: another major version, or a newer minor's feature."""

    category = "unsupported"


class IntegrityError(ModelfmtError, ValueError):
    """Bytes differ from what the header commits to."""

    category = "integrity"


class SignatureError(ModelfmtError, ValueError):
    """A signature block is malformed, a signature is invalid, or no trusted signature is present."""

    category = "signature"


class InputError(ModelfmtError, ValueError):
    """A caller's inputs to the runtime do not fit the graph (SPEC.md §9.11); the file is not at fault."""

    category = "input"


class ToolError(Exception):
    """Base of the errors that are not about a modelfmt file: a key file, a file of another format, a
    PyTorch module or optimizer that cannot be used. The message names the input and the cause."""


@dataclass(frozen=True)
class ErrorCode:
    code: Code
    category: Category
    meaning: str
    section: str


_CATEGORY_CLASS: Final[dict[Category, type[ModelfmtError]]] = {
    "format": FormatError,
    "truncated": TruncatedError,
    "limit": LimitError,
    "unsupported": UnsupportedError,
    "integrity": IntegrityError,
    "signature": SignatureError,
    "input": InputError,
}


def _registry(*rows: tuple[Code, Category, str, str]) -> dict[Code, ErrorCode]:
    return {code: ErrorCode(code, category, meaning, section) for code, category, meaning, section in rows}


# The registry of SPEC.md §16. tests/test_spec_sync.py fails when the two differ.
ERROR_CODES: Final[dict[Code, ErrorCode]] = _registry(
    # -- container (§3) --
    ("BAD_MAGIC", "format", "the file does not start with the modelfmt magic", "3.1"),
    (
        "UNSUPPORTED_VERSION",
        "unsupported",
        "the major version is not 1, or a file of a newer minor version uses a feature this reader does not know",
        "15.4",
    ),
    ("RESERVED_NOT_ZERO", "format", "a reserved preamble byte is not 0x00", "3.1"),
    ("TRUNCATED", "truncated", "the file is shorter than its preamble, header or data section requires", "3.6"),
    (
        "TRAILING_BYTES",
        "format",
        "bytes follow the data section and do not end with the signature block end magic",
        "3.6",
    ),
    ("HEADER_TOO_LARGE", "limit", "the header length exceeds the limit", "3.1"),
    ("PADDING_NOT_ZERO", "format", "a header padding byte or a gap byte between tensors is not 0x00", "3.3"),
    # -- header JSON (§4) --
    (
        "HEADER_ENCODING",
        "format",
        "the header is not valid UTF-8, starts with a byte order mark, or has an unpaired surrogate escape",
        "4.1",
    ),
    ("HEADER_SYNTAX", "format", "the header is not JSON text of the grammar of §4.2", "4.2"),
    ("HEADER_DUPLICATE_KEY", "format", "an object in the header has two members with the same key", "4.3"),
    (
        "HEADER_NUMBER",
        "format",
        "a number is NaN or infinite, or an integer-form number is beyond 2^53-1 in magnitude",
        "4.4",
    ),
    ("HEADER_DEPTH", "limit", "the header nests deeper than the limit", "4.5"),
    (
        "HEADER_TYPE",
        "format",
        "a value has the wrong JSON type or form (including a non-integer-form number in an integer field)",
        "4.8",
    ),
    ("HEADER_UNKNOWN_KEY", "format", "a closed object has a key this document does not define", "4.8"),
    ("HEADER_MISSING_KEY", "format", "a required key is absent", "4.8"),
    # -- tensor table (§7) --
    ("TENSOR_COUNT", "limit", "the tensor table has more entries than the limit", "7.1"),
    ("TENSOR_NAME", "format", "a tensor name is empty, too long, or contains a control character", "7.3"),
    ("TENSOR_NAME_DUPLICATE", "format", "two tensors have the same name", "7.3"),
    ("DTYPE_UNKNOWN", "format", "a dtype is not in the registry", "6.1"),
    ("ROLE_UNKNOWN", "format", "a role is not one of the defined roles", "7.7"),
    ("SHAPE_INVALID", "format", "the rank exceeds the limit, or a dimension is negative", "7.4"),
    ("TENSOR_LENGTH", "format", "a length differs from the length computed from dtype and shape", "7.4"),
    ("TENSOR_MISALIGNED", "format", "a tensor offset is not a multiple of 64", "7.5"),
    ("TENSOR_OVERLAP", "format", "a tensor starts before the previous tensor ends", "7.5"),
    ("TENSOR_GAP", "format", "a tensor starts after the first 64-byte boundary following the previous tensor", "7.5"),
    ("DIGEST_MISMATCH", "integrity", "a tensor's bytes do not have the SHA-256 its entry states", "7.6"),
    ("BOOL_VALUE", "format", "a byte of a bool tensor is neither 0x00 nor 0x01", "7.9"),
    # -- metadata and extensions (§8) --
    ("METADATA_TOO_LARGE", "limit", "the canonical form of the metadata exceeds the limit", "8.1"),
    ("METADATA_TYPE", "format", "a recommended metadata key has the wrong type", "8.2"),
    ("EXTENSION_NAME", "format", "an extensions key is not a reverse-DNS name", "8.3"),
    # -- signatures (§12) --
    (
        "SIGNATURE_BLOCK",
        "signature",
        "the bytes after the data section end with the end magic but are not one well-formed signature block",
        "3.6",
    ),
    ("SIGNATURE_MISSING", "signature", "trusted keys were given but the file has no signature block", "12.9"),
    ("SIGNATURE_UNTRUSTED", "signature", "no signature in the file is by a trusted key", "12.9"),
    ("SIGNATURE_INVALID", "signature", "a signature by a trusted key does not verify", "12.9"),
    # -- architecture (§9, §10) --
    ("GRAPH_OPSET", "format", "the op set declaration is malformed or names a reserved domain", "9.3"),
    ("GRAPH_OPSET_VERSION", "unsupported", "the graph needs a modelfmt.core version this reader lacks", "9.3"),
    ("GRAPH_LIMIT", "limit", "the graph has more nodes, values or list items than the limit", "9.12"),
    ("GRAPH_NAME", "format", "a node name, value name or symbolic dimension is malformed", "9.4"),
    ("GRAPH_NODE_DUPLICATE", "format", "two nodes have the same name", "9.6"),
    ("GRAPH_OP_UNKNOWN", "format", "a node's op is neither in modelfmt.core nor a declared extension", "9.3"),
    ("GRAPH_ARITY", "format", "a node has the wrong number of inputs or outputs for its op", "9.6"),
    ("GRAPH_ATTRIBUTE_UNKNOWN", "format", "a node has an attribute its op does not define", "9.7"),
    ("GRAPH_ATTRIBUTE_MISSING", "format", "a required attribute is absent", "9.7"),
    ("GRAPH_ATTRIBUTE_TYPE", "format", "an attribute value has the wrong type", "9.7"),
    ("GRAPH_ATTRIBUTE_VALUE", "format", "an attribute value is out of its allowed range", "9.7"),
    ("GRAPH_PARAMETER_UNKNOWN", "format", "a node binds a parameter slot its op does not define", "9.8"),
    ("GRAPH_PARAMETER_MISSING", "format", "a required parameter slot is not bound", "9.8"),
    ("GRAPH_TENSOR_MISSING", "format", "a parameter binding names a tensor not in the tensor table", "9.8"),
    ("GRAPH_PARAMETER_SHAPE", "format", "a bound tensor's shape differs from the slot's shape", "9.8"),
    ("GRAPH_PARAMETER_DTYPE", "format", "a bound tensor's dtype is not the one the slot requires", "9.8"),
    ("GRAPH_VALUE_DUPLICATE", "format", "a value is defined twice", "9.6"),
    ("GRAPH_VALUE_UNDEFINED", "format", "a value is used before it is defined (or never defined)", "9.6"),
    ("GRAPH_OUTPUT_UNKNOWN", "format", "a graph output names no defined value", "9.5"),
    ("GRAPH_OUTPUT_DUPLICATE", "format", "a graph output is listed twice", "9.5"),
    ("GRAPH_DTYPE", "format", "a value's dtype is not accepted by the op that uses it", "9.10"),
    ("GRAPH_SHAPE", "format", "shapes are incompatible, or a declared shape differs from the inferred one", "9.10"),
    ("RUN_NO_ARCHITECTURE", "unsupported", "the file has no architecture to execute", "9.11"),
    (
        "RUN_UNSUPPORTED",
        "unsupported",
        "the graph uses an extension op or a dtype the runtime does not execute",
        "9.11",
    ),
    ("RUN_INPUT", "input", "the inputs given to the runtime do not match the graph's inputs", "9.11"),
    ("RUN_INDEX", "input", "an index value is out of range during execution", "9.11"),
    (
        "RUN_MEMORY_BUDGET",
        "limit",
        "executing the graph on these inputs needs more memory than the budget, or an array whose extent exceeds 2^53-1",
        "9.11",
    ),
    ("RUN_WORK_BUDGET", "limit", "executing the graph on these inputs needs more work than the budget", "9.11"),
    # -- training state (§11) --
    ("TRAINING_OPTIMIZER", "format", "the optimizer type is unknown", "11.2"),
    (
        "TRAINING_HYPERPARAMETER",
        "format",
        "a hyperparameter is unknown, missing, of the wrong type or out of range",
        "11.3",
    ),
    ("TRAINING_PARAMETER", "format", "a parameter is listed twice or has state without being in a group", "11.4"),
    (
        "TRAINING_SLOT",
        "format",
        "an optimizer slot is unknown, missing, or differs in shape or dtype from its parameter",
        "11.4",
    ),
    ("TRAINING_TENSOR_MISSING", "format", "the training state names a tensor not in the tensor table", "11.4"),
    ("TRAINING_TENSOR_ROLE", "format", "a tensor named by the training state has the wrong role", "11.4"),
    ("TRAINING_SCHEDULER", "format", "the learning-rate scheduler type is unknown", "11.9"),
    (
        "TRAINING_VALUE",
        "format",
        "a state value breaks its grammar, or a generator state is not a uint8 tensor of rank 1",
        "11.10",
    ),
)


def is_code(text: str) -> TypeGuard[Code]:
    """Whether `text` is a registered code: for codes read from outside, such as another implementation's
    output, before they are handled as a `Code`."""
    return text in ERROR_CODES


def error(
    code: Code, message: str, *, offset: int | None = None, tensor: str | None = None, hint: str | None = None
) -> ModelfmtError:
    """Build the exception of the category registered for `code`."""
    cls = _CATEGORY_CLASS[ERROR_CODES[code].category]
    return cls(code, message, offset=offset, tensor=tensor, hint=hint)
