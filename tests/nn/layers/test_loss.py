"""Loss layers against torch.nn: values and gradients (of inputs and floating targets) in
float64 for every loss and a few settings each, weight buffers in the state dict, reprs,
the deprecated size_average/reduce arguments, and the errors users see."""

import warnings

import numpy as np
import pytest
import torch

import ember
from ember import nn
from ember.errors import ShapeError
from tests.nn.layers.helpers import check_layer

RNG = np.random.default_rng(0)


def randn(*shape):
    return RNG.standard_normal(shape)


def probabilities(*shape):
    return 1 / (1 + np.exp(-randn(*shape)))


def log_softmax(x, axis):
    shifted = x - x.max(axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


def signs(*shape):
    return np.where(RNG.random(shape) < 0.5, -1, 1)


def classes(high, *shape):
    return RNG.integers(0, high, shape)


def targets_with_ignored(high, *shape):
    target = classes(high, *shape)
    target.flat[0] = -100
    return target


def _regression():
    return randn(3, 4), randn(3, 4)


# (name, constructor args, constructor kwargs (arrays become tensors), inputs, requires_grad)
CASES = [
    ("L1Loss", (), {}, _regression(), None),
    ("L1Loss", (), {"reduction": "sum"}, _regression(), None),
    ("MSELoss", (), {}, _regression(), None),
    ("MSELoss", (), {"reduction": "none"}, _regression(), None),
    ("SmoothL1Loss", (), {}, _regression(), None),
    ("SmoothL1Loss", (), {"beta": 0.5, "reduction": "sum"}, _regression(), None),
    ("HuberLoss", (), {}, _regression(), None),
    ("HuberLoss", ("none", 0.7), {}, _regression(), None),
    ("CrossEntropyLoss", (), {}, (randn(3, 5), classes(5, 3)), None),
    (
        "CrossEntropyLoss",
        (),
        {"weight": probabilities(5), "ignore_index": -100, "label_smoothing": 0.2},
        (randn(4, 5), targets_with_ignored(5, 4)),
        None,
    ),
    ("CrossEntropyLoss", (), {"reduction": "none"}, (randn(2, 4, 3), classes(4, 2, 3)), None),
    ("CrossEntropyLoss", (), {}, (randn(3, 4), probabilities(3, 4)), (True, False)),
    ("NLLLoss", (), {}, (log_softmax(randn(3, 5), 1), classes(5, 3)), None),
    (
        "NLLLoss",
        (probabilities(4),),
        {"ignore_index": 2, "reduction": "sum"},
        (log_softmax(randn(2, 4, 3), 1), classes(4, 2, 3)),
        None,
    ),
    ("BCELoss", (), {}, (probabilities(3, 4), probabilities(3, 4)), (True, False)),
    (
        "BCELoss",
        (),
        {"weight": probabilities(4), "reduction": "sum"},
        (probabilities(3, 4), probabilities(3, 4)),
        (True, False),
    ),
    ("BCEWithLogitsLoss", (), {}, (randn(3, 4), probabilities(3, 4)), None),
    (
        "BCEWithLogitsLoss",
        (probabilities(4),),
        {"pos_weight": probabilities(4) * 3},
        (randn(3, 4), probabilities(3, 4)),
        None,
    ),
    ("BCEWithLogitsLoss", (), {"pos_weight": probabilities(4)}, _regression(), None),
    ("KLDivLoss", (), {}, (log_softmax(randn(3, 4), 1), np.exp(log_softmax(randn(3, 4), 1))), None),
    (
        "KLDivLoss",
        (),
        {"reduction": "batchmean", "log_target": True},
        (log_softmax(randn(3, 4), 1), log_softmax(randn(3, 4), 1)),
        None,
    ),
    ("PoissonNLLLoss", (), {}, (randn(3, 4), np.floor(probabilities(3, 4) * 5)), None),
    (
        "PoissonNLLLoss",
        (False, True),
        {"eps": 1e-6, "reduction": "sum"},
        (probabilities(3, 4) * 3, np.floor(probabilities(3, 4) * 5) + 2),
        None,
    ),
    ("CosineEmbeddingLoss", (), {}, (randn(4, 3), randn(4, 3), signs(4)), None),
    (
        "CosineEmbeddingLoss",
        (0.2,),
        {"reduction": "none"},
        (randn(4, 3), randn(4, 3), signs(4)),
        None,
    ),
    (
        "MarginRankingLoss",
        (),
        {},
        (randn(5), randn(5), signs(5).astype(float)),
        (True, True, False),
    ),
    (
        "MarginRankingLoss",
        (0.3,),
        {"reduction": "sum"},
        (randn(5), randn(5), signs(5).astype(float)),
        (True, True, False),
    ),
    ("HingeEmbeddingLoss", (), {}, (randn(3, 4), signs(3, 4)), None),
    ("HingeEmbeddingLoss", (0.5,), {"reduction": "none"}, (randn(3, 4), signs(3, 4)), None),
    ("TripletMarginLoss", (), {}, (randn(3, 4), randn(3, 4), randn(3, 4)), None),
    (
        "TripletMarginLoss",
        (),
        {"margin": 2.0, "p": 1.0, "swap": True, "reduction": "sum"},
        (randn(3, 4), randn(3, 4), randn(3, 4)),
        None,
    ),
    (
        "CTCLoss",
        (),
        {},
        (randn(6, 2, 4), classes(3, 2, 3) + 1, np.array([6, 5]), np.array([3, 2])),
        None,
    ),
    (
        "CTCLoss",
        (3,),
        {"reduction": "sum", "zero_infinity": True},
        (randn(5, 2, 4), classes(3, 2, 3), np.array([5, 1]), np.array([2, 3])),
        None,
    ),
]
IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(CASES)]


class FromLogits:
    """``loss(log_softmax(logits, 2), ...)``, for a torch or an Ember loss."""

    def __init__(self, loss):
        self.loss = loss

    def __call__(self, logits, *rest):
        return self.loss(logits.log_softmax(2), *rest)

    def named_parameters(self):
        return iter(())

    def zero_grad(self):
        pass


def _convert(value, to_tensor):
    return to_tensor(value) if isinstance(value, np.ndarray) else value


def build_loss(name, args, kwargs):
    """The torch and Ember losses made with the same (converted) arguments, in float64."""
    torch_loss = getattr(torch.nn, name)(
        *[_convert(a, torch.tensor) for a in args],
        **{k: _convert(v, torch.tensor) for k, v in kwargs.items()},
    )
    ember_loss = getattr(nn, name)(
        *[_convert(a, ember.tensor) for a in args],
        **{k: _convert(v, ember.tensor) for k, v in kwargs.items()},
    )
    return torch_loss.double(), ember_loss.double()


def test_every_functional_loss_has_a_layer():
    assert set(nn.layers.loss.__all__) == {name for name, *_ in CASES}


# torch warns that KLDivLoss's "mean" is not the true KL divergence.
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("name, args, kwargs, inputs, requires_grad", CASES, ids=IDS)
def test_matches_torch(name, args, kwargs, inputs, requires_grad):
    torch_loss, ember_loss = build_loss(name, args, kwargs)
    assert repr(ember_loss) == repr(torch_loss)
    torch_state, ember_state = torch_loss.state_dict(), ember_loss.state_dict()
    assert list(ember_state) == list(torch_state)
    for key, value in torch_state.items():
        assert ember_state[key].dtype is ember.float64
        np.testing.assert_array_equal(ember_state[key].numpy(), value.numpy())
    assert ember_loss.reduction == torch_loss.reduction
    if name == "CTCLoss":
        # torch's CTC gradient is the one with respect to the logits (it assumes its input
        # came from log_softmax), so both are given logits and normalize them first.
        torch_loss, ember_loss = FromLogits(torch_loss), FromLogits(ember_loss)
    check_layer(torch_loss, ember_loss, *inputs, requires_grad=requires_grad)


def test_weight_buffers_load_from_a_torch_state_dict():
    torch_loss = torch.nn.BCEWithLogitsLoss(torch.rand(3), pos_weight=torch.rand(3))
    ember_loss = nn.BCEWithLogitsLoss(ember.zeros(3), pos_weight=ember.zeros(3))
    ember_loss.load_state_dict(torch_loss.state_dict())
    np.testing.assert_array_equal(ember_loss.pos_weight.numpy(), torch_loss.pos_weight.numpy())
    assert list(nn.CrossEntropyLoss(ember.ones(3)).state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    assert nn.NLLLoss().weight is None


@pytest.mark.parametrize("name", ["L1Loss", "NLLLoss", "KLDivLoss", "TripletMarginLoss"])
@pytest.mark.parametrize(
    "size_average, reduce", [(False, None), (None, False), (True, True), (False, False)]
)
def test_deprecated_size_average_and_reduce_map_as_in_torch(name, size_average, reduce):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = getattr(torch.nn, name)(size_average=size_average, reduce=reduce).reduction
    with pytest.warns(UserWarning, match=f"reduction='{expected}'") as record:
        loss = getattr(nn, name)(size_average=size_average, reduce=reduce)
    assert loss.reduction == expected
    assert record[0].filename == __file__


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, input, target):
        return self.criterion(input, target)


def test_errors_name_the_loss_and_its_path():
    with pytest.raises(ShapeError) as info:
        Model()(ember.zeros(3, 4), ember.tensor([0, 1]))
    message = str(info.value)
    assert "(3, 4)" in message and "model.criterion" in message
    assert "CrossEntropyLoss()" in message and "test_loss.py" in message
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="average")(ember.zeros(2), ember.zeros(2))
