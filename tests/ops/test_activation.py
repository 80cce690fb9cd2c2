"""Softmax behaviours the generated tests do not reach: extreme inputs, errors."""

import numpy as np
import pytest
import torch

import ember
from ember.errors import DTypeError, ShapeError


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_extreme_inputs_stay_finite_in_float32(name):
    values = np.array([[1000.0, 999.0, -1000.0], [-1e4, -1e4 + 1, 0.0]], dtype=np.float32)
    x = ember.tensor(values, requires_grad=True)
    with ember.autograd.detect_anomaly():
        out = getattr(ember, name)(x, dim=1)
        out.backward(ember.ones(2, 3))
    expected = getattr(torch, name)(torch.tensor(values), dim=1).numpy()
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6)
    assert np.isfinite(x.grad.numpy()).all()


def test_masked_entries_get_zero_probability_and_gradient():
    x = ember.tensor([[0.5, -float("inf"), 1.5]], requires_grad=True)
    out = ember.softmax(x, -1)
    out.backward(ember.tensor([[1.0, 2.0, 3.0]]))
    assert out.detach().numpy()[0, 1] == 0.0
    assert x.grad.numpy()[0, 1] == 0.0


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_errors_name_the_op(name):
    with pytest.raises(ShapeError, match=rf"^{name}: dim 2 is out of range .* \(2, 3\)"):
        getattr(ember, name)(ember.ones(2, 3), 2)
    with pytest.raises(DTypeError, match=rf"^{name}: expected a floating tensor, got ember.int64"):
        getattr(ember, name)(ember.tensor([1, 2]), 0)
