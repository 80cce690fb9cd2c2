from collections import namedtuple

import numpy as np
import pytest
import torch
from torch.utils.data import default_collate as torch_collate
from torch.utils.data import default_convert as torch_convert

import ember
from ember.data import default_collate, default_convert
from ember.errors import ShapeError

Point = namedtuple("Point", "x y")


def _same(ours, theirs):
    """Structure, values and dtype names agree between an Ember and a torch batch."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ember.Tensor), type(ours)
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and ours.keys() == theirs.keys()
        for key in theirs:
            _same(ours[key], theirs[key])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            _same(a, b)
    else:
        assert ours == theirs


def _both(samples):
    """The same samples built with ember tensors and with torch tensors."""

    def convert(value, to_torch):
        if isinstance(value, ember.Tensor):
            return torch.from_numpy(value.numpy().copy()) if to_torch else value
        if isinstance(value, dict):
            return {k: convert(v, to_torch) for k, v in value.items()}
        if isinstance(value, Point):
            return Point(*(convert(v, to_torch) for v in value))
        if isinstance(value, (list, tuple)):
            return type(value)(convert(v, to_torch) for v in value)
        return value

    return [convert(s, False) for s in samples], [convert(s, True) for s in samples]


CASES = {
    "tensors": [ember.ones(2, 3), ember.zeros(2, 3)],
    "ints": [1, 2, 3],
    "floats": [0.5, 1.5],
    "bools": [True, False],
    "mixed_numbers": [1, 2.5],
    "numpy_arrays": [np.arange(3, dtype=np.int32), np.arange(3, 6, dtype=np.int32)],
    "numpy_scalars": [np.float32(1.5), np.float32(2.5)],
    "strings": ["a", "b"],
    "tuples": [(ember.zeros(2), 1), (ember.ones(2), 0)],
    "lists": [[ember.zeros(1), "x"], [ember.ones(1), "y"]],
    "dicts": [
        {"image": ember.zeros(2, 2), "meta": {"id": 1, "name": "a"}},
        {"image": ember.ones(2, 2), "meta": {"id": 2, "name": "b"}},
    ],
    "namedtuples": [Point(1.0, ember.zeros(2)), Point(2.0, ember.ones(2))],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_default_collate_matches_torch(name):
    ours, theirs = _both(CASES[name])
    _same(default_collate(ours), torch_collate(theirs))


def test_collate_keeps_the_graph_for_tensors_that_require_grad():
    x = ember.ones(3, requires_grad=True)
    batch = default_collate([x, x * 2])
    batch.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]


def test_collate_shape_mismatch_names_shapes():
    with pytest.raises(ShapeError, match=r"\(2,\) at position 0 and \(3,\) at position 1"):
        default_collate([ember.zeros(2), ember.zeros(3)])
    with pytest.raises(ShapeError, match="equal size"):
        default_collate([[1, 2], [1]])


def test_collate_rejects_unsupported_types():
    with pytest.raises(TypeError, match="batch must contain"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="dtype <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])


@pytest.mark.parametrize(
    "sample",
    [np.arange(3.0), {"a": np.zeros(2), "b": "text"}, (np.ones(1), 3), [np.ones(1)], 5, "x"],
)
def test_default_convert_matches_torch(sample):
    ours = default_convert(sample)
    theirs = torch_convert(sample)
    _same(ours, theirs)
