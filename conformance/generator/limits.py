"""Every limit of SPEC.md §5 and §9.12 at limit - 1, limit and limit + 1.

Files over 64 KiB are recipes (conformance/README.md): a runner builds them in a temporary folder and
checks the SHA-256 the manifest pins, so that the repository stays small.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from modelfmt.conformance import _recipe

from . import signing
from .base import header_only, tiny
from .build import EMPTY_SHA256, Preamble, Tensor, canonical, f32, file_bytes, model
from .model import Limit, Vector, invalid, valid

Part = dict[str, Any]
POSITIONS = ("limit-1", "limit", "limit+1")


def recipe_file(header_parts: Sequence[Part], *, data: bytes = b"", trailer: Sequence[Part] = ()) -> dict[str, object]:
    """A recipe for a whole file whose header is `header_parts` (its length computed here)."""
    length = len(_recipe.build({"parts": list(header_parts)}))
    parts: list[Part] = [{"hex": Preamble().pack(length).hex()}, *header_parts]
    padding = -(24 + length) % 64
    if padding:
        parts.append({"hex": "00", "repeat": padding})
    if data:
        parts.append({"hex": data.hex()})
    parts.extend(trailer)
    return {"parts": parts}


def _at(vector: Vector, name: str, value: int, at: str, *, recipe: dict[str, object] | None = None) -> Vector:
    tags = (*vector.tags, "pitfall:17.5")
    changed = dataclasses.replace(vector, limit=Limit(name, value, at), tags=tags)  # type: ignore[arg-type]
    if recipe is not None:
        changed = dataclasses.replace(changed, content=None, recipe=recipe)
    return changed


def _triple(  # noqa: PLR0917 - every call reads as one row of the limit table
    name: str,
    value: int,
    stem: str,
    build: Callable[[int], bytes | dict[str, object]],
    error: str,
    description: Callable[[int], str],
    sections: Sequence[str],
    offsets: Sequence[int] = (-1, 0, 1),
) -> list[Vector]:
    """Vectors at value - 1, value and value + 1 (built by `build(n)`: bytes, or a recipe)."""
    result = []
    for position, delta in zip(POSITIONS, offsets, strict=True):
        n = value + delta
        built = build(n)
        content = built if isinstance(built, bytes) else b""
        recipe = None if isinstance(built, bytes) else built
        if position == "limit+1":
            vector = invalid(f"invalid.limits.{stem}-limit-plus-1", content, error, description(n), sections)
        else:
            suffix = "limit" if position == "limit" else "limit-minus-1"
            vector = valid(f"valid.limits.{stem}-{suffix}", content, description(n), sections)
        result.append(_at(vector, name, value, position, recipe=recipe))
    return result


# ---- §5 --------------------------------------------------------------------------------------------------


def _header_length() -> list[Vector]:
    limit = 64 * 1024 * 1024
    core = '{"metadata":{},"tensors":[]}'

    def build(n: int) -> dict[str, object]:
        return recipe_file([{"text": core}, {"text": " ", "repeat": n - len(core)}])

    vectors = _triple(
        "header length",
        limit,
        "header-length",
        build,
        "HEADER_TOO_LARGE",
        lambda n: f"a header of {n} bytes (whitespace after the value)",
        ("3.1", "5"),
    )
    vectors.append(
        _at(
            invalid(
                "invalid.limits.header-length-limit-plus-1-preamble-only",
                Preamble(header_length=limit + 1).pack(0),
                "HEADER_TOO_LARGE",
                "L = 64 MiB + 1 in a 24-byte file: the limit is checked before the file length",
                ("3.1", "5"),
            ),
            "header length",
            limit,
            "limit+1",
        )
    )
    return vectors


def _depth() -> list[Vector]:
    def build(n: int) -> bytes:
        arrays = n - 2  # the root object is depth 1, metadata depth 2
        return header_only('{"metadata":{"a":' + "[" * arrays + "]" * arrays + '},"tensors":[]}')

    vectors = _triple(
        "nesting depth",
        64,
        "depth",
        build,
        "HEADER_DEPTH",
        lambda n: f"containers nested {n} deep (root object, metadata, arrays)",
        ("4.5", "5"),
    )
    vectors.append(
        _at(
            invalid(
                "invalid.limits.depth-objects-limit-plus-1",
                header_only('{"metadata":' + '{"a":' * 63 + "{}" + "}" * 63 + ',"tensors":[]}'),
                "HEADER_DEPTH",
                "objects count like arrays: 65 levels of objects",
                ("4.5", "5"),
            ),
            "nesting depth",
            64,
            "limit+1",
        )
    )
    return vectors


def _integer() -> list[Vector]:
    return _triple(
        "integer magnitude",
        2**53 - 1,
        "integer",
        lambda n: header_only(f'{{"metadata":{{"n":{n},"negative":{-(2**53 - 1)}}},"tensors":[]}}'),
        "HEADER_NUMBER",
        lambda n: f"the integer {n} (and -(2^53-1))",
        ("4.4", "5"),
    )


def _name() -> list[Vector]:
    def build(n: int) -> bytes:
        return file_bytes(model([Tensor("n" * n, "uint8", [1], b"\x01")], {}))

    vectors = _triple(
        "tensor name", 1024, "tensor-name", build, "TENSOR_NAME", lambda n: f"a tensor name of {n} bytes", ("5", "7.3")
    )
    four_byte = model([Tensor("😀" * 256, "uint8", [1], b"\x01")], {})
    escaped = canonical(four_byte.header).replace("😀".encode(), b"\\ud83d\\ude00")
    vectors += [
        _at(
            valid(
                "valid.limits.tensor-name-limit-four-byte-characters",
                file_bytes(four_byte),
                "256 four-byte characters: 1024 bytes of UTF-8 (256 code points)",
                ("5", "7.3"),
            ),
            "tensor name",
            1024,
            "limit",
        ),
        _at(
            valid(
                "valid.limits.tensor-name-limit-escaped",
                file_bytes(four_byte, header_text=escaped),
                "the same name written as 512 escapes: the length is measured after unescaping",
                ("5", "7.3"),
            ),
            "tensor name",
            1024,
            "limit",
        ),
        _at(
            invalid(
                "invalid.limits.tensor-name-limit-plus-1-multibyte",
                file_bytes(model([Tensor("n" * 1021 + "😀", "uint8", [1], b"\x01")], {})),
                "TENSOR_NAME",
                "1021 ASCII bytes and a four-byte character: 1025 bytes but 1022 code points",
                ("5", "7.3"),
            ),
            "tensor name",
            1024,
            "limit+1",
        ),
    ]
    return vectors


def _rank() -> list[Vector]:
    return _triple(
        "rank",
        16,
        "rank",
        lambda n: file_bytes(model([Tensor("t", "float32", [1] * n, f32(1.5))], {})),
        "SHAPE_INVALID",
        lambda n: f"a tensor of rank {n}",
        ("5", "7.4"),
    )


def _dimension() -> list[Vector]:
    def build(n: int) -> bytes:
        small = model([Tensor("t", "uint8", [0, 0], b"")], {})
        text = canonical(small.header).replace(b'"shape":[0,0]', b'"shape":[%d,0]' % n)
        return file_bytes(small, header_text=text)

    return _triple(
        "dimension",
        2**53 - 1,
        "dimension",
        build,
        "HEADER_NUMBER",
        lambda n: f"shape [{n}, 0]: a zero-size tensor with a huge dimension",
        ("4.4", "5", "7.4"),
    )


# Shapes whose non-zero dimensions multiply to 2^53-2, 2^53-1 (= 6361 x 69431 x 20394401) and 2^53.
_EXTENT_FACTORS: dict[int, tuple[int, ...]] = {
    2**53 - 2: (2, 2**52 - 1),
    2**53 - 1: (6361, 69431 * 20394401),
    2**53: (2**26, 2**27),
}


def _zero_size_extent() -> list[Vector]:
    def build(n: int) -> bytes:
        factors = _EXTENT_FACTORS[n]
        small = model([Tensor("t", "float32", [1, 1, 0], b"")], {})
        shape = b",".join(b"%d" % factor for factor in factors)
        text = canonical(small.header).replace(b'"shape":[1,1,0]', b'"shape":[' + shape + b",0]")
        return file_bytes(small, header_text=text)

    vectors = _triple(
        "zero-size extent",
        2**53 - 1,
        "zero-size-extent",
        build,
        "SHAPE_INVALID",
        lambda n: f"a zero-size tensor whose other dimensions {list(_EXTENT_FACTORS[n])} multiply to {n}",
        ("5", "7.4", "7.8"),
    )
    return [dataclasses.replace(vector, tags=(*vector.tags, "pitfall:17.17", "pitfall:17.8")) for vector in vectors]


def _tensor_count() -> list[Vector]:
    limit = 262144
    entry = (
        '{"dtype":"bool","length":0,"name":"t{i}","offset":0,"role":"other","sha256":"'
        + EMPTY_SHA256
        + '","shape":[0]}'
    )

    def build(n: int) -> dict[str, object]:
        if n > limit:  # the count is checked before any entry is examined: entries need not be valid
            items: Part = {"template": "0", "count": n, "separator": ","}
        else:
            items = {"template": entry, "count": n, "width": 6, "separator": ","}
        return recipe_file([{"text": '{"metadata":{},"tensors":['}, items, {"text": "]}"}])

    return _triple(
        "tensor count",
        limit,
        "tensor-count",
        build,
        "TENSOR_COUNT",
        lambda n: (
            f"{n} tensor entries"
            + (" (the count is checked before any entry)" if n > limit else " (zero-size, all at offset 0)")
        ),
        ("5", "7.1"),
    )


def _metadata_size() -> list[Vector]:
    limit = 1024 * 1024

    def build(n: int) -> dict[str, object]:
        return recipe_file(
            [{"text": '{"metadata":{"x":"'}, {"text": "a", "repeat": n - 8}, {"text": '"},"tensors":[]}'}]
        )

    vectors = _triple(
        "metadata size (canonical form)",
        limit,
        "metadata-size",
        build,
        "METADATA_TOO_LARGE",
        lambda n: f"metadata whose canonical form is {n} bytes",
        ("5", "8.1"),
    )
    # 1e20 is 4 bytes of text and 21 in canonical form: the size is measured on the canonical form.
    count = (limit - 7) // 22 + 1
    over = recipe_file(
        [
            {"text": '{"metadata":{"x":['},
            {"template": "1e20", "count": count, "separator": ","},
            {"text": ']},"tensors":[]}'},
        ]
    )
    escaped = recipe_file(
        [{"text": '{"metadata":{"x":"'}, {"text": "\\u0061", "repeat": limit - 8}, {"text": '"},"tensors":[]}'}]
    )
    vectors += [
        _at(
            invalid(
                "invalid.limits.metadata-size-canonical-over",
                b"",
                "METADATA_TOO_LARGE",
                f"{count} numbers written 1e20 (5 bytes with the comma) whose canonical form 100000000000000000000 "
                "is 21: under the limit as text, over it in canonical form",
                ("4.7", "5", "8.1"),
            ),
            "metadata size (canonical form)",
            limit,
            "limit+1",
            recipe=over,
        ),
        _at(
            valid(
                "valid.limits.metadata-size-limit-escaped",
                b"",
                "six times the limit as text (\\u0061 escapes), exactly the limit in canonical form",
                ("4.7", "5", "8.1"),
            ),
            "metadata size (canonical form)",
            limit,
            "limit",
            recipe=escaped,
        ),
    ]
    return vectors


# ---- signature block limits (§5, §12.3, §12.4) ------------------------------------------------------------


def _unknown_entry(index: int, *, signature_bytes: int = 16, public_key: bytes | None = None) -> dict[str, object]:
    key = public_key if public_key is not None else f"unknown key {index}".encode()
    entry: dict[str, object] = {
        "algorithm": "x-future-algorithm",
        "attributes": {},
        "key_id": hashlib.sha256(key).hexdigest(),
        "signature": hashlib.shake_256(b"not a signature %d" % index).hexdigest(signature_bytes),
    }
    if public_key is not None:
        entry["public_key"] = public_key.hex()
    return entry


def _block_limits() -> list[Vector]:
    unsigned = file_bytes(tiny())
    vectors: list[Vector] = []

    def with_entries(n: int) -> bytes:
        # Ed25519 entries by keys nobody holds (well-formed, never checked): a block may hold only 4
        # entries of other algorithms (§12.3 step 3.8), so those cannot fill it.
        entries = [{**_unknown_entry(index, signature_bytes=64), "algorithm": "ed25519"} for index in range(n - 1)]
        return signing.with_entries(unsigned, [*entries, signing.entry(unsigned, "test-ed25519")])

    vectors += _triple(
        "signatures per block",
        64,
        "signatures",
        with_entries,
        "SIGNATURE_BLOCK",
        lambda n: f"{n} Ed25519 signature entries, the last a valid one by the test key",
        ("5", "12.3"),
    )

    def with_attributes(n: int) -> bytes:
        attributes = {f"org.example.a{index:02d}": "v" for index in range(n)}
        if n <= 16:
            return signing.signed(unsigned, "test-ed25519", attributes)
        return signing.with_entries(unsigned, [{**signing.entry(unsigned, "test-ed25519"), "attributes": attributes}])

    vectors += _triple(
        "attributes per signature",
        16,
        "attributes",
        with_attributes,
        "SIGNATURE_BLOCK",
        lambda n: f"a signature with {n} attributes",
        ("5", "12.4"),
    )

    def with_value(n: int) -> bytes:
        if n <= 1024:
            return signing.signed(unsigned, "test-ed25519", {"comment": "c" * n})
        return signing.with_entries(
            unsigned, [{**signing.entry(unsigned, "test-ed25519"), "attributes": {"comment": "c" * n}}]
        )

    vectors += _triple(
        "signature attribute value",
        1024,
        "attribute-value",
        with_value,
        "SIGNATURE_BLOCK",
        lambda n: f"an attribute value of {n} bytes",
        ("5", "12.4"),
    )
    vectors.append(
        _at(
            invalid(
                "invalid.limits.attribute-value-limit-plus-1-multibyte",
                signing.with_entries(
                    unsigned, [{**signing.entry(unsigned, "test-ed25519"), "attributes": {"comment": "c" * 1023 + "é"}}]
                ),
                "SIGNATURE_BLOCK",
                "1023 ASCII bytes and a two-byte character: 1025 bytes, 1024 code points",
                ("5", "12.4"),
            ),
            "signature attribute value",
            1024,
            "limit+1",
        )
    )

    def with_public_key(n: int) -> bytes:
        key = bytes((index * 11) % 256 for index in range(n))
        return signing.with_entries(
            unsigned, [_unknown_entry(0, public_key=key), signing.entry(unsigned, "test-ed25519")]
        )

    vectors += _triple(
        "embedded public key",
        4096,
        "public-key",
        with_public_key,
        "SIGNATURE_BLOCK",
        lambda n: f"an unknown algorithm's entry with a {n}-byte public_key (its SHA-256 is the key id)",
        ("5", "12.3"),
    )

    def with_signature(n: int) -> dict[str, object]:
        entry = _unknown_entry(0)
        text = canonical({"signatures": [{**entry, "signature": "@"}]}).decode()
        head, tail = text.split("@")
        return _block_recipe(unsigned, [{"text": head}, {"text": "5a", "repeat": n}, {"text": tail}])

    vectors += _triple(
        "signature of an algorithm not in the registry",
        65536,
        "unknown-signature",
        with_signature,
        "SIGNATURE_BLOCK",
        lambda n: f"an unknown algorithm's signature of {n} bytes",
        ("5", "12.3"),
    )

    def with_generic_entries(n: int) -> bytes:
        generic = [_unknown_entry(index) for index in range(n)]
        return signing.with_entries(unsigned, [signing.entry(unsigned, "test-ed25519"), *generic])

    vectors += [
        dataclasses.replace(vector, tags=(*vector.tags, "pitfall:17.21"))
        for vector in _triple(
            "entries of algorithms other than ed25519 and ecdsa-p256-sha256",
            4,
            "unknown-entries",
            with_generic_entries,
            "SIGNATURE_BLOCK",
            lambda n: f"a valid Ed25519 entry, then {n} entries of an algorithm no reader of 1.0 knows",
            ("5", "12.3", "17.21"),
        )
    ]

    def with_body(n: int) -> dict[str, object]:
        signed = signing.signed(unsigned, "test-ed25519", signing.ATTRIBUTES)
        body = signed[len(unsigned) : -16]
        return _block_recipe(unsigned, [{"hex": body.hex()}, {"text": " ", "repeat": n - len(body)}])

    vectors += _triple(
        "signature block body",
        1024 * 1024,
        "signature-body",
        with_body,
        "SIGNATURE_BLOCK",
        lambda n: f"a signature block body of {n} bytes (a signed entry, then whitespace)",
        ("3.6", "5", "12.2"),
    )
    return vectors


def _block_recipe(unsigned: bytes, body_parts: list[Part]) -> dict[str, object]:
    length = len(_recipe.build({"parts": body_parts}))
    trailer = signing.trailer(length)
    return {"parts": [{"hex": unsigned.hex()}, *body_parts, {"hex": trailer.hex()}]}


# ---- §9.12 -----------------------------------------------------------------------------------------------


def _arch_header(inputs: str, nodes: str, outputs: str, tensors: str = "[]") -> str:
    return (
        '{"architecture":{"inputs":'
        + inputs
        + ',"nodes":'
        + nodes
        + ',"opset":{"modelfmt.core":1},"outputs":'
        + outputs
        + '},"metadata":{},"tensors":'
        + tensors
        + "}"
    )


X1 = '[{"dtype":"float32","name":"x","shape":[1]}]'


def _graph_nodes() -> list[Vector]:
    limit = 262144

    def build(n: int) -> dict[str, object]:
        if n > limit:  # counted before any node is examined
            nodes: Part = {"template": "0", "count": n, "separator": ","}
        else:
            nodes = {
                "template": '{"inputs":["x"],"name":"n{i}","op":"Identity","outputs":["v{i}"]}',
                "count": n,
                "width": 6,
                "separator": ",",
            }
        head, tail = _arch_header(X1, "@", '[{"dtype":"float32","name":"x","shape":[1]}]').split("@")
        return recipe_file([{"text": head + "["}, nodes, {"text": "]" + tail}])

    return _triple(
        "graph nodes",
        limit,
        "graph-nodes",
        build,
        "GRAPH_LIMIT",
        lambda n: f"a graph of {n} Identity nodes" + (" (counted before any node)" if n > limit else ""),
        ("5", "9.12"),
    )


def _graph_values() -> list[Vector]:
    limit = 4096

    def declarations(n: int) -> Part:
        return {"template": '{"dtype":"bool","name":"x{i}","shape":[]}', "count": n, "width": 4, "separator": ","}

    def zeros(n: int) -> Part:  # counted before any declaration is examined: they need not be valid
        return {"template": "0", "count": n, "separator": ","}

    def graph(inputs: Part, outputs: Part) -> dict[str, object]:
        head, middle, tail = _arch_header("@", "[]", "@").split("@")
        return recipe_file([{"text": head + "["}, inputs, {"text": "]" + middle + "["}, outputs, {"text": "]" + tail}])

    def inputs(n: int) -> dict[str, object]:
        return graph(zeros(n) if n > limit else declarations(n), declarations(1))

    def outputs(n: int) -> dict[str, object]:
        return graph(declarations(1 if n > limit else n), zeros(n) if n > limit else declarations(n))

    def node_inputs(n: int) -> bytes:
        inputs = ",".join(['"x"'] * n)
        node = '[{"attributes":{"axis":0},"inputs":[' + inputs + '],"name":"cat","op":"Concat","outputs":["y"]}]'
        return header_only(_arch_header(X1, node, f'[{{"dtype":"float32","name":"y","shape":[{n}]}}]'))

    def node_outputs(n: int) -> bytes:
        names = ",".join(f'"o{i:04d}"' for i in range(n))
        split = ",".join(["1"] * n)
        node = (
            '[{"attributes":{"axis":0,"split":['
            + split
            + ']},"inputs":["x"],"name":"split","op":"Split","outputs":['
            + names
            + "]}]"
        )
        x = f'[{{"dtype":"float32","name":"x","shape":[{n}]}}]'
        return header_only(_arch_header(x, node, '[{"dtype":"float32","name":"o0000","shape":[1]}]'))

    def ints(n: int) -> bytes:
        if n <= limit:
            return node_outputs(n)
        shape = ",".join(["1"] * n)
        node = '[{"attributes":{"shape":[' + shape + ']},"inputs":["x"],"name":"r","op":"Reshape","outputs":["y"]}]'
        return header_only(_arch_header(X1, node, X1))

    s = ("9.12",)
    return [
        *_triple("graph inputs", limit, "graph-inputs", inputs, "GRAPH_LIMIT", lambda n: f"{n} graph inputs", s),
        *_triple("graph outputs", limit, "graph-outputs", outputs, "GRAPH_LIMIT", lambda n: f"{n} graph outputs", s),
        *_triple(
            "node inputs",
            limit,
            "node-inputs",
            node_inputs,
            "GRAPH_LIMIT",
            lambda n: f"a Concat node with {n} inputs",
            ("9.12", "10.5.4"),
        ),
        *_triple(
            "node outputs",
            limit,
            "node-outputs",
            node_outputs,
            "GRAPH_LIMIT",
            lambda n: f"a Split node with {n} outputs",
            ("9.12", "10.5.5"),
        ),
        *_triple(
            "ints items",
            limit,
            "ints-items",
            ints,
            "GRAPH_LIMIT",
            lambda n: f"an ints attribute of {n} items" + (" (Reshape)" if n > limit else " (Split)"),
            ("9.7", "9.12"),
        ),
    ]


def _graph_names() -> list[Vector]:
    def declared_rank(n: int) -> bytes:
        x = '[{"dtype":"float32","name":"x","shape":[' + ",".join(["1"] * n) + "]}]"
        return header_only(_arch_header(x, "[]", x))

    def symbol(n: int) -> bytes:
        x = '[{"dtype":"float32","name":"x","shape":["%s"]}]' % ("s" * n)
        return header_only(_arch_header(x, "[]", x))

    def node_name(n: int) -> bytes:
        node = '[{"inputs":["x"],"name":"%s","op":"Identity","outputs":["y"]}]' % ("n" * n)
        return header_only(_arch_header(X1, node, '[{"dtype":"float32","name":"y","shape":[1]}]'))

    def value_name(n: int) -> bytes:
        node = '[{"inputs":["x"],"name":"id","op":"Identity","outputs":["%s"]}]' % ("v" * n)
        return header_only(_arch_header(X1, node, X1))

    return [
        *_triple(
            "rank of a declared value",
            16,
            "declared-rank",
            declared_rank,
            "SHAPE_INVALID",
            lambda n: f"a graph input of rank {n}",
            ("9.5", "9.12"),
        ),
        *_triple(
            "symbolic dimension name",
            64,
            "symbol",
            symbol,
            "GRAPH_NAME",
            lambda n: f"a symbolic dimension of {n} characters",
            ("9.4", "9.12"),
        ),
        *_triple(
            "node and value names",
            1024,
            "node-name",
            node_name,
            "GRAPH_NAME",
            lambda n: f"a node name of {n} bytes",
            ("9.4", "9.12"),
        ),
        *_triple(
            "node and value names",
            1024,
            "value-name",
            value_name,
            "GRAPH_NAME",
            lambda n: f"a value name of {n} bytes",
            ("9.4", "9.12"),
        ),
    ]


def _recurrent_layers() -> list[Vector]:
    """RNN with input and hidden size 1: every weight slot is [1, 1], so one tensor binds them all."""

    def build(n: int) -> bytes:
        parameters = {}
        for layer in range(min(n, 1024)):
            parameters[f"weight_ih_l{layer}"] = "w"
            parameters[f"weight_hh_l{layer}"] = "w"
        node = {
            "attributes": {"hidden_size": 1, "input_size": 1, "num_layers": n},
            "inputs": ["x"],
            "name": "rnn",
            "op": "RNN",
            "outputs": ["y"],
            "parameters": parameters,
        }
        arch = {
            "opset": {"modelfmt.core": 1},
            "inputs": [{"name": "x", "dtype": "float32", "shape": [2, 1, 1]}],
            "outputs": [{"name": "y", "dtype": "float32", "shape": [2, 1, 1]}],
            "nodes": [node],
        }
        return file_bytes(model([Tensor("w", "float32", [1, 1], f32(0.5))], {}, architecture=arch))

    return _triple(
        "recurrent num_layers",
        1024,
        "rnn-layers",
        build,
        "GRAPH_ATTRIBUTE_VALUE",
        lambda n: f"an RNN of {n} layers (all weights tied to one [1, 1] tensor)",
        ("9.12", "10.10"),
    )


def vectors() -> list[Vector]:
    return [
        *_header_length(),
        *_depth(),
        *_integer(),
        *_name(),
        *_rank(),
        *_dimension(),
        *_zero_size_extent(),
        *_tensor_count(),
        *_metadata_size(),
        *_block_limits(),
        *_graph_nodes(),
        *_graph_values(),
        *_graph_names(),
        *_recurrent_layers(),
    ]
