"""Samples for ``ember.ops.normalization`` (see ``tests/ops/samples/base.py``).

``layer_norm`` itself is sampled with the nn family; this module samples its adjoints,
the gradients in the input and in the weight.
"""

import torch

import ember
from ember.ops import normalization
from tests.ops.samples.base import Sample, randn


def _ember_backward(g, x, *weight, normalized_shape, eps):
    return ember.ops.apply(
        normalization._layer_norm_backward,
        g,
        x,
        *weight,
        normalized_shape=normalized_shape,
        eps=eps,
    )


def _torch_backward(g, x, *weight, normalized_shape, eps):
    # PyTorch's gradient of layer norm in its input, as a function of g, x and weight.
    out = torch.nn.functional.layer_norm(x, normalized_shape, *weight, eps=eps)
    return torch.autograd.grad(out, x, g, create_graph=True)[0]


def _adjoint(normalized_shape: tuple, eps: float = 1e-5) -> dict:
    return {
        "kwargs": {"normalized_shape": normalized_shape, "eps": eps},
        "ember_fn": _ember_backward,
        "torch_fn": _torch_backward,
    }


SAMPLES: dict[str, list[Sample]] = {
    "layer_norm_backward": [
        Sample((randn(2, 3, 4), randn(2, 3, 4)), **_adjoint((4,))),
        Sample((randn(2, 3, 4), randn(2, 3, 4) * 2 + 1), **_adjoint((3, 4), 1e-3)),
        Sample((randn(5), randn(5)), **_adjoint((5,))),
        Sample((randn(3, 5), randn(3, 5), randn(5)), **_adjoint((5,))),
        Sample((randn(2, 3), randn(2, 3), randn(2, 3)), **_adjoint((2, 3))),
    ],
}


def _ember_weight_backward(g, x, normalized_shape, eps):
    return ember.ops.apply(
        normalization._layer_norm_weight_backward,
        g,
        x,
        normalized_shape=normalized_shape,
        eps=eps,
    )


def _torch_weight_backward(g, x, normalized_shape, eps):
    # PyTorch's gradient of layer norm in its weight (at any weight), as a function of g, x.
    weight = torch.ones(normalized_shape, dtype=x.dtype, requires_grad=True)
    out = torch.nn.functional.layer_norm(x, normalized_shape, weight, eps=eps)
    return torch.autograd.grad(out, weight, g, create_graph=True)[0]


def _weight_adjoint(normalized_shape: tuple, eps: float = 1e-5) -> dict:
    return {
        "kwargs": {"normalized_shape": normalized_shape, "eps": eps},
        "ember_fn": _ember_weight_backward,
        "torch_fn": _torch_weight_backward,
    }


SAMPLES["layer_norm_weight_backward"] = [
    Sample((randn(2, 3, 4), randn(2, 3, 4)), **_weight_adjoint((4,))),
    Sample((randn(2, 3, 4), randn(2, 3, 4) * 2 + 1), **_weight_adjoint((3, 4), 1e-3)),
    Sample((randn(5), randn(5)), **_weight_adjoint((5,))),
]
