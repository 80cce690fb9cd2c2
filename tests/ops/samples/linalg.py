"""Samples for the linalg family (see ``tests/ops/samples/base.py``)."""

import torch

import ember
from tests.ops.samples.base import Sample, ints, randn

SAMPLES: dict[str, list[Sample]] = {}

SAMPLES["matmul"] = [
    Sample((randn(4), randn(4))),
    Sample((randn(3), randn(3, 2))),
    Sample((randn(2, 3), randn(3))),
    Sample((randn(2, 3), randn(3, 4))),
    Sample((randn(2, 1, 3, 4), randn(5, 4, 2))),
    Sample((randn(2, 3, 4), randn(4))),
    Sample((randn(4), randn(2, 4, 3))),
    Sample((randn(2, 3, 4), randn(4, 5))),
    Sample((randn(3, 4), randn(2, 4, 5))),
    Sample((ints(-3, 3, 2, 3), ints(-3, 3, 3, 2)), grad=False),
    Sample((randn(2, 3), randn(3, 4)), ember_fn=lambda a, b: a @ b, torch_fn=lambda a, b: a @ b),
    Sample(
        (randn(2, 3), randn(3, 4)),
        ember_fn=lambda a, b: a.matmul(b),
        torch_fn=lambda a, b: a.matmul(b),
    ),
]
SAMPLES["mm"] = [Sample((randn(2, 3), randn(3, 4)))]
SAMPLES["bmm"] = [
    Sample((randn(2, 3, 4), randn(2, 4, 5))),
    Sample(
        (randn(2, 3, 4), randn(2, 4, 5)),
        ember_fn=lambda a, b: a.bmm(b),
        torch_fn=lambda a, b: a.bmm(b),
    ),
]
SAMPLES["dot"] = [
    Sample((randn(5), randn(5))),
    Sample((ints(-3, 3, 4), ints(-3, 3, 4)), grad=False),
]
SAMPLES["outer"] = [
    Sample((randn(3), randn(4))),
    Sample((ints(-3, 3, 3), ints(-3, 3, 2)), grad=False),
]
SAMPLES["tensordot"] = [
    Sample((randn(2, 3, 4), randn(3, 4, 5))),
    Sample((randn(2, 3, 4), randn(4, 5)), {"dims": 1}),
    Sample((randn(2, 3), randn(4)), {"dims": 0}),
    Sample((randn(3, 4, 5), randn(4, 3, 2)), {"dims": ([1, 0], [0, 1])}),
    Sample((randn(3, 4, 5), randn(5, 2)), {"dims": ([-1], [0])}),
]


def _einsum(equation: str, *shapes: tuple, **options: object) -> Sample:
    return Sample((equation, *[randn(*s) for s in shapes]), **options)


SAMPLES["einsum"] = [
    _einsum("ij,jk->ik", (2, 3), (3, 4)),
    _einsum("bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
    _einsum("i,i->", (4,), (4,)),
    _einsum("ij->ji", (2, 3)),
    _einsum("ij->", (2, 3)),
    _einsum("...ij,...jk->...ik", (2, 1, 3, 4), (5, 4, 2)),
    _einsum("ij,kj", (2, 3), (4, 3)),
    _einsum("ij,jk,kl->il", (2, 3), (3, 4), (4, 2)),
    # Letters summed inside one operand only: their gradient is broadcast back.
    _einsum("ijk,k->i", (2, 3, 4), (4,)),
    _einsum("ij,jk->ik", (2, 1), (3, 4)),
    _einsum("i...->...", (3, 2, 4)),
    _einsum("ii->i", (3, 3), grad=False),
    Sample(
        ("ij,jk->ik", randn(2, 3), randn(3, 4)),
        ember_fn=lambda eq, a, b: ember.einsum(eq, [a, b]),
        torch_fn=lambda eq, a, b: torch.einsum(eq, [a, b]),
    ),
    Sample(("ij,j->i", ints(-3, 3, 2, 3), ints(-3, 3, 3)), grad=False),
]
