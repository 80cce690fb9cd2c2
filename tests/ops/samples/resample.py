"""Samples for the resample family (see ``tests/ops/samples/base.py``).

The interpolation records have no public function of their own: they are reached through
``interpolate`` (and their adjoints through autograd) on both sides.
"""

import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F
from tests.ops.samples.base import Sample, ints, randn


def _interpolate(**kwargs):
    """``interpolate`` with fixed keyword arguments, for both frameworks."""
    return {
        "ember_fn": lambda x: F.interpolate(x, **kwargs),
        "torch_fn": lambda x: TF.interpolate(x, **kwargs),
    }


def _adjoint(shape, **kwargs):
    """The VJP of ``interpolate`` at a zero input of ``shape``, as a differentiable function
    of the cotangent: it runs the adjoint record, and its gradient the forward one."""

    def ember_fn(g):
        x = ember.zeros(shape, dtype=g.dtype, requires_grad=True)
        out = F.interpolate(x, **kwargs)
        return ember.autograd.grad(out, x, g, create_graph=True)[0]

    def torch_fn(g):
        x = torch.zeros(shape, dtype=g.dtype, requires_grad=True)
        out = TF.interpolate(x, **kwargs)
        return torch.autograd.grad(out, x, g, create_graph=True)[0]

    return {"ember_fn": ember_fn, "torch_fn": torch_fn}


SAMPLES: dict[str, list[Sample]] = {}

SAMPLES["interpolate"] = [
    Sample((randn(2, 2, 3, 4),), {"scale_factor": 2}),
    Sample((randn(2, 2, 4, 5),), {"size": (6, 3)}),
    Sample((randn(2, 2, 5, 4),), {"scale_factor": (1.5, 0.7)}),
    Sample((randn(2, 3, 5),), {"size": 8, "mode": "nearest-exact"}),
    Sample((randn(2, 2, 3, 4),), {"scale_factor": 1.7, "mode": "nearest-exact"}),
    Sample((randn(2, 3, 5),), {"size": 8, "mode": "linear"}),
    Sample((randn(2, 3, 5),), {"scale_factor": 0.6, "mode": "linear", "align_corners": True}),
    Sample((randn(1, 2, 3, 4),), {"scale_factor": 2, "mode": "bilinear"}),
    Sample((randn(2, 2, 4, 5),), {"size": (6, 3), "mode": "bilinear", "align_corners": True}),
    Sample((randn(2, 2, 4, 5),), {"size": (3, 7), "mode": "bilinear", "align_corners": False}),
    Sample(
        (randn(1, 2, 5, 4),),
        {"scale_factor": (1.5, 1.7), "mode": "bilinear", "recompute_scale_factor": True},
    ),
    Sample((randn(1, 2, 2, 3, 2),), {"scale_factor": 2, "mode": "trilinear"}),
    Sample((randn(1, 2, 3, 4, 2),), {"size": (2, 5, 3)}),
    Sample((randn(2, 2, 5, 7),), {"size": (3, 3), "mode": "area"}),
    Sample((randn(2, 3, 7),), {"scale_factor": 0.5, "mode": "area"}),
]
# PyTorch's own ``upsample`` only warns that it is deprecated and calls ``interpolate``.
SAMPLES["upsample"] = [
    Sample((randn(2, 2, 3, 4),), {"scale_factor": 2}, torch_fn=TF.interpolate),
    Sample(
        (randn(1, 2, 4, 5),),
        {"size": (6, 7), "mode": "bilinear", "align_corners": True},
        torch_fn=TF.interpolate,
    ),
]
SAMPLES["interpolate_nearest"] = [
    Sample((randn(2, 2, 3, 4),), **_interpolate(size=(5, 9))),
    Sample((randn(2, 2, 6),), **_interpolate(scale_factor=0.6)),
]
SAMPLES["interpolate_nearest_backward"] = [
    Sample((randn(2, 2, 5, 9),), **_adjoint((2, 2, 3, 4), size=(5, 9))),
    Sample((randn(2, 2, 4),), **_adjoint((2, 2, 7), size=4, mode="nearest-exact")),
]
SAMPLES["interpolate_linear"] = [
    Sample((randn(2, 2, 3, 4),), **_interpolate(size=(5, 9), mode="bilinear")),
    Sample((randn(2, 2, 6),), **_interpolate(size=4, mode="linear", align_corners=True)),
]
SAMPLES["interpolate_linear_backward"] = [
    Sample((randn(2, 2, 5, 9),), **_adjoint((2, 2, 3, 4), size=(5, 9), mode="bilinear")),
    Sample(
        (randn(2, 2, 3, 4),),
        **_adjoint((2, 2, 5, 7), size=(3, 4), mode="bilinear", align_corners=True),
    ),
    Sample((randn(2, 2, 9),), **_adjoint((2, 2, 4), scale_factor=2.3, mode="linear")),
]
SAMPLES["pixel_shuffle"] = [
    Sample((randn(2, 8, 3, 2), 2)),
    Sample((randn(9, 2, 3), 3)),
    Sample((randn(2, 3, 4, 2, 2), 2)),
    Sample((ints(0, 9, 1, 4, 2, 2), 2), grad=False),
]
SAMPLES["pixel_unshuffle"] = [
    Sample((randn(2, 2, 4, 6), 2)),
    Sample((randn(1, 6, 3), 3)),
    Sample((randn(2, 2, 1, 4, 4), 2)),
]
