"""Samples for the shape family (see ``tests/ops/samples/base.py``)."""

import torch
import torch.nn.functional as F

import ember
from ember.ops.shape import pad as ember_pad
from tests.ops.samples.base import Sample, bools, ints, randn

SAMPLES: dict[str, list[Sample]] = {}


def _method(call):
    """A sample calling a Tensor method, the same way in both frameworks."""
    return {"ember_fn": call, "torch_fn": call}


def _listed(fn):
    """Tensors given as separate sample arguments, passed on as one list (cat, stack)."""
    return lambda *tensors, **kwargs: fn(list(tensors), **kwargs)


SAMPLES["reshape"] = [
    Sample((randn(2, 6),), **_method(lambda x: x.reshape(3, -1))),
    Sample((randn(2, 3), (6,))),
    Sample((randn(2, 3),), **_method(lambda x: x.view(-1, 2, 1))),
    Sample((ints(0, 5, 6),), **_method(lambda x: x.reshape((2, 3))), grad=False),
]
SAMPLES["permute"] = [
    Sample((randn(2, 3, 4), (2, 0, 1))),
    Sample((randn(2, 3, 4), (-1, 0, -2))),
    Sample((randn(2, 3, 4),), **_method(lambda x: x.permute(1, 2, 0))),
]
SAMPLES["transpose"] = [
    Sample((randn(2, 3, 4), 0, 2)),
    Sample((randn(2, 3, 4), -1, 0)),
    Sample((randn(2, 3),), **_method(lambda x: x.transpose(0, 1))),
    Sample((bools(2, 3), 1, 0), grad=False),
]
SAMPLES["swapaxes"] = [
    Sample((randn(2, 3, 4), 0, -1)),
    Sample((randn(2, 3),), **_method(lambda x: x.swapaxes(1, 0))),
]
SAMPLES["squeeze"] = [
    Sample((randn(1, 3, 1, 2),)),
    Sample((randn(1, 3, 1, 2), 2)),
    Sample((randn(1, 3, 1, 2), -2)),
    Sample((randn(1, 3, 1, 2), (0, 2))),
    # Dimension 1 has size 3: only the size-1 dimension 0 goes, as in PyTorch.
    Sample((randn(1, 3, 1, 2), (0, 1))),
    Sample((randn(3, 1),), **_method(lambda x: x.squeeze())),
    Sample((ints(0, 5, 1, 4),), {"dim": 0}, grad=False),
]
SAMPLES["unsqueeze"] = [
    Sample((randn(2, 3), 0)),
    Sample((randn(2, 3), -1)),
    Sample((randn(2, 3), 1)),
    Sample((randn(), 0)),
    Sample((randn(2, 3),), **_method(lambda x: x.unsqueeze(-2))),
]
SAMPLES["flatten"] = [
    Sample((randn(2, 3, 4),)),
    Sample((randn(2, 3, 4),), {"start_dim": 1}),
    Sample((randn(2, 3, 4, 5),), {"start_dim": -3, "end_dim": -2}),
    Sample((randn(),)),
    Sample((randn(2, 3, 4),), **_method(lambda x: x.flatten(0, 1))),
]
SAMPLES["unflatten"] = [
    Sample((randn(2, 6), 1, (2, 3))),
    Sample((randn(2, 6), -1, (3, -1))),
    Sample((randn(6, 2), 0, (1, 6, 1))),
    Sample((randn(4, 2),), **_method(lambda x: x.unflatten(0, (2, 2)))),
]
SAMPLES["cat"] = [
    Sample((randn(2, 3), randn(4, 3)), ember_fn=_listed(ember.cat), torch_fn=_listed(torch.cat)),
    Sample(
        (randn(2, 3), randn(2, 1), randn(2, 2)),
        {"dim": -1},
        ember_fn=_listed(ember.cat),
        torch_fn=_listed(torch.cat),
    ),
    Sample(
        (randn(2, 3, 2), randn(2, 1, 2)),
        {"dim": 1},
        ember_fn=_listed(ember.cat),
        torch_fn=_listed(torch.cat),
    ),
    # Integers promote to the floating type of the other input.
    Sample(
        (ints(0, 5, 2, 3), randn(1, 3)), ember_fn=_listed(ember.cat), torch_fn=_listed(torch.cat)
    ),
    # 1-D empty tensors are left out whatever the other shapes, as in PyTorch.
    Sample(
        (randn(0), randn(2, 3), randn(0)),
        {"dim": 1},
        ember_fn=_listed(ember.cat),
        torch_fn=_listed(torch.cat),
    ),
    Sample((randn(3),), ember_fn=lambda x: ember.cat((x,)), torch_fn=lambda x: torch.cat((x,))),
    Sample(
        (bools(2), bools(3)), ember_fn=_listed(ember.cat), torch_fn=_listed(torch.cat), grad=False
    ),
]
SAMPLES["stack"] = [
    Sample(
        (randn(2, 3), randn(2, 3)), ember_fn=_listed(ember.stack), torch_fn=_listed(torch.stack)
    ),
    Sample(
        (randn(2, 3), randn(2, 3), randn(2, 3)),
        {"dim": -1},
        ember_fn=_listed(ember.stack),
        torch_fn=_listed(torch.stack),
    ),
    Sample(
        (randn(2, 3), randn(2, 3)),
        {"dim": 1},
        ember_fn=_listed(ember.stack),
        torch_fn=_listed(torch.stack),
    ),
    Sample((randn(), randn()), ember_fn=_listed(ember.stack), torch_fn=_listed(torch.stack)),
    Sample((ints(0, 5, 4), randn(4)), ember_fn=_listed(ember.stack), torch_fn=_listed(torch.stack)),
]
SAMPLES["split"] = [
    Sample((randn(5, 4), 2)),
    Sample((randn(5, 4), [1, 3, 1])),
    Sample((randn(4, 6), 4), {"dim": -1}),
    Sample((randn(4, 6), [0, 6]), {"dim": 1}),
    Sample((randn(6, 2),), **_method(lambda x: x.split(3))),
]
SAMPLES["chunk"] = [
    Sample((randn(5, 4), 3)),
    Sample((randn(6, 4), 4)),
    Sample((randn(3, 7), 2), {"dim": -1}),
    Sample((randn(4, 2),), **_method(lambda x: x.chunk(2, 1))),
]
SAMPLES["unbind"] = [
    Sample((randn(3, 4),)),
    Sample((randn(3, 4), 1)),
    Sample((randn(2, 3, 2),), **_method(lambda x: x.unbind(-1))),
]
SAMPLES["narrow"] = [
    Sample((randn(4, 5), 0, 1, 2)),
    Sample((randn(4, 5), -1, -3, 2)),
    Sample((randn(4, 5), 1, 0, 0)),
    Sample((randn(3, 4),), **_method(lambda x: x.narrow(1, 2, 2))),
]
SAMPLES["flip"] = [
    Sample((randn(2, 3, 4), (0, 2))),
    Sample((randn(2, 3), (-1,))),
    Sample((randn(2, 3),), **_method(lambda x: x.flip(0, 1))),
    Sample((ints(0, 9, 4),), {"dims": [0]}, grad=False),
]
SAMPLES["roll"] = [
    Sample((randn(2, 3), 1)),
    Sample((randn(2, 3), (1, -2), (0, 1))),
    Sample((randn(2, 3, 4), 2, -1)),
    Sample((randn(2, 3), -4), {"dims": 0}),
    Sample((randn(2, 3),), **_method(lambda x: x.roll(1, 1))),
]
SAMPLES["repeat"] = [
    Sample((randn(2, 3),), **_method(lambda x: x.repeat(2, 1, 3))),
    Sample((randn(2, 3),), **_method(lambda x: x.repeat((2, 2)))),
    Sample((randn(3),), **_method(lambda x: x.repeat(1))),
    Sample((ints(0, 9, 2),), **_method(lambda x: x.repeat(3)), grad=False),
]
SAMPLES["tile"] = [
    Sample((randn(2, 3), (2,))),
    Sample((randn(2, 3), (2, 1, 2))),
    Sample((randn(2, 3),), **_method(lambda x: x.tile(2, 2))),
]
SAMPLES["movedim"] = [
    Sample((randn(2, 3, 4, 5), 0, -1)),
    Sample((randn(2, 3, 4, 5), (0, -1), (2, 0))),
    Sample((randn(2, 3, 4),), **_method(lambda x: x.movedim(1, 0))),
]
_pad_samples = [
    ((randn(2, 3), (1, 2)), {}),
    ((randn(2, 3, 4), (1, 1, 2, 0)), {"value": 0.5}),
    ((randn(2, 3), (-1, 2)), {}),
    ((randn(2, 3), (0, 0, -1, -1)), {}),
    ((randn(2, 5), (2, 1)), {"mode": "reflect"}),
    ((randn(1, 2, 4, 5), (1, 2, 3, 1)), {"mode": "reflect"}),
    ((randn(3, 5), (-1, 2)), {"mode": "reflect"}),
    ((randn(2, 3, 4), (2, 3)), {"mode": "replicate"}),
    ((randn(2, 3, 4), (1, 1, 2, 0)), {"mode": "replicate"}),
    ((randn(2, 4, 5), (1, 2, 2, 1)), {"mode": "circular"}),
    ((randn(2, 2, 3, 4, 5), (1, 0, 2, 1, 0, 3)), {"mode": "circular"}),
    ((randn(2, 5), (-2, 3)), {"mode": "circular"}),
]
SAMPLES["pad"] = [
    Sample(args, kwargs, ember_fn=ember_pad, torch_fn=F.pad) for args, kwargs in _pad_samples
]
SAMPLES["pad"].append(
    Sample((ints(0, 9, 2, 3), (1, 1)), {"value": 7}, ember_fn=ember_pad, torch_fn=F.pad, grad=False)
)
