"""Start-up: reading and checking a file does not import what only other jobs need.

`modelfmt check small.mf` should cost little more than importing numpy (bench/ measures the ratio); these
tests pin the imports that made it slow, in a fresh interpreter, so that an eager import cannot creep back.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import modelfmt
import numpy as np


def _modules_after(code: str) -> set[str]:
    script = f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_reading_a_float32_file_does_not_import_ml_dtypes(tmp_path: Path) -> None:
    path = tmp_path / "small.mf"
    modelfmt.save_file({"w": np.ones((2, 3), dtype=np.float32)}, path)
    loaded = _modules_after(f"import modelfmt\nmodelfmt.load_file({str(path)!r})")
    assert "ml_dtypes" not in loaded


def test_a_bfloat16_tensor_is_read_with_ml_dtypes_imported_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "bf16.mf"
    script = (
        "import numpy as np, ml_dtypes, modelfmt\n"
        f"modelfmt.save_file({{'w': np.arange(4, dtype=np.float32).astype(ml_dtypes.bfloat16)}}, {str(path)!r})\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    code = f"import modelfmt\nw = modelfmt.load_file({str(path)!r})['w']\nassert str(w.dtype) == 'bfloat16', w.dtype"
    assert "ml_dtypes" in _modules_after(code)


def test_check_from_the_command_line_imports_neither_runtime_nor_runner_nor_pictures(tmp_path: Path) -> None:
    path = tmp_path / "small.mf"
    modelfmt.save_file({"w": np.ones((2, 3), dtype=np.float32)}, path)
    loaded = _modules_after(
        "import contextlib, io\nfrom modelfmt.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()):\n    assert main(['check', {str(path)!r}]) == 0"
    )
    assert not {"modelfmt.runtime._run", "modelfmt.conformance._runner", "modelfmt.graph._picture"} & loaded
    assert "ml_dtypes" not in loaded
