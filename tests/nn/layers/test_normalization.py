"""Normalization layers against torch.nn: state dicts, running statistics over several
training steps, train and eval outputs and gradients, reprs, initialisation and errors."""

import numpy as np
import pytest
import torch

import ember
from ember import nn
from tests.nn.layers.helpers import build, check_layer, check_state, error_message, randn


def error_from(layer, input):
    """The error raised by ``layer`` inside a Sequential, as ``model.0``."""
    return error_message(lambda: nn.Sequential(layer)(ember.tensor(input)))


def check_steps_then_eval(torch_layer, ember_layer, channels, shape, steps, eval_seed):
    """Give the layers non-trivial affine parameters (if any, so that their gradients are
    tested), then compare outputs, gradients and state after each of ``steps`` training
    steps on inputs of ``shape`` with shifting statistics, and after one step in eval mode."""
    if torch_layer.weight is not None:
        with torch.no_grad():
            torch_layer.weight.copy_(torch.tensor(randn(channels, seed=7, shift=1.0)))
            if torch_layer.bias is not None:
                torch_layer.bias.copy_(torch.tensor(randn(channels, seed=8)))
        ember_layer.load_state_dict(torch_layer.state_dict())
    for step in range(steps):
        check_layer(torch_layer, ember_layer, randn(*shape, seed=step, scale=2.0, shift=step))
        check_state(torch_layer, ember_layer)
    torch_layer.eval()
    ember_layer.eval()
    check_layer(torch_layer, ember_layer, randn(*shape, seed=eval_seed))
    check_state(torch_layer, ember_layer)


# ----------------------------------------------------------------- batch norm
BATCH_NORM = [
    ("BatchNorm1d", (2, 3), {}),
    ("BatchNorm1d", (4, 3, 5), {"momentum": None}),
    ("BatchNorm1d", (4, 3), {"affine": False}),
    ("BatchNorm2d", (2, 3, 4, 5), {"eps": 1e-3, "momentum": 0.3}),
    ("BatchNorm2d", (2, 2, 3, 3), {"bias": False}),
    ("BatchNorm2d", (2, 3, 3, 3), {"track_running_stats": False}),
    ("BatchNorm3d", (2, 2, 3, 2, 3), {}),
    ("BatchNorm3d", (2, 2, 2, 2, 2), {"momentum": None, "affine": False}),
]


@pytest.mark.parametrize(
    "name, shape, kwargs", BATCH_NORM, ids=[f"{n}-{k}" for n, _, k in BATCH_NORM]
)
def test_batch_norm_running_stats_and_outputs_match_torch(name, shape, kwargs):
    torch_layer, ember_layer = build(name, shape[1], **kwargs)
    assert repr(ember_layer) == repr(torch_layer)
    check_steps_then_eval(torch_layer, ember_layer, shape[1], shape, steps=3, eval_seed=10)
    if kwargs.get("track_running_stats", True):
        assert ember_layer.num_batches_tracked.item() == 3
        assert ember_layer.num_batches_tracked.dtype is ember.int64


def test_batch_norm_buffers_and_parameters_are_torchs():
    torch_layer = torch.nn.BatchNorm2d(4)
    ember_layer = nn.BatchNorm2d(4)
    for key, value in torch_layer.state_dict().items():
        got = ember_layer.state_dict()[key]
        assert got.shape == tuple(value.shape), key
        np.testing.assert_array_equal(got.numpy(), value.numpy())
    assert ember_layer.weight.dtype is ember.float32
    assert [n for n, _ in ember_layer.named_buffers()] == [
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]
    untracked = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert untracked.weight is None and untracked.running_mean is None
    assert list(untracked.state_dict()) == []
    wide = nn.BatchNorm1d(3, dtype=ember.float64)
    assert wide.weight.dtype is ember.float64 and wide.running_var.dtype is ember.float64
    assert wide.num_batches_tracked.dtype is ember.int64
    assert nn.BatchNorm1d(3, device="cpu").weight.shape == (3,)
    with pytest.raises(ValueError, match="cuda"):
        nn.BatchNorm1d(3, device="cuda")


def test_batch_norm_reset_and_double_keep_the_counter():
    layer = nn.BatchNorm1d(2)
    layer(ember.tensor(randn(4, 2, shift=3.0), dtype=ember.float32))
    assert layer.running_mean.abs().sum().item() > 0
    layer.double()
    assert layer.num_batches_tracked.dtype is ember.int64
    layer.reset_parameters()
    assert layer.running_mean.tolist() == [0.0, 0.0]
    assert layer.running_var.tolist() == [1.0, 1.0]
    assert layer.num_batches_tracked.item() == 0


def test_batch_norm_without_tracking_uses_batch_stats_in_eval():
    torch_layer, ember_layer = build("BatchNorm1d", 3, track_running_stats=False)
    torch_layer.eval()
    ember_layer.eval()
    check_layer(torch_layer, ember_layer, randn(5, 3, scale=3.0, shift=1.0))


@pytest.mark.parametrize(
    "layer, shape, expected",
    [
        (nn.BatchNorm1d(3), (2, 3, 4, 4), "expected (N, C) or (N, C, L)"),
        (nn.BatchNorm1d(3), (2, 4), "dimension 1 must be 3 (num_features)"),
        (nn.BatchNorm2d(3), (2, 3, 4), "expected (N, C, H, W)"),
        (nn.BatchNorm3d(3), (2, 2, 4, 4, 4), "dimension 1 must be 3"),
    ],
)
def test_batch_norm_input_errors_name_the_path(layer, shape, expected):
    message = error_from(layer, np.zeros(shape))
    assert expected in message and str(shape) in message
    assert "model.0" in message and "test_normalization.py" in message


# -------------------------------------------------------------- instance norm
INSTANCE_NORM = [
    ("InstanceNorm1d", (2, 3, 5), {}),
    ("InstanceNorm1d", (3, 5), {"affine": True}),
    ("InstanceNorm1d", (2, 3, 4), {"affine": True, "track_running_stats": True}),
    ("InstanceNorm2d", (2, 3, 4, 3), {"affine": True, "eps": 1e-3}),
    ("InstanceNorm2d", (3, 4, 3), {"track_running_stats": True, "momentum": 0.5}),
    ("InstanceNorm3d", (2, 2, 3, 2, 3), {"affine": True, "bias": False}),
]
SPATIAL_DIMS = {"InstanceNorm1d": 1, "InstanceNorm2d": 2, "InstanceNorm3d": 3}


@pytest.mark.parametrize(
    "name, shape, kwargs", INSTANCE_NORM, ids=[f"{n}-{s}-{k}" for n, s, k in INSTANCE_NORM]
)
def test_instance_norm_matches_torch(name, shape, kwargs):
    channels = shape[-1 - SPATIAL_DIMS[name]]
    torch_layer, ember_layer = build(name, channels, **kwargs)
    assert repr(ember_layer) == repr(torch_layer)
    check_steps_then_eval(torch_layer, ember_layer, channels, shape, steps=2, eval_seed=5)


def test_instance_norm_channel_mismatch_warns_without_parameters_and_raises_with():
    with pytest.warns(UserWarning, match="dimension 1 must be 3"):
        nn.InstanceNorm1d(3)(ember.tensor(randn(2, 4, 5)))
    message = error_from(nn.InstanceNorm2d(3, affine=True), np.zeros((2, 4, 5, 5)))
    assert "dimension 1 must be 3" in message and "model.0" in message
    message = error_from(nn.InstanceNorm1d(3), np.zeros((2, 3, 4, 5)))
    assert "expected (C, L) or (N, C, L)" in message and "test_normalization.py" in message


# ----------------------------------------------------------------- layer norm
LAYER_NORM = [
    ((2, 3, 4), 4, {}),
    ((2, 3, 4), [3, 4], {"eps": 1e-3}),
    ((3, 5), (5,), {"bias": False}),
    ((2, 2, 3), 3, {"elementwise_affine": False}),
]


@pytest.mark.parametrize("shape, normalized, kwargs", LAYER_NORM)
def test_layer_norm_matches_torch(shape, normalized, kwargs):
    torch_layer, ember_layer = build("LayerNorm", normalized, **kwargs)
    assert repr(ember_layer) == repr(torch_layer)
    if torch_layer.weight is not None:
        with torch.no_grad():
            torch_layer.weight.copy_(torch.tensor(randn(*torch_layer.weight.shape, shift=1.0)))
        ember_layer.load_state_dict(torch_layer.state_dict())
    check_layer(torch_layer, ember_layer, randn(*shape, scale=3.0))
    torch_layer.eval()
    ember_layer.eval()
    check_layer(torch_layer, ember_layer, randn(*shape, seed=1))


def test_layer_norm_errors_and_dtype():
    assert nn.LayerNorm(4).normalized_shape == (4,)
    assert nn.LayerNorm([2, 3], dtype=ember.float64).weight.dtype is ember.float64
    message = error_from(nn.LayerNorm(4), np.zeros((2, 5)))
    assert "trailing dimensions must be (4,)" in message and "(2, 5)" in message
    assert "model.0" in message and "test_normalization.py" in message
    assert "trailing" in error_from(nn.LayerNorm([2, 3]), np.zeros(3))


# ----------------------------------------------------------------- group norm
GROUP_NORM = [
    ((2, 4, 5), (2, 4), {}),
    ((2, 6, 3, 3), (3, 6), {"eps": 1e-3}),
    ((3, 4), (4, 4), {"affine": False}),
    ((2, 4, 2, 2, 2), (1, 4), {"bias": False}),
]


@pytest.mark.parametrize("shape, args, kwargs", GROUP_NORM)
def test_group_norm_matches_torch(shape, args, kwargs):
    torch_layer, ember_layer = build("GroupNorm", *args, **kwargs)
    assert repr(ember_layer) == repr(torch_layer)
    if torch_layer.weight is not None:
        with torch.no_grad():
            torch_layer.weight.copy_(torch.tensor(randn(args[1], shift=1.0)))
        ember_layer.load_state_dict(torch_layer.state_dict())
    check_layer(torch_layer, ember_layer, randn(*shape, scale=2.0))


def test_group_norm_errors():
    with pytest.raises(ValueError, match=r"num_channels \(5\) must be divisible"):
        nn.GroupNorm(2, 5)
    message = error_from(nn.GroupNorm(2, 4), np.zeros((2, 6, 3)))
    assert "expected (N, 4, *)" in message and "model.0" in message
    assert "test_normalization.py" in message


@pytest.mark.parametrize(
    "name, args",
    [
        ("BatchNorm1d", (5,)),
        ("InstanceNorm2d", (5,)),
        ("LayerNorm", ((2, 3),)),
        ("GroupNorm", (1, 4)),
    ],
)
def test_default_initialisation_is_torchs(name, args):
    extra = {"affine": True} if name.startswith("Instance") else {}
    torch_layer = getattr(torch.nn, name)(*args, **extra)
    ember_layer = getattr(nn, name)(*args, **extra)
    for key, value in torch_layer.state_dict().items():
        np.testing.assert_array_equal(ember_layer.state_dict()[key].numpy(), value.numpy())
    ember_layer.weight.data[...] = 3.0
    ember_layer.reset_parameters()
    assert ember_layer.weight.tolist() == torch_layer.weight.tolist()
