"""Write tasks (SPEC.md §14): a logical model as JSON, and the one file every conforming writer produces
for it (canonical header, derived offsets, zero padding), or the refusal a writer owes."""

from __future__ import annotations

from typing import Any

from .build import BLOCK_BYTES, f32
from .dtypes import SPECIAL
from .graph import base as graph_base
from .model import Vector, write
from .training import adam


def tensor(name: str, dtype: str, shape: list[int], data: bytes, role: str = "parameter") -> dict[str, Any]:
    return {"name": name, "dtype": dtype, "shape": shape, "role": role, "hex": data.hex()}


def task(tensors: list[dict[str, Any]], metadata: dict[str, Any] | None = None, **sections: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"tensors": tensors, "metadata": metadata or {}}
    result.update(sections)
    return result


APPENDIX_A = task(
    [tensor("w", "float32", [2], f32(1.0, -2.0)), tensor("mask", "bool", [3], b"\x01\x00\x01", "buffer")],
    {"name": "tiny"},
)

# Keys whose UTF-16 order differs from code point order (RFC 8785 §3.2.3): U+20AC, U+1F600 (surrogates
# D83D DE00) and U+FB33 sort as U+20AC < U+1F600 < U+FB33.
UNICODE_METADATA = {
    "\u20ac": "euro",
    "\U0001f600": "grinning face",
    "\ufb33": "hebrew dalet with dagesh",
    "a": 1,
    "B": 2,
    "é": 3,
    "e\u0301": 4,
    "": "empty key",
    "\u0080": "C1 key",
    "aa": 5,
    "a\u0000": "a NUL",
    "nested": {"\U0001f600": [{"z": 1, "\u20ac": 2}], "\ufb33": None},
}

NUMBERS = {
    "zero": 0,
    "negative-zero": -0.0,
    "one-point-zero": 1.0,
    "two-point-five": 2.50,
    "hundred": 1e2,
    "1e21": 1e21,
    "tenth": 0.1,
    "millionth": 0.000001,
    "ten-millionth": 1e-7,
    "1.5e-7": 1.5e-7,
    "min-subnormal": 5e-324,
    "max-double": 1.7976931348623157e308,
    "third": 1 / 3,
    "max-safe": 2**53 - 1,
    "min-safe": -(2**53 - 1),
    "below-2^53": 9007199254740990.0,
    "4.35": 4.35,
    "-1e-300": -1e-300,
    "333333333.33333329": 333333333.3333333,
    "1e+300": 1e300,
    "0.1+0.2": 0.1 + 0.2,
}

STRINGS = {
    "controls": "\x00\x01\x08\t\n\x0b\x0c\r\x1f",
    "quote-backslash": '"\\',
    "solidus": "/",
    "del": "\x7f",
    "c1": "\u0085",
    "line-separator": "\u2028\u2029",
    "bom": "\ufeff",
    "astral": "😀\U0010ffff",
    "lone-looking": "\\ud800 is only text",
}


def _dtype_tensors() -> list[dict[str, Any]]:
    return [
        tensor(f"t.{dtype}", dtype, [len(data) // BLOCK_BYTES[dtype]], data) for dtype, (data, _) in SPECIAL.items()
    ]


def vectors() -> list[Vector]:
    graph_tensors = [
        tensor("fc.weight", "float32", [3, 4], f32(*[0.25 * i for i in range(12)])),
        tensor("fc.bias", "float32", [3], f32(0.5, -0.5, 0.25)),
    ]
    adam_tensors = [
        tensor("fc.weight", "float32", [2, 3], f32(*range(6))),
        tensor("fc.bias", "float32", [2], f32(1, 2)),
        *[
            tensor(f"optimizer.{p}.{slot}", "float32", shape, f32(*([0.5] * n)), "optimizer")
            for p, shape, n in (("fc.weight", [2, 3], 6), ("fc.bias", [2], 2))
            for slot in ("exp_avg", "exp_avg_sq")
        ],
    ]
    training = adam()
    return [
        write(
            "write.valid.appendix-a",
            APPENDIX_A,
            "SPEC.md Appendix A: the file must be byte for byte the one shown",
            ("14", "A"),
        ),
        write("write.valid.empty", task([]), "no tensors and no metadata: metadata is written as {}", ("8.1", "14.1")),
        write(
            "write.valid.unicode-key-order",
            task([tensor("é", "uint8", [1], b"\x01"), tensor("😀", "uint8", [1], b"\x02")], UNICODE_METADATA),
            "keys sorted by UTF-16 code units, not code points; non-ASCII written as UTF-8",
            ("4.7", "14.1"),
            tags=("jcs:key-order",),
        ),
        write(
            "write.valid.number-formatting",
            task([], NUMBERS),
            "numbers written by ECMAScript Number::toString: 1e+21, 1e-7, 0.000001, -0 as 0, 1.0 as 1",
            ("4.7", "14.1"),
            tags=("jcs:numbers",),
        ),
        write(
            "write.valid.string-escaping",
            task([], STRINGS),
            'exactly the escapes of §4.7: \\b \\t \\n \\f \\r \\" \\\\ and \\u00xx (lowercase) for other controls; '
            "/, U+007F, U+2028 and everything else written as is",
            ("4.7", "14.1"),
            tags=("jcs:strings",),
        ),
        write(
            "write.valid.all-dtypes",
            task(_dtype_tensors()),
            "every dtype with NaN payloads, -0.0 and subnormals: bytes kept exactly, each at a 64-byte boundary",
            ("6.4", "7.5", "14.1"),
        ),
        write(
            "write.valid.zero-size-and-scalars",
            task(
                [
                    tensor("e", "float32", [0, 3], b""),
                    tensor("s", "float64", [], bytes(8)),
                    tensor("e2", "int8", [0], b""),
                    tensor("u", "uint8", [1], b"\xff"),
                ]
            ),
            "zero-size tensors share offsets; a trailing one ends the data section",
            ("7.8", "14.1"),
        ),
        write(
            "write.valid.tensor-order-kept",
            task(
                [
                    tensor("z", "uint8", [1], b"\x01"),
                    tensor("a", "uint8", [1], b"\x02"),
                    tensor("m", "uint8", [1], b"\x03"),
                ]
            ),
            "tensors stay in the caller's order (the header's keys are sorted, the table is not)",
            "14.1",
        ),
        write(
            "write.valid.roles",
            task(
                [
                    tensor("p", "float32", [1], f32(1), "parameter"),
                    tensor("b", "float32", [1], f32(2), "buffer"),
                    tensor("o", "float32", [1], f32(3), "optimizer"),
                    tensor("x", "float32", [1], f32(4), "other"),
                ]
            ),
            "every role",
            ("7.7", "14.1"),
        ),
        write(
            "write.valid.architecture",
            task(graph_tensors, {"name": "mlp"}, architecture=graph_base()),
            "an architecture in canonical form",
            ("9", "14.1"),
        ),
        write(
            "write.valid.training",
            task(adam_tensors, {}, training=training),
            "training state: hyperparameters written exactly (0.999, 1e-8)",
            ("11", "14.1"),
        ),
        write(
            "write.valid.extensions",
            task([], {}, extensions={"com.example.tool": {"b": [1, 2], "a": "x"}}),
            "extensions in canonical form",
            ("8.3", "14.1"),
        ),
        write(
            "write.valid.extensions-empty-omitted",
            task([], {}, extensions={}),
            "an empty extensions object is omitted, never written",
            ("8.3", "14.1"),
        ),
        write(
            "write.invalid.duplicate-names",
            task([tensor("w", "uint8", [1], b"\x01"), tensor("w", "uint8", [1], b"\x02")]),
            "two tensors named w",
            ("7.3", "14.1"),
            error="TENSOR_NAME_DUPLICATE",
        ),
        write(
            "write.invalid.unknown-dtype",
            task([tensor("w", "float128", [1], bytes(16))]),
            "no such dtype",
            ("6.1", "14.1"),
            error="DTYPE_UNKNOWN",
        ),
        write(
            "write.invalid.unknown-role",
            task([tensor("w", "uint8", [1], b"\x01", "weight")]),
            "no such role",
            ("7.7", "14.1"),
            error="ROLE_UNKNOWN",
        ),
        write(
            "write.invalid.bytes-do-not-match-shape",
            task([tensor("w", "float32", [2], f32(1.0))]),
            "4 bytes for a float32 [2] tensor",
            ("7.4", "14.3"),
            error="TENSOR_LENGTH",
        ),
        write(
            "write.invalid.name-control-character",
            task([tensor("a\nb", "uint8", [1], b"\x01")]),
            "a name with a newline",
            ("7.3", "14.1"),
            error="TENSOR_NAME",
        ),
        write(
            "write.invalid.float-2-53",
            task([], {"big": 9007199254740992.0}),
            "2^53 as a float: its canonical form is an integer-form number a reader rejects",
            ("4.7", "14.1"),
            error="HEADER_NUMBER",
        ),
        write(
            "write.invalid.float-1e20",
            task([], {"x": 1e20}),
            "1e20 is written 100000000000000000000 in canonical form: integer-form beyond 2^53-1 (§4.7)",
            ("4.7", "14.1"),
            error="HEADER_NUMBER",
        ),
        write(
            "write.invalid.integer-beyond-2-53",
            task([], {"big": 2**53 + 1}),
            "an integer beyond 2^53-1 cannot be stored exactly",
            ("4.4", "14.1"),
            error="HEADER_NUMBER",
        ),
        write(
            "write.invalid.unpaired-surrogate",
            task([], {"s": "\ud800"}),
            "a string with an unpaired surrogate (the task escapes it)",
            ("4.1", "14.1"),
            error="HEADER_ENCODING",
        ),
        write(
            "write.invalid.metadata-type",
            task([], {"name": 7}),
            "the recommended key name is a string",
            ("8.2", "14.1"),
            error="METADATA_TYPE",
        ),
        write(
            "write.invalid.extension-name",
            task([], {}, extensions={"tool": 1}),
            "not a reverse-DNS name",
            ("8.3", "14.1"),
            error="EXTENSION_NAME",
        ),
        write(
            "write.invalid.graph-cycle",
            task(
                graph_tensors,
                {},
                architecture={
                    **graph_base(),
                    "nodes": [
                        graph_base()["nodes"][0],
                        {**graph_base()["nodes"][1], "inputs": ["y"]},
                        graph_base()["nodes"][2],
                    ],
                },
            ),
            "a writer holds itself to the reader's rules: no cycle",
            ("9.6", "14.1"),
            error="GRAPH_VALUE_UNDEFINED",
        ),
    ]
