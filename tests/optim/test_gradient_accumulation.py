"""backward() accumulates: micro-batch gradients sum to the big-batch gradient."""

from __future__ import annotations

import pathlib
import runpy

import numpy as np

import ember
import ember.optim
from tests.optim.problem import INPUTS, LABELS, ember_params

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "gradient_accumulation.py"


def batch_loss(params, rows):
    w1, b1, w2, b2 = params
    x = ember.tensor(INPUTS[rows], dtype=ember.float64)
    logits = (x @ w1 + b1).tanh() @ w2 + b2
    labels = ember.tensor(LABELS[rows]).reshape(-1, 1)
    return -ember.log_softmax(logits, dim=1).gather(1, labels).mean()


def test_accumulated_gradient_equals_big_batch_gradient():
    big, small = ember_params(), ember_params()
    batch_loss(big, slice(0, 10)).backward()
    for start in range(0, 10, 2):
        (batch_loss(small, slice(start, start + 2)) / 5).backward()
    for a, b in zip(big, small, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_training_with_accumulation_follows_big_batch_training():
    big, small = ember_params(), ember_params()
    opt_big = ember.optim.SGD(big, lr=0.5, momentum=0.9)
    opt_small = ember.optim.SGD(small, lr=0.5, momentum=0.9)
    for _ in range(10):
        opt_big.zero_grad()
        batch_loss(big, slice(0, 10)).backward()
        opt_big.step()
        opt_small.zero_grad()
        for start in range(0, 10, 5):
            (batch_loss(small, slice(start, start + 5)) / 2).backward()
        opt_small.step()
    for a, b in zip(big, small, strict=True):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10)


def test_example_runs_and_shows_equal_gradients(capsys):
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    out = capsys.readouterr().out
    difference = float(out.split("gradient: ")[1].split()[0])
    assert difference < 1e-5
    assert "epoch 20" in out
