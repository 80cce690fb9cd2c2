"""LBFGS against torch.optim.LBFGS, with and without the strong Wolfe line search."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

import ember
import ember.optim
from tests.optim.problem import (
    assert_params_close,
    ember_closure,
    ember_params,
    torch_closure,
    torch_params,
    values,
)

CASES = [
    {},
    {"lr": 0.5, "max_iter": 5},
    {"line_search_fn": "strong_wolfe"},
    {"line_search_fn": "strong_wolfe", "history_size": 3, "max_iter": 10},
    {"line_search_fn": "strong_wolfe", "max_eval": 8, "tolerance_change": 1e-5},
    {"lr": 0.8, "history_size": 2, "tolerance_grad": 1e-3},
    # A short first trial step makes the line search extrapolate; a long one
    # overshoots and makes it zoom into a bracket.
    {"line_search_fn": "strong_wolfe", "lr": 0.05},
    {"line_search_fn": "strong_wolfe", "lr": 20.0, "history_size": 4},
]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_lbfgs_matches_torch(kwargs):
    ours, theirs = ember_params(), torch_params()
    opt = ember.optim.LBFGS(ours, **kwargs)
    topt = torch.optim.LBFGS(theirs, **kwargs)
    for step in range(4):
        loss = opt.step(ember_closure(opt, ours))
        tloss = topt.step(torch_closure(topt, theirs))
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-6)
        assert_params_close(ours, theirs, step)
        state, tstate = opt.state[ours[0]], topt.state[theirs[0]]
        assert (state["func_evals"], state["n_iter"]) == (tstate["func_evals"], tstate["n_iter"])
        assert len(state["old_dirs"]) == len(tstate["old_dirs"])


def test_lbfgs_state_dict_round_trip():
    kwargs = {"line_search_fn": "strong_wolfe", "max_iter": 4, "history_size": 5}
    ours = ember_params()
    opt = ember.optim.LBFGS(ours, **kwargs)
    opt.step(ember_closure(opt, ours))
    saved = pickle.loads(pickle.dumps(opt.state_dict()))
    resumed = ember_params(values(ours))
    opt2 = ember.optim.LBFGS(resumed, **kwargs)
    opt2.load_state_dict(saved)
    for _ in range(2):
        opt.step(ember_closure(opt, ours))
        opt2.step(ember_closure(opt2, resumed))
    for a, b in zip(values(ours), values(resumed), strict=True):
        assert np.array_equal(a, b)


def test_lbfgs_solves_a_quadratic():
    target = ember.tensor([1.0, -2.0, 3.0], dtype=ember.float64)
    scale = ember.tensor([1.0, 10.0, 100.0], dtype=ember.float64)
    w = ember.zeros(3, dtype=ember.float64, requires_grad=True)
    opt = ember.optim.LBFGS([w], line_search_fn="strong_wolfe", max_iter=100)

    def closure():
        opt.zero_grad()
        loss = (scale * (w - target) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(w.tolist(), target.tolist(), atol=1e-6)


def test_lbfgs_refuses_a_second_group():
    opt = ember.optim.LBFGS(ember_params()[:2])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        opt.add_param_group({"params": ember_params()[2:]})
