"""Samples for the pool family (see ``tests/ops/samples/base.py``).

Max pooling inputs come from ``distinct`` so that no window holds a tie and every
gradient is defined. Records without a public function of their own (the indices of max
pooling, the adjoint of average pooling) are reached through the public functions and
through autograd, on both sides.
"""

import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F
from tests.ops.samples.base import Sample, distinct, ints, randn


def _indices(op, *args, **kwargs):
    """The indices half of ``op(..., return_indices=True)``, for both frameworks."""

    def fn(module):
        return lambda x: getattr(module, op)(x, *args, return_indices=True, **kwargs)[1]

    return {"ember_fn": fn(F), "torch_fn": fn(TF), "grad": False}


def _vjp(op, shape, *args, **kwargs):
    """The VJP of ``op`` at a zero input of ``shape``, as a differentiable function of the
    cotangent: it runs the adjoint record, and its own gradient runs ``op`` again."""

    def ember_fn(g):
        x = ember.zeros(shape, dtype=g.dtype, requires_grad=True)
        out = getattr(F, op)(x, *args, **kwargs)
        return ember.autograd.grad(out, x, g, create_graph=True)[0]

    def torch_fn(g):
        x = torch.zeros(shape, dtype=g.dtype, requires_grad=True)
        out = getattr(TF, op)(x, *args, **kwargs)
        return torch.autograd.grad(out, x, g, create_graph=True)[0]

    return {"ember_fn": ember_fn, "torch_fn": torch_fn}


def _vjp_at(op, x, *args, **kwargs):
    """The VJP of ``op`` at the fixed input ``x``, as a differentiable function of the
    cotangent (for max pooling, where the input decides where the gradient goes)."""

    def ember_fn(g):
        t = ember.tensor(x, dtype=g.dtype, requires_grad=True)
        return ember.autograd.grad(getattr(F, op)(t, *args, **kwargs), t, g, create_graph=True)[0]

    def torch_fn(g):
        t = torch.tensor(x, dtype=g.dtype, requires_grad=True)
        return torch.autograd.grad(getattr(TF, op)(t, *args, **kwargs), t, g, create_graph=True)[0]

    return {"ember_fn": ember_fn, "torch_fn": torch_fn}


def _ties(*shape):
    """Floats with many ties: the first maximum of a window takes its gradient."""
    return ints(-2, 2, *shape).astype(float)


def _with_nan(*shape):
    x = distinct(*shape)
    x[0, 0, 1, 1] = x[1, 1, 2, 3] = x[1, 1, 3, 3] = float("nan")
    return x


def _pooled(shape, kernel_size, **kwargs):
    """Values and indices of a max pooling of distinct values, as unpooling takes them."""
    values, indices = TF.max_pool2d(
        torch.tensor(distinct(*shape)), kernel_size, return_indices=True, **kwargs
    )
    return values.numpy(), indices.numpy()


def _pooled1d(shape, kernel_size, **kwargs):
    values, indices = TF.max_pool1d(
        torch.tensor(distinct(*shape)), kernel_size, return_indices=True, **kwargs
    )
    return values.numpy(), indices.numpy()


SAMPLES: dict[str, list[Sample]] = {}

SAMPLES["max_pool2d"] = [
    Sample((distinct(2, 3, 6, 6), 2)),
    Sample((distinct(2, 2, 7, 6), 3), {"stride": 2, "padding": 1}),
    Sample((distinct(2, 2, 5, 7), (2, 3)), {"stride": (1, 2)}),
    Sample((distinct(2, 2, 5, 7), 2), {"ceil_mode": True}),
    Sample((distinct(2, 2, 7, 7), 3), {"stride": 2, "padding": 1, "ceil_mode": True}),
    Sample((distinct(1, 2, 7, 6), 2), {"dilation": 2, "stride": 1}),
    Sample((distinct(2, 2, 6, 7), 3), {"stride": 2, "dilation": (1, 2), "padding": 1}),
    Sample((distinct(2, 2, 6, 6), 2), {"return_indices": True}),
    Sample((distinct(2, 5, 6), 3), {"stride": 2, "padding": 1, "return_indices": True}),
    Sample((ints(-9, 9, 2, 2, 4, 4), 2), grad=False),
]
SAMPLES["max_pool1d"] = [
    Sample((distinct(2, 3, 7), 2)),
    Sample((distinct(2, 3, 7), 3), {"stride": 2, "padding": 1, "return_indices": True}),
    Sample((distinct(2, 3, 8), 2), {"dilation": 2, "stride": 3, "ceil_mode": True}),
    Sample((distinct(3, 7), 3), {"stride": 1, "return_indices": True}),
]
SAMPLES["max_pool2d_indices"] = [
    Sample((distinct(2, 2, 7, 6),), **_indices("max_pool2d", 3, 2, 1, ceil_mode=True)),
    Sample((distinct(2, 2, 7, 7),), **_indices("max_pool2d", 2, 1, 0, 2)),
]
SAMPLES["max_pool2d_backward"] = [
    # Windows that do not overlap: each writes its own positions.
    Sample((randn(2, 3, 3, 3),), **_vjp_at("max_pool2d", distinct(2, 3, 6, 6), 2)),
    Sample((randn(2, 3, 3, 3),), **_vjp_at("max_pool2d", _ties(2, 3, 6, 6), 2)),
    # The last row and column belong to no window: their gradient is zero.
    Sample((randn(2, 2, 3, 3),), **_vjp_at("max_pool2d", distinct(2, 2, 7, 7), 2)),
    # Overlapping windows add where they share a maximum.
    Sample((randn(1, 2, 4, 3),), **_vjp_at("max_pool2d", _ties(1, 2, 6, 5), 3, stride=1)),
    Sample(
        (randn(2, 2, 3, 2),),
        **_vjp_at("max_pool2d", distinct(2, 2, 7, 9), 3, stride=(2, 3), dilation=(1, 2)),
    ),
    # Padding, ceil_mode and NaN take the path through the flat indices.
    Sample((randn(2, 2, 4, 3),), **_vjp_at("max_pool2d", distinct(2, 2, 7, 6), 3, 2, 1)),
    Sample((randn(2, 2, 3, 4),), **_vjp_at("max_pool2d", _ties(2, 2, 5, 7), 2, ceil_mode=True)),
    Sample((randn(2, 2, 3, 3),), **_vjp_at("max_pool2d", _with_nan(2, 2, 6, 6), 2)),
]
SAMPLES["max_unpool2d"] = [
    Sample((*_pooled((2, 3, 6, 6), 2), 2)),
    Sample((*_pooled((2, 3, 7, 7), 2), 2), {"output_size": (7, 7)}),
    Sample((*_pooled((2, 2, 7, 8), 3, stride=3, padding=1), 3, 3, 1), {"output_size": (7, 8)}),
    Sample((*_pooled((3, 6, 6), 2), 2)),
]
SAMPLES["max_unpool1d"] = [
    Sample((*_pooled1d((2, 3, 8), 2), 2)),
    Sample((*_pooled1d((2, 3, 9), 2, stride=3), 2, 3), {"output_size": (9,)}),
]
SAMPLES["avg_pool2d"] = [
    Sample((randn(2, 3, 6, 6), 2)),
    Sample((randn(2, 2, 7, 6), 3), {"stride": 2, "padding": 1}),
    Sample((randn(2, 2, 7, 6), 3), {"stride": 2, "padding": 1, "count_include_pad": False}),
    Sample((randn(2, 2, 5, 7), (2, 3)), {"stride": (1, 2), "ceil_mode": True}),
    Sample((randn(2, 2, 7, 7), 3), {"stride": 2, "padding": 1, "ceil_mode": True}),
    Sample(
        (randn(2, 2, 7, 7), 3),
        {"stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
    ),
    Sample((randn(2, 2, 6, 6), 3), {"stride": 2, "padding": 1, "divisor_override": 4}),
    Sample((randn(3, 5, 6), 2)),
    Sample((ints(-9, 9, 2, 2, 4, 5), 2), {"padding": 1}, grad=False),
]
SAMPLES["avg_pool1d"] = [
    Sample((randn(2, 3, 7), 2)),
    Sample((randn(2, 3, 7), 3), {"stride": 2, "padding": 1, "count_include_pad": False}),
    Sample((randn(2, 3, 8), 3), {"stride": 2, "ceil_mode": True}),
    Sample((randn(3, 7), 3), {"stride": 1, "padding": 1}),
]
SAMPLES["avg_pool2d_backward"] = [
    Sample((randn(2, 2, 4, 4),), **_vjp("avg_pool2d", (2, 2, 7, 6), 3, 2, 1, ceil_mode=True)),
    Sample(
        (randn(2, 2, 3, 3),),
        **_vjp("avg_pool2d", (2, 2, 6, 6), 3, 2, 1, count_include_pad=False),
    ),
]
SAMPLES["adaptive_avg_pool2d"] = [
    Sample((randn(2, 3, 5, 7), 3)),
    Sample((randn(2, 3, 6, 4), (3, 2))),
    Sample((randn(2, 3, 5, 7), (None, 2))),
    Sample((randn(2, 3, 5, 7), 1)),
    Sample((randn(3, 7, 5), (4, 3))),
]
SAMPLES["adaptive_avg_pool1d"] = [
    Sample((randn(2, 3, 7), 3)),
    Sample((randn(2, 3, 8), 4)),
    Sample((randn(3, 5), 1)),
]
SAMPLES["adaptive_max_pool2d"] = [
    Sample((distinct(2, 2, 5, 7), 3)),
    Sample((distinct(2, 2, 5, 7), (3, None), True)),
    Sample((distinct(2, 3, 6, 4), (3, 2)), {"return_indices": True}),
    Sample((distinct(3, 7, 5), (4, 3))),
]
SAMPLES["adaptive_max_pool1d"] = [
    Sample((distinct(2, 3, 7), 3)),
    Sample((distinct(2, 3, 7), 5), {"return_indices": True}),
]
SAMPLES["adaptive_max_pool2d_indices"] = [
    Sample((distinct(2, 2, 5, 7),), **_indices("adaptive_max_pool2d", (3, 4))),
    Sample((distinct(2, 2, 3, 3),), **_indices("adaptive_max_pool2d", 5)),
]
