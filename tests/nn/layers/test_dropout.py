"""Dropout layers: torch's reprs, argument checks and eval/p=0 identity; the train-mode
masks come from another generator than torch's, so they are tested by their statistics
(the fraction dropped, the scaling, whole channels) and by reproducibility under
``ember.manual_seed``."""

import math

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.errors import ShapeError
from tests.nn.layers.helpers import check_layer, randn

NAMES = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]
# An input shape each layer accepts, with enough channels for statistics.
SHAPES = {
    "Dropout": (40, 50),
    "Dropout1d": (40, 50, 3),
    "Dropout2d": (40, 50, 2, 2),
    "Dropout3d": (40, 50, 2, 1, 2),
    "AlphaDropout": (40, 50),
    "FeatureAlphaDropout": (40, 50, 3),
}
CHANNELWISE = {"Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout"}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("args", [(), (0.2,), (0.7, True)])
def test_repr_matches_torch(name, args):
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_probability_outside_0_1_is_refused_as_in_torch(name, p):
    with pytest.raises(ValueError) as torch_error:
        getattr(torch.nn, name)(p)
    with pytest.raises(ValueError) as ember_error:
        getattr(nn, name)(p)
    assert str(ember_error.value) == str(torch_error.value)


@pytest.mark.parametrize("name", NAMES)
def test_eval_mode_and_p_0_are_the_identity_as_in_torch(name):
    shape = (2, 3, 4, 2, 3)[: len(SHAPES[name])]
    for p, training in [(0.4, False), (0.0, True)]:
        torch_layer, ember_layer = getattr(torch.nn, name)(p), getattr(nn, name)(p)
        torch_layer.train(training)
        ember_layer.train(training)
        out = check_layer(torch_layer, ember_layer, randn(*shape))
        np.testing.assert_array_equal(out.detach().numpy(), randn(*shape))


def _dropped_fraction(out, name):
    """The fraction of elements (or of channels) the layer dropped."""
    values = out.detach().numpy()
    # Alpha dropout sends dropped elements to its lowest value, others to zero.
    dropped = values == (values.min() if "Alpha" in name else 0.0)
    if name in CHANNELWISE:
        per_channel = dropped.reshape(*values.shape[:2], -1)
        # Whole channels: every element of a channel shares its fate.
        assert (per_channel.all(-1) | ~per_channel.any(-1)).all()
        dropped = per_channel[..., 0]
    return dropped.mean(), dropped.size


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("p", [0.2, 0.5])
def test_train_mode_statistics(name, p):
    ember.manual_seed(1)
    x = ember.ones(*SHAPES[name], dtype=ember.float64, requires_grad=True)
    out = getattr(nn, name)(p)(x)
    fraction, count = _dropped_fraction(out, name)
    # Five standard errors of a binomial proportion.
    assert abs(fraction - p) < 5 * math.sqrt(p * (1 - p) / count)
    out.sum().backward()
    torch.manual_seed(0)
    torch_x = torch.ones(SHAPES[name], dtype=torch.float64, requires_grad=True)
    torch_out = getattr(torch.nn, name)(p)(torch_x)
    torch_out.sum().backward()
    # The values of dropped and kept elements and their gradients are torch's.
    for ours, theirs in [(out, torch_out), (x.grad, torch_x.grad)]:
        np.testing.assert_allclose(
            np.unique(ours.detach().numpy()), np.unique(theirs.detach().numpy()), rtol=1e-12
        )
    dropped_grads = x.grad.numpy()[out.detach().numpy() == out.detach().numpy().min()]
    assert (dropped_grads == 0).all()


def test_dropout_gradient_is_the_mask_times_the_scale():
    ember.manual_seed(2)
    x = ember.tensor(randn(30, 30), requires_grad=True)
    out = nn.Dropout(0.25)(x)
    cotangent = randn(30, 30, seed=1)
    (out * ember.tensor(cotangent)).sum().backward()
    kept = out.detach().numpy() != 0
    np.testing.assert_allclose(out.detach().numpy(), np.where(kept, x.detach().numpy() / 0.75, 0))
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, cotangent / 0.75, 0))


def test_alpha_dropout_keeps_zero_mean_and_unit_variance():
    ember.manual_seed(3)
    out = nn.AlphaDropout(0.3)(ember.tensor(randn(200, 200))).numpy()
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02


@pytest.mark.parametrize("name", NAMES)
def test_masks_repeat_under_manual_seed(name):
    layer = getattr(nn, name)(0.5)
    x = ember.ones(*SHAPES[name])
    ember.manual_seed(4)
    first = layer(x).numpy()
    second = layer(x).numpy()
    ember.manual_seed(4)
    np.testing.assert_array_equal(layer(x).numpy(), first)
    assert (first != second).any()


def test_p_1_drops_everything():
    assert nn.Dropout(1.0)(ember.ones(3, 4)).abs().sum().item() == 0
    assert nn.Dropout2d(1.0)(ember.ones(2, 3, 2, 2)).abs().sum().item() == 0


def test_inplace_overwrites_the_input_in_training_only():
    ember.manual_seed(5)
    x = ember.ones(50, 4)
    assert nn.Dropout(0.5, inplace=True)(x) is x
    assert set(x.numpy().ravel().tolist()) == {0.0, 2.0}
    y = ember.ones(3)
    nn.Dropout(0.5, inplace=True).eval()(y)
    assert y.tolist() == [1.0, 1.0, 1.0]


def test_dropout1d_rank_error_names_the_path():
    model = nn.Sequential(nn.Dropout1d(0.5))
    with pytest.raises(ShapeError) as info:
        model(ember.ones(2, 3, 4, 5))
    message = str(info.value)
    assert "(2, 3, 4, 5)" in message and "2-D or 3-D" in message
    assert "model.0" in message and "test_dropout.py" in message
