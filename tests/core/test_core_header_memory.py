"""Opening a file costs at most 8 times its header length plus 100 MB (SPEC.md §17.19).

The fast tests pin what each fix changed, with tracemalloc in this process: the phase 2 walk and the
metadata size keep one iterator per open container (they held a tuple, or a token, per value), short float
tokens share one object, the conformance reader parses the header once. The slow tests build hostile
headers (generated here, never committed) and measure every opener in a fresh process: its peak RSS
(ru_maxrss) over its own baseline after imports, against 8 x L + 100 MB. As in
test_core_streaming_memory.py, the child is forked by /bin/sh so that its ru_maxrss starts from a small
shell rather than from this pytest process. Cases this implementation does not yet bring under the bound
are strict xfails that say why, so that they fail loudly the day they pass.
"""

from __future__ import annotations

import hashlib
import json
import struct
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import modelfmt
import numpy as np
import pytest
from modelfmt.cli import main
from modelfmt.conformance import _reference
from modelfmt.container._header import validate
from modelfmt.format import _json
from modelfmt.format._errors import FormatError
from modelfmt.format._framing import MAGIC, PREAMBLE, Preamble

MB = 1000**2
MIB = 1024**2
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def traced_peak(action: Callable[[], object]) -> int:
    """The peak of memory allocated while `action` runs, in bytes."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ---- the fixes, one by one -----------------------------------------------------------------------------


def test_the_phase_2_walk_holds_one_iterator_per_open_container() -> None:
    # Before: a (value, depth) tuple for every value of the tree, 64 MB for these 10^6 numbers.
    tree = {"a": [0] * 1_000_000, "b": [[1.5, "x", None, True]] * 100_000}
    assert traced_peak(lambda: _json.check_tree(tree, depth=0, max_depth=64)) < 1 * MB


def test_the_phase_2_walk_still_finds_every_defect() -> None:
    for tree, code in (
        ([0] * 1000 + [2**53], "HEADER_NUMBER"),
        ([0, -(2**53)], "HEADER_NUMBER"),
        ({"k": [1.0, float("inf")]}, "HEADER_NUMBER"),
        ([["ok", "\ud800"]], "HEADER_ENCODING"),
        ({"\udc00": 1}, "HEADER_ENCODING"),
        ([[[[]]]], "HEADER_DEPTH"),
    ):
        with pytest.raises(FormatError) as caught:
            _json.check_tree(tree, depth=0, max_depth=3)
        assert caught.value.code == code, tree
    _json.check_tree([[[], {"a": [True, None, 2**53 - 1, -(2**53 - 1), 1e308]}]], depth=0, max_depth=4)


def test_the_metadata_size_is_measured_without_its_text_and_stops_past_the_limit() -> None:
    metadata = {f"key{i}": [i, f"value {i}", 0.5, None, {"é": False}] for i in range(100_000)}
    exact = len(_json.canonical(metadata).encode("utf-8"))
    assert _json.canonical_size(metadata, stop_above=exact) == exact
    # Before: the canonical text, a list of every token and the keys sorted, about 100 MB here.
    assert traced_peak(lambda: _json.canonical_size(metadata, stop_above=exact)) < 1 * MB
    assert 1000 < _json.canonical_size(metadata, stop_above=1000) < exact


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -7,
        2**53 - 1,
        1e21,
        1e-7,
        -0.0,
        0.1,
        "",
        'é"\\/\x01\x1f\x7f\u2028𝄞',
        [],
        {},
        [[]],
        {"b": 1, "a": [1, "x", {"c": None}]},
        {"\u00e9": "", "e\u0301": [2.5, -1e-300]},
    ],
)
def test_the_metadata_size_is_the_length_of_the_canonical_form(value: object) -> None:
    assert _json.canonical_size(value, stop_above=10**9) == len(_json.canonical(value).encode("utf-8"))


def test_metadata_too_large_is_still_reported_with_its_code() -> None:
    header = {"tensors": [], "metadata": {"x": "a" * (1024 * 1024)}}
    with pytest.raises(FormatError) as caught:
        validate(header, Preamble(1, 0, 0))
    assert caught.value.code == "METADATA_TOO_LARGE"
    assert "at least" in str(caught.value)


def test_equal_short_float_tokens_share_one_object() -> None:
    value = _json.parse(b"[1e1,1e1,0.5,0.5,1.25e7,1.25e7]", base_offset=0)
    assert isinstance(value, list)
    assert value == [10.0, 10.0, 0.5, 0.5, 12500000.0, 12500000.0]
    assert value[0] is value[1] and value[2] is value[3]  # short tokens: one object each
    assert value[4] is not value[5]  # longer ones are not remembered (the table stays small)


def test_the_conformance_reader_parses_the_header_once(monkeypatch: pytest.MonkeyPatch) -> None:
    weights = np.array([1.0, 2.0], dtype=np.float32)
    data = modelfmt.save({"w": weights}, metadata={"name": "m", "n": [1, 2.5]}, extensions={"org.example.x": [[]]})
    calls: list[int] = []
    parse = _json.parse

    def counting(raw: bytes, *, base_offset: int) -> object:
        calls.append(len(raw))
        return parse(raw, base_offset=base_offset)

    monkeypatch.setattr(_json, "parse", counting)
    document = _reference.read_document(data)
    assert len(calls) == 1  # before: a second parse of the whole header, held with the first
    monkeypatch.undo()
    (length,) = struct.unpack_from("<Q", data, 16)
    assert document["header"] == json.loads(data[24 : 24 + length])


# ---- hostile headers, every opener, in a fresh process --------------------------------------------------------


def modelfmt_file(header: str) -> bytes:
    raw = header.encode("utf-8")
    preamble = PREAMBLE.pack(MAGIC, 1, 0, 0, len(raw))
    return preamble + raw + b"\0" * (-(len(preamble) + len(raw)) % 64)


def _entries(count: int) -> str:
    fields = f'"offset":0,"role":"other","sha256":"{EMPTY_SHA256}","shape":[0]}}'
    return ",".join(f'{{"dtype":"bool","length":0,"name":"t{index:06d}",{fields}' for index in range(count))


def _extension(items: str, count: int) -> str:
    return '{"extensions":{"org.example.x":[' + ",".join([items] * count) + ']},"metadata":{},"tensors":[]}'


def _graph(count: int) -> str:
    x1 = '[{"dtype":"float32","name":"x","shape":[1]}]'
    nodes = ",".join(
        f'{{"inputs":["x"],"name":"n{index:06d}","op":"Identity","outputs":["v{index:06d}"]}}' for index in range(count)
    )
    return (
        '{"architecture":{"inputs":'
        + x1
        + ',"nodes":['
        + nodes
        + '],"opset":{"modelfmt.core":1},"outputs":'
        + x1
        + '},"metadata":{},"tensors":[]}'
    )


SIZE = 32 * MIB  # the free-form cases; the tensor table and the graph are at their count limits

HEADERS: dict[str, Callable[[], str]] = {
    "262144 small tensor entries": lambda: '{"metadata":{},"tensors":[' + _entries(262_144) + "]}",
    "metadata of long strings, too large": lambda: (
        '{"metadata":{' + ",".join(f'"k{i:07d}":"{"v" * 1000}"' for i in range(SIZE // 1100)) + '},"tensors":[]}'
    ),
    "many small numbers": lambda: _extension("0", SIZE // 2),
    "many short floats": lambda: _extension("1e1", SIZE // 4),
    "a graph of 262144 nodes": lambda: _graph(262_144),
    "many short strings": lambda: _extension('"ab"', SIZE // 5),
    "nesting at the depth limit, repeated": lambda: _extension("[" * 61 + "]" * 61, SIZE // 123),
    "metadata of many keys, too large": lambda: (
        '{"metadata":{' + ",".join(f'"k{i:07d}":{i % 10}' for i in range(SIZE // 14)) + '},"tensors":[]}'
    ),
}

# Each Python object the parser builds costs more than its text when the text is a few bytes: a two-letter
# string is 59 bytes for 5 of text, an empty list 64 for 3. Materialising such a tree exceeds the bound
# whatever is done afterwards; bounding it needs a validator that does not build the tree (SPEC.md §17.19).
# The peaks measured on 2026-12-06 (32 MiB headers): short strings 552-586 MB (bound 368), nesting
# 1664-1698 MB (bound 368).
NOT_YET = {
    "a graph of 262144 nodes": "the parsed architecture (about 530 bytes a node) and the validated graph (about "
    "250) are both kept: 261 to 288 MB for 18.9 MB of nodes, 9.5 to 10 times L plus 100 MB",
    "many short strings": "a 2-character string costs 59 bytes for 5 bytes of text (12x)",
    "nesting at the depth limit, repeated": "each nested list costs 88 bytes for 2 bytes of text",
    "metadata of many keys, too large": "4.4M keys are materialised (with the scanner's memo) before the size check",
}

OPENERS = ("open", "load_file", "safe_open", "check", "verify", "conformance")

MEASURE = r"""
import json, os, resource, sys
import modelfmt
from modelfmt.container._opened import OpenedFile
from modelfmt.conformance._reference import read_document
from modelfmt.diagnose._check import check_file
from modelfmt.format._errors import ModelfmtError
opener, path = sys.argv[1], sys.argv[2]
key = modelfmt.generate_key().public_key()
data = open(path, "rb").read() if opener == "conformance" else None  # the reader's input: the file in memory
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
code = None
try:
    if opener == "open":
        OpenedFile.open(path, mapped=False).close()
    elif opener == "load_file":
        modelfmt.load_file(path)
    elif opener == "safe_open":
        modelfmt.safe_open(path).close()
    elif opener == "check":
        result = check_file(path)
        code = None if result.error is None else result.error.code
    elif opener == "verify":
        modelfmt.verify_file(path, [key])
    elif opener == "conformance":
        read_document(data)
    elif opener == "convert":
        modelfmt.convert(path, sys.argv[3])
except (ModelfmtError, modelfmt.ConversionError) as exc:
    code = getattr(exc, "code", "CONVERT")
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"baseline": baseline, "peak": peak, "code": code}))
"""


def measure(opener: str, path: Path, *extra: str) -> dict[str, Any]:
    # `"$@"; exit $?` keeps the shell alive, so it forks the interpreter instead of exec'ing it.
    command = ["/bin/sh", "-c", '"$@"; exit $?', "sh", sys.executable, "-c", MEASURE, opener, str(path), *extra]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=1200, check=False)
    assert completed.returncode == 0, completed.stderr
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def bound(header_length: int) -> int:
    return 8 * header_length + 100 * MB


needs_linux = pytest.mark.skipif(
    not Path("/proc/self/status").exists() or not Path("/bin/sh").exists(), reason="needs Linux /proc and /bin/sh"
)


@pytest.mark.slow
@needs_linux
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=NOT_YET[name])) if name in NOT_YET else name
        for name in HEADERS
    ],
)
def test_opening_a_hostile_header_costs_at_most_8_times_its_length_plus_100_mb(case: str, tmp_path: Path) -> None:
    header = HEADERS[case]()
    path = tmp_path / "hostile.mft"
    path.write_bytes(modelfmt_file(header))
    length = len(header.encode("utf-8"))
    del header
    over = []
    for opener in OPENERS:
        result = measure(opener, path)
        used = result["peak"] - result["baseline"]
        print(f"\n{case}: {opener}: L {length / MB:.1f} MB, peak {used / MB:.0f} MB ({result['code']})")
        if used > bound(length):
            over.append(f"{opener} {used / MB:.0f} MB")
    assert not over, f"above {bound(length) / MB:.0f} MB: {', '.join(over)}"


@pytest.mark.slow
@needs_linux
def test_converting_a_40_mb_safetensors_header_reads_it_within_the_bound(tmp_path: Path) -> None:
    count = 262_144
    pad = "x" * (40_000_000 // count - 60)
    items = ",".join(
        f'"t{i:06d}{pad}":{{"dtype":"F32","shape":[1],"data_offsets":[{4 * i},{4 * i + 4}]}}' for i in range(count)
    )
    raw = ("{" + items + "}").encode("ascii")
    raw += b" " * (-len(raw) % 8)
    source = tmp_path / "big.safetensors"
    source.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(4 * count))
    result = measure("convert", source, str(tmp_path / "out.mft"))
    used = result["peak"] - result["baseline"]
    print(f"\nsafetensors header of {len(raw) / MB:.0f} MB: convert peak {used / MB:.0f} MB ({result['code']})")
    assert result["code"] is None
    # Reading the header is bounded by 8 x L + 100 MB; writing the 262144-entry modelfmt file it converts
    # to adds the writer's own table (SPEC.md §17.19 bounds opening, not writing), hence twice the bound.
    assert used <= 2 * bound(len(raw))


class _Sink:
    """A text stream that keeps nothing: what `inspect --json` writes is not part of what it holds."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def test_inspect_json_writes_the_header_as_it_encodes_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "numbers.mft"
    path.write_bytes(modelfmt.save({}, extensions={"org.example.x": [0] * 300_000}))
    monkeypatch.setattr(sys, "stdout", _Sink())
    peak = traced_peak(lambda: main(["inspect", "--json", str(path)]))
    # Before: json.dumps held every token of the indented text in a list, then the text: about 25 MB here.
    # Now: the parsed header (300000 pointers to one small integer, 2.4 MB) and the encoder's state.
    assert peak < 8 * MB
