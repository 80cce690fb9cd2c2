"""nn.init against torch.nn.init: gains, fans, and the distributions each function draws."""

import math
import warnings

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.errors import DTypeError
from ember.nn import init

GAINS = [
    ("linear", None),
    ("conv1d", None),
    ("conv2d", None),
    ("conv3d", None),
    ("conv_transpose1d", None),
    ("conv_transpose2d", None),
    ("conv_transpose3d", None),
    ("sigmoid", None),
    ("tanh", None),
    ("relu", None),
    ("leaky_relu", None),
    ("leaky_relu", 0.2),
    ("leaky_relu", 1),
    ("selu", None),
]


@pytest.mark.parametrize("nonlinearity, param", GAINS)
def test_calculate_gain_matches_torch(nonlinearity, param):
    ours = init.calculate_gain(nonlinearity, param)
    assert ours == torch.nn.init.calculate_gain(nonlinearity, param)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape", [(3, 5), (4, 2, 3), (8, 3, 3, 3), (2, 4, 1, 2, 3)])
def test_fans_match_torch(shape):
    ours = init._calculate_fan_in_and_fan_out(ember.empty(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ember.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ember.empty(3, 3), mode="fan_avg")


def sample(fn, shape, *args, **kwargs):
    """Our samples and torch's for the same call, as float64 arrays."""
    _ = ember.manual_seed(0)
    torch.manual_seed(0)
    ours = getattr(init, fn)(ember.empty(*shape), *args, **kwargs)
    theirs = getattr(torch.nn.init, fn)(torch.empty(*shape), *args, **kwargs)
    return ours.numpy().astype(np.float64), theirs.numpy().astype(np.float64)


# (function, shape, args, kwargs, lower bound, upper bound or None for unbounded)
DISTRIBUTIONS = [
    ("uniform_", (256, 256), (), {}, 0.0, 1.0),
    ("uniform_", (256, 256), (-3.0, 2.0), {}, -3.0, 2.0),
    ("normal_", (256, 256), (), {}, None, None),
    ("normal_", (256, 256), (), {"mean": 2.0, "std": 0.5}, None, None),
    ("xavier_uniform_", (300, 200), (), {}, -math.sqrt(6 / 500), math.sqrt(6 / 500)),
    ("xavier_uniform_", (128, 64, 3, 3), (), {"gain": 2.0}, -2 * math.sqrt(6 / 1728), None),
    ("xavier_normal_", (300, 200), (), {"gain": 0.5}, None, None),
    ("kaiming_uniform_", (300, 200), (), {}, None, None),
    ("kaiming_uniform_", (128, 64, 3, 3), (), {"a": math.sqrt(5)}, None, None),
    ("kaiming_uniform_", (300, 200), (), {"mode": "fan_out", "nonlinearity": "relu"}, None, None),
    ("kaiming_normal_", (300, 200), (), {}, None, None),
    (
        "kaiming_normal_",
        (128, 64, 3, 3),
        (),
        {"mode": "fan_out", "nonlinearity": "relu"},
        None,
        None,
    ),
    ("kaiming_normal_", (300, 200), (), {"a": 0.2, "nonlinearity": "leaky_relu"}, None, None),
    ("trunc_normal_", (256, 256), (), {}, -2.0, 2.0),
    ("trunc_normal_", (256, 256), (), {"std": 0.02}, None, None),
]


@pytest.mark.parametrize("fn, shape, args, kwargs, low, high", DISTRIBUTIONS)
def test_distributions_match_torch(fn, shape, args, kwargs, low, high):
    ours, theirs = sample(fn, shape, *args, **kwargs)
    spread = theirs.std()
    # With 60k+ draws each, the standard error of these differences is under 0.6% of
    # the spread (1.2% for the quantiles): the margins are 4 standard errors or more.
    assert abs(ours.mean() - theirs.mean()) < 0.03 * spread
    assert abs(ours.std() - spread) < 0.03 * spread
    quantiles = [0.05, 0.25, 0.5, 0.75, 0.95]
    np.testing.assert_allclose(
        np.quantile(ours, quantiles), np.quantile(theirs, quantiles), atol=0.05 * spread
    )
    if low is not None:
        assert ours.min() >= low and ours.max() <= (high if high is not None else -low)


def truncated_moments(mean, std, a, b):
    """Exact mean and std of N(mean, std²) truncated to [a, b]."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    x_pdf = lambda x: 0.0 if math.isinf(x) else x * pdf(x)
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2
    z = cdf(beta) - cdf(alpha)
    shift = (pdf(alpha) - pdf(beta)) / z
    var = 1 + (x_pdf(alpha) - x_pdf(beta)) / z - shift**2
    return mean + std * shift, std * math.sqrt(var)


@pytest.mark.parametrize(
    "mean, std, a, b",
    [
        (0, 1, -2, 2),
        (1, 2, 0, 1.5),
        (0, 1, 1.5, 4),
        (0, 1, 0.5, 0.6),
        (0, 1, -0.05, 0.05),
        (3, 0.5, 2, 10),
        (0, 1, -math.inf, 0),
        (0, 1, 2.5, 3.0),
    ],
)
def test_trunc_normal_moments_are_exact(mean, std, a, b):
    # Checked against the closed form: torch's inverse-erf sampler takes seconds in the tails.
    _ = ember.manual_seed(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = init.trunc_normal_(ember.empty(200_000, dtype=ember.float64), mean, std, a, b)
    x = x.numpy()
    expected_mean, expected_std = truncated_moments(mean, std, a, b)
    assert abs(x.mean() - expected_mean) < 0.01 * expected_std
    assert abs(x.std() - expected_std) < 0.01 * expected_std
    assert x.min() >= a and x.max() <= b


def test_trunc_normal_warns_when_the_mean_is_far_outside():
    with pytest.warns(UserWarning, match="more than 2 std"):
        init.trunc_normal_(ember.empty(10), mean=10.0)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3), (6, 6)])
def test_orthogonal_matches_torch(shape):
    ours, theirs = sample("orthogonal_", shape, gain=2.0)
    for values in (ours, theirs):
        flat = values.reshape(shape[0], -1)
        gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
        np.testing.assert_allclose(gram, 4 * np.eye(min(flat.shape)), atol=1e-5)


@pytest.mark.parametrize(
    "fn, shape, args",
    [
        ("eye_", (3, 5), ()),
        ("eye_", (4, 2), ()),
        ("dirac_", (4, 3, 3), ()),
        ("dirac_", (6, 2, 3, 3), (2,)),
        ("dirac_", (4, 4, 3, 2, 5), (2,)),
        ("constant_", (2, 3), (0.25,)),
        ("ones_", (2, 3), ()),
        ("zeros_", (2, 3), ()),
    ],
)
def test_deterministic_initialisers_equal_torch(fn, shape, args):
    ours, theirs = sample(fn, shape, *args)
    np.testing.assert_array_equal(ours, theirs)


def test_sparse_zeroes_as_many_entries_per_column_as_torch():
    ours, theirs = sample("sparse_", (40, 30), 0.25, std=0.1)
    np.testing.assert_array_equal((ours == 0).sum(axis=0), (theirs == 0).sum(axis=0))
    assert abs(ours[ours != 0].std() - 0.1) < 0.01


def test_initialisers_work_in_place_without_recording_and_repeat_with_the_seed():
    w = nn.Parameter(ember.empty(4, 3))
    version = w._version
    assert init.kaiming_uniform_(w, a=math.sqrt(5)) is w
    assert w.is_leaf and w.requires_grad and w._version == version + 1
    _ = ember.manual_seed(7)
    first = init.normal_(ember.empty(5)).tolist()
    _ = ember.manual_seed(7)
    assert init.normal_(ember.empty(5)).tolist() == first
    generator = ember.random._Generator(3)
    again = ember.random._Generator(3)
    assert (
        init.uniform_(ember.empty(4), generator=generator).tolist()
        == init.uniform_(ember.empty(4), generator=again).tolist()
    )
    half = init.xavier_normal_(ember.empty(3, 3, dtype=ember.float16))
    assert half.dtype is ember.float16


def test_initialiser_errors():
    with pytest.raises(DTypeError, match=r"init\.normal_: expected a floating point tensor"):
        init.normal_(ember.zeros(3, dtype=ember.int64))
    with pytest.raises(TypeError, match="expected a Tensor"):
        init.zeros_(np.zeros(3))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.eye_(ember.empty(2, 2, 2))
    with pytest.raises(ValueError, match="divisible by groups"):
        init.dirac_(ember.empty(3, 3, 3), groups=2)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(ember.empty(3))
    with pytest.raises(ValueError, match="std"):
        init.normal_(ember.empty(3), std=-1.0)
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_normal_(ember.empty(0, 3))
    assert init.constant_(ember.zeros(2, dtype=ember.int64), 3).tolist() == [3, 3]
