"""Samples for the casts and broadcasting plumbing in ``ember/ops/core.py``."""

import torch

import ember
from tests.ops.samples.base import Sample, ints, randn

SAMPLES: dict[str, list[Sample]] = {
    "to_dtype": [
        Sample(
            (randn(3, 4),),
            ember_fn=lambda x: ember.to_dtype(x, ember.float32).double(),
            torch_fn=lambda x: x.float().double(),
            finite_differences=False,
        ),
        Sample(
            (ints(0, 9, 4),),
            ember_fn=lambda x: ember.to_dtype(x, ember.float64),
            torch_fn=lambda x: x.double(),
            grad=False,
        ),
    ],
    "broadcast_to": [
        Sample((randn(3, 1),), {"size": (2, 3, 4)}),
        Sample((randn(4),), {"size": (3, -1)}),
    ],
    "sum_to": [
        Sample(
            (randn(2, 3, 4),),
            ember_fn=lambda x: ember.sum_to(x, (3, 1)),
            torch_fn=lambda x: x.sum_to_size((3, 1)),
        )
    ],
    "clone": [Sample((randn(3, 4),))],
    "expand": [
        Sample((randn(3, 1),), ember_fn=lambda x: x.expand(3, 4), torch_fn=lambda x: x.expand(3, 4))
    ],
}
_ = torch
