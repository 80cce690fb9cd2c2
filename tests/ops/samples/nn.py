"""Samples for the nn family (see ``tests/ops/samples/base.py``).

Running statistics are mutated in place by training-mode normalization, so the
samples that use them build fresh buffers inside ``ember_fn``/``torch_fn``, in
the input's dtype, on every call. Dropout's random masks cannot be compared
with PyTorch's; its samples use ``p=1`` (all zeros, deterministic) and
``tests/ops/test_nn.py`` checks the masks themselves.
"""

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as EF
from tests.ops.samples.base import Sample, bools, distinct, ints, positive, randn

_RUNNING_MEAN = randn(3)
_RUNNING_VAR = positive(3)


def _with_buffers(
    name: str, params: tuple[str, ...] = (), stats: bool = False, buffers: bool = True, **kwargs
) -> dict:
    """ember_fn and torch_fn calling ``name(x, running_mean, running_var, **params, **kwargs)``
    with fresh buffers; with ``stats`` they also return the updated buffers."""

    def make(lib: object, functional: object) -> Callable:
        def fn(x, *values):
            mean = lib.tensor(_RUNNING_MEAN, dtype=x.dtype) if buffers else None
            var = lib.tensor(_RUNNING_VAR, dtype=x.dtype) if buffers else None
            named = dict(zip(params, values, strict=True))
            out = getattr(functional, name)(x, mean, var, **named, **kwargs)
            return (out, mean, var) if stats else out

        return fn

    return {"ember_fn": make(ember, EF), "torch_fn": make(torch, TF)}


def _bool_mask(*shape: int) -> np.ndarray:
    mask = bools(*shape)
    mask[..., 0] = True  # a row with nothing to attend to is NaN in both frameworks
    return mask


SAMPLES: dict[str, list[Sample]] = {
    "linear": [
        Sample((randn(4, 3), randn(5, 3), randn(5))),
        Sample((randn(4, 3), randn(5, 3))),
        Sample((randn(2, 3, 4), randn(5, 4), randn(5))),
        Sample((randn(3), randn(2, 3), randn(2))),
        Sample((randn(2, 3), randn(4, 3), randn(1))),
        Sample((randn(2, 3), randn(3))),
        Sample((ints(-3, 3, 2, 3), ints(-3, 3, 4, 3), ints(-3, 3, 4)), grad=False),
    ],
    "batch_norm": [
        Sample((randn(4, 3),), **_with_buffers("batch_norm")),
        Sample(
            (randn(2, 3, 5), randn(3), randn(3)),
            **_with_buffers("batch_norm", ("weight", "bias"), eps=1e-3),
        ),
        Sample((randn(2, 3, 4),), **_with_buffers("batch_norm", training=True)),
        Sample(
            (randn(2, 3, 3, 3), randn(3), randn(3)),
            **_with_buffers("batch_norm", ("weight", "bias"), training=True, momentum=0.3),
        ),
        Sample(
            (randn(2, 3, 2, 2, 2), randn(3)),
            **_with_buffers("batch_norm", ("weight",), buffers=False, training=True),
        ),
        Sample(
            (randn(3, 3), randn(3)),
            **_with_buffers("batch_norm", ("bias",), training=True, eps=1e-2),
        ),
        Sample(
            (randn(2, 3, 4), randn(3), randn(3)),
            grad=False,
            **_with_buffers("batch_norm", ("weight", "bias"), stats=True, training=True),
        ),
    ],
    "layer_norm": [
        Sample((randn(2, 3, 4), [4])),
        Sample((randn(2, 3, 4), (3, 4), randn(3, 4), randn(3, 4))),
        Sample((randn(3, 5), [5], randn(5)), {"eps": 1e-3}),
        Sample((randn(2, 4), [2, 4], None, randn(2, 4))),
    ],
    "group_norm": [
        Sample((randn(2, 4, 3), 1)),
        Sample((randn(2, 4, 3), 4, randn(4), randn(4))),
        Sample((randn(2, 4, 2, 3), 2, randn(4), randn(4)), {"eps": 1e-3}),
        Sample((randn(3, 4), 2, randn(4))),
    ],
    "instance_norm": [
        Sample((randn(2, 3, 4),)),
        Sample(
            (randn(2, 3, 2, 3), randn(3), randn(3)),
            **_with_buffers("instance_norm", ("weight", "bias"), momentum=0.2),
        ),
        Sample(
            (randn(2, 3, 4),),
            grad=False,
            **_with_buffers("instance_norm", stats=True),
        ),
        Sample(
            (randn(2, 3, 4), randn(3), randn(3)),
            **_with_buffers("instance_norm", ("weight", "bias"), use_input_stats=False),
        ),
        Sample((randn(1, 2, 2, 2, 3),), {"eps": 1e-3}),
    ],
    "dropout": [
        Sample((randn(2, 3),), {"p": 1.0}),
        Sample((randn(4),), {"p": 1.0, "training": True}),
    ],
    "dropout1d": [
        Sample((randn(2, 3, 4),), {"p": 1.0}),
        Sample((randn(3, 4),), {"p": 1.0}),
    ],
    "dropout2d": [Sample((randn(2, 2, 3, 3),), {"p": 1.0})],
    "dropout3d": [
        Sample((randn(1, 2, 2, 2, 2),), {"p": 1.0}),
        Sample((randn(2, 2, 2, 2),), {"p": 1.0}),
    ],
    "alpha_dropout": [Sample((randn(2, 3),), {"p": 1.0, "training": True})],
    "feature_alpha_dropout": [Sample((randn(2, 3, 4),), {"p": 1.0, "training": True})],
    # padding_idx and scale_grad_by_freq change the gradient on purpose, away from the
    # derivative that finite differences measure: those samples are checked against PyTorch.
    "embedding": [
        Sample((np.array([[0, 2, 0], [4, 2, 2]]), randn(5, 4))),
        Sample(
            (np.array([[0, 2, 0], [4, 2, 2]]), randn(5, 4)),
            {"padding_idx": 2},
            finite_differences=False,
        ),
        Sample(
            (np.array([1, 4, 4, 0]), randn(5, 3)), {"padding_idx": -1}, finite_differences=False
        ),
        Sample(
            (np.array([[1, 3, 1], [1, 0, 3]]), randn(4, 2)),
            {"scale_grad_by_freq": True},
            finite_differences=False,
        ),
        Sample(
            (np.array([3, 1, 1, 3], dtype=np.int32), randn(4, 2)),
            {"padding_idx": 1, "scale_grad_by_freq": True},
            finite_differences=False,
        ),
    ],
    "one_hot": [
        Sample((np.array([0, 2, 1, 2]),), grad=False),
        Sample((np.array([[0, 2], [1, 3]]), 5), grad=False),
        Sample((np.array([1, 0]),), {"num_classes": 2}, grad=False),
    ],
    "scaled_dot_product_attention": [
        Sample((randn(2, 3, 4), randn(2, 5, 4), randn(2, 5, 3))),
        Sample((randn(2, 3, 4), randn(2, 5, 4), randn(2, 5, 3), _bool_mask(3, 5))),
        Sample(
            (randn(1, 2, 3, 4), randn(1, 2, 5, 4), randn(1, 2, 5, 2), randn(2, 3, 5)),
            nondiff=(3,),
        ),
        Sample((randn(2, 4, 3), randn(2, 4, 3), randn(2, 4, 3)), {"is_causal": True}),
        Sample((randn(3, 2), randn(5, 2), randn(5, 3)), {"is_causal": True, "scale": 0.3}),
        Sample(
            (randn(1, 4, 3, 2), randn(1, 2, 3, 2), randn(1, 2, 3, 2)),
            {"enable_gqa": True},
        ),
        Sample(
            (distinct(2, 2, 3), randn(2, 3, 3), randn(2, 3, 2), _bool_mask(2, 2, 3)),
            {"scale": 0.5},
        ),
    ],
}


# batch_norm's two backward records, against the same sums and combination in torch ops.
def _per_channel(t, like):
    return t.reshape((1, -1) + (1,) * (like.ndim - 2))


def _reduce_records(name: str) -> dict:
    def ember_fn(*args):
        return ember.ops.apply(ember.ops.OP_TABLE[name], *args)

    def torch_fn(g, x, mean, *coefficients):
        centered = x - _per_channel(mean, x)
        dims = [0, *range(2, x.ndim)]
        if name == "batch_norm_backward_reduce":
            return torch.stack([g.sum(dims), (g * centered).sum(dims)])
        a, b, c = (_per_channel(row, x) for row in coefficients[0])
        return a * g + b * centered + c

    return {"ember_fn": ember_fn, "torch_fn": torch_fn}


SAMPLES["batch_norm_backward_reduce"] = [
    Sample(
        (randn(4, 3, 5), randn(4, 3, 5), randn(3)), **_reduce_records("batch_norm_backward_reduce")
    ),
    Sample(
        (randn(5, 2), randn(5, 2) * 3 + 2, randn(2)),
        **_reduce_records("batch_norm_backward_reduce"),
    ),
    Sample(
        (randn(2, 3, 4, 5), randn(2, 3, 4, 5), randn(3)),
        **_reduce_records("batch_norm_backward_reduce"),
    ),
]
SAMPLES["batch_norm_backward_elemt"] = [
    Sample(
        (randn(4, 3, 5), randn(4, 3, 5), randn(3), randn(3, 3)),
        **_reduce_records("batch_norm_backward_elemt"),
    ),
    Sample(
        (randn(5, 2), randn(5, 2), randn(2), randn(3, 2)),
        **_reduce_records("batch_norm_backward_elemt"),
    ),
    Sample(
        (randn(2, 3, 4, 5), randn(2, 3, 4, 5), randn(3), randn(3, 3)),
        **_reduce_records("batch_norm_backward_elemt"),
    ),
]


def _torch_stats(x):
    dims = [0, *range(2, x.ndim)]
    return torch.stack([x.mean(dims), x.var(dims, unbiased=False)])


def _stats_sample(x) -> Sample:
    return Sample(
        (x,),
        ember_fn=lambda x: ember.ops.apply(ember.ops.OP_TABLE["batch_norm_stats"], x),
        torch_fn=_torch_stats,
    )


SAMPLES["batch_norm_stats"] = [
    _stats_sample(randn(4, 3, 5)),
    _stats_sample(randn(6, 2) * 3 + 5),
    _stats_sample(randn(2, 3, 4, 5)),
    _stats_sample(randn(1, 4, 20)),
]


def _torch_coefficients(sums, invstd, *weight, count):
    a = invstd * weight[0] if weight else invstd
    return torch.stack([a, -a * invstd**2 * sums[1] / count, -a * sums[0] / count])


def _coefficients_sample(*args, count) -> Sample:
    return Sample(
        args,
        {"count": count},
        ember_fn=lambda *a, count: ember.ops.apply(
            ember.ops.OP_TABLE["batch_norm_coefficients"], *a, count=count
        ),
        torch_fn=_torch_coefficients,
    )


SAMPLES["batch_norm_coefficients"] = [
    _coefficients_sample(randn(2, 3), positive(3), randn(3), count=7),
    _coefficients_sample(randn(2, 4), positive(4), count=12),
]
