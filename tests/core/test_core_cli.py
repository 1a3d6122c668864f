"""The `modelfmt check` and `modelfmt inspect` commands.

Most cases call `modelfmt.cli.main([...])` in-process (fast; any exception escaping `main` fails the
test, which is what "no traceback" means in-process). A few run the real console script and
`python -m modelfmt` in a subprocess and assert that stderr holds no traceback.
"""

from __future__ import annotations

import io
import json
import pickle
import shutil
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import modelfmt
import numpy as np
import pytest
from core_helpers import small_file
from modelfmt import cli
from safetensors.numpy import save as save_safetensors
from test_core_tables import MALFORMED, MALFORMED_BASE, VALID_BASE, build

VALID = modelfmt.save(
    {"emb.weight": np.ones((4, 3), np.float32), "bn.mean": np.zeros(3, np.float32), "step": np.array(5, np.int64)},
    metadata={"name": "cli-test", "license": "MIT", "tags": ["a", "b"]},
    roles={"bn.mean": "buffer", "step": "optimizer"},
)


def _torch_zip() -> bytes:
    torch = pytest.importorskip("torch")
    buffer = io.BytesIO()
    torch.save({"w": torch.zeros(2)}, buffer)
    return buffer.getvalue()


def _npz() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, a=np.zeros(3), b=np.ones(2))
    return buffer.getvalue()


def _npy() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(3))
    return buffer.getvalue()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


def _safetensors() -> bytes:
    return save_safetensors({"w": np.zeros((2, 2), np.float32)})


def _newline_damaged() -> bytes:
    return VALID.replace(b"\r\n", b"\n")


def _major_2() -> bytes:
    return VALID[:8] + struct.pack("<H", 2) + VALID[10:]


# name: (bytes, expected code, words the verdict line must contain)
HOSTILE: dict[str, tuple[Callable[[], bytes], str, tuple[str, ...]]] = {
    "truncated-download": (lambda: VALID[: len(VALID) // 2], "TRUNCATED", ("truncated", "download")),
    "git-lfs-pointer": (
        lambda: b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"a" * 64 + b"\nsize 1234\n",
        "BAD_MAGIC",
        ("git-lfs", "git lfs pull"),
    ),
    "html-error-page": (
        lambda: b"<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head><body>denied</body></html>\n",
        "BAD_MAGIC",
        ("HTML",),
    ),
    "safetensors": (_safetensors, "BAD_MAGIC", ("safetensors",)),
    "pytorch-zip": (_torch_zip, "BAD_MAGIC", ("PyTorch", "pickle")),
    "legacy-pickle-protocol-2": (lambda: pickle.dumps({"w": [1.0, 2.0]}, protocol=2), "BAD_MAGIC", ("pickle",)),
    "zip": (_zip, "BAD_MAGIC", ("zip",)),
    "npy": (_npy, "BAD_MAGIC", (".npy",)),
    "npz": (_npz, "BAD_MAGIC", (".npz",)),
    "gguf": (lambda: b"GGUF" + struct.pack("<IQQ", 3, 0, 0), "BAD_MAGIC", ("GGUF",)),
    "newline-damaged-magic": (_newline_damaged, "BAD_MAGIC", ("line endings", "binary mode")),
    "high-bit-stripped": (lambda: b"\x09" + VALID[1:], "BAD_MAGIC", ("high bit",)),
    "empty-file": (lambda: b"", "TRUNCATED", ("empty",)),
    "unsupported-major-2.0": (_major_2, "UNSUPPORTED_VERSION", ("major version 2",)),
    "json-error-response": (lambda: b'{"error": "Repository not found"}', "BAD_MAGIC", ("JSON",)),
    "digest-mismatch": (lambda: VALID[:-1] + bytes([VALID[-1] ^ 1]), "DIGEST_MISMATCH", ("`step`", "corrupt")),
}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name, (make, _, _) in HOSTILE.items():
        paths[name] = tmp_path / f"{name}.bin"
        paths[name].write_bytes(make())
    paths["valid"] = tmp_path / "valid.mf"
    paths["valid"].write_bytes(VALID)
    return paths


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_check_names_the_real_world_cause(
    name: str, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, code, words = HOSTILE[name]
    status, out, err = run_cli(capsys, "check", str(files[name]))
    assert status == 1
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith(f"{files[name]}: INVALID {code}: ")
    for word in words:
        assert word.lower() in lines[0].lower(), f"{word!r} missing from {lines[0]!r}"


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_check_json_report(name: str, files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, code, _ = HOSTILE[name]
    status, out, err = run_cli(capsys, "check", "--json", str(files[name]))
    assert (status, err) == (1, "")
    [report] = json.loads(out)
    assert report["path"] == str(files[name])
    assert report["valid"] is False
    assert report["file_bytes"] == files[name].stat().st_size
    error = report["error"]
    assert set(error) >= {"code", "category", "message", "offset", "tensor", "hint"}
    assert error["code"] == code
    assert error["category"] == modelfmt.ERROR_CODES[code].category
    if code == "BAD_MAGIC" or files[name].stat().st_size < 24:
        assert isinstance(report["detected_format"], str) and report["detected_description"]


@pytest.mark.parametrize("size", [1, 5, 8, 20])
def test_check_calls_a_cut_preamble_truncated_not_damaged(
    size: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The first bytes of a valid file (a download that stopped at once) match the magic as far as they go.
    path = tmp_path / "cut.mf"
    path.write_bytes(VALID[:size])
    status, out, _ = run_cli(capsys, "check", str(path))
    assert status == 1
    assert out.startswith(f"{path}: INVALID TRUNCATED: ")
    assert f"{size} bytes" in out and "damaged" not in out


def test_check_valid_file(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(capsys, "check", str(files["valid"]))
    assert (status, err) == (0, "")
    assert out == f"{files['valid']}: OK modelfmt 1.0, 3 tensors, 136 B of data, all digests match\n"
    status, out, _ = run_cli(capsys, "check", "--json", str(files["valid"]))
    assert status == 0
    assert json.loads(out) == [
        {
            "path": str(files["valid"]),
            "valid": True,
            "file_bytes": len(VALID),
            "version": "1.0",
            "tensors": 3,
            "data_bytes": 136,
        }
    ]


def test_check_many_files_one_line_each_in_order(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    missing = files["valid"].parent / "missing.mf"
    directory = files["valid"].parent / "a-directory"
    directory.mkdir()
    paths = [files["valid"], *(files[name] for name in sorted(HOSTILE)), missing, directory, files["valid"]]
    status, out, err = run_cli(capsys, "check", *map(str, paths))
    assert (status, err) == (1, "")
    lines = out.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == list(map(str, paths))
    assert lines[0].endswith("all digests match") and lines[-1].endswith("all digests match")
    assert ": ERROR cannot read: " in lines[-3] and ": ERROR cannot read: " in lines[-2]
    status, out, _ = run_cli(capsys, "check", "--json", *map(str, paths))
    reports = json.loads(out)
    assert [report["valid"] for report in reports].count(True) == 2
    assert reports[-3]["error"]["code"] == "OS_ERROR"


def test_check_exit_0_only_when_every_file_is_valid(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "check", str(files["valid"]), str(files["valid"]))[0] == 0
    assert run_cli(capsys, "check", str(files["valid"]), str(files["npy"]))[0] == 1


@pytest.mark.parametrize(
    "argv",
    [[], ["check"], ["inspect"], ["frobnicate", "x"], ["check", "--no-such-option", "x"], ["inspect", "a", "b"]],
    ids=["nothing", "check-no-file", "inspect-no-file", "unknown-command", "unknown-option", "inspect-two-files"],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        cli.main(argv)
    assert raised.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and "usage:" in err and "Traceback" not in err


def test_check_strict_reports_a_non_canonical_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = next(
        case
        for case in json.loads((Path(__file__).parent / "data" / "valid_headers.json").read_text())["cases"]
        if case["id"] == "whitespace-everywhere"
    )
    path = tmp_path / "spaced.mf"
    path.write_bytes(build(VALID_BASE, case))
    status, out, _ = run_cli(capsys, "check", str(path))
    assert status == 0 and "warning" not in out
    status, out, _ = run_cli(capsys, "check", "--strict", str(path))
    assert status == 0
    assert "warning: header-not-canonical: header is not in canonical form" in out
    canonical = tmp_path / "canonical.mf"
    canonical.write_bytes(VALID)
    assert "warning" not in run_cli(capsys, "check", "--strict", str(canonical))[1]


def test_check_progress_on_a_terminal(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(cli, "_PROGRESS_MIN_BYTES", 0)
    assert cli.main(["check", str(files["valid"])]) == 0
    assert "checking valid.mf:" in terminal.getvalue() and "%" in terminal.getvalue()
    assert capsys.readouterr().out.count("\n") == 1  # stdout keeps one line per file


# ---- no traceback, ever -------------------------------------------------------------------------------------


def test_every_malformed_table_case_gives_one_clean_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = []
    for index, case in enumerate(MALFORMED):
        if "limits" in case:
            continue  # the CLI checks against the format maxima
        path = tmp_path / f"{index:03d}-{case['id']}.mf"
        path.write_bytes(build(MALFORMED_BASE, case))
        paths.append((path, case["code"]))
    status, out, err = run_cli(capsys, "check", *(str(path) for path, _ in paths))
    assert (status, err) == (1, "")
    lines = out.splitlines()
    assert len(lines) == len(paths)
    for line, (path, code) in zip(lines, paths, strict=True):
        assert line.startswith(f"{path}: INVALID {code}: "), line


def test_cli_subprocess_batch_has_no_traceback(files: dict[str, Path]) -> None:
    paths = [str(path) for name, path in sorted(files.items()) if name != "valid"]
    completed = subprocess.run(
        [sys.executable, "-m", "modelfmt", "check", *paths], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 1
    assert "Traceback" not in completed.stderr and completed.stderr == ""
    assert len(completed.stdout.splitlines()) == len(paths)


def test_console_script_exit_codes() -> None:
    script = shutil.which("modelfmt", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the modelfmt console script is not installed next to this interpreter")
    usage = subprocess.run([script], capture_output=True, text=True, timeout=60, check=False)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


@pytest.mark.slow
def test_console_script_check_and_inspect(tmp_path: Path) -> None:
    script = shutil.which("modelfmt", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the modelfmt console script is not installed next to this interpreter")
    path = tmp_path / "small.mf"
    path.write_bytes(small_file())
    checked = subprocess.run([script, "check", str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert (checked.returncode, checked.stderr) == (0, "")
    inspected = subprocess.run([script, "inspect", str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert inspected.returncode == 0 and "mask" in inspected.stdout


# ---- inspect ------------------------------------------------------------------------------------------------


def test_inspect_human(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(capsys, "inspect", str(files["valid"]))
    assert (status, err) == (0, "")
    assert "modelfmt 1.0" in out
    assert "not checked" in out  # inspect does not verify digests and says so
    for text in (
        "cli-test",
        "MIT",
        '["a", "b"]',
        "emb.weight",
        "float32",
        "[4, 3]",
        "bn.mean",
        "buffer",
        "step",
        "int64",
        "[]",
        "optimizer",
        "parameter",
        "totals",
    ):
        assert text in out, text
    table = out[out.index("tensors (3)") :]
    header_line = table.splitlines()[1].split()
    assert header_line == ["name", "dtype", "shape", "bytes", "role"]
    row = next(line for line in table.splitlines() if "emb.weight" in line)
    assert row.split()[-2:] == ["48", "parameter"]


def test_inspect_json(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(capsys, "inspect", "--json", str(files["valid"]))
    assert (status, err) == (0, "")
    report = json.loads(out)
    assert report["version"] == "1.0"
    assert report["path"] == str(files["valid"])
    assert report["data_start"] % 64 == 0
    assert report["header"]["metadata"] == {"name": "cli-test", "license": "MIT", "tags": ["a", "b"]}
    tensors = report["header"]["tensors"]
    assert [entry["name"] for entry in tensors] == ["emb.weight", "bn.mean", "step"]
    assert tensors[0] | {"sha256": None} == {
        "name": "emb.weight",
        "dtype": "float32",
        "shape": [4, 3],
        "offset": 0,
        "length": 48,
        "sha256": None,
        "role": "parameter",
    }
    totals = {row["role"]: row for row in report["totals"]}
    assert totals["parameter"] == {"role": "parameter", "tensors": 1, "elements": 12, "bytes": 48}
    assert totals["optimizer"]["elements"] == 1


@pytest.mark.parametrize("name", ["truncated-download", "npy", "empty-file", "unsupported-major-2.0"])
def test_inspect_bad_file(name: str, files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(capsys, "inspect", str(files[name]))
    assert status == 1 and out == ""
    assert err.startswith(f"{files[name]}: INVALID {HOSTILE[name][1]}: ") and err.count("\n") == 1


def test_inspect_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(capsys, "inspect", str(tmp_path / "nope.mf"))
    assert status == 1 and out == "" and "cannot read" in err
