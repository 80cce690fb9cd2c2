"""The problem every optimizer test trains on: a 2-layer tanh MLP classifier, in Ember and torch.

Both versions start from the same float64 arrays and see the same data, so
their trajectories differ only by the optimizers (and rounding in the ops).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import ember
import ember.optim

SHAPES = [(4, 6), (6,), (6, 3), (3,)]
_rng = np.random.default_rng(1234)
INPUTS = _rng.normal(size=(10, 4))
LABELS = _rng.integers(0, 3, size=10)
START = [_rng.normal(scale=0.7, size=shape) for shape in SHAPES]


def ember_params(arrays: list[np.ndarray] | None = None) -> list[ember.Tensor]:
    return [
        ember.tensor(a.copy(), dtype=ember.float64, requires_grad=True)
        for a in (START if arrays is None else arrays)
    ]


def torch_params(arrays: list[np.ndarray] | None = None) -> list[torch.Tensor]:
    return [
        torch.tensor(a.copy(), dtype=torch.float64, requires_grad=True)
        for a in (START if arrays is None else arrays)
    ]


def ember_loss(params: list[ember.Tensor]) -> ember.Tensor:
    w1, b1, w2, b2 = params
    x = ember.tensor(INPUTS, dtype=ember.float64)
    logits = (x @ w1 + b1).tanh() @ w2 + b2
    picked = ember.log_softmax(logits, dim=1).gather(1, ember.tensor(LABELS).reshape(-1, 1))
    return -picked.mean()


def torch_loss(params: list[torch.Tensor]) -> torch.Tensor:
    w1, b1, w2, b2 = params
    x = torch.tensor(INPUTS, dtype=torch.float64)
    logits = torch.tanh(x @ w1 + b1) @ w2 + b2
    picked = torch.log_softmax(logits, dim=1).gather(1, torch.tensor(LABELS).reshape(-1, 1))
    return -picked.mean()


def closure_for(opt, params: list, loss_fn: Callable[[list], Any]) -> Callable[[], Any]:
    """A closure in PyTorch's form: clear the gradients, compute the loss, backpropagate it."""

    def closure():
        opt.zero_grad()
        loss = loss_fn(params)
        loss.backward()
        return loss

    return closure


def ember_closure(opt: ember.optim.Optimizer, params: list[ember.Tensor]) -> Callable[[], Any]:
    return closure_for(opt, params, ember_loss)


def torch_closure(opt: torch.optim.Optimizer, params: list[torch.Tensor]) -> Callable[[], Any]:
    return closure_for(opt, params, torch_loss)


def ember_step(opt: ember.optim.Optimizer, params: list[ember.Tensor]) -> float:
    loss = ember_closure(opt, params)()
    opt.step()
    return loss.item()


def torch_step(opt: torch.optim.Optimizer, params: list[torch.Tensor]) -> float:
    loss = torch_closure(opt, params)()
    opt.step()
    return loss.item()


def values(params: list) -> list[np.ndarray]:
    return [np.array(p.detach().numpy()) for p in params]


def assert_params_close(ours: list, theirs: list, step: int, rtol: float = 1e-6) -> None:
    # atol only guards entries that pass through zero, where rtol means nothing.
    for i, (a, b) in enumerate(zip(values(ours), values(theirs), strict=True)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12, err_msg=f"param {i}, step {step}")
