"""Activation layers against torch.nn: outputs and gradients in float64, reprs, in-place
forms, PReLU's parameter, softmax's legacy dim, and the errors users see."""

import warnings

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.errors import ShapeError
from tests.nn.layers.helpers import build, check_layer

LAYERS = [
    ("ReLU", (), {}),
    ("ReLU", (), {"inplace": True}),
    ("ReLU6", (), {}),
    ("ReLU6", (True,), {}),
    ("LeakyReLU", (), {}),
    ("LeakyReLU", (0.2, True), {}),
    ("ELU", (), {}),
    ("ELU", (0.5,), {"inplace": True}),
    ("SELU", (), {}),
    ("CELU", (), {}),
    ("CELU", (), {"alpha": 2.0}),
    ("GELU", (), {}),
    ("GELU", (), {"approximate": "tanh"}),
    ("SiLU", (), {}),
    ("Mish", (), {"inplace": True}),
    ("Softplus", (), {}),
    ("Softplus", (2.0, 3.0), {}),
    ("Softsign", (), {}),
    ("Hardtanh", (), {}),
    ("Hardtanh", (-2.0, 3.0, True), {}),
    ("Hardsigmoid", (), {}),
    ("Hardsigmoid", (True,), {}),
    ("Hardswish", (), {}),
    ("Hardswish", (), {"inplace": True}),
    ("PReLU", (), {}),
    ("PReLU", (3, 0.1), {}),
    ("Sigmoid", (), {}),
    ("Tanh", (), {}),
    ("LogSigmoid", (), {}),
    ("Softmax", (), {"dim": 1}),
    ("Softmax", (-1,), {}),
    ("LogSoftmax", (0,), {}),
    ("LogSoftmax", (), {"dim": 2}),
    ("Softmin", (1,), {}),
    ("GLU", (), {}),
    ("GLU", (0,), {}),
]
IDS = [f"{name}-{args}-{kwargs}" for name, args, kwargs in LAYERS]


def randn(*shape, seed=0):
    # Scaled so that every branch of the piecewise functions (|x| > 3 too) is reached.
    return np.random.default_rng(seed).standard_normal(shape) * 3.0


def test_every_functional_activation_has_a_layer():
    assert set(nn.layers.activation.__all__) == {name for name, _, _ in LAYERS}


@pytest.mark.parametrize("name, args, kwargs", LAYERS, ids=IDS)
def test_matches_torch_out_of_place(name, args, kwargs):
    torch_layer, ember_layer = build(name, *args, **kwargs)
    assert repr(ember_layer) == repr(torch_layer)
    # Out of place on leaves (in-place layers are checked below), in train and eval.
    torch_layer.inplace = ember_layer.inplace = False
    if name == "PReLU":
        with torch.no_grad():
            torch_layer.weight.copy_(torch.linspace(-0.5, 0.5, torch_layer.weight.numel()))
        ember_layer.load_state_dict(torch_layer.state_dict())
    for mode in (True, False):
        torch_layer.train(mode)
        ember_layer.train(mode)
        check_layer(torch_layer, ember_layer, randn(2, 3, 4, seed=int(mode)))


INPLACE = [
    (name, args, kwargs)
    for name, args, kwargs in LAYERS
    if any(a is True for a in args) or kwargs.get("inplace")
]


@pytest.mark.parametrize("name, args, kwargs", INPLACE, ids=[f"{n}-{a}-{k}" for n, a, k in INPLACE])
def test_inplace_layers_write_into_their_input(name, args, kwargs):
    values = randn(3, 4)
    torch_x, ember_x = torch.tensor(values), ember.tensor(values)
    torch_out = getattr(torch.nn, name)(*args, **kwargs)(torch_x)
    ember_out = getattr(nn, name)(*args, **kwargs)(ember_x)
    np.testing.assert_allclose(ember_out.numpy(), torch_out.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ember_x.numpy(), torch_x.numpy(), rtol=1e-12)
    assert ember_out is ember_x


def test_inplace_layer_differentiates_through_a_non_leaf():
    values = randn(2, 5)
    torch_x = torch.tensor(values, requires_grad=True)
    ember_x = ember.tensor(values, requires_grad=True)
    torch_out = torch.nn.ELU(0.5, inplace=True)(torch_x * 2)
    ember_out = nn.ELU(0.5, inplace=True)(ember_x * 2)
    (torch_out * torch_out).sum().backward()
    (ember_out * ember_out).sum().backward()
    np.testing.assert_allclose(ember_x.grad.numpy(), torch_x.grad.numpy(), rtol=1e-10)


def test_prelu_parameter_initialisation_and_dtype():
    torch_layer, ember_layer = torch.nn.PReLU(4, init=0.3), nn.PReLU(4, init=0.3)
    assert list(ember_layer.state_dict()) == ["weight"]
    assert ember_layer.weight.shape == (4,) and ember_layer.weight.dtype is ember.float32
    np.testing.assert_array_equal(ember_layer.weight.tolist(), torch_layer.weight.tolist())
    ember_layer.weight.data[...] = 1.0
    ember_layer.reset_parameters()
    np.testing.assert_array_equal(ember_layer.weight.tolist(), torch_layer.weight.tolist())
    assert nn.PReLU(dtype=ember.float64).weight.dtype is ember.float64
    with pytest.raises(ValueError, match="cuda"):
        nn.PReLU(device="cuda")


def test_prelu_channel_error_names_the_path():
    model = nn.Sequential(nn.ReLU(), nn.PReLU(3))
    with pytest.raises(ShapeError) as info:
        model(ember.ones(2, 4))
    message = str(info.value)
    assert "(2, 4)" in message and "3 channels" in message
    assert "model.1" in message and "test_activation.py" in message


@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax", "Softmin"])
@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4), (2, 3, 2, 2)])
def test_softmax_without_dim_uses_torchs_legacy_choice(name, shape):
    values = randn(*shape)
    with pytest.warns(UserWarning, match="Implicit dimension choice") as record:
        ember_out = getattr(nn, name)()(ember.tensor(values))
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch_out = getattr(torch.nn, name)()(torch.tensor(values))
    np.testing.assert_allclose(ember_out.numpy(), torch_out.numpy(), rtol=1e-12)


def test_hardtanh_arguments():
    with pytest.raises(ValueError, match="max_val"):
        nn.Hardtanh(1.0, 1.0)
    with pytest.warns(FutureWarning, match="min_value"):
        layer = nn.Hardtanh(min_value=-2.0)
    assert layer.min_val == -2.0
    relu6 = nn.ReLU6()
    assert isinstance(relu6, nn.Hardtanh) and (relu6.min_val, relu6.max_val) == (0.0, 6.0)


def test_errors_from_the_functions_name_the_layer_and_path():
    model = nn.Sequential(nn.GLU(dim=1))
    with pytest.raises(ShapeError) as info:
        model(ember.ones(2, 3))
    message = str(info.value)
    assert "odd size 3" in message and "model.0" in message and "GLU(dim=1)" in message
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")(ember.ones(2))
