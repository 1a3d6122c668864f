"""A short, bounded run of every atheris harness in fuzz/: a crash fails the test with its reproducer.

Each harness runs in its own process (libFuzzer owns the process it fuzzes) with a fixed seed, a fixed
number of runs and the seed corpus of fuzz/seed.py; together they take about a minute on one core. Long
campaigns are run by hand (fuzz/README.md). atheris is part of the `test` extra: in CI (CI=true) its
absence fails this test, locally it skips.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import modelfmt
import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
FUZZ = REPOSITORY / "fuzz"
PACKAGE_ROOT = Path(modelfmt.__file__).resolve().parents[1]  # the modelfmt these tests import

# Runs per harness, sized from measured speed on one core (json ~5000 executions a second, signatures
# ~1200, graph ~800, runtime ~350, reader ~170, the converters ~70) to about three seconds each, plus
# about two seconds to start (instrumenting the package). The seed corpus is run first and counts.
RUNS = {
    "json": 12000,
    "reader": 500,
    "signatures": 3000,
    "graph": 2500,
    "runtime": 1000,
    "convert": 200,
    "convert_parts": 200,
}
SEEDS_PER_HARNESS = 40
TIME_LIMIT_SECONDS = 60  # per harness, a backstop: the run count is the bound that is meant to hit first


def _atheris_available() -> bool:
    try:
        import atheris  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def environment() -> dict[str, str]:
    if not _atheris_available():
        message = "atheris is not installed (pip install 'modelfmt[fuzz]')"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(message + ": CI must run the fuzz smoke test")
        pytest.skip(message)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.fixture(scope="module")
def corpus(environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    subprocess.run(
        [sys.executable, str(FUZZ / "seed.py"), "--out", str(folder), "--sample", str(SEEDS_PER_HARNESS)],
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder


def _report(output: str, artifacts: Path) -> str:
    lines = [output[-6000:]]
    for finding in sorted(artifacts.iterdir()):
        data = finding.read_bytes()
        lines.append(f"reproducer {finding.name} ({len(data)} bytes), base64:")
        lines.append(base64.b64encode(data).decode("ascii"))
        lines.append(f"repr: {data[:2000]!r}")
    return "\n".join(lines)


@pytest.mark.parametrize("target", sorted(RUNS))
def test_harness_finds_no_crash(target: str, environment: dict[str, str], corpus: Path, tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    command = [
        sys.executable,
        str(FUZZ / f"fuzz_{target}.py"),
        f"-runs={RUNS[target]}",
        f"-max_total_time={TIME_LIMIT_SECONDS}",
        "-seed=1",
        "-timeout=30",
        "-rss_limit_mb=3072",
        f"-artifact_prefix={artifacts}/",
        str(corpus / target),
    ]
    result = subprocess.run(
        command,
        check=False,
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=TIME_LIMIT_SECONDS * 3,
    )
    output = "\n".join(line for line in result.stderr.splitlines() if not line.startswith("INFO: Instrumenting"))
    findings = list(artifacts.iterdir())
    assert result.returncode == 0 and not findings, (
        f"fuzz/fuzz_{target}.py found a crash (exit status {result.returncode}); reproduce with "
        f"`python fuzz/fuzz_{target}.py --reproduce FILE`:\n{_report(output, artifacts)}"
    )
    assert "Done " in output, output[-3000:]
