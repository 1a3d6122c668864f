"""The public API at its edges: tensors larger than one hashing piece, what `verify=False` still checks,
writer arguments refused before anything is written, closing twice, files too short to hold a preamble,
a tensor table ending beyond 2^53 - 1 bytes, and a signer whose new signature does not verify."""

from __future__ import annotations

from pathlib import Path

import modelfmt
import numpy as np
import pytest
from core_helpers import EMPTY_SHA256, Tensor, agreed_code, assemble, entry_json, error_from_load, file_of, header_json
from modelfmt import StreamWriter, TensorSpec
from modelfmt.signing import _signatures

PIECE = 16 * 1024 * 1024  # the package hashes a tensor in pieces of this size, reporting progress for each
LARGE = {
    "small": np.arange(10, dtype=np.int32),
    "large": np.frombuffer(bytes(range(256)) * ((PIECE + 1024 * 1024) // 256), dtype=np.uint8),
}


@pytest.fixture(scope="module")
def large_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("large") / "large.mf"
    modelfmt.save_file(LARGE, path)
    return path


def test_a_tensor_larger_than_one_hashing_piece_round_trips(large_file: Path) -> None:
    assert large_file.read_bytes() == modelfmt.save(LARGE)
    arrays = modelfmt.load_file(large_file)
    np.testing.assert_array_equal(arrays["large"], LARGE["large"])
    with modelfmt.safe_open(large_file) as opened:
        np.testing.assert_array_equal(opened.get_tensor("large"), LARGE["large"])


def test_damage_past_the_first_hashing_piece_is_found(large_file: Path, tmp_path: Path) -> None:
    data = bytearray(large_file.read_bytes())
    data[-1] ^= 0x01  # the last byte of the large tensor, the last tensor
    damaged = tmp_path / "damaged.mf"
    damaged.write_bytes(bytes(data))
    for read in (
        lambda: modelfmt.load_file(damaged),
        lambda: modelfmt.safe_open(damaged).get_tensor("large"),
        lambda: modelfmt.safe_open(damaged).verify_all(),
    ):
        with pytest.raises(modelfmt.IntegrityError) as raised:
            read()
        assert raised.value.code == "DIGEST_MISMATCH"
        assert "large" in str(raised.value)


def test_progress_counts_every_byte_once_piece_by_piece(large_file: Path) -> None:
    reports: list[int] = []
    with modelfmt.safe_open(large_file) as opened:
        opened.verify_all(progress=reports.append)
    assert sum(reports) == sum(array.nbytes for array in LARGE.values())
    assert max(reports) <= PIECE
    assert len(reports) >= 3  # the small tensor, then the large one in two pieces


# ---- verify=False ------------------------------------------------------------------------------------------


def _unverified_file(tmp_path: Path, *, bool_byte: int) -> Path:
    """A file whose float tensor does not match its digest and whose bool tensor holds `bool_byte`."""
    data = bytearray(
        file_of(
            [
                Tensor("values", "float32", (2,), np.array([1.5, -2.0], np.float32).tobytes()),
                Tensor("flags", "bool", (2,), bytes([1, bool_byte])),
            ]
        )
    )
    values_at = data.index(np.array([1.5, -2.0], np.float32).tobytes())
    data[values_at] ^= 0x01
    path = tmp_path / "unverified.mf"
    path.write_bytes(bytes(data))
    return path


def test_without_verify_digests_are_not_checked_and_bytes_are_returned_as_stored(tmp_path: Path) -> None:
    path = _unverified_file(tmp_path, bool_byte=0)
    stored = bytearray(np.array([1.5, -2.0], np.float32).tobytes())
    stored[0] ^= 0x01  # the damage _unverified_file made
    arrays = modelfmt.load_file(path, verify=False)
    with modelfmt.safe_open(path, verify=False) as opened:
        lazily = opened.get_tensor("values")
    in_memory = modelfmt.load(path.read_bytes(), verify=False)
    for values in (arrays["values"], lazily, in_memory["values"]):
        assert values.tobytes() == bytes(stored)
    assert arrays["flags"].tolist() == [True, False]
    with pytest.raises(modelfmt.IntegrityError) as raised:
        modelfmt.load_file(path)
    assert raised.value.code == "DIGEST_MISMATCH"


def test_without_verify_bool_values_are_still_checked(tmp_path: Path) -> None:
    """A bool byte other than 0 or 1 would be undefined behaviour for numpy: never handed out."""
    path = _unverified_file(tmp_path, bool_byte=2)
    reads = (
        lambda: modelfmt.load_file(path, verify=False),
        lambda: modelfmt.safe_open(path, verify=False).get_tensor("flags"),
        lambda: modelfmt.load(path.read_bytes(), verify=False),
    )
    for read in reads:
        with pytest.raises(modelfmt.FormatError) as raised:
            read()
        assert raised.value.code == "BOOL_VALUE"


def test_safe_open_of_an_invalid_file_raises_its_code_at_open(tmp_path: Path) -> None:
    path = tmp_path / "invalid.mf"
    path.write_bytes(assemble('{"tensors":[],"metadata":{},"tensors":[]}'))
    with pytest.raises(modelfmt.FormatError) as raised:
        modelfmt.safe_open(path, verify=False)
    assert raised.value.code == "HEADER_DUPLICATE_KEY"


# ---- writer arguments --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "error", "words"),
    [
        # The writer judges its table with the reader's rules, so it raises the reader's coded errors.
        (TensorSpec(7, "float32", (1,)), modelfmt.FormatError, "`name` must be a string"),  # type: ignore[arg-type]
        (TensorSpec("t", "float31", (1,)), modelfmt.FormatError, "unknown dtype `float31`"),
        (TensorSpec("t", "float32", (1,), "weights"), modelfmt.FormatError, "unknown role"),
        (TensorSpec("t", "float32", (1.5,)), modelfmt.FormatError, ""),  # type: ignore[arg-type]
    ],
)
def test_stream_writer_refuses_a_bad_spec_before_writing(
    tmp_path: Path, spec: TensorSpec, error: type[Exception], words: str
) -> None:
    path = tmp_path / "out.mf"
    with pytest.raises(error) as raised:
        StreamWriter(path, [spec])
    assert words in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_stream_writer_takes_shapes_of_any_integers(tmp_path: Path) -> None:
    path = tmp_path / "out.mf"
    with StreamWriter(path, [TensorSpec("t", "int16", [np.int64(2), 3])]) as writer:  # type: ignore[arg-type]
        writer.write(np.arange(6, dtype=np.int16))
    assert modelfmt.read_header(path).tensor("t").shape == (2, 3)
    np.testing.assert_array_equal(modelfmt.load_file(path)["t"], np.arange(6, dtype=np.int16).reshape(2, 3))


@pytest.mark.parametrize(
    ("tensors", "roles", "error", "words"),
    [
        ([("t", np.zeros(2))], None, TypeError, "must be a mapping"),
        ({"t": np.zeros(2)}, {"u": "buffer"}, ValueError, "roles given for tensors that are not saved: ['u']"),
        ({"t": ["a", object()]}, None, TypeError, "tensor `t` is not numeric data (list)"),
    ],
)
def test_save_refuses_bad_arguments_before_writing(
    tmp_path: Path, tensors: object, roles: dict[str, str] | None, error: type[Exception], words: str
) -> None:
    path = tmp_path / "out.mf"
    with pytest.raises(error) as raised:
        modelfmt.save_file(tensors, path, roles=roles)  # type: ignore[arg-type]
    assert words in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_save_takes_nested_lists_as_arrays() -> None:
    arrays = modelfmt.load(modelfmt.save({"t": [[1, 2], [3, 4]]}))
    np.testing.assert_array_equal(arrays["t"], np.array([[1, 2], [3, 4]]))


def test_closing_twice_and_aborting_after_close_keep_the_file(tmp_path: Path) -> None:
    path = tmp_path / "out.mf"
    writer = StreamWriter(path, [TensorSpec("t", "uint8", (3,))])
    writer.write(b"\x01\x02\x03")
    writer.close()
    written = path.read_bytes()
    writer.close()
    writer.abort()
    assert path.read_bytes() == written == modelfmt.save({"t": np.array([1, 2, 3], np.uint8)})


# ---- short files, huge tables, a faulty signer ---------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\x89MFT\r\n"], ids=["empty", "six-bytes"])
def test_signing_or_verifying_a_file_shorter_than_a_preamble_gives_the_readers_code(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "short.mf"
    path.write_bytes(content)
    expected = error_from_load(content).code
    key = modelfmt.generate_key()
    for action in (lambda: modelfmt.sign_file(path, key), lambda: modelfmt.verify_file(path, [key.public_key()])):
        with pytest.raises(modelfmt.ModelfmtError) as raised:
            action()
        assert raised.value.code == expected
    assert path.read_bytes() == content
    assert [entry.name for entry in tmp_path.iterdir()] == ["short.mf"]


@pytest.mark.parametrize("second_length", [2**52, 2**52 - 64], ids=["ends-beyond-2-53", "ends-below-2-53"])
def test_a_table_longer_than_the_file_is_truncated_wherever_it_ends(tmp_path: Path, second_length: int) -> None:
    """The table is valid in itself; it describes a data section of about 2^53 bytes, which the file does not
    have. A table ending beyond 2^53 - 1 takes the reader's slower, general path: same verdict."""
    first = entry_json("a", "uint8", [2**52], 0, 2**52, EMPTY_SHA256)
    second = entry_json("b", "uint8", [second_length], 2**52, second_length, EMPTY_SHA256)
    assert agreed_code(assemble(header_json([first, second])), tmp_path) == "TRUNCATED"


def test_a_signature_that_does_not_verify_when_made_is_never_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A faulty signer (hardware fault, broken backend) must not publish a signature that fails every
    verifier or leaks key material: the new signature is checked before anything is written."""
    path = tmp_path / "model.mf"
    modelfmt.save_file({"t": np.zeros(4, np.float32)}, path)
    before = path.read_bytes()
    key = modelfmt.generate_key("ecdsa-p256")
    monkeypatch.setattr(_signatures, "signature_valid", lambda *args: False)
    for action in (lambda: modelfmt.sign_file(path, key), lambda: modelfmt.sign_bytes(before, key)):
        with pytest.raises(RuntimeError, match="does not verify; nothing was written"):
            action()
    assert path.read_bytes() == before
    assert [entry.name for entry in tmp_path.iterdir()] == ["model.mf"]
