"""Convolution layers against torch.nn: state dicts, outputs and gradients (every padding
mode, groups, dilation, strides, unbatched inputs, output_size), reprs, default
initialisation and the errors users see."""

import math

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.errors import ShapeError
from tests.nn.layers.helpers import (
    assert_uniform,
    build,
    check_train_and_eval,
    error_message,
    randn,
)

CONV = [
    ("Conv1d", (2, 4, 3), {}, (2, 2, 7)),
    ("Conv1d", (4, 4, 3), {"stride": 2, "padding": 1, "groups": 2, "bias": False}, (2, 4, 7)),
    ("Conv1d", (2, 3, 3), {"padding": "same", "dilation": 2}, (2, 2, 7)),
    ("Conv1d", (2, 3, 4), {"padding": "same", "padding_mode": "reflect"}, (2, 2, 7)),
    ("Conv1d", (2, 3, 3), {"padding": 2, "padding_mode": "replicate"}, (2, 7)),
    ("Conv1d", (2, 3, 3), {"padding": "valid", "padding_mode": "circular"}, (2, 2, 5)),
    ("Conv2d", (3, 4, 3), {}, (2, 3, 6, 6)),
    (
        "Conv2d",
        (4, 6, (3, 2)),
        {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2), "groups": 2},
        (2, 4, 6, 7),
    ),
    ("Conv2d", (3, 2, 4), {"padding": "same", "padding_mode": "circular"}, (2, 3, 5, 6)),
    ("Conv2d", (3, 2, 3), {"padding": 1, "padding_mode": "reflect", "stride": 2}, (2, 3, 6, 5)),
    ("Conv2d", (3, 2, (2, 3)), {"padding": (1, 2), "padding_mode": "replicate"}, (3, 5, 5)),
    ("Conv2d", (3, 3, 3), {"groups": 3, "padding": "same", "bias": False}, (3, 5, 5)),
    ("Conv3d", (2, 3, 2), {}, (2, 2, 3, 4, 4)),
    ("Conv3d", (2, 2, 3), {"padding": 1, "padding_mode": "replicate", "stride": 2}, (2, 4, 3, 4)),
    ("Conv3d", (2, 4, (1, 3, 3)), {"padding": "same", "groups": 2}, (1, 2, 3, 3, 4)),
]


@pytest.mark.parametrize("name, args, kwargs, shape", CONV, ids=str)
def test_conv_matches_torch(name, args, kwargs, shape):
    torch_layer, ember_layer = build(name, *args, **kwargs)
    assert repr(ember_layer) == repr(torch_layer)
    assert ember_layer._reversed_padding_repeated_twice == list(
        torch_layer._reversed_padding_repeated_twice
    )
    check_train_and_eval(torch_layer, ember_layer, randn(*shape))


CONV_TRANSPOSE = [
    ("ConvTranspose1d", (3, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 3, 5)),
    ("ConvTranspose1d", (4, 4, 3), {"groups": 2, "dilation": 2, "bias": False}, (2, 4, 4)),
    ("ConvTranspose1d", (2, 3, 2), {"stride": 3}, (2, 4)),
    ("ConvTranspose2d", (3, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (2, 3, 4, 4)),
    (
        "ConvTranspose2d",
        (4, 2, (2, 3)),
        {"stride": (2, 1), "groups": 2, "dilation": (1, 2), "padding": (0, 1)},
        (2, 4, 3, 4),
    ),
    ("ConvTranspose2d", (2, 3, 3), {"stride": 2, "output_padding": (1, 0)}, (2, 3, 3)),
    ("ConvTranspose3d", (2, 2, 2), {"stride": 2}, (1, 2, 2, 3, 3)),
    ("ConvTranspose3d", (2, 4, 3), {"padding": 1, "groups": 2, "bias": False}, (2, 2, 3, 3)),
]


@pytest.mark.parametrize("name, args, kwargs, shape", CONV_TRANSPOSE, ids=str)
def test_conv_transpose_matches_torch(name, args, kwargs, shape):
    torch_layer, ember_layer = build(name, *args, **kwargs)
    assert repr(ember_layer) == repr(torch_layer)
    check_train_and_eval(torch_layer, ember_layer, randn(*shape))


@pytest.mark.parametrize("output_size", [(8, 8), (7, 8), [2, 2, 8, 7], (7, 7)], ids=str)
def test_conv_transpose_output_size_matches_torch(output_size):
    torch_layer, ember_layer = build("ConvTranspose2d", 3, 2, 3, stride=2, padding=1)
    x = randn(2, 3, 4, 4)
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    expected, out = torch_layer(tx, output_size), ember_layer(ex, output_size=output_size)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    cotangent = randn(*expected.shape, seed=1)
    (expected * torch.tensor(cotangent)).sum().backward()
    (out * ember.tensor(cotangent)).sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
    unbatched = ember_layer(ember.tensor(x[0]), output_size=output_size[-2:])
    assert unbatched.shape == (2, *output_size[-2:])


def test_conv_transpose_output_size_out_of_range():
    model = nn.Sequential(nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1))
    x = ember.ones(1, 3, 4, 4)
    for output_size in [(9, 7), (6, 7), (7,), (1, 2, 7, 7, 7)]:
        message = error_message(lambda size=output_size: model[0](x, output_size=size))
        assert f"got input of shape (1, 3, 4, 4) and output_size {output_size}" in message
        assert "valid output sizes range from (7, 7) to (8, 8)" in message
        assert "(called from test_conv.py:" in message


@pytest.mark.parametrize(
    "name, args, weight_shape, fan_in",
    [
        ("Conv2d", (64, 32, 3), (32, 64, 3, 3), 576),
        ("Conv1d", (48, 64, 5), (64, 48, 5), 240),
        ("Conv2d", (32, 64, 3, 1, 0, 1, 4), (64, 8, 3, 3), 72),
        ("ConvTranspose2d", (32, 64, 3, 1, 0, 0, 2), (32, 32, 3, 3), 288),
        ("Conv3d", (16, 32, 3), (32, 16, 3, 3, 3), 432),
    ],
    ids=str,
)
def test_default_initialisation_is_torchs(name, args, weight_shape, fan_in):
    torch.manual_seed(0)
    reference = getattr(torch.nn, name)(*args)
    layer = getattr(nn, name)(*args)
    assert layer.weight.shape == tuple(reference.weight.shape) == weight_shape
    bound = 1 / math.sqrt(fan_in)
    for values in (layer.weight.detach().numpy(), reference.weight.detach().numpy()):
        assert_uniform(values, bound)
    biases = [getattr(nn, name)(*args).bias.detach().numpy() for _ in range(40)]
    assert_uniform(np.concatenate(biases), bound)


def test_parameters_follow_dtype_and_the_seed():
    layer = nn.Conv2d(2, 4, 3, dtype=ember.float64)
    assert layer.weight.dtype == layer.bias.dtype == ember.float64
    ember.manual_seed(1)
    first = nn.ConvTranspose1d(2, 3, 2).weight.detach().numpy()
    ember.manual_seed(1)
    np.testing.assert_array_equal(first, nn.ConvTranspose1d(2, 3, 2).weight.detach().numpy())
    with pytest.raises(ValueError, match="device 'cuda:0' is not available"):
        nn.Conv1d(2, 3, 2, device="cuda:0")


def test_attributes_are_torchs():
    layer, reference = nn.Conv2d(4, 6, 3, groups=2), torch.nn.Conv2d(4, 6, 3, groups=2)
    for name in [
        "in_channels",
        "out_channels",
        "kernel_size",
        "stride",
        "padding",
        "dilation",
        "transposed",
        "output_padding",
        "groups",
        "padding_mode",
    ]:
        assert getattr(layer, name) == getattr(reference, name), name
    transposed = nn.ConvTranspose2d(4, 6, 3, output_padding=(0, 0))
    assert transposed.transposed and transposed.output_padding == (0, 0)
    assert nn.Conv1d(2, 2, [3]).kernel_size == (3,)


@pytest.mark.parametrize(
    "layer, shape, expected",
    [
        (
            nn.Conv2d(3, 8, 3),
            (8, 1, 28, 28),
            "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1)) in model.0.1 got input of shape "
            "(8, 1, 28, 28): expected 3 channels in dimension 1, got 1",
        ),
        (
            nn.Conv2d(3, 8, 3),
            (3, 28),
            "got input of shape (3, 28): expected a 4-D (N, C, H, W) input or an unbatched "
            "3-D (C, H, W) one",
        ),
        (
            nn.Conv1d(2, 4, 3),
            (3, 5),
            "got input of shape (3, 5): expected 2 channels in dimension 0, got 3",
        ),
        (
            nn.Conv3d(2, 4, 3),
            (1, 2, 4, 4),
            "got input of shape (1, 2, 4, 4): expected 2 channels in dimension 0, got 1",
        ),
        (
            nn.ConvTranspose2d(4, 2, 3),
            (2, 2, 5, 5),
            "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(1, 1)) in model.0.1 got input of "
            "shape (2, 2, 5, 5): expected 4 channels in dimension 1, got 2",
        ),
        (
            nn.ConvTranspose1d(4, 2, 3),
            (1, 1, 4, 5),
            "expected a 3-D (N, C, L) input or an unbatched 2-D (C, L) one",
        ),
    ],
    ids=lambda v: v if isinstance(v, tuple) else None,
)
def test_input_errors_name_the_path(layer, shape, expected):
    model = nn.Sequential(nn.Sequential(nn.Identity(), layer))
    message = error_message(lambda: model(ember.ones(*shape)))
    assert expected in message
    assert " in model.0.1 got input" in message
    assert "(called from test_conv.py:" in message


def test_a_kernel_larger_than_the_input_is_an_error_of_the_layer():
    model = nn.Sequential(nn.Conv2d(1, 1, 5))
    message = error_message(lambda: model(ember.ones(1, 1, 3, 3)))
    assert "(in model.0: Conv2d(1, 1, kernel_size=(5, 5), stride=(1, 1)))" in message


@pytest.mark.parametrize(
    "build_layer, match",
    [
        (lambda: nn.Conv2d(3, 4, 3, groups=2), "in_channels must be divisible by groups"),
        (lambda: nn.Conv2d(4, 3, 3, groups=2), "out_channels must be divisible by groups"),
        (lambda: nn.Conv2d(4, 4, 3, groups=0), "groups must be a positive integer"),
        (lambda: nn.Conv1d(2, 2, 3, padding="full"), "Invalid padding string 'full'"),
        (lambda: nn.Conv1d(2, 2, 3, padding="same", stride=2), "not supported for strided"),
        (lambda: nn.Conv2d(2, 2, 3, padding_mode="mirror"), "padding_mode must be one of"),
        (lambda: nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect"), 'Only "zeros" padding'),
        (lambda: nn.Conv2d(2, 2, (3, 3, 3)), r"kernel_size must be an int or 2 ints"),
    ],
)
def test_constructor_errors(build_layer, match):
    with pytest.raises(ValueError, match=match):
        build_layer()


def test_conv_forward_with_other_weights():
    # Subclasses (weight standardisation, spectral norm) call _conv_forward with their own.
    layer = nn.Conv1d(1, 1, 2, bias=False)
    out = layer._conv_forward(ember.ones(1, 1, 3), ember.ones(1, 1, 2), None)
    assert out.tolist() == [[[2.0, 2.0]]]
    with pytest.raises(ShapeError):
        layer._conv_forward(ember.ones(1, 2, 3), ember.ones(1, 1, 2), None)
