"""Samples for the index family (see ``tests/ops/samples/base.py``).

Index arrays are passed as int64 or bool arrays in ``args``, so both sides get
them as tensors. Where PyTorch's result is undefined (``scatter`` or a plain
``index_put`` writing one position twice), the samples avoid repeated indices.
"""

import numpy as np
import torch

import ember
from tests.ops.samples.base import Sample, bools, ints, randn


def _same(fn):
    """The same call for both frameworks (indexing syntax, methods)."""
    return {"ember_fn": fn, "torch_fn": fn}


_mask34 = np.array(
    [[True, False, True, True], [False, False, True, False], [True, True, False, False]]
)

SAMPLES: dict[str, list[Sample]] = {}

SAMPLES["getitem"] = [
    Sample((randn(3, 4),), **_same(lambda x: x[1:, ::2])),
    Sample((randn(3, 4),), **_same(lambda x: x[1])),
    Sample((randn(3, 4),), **_same(lambda x: x[-1, 2])),
    Sample((randn(5, 3),), **_same(lambda x: x[[0, 2, 2]])),  # repeated: gradients add up
    Sample((randn(3, 4), _mask34), **_same(lambda x, m: x[m])),
    Sample((randn(3, 4), np.array([True, False, True])), **_same(lambda x, m: x[m, 1:])),
    Sample((randn(2, 3, 4),), **_same(lambda x: x[None, ..., 0])),
    Sample((randn(2, 3, 4),), **_same(lambda x: x[..., None, 1:3])),
    Sample(
        (randn(3, 4, 5), np.array([0, 2, 0]), np.array([4, 1, 4])),
        **_same(lambda x, i, j: x[i, :, j]),
    ),
    Sample(
        (randn(3, 4, 5), np.array([[0, 1], [2, 0]]), np.array([3, 1])),
        **_same(lambda x, i, j: x[:, i, j]),
    ),
    # The integer selects first (PyTorch), so the result is (4, 2), not NumPy's (2, 4).
    Sample((randn(3, 4, 5),), **_same(lambda x: x[0, :, [0, 1]])),
    Sample((randn(3, 4),), **_same(lambda x: x[np.array([2, -1])])),
    # PyTorch has no negative steps; flipping first is the same selection.
    Sample(
        (randn(5, 4),),
        ember_fn=lambda x: x[::-2, 3:0:-1],
        torch_fn=lambda x: x.flip(0)[::2].flip(1)[:, :3],
    ),
    Sample((ints(0, 9, 3, 4),), grad=False, **_same(lambda x: x[[1, 1], 1:])),
]

SAMPLES["index_put"] = [
    Sample(
        (randn(5, 3), np.array([0, 2, 0]), randn(3, 3)),
        ember_fn=lambda x, i, v: ember.index_put(x, (i,), v, accumulate=True),
        torch_fn=lambda x, i, v: torch.index_put(x, (i,), v, accumulate=True),
    ),
    Sample(
        (randn(5, 3), np.array([4, 1]), randn(3)),
        ember_fn=lambda x, i, v: ember.index_put(x, (i,), v),
        torch_fn=lambda x, i, v: torch.index_put(x, (i,), v),
    ),
    Sample(
        (randn(3, 4), np.array([0, 2, 2]), np.array([1, 3, 1]), randn(3)),
        ember_fn=lambda x, i, j, v: ember.index_put(x, (i, j), v),
        torch_fn=lambda x, i, j, v: torch.index_put(x, (i, j), v),
    ),
    Sample(
        (randn(3, 4), _mask34, randn()),
        ember_fn=lambda x, m, v: ember.index_put(x, (m,), v, True),
        torch_fn=lambda x, m, v: torch.index_put(x, (m,), v, True),
    ),
    Sample(
        (ints(0, 9, 4), np.array([1, 1]), ints(0, 9, 2)),
        grad=False,
        ember_fn=lambda x, i, v: ember.index_put(x, (i,), v, accumulate=True),
        torch_fn=lambda x, i, v: torch.index_put(x, (i,), v, accumulate=True),
    ),
]

SAMPLES["gather"] = [
    Sample((randn(3, 4), 1, np.array([[0, 3, 3], [1, 0, 2], [2, 2, 0]]))),
    Sample((randn(4, 3), 0, np.array([[3, 0, 0], [1, 1, 3]]))),
    Sample((randn(2, 3, 4), -1, ints(0, 4, 2, 2, 5))),
    Sample((ints(0, 9, 3, 4), 1, ints(0, 4, 3, 2)), grad=False),
]

_perm = np.array([[2, 0, 1, 1], [0, 2, 0, 2]])  # distinct down each column
SAMPLES["scatter"] = [
    Sample((randn(3, 4), 0, _perm, randn(2, 4))),
    Sample((randn(3, 4), 1, np.array([[3, 0], [1, 2], [0, 1]]), randn(3, 2))),
    # PyTorch's backward fails for a src larger than the index; test_index.py gradchecks it.
    Sample((randn(3, 4), 1, np.array([[3, 0], [1, 2], [0, 1]]), randn(3, 3)), grad=False),
    Sample((randn(3, 4), 0, _perm, 0.5)),
    Sample((randn(3, 4), 0, _perm), {"value": -1.0}),
    Sample((ints(0, 9, 3, 4), 0, _perm, ints(0, 9, 2, 4)), grad=False),
]

SAMPLES["scatter_add"] = [
    Sample((randn(3, 4), 0, np.array([[2, 0, 2, 2], [2, 2, 0, 1]]), randn(2, 4))),
    Sample((randn(3, 4), 1, np.array([[3, 3], [0, 3], [1, 1]]), randn(3, 2))),
    Sample((randn(3, 4), 1, np.array([[3, 3], [0, 3], [1, 1]]), randn(4, 3)), grad=False),
    Sample((randn(5), 0, np.array([0, 0, 0, 4]), randn(4))),
    Sample((ints(0, 9, 4), 0, np.array([1, 1, 3]), ints(0, 9, 3)), grad=False),
]

SAMPLES["index_select"] = [
    Sample((randn(4, 3), 0, np.array([3, 0, 3]))),
    Sample((randn(2, 3, 4), -1, np.array([1, 2]))),
    Sample((randn(4, 3), 1, np.array(2))),
    Sample((ints(0, 9, 3, 4), 1, np.array([0, 0])), grad=False),
]

SAMPLES["masked_fill"] = [
    Sample((randn(3, 4), _mask34, 0.5)),
    Sample((randn(3, 4), bools(4), -2.0)),
    Sample((randn(4), bools(2, 4), 1.0)),
    Sample((randn(3, 4), _mask34, randn())),
    Sample((ints(0, 9, 3, 4), _mask34, 7), grad=False),
]

SAMPLES["take_along_dim"] = [
    Sample((randn(3, 4), np.array([[0, 3], [2, 2], [1, 0]])), {"dim": 1}),
    Sample((randn(3, 4), np.array([[1], [0], [3]])), {"dim": -1}),
    Sample((randn(3, 1), np.array([[0, 0, 0], [0, 0, 0]])), {"dim": 0}),
    Sample((randn(3, 4), np.array([[-1], [0], [-4]])), {"dim": 1}),
    Sample((randn(3, 4), np.array([5, 0, 5, 11]))),
    Sample((ints(0, 9, 3, 4), np.array([[2, 0, 1, 2]])), {"dim": 0}, grad=False),
]
