"""No string from a file or a path reaches the terminal unescaped, in any command (SPEC.md §17.18).

Hostile files (metadata keys and values, tensor, node and value names, extension and training names,
signature attributes, file names, invalid headers whose error messages quote such strings) go through
every command in-process (`modelfmt.cli.main`), and everything written to stdout and stderr is searched
for a byte or character a terminal would act on. An unsigned file whose metadata forges a "signature
valid" section must not show one. `terminal_text` itself is shown safe and injective by hypothesis.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import struct
import subprocess
import sys
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from modelfmt import cli
from modelfmt.cli import _terminal
from modelfmt.format import _display, _json
from modelfmt.format._display import is_unsafe, terminal_line, terminal_lines, terminal_text
from modelfmt.signing import _keys

# What a terminal acts on: C0 controls but tab and line feed, DEL, C1 controls; and what reorders or
# hides text: format characters (Cf: direction controls, zero-width characters, BOM, soft hyphen),
# line and paragraph separators, lone surrogates.
_UNSAFE_CATEGORIES = frozenset({"Cf", "Zl", "Zp", "Cs"})


def unsafe_in(text: str) -> list[str]:
    """Every character of `text` that must not reach a terminal, as its code point."""
    found = []
    for char in text:
        point = ord(char)
        control = point < 0x20 and char not in "\t\n"
        if control or 0x7F <= point <= 0x9F or unicodedata.category(char) in _UNSAFE_CATEGORIES:
            found.append(f"U+{point:04X}")
    return found


def assert_terminal_safe(text: str) -> None:
    assert unsafe_in(text) == [], text


# ---- hostile strings ------------------------------------------------------------------------------------

ESCAPES: dict[str, str] = {
    "window-title": "\x1b]0;pwned\x07",
    "clear-screen": "\x1b[2J\x1b[H",
    "clipboard-osc52": "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "c1-csi": "\x9b31mred",
    "c1-next-line": "a\x85b",
    "carriage-return": "OK\rINVALID",
    "bell-delete-nul": "\x07\x7f\x00",
    "bidi-override": "abc\u202edcba\u202c",
    "bidi-isolates": "\u2066x\u2069\u2067y\u2069\u2068z\u2069",
    "bidi-marks": "\u200e\u200f\u061c",
    "zero-width": "a\u200bb\u200cc\u200dd\u2060e",
    "bom-soft-hyphen": "\ufeffx\u00ady",
    "separators": "a\u2028b\u2029c",
    "noncharacters": "\ufdd0\uffff\U0001fffe",
    "invisible-letters": "\u3164\u115f\ufe0f",
    "tag-characters": "\U000e0041\U000e007f",
}
# Characters a valid name may hold (§7.3 forbids only controls): direction controls and invisible ones.
NAME_HAZARDS = ("\u202e", "\u2066", "\u200b", "\ufeff", "\u00ad", "\u2028", "\u200f", "\u3164")

SIGNER = "Example Org releases"
FORGED = (
    "x\n\nsignatures (1)\n  1. ed25519  key 0123456789abcdef\n"
    "     signature valid for a --key (tensor digests not checked here: run `modelfmt verify`)\n"
    f"     signer: {SIGNER}  (verified)\n"
)


def forged_lines(output: str) -> list[str]:
    """Lines of `output` that look like a signature section (what FORGED would print unescaped)."""
    starts = ("signatures (", "1. ed25519", "signature valid", "signer:", "signed by")
    return [line for line in output.split("\n") if line.strip().startswith(starts)]


# ---- files ----------------------------------------------------------------------------------------------


def raw_file(header: Mapping[str, object], tensors: Mapping[str, bytes]) -> bytes:
    """A file with the header given as it is (names, ops and keys unchecked), for errors that quote them."""
    entries, data = [], bytearray()
    for name, raw in tensors.items():
        offset = -(-len(data) // 64) * 64
        data += bytes(offset - len(data)) + raw
        entries.append(
            {
                "name": name,
                "dtype": "float32",
                "shape": [len(raw) // 4],
                "offset": offset,
                "length": len(raw),
                "sha256": hashlib.sha256(raw).hexdigest(),
                "role": "parameter",
            }
        )
    body = _json.canonical({"tensors": entries, "metadata": {}, **header}).encode("utf-8")
    body += b" " * (-(24 + len(body)) % 64)
    return b"\x89MFT\r\n\x1a\n" + struct.pack("<HHIQ", 1, 0, 0, len(body)) + body + bytes(data)


def graph_model() -> bytes:
    """A valid file whose every displayed string is hostile: metadata, names, symbols, extensions."""
    weight = np.arange(12, dtype=np.float32).reshape(3, 4)
    names = {hazard: f"w{hazard}eight" for hazard in NAME_HAZARDS}
    tensors: dict[str, np.ndarray] = {name: np.zeros(2, np.float32) for name in names.values()}
    tensors["fc\u202e.weight"] = weight
    tensors["fc.bias\u200b"] = np.zeros(3, np.float32)
    tensors["m\u2066.w"] = np.zeros((3, 4), np.float32)
    tensors["v\u2066.w"] = np.zeros((3, 4), np.float32)
    metadata: dict[str, object] = {f"key-{case}{text}": text for case, text in ESCAPES.items()}
    metadata["description"] = FORGED
    metadata["nested"] = {"list": list(ESCAPES.values())}
    architecture = {
        "opset": {"modelfmt.core": 1},
        "inputs": [{"name": "x\u202einput", "dtype": "float32", "shape": ["batch", 4]}],
        "outputs": [{"name": "y\u2067out\u2069", "dtype": "float32", "shape": ["batch", 3]}],
        "nodes": [
            {
                "name": "fc\u202e\u200b",
                "op": "Linear",
                "inputs": ["x\u202einput"],
                "outputs": ["h\ufeff"],
                "attributes": {"in_features": 4, "out_features": 3},
                "parameters": {"weight": "fc\u202e.weight", "bias": "fc.bias\u200b"},
            },
            {"name": "act\u2028", "op": "ReLU", "inputs": ["h\ufeff"], "outputs": ["y\u2067out\u2069"]},
        ],
    }
    training = {
        "epoch": 1,
        "step": 3,
        "optimizer": {
            "type": "Adam",
            "groups": [
                {
                    "hyperparameters": {
                        "lr": 0.001,
                        "betas": [0.9, 0.999],
                        "eps": 1e-8,
                        "weight_decay": 0,
                        "amsgrad": False,
                        "maximize": False,
                    },
                    "parameters": ["fc\u202e.weight"],
                }
            ],
            "state": {"fc\u202e.weight": {"step": 3, "slots": {"exp_avg": "m\u2066.w", "exp_avg_sq": "v\u2066.w"}}},
        },
    }
    roles = {"m\u2066.w": "optimizer", "v\u2066.w": "optimizer"}
    extensions = {"com.example.tool": {"note": ESCAPES["window-title"], ESCAPES["clipboard-osc52"]: FORGED}}
    return modelfmt.save(
        tensors, metadata=metadata, roles=roles, architecture=architecture, training=training, extensions=extensions
    )


def damaged(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


FOUR = struct.pack("<4f", 1, 2, 3, 4)
TITLE = ESCAPES["window-title"]
# Invalid files whose error message quotes a hostile string.
INVALID: dict[str, bytes] = {
    "unknown-header-key": raw_file({TITLE: 1}, {"w": FOUR}),
    "tensor-name-control": raw_file({}, {f"w{TITLE}": FOUR}),
    "extension-name": raw_file({"extensions": {ESCAPES["clear-screen"]: {}}}, {"w": FOUR}),
    "metadata-type": raw_file({"metadata": {"name": 5, TITLE: FORGED}}, {"w": FOUR}),
    "op-name": raw_file(
        {
            "architecture": {
                "opset": {"modelfmt.core": 1},
                "inputs": [{"name": "x", "dtype": "float32", "shape": [4]}],
                "outputs": [{"name": "y", "dtype": "float32", "shape": [4]}],
                "nodes": [{"name": "n", "op": f"ReLU{TITLE}\n{FORGED}", "inputs": ["x"], "outputs": ["y"]}],
            }
        },
        {"w": FOUR},
    ),
    "node-name-control": raw_file(
        {
            "architecture": {
                "opset": {"modelfmt.core": 1},
                "inputs": [{"name": "x", "dtype": "float32", "shape": [4]}],
                "outputs": [{"name": "y", "dtype": "float32", "shape": [4]}],
                "nodes": [{"name": f"n{TITLE}", "op": "ReLU", "inputs": ["x"], "outputs": ["y"]}],
            }
        },
        {"w": FOUR},
    ),
    "training-slot": raw_file(
        {
            "training": {
                "epoch": 0,
                "step": 0,
                "optimizer": {
                    "type": "SGD",
                    "groups": [{"hyperparameters": {"lr": 0.1}, "parameters": ["w"]}],
                    "state": {"w": {"step": 0, "slots": {f"momentum{TITLE}\n{FORGED}": "w"}}},
                },
            }
        },
        {"w": FOUR},
    ),
    "dtype": raw_file({}, {"w": FOUR}).replace(b'"float32"', b'"\\u001b[2Jf32"'),
    # Valid names (§7.3, §9.4) with direction and invisible characters, quoted by the message as they are.
    "digest-bidi-name": damaged(modelfmt.save({"w\u202eevil\u200b": np.zeros(4, np.float32)})),
    "arity-bidi-node": raw_file(
        {
            "architecture": {
                "opset": {"modelfmt.core": 1},
                "inputs": [{"name": "x\u202e", "dtype": "float32", "shape": [4]}],
                "outputs": [{"name": "y\u2067", "dtype": "float32", "shape": [4]}],
                "nodes": [
                    {"name": "n\u2066ode", "op": "ReLU", "inputs": ["x\u202e", "x\u202e"], "outputs": ["y\u2067"]}
                ],
            }
        },
        {"w": FOUR},
    ),
}


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("keys")
    key = _keys.generate_key("ed25519")
    _keys.save_private_key(key, folder / "k.key")
    _keys.save_public_key(key, folder / "k.pub")
    return folder / "k.key", folder / "k.pub"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`modelfmt ARGV...` in-process: (exit status, stdout, stderr); argparse's exits count as statuses."""
    try:
        status = cli.main(list(argv))
    except SystemExit as exc:
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def every_command(path: Path, keys: tuple[Path, Path], tmp: Path) -> Iterator[list[str]]:
    public = keys[1]
    np.save(tmp / "input.npy", np.ones((2, 4), np.float32))
    yield ["check", str(path)]
    yield ["check", "--strict", str(path)]
    yield ["check", "--json", str(path)]
    yield ["check", "--key", str(public), str(path)]
    yield ["inspect", str(path)]
    yield ["inspect", "--json", str(path)]
    yield ["inspect", "--key", str(public), str(path)]
    yield ["inspect", str(path), "--graph", str(tmp / "picture.svg")]
    yield ["verify", "--key", str(public), str(path)]
    yield ["run", str(path), "--input", str(tmp / "input.npy")]
    yield ["convert", str(path), str(tmp / "out.safetensors")]
    yield ["convert", str(path), str(tmp / "out.npz"), "--to", "npz"]
    yield ["conformance", "reader", str(path)]


def run_everything(
    path: Path, keys: tuple[Path, Path], tmp: Path, capsys: pytest.CaptureFixture[str]
) -> dict[str, tuple[int, str, str]]:
    outputs = {
        " ".join(argv).replace(str(path), "FILE"): run_cli(capsys, *argv) for argv in every_command(path, keys, tmp)
    }
    signed = tmp / "signed.mf"
    signed.write_bytes(path.read_bytes())
    outputs["sign"] = run_cli(capsys, "sign", "--key", str(keys[0]), "--signer", "Ex\u200bample", str(signed))
    outputs["inspect signed"] = run_cli(capsys, "inspect", "--key", str(keys[1]), str(signed))
    outputs["verify signed"] = run_cli(capsys, "verify", "--key", str(keys[1]), str(signed))
    return outputs


# ---- every command, every hostile file -------------------------------------------------------------------


def test_a_valid_hostile_file_through_every_command(
    tmp_path: Path, keys: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hostile.mf"
    path.write_bytes(graph_model())
    outputs = run_everything(path, keys, tmp_path, capsys)
    for command, (_, out, err) in outputs.items():
        assert unsafe_in(out) == [] and unsafe_in(err) == [], command
        assert "Traceback" not in err, command
    assert outputs["check FILE"][0] == 0  # the file is valid: it is shown, not refused
    status, out, _ = outputs["inspect FILE"]
    assert status == 0
    # Each value is escaped where it is printed: one line each, and visibly.
    assert "\\x1b]0;pwned\\x07" in out and "abc\\u202edcba\\u202c" in out and "a\\u2028b\\u2029c" in out
    assert "w\\u202eeight" in out and "fc\\u202e.weight" in out
    assert "signatures: none (the file is not signed)" in out
    assert forged_lines(out) == []  # the forged section is on the metadata line, escaped
    assert "\\n\\nsignatures (1)\\n" in out
    # A value that is not a string is shown as JSON, whose own escapes stay single.
    assert '["\\u001b]0;pwned\\u0007", ' in out


def test_json_output_is_exact_and_ascii(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hostile.mf"
    path.write_bytes(graph_model())
    status, out, _ = run_cli(capsys, "inspect", "--json", str(path))
    assert status == 0 and out.isascii() and unsafe_in(out) == []
    assert json.loads(out)["header"] == modelfmt.read_header(path).as_json()  # exact data, nothing lost
    assert json.loads(out)["header"]["metadata"]["description"] == FORGED
    status, out, _ = run_cli(capsys, "check", "--json", "--strict", str(path))
    assert status == 0 and out.isascii() and unsafe_in(out) == []
    findings = json.loads(out)[0]["findings"]
    assert any(finding["id"] == "display-unsafe-characters" for finding in findings)


@pytest.mark.parametrize("case", sorted(INVALID))
def test_error_messages_quoting_hostile_strings(
    case: str, tmp_path: Path, keys: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"{case}.mf"
    path.write_bytes(INVALID[case])
    for argv in every_command(path, keys, tmp_path):
        status, out, err = run_cli(capsys, *argv)
        shown = case == "digest-bidi-name" and argv[0] == "inspect"  # inspect does not read the data
        expected = 0 if shown and "--graph" not in argv else 1  # (and the file has no graph to draw)
        assert status == expected, (argv, out, err)  # refused with a coded error, not a crash
        assert unsafe_in(out) == [] and unsafe_in(err) == [], argv
        assert "Traceback" not in err and forged_lines(out + err) == [], argv
        if argv[0] != "conformance" and "--json" not in argv and not shown:
            # One line per verdict (and `run`'s hint): the message's own line breaks are escaped.
            lines = [line for line in (out + err).split("\n") if line and not line.startswith("  hint: ")]
            assert len(lines) == 1, (argv, out, err)


@pytest.mark.parametrize(
    "signer",
    [
        f"{SIGNER}{TITLE}\n{FORGED}",  # refused (§12.4): the message names the character, not the text
        f"{SIGNER}\u200b\u2060\ufeff",  # refused too (§12.4 bars invisible ones), shown escaped
    ],
)
def test_hostile_signature_claims(
    signer: str, tmp_path: Path, keys: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A signature block is data too: an entry of an unknown algorithm with hostile claimed attributes."""
    model = modelfmt.save({"w": np.zeros(2, np.float32)})
    entry = {"algorithm": "ml-dsa-65", "key_id": "ab" * 32, "signature": "00" * 64, "attributes": {"signer": signer}}
    body = json.dumps({"signatures": [entry]}, ensure_ascii=True).encode()
    path = tmp_path / "claims.mf"
    path.write_bytes(model + body + struct.pack("<Q", len(body)) + b"\x89MFS\r\n\x1a\n")
    for argv in every_command(path, keys, tmp_path):
        _, out, err = run_cli(capsys, *argv)
        assert unsafe_in(out) == [] and unsafe_in(err) == [] and "Traceback" not in err, argv
        if "\n" in signer:  # (the other file does hold a signature entry, shown as a claim)
            assert forged_lines(out + err) == [], argv
    status, out, err = run_cli(capsys, "inspect", str(path))
    assert status != 0 and "SIGNATURE_BLOCK" in out + err


def test_file_names_with_escapes(tmp_path: Path, keys: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """Paths given on the command line are shown escaped too, in verdicts and in OS errors; a name that
    is not UTF-8 (a lone surrogate after decoding) neither leaks nor crashes the output stream."""
    model = modelfmt.save({"w": np.zeros(2, np.float32)})
    names = [f"m{TITLE}\n{FORGED}.mf", "m\u202egpj.mf", "m\udcff\x9b.mf"]
    for name in names:
        try:
            path = tmp_path / name
            path.write_bytes(model)
        except (OSError, UnicodeEncodeError):  # a file system that refuses the name: a missing file then
            path = tmp_path / "missing" / name
        for argv in [*every_command(path, keys, tmp_path), ["sign", "--key", str(keys[0]), str(path)]]:
            status, out, err = run_cli(capsys, *argv)
            assert unsafe_in(out) == [] and unsafe_in(err) == [], argv
            assert forged_lines(out + err) == [], argv
            (out + err).encode("utf-8")  # no lone surrogate left to fail the terminal's encoder
    status, out, err = run_cli(capsys, "check", str(tmp_path / f"gone{TITLE}.mf"))
    assert status == 1 and "gone\\x1b]0;pwned\\x07.mf: ERROR cannot read" in out


def test_arguments_echoed_by_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["run", "m.mf", "--max-memory", f"2G{TITLE}"],
        ["convert", "a", "b", "--to", f"onnx{TITLE}\u202e"],
        ["keygen", str(tmp_path / f"k{TITLE}"), "--algorithm", f"rsa{TITLE}"],
        ["sign", "--key", str(tmp_path / f"none{TITLE}.key"), "m.mf"],
        ["sign", "--key", str(tmp_path / "none.key"), "--signer", f"x{TITLE}", "m.mf"],
        ["check", "--key", str(tmp_path / f"none{TITLE}.pub"), "m.mf"],
        ["conformance", "run", "--reader", "true", "--filter", f"none{TITLE}"],
    ):
        status, out, err = run_cli(capsys, *argv)
        assert status == 2, (argv, out, err)
        assert unsafe_in(out) == [] and unsafe_in(err) == [], argv


def test_the_writer_escapes_what_a_command_forgot(capsys: pytest.CaptureFixture[str]) -> None:
    """The net under both streams: any text a command or a library prints passes `terminal_lines`."""
    with _terminal.terminal_output():
        print(f"raw {TITLE} \u202e\nnext")
        print(f"raw {TITLE}", file=sys.stderr)
    out, err = capsys.readouterr()
    assert out == "raw \\x1b]0;pwned\\x07 \\u202e\nnext\n" and err == "raw \\x1b]0;pwned\\x07\n"


# ---- the escaping function -------------------------------------------------------------------------------


def unescape(text: str) -> str:
    """The inverse of `terminal_text`: its existence proves the mapping injective."""
    out, index = [], 0
    short = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
    while index < len(text):
        char = text[index]
        if char != "\\":
            out.append(char)
            index += 1
            continue
        kind = text[index + 1]
        if kind in short:
            out.append(short[kind])
            index += 2
            continue
        width = {"x": 2, "u": 4, "U": 8}[kind]
        out.append(chr(int(text[index + 2 : index + 2 + width], 16)))
        index += 2 + width
    return "".join(out)


@pytest.mark.parametrize("case", sorted(ESCAPES))
def test_terminal_text_examples(case: str) -> None:
    text = ESCAPES[case]
    shown = terminal_text(text)
    assert unsafe_in(shown) == [] and "\n" not in shown and "\t" not in shown
    assert unescape(shown) == text
    assert all(is_unsafe(char) for char in text if not char.isalnum() and char not in "[];=?0123;")


def test_terminal_text_forms() -> None:
    assert terminal_text("plain café 日本語 a b") == "plain café 日本語 a b"  # printable text untouched
    assert terminal_text("C:\\models\\x") == "C:\\\\models\\\\x"
    assert terminal_text("\x1b\x9b\x7f\t\n\r") == "\\x1b\\x9b\\x7f\\t\\n\\r"
    assert terminal_text("\u202e\u2028\ufeff\u00ad\ud800\U000e0041") == (
        "\\u202e\\u2028\\ufeff\\xad\\ud800\\U000e0041"
    )
    assert terminal_text("\ue000 \u00a0") == "\ue000 \u00a0"  # private use and spaces are not hidden
    assert terminal_line("a\\x\n\x1b") == "a\\x\\n\\x1b"  # messages keep their backslashes
    assert terminal_lines('{"a": "\\u001b"}\n\x1b\u202e') == '{"a": "\\u001b"}\n\\x1b\\u202e'


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_terminal_text_is_safe_and_invertible(text: str) -> None:
    shown = terminal_text(text)
    assert unsafe_in(shown) == [] and "\n" not in shown and "\t" not in shown
    assert not any(is_unsafe(char) for char in shown)
    assert unescape(shown) == text


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text())
def test_terminal_text_is_injective(first: str, second: str) -> None:
    assert (terminal_text(first) == terminal_text(second)) == (first == second)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_json_output_keeps_every_character_exact_and_out_of_the_terminal(text: str) -> None:
    encoded = json.dumps({"k": text}, ensure_ascii=True)
    assert encoded.isascii() and unsafe_in(encoded) == []
    assert terminal_lines(encoded) == encoded  # the writer leaves JSON untouched
    assert json.loads(encoded) == {"k": text}


# ---- a bug's traceback -----------------------------------------------------------------------------------


def test_a_bugs_traceback_is_printed_escaped() -> None:
    """An exception escaping a command (a bug) still shows its traceback, escaped: its message may quote
    a name from the file. The interpreter's hook prints it, after the streams are restored."""
    code = (
        "from modelfmt.cli._terminal import terminal_output\n"
        "with terminal_output():\n"
        "    raise RuntimeError('bug near \\x1b]0;pwned\\x07 and \\u202e')\n"
    )
    argv = [sys.executable, "-c", code]
    result = subprocess.run(argv, check=False, capture_output=True, env=_child_env(), timeout=600)
    assert result.returncode == 1 and b"Traceback" in result.stderr
    assert b"RuntimeError: bug near \\x1b]0;pwned\\x07 and \\u202e" in result.stderr
    assert unsafe_in(result.stderr.decode("utf-8")) == []


def test_the_hook_is_installed_only_for_an_escaping_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    with _terminal.terminal_output():
        pass
    assert sys.excepthook is sys.__excepthook__
    with pytest.raises(RuntimeError), _terminal.terminal_output():
        raise RuntimeError(TITLE)
    assert sys.excepthook is _terminal.escaped_excepthook


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(modelfmt.__file__).resolve().parent.parent)
    return env


def test_a_stream_that_cannot_encode_a_letter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On an ASCII stream, a letter of a name is a backslash escape, not a UnicodeEncodeError."""
    path = tmp_path / "m.mf"
    path.write_bytes(modelfmt.save({"poids\u00e9\u202e": np.zeros(2, np.float32)}, metadata={"name": "caf\u00e9"}))
    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="ascii", newline="\n")
    monkeypatch.setattr(sys, "stdout", stream)
    assert cli.main(["inspect", str(path)]) == 0
    stream.flush()
    text = buffer.getvalue().decode("ascii")
    assert "name  caf\\xe9" in text and "poids\\xe9\\u202e" in text


def test_the_escape_table_stays_bounded() -> None:
    """Text with more distinct characters than the table remembers is still escaped exactly."""
    text = "".join(chr(point) for point in range(0x20000, 0x20000 + 70_000)) + "\x1b\u202e\\"
    shown = terminal_text(text)
    assert unescape(shown) == text and shown.endswith("\\x1b\\u202e\\\\")
    assert len(_display._VALUE) <= 65536


# ---- the real process: bytes on the pipes ----------------------------------------------------------------

_UNSAFE_BYTES = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8b-\x8f\xa8-\xae]|\xe2\x81[\xa0-\xaf]|\xef\xbb\xbf"
)


def test_the_command_writes_no_unsafe_byte(tmp_path: Path) -> None:
    """`python -m modelfmt` as a process, on the hostile file: the bytes on stdout and stderr hold no C0
    control but tab and line feed, no DEL, no C1 control, no direction control, no zero-width character
    and no BOM (UTF-8 encoded: C2 80-9F, E2 80 8B-8F and A8-AE, E2 81 A0-AF, EF BB BF)."""
    path = tmp_path / f"hostile{TITLE}.mf"
    path.write_bytes(graph_model())
    np.save(tmp_path / "input.npy", np.ones((2, 4), np.float32))
    for command in (["inspect"], ["check", "--strict"], ["run", "--input", str(tmp_path / "input.npy")]):
        argv = [sys.executable, "-m", "modelfmt", *command[:1], str(path), *command[1:]]
        result = subprocess.run(argv, check=False, capture_output=True, env=_child_env(), timeout=600)
        assert result.returncode in (0, 1, 2), result.stderr
        assert _UNSAFE_BYTES.findall(result.stdout + result.stderr) == [], command
        shown = b"y\\u2067out\\u2069" if command[0] == "run" else b"hostile\\x1b]0;pwned\\x07.mf"
        assert b"Traceback" not in result.stderr and shown in result.stdout + result.stderr
