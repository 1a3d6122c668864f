"""The kernels that differ in train() mode for a module from `modelfmt.torch.build` (SPEC.md §9.11 lets a
framework that trains a built graph document other semantics: these are the adapter's).

In train() mode `Dropout` zeroes with probability `p` (and scales by 1 / (1 - p)) from torch's global
generator, and batch normalization normalizes with the batch's statistics and updates the running ones
in place with PyTorch's default momentum 0.1 (the op set records no momentum), exactly as
`torch.nn.Dropout` and `torch.nn.BatchNorm1d/2d` do. In eval() mode the inference kernels run. The
`dropout` attributes of recurrent and attention ops keep no effect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import torch.nn.functional as F  # noqa: N812 - PyTorch's own convention
from torch import Tensor

from ..graph._types import Node
from ._kernels import Inputs, Params, TorchKernel

BATCH_NORM_MOMENTUM: Final = 0.1  # torch.nn.BatchNorm's default


def _x(inputs: Inputs) -> Tensor:
    value = inputs[0]
    assert value is not None
    return value


def _dropout(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    p = node.attributes["p"]  # completed with the op's default by validation
    assert isinstance(p, float)
    return [F.dropout(_x(inputs), p, training=True)]


def _batch_norm(node: Node, inputs: Inputs, params: Params) -> Sequence[Tensor]:
    eps = node.attributes["eps"]
    assert isinstance(eps, float)
    return [
        F.batch_norm(
            _x(inputs),
            params["running_mean"],
            params["running_var"],
            params.get("weight"),
            params.get("bias"),
            training=True,
            momentum=BATCH_NORM_MOMENTUM,
            eps=eps,
        )
    ]


TRAINING_KERNELS: Final[Mapping[str, TorchKernel]] = {
    "Dropout": _dropout,
    "BatchNorm1d": _batch_norm,
    "BatchNorm2d": _batch_norm,
}
