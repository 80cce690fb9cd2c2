"""Samples for the activation family (see ``tests/ops/samples/base.py``)."""

import torch

import ember
from tests.ops.samples.base import Sample, ints, randn


def _softmax_samples(name: str) -> list[Sample]:
    # Around 1000 a naive exp overflows to inf; the spread keeps gradients well scaled.
    large = 1000.0 + randn(3, 4)
    return [
        Sample((randn(3, 4),), {"dim": 1}),
        Sample((randn(3, 4),), {"dim": 0}),
        Sample((randn(2, 3, 4),), {"dim": -1}),
        Sample((randn(2, 3, 4),), {"dim": -2}),
        Sample((randn(5),), {"dim": 0}),
        Sample((randn(),), {"dim": 0}),
        Sample((large,), {"dim": 1}),
        Sample((-large,), {"dim": 0}),
        Sample(
            (randn(3, 4),),
            {"dim": -1},
            ember_fn=lambda x, dim: getattr(x, name)(dim),
            torch_fn=lambda x, dim: getattr(x, name)(dim),
        ),
        Sample(
            (ints(-3, 3, 2, 5),),
            {"dim": 1, "dtype": ember.float64},
            torch_kwargs={"dim": 1, "dtype": torch.float64},
            grad=False,
        ),
        Sample(
            (randn(3, 4),),
            {"dim": 1, "dtype": ember.float64},
            torch_kwargs={"dim": 1, "dtype": torch.float64},
        ),
    ]


SAMPLES: dict[str, list[Sample]] = {
    "softmax": _softmax_samples("softmax"),
    "log_softmax": _softmax_samples("log_softmax"),
}
