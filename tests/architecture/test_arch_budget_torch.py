"""The budget of a run in the PyTorch build (SPEC.md §9.11 step 6): every call is checked before any torch
op runs, with the same cost model and defaults as the numpy runtime; ordinary networks run within it."""

from __future__ import annotations

from pathlib import Path

import modelfmt
import pytest
from hostile_graphs import HOSTILE, Hostile, small_linear

torch = pytest.importorskip("torch")
import arch_models  # noqa: E402 - needs torch
import modelfmt.torch as mft  # noqa: E402
from modelfmt.torch import _build  # noqa: E402


@pytest.mark.parametrize("case", HOSTILE, ids=[case.name for case in HOSTILE])
def test_the_torch_build_refuses_a_hostile_call_before_any_torch_op(
    case: Hostile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = mft.build(case.build(tmp_path / f"{case.name}.mf"))
    monkeypatch.setattr(_build, "KERNELS", {})  # any torch kernel looked up fails the test with KeyError
    with pytest.raises(modelfmt.LimitError) as caught:
        module(**{name: torch.from_numpy(array) for name, array in case.inputs().items()})
    assert caught.value.code == case.code


def test_the_torch_build_takes_the_budget_too(tmp_path: Path) -> None:
    path = small_linear(tmp_path)
    with pytest.raises(modelfmt.LimitError) as caught:
        mft.build(path, max_memory=64)(torch.ones(8, 4))
    assert caught.value.code == "RUN_MEMORY_BUDGET"
    with pytest.raises(modelfmt.LimitError) as caught:
        mft.build(path, max_work=10)(torch.ones(8, 4))
    assert caught.value.code == "RUN_WORK_BUDGET"
    module = mft.build(path)
    assert module(torch.ones(8, 4)).shape == (8, 3)
    assert module(torch.ones(8, 4)).shape == (8, 3)  # the second call with these shapes is not checked again
    with pytest.raises(TypeError):
        mft.build(path, max_work=-1)


def test_published_kinds_of_network_run_within_the_default_budget(tmp_path: Path) -> None:
    torch.manual_seed(0)
    ids = torch.randint(1, 100, (4, 64))
    networks = [
        ("mlp", arch_models.mlp_trained(), (torch.randn(256, 8),), None),
        ("cnn", arch_models.with_random_statistics(arch_models.SmallCNN()), (torch.randn(32, 3, 16, 16),), None),
        ("lstm", arch_models.EmbeddingLSTM().eval(), (torch.randint(0, 50, (16, 40)),), {"ids": {0: "b", 1: "s"}}),
        ("gru", arch_models.TwoLayerGRU().eval(), (torch.randn(40, 16, 10),), {"sequence": {0: "s", 1: "b"}}),
        (
            "bert",
            arch_models.bert_random(seed=5),
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            {name: {0: "b", 1: "s"} for name in ("input_ids", "attention_mask", "token_type_ids")},
        ),
    ]
    for name, model, examples, axes in networks:
        path = tmp_path / f"{name}.mf"
        mft.export(model, examples, path, dynamic_axes=axes)
        outputs = modelfmt.run(path, [x.numpy() for x in examples])
        assert outputs
        with torch.no_grad():
            mft.build(path)(*examples)
