"""Pooling layers against torch.nn: outputs and gradients (strides, padding, dilation,
ceil_mode, divisors, adaptive windows, unbatched inputs), indices and unpooling, reprs
and the errors users see."""

import numpy as np
import pytest
import torch

import ember
from ember import nn
from tests.nn.layers.helpers import build, check_train_and_eval, error_message, randn

POOLS = [
    ("MaxPool1d", (2,), {}, (2, 3, 7)),
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 8)),
    ("MaxPool1d", (2, 1, 0, 2), {}, (3, 7)),
    ("MaxPool2d", (2,), {}, (2, 3, 6, 6)),
    ("MaxPool2d", ((3, 2), (2, 1), (1, 0)), {"ceil_mode": True}, (2, 2, 7, 5)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "dilation": 2}, (3, 7, 7)),
    ("AvgPool1d", (3,), {}, (2, 3, 7)),
    (
        "AvgPool1d",
        (3, 2, 1),
        {"ceil_mode": True, "count_include_pad": False},
        (2, 3, 8),
    ),
    ("AvgPool1d", (2,), {"stride": 1}, (3, 5)),
    ("AvgPool2d", (2,), {}, (2, 3, 6, 6)),
    ("AvgPool2d", (3, 2, 1), {"count_include_pad": False, "ceil_mode": True}, (2, 2, 6, 7)),
    ("AvgPool2d", ((2, 3),), {"stride": 1, "padding": 1, "divisor_override": 4}, (3, 5, 5)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 7)),
    ("AdaptiveAvgPool1d", (1,), {}, (3, 5)),
    ("AdaptiveAvgPool2d", ((3, 2),), {}, (2, 3, 7, 5)),
    ("AdaptiveAvgPool2d", ((None, 3),), {}, (2, 2, 4, 7)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 5, 6)),
    ("AdaptiveAvgPool2d", (2,), {}, (3, 6, 6)),
    ("AdaptiveMaxPool1d", (3,), {}, (2, 3, 7)),
    ("AdaptiveMaxPool2d", ((3, 2),), {}, (2, 3, 7, 5)),
    ("AdaptiveMaxPool2d", (2,), {}, (2, 2, 6, 6)),
    ("AdaptiveMaxPool2d", ((2, None),), {}, (3, 5, 4)),
]


@pytest.mark.parametrize("name, args, kwargs, shape", POOLS, ids=str)
def test_pool_matches_torch(name, args, kwargs, shape):
    torch_layer, ember_layer = build(name, *args, **kwargs)
    assert repr(ember_layer) == repr(torch_layer)
    check_train_and_eval(torch_layer, ember_layer, randn(*shape))


@pytest.mark.parametrize(
    "name, args, shape",
    [
        ("MaxPool1d", (3, 2, 1), (2, 3, 8)),
        ("MaxPool2d", (2,), (2, 3, 6, 6)),
        ("MaxPool2d", ((3, 2), 1, (1, 0)), (3, 5, 4)),
        ("AdaptiveMaxPool1d", (3,), (2, 3, 7)),
        ("AdaptiveMaxPool2d", ((3, 2),), (2, 3, 7, 5)),
    ],
    ids=str,
)
def test_return_indices_matches_torch(name, args, shape):
    torch_layer, ember_layer = build(name, *args, return_indices=True)
    x = randn(*shape)
    values, indices = ember_layer(ember.tensor(x))
    expected_values, expected_indices = torch_layer(torch.tensor(x))
    np.testing.assert_allclose(values.numpy(), expected_values.numpy(), rtol=1e-6)
    assert indices.dtype == ember.int64
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())


@pytest.mark.parametrize(
    "name, args, shape",
    [
        ("MaxUnpool1d", (2,), (2, 3, 8)),
        ("MaxUnpool1d", (3, 2, 1), (3, 9)),
        ("MaxUnpool2d", (2,), (2, 3, 6, 6)),
        ("MaxUnpool2d", ((3, 2), (2, 1), (1, 0)), (2, 2, 7, 5)),
        ("MaxUnpool2d", (2,), (3, 4, 6)),
    ],
    ids=str,
)
def test_max_unpool_matches_torch(name, args, shape):
    pool = getattr(torch.nn, name.replace("Unpool", "Pool"))(*args, return_indices=True)
    values, indices = pool(torch.tensor(randn(*shape)))
    torch_layer, ember_layer = build(name, *args)
    assert repr(ember_layer) == repr(torch_layer)
    check_train_and_eval(torch_layer, ember_layer, values.numpy(), indices.numpy())


def test_max_unpool_output_size_matches_torch():
    pool = torch.nn.MaxPool2d(2, return_indices=True)
    values, indices = pool(torch.tensor(randn(2, 3, 7, 5)))
    torch_layer, ember_layer = build("MaxUnpool2d", 2)
    for size in [(7, 5), [2, 3, 7, 5]]:
        out = ember_layer(ember.tensor(values.numpy()), ember.tensor(indices.numpy()), size)
        expected = torch_layer(values, indices, size)
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_pool_round_trip_in_a_model():
    pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    x = ember.tensor(randn(1, 2, 4, 4))
    restored = unpool(*pool(x))
    kept = restored.numpy() != 0
    assert kept.sum() == 8
    np.testing.assert_array_equal(restored.numpy()[kept], x.numpy()[kept])


def test_attributes_are_torchs():
    for name, args in [
        ("MaxPool2d", (3,)),
        ("MaxPool1d", (3, 2)),
        ("AvgPool1d", (3,)),
        ("AvgPool2d", ((2, 3), None, 1)),
        ("MaxUnpool2d", (2,)),
        ("AdaptiveMaxPool2d", ((2, None),)),
    ]:
        layer, reference = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
        for attribute in ["kernel_size", "stride", "padding", "dilation", "output_size"]:
            assert getattr(layer, attribute, None) == getattr(reference, attribute, None), (
                name,
                attribute,
            )
        assert list(layer.state_dict()) == []


@pytest.mark.parametrize(
    "layer, shape, expected",
    [
        (
            nn.MaxPool2d(2),
            (4, 4),
            "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False) in "
            "model.1 got input of shape (4, 4): expected a 4-D (N, C, H, W) input or an "
            "unbatched 3-D (C, H, W) one",
        ),
        (
            nn.MaxPool1d(2),
            (1, 2, 4, 4),
            "got input of shape (1, 2, 4, 4): expected a 3-D (N, C, L) input or an unbatched "
            "2-D (C, L) one",
        ),
        (nn.AvgPool1d(2), (4,), "got input of shape (4,): expected a 3-D (N, C, L) input"),
        (nn.AvgPool2d(2), (1, 1, 1, 4, 4), "expected a 4-D (N, C, H, W) input"),
        (nn.AdaptiveAvgPool2d(2), (4, 4), "expected a 4-D (N, C, H, W) input"),
        (nn.AdaptiveAvgPool1d(2), (4,), "expected a 3-D (N, C, L) input"),
        (nn.AdaptiveMaxPool2d(2), (4,), "expected a 4-D (N, C, H, W) input"),
        (nn.AdaptiveMaxPool1d(2), (2, 2, 2, 2), "expected a 3-D (N, C, L) input"),
    ],
    ids=lambda v: v if isinstance(v, tuple) else None,
)
def test_input_rank_errors_name_the_path(layer, shape, expected):
    model = nn.Sequential(nn.Identity(), layer)
    message = error_message(lambda: model(ember.ones(*shape)))
    assert expected in message
    assert " in model.1 got input" in message
    assert "(called from test_pooling.py:" in message


def test_unpool_rank_error_and_window_errors_name_the_layer():
    message = error_message(lambda: nn.MaxUnpool2d(2)(ember.ones(4, 4), ember.ones(4, 4)))
    assert message.startswith(
        "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)) in model got input of "
        "shape (4, 4)"
    )
    model = nn.Sequential(nn.MaxPool2d(5))
    message = error_message(lambda: model(ember.ones(1, 1, 3, 3)))
    assert message.startswith("max_pool2d:")
    assert message.endswith(
        "(in model.0: MaxPool2d(kernel_size=5, stride=5, padding=0, dilation=1, ceil_mode=False))"
    )
