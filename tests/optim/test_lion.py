"""Lion against a NumPy implementation of the published update (torch has no Lion)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import ember
import ember.optim
from tests.optim.problem import (
    START,
    assert_params_close,
    ember_params,
    ember_step,
    torch_loss,
    torch_params,
    values,
)

STEPS = 20


def numpy_lion(params, exp_avgs, grads, lr, betas, weight_decay):
    """One Lion step, written from the paper's pseudo-code."""
    beta1, beta2 = betas
    for p, m, g in zip(params, exp_avgs, grads, strict=True):
        c = beta1 * m + (1 - beta1) * g
        p -= lr * (np.sign(c) + weight_decay * p)
        m *= beta2
        m += (1 - beta2) * g


def reference_gradients(arrays):
    params = torch_params(arrays)
    torch_loss(params).backward()
    return [p.grad.numpy() for p in params]


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"lr": 0.01}, {"lr": 0.01, "betas": (0.8, 0.95)}, {"lr": 0.01, "weight_decay": 0.5}],
    ids=str,
)
def test_lion_matches_numpy_reference(kwargs):
    options = {"lr": 1e-4, "betas": (0.9, 0.99), "weight_decay": 0.0, **kwargs}
    ours = ember_params()
    opt = ember.optim.Lion(ours, **kwargs)
    assert {k: opt.param_groups[0][k] for k in options} == options
    reference = [a.copy() for a in START]
    exp_avgs = [np.zeros_like(a) for a in START]
    for step in range(STEPS):
        ember_step(opt, ours)
        numpy_lion(reference, exp_avgs, reference_gradients(reference), **options)
        assert_params_close(ours, [ember.tensor(a) for a in reference], step)


def test_lion_state_dict_round_trip():
    ours = ember_params()
    opt = ember.optim.Lion(ours, lr=0.01, weight_decay=0.1)
    for _ in range(STEPS // 2):
        ember_step(opt, ours)
    saved = pickle.loads(pickle.dumps(opt.state_dict()))
    assert set(saved["state"][0]) == {"exp_avg"}
    resumed = ember_params(values(ours))
    opt2 = ember.optim.Lion(resumed, lr=0.01, weight_decay=0.1)
    opt2.load_state_dict(saved)
    for _ in range(STEPS // 2):
        ember_step(opt, ours)
        ember_step(opt2, resumed)
    for a, b in zip(values(ours), values(resumed), strict=True):
        assert np.array_equal(a, b)


def test_lion_moves_each_coordinate_by_lr():
    w = ember.tensor([1.0, -1.0, 0.5], requires_grad=True)
    opt = ember.optim.Lion([w], lr=0.1)
    (w * ember.tensor([3.0, -0.01, 100.0])).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.tolist(), [0.9, -0.9, 0.4], rtol=1e-6)
