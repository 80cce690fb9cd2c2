"""Samples for the reduce family (see ``tests/ops/samples/base.py``)."""

import numpy as np
import torch

import ember
from tests.ops.samples.base import Sample, bools, distinct, ints, positive, randn

SAMPLES: dict[str, list[Sample]] = {}


def _method(name, *args, **kwargs):
    """A sample calling the Tensor method ``name`` in both frameworks."""

    def call(x):
        return getattr(x, name)(*args, **kwargs)

    return call


def _common(make):
    """dim=None, int dim, negative dim with keepdim, tuple dim, and a 0-d input."""
    return [
        Sample((make(3, 4),)),
        Sample((make(3, 4),), {"dim": 1}),
        Sample((make(2, 3, 4),), {"dim": -1, "keepdim": True}),
        Sample((make(2, 3, 4),), {"dim": (0, 2)}),
        Sample((make(2, 3, 4),), {"dim": [-1, 0], "keepdim": True}),
        Sample((make(),)),
        Sample((make(),), {"dim": 0}),
    ]


def _single_dim(make):
    """As ``_common``, for ops that take one dim only."""
    return [
        Sample((make(3, 4),)),
        Sample((make(3, 4),), {"dim": 1}),
        Sample((make(2, 3, 4),), {"dim": -2, "keepdim": True}),
        Sample((make(),)),
        Sample((make(),), {"dim": 0}),
    ]


def _ties(*shape):
    """Values in {-1, 0, 1}: many ties, so no finite differences."""
    return ints(-1, 2, *shape).astype(float)


# ---------------------------------------------------------------- sum, prod
SAMPLES["sum"] = [
    *_common(randn),
    Sample((ints(-5, 5, 3, 4),), {"dim": 0}, grad=False),
    Sample((ints(-5, 5, 3, 4).astype(np.int32),), grad=False),
    Sample((bools(3, 4),), {"dim": 1}, grad=False),
    Sample(
        (ints(-5, 5, 3, 4),),
        {"dim": 1, "dtype": ember.float64},
        grad=False,
        torch_kwargs={"dim": 1, "dtype": torch.float64},
    ),
    Sample((randn(3, 4),), ember_fn=_method("sum", 1), torch_fn=_method("sum", 1)),
    Sample(
        (randn(3, 4),), ember_fn=_method("sum", (0, 1), True), torch_fn=_method("sum", (0, 1), True)
    ),
]


def _with_zeros():
    """Rows with one, two and three zeros, and a row without."""
    x = randn(4, 4)
    x[0, 1] = 0.0
    x[1, [0, 2]] = 0.0
    x[2, :3] = 0.0
    return x


SAMPLES["prod"] = [
    *_single_dim(randn),
    Sample((_with_zeros(),), {"dim": 1}),
    Sample((_with_zeros(),), {"dim": 0, "keepdim": True}),
    Sample((_with_zeros()[0],)),
    Sample((_with_zeros()[1],)),
    Sample((_with_zeros()[2],)),
    Sample((ints(-3, 4, 3, 4),), {"dim": 1}, grad=False),
    Sample((bools(3, 4),), grad=False),
    Sample(
        (ints(1, 4, 3, 4),),
        {"dim": 0, "dtype": ember.float64},
        grad=False,
        torch_kwargs={"dim": 0, "dtype": torch.float64},
    ),
    Sample((randn(3, 4),), ember_fn=_method("prod", -1), torch_fn=_method("prod", -1)),
]

# ------------------------------------------------------------ mean, var, std
SAMPLES["mean"] = [
    *_common(randn),
    Sample(
        (ints(-5, 5, 3, 4),),
        {"dim": 1, "dtype": ember.float64},
        grad=False,
        torch_kwargs={"dim": 1, "dtype": torch.float64},
    ),
    Sample((randn(3, 4),), ember_fn=_method("mean", -1, True), torch_fn=_method("mean", -1, True)),
]
SAMPLES["var"] = [
    *_common(randn)[:5],
    Sample((randn(),), {"correction": 0}),
    Sample((randn(3, 4),), {"dim": 1, "correction": 0}),
    Sample((randn(3, 4),), {"dim": (0, 1), "correction": 2, "keepdim": True}),
    Sample((randn(3, 4), 1, False)),
    Sample((randn(3, 4), 0, True, True)),
    Sample((randn(3, 4), False)),
    Sample((randn(3, 4),), ember_fn=_method("var", 1), torch_fn=_method("var", 1)),
]
SAMPLES["std"] = [
    *_common(randn)[:5],
    Sample((randn(3, 4),), {"dim": 1, "correction": 0}),
    Sample((randn(3, 4), 1, False)),
    Sample((randn(3, 4), False)),
    Sample(
        (randn(3, 4),),
        ember_fn=_method("std", 0, keepdim=True),
        torch_fn=_method("std", 0, keepdim=True),
    ),
]

# ------------------------------------------------------------------ extrema
for _name in ["amax", "amin"]:
    SAMPLES[_name] = [
        *_common(distinct),
        Sample((ints(-5, 5, 3, 4),), {"dim": 1}, grad=False),
        # Tied elements share the gradient evenly; not differentiable, so only PyTorch's
        # gradient is compared.
        Sample((_ties(4, 5),), {"dim": 1}, finite_differences=False),
        Sample((_ties(3, 4),), finite_differences=False),
        Sample((distinct(3, 4),), ember_fn=_method(_name, 0), torch_fn=_method(_name, 0)),
    ]

for _name in ["max", "min"]:
    SAMPLES[_name] = [
        Sample((distinct(3, 4),)),
        Sample((distinct(3, 4), 1)),
        Sample((distinct(2, 3, 4),), {"dim": -2, "keepdim": True}),
        Sample((distinct(2, 3, 4), 0, True)),
        Sample((randn(),), {"dim": 0}),
        Sample((randn(),)),
        Sample((randn(3, 4), randn(4))),
        Sample((ints(-5, 5, 3, 4), 1), grad=False),
        Sample((ints(-5, 5, 3, 4),), grad=False),
        # Ties: no dim shares the gradient; with a dim it goes to the returned index.
        Sample((_ties(3, 4),), finite_differences=False),
        Sample((_ties(4, 5), 1), finite_differences=False),
        Sample((distinct(3, 4),), ember_fn=_method(_name, 1), torch_fn=_method(_name, 1)),
        Sample((distinct(3, 4),), ember_fn=_method(_name, dim=0), torch_fn=_method(_name, dim=0)),
        Sample((distinct(3, 4),), ember_fn=_method(_name), torch_fn=_method(_name)),
    ]

for _name in ["argmax", "argmin"]:
    SAMPLES[_name] = [
        *[Sample(s.args, s.kwargs, grad=False) for s in _single_dim(distinct)],
        Sample((distinct(3, 4),), {"keepdim": True}, grad=False),
        Sample((ints(-5, 5, 3, 4),), {"dim": 0}, grad=False),
        Sample((ints(-5, 5, 3, 4),), grad=False),
        Sample(
            (distinct(3, 4),), ember_fn=_method(_name, 1), torch_fn=_method(_name, 1), grad=False
        ),
    ]

# ------------------------------------------------------------ logsumexp, norm
_neg_inf_row = randn(3, 4)
_neg_inf_row[1] = -np.inf
SAMPLES["logsumexp"] = [
    Sample((randn(3, 4), 1)),
    Sample((randn(3, 4),), {"dim": -1, "keepdim": True}),
    Sample((randn(2, 3, 4),), {"dim": (0, 2)}),
    Sample((randn(3, 4) * 10 + 1000, 0)),
    Sample((randn(3, 4) * 10 - 1000, 1)),
    Sample((randn(), 0)),
    Sample((_neg_inf_row, 1), grad=False),
    Sample((ints(-5, 5, 3, 4), 1), grad=False),
    Sample((randn(3, 4),), ember_fn=_method("logsumexp", 0), torch_fn=_method("logsumexp", 0)),
]


def _zero_rows():
    x = randn(3, 4)
    x[1] = 0.0
    return x


SAMPLES["norm"] = [
    Sample((randn(3, 4),)),
    Sample((randn(3, 4),), {"dim": 1}),
    Sample((randn(2, 3, 4),), {"p": 2, "dim": (0, 2), "keepdim": True}),
    Sample((randn(3, 4), "fro", -1)),
    Sample((distinct(3, 4) + 0.05,), {"p": 1, "dim": 0}),
    Sample((distinct(3, 4) + 0.05,), {"p": float("inf"), "dim": 1}),
    Sample((distinct(3, 4) + 0.05,), {"p": float("-inf")}),
    Sample((distinct(3, 4) + 0.05,), {"p": 0, "dim": 1}),
    Sample((positive(3, 4),), {"p": 3, "dim": -1}),
    Sample((randn(3, 4),), {"p": 1.5}),
    Sample((positive(3, 4),), {"p": 0.5, "dim": 0}),
    Sample((randn(),), {"dim": 0}),
    # At a zero row the gradient is 0 (not nan), as in PyTorch; the norm has a kink there.
    Sample((_zero_rows(),), {"dim": 1}, finite_differences=False),
    Sample((_zero_rows(),), {"p": 3, "dim": 1}, finite_differences=False),
    Sample((_zero_rows(),), {"p": 0.5, "dim": 1}, finite_differences=False),
    Sample((_zero_rows(),), {"p": 0.5, "dim": 0}, finite_differences=False),
    Sample((np.zeros((2, 3)),), finite_differences=False),
    Sample((_ties(3, 4) + 0.0,), {"p": float("inf"), "dim": 1}, finite_differences=False),
    Sample((randn(3, 4),), ember_fn=_method("norm", dim=1), torch_fn=_method("norm", dim=1)),
]

# ------------------------------------------------------------------ cumsum
SAMPLES["cumsum"] = [
    Sample((randn(3, 4), 0)),
    Sample((randn(2, 3, 4),), {"dim": -1}),
    Sample((randn(2, 3, 4), 1)),
    Sample((randn(), 0)),
    Sample((ints(-5, 5, 3, 4), 1), grad=False),
    Sample((ints(-5, 5, 3, 4).astype(np.int32), 0), grad=False),
    Sample((bools(3, 4), 1), grad=False),
    Sample(
        (ints(-5, 5, 3, 4), 1),
        {"dtype": ember.float64},
        grad=False,
        torch_kwargs={"dtype": torch.float64},
    ),
    Sample((randn(3, 4),), ember_fn=_method("cumsum", -1), torch_fn=_method("cumsum", -1)),
]

# ------------------------------------------------------------------ all, any
for _name in ["all", "any"]:
    SAMPLES[_name] = [
        Sample((bools(3, 4),), grad=False),
        Sample((bools(3, 4),), {"dim": 1}, grad=False),
        Sample((bools(2, 3, 4),), {"dim": -1, "keepdim": True}, grad=False),
        Sample((bools(2, 3, 4),), {"dim": (0, 2)}, grad=False),
        Sample((np.asarray(bools()),), grad=False),
        Sample((np.asarray(bools()),), {"dim": 0}, grad=False),
        Sample((ints(0, 2, 3, 4),), {"dim": 0}, grad=False),
        Sample((ints(0, 2, 3, 4).astype(np.uint8),), {"dim": 1}, grad=False),
        Sample((_ties(3, 4),), {"dim": 1}, grad=False),
        Sample((bools(3, 4),), ember_fn=_method(_name, 1), torch_fn=_method(_name, 1), grad=False),
    ]
