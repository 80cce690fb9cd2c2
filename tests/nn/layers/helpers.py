"""Helpers shared by the layer tests: torch and Ember layers holding the same values, the
comparison of their outputs and gradients, random inputs and masks, statistical checks of
initialisations, and the messages of the errors users see."""

import math

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.errors import ShapeError

RTOL, ATOL = 1e-6, 1e-9


def build(name, *args, ember_kwargs=(), **kwargs):
    """The torch and Ember layers ``name(*args, **kwargs)``, holding torch's values, in
    float64; asserts their state_dict keys (and order) are the same. ``ember_kwargs``
    replace some of ``kwargs`` for Ember (e.g. an activation function)."""
    torch.manual_seed(0)
    torch_layer = getattr(torch.nn, name)(*args, **kwargs)
    ember_layer = getattr(nn, name)(*args, **{**kwargs, **dict(ember_kwargs)})
    assert list(ember_layer.state_dict()) == list(torch_layer.state_dict())
    ember_layer.load_state_dict(torch_layer.state_dict())
    return torch_layer.double(), ember_layer.double()


def randn(*shape, seed=0, scale=1.0, shift=0.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale + shift


def bool_mask(*shape, seed=0):
    """Random True (= may not attend) entries, the first key always open so no row is
    fully masked (which gives NaN in torch as in Ember)."""
    mask = np.random.default_rng(seed).random(shape) < 0.4
    mask[..., 0] = False
    return mask


def causal(size):
    return np.triu(np.full((size, size), -np.inf), 1)


def assert_close(ember_value, torch_value, what=""):
    np.testing.assert_allclose(
        ember_value.detach().numpy(),
        torch_value.detach().numpy(),
        rtol=RTOL,
        atol=ATOL,
        err_msg=what,
    )


def compare_outputs_and_gradients(torch_layer, ember_layer, outputs, inputs, seed=0):
    """Compare the layers' ``outputs`` (``(torch, ember)`` pairs, both None where a layer
    returns nothing), then, after backward of a random-cotangent-weighted sum of them, the
    gradients of the ``inputs`` that require grad (``(torch, ember)`` pairs, None for
    absent ones) and of every parameter; the layers' gradients are zeroed again after."""
    rng = np.random.default_rng(seed)
    torch_loss = ember_loss = 0
    for i, (t, e) in enumerate(outputs):
        if t is None:
            assert e is None
            continue
        assert e.shape == tuple(t.shape)
        assert_close(e, t, f"output {i}")
        cotangent = rng.standard_normal(tuple(t.shape))
        torch_loss = torch_loss + (t * torch.tensor(cotangent)).sum()
        ember_loss = ember_loss + (e * ember.tensor(cotangent)).sum()
    torch_loss.backward()
    ember_loss.backward()
    for i, (t, e) in enumerate(inputs):
        if t is not None and t.requires_grad:
            assert_close(e.grad, t.grad, f"input {i}")
    torch_params = dict(torch_layer.named_parameters())
    ember_params = dict(ember_layer.named_parameters())
    assert list(ember_params) == list(torch_params)
    for name, t in torch_params.items():
        assert_close(ember_params[name].grad, t.grad, name)
    torch_layer.zero_grad()
    ember_layer.zero_grad()


def check_layer(torch_layer, ember_layer, *arrays, requires_grad=None, seed=0):
    """Run both layers on ``arrays`` and compare outputs, then the gradients of the
    inputs and of every parameter after backward of a random-cotangent-weighted sum.

    Floating arrays require grad unless ``requires_grad`` (one bool per array) says not.
    """
    if requires_grad is None:
        requires_grad = [np.asarray(a).dtype.kind == "f" for a in arrays]
    pairs = [
        (torch.tensor(a, requires_grad=r), ember.tensor(a, requires_grad=r))
        for a, r in zip(arrays, requires_grad, strict=True)
    ]
    torch_out = torch_layer(*(t for t, _ in pairs))
    ember_out = ember_layer(*(e for _, e in pairs))
    compare_outputs_and_gradients(
        torch_layer, ember_layer, [(torch_out, ember_out)], pairs, seed=seed
    )
    return ember_out


def check_train_and_eval(torch_layer, ember_layer, *arrays, **kwargs):
    """``check_layer`` in training mode, then in evaluation mode."""
    for training in (True, False):
        torch_layer.train(training)
        ember_layer.train(training)
        check_layer(torch_layer, ember_layer, *arrays, **kwargs)


def run_both(torch_layer, ember_layer, arrays, seed=0, **kwargs):
    """Call both layers on ``arrays`` (float, requiring grad; passing one array several
    times passes one tensor several times) and keyword arguments (arrays become tensors
    without grad); compare every output, then the gradients of the inputs and of every
    parameter after backward of a random-cotangent-weighted sum of the outputs."""
    made = {}
    for a in arrays:
        if id(a) not in made:
            made[id(a)] = (
                torch.tensor(a, requires_grad=True),
                ember.tensor(a, requires_grad=True),
            )
    torch_in = [made[id(a)][0] for a in arrays]
    ember_in = [made[id(a)][1] for a in arrays]
    torch_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    ember_kw = {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    torch_out = torch_layer(*torch_in, **torch_kw)
    ember_out = ember_layer(*ember_in, **ember_kw)
    if not isinstance(torch_out, tuple):
        torch_out, ember_out = (torch_out,), (ember_out,)
    outputs = list(zip(torch_out, ember_out, strict=True))
    compare_outputs_and_gradients(torch_layer, ember_layer, outputs, made.values(), seed=seed)
    return ember_out


def check_state(torch_layer, ember_layer):
    """The state dicts hold the same keys, in order, with the same dtypes and values."""
    torch_state, ember_state = torch_layer.state_dict(), ember_layer.state_dict()
    assert list(ember_state) == list(torch_state)
    for key, value in torch_state.items():
        assert ember_state[key].dtype.np == value.numpy().dtype, key
        np.testing.assert_allclose(
            ember_state[key].numpy(), value.numpy(), rtol=RTOL, atol=ATOL, err_msg=key
        )


def assert_uniform(values, bound):
    """``values`` look like draws from U(-bound, bound): inside it, reaching near its
    ends, with mean and second moment within 5 standard errors."""
    values = np.asarray(values, dtype=np.float64).ravel()
    n = values.size
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > bound * (1 - 20 / n)
    assert abs(values.mean()) < 5 * bound / math.sqrt(3 * n)
    # U(-b, b): E[x^2] = b^2 / 3 and Var[x^2] = 4 b^4 / 45.
    assert abs((values**2).mean() - bound**2 / 3) < 5 * bound**2 * math.sqrt(4 / (45 * n))


def assert_normal(values, std):
    """``values`` look like draws from N(0, std²): mean and second moment within 5
    standard errors, and no value beyond 6 std."""
    values = np.asarray(values, dtype=np.float64).ravel()
    n = values.size
    assert abs(values.mean()) < 5 * std / math.sqrt(n)
    assert abs((values**2).mean() - std**2) < 5 * std**2 * math.sqrt(2 / n)
    assert np.abs(values).max() < 6 * std


def error_message(call, error=ShapeError):
    """The message of the ``error`` that ``call()`` raises."""
    with pytest.raises(error) as info:
        call()
    return str(info.value)
