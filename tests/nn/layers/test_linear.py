"""Identity, Linear and Bilinear against torch.nn: state dicts, outputs and gradients in
train and eval mode, reprs, default initialisation, dtype/device arguments and errors."""

import math

import numpy as np
import pytest
import torch

import ember
from ember import nn
from tests.nn.layers.helpers import (
    assert_uniform,
    build,
    check_train_and_eval,
    error_message,
    randn,
)

# ------------------------------------------------------------------- Linear
LINEAR = [
    ((3, 4), {}, (2, 3)),
    ((5, 2), {"bias": False}, (2, 3, 5)),
    ((4, 1), {}, (4,)),
    ((3, 6, True), {}, (1, 2, 2, 3)),
]


@pytest.mark.parametrize("args, kwargs, shape", LINEAR, ids=str)
def test_linear_matches_torch(args, kwargs, shape):
    torch_layer, ember_layer = build("Linear", *args, **kwargs)
    assert repr(ember_layer) == repr(torch_layer)
    check_train_and_eval(torch_layer, ember_layer, randn(*shape))


def test_linear_attributes_and_parameter_shapes():
    layer = nn.Linear(3, 5)
    assert (layer.in_features, layer.out_features) == (3, 5)
    assert layer.weight.shape == (5, 3)
    assert layer.bias.shape == (5,)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    no_bias = nn.Linear(3, 5, bias=False)
    assert no_bias.bias is None
    assert list(no_bias.state_dict()) == ["weight"]


def test_linear_default_initialisation_is_torchs():
    torch.manual_seed(0)
    reference = torch.nn.Linear(500, 400)
    layer = nn.Linear(500, 400)
    bound = 1 / math.sqrt(500)
    for values in (layer.weight.detach().numpy(), reference.weight.detach().numpy()):
        assert_uniform(values, bound)
    biases = [nn.Linear(500, 40).bias.detach().numpy() for _ in range(25)]
    assert_uniform(np.concatenate(biases), bound)


def test_linear_reset_parameters_follows_the_seed():
    ember.manual_seed(3)
    first = nn.Linear(4, 3)
    ember.manual_seed(3)
    second = nn.Linear(4, 3)
    np.testing.assert_array_equal(first.weight.detach().numpy(), second.weight.detach().numpy())
    np.testing.assert_array_equal(first.bias.detach().numpy(), second.bias.detach().numpy())
    before = first.weight.detach().numpy().copy()
    first.reset_parameters()
    assert not np.array_equal(first.weight.detach().numpy(), before)


def test_dtype_and_device_arguments():
    layer = nn.Linear(2, 3, dtype=ember.float64, device="cpu")
    assert layer.weight.dtype == ember.float64
    assert layer.bias.dtype == ember.float64
    assert nn.Bilinear(2, 2, 1, dtype=ember.float64).weight.dtype == ember.float64
    assert nn.Linear(2, 3).weight.dtype == ember.float32
    with pytest.raises(ValueError, match="device 'cuda' is not available"):
        nn.Linear(2, 3, device="cuda")


def test_linear_input_error_names_the_path_and_line():
    model = nn.Sequential(nn.Identity(), nn.Linear(4, 3))
    message = error_message(lambda: model(ember.ones(2, 5)))
    assert message.startswith(
        "Linear(in_features=4, out_features=3, bias=True) in model.1 got input of shape "
        "(2, 5): the last dimension must be 4 (called from test_linear.py:"
    )
    assert message.count("(in model") == 0
    message = error_message(lambda: model(ember.tensor(1.0)))
    assert "got input of shape (): the last dimension must be 4" in message


# ----------------------------------------------------------------- Bilinear
BILINEAR = [
    ((3, 4, 2), {}, (5, 3), (5, 4)),
    ((2, 3, 4), {"bias": False}, (2, 3, 2), (2, 3, 3)),
    ((3, 2, 1), {}, (3,), (2,)),
]


@pytest.mark.parametrize("args, kwargs, shape1, shape2", BILINEAR, ids=str)
def test_bilinear_matches_torch(args, kwargs, shape1, shape2):
    torch_layer, ember_layer = build("Bilinear", *args, **kwargs)
    assert repr(ember_layer) == repr(torch_layer)
    check_train_and_eval(torch_layer, ember_layer, randn(*shape1), randn(*shape2, seed=1))


def test_bilinear_default_initialisation_is_torchs():
    torch.manual_seed(0)
    reference = torch.nn.Bilinear(30, 20, 40)
    layer = nn.Bilinear(30, 20, 40)
    assert layer.weight.shape == (40, 30, 20)
    bound = 1 / math.sqrt(30)
    for values in (layer.weight.detach().numpy(), reference.weight.detach().numpy()):
        assert_uniform(values, bound)
    assert_uniform(
        np.concatenate([nn.Bilinear(30, 2, 40).bias.detach().numpy() for _ in range(25)]), bound
    )


class _Pair(nn.Module):
    """A model whose ``head`` takes two inputs, which a Sequential cannot pass."""

    def __init__(self, head):
        super().__init__()
        self.head = head

    def forward(self, first, second):
        return self.head(first, second)


def test_bilinear_input_errors():
    model = _Pair(nn.Bilinear(3, 4, 2))
    for first, second in [((5, 3), (5, 3)), ((5, 4), (5, 4)), ((2, 3), (3, 4)), ((), (4,))]:
        message = error_message(lambda a=first, b=second: model(ember.ones(*a), ember.ones(*b)))
        assert message.startswith(
            f"Bilinear(in1_features=3, in2_features=4, out_features=2, bias=True) in model.head "
            f"got inputs of shapes {first} and {second}: expected (*, 3) and (*, 4) with the "
            "same leading dimensions (called from test_linear.py:"
        )


# ----------------------------------------------------------------- Identity
def test_identity_returns_its_input_and_ignores_arguments():
    layer = nn.Identity(54, unused_argument1=0.1, unused_argument2=False)
    x = ember.ones(2, 3)
    assert layer(x) is x
    assert repr(layer) == repr(torch.nn.Identity(54, unused=1)) == "Identity()"
    assert list(layer.state_dict()) == []
