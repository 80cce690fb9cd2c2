"""ember.nn.utils against torch.nn.utils: gradient clipping and parameter vectors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import ember
from ember.errors import GraphError, ShapeError
from ember.nn import utils

SHAPES = [(3, 4), (4,), (2, 2, 2)]


def make_pair(scale: float = 1.0, with_none: bool = False):
    rng = np.random.default_rng(7)
    values = [rng.normal(size=s) for s in SHAPES]
    grads = [scale * rng.normal(size=s) for s in SHAPES]
    ours = [ember.tensor(v, dtype=ember.float64, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    for i, (p, t, g) in enumerate(zip(ours, theirs, grads, strict=True)):
        if with_none and i == 1:
            continue
        p.grad = ember.tensor(g, dtype=ember.float64)
        t.grad = torch.tensor(g)
    return ours, theirs


def assert_grads_equal(ours, theirs):
    for p, t in zip(ours, theirs, strict=True):
        if t.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf, -math.inf, 0.0, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
@pytest.mark.parametrize("with_none", [False, True])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, with_none):
    ours, theirs = make_pair(with_none=with_none)
    total = utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, ember.Tensor) and total.shape == ()
    assert total.dtype == ember.float64
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-12)
    assert_grads_equal(ours, theirs)


def test_clip_grad_norm_accepts_a_single_tensor_and_a_generator():
    ours, theirs = make_pair()
    total = utils.clip_grad_norm_(ours[0], 0.1)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs[0], 0.1)
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-12)
    utils.clip_grad_norm_((p for p in ours), 0.1)
    torch.nn.utils.clip_grad_norm_((t for t in theirs), 0.1)
    assert_grads_equal(ours, theirs)


def test_clip_grad_norm_without_gradients_is_zero():
    total = utils.clip_grad_norm_([ember.zeros(2, requires_grad=True)], 1.0)
    assert total.item() == 0.0


def test_clip_grad_norm_nonfinite():
    ours, _ = make_pair()
    ours[0].grad.numpy()[0, 0] = math.inf
    with pytest.raises(RuntimeError, match="non-finite") as info:
        utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    assert "test_utils.py" in str(info.value)
    total = utils.clip_grad_norm_(ours, 1.0)
    assert math.isinf(total.item())


def test_get_total_norm_and_clip_grads_with_norm_match_torch():
    ours, theirs = make_pair(scale=5.0)
    total = utils.get_total_norm([p.grad for p in ours], norm_type=3.0)
    ttotal = torch.nn.utils.get_total_norm([t.grad for t in theirs], norm_type=3.0)
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-12)
    utils.clip_grads_with_norm_(ours, 2.0, total)
    torch.nn.utils.clip_grads_with_norm_(theirs, 2.0, ttotal)
    assert_grads_equal(ours, theirs)


@pytest.mark.parametrize("clip_value", [0.3, 2.0])
def test_clip_grad_value_matches_torch(clip_value):
    ours, theirs = make_pair(with_none=True)
    utils.clip_grad_value_(ours, clip_value)
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    assert_grads_equal(ours, theirs)


def test_clipping_keeps_the_gradient_arrays():
    ours, _ = make_pair(scale=10.0)
    arrays = [p.grad.numpy() for p in ours]
    utils.clip_grad_norm_(ours, 1.0)
    utils.clip_grad_value_(ours, 0.01)
    assert all(p.grad.numpy() is a for p, a in zip(ours, arrays, strict=True))


def test_parameters_to_vector_matches_torch_and_is_differentiable():
    ours, theirs = make_pair()
    vec = utils.parameters_to_vector(ours)
    tvec = torch.nn.utils.parameters_to_vector(theirs)
    np.testing.assert_array_equal(vec.detach().numpy(), tvec.detach().numpy())
    for p in ours:
        p.grad = None
    (vec * vec).sum().backward()
    for p in ours:
        np.testing.assert_allclose(p.grad.numpy(), 2 * p.detach().numpy())


def test_vector_to_parameters_matches_torch():
    ours, theirs = make_pair()
    values = np.arange(sum(math.prod(s) for s in SHAPES), dtype=np.float64)
    vec = ember.tensor(values, dtype=ember.float64)
    before = [p._version for p in ours]
    utils.vector_to_parameters(vec, ours)
    torch.nn.utils.vector_to_parameters(torch.tensor(values), theirs)
    for p, t, version in zip(ours, theirs, before, strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), t.detach().numpy())
        assert p._version == version + 1


def test_vector_to_parameters_invalidates_saved_graphs():
    w = ember.ones(3, requires_grad=True)
    y = (w * w).sum()
    utils.vector_to_parameters(ember.zeros(3), [w])
    with pytest.raises(GraphError):
        y.backward()


def test_vector_to_parameters_errors():
    ours, _ = make_pair()
    with pytest.raises(TypeError, match="expected a Tensor"):
        utils.vector_to_parameters([1.0, 2.0], ours)
    with pytest.raises(ShapeError, match=r"1-D vector of 24 elements .* got shape \(5,\)"):
        utils.vector_to_parameters(ember.zeros(5), ours)
