"""Header structure vectors (SPEC.md §4.8, §7, §8; phase 3 of §13.1): closed objects, the tensor entry
rules in their order, placement, zero-size tensors, names, metadata and extensions."""

from __future__ import annotations

from .base import header_only, tiny
from .build import EMPTY_SHA256, Model, Tensor, edit_text, f32, file_bytes, model
from .model import Vector, invalid, valid


def _edit(*replacements: tuple[str, str], base: Model | None = None) -> bytes:
    m = base or tiny()
    return file_bytes(m, header_text=edit_text(m, *replacements))


W_ENTRY = '"dtype":"float32","length":8,"name":"w","offset":0,"role":"parameter"'


def _top_level() -> list[Vector]:
    return [
        invalid(
            "invalid.header.root-array",
            header_only('[{"metadata":{},"tensors":[]}]'),
            "HEADER_TYPE",
            "the header value must be an object",
            "4.8",
        ),
        invalid("invalid.header.root-null", header_only("null"), "HEADER_TYPE", "null is not an object", "4.8"),
        invalid(
            "invalid.header.root-string", header_only('"modelfmt"'), "HEADER_TYPE", "a string is not an object", "4.8"
        ),
        invalid(
            "invalid.header.unknown-top-level-key",
            _edit(('"metadata":', '"signatures":[],"metadata":')),
            "HEADER_UNKNOWN_KEY",
            "the header object is closed",
            "4.8",
        ),
        invalid(
            "invalid.header.alignment-key",
            _edit(('"metadata":', '"alignment":32,"metadata":')),
            "HEADER_UNKNOWN_KEY",
            "no field can choose the alignment",
            ("3.7", "4.8"),
            tags=("pitfall:17.7",),
        ),
        invalid(
            "invalid.header.unknown-beats-missing",
            header_only('{"metadata":{},"tensor":[]}'),
            "HEADER_UNKNOWN_KEY",
            "unknown keys are checked before missing keys",
            "4.8",
        ),
        invalid(
            "invalid.header.missing-metadata",
            _edit(('"metadata":{"name":"tiny"},', "")),
            "HEADER_MISSING_KEY",
            "metadata is required (a writer with none writes {})",
            ("4.8", "8.1"),
        ),
        invalid(
            "invalid.header.missing-tensors",
            header_only('{"metadata":{}}'),
            "HEADER_MISSING_KEY",
            "tensors is required, even when empty",
            "4.8",
        ),
        invalid(
            "invalid.header.tensors-object",
            header_only('{"metadata":{},"tensors":{}}'),
            "HEADER_TYPE",
            "tensors is an array",
            "4.8",
        ),
        invalid(
            "invalid.header.metadata-string",
            header_only('{"metadata":"tiny","tensors":[]}'),
            "HEADER_TYPE",
            "metadata is an object",
            "4.8",
        ),
        invalid(
            "invalid.header.metadata-null",
            header_only('{"metadata":null,"tensors":[]}'),
            "HEADER_TYPE",
            "null is not an object",
            "4.8",
        ),
        invalid(
            "invalid.header.extensions-array",
            header_only('{"extensions":[],"metadata":{},"tensors":[]}'),
            "HEADER_TYPE",
            "extensions is an object",
            ("4.8", "8.3"),
        ),
        invalid(
            "invalid.header.architecture-string",
            header_only('{"architecture":"resnet50","metadata":{},"tensors":[]}'),
            "HEADER_TYPE",
            "architecture is an object, never a name to resolve",
            ("4.8", "9.2"),
            tags=("pitfall:17.10",),
        ),
        invalid(
            "invalid.header.training-array",
            header_only('{"metadata":{},"tensors":[],"training":[]}'),
            "HEADER_TYPE",
            "training is an object",
            ("4.8", "11.1"),
        ),
        invalid(
            "invalid.header.top-level-type-beats-entries",
            _edit(('"metadata":{"name":"tiny"}', '"metadata":[]'), ('"float32"', '"float99"')),
            "HEADER_TYPE",
            "every top-level type (step 2) before any tensor entry (step 4)",
            "13.1",
        ),
    ]


def _entry_types() -> list[Vector]:
    sha_w = "ee4ac73c2bd27756ab82780f27c73a7bc4d3f0bb6acb37e008bc27eccd7e588b"
    cases = {
        "entry-string": (('[{"dtype":"float32"', '["w",{"dtype":"float32"'), "an entry must be an object"),
        "name-number": (('"name":"w"', '"name":0'), "name is a string"),
        "dtype-null": (('"dtype":"float32"', '"dtype":null'), "dtype is a string"),
        "shape-string": (('"shape":[2]', '"shape":"2"'), "shape is an array"),
        "shape-float": (('"shape":[2]', '"shape":[2.0]'), "2.0 is not integer-form"),
        "shape-exponent": (('"shape":[2]', '"shape":[2e0]'), "2e0 is not integer-form"),
        "shape-boolean": (('"shape":[2]', '"shape":[true,true]'), "true is not a number"),
        "offset-float": (('"offset":64', '"offset":64.0'), "integer fields are integer-form"),
        "offset-string": (('"offset":0,', '"offset":"0",'), "offset is a number"),
        "length-negative": (('"length":8,', '"length":-8,'), "a negative length is HEADER_TYPE"),
        "offset-negative": (('"offset":0,', '"offset":-1,'), "a negative offset"),
        "sha256-uppercase": ((sha_w, sha_w.upper()), "digests are lowercase"),
        "sha256-prefixed": (('"sha256":"ee4a', '"sha256":"sha256:ee4a'), "no prefix"),
        "sha256-short": ((sha_w, sha_w[:63]), "exactly 64 characters"),
        "role-array": (('"role":"buffer"', '"role":["buffer"]'), "role is a string"),
    }
    vectors = []
    for name, ((old, new), description) in cases.items():
        vectors.append(
            invalid(f"invalid.tensor_table.{name}", _edit((old, new)), "HEADER_TYPE", description, ("4.8", "7.2"))
        )
    vectors.append(
        invalid(
            "invalid.tensor_table.types-beat-name",
            _edit(('"name":"w"', '"name":""'), ('"offset":0,', '"offset":"0",')),
            "HEADER_TYPE",
            "step 3 (types) comes before step 4 (the name rules)",
            ("4.8", "7.2"),
        )
    )
    vectors += [
        invalid(
            "invalid.tensor_table.entry-unknown-key",
            _edit((W_ENTRY, W_ENTRY + ',"strides":[1]')),
            "HEADER_UNKNOWN_KEY",
            "tensor entries are closed objects",
            ("4.8", "7.2"),
        ),
        invalid(
            "invalid.tensor_table.entry-data-offsets",
            _edit((W_ENTRY, W_ENTRY + ',"data_offsets":[0,8]')),
            "HEADER_UNKNOWN_KEY",
            "a safetensors-style key",
            ("4.8", "7.2"),
        ),
        invalid(
            "invalid.tensor_table.entry-missing-shape",
            _edit((f'"sha256":"{sha_w}","shape":[2]', f'"sha256":"{sha_w}"')),
            "HEADER_MISSING_KEY",
            "all seven keys are required",
            ("4.8", "7.2"),
        ),
        invalid(
            "invalid.tensor_table.entry-missing-sha256",
            _edit((f',"sha256":"{sha_w}"', "")),
            "HEADER_MISSING_KEY",
            "a tensor without a digest",
            ("4.8", "7.2"),
        ),
    ]
    return vectors


def _entry_rules() -> list[Vector]:
    c1 = "ma\u009bsk"
    return [
        invalid(
            "invalid.tensor_table.name-empty",
            _edit(('"name":"mask"', '"name":""')),
            "TENSOR_NAME",
            "names are 1 to 1024 bytes",
            "7.3",
        ),
        invalid(
            "invalid.tensor_table.name-escaped-newline",
            _edit(('"name":"mask"', r'"name":"ma\nsk"')),
            "TENSOR_NAME",
            "no control character, escaped or raw",
            "7.3",
        ),
        invalid(
            "invalid.tensor_table.name-escaped-nul",
            _edit(('"name":"mask"', r'"name":"mask\u0000"')),
            "TENSOR_NAME",
            "U+0000 is a control character",
            "7.3",
        ),
        invalid(
            "invalid.tensor_table.name-raw-del",
            _edit(('"name":"mask"', '"name":"ma\x7fsk"')),
            "TENSOR_NAME",
            "U+007F (allowed raw by the JSON grammar) is a control character",
            "7.3",
        ),
        invalid(
            "invalid.tensor_table.name-escaped-c1",
            _edit(('"name":"mask"', r'"name":"ma\u009bsk"')),
            "TENSOR_NAME",
            "U+009B (CSI) is a C1 control character",
            "7.3",
        ),
        invalid(
            "invalid.tensor_table.name-raw-c1",
            _edit(('"name":"mask"', f'"name":"{c1}"')),
            "TENSOR_NAME",
            "U+009B written as raw UTF-8 (C2 9B)",
            "7.3",
        ),
        invalid(
            "invalid.tensor_table.name-beats-dtype",
            _edit(('"name":"w"', '"name":""'), ('"float32"', '"float99"')),
            "TENSOR_NAME",
            "step 4 (name) before step 5 (dtype)",
            "7.2",
        ),
        invalid(
            "invalid.tensor_table.dtype-unknown",
            _edit(('"float32"', '"float99"')),
            "DTYPE_UNKNOWN",
            "not a registry name",
            "6.1",
        ),
        invalid(
            "invalid.tensor_table.dtype-case",
            _edit(('"float32"', '"Float32"')),
            "DTYPE_UNKNOWN",
            "dtype names are case-sensitive",
            "6.1",
        ),
        invalid(
            "invalid.tensor_table.dtype-alias", _edit(('"float32"', '"f32"')), "DTYPE_UNKNOWN", "no aliases", "6.1"
        ),
        invalid(
            "invalid.tensor_table.dtype-trailing-space",
            _edit(('"float32"', '"float32 "')),
            "DTYPE_UNKNOWN",
            "exact names only",
            "6.1",
        ),
        invalid(
            "invalid.tensor_table.dtype-prototype-name",
            _edit(('"float32"', '"__proto__"')),
            "DTYPE_UNKNOWN",
            "a dtype is looked up in the registry, never as a property of anything",
            ("6.1", "13.5"),
            tags=("pitfall:17.10",),
        ),
        invalid(
            "invalid.tensor_table.dtype-to-string",
            _edit(('"float32"', '"toString"')),
            "DTYPE_UNKNOWN",
            "inherited properties are not registry entries",
            ("6.1", "13.5"),
            tags=("pitfall:17.10",),
        ),
        invalid(
            "invalid.tensor_table.dtype-beats-role",
            _edit(('"float32"', '"complex64"'), ('"parameter"', '"weight"')),
            "DTYPE_UNKNOWN",
            "step 5 (dtype) before step 6 (role)",
            "7.2",
        ),
        invalid(
            "invalid.tensor_table.role-unknown",
            _edit(('"buffer"', '"state"')),
            "ROLE_UNKNOWN",
            "not a defined role",
            "7.7",
        ),
        invalid(
            "invalid.tensor_table.role-case",
            _edit(('"buffer"', '"Buffer"')),
            "ROLE_UNKNOWN",
            "roles are case-sensitive",
            "7.7",
        ),
        invalid(
            "invalid.tensor_table.role-constructor",
            _edit(('"buffer"', '"constructor"')),
            "ROLE_UNKNOWN",
            "a role is looked up in the role table only",
            ("7.7", "13.5"),
            tags=("pitfall:17.10",),
        ),
        invalid(
            "invalid.tensor_table.role-beats-shape",
            _edit(('"parameter"', '"weight"'), ('"shape":[2]', '"shape":[-2]')),
            "ROLE_UNKNOWN",
            "step 6 (role) before step 7 (shape)",
            "7.2",
        ),
        invalid(
            "invalid.tensor_table.shape-negative",
            _edit(('"shape":[3]', '"shape":[-3]')),
            "SHAPE_INVALID",
            "a negative dimension",
            "7.4",
            tags=("pitfall:17.8",),
        ),
        invalid(
            "invalid.tensor_table.shape-rank-17-zero-size",
            _edit(('"shape":[2]', '"shape":[0' + ",1" * 16 + "]"), ('"length":8,', '"length":0,')),
            "SHAPE_INVALID",
            "rank 17 even though the tensor holds no element",
            "7.4",
            tags=("pitfall:17.8",),
        ),
        invalid(
            "invalid.tensor_table.shape-beats-length",
            _edit(('"shape":[2]', '"shape":[-1]'), ('"length":8,', '"length":5,')),
            "SHAPE_INVALID",
            "step 7 (shape) before step 8 (length)",
            "7.2",
        ),
        invalid(
            "invalid.tensor_table.length-bool-bits",
            _edit(('"length":3,', '"length":1,')),
            "TENSOR_LENGTH",
            "bool is one byte per element, not one bit",
            ("6.1", "7.4"),
        ),
        invalid(
            "invalid.tensor_table.length-plus-one",
            _edit(('"length":8,', '"length":9,')),
            "TENSOR_LENGTH",
            "one byte more than the shape needs",
            "7.4",
        ),
        invalid(
            "invalid.tensor_table.length-overflow-2-64",
            _edit(('"shape":[2]', '"shape":[4294967296,4294967296]'), ('"length":8,', '"length":0,')),
            "TENSOR_LENGTH",
            "2^32 x 2^32 elements: a 64-bit product wraps to 0, the exact product does not",
            ("1.2", "7.4"),
            tags=("pitfall:17.2",),
        ),
        invalid(
            "invalid.tensor_table.shape-dimension-2-62",
            _edit(('"shape":[2]', '"shape":[4611686018427387904]'), ('"length":8,', '"length":0,')),
            "HEADER_NUMBER",
            "a dimension of 2^62 is beyond 2^53-1 already",
            ("4.4", "7.4"),
            tags=("pitfall:17.2",),
        ),
        invalid(
            "invalid.tensor_table.length-product-beyond-2-53",
            _edit(
                ('"shape":[2]', '"shape":[9007199254740991,9007199254740991]'),
                ('"length":8,', '"length":9007199254740991,'),
            ),
            "TENSOR_LENGTH",
            "dimensions within 2^53-1 whose product is not",
            ("1.2", "7.4"),
            tags=("pitfall:17.2", "pitfall:17.8"),
        ),
        invalid(
            "invalid.tensor_table.length-beats-offset",
            _edit(('"length":3,', '"length":4,'), ('"offset":64', '"offset":65')),
            "TENSOR_LENGTH",
            "step 8 (length) before step 9 (offset)",
            "7.2",
        ),
        invalid(
            "invalid.tensor_table.offset-misaligned",
            _edit(('"offset":64', '"offset":72')),
            "TENSOR_MISALIGNED",
            "offsets are multiples of 64",
            "7.5",
            tags=("pitfall:17.7",),
        ),
        invalid(
            "invalid.tensor_table.offset-misaligned-beats-overlap",
            _edit(('"offset":64', '"offset":4')),
            "TENSOR_MISALIGNED",
            "offset 4 is misaligned and overlapping: misaligned is checked first",
            "7.5",
        ),
        invalid(
            "invalid.tensor_table.offset-overlap",
            _edit(('"offset":64', '"offset":0')),
            "TENSOR_OVERLAP",
            "mask at 0 would alias w's bytes",
            "7.5",
            tags=("pitfall:17.3",),
        ),
        invalid(
            "invalid.tensor_table.offset-gap",
            _edit(('"offset":64', '"offset":128')),
            "TENSOR_GAP",
            "a 64-byte hole could hide data",
            "7.5",
            tags=("pitfall:17.3", "pitfall:17.1"),
        ),
        invalid(
            "invalid.tensor_table.first-offset-not-zero",
            _edit(('"offset":0,', '"offset":64,')),
            "TENSOR_GAP",
            "the first tensor starts at 0",
            "7.5",
        ),
        invalid(
            "invalid.tensor_table.name-duplicate",
            _edit(('"name":"mask"', '"name":"w"')),
            "TENSOR_NAME_DUPLICATE",
            "names are unique",
            "7.3",
            tags=("pitfall:17.4",),
        ),
        invalid(
            "invalid.tensor_table.name-duplicate-escaped",
            _edit(('"name":"mask"', r'"name":"\u0077"')),
            "TENSOR_NAME_DUPLICATE",
            "names compare after unescaping",
            "7.3",
            tags=("pitfall:17.4",),
        ),
        invalid(
            "invalid.tensor_table.name-duplicate-checked-last",
            _edit(('"name":"mask"', '"name":"w"'), ('"buffer"', '"state"')),
            "ROLE_UNKNOWN",
            "uniqueness is step 10: the second entry's role is reported first",
            "7.2",
        ),
        invalid(
            "invalid.tensor_table.first-entry-first",
            _edit(('"float32"', '"float99"'), ('"buffer"', '"state"')),
            "DTYPE_UNKNOWN",
            "entries are checked in table order",
            "7.2",
        ),
        invalid(
            "invalid.tensor_table.tensors-beat-metadata",
            _edit(('"buffer"', '"state"'), ('"tiny"', "7")),
            "ROLE_UNKNOWN",
            "the tensor table (step 4) before metadata (step 5)",
            "13.1",
        ),
        invalid(
            "invalid.tensor_table.declared-length-beyond-file",
            _huge_tensor(),
            "TRUNCATED",
            "a tensor of 8 PiB in a tiny file: phase 4 proves it is not there before anything is allocated",
            ("3.6", "13.3"),
            tags=("pitfall:17.6", "pitfall:17.8"),
        ),
    ]


def _huge_tensor() -> bytes:
    small = model([Tensor("huge", "uint8", [0], b"")])
    return file_bytes(
        small,
        header_text=edit_text(
            small, ('"length":0', f'"length":{2**53 - 1}'), ('"shape":[0]', f'"shape":[{2**53 - 1}]')
        ),
    )


def _zero_size() -> list[Vector]:
    w = Tensor("w", "float32", [2], f32(1.0, -2.0))
    e1 = Tensor("e1", "float32", [0], b"")
    e2 = Tensor("e2", "int64", [3, 0], b"")
    x = Tensor("x", "uint8", [1], b"\x07")
    scalar = Tensor("s", "float64", [], bytes(8))
    after_w = model([w, e1, e2, x])
    bad_offset = edit_text(after_w, ('"name":"e1","offset":64', '"name":"e1","offset":0'))
    bad_digest = edit_text(model([w, e1]), (f'"sha256":"{EMPTY_SHA256}"', '"sha256":"' + "0" * 64 + '"'))
    return [
        valid(
            "valid.tensor_table.zero-size-shared-offset",
            file_bytes(after_w),
            "two zero-size tensors share the offset of the next tensor",
            "7.8",
        ),
        valid(
            "valid.tensor_table.zero-size-last",
            file_bytes(model([w, e1])),
            "the last tensor is zero-size: the data section ends with the gap before it",
            ("3.4", "7.8"),
        ),
        valid("valid.tensor_table.zero-size-first", file_bytes(model([e1, w])), "a zero-size first tensor at 0", "7.8"),
        valid(
            "valid.tensor_table.only-zero-size",
            file_bytes(model([e1, e2])),
            "every tensor is zero-size: data_length is 0",
            ("3.4", "7.8"),
        ),
        valid(
            "valid.tensor_table.rank-0",
            file_bytes(model([scalar, x])),
            "a rank-0 tensor holds one element",
            ("7.4", "7.8"),
        ),
        valid(
            "valid.tensor_table.zero-dimension-inside",
            file_bytes(model([Tensor("z", "float32", [3, 0, 2], b""), w])),
            "a zero anywhere in the shape makes the tensor zero-size",
            "7.4",
        ),
        invalid(
            "invalid.tensor_table.zero-size-at-previous-offset",
            file_bytes(after_w, header_text=bad_offset),
            "TENSOR_OVERLAP",
            "a zero-size tensor is placed like any other: at align64 of the previous end",
            ("7.5", "7.8"),
        ),
        invalid(
            "invalid.tensor_table.zero-size-wrong-digest",
            file_bytes(model([w, e1]), header_text=bad_digest),
            "DIGEST_MISMATCH",
            "a zero-size tensor's digest is the SHA-256 of the empty string",
            ("7.6", "7.8"),
        ),
    ]


def _names() -> list[Vector]:
    names = [
        "../../../../etc/passwd",
        "/absolute/path",
        "C:\\Windows\\System32\\x.dll",
        "https://example.com/w.bin",
        "file:///etc/shadow",
        "~/.ssh/id_rsa",
        ".",
        "..",
        "a/b/../c",
        "$(rm -rf /)",
        "`id`",
        "%s%n",
        "NUL",
        "con",
    ]
    tensors = [Tensor(name, "uint8", [1], bytes([index])) for index, name in enumerate(names)]
    special = ["__proto__", "constructor", "toString", "hasOwnProperty", "__class__", "__init__", "prototype"]
    unicode_names = ["é", "e\u0301", "W", "w", "😀", "\u202eevil", "\u200b", "名前", " ", "a b"]
    return [
        valid(
            "valid.names.paths-and-urls",
            file_bytes(model(tensors, {})),
            "names that look like paths, URLs and commands are opaque labels: read, never resolved",
            ("7.3", "13.5"),
            tags=("pitfall:17.9",),
        ),
        valid(
            "valid.names.prototype-names",
            file_bytes(model([Tensor(name, "uint8", [1], b"\x01") for name in special], {"__proto__": "x"})),
            "names that are special properties in some languages",
            ("7.3", "13.5"),
            tags=("pitfall:17.10",),
        ),
        valid(
            "valid.names.unicode",
            file_bytes(model([Tensor(name, "uint8", [1], b"\x02") for name in unicode_names], {})),
            "NFC and NFD forms and cases are different names; bidirectional and zero-width characters are "
            "allowed (tools escape them when displaying, §17.16)",
            ("7.3", "17.16"),
            tags=("pitfall:17.16",),
        ),
    ]


def _metadata() -> list[Vector]:
    recommended = {
        "name": "model",
        "version": "2.1.0",
        "license": "MIT OR Apache-2.0",
        "authors": ["A", "B"],
        "description": "text",
        "source": "trained",
        "tags": ["x", "y"],
    }
    empty = {"name": "", "version": "", "license": "", "authors": [], "description": "", "source": "", "tags": []}
    free = {"config": {"layers": [1, 2, {"deep": [None, True, 1.5]}]}, "Name": 1, "url": "https://example.com"}
    wrong = {
        "name-number": ('{"name":7}', "name is a string"),
        "version-number": ('{"version":2.1}', "version is a string"),
        "license-array": ('{"license":["MIT"]}', "license is a string (an SPDX expression)"),
        "authors-string": ('{"authors":"me"}', "authors is an array of strings"),
        "authors-number-item": ('{"authors":["me",1]}', "every element of authors is a string"),
        "description-object": ('{"description":{}}', "description is a string"),
        "source-null": ('{"source":null}', "null is not a string"),
        "tags-boolean-item": ('{"tags":[true]}', "every tag is a string"),
    }
    vectors = [
        valid(
            "valid.metadata.recommended-keys",
            file_bytes(model([], recommended)),
            "every recommended key with its type",
            "8.2",
        ),
        valid(
            "valid.metadata.recommended-keys-empty",
            file_bytes(model([], empty)),
            "empty strings and arrays are allowed",
            "8.2",
        ),
        valid(
            "valid.metadata.free-form",
            file_bytes(model([], free)),
            "any other keys, any values; `Name` is not `name`; a URL is only text",
            ("8.1", "13.5"),
            tags=("pitfall:17.9",),
        ),
        valid(
            "valid.metadata.display-hazards",
            file_bytes(
                model(
                    [],
                    {
                        "terminal": "\x1b[31mred\x1b[0m\x07",
                        "bidi": "abc\u202edcba",
                        "nul": "a\x00b",
                        "zero-width": "a\u200bb",
                        "newline": "line1\nline2",
                    },
                )
            ),
            "terminal escapes, bidirectional overrides and NUL in metadata: valid, returned exactly",
            ("8.1", "17.16"),
            tags=("pitfall:17.16",),
        ),
        valid(
            "valid.metadata.picture-and-archive-hazards",
            file_bytes(
                model(
                    [
                        Tensor(name, "uint8", [1], bytes([index]))
                        for index, name in enumerate(["file", "allow_pickle", "%2F", "C:x", "a\\b", "Case", "case"])
                    ],
                    {
                        "name": "a\x01b\ufffe\uffff",
                        "markup": "]]><svg onload=x>&#1;",
                        "surrogate-pair": "\U0001f600",
                    },
                )
            ),
            "strings no XML document may hold (U+0001, U+FFFE, U+FFFF) and names that are archive paths or "
            "numpy arguments: valid, returned exactly; tools escape or encode them (§17.20)",
            ("7.3", "8.1", "17.20"),
            tags=("pitfall:17.20",),
        ),
        invalid(
            "invalid.metadata.beats-extensions",
            header_only('{"extensions":{"x":1},"metadata":{"name":true},"tensors":[]}'),
            "METADATA_TYPE",
            "metadata (step 5) before extensions (step 6)",
            "13.1",
        ),
    ]
    for name, (text, description) in wrong.items():
        vectors.append(
            invalid(
                f"invalid.metadata.{name}",
                header_only('{"metadata":' + text + ',"tensors":[]}'),
                "METADATA_TYPE",
                description,
                "8.2",
            )
        )
    return vectors


def _extensions() -> list[Vector]:
    ok = {"com.example.tool": {"anything": [1, "two"]}, "a.b": None, "x-y.z1": 0, "0.0": "digits", "org.a-b.c-d": {}}
    bad = {
        "one-label": "tool",
        "empty-label": "com..tool",
        "underscore": "com.my_tool",
        "uppercase": "Com.Example",
        "leading-hyphen": "-com.example",
        "label-trailing-hyphen": "com-.example",
        "trailing-dot": "com.example.",
        "non-ascii": "com.exämple",
        "proto": "__proto__",
        "empty": "",
    }
    vectors = [
        valid(
            "valid.extensions.names-and-values",
            file_bytes(model([], {}, extensions=ok)),
            "reverse-DNS keys; values are any JSON and change nothing",
            "8.3",
        ),
    ]
    for name, key in bad.items():
        vectors.append(
            invalid(
                f"invalid.extensions.{name}",
                header_only('{"extensions":{"' + key + '":1},"metadata":{},"tensors":[]}'),
                "EXTENSION_NAME",
                f"`{key}` is not a reverse-DNS name",
                "8.3",
            )
        )
    return vectors


def vectors() -> list[Vector]:
    return [*_top_level(), *_entry_types(), *_entry_rules(), *_zero_size(), *_names(), *_metadata(), *_extensions()]
