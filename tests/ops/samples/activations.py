"""Samples for nn.functional activations (see ``tests/ops/samples/base.py``)."""

import numpy as np
import torch

import ember
from tests.ops.samples.base import Sample, distinct, ints, positive, randn

# Piecewise functions are sampled on a grid that crosses each kink but never lands
# on one, so finite differences see a single smooth piece around every point.
_AROUND_ZERO = distinct(3, 4) + 0.05  # -1.75 .. 2.32 in steps of 0.37
_AROUND_THREE = distinct(3, 4) * 2 + 0.05  # -3.55 .. 4.59 in steps of 0.74
_AROUND_SIX = distinct(2, 6) * 3 + 0.05  # -5.35 .. 6.86 in steps of 1.11
# Far out, a naive exp or log1p(exp) overflows; the spread keeps gradients nonzero.
_LARGE = np.array([-800.0, -40.0, -1.3, 0.7, 40.0, 800.0])


def _ember_gelu_backward(g, x, approximate):
    # The record also takes gelu(x), which it reads instead of recomputing the CDF.
    out = ember.nn.functional.gelu(x, approximate)
    return ember.ops.apply(ember.ops.OP_TABLE["gelu_backward"], g, x, out, approximate=approximate)


def _gelu_backward(approximate: str = "none") -> dict:
    """Call the adjoint record directly; PyTorch's is ``aten.gelu_backward``."""
    return {
        "kwargs": {"approximate": approximate},
        "ember_fn": _ember_gelu_backward,
        "torch_fn": torch.ops.aten.gelu_backward,
    }


def _softmax_backward(dim: int) -> dict:
    """Call the adjoint record directly; PyTorch's is ``aten._softmax_backward_data``."""
    return {
        "kwargs": {"dim": dim},
        "ember_fn": lambda g, out, dim: ember.ops.apply(
            ember.ops.OP_TABLE["softmax_backward"], g, out, dim=dim
        ),
        "torch_fn": lambda g, out, dim: torch.ops.aten._softmax_backward_data(
            g, out, dim, out.dtype
        ),
    }


def _probabilities(*shape: int, dim: int = -1) -> np.ndarray:
    e = np.exp(randn(*shape))
    return e / e.sum(axis=dim, keepdims=True)


def _inplace_sample(*args: np.ndarray, **kwargs: object) -> Sample:
    # In place on a leaf that requires grad is refused (as in PyTorch): forward only.
    return Sample(args, {**kwargs, "inplace": True}, grad=False)


SAMPLES: dict[str, list[Sample]] = {
    "relu6": [
        Sample((_AROUND_SIX,)),
        Sample((ints(-3, 9, 6),), grad=False),
        _inplace_sample(_AROUND_SIX),
    ],
    "hardtanh": [
        Sample((_AROUND_ZERO,)),
        Sample((_AROUND_ZERO,), {"min_val": -0.5, "max_val": 2.0}),
        Sample((_AROUND_ZERO, -1.2, 0.3)),
        Sample((ints(-3, 3, 6),), grad=False),
        _inplace_sample(_AROUND_ZERO, min_val=0.0),
    ],
    "leaky_relu": [
        Sample((_AROUND_ZERO,)),
        Sample((_AROUND_ZERO, 0.2)),
        Sample((randn(2, 3, 4),), {"negative_slope": -0.5}),
        _inplace_sample(_AROUND_ZERO, negative_slope=0.1),
    ],
    "elu": [
        Sample((_AROUND_ZERO,)),
        Sample((randn(2, 3, 4),), {"alpha": 0.5}),
        Sample((_LARGE,)),
        _inplace_sample(_AROUND_ZERO),
    ],
    "selu": [Sample((_AROUND_ZERO,)), Sample((_LARGE,)), _inplace_sample(randn(5))],
    "celu": [
        Sample((_AROUND_ZERO,)),
        Sample((randn(2, 3, 4),), {"alpha": 2.0}),
        Sample((_LARGE,), {"alpha": 0.5}),
        _inplace_sample(randn(5), alpha=1.5),
    ],
    "gelu": [
        Sample((randn(3, 4),)),
        Sample((randn(2, 3, 4) * 3,), {"approximate": "tanh"}),
        Sample((randn(),), {"approximate": "none"}),
        # Beyond |x| = 6 float32 takes Phi as exactly 0 or 1.
        Sample((np.array([-9.0, -6.1, -5.9, -0.2, 0.0, 0.3, 5.9, 6.1, 9.0]),)),
    ],
    "gelu_backward": [
        Sample((randn(3, 4), randn(3, 4) * 3), **_gelu_backward()),
        Sample((randn(2, 3, 2), randn(2, 3, 2) * 3), **_gelu_backward("tanh")),
        Sample((randn(), randn()), **_gelu_backward()),
        Sample((randn(9), np.linspace(-9.0, 9.0, 9)), **_gelu_backward()),
    ],
    "softmax_backward": [
        Sample((randn(3, 4), _probabilities(3, 4)), **_softmax_backward(1)),
        Sample((randn(2, 3, 4), _probabilities(2, 3, 4, dim=1)), **_softmax_backward(-2)),
        Sample((randn(4, 5), _probabilities(4, 5, dim=0)), **_softmax_backward(0)),
        Sample((randn(5), _probabilities(5)), **_softmax_backward(0)),
        Sample((randn(), np.array(1.0)), **_softmax_backward(0)),
    ],
    "silu": [Sample((randn(3, 4) * 3,)), Sample((_LARGE,)), _inplace_sample(randn(5))],
    "mish": [Sample((randn(3, 4) * 3,)), Sample((randn(),)), _inplace_sample(randn(5))],
    "softplus": [
        Sample((randn(3, 4) * 3,)),
        Sample((_LARGE,)),
        Sample((_AROUND_ZERO,), {"beta": 2.0, "threshold": 1.0}),
        Sample((_AROUND_ZERO, 0.5, 0.3)),
        Sample((randn(2, 3),), {"beta": 3.0}),
    ],
    "softsign": [Sample((randn(3, 4) * 3,)), Sample((randn(),))],
    "hardsigmoid": [Sample((_AROUND_THREE,)), _inplace_sample(_AROUND_THREE)],
    "hardswish": [Sample((_AROUND_THREE,)), _inplace_sample(_AROUND_THREE)],
    "prelu": [
        Sample((_AROUND_ZERO.reshape(2, 3, 2), positive(3) * 0.2)),
        Sample((distinct(2, 3, 2, 2) + 0.05, positive(3) * 0.2)),
        Sample((_AROUND_ZERO.reshape(4, 3), positive(1) * 0.2)),
        Sample((_AROUND_ZERO.reshape(12), positive(1) * 0.2)),
        Sample((_AROUND_ZERO.reshape(2, 6), -positive(6))),
    ],
    "logsigmoid": [Sample((randn(3, 4) * 3,)), Sample((_LARGE,)), Sample((randn(),))],
    "softmin": [
        Sample((randn(3, 4),), {"dim": 1}),
        Sample((randn(3, 4),), {"dim": 0}),
        Sample((randn(2, 3, 4),), {"dim": -1}),
        Sample((1000.0 + randn(2, 5),), {"dim": 1}),
        # No dim: PyTorch's legacy rule picks 0 for 3-d inputs (and warns, so name it there).
        Sample((randn(2, 3, 4),), torch_kwargs={"dim": 0}),
        Sample(
            (randn(3, 4),),
            {"dim": 1, "dtype": ember.float64},
            torch_kwargs={"dim": 1, "dtype": torch.float64},
        ),
    ],
    "glu": [
        Sample((randn(2, 6),)),
        Sample((randn(4, 3),), {"dim": 0}),
        Sample((randn(2, 4, 3),), {"dim": 1}),
        Sample((randn(2, 3, 4, 2),), {"dim": -2}),
        Sample((randn(6),)),
    ],
}
