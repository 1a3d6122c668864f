"""Look-alike signer names (SPEC.md §12.4, §17.21): attribute values may hold no invisible, format, control
or noncharacter code point. The excluded set is SPEC.md's table, read from SPEC.md, so that the table and
the code cannot drift; a signer refuses such a value and every reader rejects a block carrying one, even
under a signature that is valid over it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import modelfmt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from modelfmt import cli
from modelfmt.diagnose._check import check_file
from modelfmt.format._names import FORBIDDEN_IN_DISPLAYED_TEXT
from modelfmt.signing import _keys
from modelfmt.signing import _signatures as _signing

SPEC = (Path(__file__).resolve().parents[2] / "SPEC.md").read_text(encoding="utf-8")
PLANES = 17


def _spec_table() -> dict[str, set[int]]:
    """The rows of the excluded code points table of §12.4: class -> code points."""
    section = re.search(r"^### 12\.4 .*?(?=^### )", SPEC, re.M | re.S)
    assert section is not None
    text = section.group(0)
    start = text.index("| class | code points |")
    rows: dict[str, set[int]] = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        name, cell = (part.strip() for part in line.strip("|").split("|"))
        points: set[int] = set()
        for first, last in re.findall(r"U\+([0-9A-F]{4,6})(?:-U\+([0-9A-F]{4,6}))?", cell):
            points.update(range(int(first, 16), int(last or first, 16) + 1))
        if name == "noncharacters":  # "... the last two code points of every plane" is written as a rule
            points.update(plane * 0x10000 + low for plane in range(PLANES) for low in (0xFFFE, 0xFFFF))
        rows[name] = points
    return rows


TABLE = _spec_table()
EXCLUDED = set().union(*TABLE.values())
# A code point of each class, and the notorious ones on their own (the attacker's review named them).
SAMPLES = {
    "zero width space U+200B": "\u200b",
    "word joiner U+2060": "\u2060",
    "byte order mark U+FEFF": "\ufeff",
    "zero width joiner U+200D": "\u200d",
    "soft hyphen U+00AD": "\u00ad",
    "Hangul filler U+3164": "\u3164",
    "variation selector U+FE0F": "\ufe0f",
    "tag U+E0041": "\U000e0041",
    "Arabic number sign U+0600": "\u0600",
    "interlinear annotation U+FFF9": "\ufff9",
    "noncharacter U+FDD0": "\ufdd0",
    "noncharacter U+10FFFF": "\U0010ffff",
    "reserved default ignorable U+2065": "\u2065",
}


def test_the_code_excludes_exactly_the_table_of_spec_12_4() -> None:
    matched = {
        code
        for code in range(0x110000)
        if not 0xD800 <= code <= 0xDFFF and FORBIDDEN_IN_DISPLAYED_TEXT.match(chr(code))
    }
    assert list(TABLE) == [
        "C0 controls",
        "DELETE and C1 controls",
        "line and paragraph separators",
        "bidirectional controls",
        "zero-width characters and joiners",
        "other invisible characters",
        "variation selectors and tags",
        "other format characters",
        "noncharacters",
    ]
    assert matched == EXCLUDED


def test_the_table_holds_every_control_format_and_separator_of_this_pythons_unicode() -> None:
    # The table is fixed at Unicode 17.0; an older Unicode (this Python's) must find nothing missing.
    missing = [
        f"U+{code:04X}"
        for code in range(0x110000)
        if unicodedata.category(chr(code)) in {"Cc", "Cf", "Zl", "Zp"} and code not in EXCLUDED
    ]
    assert missing == []


VISIBLE = ["Zoë", "名前", "😀", "\u00a0", "\u00ac\u00ae", "\ufffc\ufffd", "\u2027\u2070", "A-B"]


@pytest.mark.parametrize("visible", VISIBLE)
def test_visible_characters_next_to_excluded_ones_are_signed(
    model: bytes, ed_key: _keys.PrivateKey, visible: str
) -> None:
    data = modelfmt.sign_bytes(model, ed_key, attributes={"signer": f"Lab {visible}"})
    result = modelfmt.verify_bytes(data, modelfmt.TrustedKeys([ed_key.public_key()]))
    assert result.attributes == {"signer": f"Lab {visible}"}


@pytest.mark.parametrize("case", sorted(SAMPLES))
def test_a_signer_refuses_a_look_alike_name(model: bytes, ed_key: _keys.PrivateKey, case: str) -> None:
    with pytest.raises(ValueError, match=r"attribute `signer` contains U\+[0-9A-F]{4,6}, an invisible"):
        modelfmt.sign_bytes(model, ed_key, attributes={"signer": f"Al{SAMPLES[case]}ice"})


def _signed_anyway(model: bytes, key: _keys.PrivateKey, attributes: dict[str, str]) -> bytes:
    """`model` with an entry whose signature is valid over `attributes`, made without the signer's checks:
    what an attacker holding (or a careless tool using) a trusted key would write."""
    message = _signing.signed_message(_signing.prefix_digest(model[: _data_start(model)]), attributes)
    assert isinstance(key, Ed25519PrivateKey)
    entry = _signing.SignatureEntry("ed25519", _keys.key_id(key), key.sign(message), attributes)
    return model + _signing.encode_block([entry])


def _data_start(data: bytes) -> int:
    header_length = int.from_bytes(data[16:24], "little")
    return -(-(24 + header_length) // 64) * 64


@pytest.mark.parametrize("case", sorted(SAMPLES))
def test_every_reader_rejects_a_look_alike_name_under_a_valid_signature(
    model: bytes, ed_key: _keys.PrivateKey, write: Callable[[bytes], Path], case: str
) -> None:
    data = _signed_anyway(model, ed_key, {"signer": f"Al{SAMPLES[case]}ice"})
    path = write(data)
    for action in (
        lambda: modelfmt.read_header(path),
        lambda: modelfmt.load(data),
        lambda: modelfmt.read_signatures(path),
        lambda: modelfmt.verify_bytes(data, modelfmt.TrustedKeys([ed_key.public_key()])),
    ):
        with pytest.raises(modelfmt.SignatureError) as caught:
            action()
        assert caught.value.code == "SIGNATURE_BLOCK"
        assert "an invisible, control, bidirectional or noncharacter code point" in str(caught.value)
    result = check_file(path)
    assert result.error is not None and result.error.code == "SIGNATURE_BLOCK"


def test_the_same_name_without_the_invisible_character_verifies(model: bytes, ed_key: _keys.PrivateKey) -> None:
    # The control case of the test above: the entry made the same way is valid when its name is plain.
    data = _signed_anyway(model, ed_key, {"signer": "Alice"})
    assert modelfmt.verify_bytes(data, modelfmt.TrustedKeys([ed_key.public_key()])).attributes == {"signer": "Alice"}


def test_the_sign_command_refuses_a_look_alike_name_as_a_usage_error(
    model: bytes, write: Callable[[bytes], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(model)
    key = Path(__file__).resolve().parent / "data" / "test-ed25519.key"
    status = cli.main(["sign", str(path), "--key", str(key), "--signer", "Al\u200bice", "--no-time"])
    assert status == 2
    assert "attribute `signer` contains U+200B, an invisible" in capsys.readouterr().err
    assert path.read_bytes() == model  # nothing written
