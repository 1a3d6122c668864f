"""The distributions: the wheel and the sdist build, hold what a user needs, and the wheel works once installed.

CI also installs the wheel into a fresh virtual environment with its dependencies from PyPI and runs the
quickstart (`.ci/run`); here the build runs without isolation (no network) and the wheel is unpacked beside the
test environment's own dependencies.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("dist")
    # A copy of the sources keeps the checkout free of build/ and *.egg-info.
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        (src / name).write_bytes((ROOT / name).read_bytes())
    subprocess.run(
        ["cp", "-r", str(ROOT / "reference"), str(src / "reference")],
        check=True,
    )
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--wheel", "--sdist", "--outdir", str(out), str(src)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    yield out


def _wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("modelfmt-*.whl")
    return wheel


def test_wheel_holds_the_package_its_types_and_its_licence(dist: Path) -> None:
    names = set(zipfile.ZipFile(_wheel(dist)).namelist())
    packages = {path.parent.relative_to(ROOT / "reference").as_posix() for path in (ROOT / "reference").rglob("*.py")}
    assert {f"{package}/__init__.py" for package in packages} <= names
    assert "modelfmt/py.typed" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert not any(name.startswith(("tests/", "conformance/vectors")) for name in names)


def test_wheel_metadata_keeps_optional_dependencies_optional(dist: Path) -> None:
    with zipfile.ZipFile(_wheel(dist)) as archive:
        (metadata_name,) = (name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(metadata_name).decode("utf-8"))
        entry_points = next(name for name in archive.namelist() if name.endswith("entry_points.txt"))
        assert "modelfmt = modelfmt.cli:main" in archive.read(entry_points).decode("utf-8")
    assert metadata["License-Expression"] == "Apache-2.0"
    requires = metadata.get_all("Requires-Dist") or []
    unconditional = sorted(req.split(">")[0].split("=")[0].strip() for req in requires if "extra ==" not in req)
    assert unconditional == ["cryptography", "ml_dtypes", "numpy"]
    torch_for_users = [req for req in requires if req.startswith("torch") and 'extra == "torch"' in req]
    assert torch_for_users and "==" not in torch_for_users[0].split(";")[0], torch_for_users
    assert any(req.startswith("jsonschema") and 'extra == "conformance"' in req for req in requires)


def test_sdist_holds_the_sources_and_the_licence(dist: Path) -> None:
    (sdist,) = dist.glob("modelfmt-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "pyproject.toml", "README.md", "reference/modelfmt/__init__.py"} <= names


def test_installed_wheel_imports_and_runs_its_command(dist: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(target)]
    subprocess.run([*install, str(_wheel(dist))], check=True)
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    code = "import modelfmt, modelfmt.cli, sys; sys.argv = ['modelfmt', '--help']; modelfmt.cli.main()"
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {code}"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "check" in result.stdout
