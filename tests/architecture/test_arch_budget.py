"""The memory and work budget of a run (SPEC.md §9.11 step 6, §17.17).

Tiny valid files that ask for gigabytes or for hours are refused with a coded error before any kernel
runs, by `modelfmt.run`, `modelfmt run` and `modelfmt.torch.build(...)(...)`, also in a process whose
address space is capped at 4 GB; the budget is the caller's to change; what still fails inside a kernel
is a coded error, never a traceback; the cost model bounds what the numpy kernels actually allocate; and
`check` reports how the cost grows. The PyTorch build's own tests are in `test_arch_budget_torch.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import modelfmt
import numpy as np
import pytest
from arch_helpers import declare, node, raw_file, table, with_inferred_outputs
from hostile_graphs import HOSTILE, Hostile, small_linear
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelfmt.cli import main
from modelfmt.cli._graph import size_argument
from modelfmt.diagnose._check import check_file
from modelfmt.graph import CORE_OPS
from modelfmt.graph._concrete import infer_with_sizes
from modelfmt.graph._footprint import footprint
from modelfmt.graph._growth import estimate_growth
from modelfmt.graph._registry import COSTS
from modelfmt.graph._validate import validate_architecture
from modelfmt.runtime import _execute, _run
from modelfmt.runtime._budget import MEMORY_FLOOR, WORK_PER_BYTE, budget_for
from test_arch_fuzz import single_node_cases

PYTHON = sys.executable
REFERENCE = Path(modelfmt.__file__).resolve().parent.parent
ADDRESS_SPACE = 4 * 1024**3
RNG = np.random.default_rng(7)


def rand(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


@pytest.fixture
def never_execute(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: object) -> object:
        raise AssertionError("the runtime started executing")

    monkeypatch.setattr(_run, "execute", fail)


# ---- hostile files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", HOSTILE, ids=[case.name for case in HOSTILE])
def test_a_tiny_hostile_file_is_refused_before_any_kernel_runs(
    case: Hostile, tmp_path: Path, never_execute: None
) -> None:
    path = case.build(tmp_path / f"{case.name}.mf")
    assert path.stat().st_size < 20_000
    assert check_file(path).valid  # a valid file: only running it is out of bounds
    with pytest.raises(modelfmt.LimitError) as caught:
        modelfmt.run(path, case.inputs())
    assert caught.value.code == case.code
    assert caught.value.hint is None or "max_" in caught.value.hint


_DRIVER = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
cases = json.loads(sys.argv[1])
if sys.argv[2] == "cli":
    from modelfmt.cli import main
    for name, path, inputs in cases:
        print(name, main(["run", path, *(f"--input={{key}}={{value}}" for key, value in inputs.items())]), flush=True)
else:
    import numpy, torch
    import modelfmt, modelfmt.torch
    for name, path, inputs in cases:
        module = modelfmt.torch.build(path)
        try:
            module(**{{key: torch.from_numpy(numpy.load(value)) for key, value in inputs.items()}})
            print(name, "ran", flush=True)
        except modelfmt.ModelfmtError as error:
            print(name, error.code, flush=True)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REFERENCE), "OMP_NUM_THREADS": "1"}


def _prepared(tmp_path: Path) -> list[tuple[str, str, dict[str, str]]]:
    cases = []
    for case in HOSTILE:
        path = case.build(tmp_path / f"{case.name}.mf")
        inputs = {}
        for name, array in case.inputs().items():
            np.save(tmp_path / f"{case.name}.{name}.npy", array)
            inputs[name] = str(tmp_path / f"{case.name}.{name}.npy")
        cases.append((case.name, str(path), inputs))
    return cases


@pytest.mark.parametrize("runner", ["cli", "torch"])
def test_no_traceback_under_a_4_gb_address_space(runner: str, tmp_path: Path) -> None:
    if runner == "torch":
        pytest.importorskip("torch")
    cases = _prepared(tmp_path)
    script = _DRIVER.format(limit=ADDRESS_SPACE)
    done = subprocess.run(
        [PYTHON, "-c", script, json.dumps(cases), runner],
        capture_output=True,
        text=True,
        timeout=600,
        env=_environment(),
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
    *lines, peak = done.stdout.splitlines()
    results = dict(line.split(" ", 1) for line in lines)
    for case in HOSTILE:
        if runner == "cli":
            assert results[case.name] == "1"
            assert f"ERROR {case.code}: " in done.stderr
        else:
            assert results[case.name] == case.code
    assert int(peak) < 1536 * 1024  # KiB: the process never held more than 1.5 GB


# ---- the budget is the caller's ----------------------------------------------------------------------------


def _recurrence(tmp_path: Path) -> Path:
    for case in HOSTILE:
        if case.name == "recurrence-over-an-empty-batch":
            return case.build(tmp_path / "rnn.mf")
    raise AssertionError("no recurrence case")


def test_raising_the_work_budget_lets_a_long_recurrence_run(tmp_path: Path) -> None:
    path = _recurrence(tmp_path)
    x = np.empty((140_000, 0, 4), np.float32)  # 140000 steps of an empty batch: just over the default
    with pytest.raises(modelfmt.LimitError) as caught:
        modelfmt.run(path, {"x": x})
    assert caught.value.code == "RUN_WORK_BUDGET"
    assert "by default (SPEC.md §9.11)" in str(caught.value)
    outputs = modelfmt.run(path, {"x": x}, max_work=2**33)
    assert outputs["y"].shape == (140_000, 0, 4)


def test_lowering_the_budget_refuses_what_the_default_allows(tmp_path: Path, never_execute: None) -> None:
    path = small_linear(tmp_path)
    x = rand(8, 4)
    with pytest.raises(modelfmt.LimitError) as memory:
        modelfmt.run(path, {"x": x}, max_memory=64)
    assert memory.value.code == "RUN_MEMORY_BUDGET"
    assert "as the caller set" in str(memory.value)
    with pytest.raises(modelfmt.LimitError) as work:
        modelfmt.run(path, {"x": x}, max_work=10)
    assert work.value.code == "RUN_WORK_BUDGET"
    for wrong in (-1, 1.5, "1G", True):
        with pytest.raises(TypeError):
            modelfmt.run(path, {"x": x}, max_memory=wrong)  # type: ignore[arg-type]


def test_default_budget_scales_with_the_file_and_the_inputs() -> None:
    assert budget_for(1000, 1000).max_memory == MEMORY_FLOOR
    assert budget_for(1000, 1000).max_work == WORK_PER_BYTE * MEMORY_FLOOR == 2**31
    big = budget_for(400 * 2**20, 100 * 2**20)
    assert big.max_memory == 4 * 500 * 2**20 and big.max_work == 8 * big.max_memory
    assert budget_for(0, 0, max_memory=10).max_work == 80  # work follows the memory budget in force
    assert budget_for(0, 0, max_memory=10, max_work=3) == budget_for(5, 5, max_memory=10, max_work=3)


def test_cli_budget_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = small_linear(tmp_path)
    np.save(tmp_path / "x.npy", rand(8, 4))
    assert main(["run", str(path), "--input", f"x={tmp_path / 'x.npy'}", "--max-memory", "64"]) == 1
    assert "ERROR RUN_MEMORY_BUDGET: " in capsys.readouterr().err
    assert main(["run", str(path), "--input", f"x={tmp_path / 'x.npy'}", "--max-work", "1K"]) == 1
    assert "ERROR RUN_WORK_BUDGET: " in capsys.readouterr().err
    assert main(["run", str(path), "--input", f"x={tmp_path / 'x.npy'}", "--max-memory", "1G"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit) as usage:
        main(["run", str(path), "--max-memory", "lots"])
    assert usage.value.code == 2
    assert "not a size" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("1000", 1000), ("2K", 2048), ("512M", 512 * 2**20), ("2G", 2**31), ("1.5g", 3 * 2**29), ("3KiB", 3072)],
)
def test_size_argument(text: str, value: int) -> None:
    assert size_argument(text) == value


# ---- failures inside a kernel are coded errors ---------------------------------------------------------------


def _failing_kernels(error: BaseException | None) -> Mapping[str, Any]:
    def kernel(call: Any) -> Sequence[np.ndarray]:
        if error is not None:
            raise error
        return [np.zeros((1,), np.float32)]  # not the shape inference promised

    return {op: kernel for op in CORE_OPS}


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (MemoryError("Unable to allocate 8.00 TiB"), "RUN_MEMORY_BUDGET"),
        (ValueError("operands could not be broadcast together"), "RUN_INPUT"),
        (IndexError("index 9 is out of bounds"), "RUN_INPUT"),
        (None, "RUN_INPUT"),  # a result of the wrong shape
    ],
)
def test_what_fails_inside_a_kernel_is_a_coded_error(
    error: BaseException | None, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_execute, "KERNELS", _failing_kernels(error))
    with pytest.raises(modelfmt.ModelfmtError) as caught:
        modelfmt.run(small_linear(tmp_path), {"x": rand(8, 4)})
    assert caught.value.code == code
    assert "node `fc` (#0, Linear)" in str(caught.value)


def test_a_real_allocation_failure_is_a_coded_error_not_a_traceback(tmp_path: Path) -> None:
    """The caller raised the budget beyond what the process may allocate: numpy's MemoryError is reported
    as RUN_MEMORY_BUDGET."""
    for case in HOSTILE:
        if case.name == "outer-broadcast":
            path = case.build(tmp_path / "outer.mf")
    np.save(tmp_path / "x.npy", np.ones(20_000, np.float32))  # a 1.6 GB result
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))\n"
        "from modelfmt.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    done = subprocess.run(
        [PYTHON, "-c", script, "run", str(path), "--input", f"x={tmp_path / 'x.npy'}", "--max-memory", "100G"],
        capture_output=True,
        text=True,
        timeout=300,
        env=_environment(),
        check=False,
    )
    assert (done.returncode, "Traceback" in done.stderr) == (1, False), done.stderr
    assert "ERROR RUN_MEMORY_BUDGET: node `sum` (#2, Add): the system could not provide" in done.stderr


# ---- ordinary networks ------------------------------------------------------------------------------------


# ---- the cost model bounds what the kernels allocate ---------------------------------------------------------

H = 32


def _recurrent_params(gates: int, features: int, layers: int = 1, both: bool = False) -> dict[str, np.ndarray]:
    params = {}
    for layer in range(layers):
        for suffix in ("", "_reverse") if both else ("",):
            width = features if layer == 0 else H * (2 if both else 1)
            params[f"weight_ih_l{layer}{suffix}"] = rand(gates * H, width)
            params[f"weight_hh_l{layer}{suffix}"] = rand(gates * H, H)
            params[f"bias_ih_l{layer}{suffix}"] = rand(gates * H)
            params[f"bias_hh_l{layer}{suffix}"] = rand(gates * H)
    return params


def _cost_cases() -> list[tuple[str, str, dict[str, np.ndarray], dict[str, object], dict[str, np.ndarray], int]]:
    x = rand(16, 128, 128)
    image = rand(4, 8, 64, 64)
    e = 64
    attention = {"in_proj_weight": rand(3 * e, e), "in_proj_bias": rand(3 * e), "out_proj_weight": rand(e, e)}
    attention["out_proj_bias"] = rand(e)
    norm = {"weight": rand(8), "bias": rand(8), "running_mean": rand(8), "running_var": rand(8) ** 2}
    return [
        ("cast", "Cast", {"x": x}, {"to": "int64"}, {}, 1),
        ("relu", "ReLU", {"x": x}, {}, {}, 1),
        ("leaky-relu", "LeakyReLU", {"x": x}, {}, {}, 1),
        ("silu", "SiLU", {"x": x}, {}, {}, 1),
        ("sigmoid", "Sigmoid", {"x": x}, {}, {}, 1),
        ("gelu", "GELU", {"x": rand(4, 128, 128)}, {}, {}, 1),
        ("gelu-tanh", "GELU", {"x": x}, {"approximate": "tanh"}, {}, 1),
        ("softmax", "Softmax", {"x": x}, {"axis": 1}, {}, 1),
        ("log-softmax", "LogSoftmax", {"x": x}, {"axis": -1}, {}, 1),
        ("add-broadcast", "Add", {"a": rand(16, 1, 128), "b": rand(128, 1)}, {}, {}, 1),
        ("rsqrt", "Rsqrt", {"x": np.abs(x)}, {}, {}, 1),
        ("erf", "Erf", {"x": rand(4, 128, 128)}, {}, {}, 1),
        ("clip", "Clip", {"x": x}, {"min": -1, "max": 1}, {}, 1),
        ("less", "Less", {"a": rand(16, 1, 128), "b": rand(128, 1)}, {}, {}, 1),
        ("where", "Where", {"c": rand(16, 1, 128) > 0, "a": x, "b": rand(128)}, {}, {}, 1),
        ("reduce-max", "ReduceMax", {"x": x}, {"axes": [1]}, {}, 1),
        ("argmax", "ArgMax", {"x": x}, {"axis": 2, "keepdims": True}, {}, 1),
        ("cumsum", "CumSum", {"x": x}, {"axis": 1, "exclusive": True, "reverse": True}, {}, 1),
        ("expand", "Expand", {"x": rand(16, 1, 128)}, {"shape": [16, 128, 128]}, {}, 1),
        ("tile", "Tile", {"x": x}, {"repeats": [1, 2, 1]}, {}, 1),
        ("pad-reflect", "Pad", {"x": x}, {"pads": [0, 3, 3, 0, 3, 3], "mode": "reflect"}, {}, 1),
        ("pad-constant", "Pad", {"x": x}, {"pads": [1, 3, 3, 1, 3, 3]}, {}, 1),
        ("range", "Range", {}, {"start": 0, "limit": 300000}, {}, 1),
        ("rms-norm", "RMSNorm", {"x": x}, {"normalized_shape": [128]}, {"weight": rand(128)}, 1),
        (
            "decoder-attention",
            "Attention",
            {
                "q": rand(2, 8, 64, 32),
                "k": rand(2, 2, 64, 32),
                "v": rand(2, 2, 64, 32),
                "m": rand(2, 1, 64, 96) > -1,
                "pk": rand(2, 2, 32, 32),
                "pv": rand(2, 2, 32, 32),
            },
            {"causal": True, "window": 40, "softcap": 30.0},
            {},
            3,
        ),
        (
            "rotary",
            "RotaryEmbedding",
            {"x": rand(2, 8, 128, 64), "p": np.tile(np.arange(128, dtype=np.int64), (2, 1))},
            {"rotary_dim": 48, "scaling": "llama3", "factor": 8.0},
            {},
            1,
        ),
        ("range-float", "Range", {}, {"start": 0, "limit": 3000, "delta": 0.01, "dtype": "float32"}, {}, 1),
        ("div", "Div", {"a": x, "b": x}, {}, {}, 1),
        ("matmul", "MatMul", {"a": rand(4, 256, 128), "b": rand(128, 256)}, {}, {}, 1),
        ("positions", "PositionIds", {"x": x}, {"axis": 2}, {}, 1),
        ("flatten", "Flatten", {"x": x}, {}, {}, 1),
        ("transpose", "Transpose", {"x": x}, {"perm": [2, 0, 1]}, {}, 1),
        ("concat", "Concat", {"a": x, "b": x}, {"axis": 1}, {}, 1),
        ("split", "Split", {"x": x}, {"axis": 1, "split": [100, 28]}, {}, 2),
        ("slice", "Slice", {"x": x}, {"starts": [1], "ends": [100], "axes": [1]}, {}, 1),
        (
            "gather",
            "Gather",
            {"x": x, "i": np.arange(16 * 20, dtype=np.int64).reshape(16, 20) % 128},
            {"axis": 1},
            {},
            1,
        ),
        ("reduce-mean", "ReduceMean", {"x": x}, {"axes": [1]}, {}, 1),
        ("reduce-sum", "ReduceSum", {"x": x}, {"axes": [0, 2]}, {}, 1),
        ("linear", "Linear", {"x": x}, {"in_features": 128, "out_features": 256}, {"weight": rand(256, 128)}, 1),
        (
            "embedding",
            "Embedding",
            {"i": np.arange(64 * 128, dtype=np.int64).reshape(64, 128) % 500},
            {"num_embeddings": 500, "embedding_dim": 64},
            {"weight": rand(500, 64)},
            1,
        ),
        (
            "conv2d",
            "Conv2d",
            {"x": image},
            {"in_channels": 8, "out_channels": 16, "kernel_size": [3, 3], "padding": [1, 1]},
            {"weight": rand(16, 8, 3, 3), "bias": rand(16)},
            1,
        ),
        (
            "conv2d-grouped-strided",
            "Conv2d",
            {"x": image},
            {"in_channels": 8, "out_channels": 16, "kernel_size": [3, 3], "groups": 4, "stride": [2, 2]},
            {"weight": rand(16, 2, 3, 3)},
            1,
        ),
        (
            "conv1d-dilated",
            "Conv1d",
            {"x": rand(4, 8, 2048)},
            {"in_channels": 8, "out_channels": 16, "kernel_size": [5], "padding": [4], "dilation": [2]},
            {"weight": rand(16, 8, 5)},
            1,
        ),
        (
            "max-pool",
            "MaxPool2d",
            {"x": image},
            {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1], "ceil_mode": True},
            {},
            1,
        ),
        (
            "avg-pool",
            "AvgPool2d",
            {"x": image},
            {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1], "count_include_pad": False},
            {},
            1,
        ),
        ("global-average-pool", "GlobalAveragePool", {"x": image}, {}, {}, 1),
        ("batch-norm", "BatchNorm2d", {"x": image}, {"num_features": 8}, norm, 1),
        ("layer-norm", "LayerNorm", {"x": x}, {"normalized_shape": [128]}, {"weight": rand(128), "bias": rand(128)}, 1),
        (
            "lstm",
            "LSTM",
            {"x": rand(50, 16, 24)},
            {"input_size": 24, "hidden_size": H, "num_layers": 2, "bidirectional": True},
            _recurrent_params(4, 24, 2, True),
            3,
        ),
        (
            "gru",
            "GRU",
            {"x": rand(16, 50, 24)},
            {"input_size": 24, "hidden_size": H, "batch_first": True},
            _recurrent_params(3, 24),
            2,
        ),
        ("rnn", "RNN", {"x": rand(50, 16, 24)}, {"input_size": 24, "hidden_size": H}, _recurrent_params(1, 24), 2),
        (
            "attention",
            "MultiHeadAttention",
            {
                "q": rand(100, 4, e),
                "k": rand(120, 4, e),
                "v": rand(120, 4, e),
                "m": rand(4, 120) > 0,
                "a": rand(100, 120) > 1,
            },
            {"embed_dim": e, "num_heads": 4},
            attention,
            1,
        ),
    ]


COST_CASES = _cost_cases()


@pytest.mark.parametrize("case", COST_CASES, ids=[case[0] for case in COST_CASES])
def test_the_cost_model_bounds_what_the_kernels_allocate(case: tuple[Any, ...]) -> None:
    _, op, inputs, attributes, params, outputs = case
    tensors = {f"p.{slot}": array for slot, array in params.items()}
    names = [f"y{index}" for index in range(outputs)]
    parameters = {slot: f"p.{slot}" for slot in params} or None
    the_node = node("n", op, list(inputs), names, attributes=attributes, parameters=parameters)
    architecture = with_inferred_outputs([declare(n, a) for n, a in inputs.items()], [the_node], names, tensors)
    entries = table(tensors)
    graph = validate_architecture(architecture, entries)
    types = infer_with_sizes(graph, {name: array.shape for name, array in inputs.items()}, entries)
    cost = footprint(graph, types, entries)
    tracemalloc.start()
    try:
        values = _execute.execute(graph, types, inputs, tensors)
        copies = [np.array(values[name]) for name in names]
        allocated = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert copies
    held = cost.tensor_bytes + sum(array.nbytes for array in inputs.values())  # allocated before tracing
    assert allocated <= cost.peak_bytes - held + 64 * 1024, (allocated, cost.peak_bytes - held)
    assert cost.largest_bytes <= cost.peak_bytes


def test_every_core_op_has_a_cost() -> None:
    assert set(COSTS) == set(CORE_OPS)


# ---- check reports the growth -----------------------------------------------------------------------------------


def test_check_reports_how_memory_and_work_grow_with_the_symbols(tmp_path: Path) -> None:
    path = small_linear(tmp_path)
    result = check_file(path)
    assert result.valid and result.run_cost is not None
    growth = result.run_cost
    assert growth.symbols == ("batch",) and growth.exact
    assert growth.memory is not None and growth.work is not None
    text = growth.text()
    assert "peak memory ~ " in text and " x batch" in text and "work ~ " in text
    header = modelfmt.read_header(path)
    entries = {info.name: info for info in header.tensors}
    graph = validate_architecture(header.architecture, entries)
    for batch in (1, 7, 1000):  # exact everywhere, not only at the sample sizes
        actual = footprint(graph, infer_with_sizes(graph, {"x": (batch, 4)}, entries), entries)
        assert growth.memory.at((batch,)) == actual.peak_bytes
        assert abs(growth.work.at((batch,)) - actual.work) < 1  # multiply-adds are counted in eighths, rounded up
    report = result.as_json()["run_cost"]
    assert isinstance(report, dict)
    assert report["symbols"] == ["batch"] and report["text"] == text
    assert all(set(term["powers"]) <= {"batch"} for term in report["peak_memory_bytes"])


def test_check_text_and_json_show_the_running_cost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = small_linear(tmp_path)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\n  running it needs peak memory ~ " in out
    assert main(["check", "--json", str(path)]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["run_cost"]["symbols"] == ["batch"]
    for case in HOSTILE:
        if case.name == "matmul-beyond-extent":
            hostile = case.build(tmp_path / "matmul.mf")
    assert main(["check", str(hostile)]) == 0
    assert "running cost: every run fails with RUN_MEMORY_BUDGET" in capsys.readouterr().out


def test_a_quadratic_term_is_found(tmp_path: Path) -> None:
    """Attention's scores grow with the square of the sequence length."""
    for case in HOSTILE:
        if case.name == "attention":
            path = case.build(tmp_path / "attention.mf")
    growth = check_file(path).run_cost
    assert growth is not None and growth.memory is not None and growth.exact
    assert max(sum(powers) for powers in growth.memory.terms) == 2
    assert "seq^2" in growth.text()


# ---- zero-size shapes are bounded like any other (SPEC.md §7.4) ------------------------------------------------


def _error(data: bytes) -> modelfmt.ModelfmtError:
    with pytest.raises(modelfmt.ModelfmtError) as caught:
        modelfmt.load(data)
    return caught.value


def test_a_zero_size_tensor_has_an_extent_within_2_53(tmp_path: Path) -> None:
    beyond = np.empty((2**26, 0, 2**27), np.uint8)  # numpy allows it: it holds nothing
    at_limit = np.empty((6361, 1416003655831, 0), np.uint8)  # 6361 x 1416003655831 = 2^53-1
    assert modelfmt.load(raw_file({"z": at_limit}, {}))["z"].shape == at_limit.shape
    error = _error(raw_file({"z": beyond}, {}))
    assert (error.code, error.tensor) == ("SHAPE_INVALID", "z")
    assert "2^53-1" in str(error)
    many = {f"t{index}": np.zeros(3, np.float32) for index in range(50)} | {"z": beyond}
    error = _error(raw_file(many, {}))  # the column-wise path for large tables, then the entry that fails
    assert (error.code, error.tensor) == ("SHAPE_INVALID", "z")
    with pytest.raises(modelfmt.ModelfmtError) as written:
        modelfmt.save_file({"z": beyond}, tmp_path / "z.mf")
    assert written.value.code == "SHAPE_INVALID"


def test_a_zero_size_graph_declaration_has_an_extent_within_2_53() -> None:
    def architecture(shape: list[object]) -> dict[str, object]:
        return {
            "opset": {"modelfmt.core": 1},
            "inputs": [declare("x", "float32", shape)],
            "outputs": [declare("x", "float32", shape)],
            "nodes": [],
        }

    assert modelfmt.load(raw_file({}, {"architecture": architecture(["n", 0, 2**52])})) == {}
    error = _error(raw_file({}, {"architecture": architecture(["n", 0, 2**27, 2**27])}))
    assert error.code == "SHAPE_INVALID" and "graph input #0" in str(error)


# ---- the cost model never fails on what validation accepts ---------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=single_node_cases(), scale=st.sampled_from([0, 1, 2**20, 2**40, 2**53 - 1]))
def test_costs_and_growth_never_crash(
    case: tuple[dict[str, Any], dict[str, np.ndarray], dict[str, np.ndarray]], scale: int
) -> None:
    """Any valid node, its first axes symbolic (growth) or huge (one footprint): a figure or a refusal."""
    the_node, inputs, tensors = case
    declared = [declare(name, array) for name, array in inputs.items()]
    symbolic = [{**decl, "shape": ["n", *decl["shape"][1:]] if decl["shape"] else []} for decl in declared]
    for declarations in (declared, symbolic):
        try:
            architecture = with_inferred_outputs(declarations, [the_node], the_node["outputs"], tensors)
            graph = validate_architecture(architecture, table(tensors))
        except modelfmt.ModelfmtError:
            continue
        assert estimate_growth(graph, table(tensors)).text()
        shapes = {
            decl.name: tuple(scale if isinstance(dim, str) else dim for dim in decl.shape) for decl in graph.inputs
        }
        try:
            types = infer_with_sizes(graph, shapes, table(tensors))
        except modelfmt.ModelfmtError:
            continue
        cost = footprint(graph, types, table(tensors))
        assert cost.oversized is not None or cost.peak_bytes >= cost.largest_bytes >= 0
