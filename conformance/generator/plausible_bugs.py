"""Vectors that give a plausible bug a wrong verdict, not merely a wrong code.

Each breaks exactly one rule (or, for a valid vector, exercises one rule that a shortcut gets wrong) and is
consistent in every other respect: digests, lengths, offsets and signatures are recomputed, so that a reader
that skips the rule accepts the file instead of failing later with another code. `conformance/tools/mutate.py`
applies the bugs these vectors are about to both implementations and reports which survive.
"""

from __future__ import annotations

import hashlib
from typing import Any

from . import signing
from .build import Layout, Tensor, canonical, f32, sha256
from .graph import graph_file, node
from .limits import _at, recipe_file
from .model import Vector, invalid, valid, verify
from .signatures import UNKNOWN, UNSIGNED

F = "float32"


def _tag(bug: str) -> tuple[str, ...]:
    return (f"bug:{bug}",)


def _w(name: str, shape: list[int], role: str = "parameter") -> Tensor:
    count = 1
    for dim in shape:
        count *= dim
    return Tensor(name, F, shape, f32(*([0.25] * count)), role)


def _graph(
    inputs: list[tuple[str, str, list[Any]]],
    outputs: list[tuple[str, str, list[Any]]],
    nodes: list[dict[str, Any]],
    tensors: list[Tensor] | None = None,
) -> bytes:
    arch = {
        "opset": {"modelfmt.core": 1},
        "inputs": [{"name": n, "dtype": d, "shape": s} for n, d, s in inputs],
        "outputs": [{"name": n, "dtype": d, "shape": s} for n, d, s in outputs],
        "nodes": nodes,
    }
    return graph_file(arch, tensors if tensors is not None else [])


# ---- graph shape rules (§10) -----------------------------------------------------------------------------


def _graph_rules() -> list[Vector]:
    mha = [_w("mha.in", [12, 4]), _w("mha.out", [4, 4])]
    mha_node = {
        "attributes": {"embed_dim": 4, "num_heads": 2},
        "parameters": {"in_proj_weight": "mha.in", "out_proj_weight": "mha.out"},
    }
    qkv = [("q", F, [2, 1, 4]), ("k", F, [3, 1, 4]), ("v", F, [3, 1, 4])]

    def attention(mask: list[int]) -> bytes:
        return _graph(
            [*qkv, ("mask", F, mask)],
            [("y", F, [2, 1, 4])],
            [node("m", "MultiHeadAttention", ["q", "k", "v", None, "mask"], ["y"], **mha_node)],
            mha,
        )

    def pool(op: str, declared: int) -> bytes:
        attributes: dict[str, object] = {"kernel_size": [1, 3], "stride": [1, 3], "padding": [0, 1], "ceil_mode": True}
        return _graph(
            [("x", F, [1, 1, 1, 5])],
            [("y", F, [1, 1, 1, declared])],
            [node("p", op, ["x"], ["y"], attributes=attributes)],
        )

    last_window = (
        "ceil_mode: ceil((5 + 2 - 3) / 3) + 1 = 3 windows, but the third would start at 6, in the right padding "
        "(6 >= 5 + 1): it is dropped, so the output has 2"
    )
    return [
        invalid(
            "invalid.graph.concat-off-axis-size-differs",
            _graph(
                [("a", F, [2, 3]), ("b", F, [2, 4])],
                [("y", F, [4, 3])],
                [node("cat", "Concat", ["a", "b"], ["y"], attributes={"axis": 0})],
            ),
            "GRAPH_SHAPE",
            "Concat on axis 0 of [2, 3] and [2, 4]: the sizes off the axis differ (the declared output is what "
            "a reader that compares only the axis would infer)",
            ("10.5.4",),
            tags=_tag("concat-off-axis"),
        ),
        valid(
            "valid.graph.flatten-default-start-dim",
            _graph([("x", F, [2, 3, 4])], [("y", F, [2, 12])], [node("f", "Flatten", ["x"], ["y"])]),
            "Flatten without attributes keeps axis 0: start_dim defaults to 1, [2, 3, 4] becomes [2, 12]",
            ("10.5.1",),
            tags=_tag("flatten-default"),
        ),
        valid(
            "valid.graph.maxpool-ceil-mode-last-window-dropped",
            pool("MaxPool2d", 2),
            last_window,
            ("10.1", "10.8.3", "10.8.4"),
            tags=_tag("ceil-mode"),
        ),
        valid(
            "valid.graph.avgpool-ceil-mode-last-window-dropped",
            pool("AvgPool2d", 2),
            last_window,
            ("10.1", "10.8.3", "10.8.4"),
            tags=_tag("ceil-mode"),
        ),
        invalid(
            "invalid.graph.maxpool-ceil-mode-last-window-kept",
            pool("MaxPool2d", 3),
            "GRAPH_SHAPE",
            "the window that would start in the right padding is not an output position: 3 is wrong",
            ("10.1", "10.8.3", "10.8.4"),
            tags=_tag("ceil-mode"),
        ),
        valid(
            "valid.graph.mha-attn-mask-3d",
            attention([2, 2, 3]),
            "a 3-D attn_mask is [batch * num_heads, target, source] = [2, 2, 3]",
            ("10.11.1",),
            tags=_tag("attn-mask-3d"),
        ),
        invalid(
            "invalid.graph.mha-attn-mask-3d-batch-heads",
            attention([3, 2, 3]),
            "GRAPH_SHAPE",
            "a 3-D attn_mask whose axis 0 (3) is not batch * num_heads (1 * 2)",
            ("10.11.1",),
            tags=_tag("attn-mask-3d"),
        ),
    ]


# ---- the tensor table and content (§7.5, §13) -------------------------------------------------------------


def _one_byte_overlap() -> bytes:
    """`a` (65 bytes at 0) and `b` (8 bytes at 64) share one byte; every digest and length is right."""
    a = bytes(range(1, 66))
    b = a[64:] + bytes(range(100, 107))
    data = a[:64] + b
    entries = [
        {
            "dtype": "uint8",
            "length": 65,
            "name": "a",
            "offset": 0,
            "role": "parameter",
            "sha256": sha256(a),
            "shape": [65],
        },
        {
            "dtype": "uint8",
            "length": 8,
            "name": "b",
            "offset": 64,
            "role": "parameter",
            "sha256": sha256(b),
            "shape": [8],
        },
    ]
    return Layout(canonical({"metadata": {}, "tensors": entries}), data).assemble()


BIG_PATTERN = bytes(range(256))
BIG_REPEAT = 69632  # 17 MiB of the pattern, then one more byte: past every read chunk of both implementations


def _big_tensor(last: int) -> dict[str, object]:
    """A uint8 tensor of 17 MiB + 1 byte whose header digest is that of the bytes ending in 0x01."""
    length = len(BIG_PATTERN) * BIG_REPEAT + 1
    digest = hashlib.sha256()
    for _ in range(BIG_REPEAT // 4096):
        digest.update(BIG_PATTERN * 4096)
    digest.update(b"\x01")
    entry = {
        "dtype": "uint8",
        "length": length,
        "name": "big",
        "offset": 0,
        "role": "parameter",
        "sha256": digest.hexdigest(),
        "shape": [length],
    }
    header = canonical({"metadata": {"name": "big"}, "tensors": [entry]}).decode("utf-8")
    recipe = recipe_file([{"text": header}])
    parts = list(recipe["parts"])  # type: ignore[call-overload]
    parts += [{"hex": BIG_PATTERN.hex(), "repeat": BIG_REPEAT}, {"hex": f"{last:02x}"}]
    return {"parts": parts}


def _content() -> list[Vector]:
    big_sections = ("7.2", "13.1")
    return [
        invalid(
            "invalid.tensor_table.offset-overlap-one-byte",
            _one_byte_overlap(),
            "TENSOR_OVERLAP",
            "b starts at 64, one byte before a (65 bytes at 0) ends; digests, lengths and the file's end agree",
            "7.5",
            tags=("pitfall:17.3", *_tag("overlap-one-byte")),
        ),
        valid(
            "valid.content.tensor-17-mib",
            b"",
            "a 17 MiB + 1 byte tensor: its digest covers every read chunk, the last one a single byte",
            big_sections,
            tags=_tag("digest-first-chunk"),
            recipe=_big_tensor(0x01),
        ),
        invalid(
            "invalid.content.tensor-17-mib-last-byte-flipped",
            b"",
            "DIGEST_MISMATCH",
            "the last byte of a 17 MiB + 1 byte tensor differs from the one its digest covers",
            big_sections,
            tags=("pitfall:17.14", *_tag("digest-first-chunk")),
            recipe=_big_tensor(0x02),
        ),
    ]


# ---- metadata size in UTF-8 bytes (§8.1) ------------------------------------------------------------------


def _metadata_utf8() -> list[Vector]:
    limit = 1024 * 1024
    name = "metadata size (canonical form)"

    def build(size: int) -> dict[str, object]:
        # {"x":"…"} is 8 bytes around the value; é is 2 bytes of UTF-8 and 1 character.
        value = size - 8
        return recipe_file(
            [
                {"text": '{"metadata":{"x":"'},
                {"text": "a" * (value % 2)},
                {"text": "é", "repeat": value // 2},
                {"text": '"},"tensors":[]}'},
            ]
        )

    return [
        _at(
            valid(
                "valid.limits.metadata-size-limit-utf8",
                b"",
                "non-ASCII metadata whose canonical form is exactly the limit in UTF-8 bytes (half as many characters)",
                ("5", "8.1"),
                tags=_tag("metadata-characters"),
            ),
            name,
            limit,
            "limit",
            recipe=build(limit),
        ),
        _at(
            invalid(
                "invalid.limits.metadata-size-limit-plus-1-utf8",
                b"",
                "METADATA_TOO_LARGE",
                "non-ASCII metadata one UTF-8 byte over the limit: about half the limit counted in characters",
                ("5", "8.1"),
                tags=_tag("metadata-characters"),
            ),
            name,
            limit,
            "limit+1",
            recipe=build(limit + 1),
        ),
    ]


# ---- signature block and verification (§3.5, §12) ---------------------------------------------------------


def _block_length() -> list[Vector]:
    body = canonical({"signatures": [UNKNOWN]})
    short_by_one = signing.trailer(len(body))
    return [
        invalid(
            "invalid.signature_block.body-length-short-trailing-space",
            UNSIGNED + body + b" " + short_by_one,
            "SIGNATURE_BLOCK",
            "B counts the body but not the space after it: B must equal the bytes between the data and the "
            "trailer, not merely fit in them",
            ("3.5", "3.6"),
            tags=_tag("body-length-upper-bound"),
        ),
        invalid(
            "invalid.signature_block.body-length-short-leading-space",
            UNSIGNED + b" " + body + short_by_one,
            "SIGNATURE_BLOCK",
            "B counts the body but not the space before it (a reader locating the body from the trailer would "
            "find valid JSON)",
            ("3.5", "3.6"),
            tags=_tag("body-length-upper-bound"),
        ),
    ]


def _leap_years() -> list[Vector]:
    def with_time(time: str) -> bytes:
        return signing.with_entries(UNSIGNED, [{**UNKNOWN, "attributes": {"time": time}}])

    result = [
        invalid(
            f"invalid.signature_block.attribute-time-{year}-02-29",
            with_time(f"{year}-02-29T00:00:00Z"),
            "SIGNATURE_BLOCK",
            f"{year} is divisible by 100 and not by 400: not a leap year",
            "12.4",
            tags=_tag("leap-year"),
        )
        for year in (1900, 2100)
    ]
    result.append(
        valid(
            "valid.signature_block.attribute-time-2000-02-29",
            with_time("2000-02-29T00:00:00Z"),
            "2000 is divisible by 400: a leap year",
            "12.4",
            tags=_tag("leap-year"),
        )
    )
    return result


def _attributes_out_of_order() -> bytes:
    """A block whose attributes are written in reverse canonical order; the signature is over canonical form."""
    attributes = {"time": "2025-01-01T00:00:00Z", "signer": "Zoë", "org.example.b": "2", "comment": "written last"}
    entry = signing.entry(UNSIGNED, "test-ed25519", attributes)
    written = {
        "time": attributes["time"],
        "signer": attributes["signer"],
        "org.example.b": "2",
        "comment": attributes["comment"],
    }
    text = canonical({"signatures": [entry]}).decode("utf-8")
    canonical_attributes = canonical(entry["attributes"]).decode("utf-8")
    reversed_attributes = (
        "{" + ",".join(f"{canonical(key).decode()}:{canonical(value).decode()}" for key, value in written.items()) + "}"
    )
    assert text.count(canonical_attributes) == 1 and reversed_attributes != canonical_attributes
    return signing.with_body(UNSIGNED, text.replace(canonical_attributes, reversed_attributes).encode("utf-8"))


def _verification() -> list[Vector]:
    ed_signed = signing.signed(UNSIGNED, "test-ed25519")
    second_signed = signing.signed(UNSIGNED, "test-ed25519-2")
    return [
        verify(
            "verify.valid.attributes-written-out-of-order",
            _attributes_out_of_order(),
            ["test-ed25519"],
            "the attributes are written time, signer, org.example.b, comment; the signed message holds them in "
            "RFC 8785 order (comment, org.example.b, signer, time), never in the order written",
            ("12.5",),
            signer="test-ed25519",
            tags=_tag("attributes-written-order"),
        ),
        verify(
            "verify.valid.two-ed25519-keys-signer-second",
            ed_signed,
            ["test-ed25519-2", "test-ed25519"],
            "two trusted Ed25519 keys; the entry's key id names the second: the key is chosen by key id, not by "
            "algorithm",
            ("12.9",),
            signer="test-ed25519",
            tags=_tag("key-by-algorithm"),
        ),
        verify(
            "verify.valid.two-ed25519-keys-signer-first",
            second_signed,
            ["test-ed25519-2", "test-ed25519"],
            "two trusted Ed25519 keys; the entry's key id names the first (the other order of the vector above)",
            ("12.9",),
            signer="test-ed25519-2",
            tags=_tag("key-by-algorithm"),
        ),
    ]


def vectors() -> list[Vector]:
    return [
        *_graph_rules(),
        *_content(),
        *_metadata_utf8(),
        *_block_length(),
        *_leap_years(),
        *_verification(),
    ]
