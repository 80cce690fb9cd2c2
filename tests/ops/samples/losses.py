"""Samples for nn.functional losses (see ``tests/ops/samples/base.py``)."""

import warnings
from collections.abc import Callable

import numpy as np
import torch

import ember
import ember.nn.functional as F
from tests.ops.samples.base import Sample, distinct, ints, positive, randn, uniform

# Differences between input and target on a grid that never lands within 0.05 of 0,
# +-0.5, +-1 or +-2, the kinks of l1, smooth_l1 and huber for the betas and deltas used.
_DIFFS = distinct(3, 4) + 0.03  # -1.77 .. 2.30 in steps of 0.37


def _probabilities(*shape: int, dim: int = -1) -> np.ndarray:
    p = positive(*shape)
    return p / p.sum(axis=dim, keepdims=True)


def _log_probabilities(*shape: int, dim: int = -1) -> np.ndarray:
    return np.log(_probabilities(*shape, dim=dim))


def _signs(*shape: int) -> np.ndarray:
    return np.where(ints(0, 2, *shape) == 1, 1, -1)


def _with_ignored(target: np.ndarray, ignore_index: int = -100) -> np.ndarray:
    # The first and last targets are ignored; the others keep their classes.
    target = target.copy()
    flat = target.reshape(-1)
    flat[0] = flat[-1] = ignore_index
    return target


def _keyword(name: str, keyword: str) -> dict:
    """``ember_fn`` and ``torch_fn`` that pass the third argument as ``keyword``: where
    PyTorch's deprecated arguments come first, positions differ."""
    return {
        "ember_fn": lambda x, t, extra, **kw: getattr(F, name)(x, t, **{keyword: extra}, **kw),
        "torch_fn": lambda x, t, extra, **kw: getattr(torch.nn.functional, name)(
            x, t, **{keyword: extra}, **kw
        ),
    }


def _pointwise(name: str, weighted: bool) -> list[Sample]:
    target = randn(3, 4)
    samples = [
        Sample((target + _DIFFS, target)),
        Sample((target + _DIFFS, target), {"reduction": "sum"}),
        Sample((target + _DIFFS, target), {"reduction": "none"}),
        Sample(((target + _DIFFS).reshape(2, 3, 2), target.reshape(2, 3, 2))),
        Sample((np.array(randn() + 0.3), np.array(-0.4))),
    ]
    if weighted:
        samples += [
            Sample((target + _DIFFS, target, positive(3, 4)), **_keyword(name, "weight")),
            Sample(
                (target + _DIFFS, target, positive(3, 4)),
                {"reduction": "sum"},
                **_keyword(name, "weight"),
            ),
        ]
    return samples


def _class_samples(scores: Callable) -> list[Sample]:
    """Samples shared by nll_loss and cross_entropy: class-index targets."""
    target = ints(0, 3, 5)
    target_nd = ints(0, 3, 2, 4)
    return [
        Sample((scores(5, 3), target)),
        Sample((scores(5, 3), target), {"reduction": "sum"}),
        Sample((scores(5, 3), target), {"reduction": "none"}),
        Sample((scores(5, 3), target, positive(3)), nondiff=(2,)),
        Sample((scores(5, 3), target, positive(3)), {"reduction": "none"}, nondiff=(2,)),
        Sample((scores(5, 3), _with_ignored(target))),
        Sample((scores(5, 3), _with_ignored(target), positive(3)), nondiff=(2,)),
        Sample(
            (scores(5, 3), _with_ignored(target), positive(3)),
            {"reduction": "sum"},
            nondiff=(2,),
        ),
        Sample((scores(5, 3), _with_ignored(target, 1)), {"ignore_index": 1}),
        Sample((scores(5, 3), target), {"ignore_index": 2, "reduction": "none"}),
        Sample((scores(2, 3, 4), target_nd)),
        Sample((scores(2, 3, 4), _with_ignored(target_nd), positive(3)), nondiff=(2,)),
        Sample((scores(2, 3, 2, 2), target_nd.reshape(2, 2, 2)), {"reduction": "none"}),
        Sample((scores(3), np.array(2))),
        Sample((scores(3), np.array(1), positive(3)), {"reduction": "none"}, nondiff=(2,)),
    ]


def _cross_entropy_samples() -> list[Sample]:
    target = ints(0, 3, 5)
    probabilities = _probabilities(5, 3)
    return [
        *_class_samples(randn),
        Sample((1000.0 + randn(5, 3), target)),
        Sample((randn(5, 3), target), {"label_smoothing": 0.1}),
        Sample((randn(5, 3), target), {"label_smoothing": 0.2, "reduction": "none"}),
        Sample(
            (randn(5, 3), _with_ignored(target), positive(3)),
            {"label_smoothing": 0.3},
            nondiff=(2,),
        ),
        Sample(
            (randn(5, 3), _with_ignored(target), positive(3)),
            {"label_smoothing": 0.3, "reduction": "sum"},
            nondiff=(2,),
        ),
        Sample((randn(2, 3, 4), ints(0, 3, 2, 4)), {"label_smoothing": 0.25}),
        Sample((randn(3), np.array(0)), {"label_smoothing": 0.1}),
        Sample((randn(5, 3), probabilities)),
        Sample((randn(5, 3), probabilities), {"reduction": "none"}),
        Sample((randn(5, 3), probabilities, positive(3)), {"reduction": "sum"}),
        Sample((randn(5, 3), probabilities, positive(3)), {"label_smoothing": 0.2}),
        Sample((randn(2, 3, 4), _probabilities(2, 3, 4, dim=1))),
        Sample((randn(3), _probabilities(3)), {"label_smoothing": 0.1}),
    ]


def _ember_cross_entropy_backward(g, x, target, *weight, **attrs):
    return ember.ops.apply(
        ember.ops.OP_TABLE["cross_entropy_backward"], g, x, target, *weight, **attrs
    )


def _torch_cross_entropy_backward(g, x, target, *weight, ignore_index, reduction):
    # PyTorch's gradient of cross_entropy in the scores, as a function of g and x.
    loss = torch.nn.functional.cross_entropy(
        x, target, *weight, ignore_index=ignore_index, reduction=reduction
    )
    return torch.autograd.grad(loss, x, g, create_graph=True)[0]


def _cross_entropy_backward(reduction: str = "mean", ignore_index: int = -100) -> dict:
    return {
        "kwargs": {"ignore_index": ignore_index, "reduction": reduction},
        "ember_fn": _ember_cross_entropy_backward,
        "torch_fn": _torch_cross_entropy_backward,
    }


def _cross_entropy_backward_samples() -> list[Sample]:
    target = ints(0, 3, 5)
    return [
        Sample((randn(), randn(5, 3), target), **_cross_entropy_backward()),
        Sample((randn(), randn(5, 3), target), **_cross_entropy_backward("sum")),
        Sample((randn(5), randn(5, 3), target), **_cross_entropy_backward("none")),
        Sample(
            (randn(), randn(5, 3), _with_ignored(target), positive(3)),
            nondiff=(3,),
            **_cross_entropy_backward(),
        ),
        Sample((randn(2, 4), randn(2, 3, 4), ints(0, 3, 2, 4)), **_cross_entropy_backward("none")),
        Sample((randn(), randn(3), np.array(1)), **_cross_entropy_backward()),
    ]


def _kl_div_mean(*args: torch.Tensor, **kwargs: object) -> torch.Tensor:
    # PyTorch warns that its default reduction "mean" is not the true KL divergence.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return torch.nn.functional.kl_div(*args, **kwargs)


def _ctc(**kwargs: object) -> dict:
    """CTC through log_softmax: PyTorch's CTC gradient is the one of the logits under
    log_softmax (it adds ``exp(log_probs)``, which log_softmax's VJP cancels)."""

    def ember_fn(x, *args, **kw):
        return F.ctc_loss(F.log_softmax(x, -1), *args, **kw)

    def torch_fn(x, *args, **kw):
        return torch.nn.functional.ctc_loss(torch.log_softmax(x, -1), *args, **kw)

    # PyTorch has no second derivative of ctc_loss (its backward is one kernel), and
    # gradgradcheck through T steps of the recursion is slow: one small sample only.
    return {"ember_fn": ember_fn, "torch_fn": torch_fn, "gradgrad": False, **kwargs}


def _ctc_samples() -> list[Sample]:
    steps, batch, classes = 6, 2, 4
    logits = randn(steps, batch, classes)
    padded = np.array([[1, 2, 2], [3, 1, 0]])
    lengths = np.array([6, 6])
    return [
        Sample((logits, padded, lengths, np.array([3, 2])), **_ctc()),
        Sample((logits, padded, lengths, np.array([3, 2])), {"reduction": "none"}, **_ctc()),
        Sample(
            (logits, padded, np.array([6, 4]), np.array([3, 1])), {"reduction": "sum"}, **_ctc()
        ),
        Sample((logits, np.array([1, 2, 2, 3, 1]), (6, 5), (3, 2)), **_ctc()),
        Sample((logits, padded, lengths, np.array([0, 2])), {"reduction": "none"}, **_ctc()),
        Sample(
            (logits, np.array([[0, 1, 1], [2, 2, 2]]), lengths, np.array([3, 3])),
            {"blank": 3, "reduction": "none"},
            **_ctc(),
        ),
        # The second target needs 4 steps (2, blank, 2, 1) but gets 3: infinite loss.
        Sample(
            (logits, np.array([[1, 2, 3], [2, 2, 1]]), np.array([6, 3]), np.array([3, 3])),
            {"zero_infinity": True, "reduction": "none"},
            **_ctc(),
        ),
        Sample(
            (logits[:, 0], np.array([1, 3]), np.array(5), np.array(2)),
            {"reduction": "none"},
            **_ctc(),
        ),
        # Ember's CTC has second derivatives: check them on one small case.
        Sample(
            (randn(3, 1, 3), np.array([[1, 2]]), np.array([3]), np.array([2])),
            **_ctc(gradgrad=True),
        ),
    ]


SAMPLES: dict[str, list[Sample]] = {
    "mse_loss": _pointwise("mse_loss", weighted=True),
    "l1_loss": _pointwise("l1_loss", weighted=True),
    "smooth_l1_loss": [
        *_pointwise("smooth_l1_loss", weighted=False),
        Sample((_DIFFS, np.zeros((3, 4))), {"beta": 0.5}),
        Sample((_DIFFS, np.zeros((3, 4))), {"beta": 2.0, "reduction": "none"}),
        Sample((_DIFFS, np.zeros((3, 4))), {"beta": 0.0}),
    ],
    "huber_loss": [
        *_pointwise("huber_loss", weighted=True),
        Sample((_DIFFS, np.zeros((3, 4))), {"delta": 0.5}),
        Sample((_DIFFS, np.zeros((3, 4))), {"delta": 2.0, "reduction": "none"}),
    ],
    "nll_loss": _class_samples(_log_probabilities),
    "cross_entropy": _cross_entropy_samples(),
    "cross_entropy_backward": _cross_entropy_backward_samples(),
    "binary_cross_entropy": [
        Sample((uniform(0.05, 0.95, 3, 4), uniform(0, 1, 3, 4))),
        Sample((uniform(0.05, 0.95, 3, 4), uniform(0, 1, 3, 4)), {"reduction": "none"}),
        Sample((uniform(0.05, 0.95, 3, 4), ints(0, 2, 3, 4).astype(float)), nondiff=(1,)),
        Sample(
            (uniform(0.05, 0.95, 3, 4), uniform(0, 1, 3, 4), positive(4)),
            {"reduction": "sum"},
            nondiff=(2,),
        ),
        Sample((uniform(0.05, 0.95, 5), uniform(0, 1, 5), positive(5)), nondiff=(2,)),
        # Inputs of exactly 0 and 1: each log is floored at -100.
        Sample((np.array([0.0, 1.0, 0.5, 1.0]), np.array([1.0, 0.0, 0.5, 1.0])), grad=False),
    ],
    "binary_cross_entropy_with_logits": [
        Sample((randn(3, 4) * 3, uniform(0, 1, 3, 4))),
        Sample((randn(3, 4) * 3, uniform(0, 1, 3, 4)), {"reduction": "none"}),
        Sample((randn(3, 4), uniform(0, 1, 3, 4), positive(4)), {"reduction": "sum"}, nondiff=(2,)),
        Sample(
            (randn(3, 4), ints(0, 2, 3, 4).astype(float), positive(4)),
            nondiff=(1, 2),
            **_keyword("binary_cross_entropy_with_logits", "pos_weight"),
        ),
        Sample(
            (randn(2, 3, 4), uniform(0, 1, 2, 3, 4), positive(4)),
            {"reduction": "none"},
            nondiff=(2,),
            **_keyword("binary_cross_entropy_with_logits", "pos_weight"),
        ),
        Sample((np.array([-800.0, -30.0, 0.5, 30.0, 800.0]), np.array([1.0, 0.0, 1.0, 0.0, 1.0]))),
    ],
    "kl_div": [
        Sample((_log_probabilities(4, 3), _probabilities(4, 3)), torch_fn=_kl_div_mean),
        Sample((_log_probabilities(4, 3), _probabilities(4, 3)), {"reduction": "batchmean"}),
        Sample((_log_probabilities(4, 3), _probabilities(4, 3)), {"reduction": "sum"}),
        Sample((_log_probabilities(2, 3, 4), _probabilities(2, 3, 4)), {"reduction": "none"}),
        Sample(
            (_log_probabilities(4, 3), _log_probabilities(4, 3)),
            {"reduction": "batchmean", "log_target": True},
        ),
        Sample(
            (_log_probabilities(4, 3), _log_probabilities(4, 3)),
            {"log_target": True},
            torch_fn=_kl_div_mean,
        ),
        Sample(
            (_log_probabilities(2, 3), np.array([[0.0, 0.4, 0.6], [0.5, 0.0, 0.5]])),
            {"reduction": "batchmean"},
            nondiff=(1,),
        ),
        Sample((_log_probabilities(3), _probabilities(3)), {"reduction": "batchmean"}),
    ],
    "poisson_nll_loss": [
        Sample((randn(3, 4), uniform(0, 4, 3, 4))),
        Sample((randn(3, 4), uniform(0, 4, 3, 4)), {"full": True, "reduction": "none"}),
        Sample((positive(3, 4), uniform(0, 4, 3, 4)), {"log_input": False}),
        Sample(
            (positive(3, 4), uniform(0, 4, 3, 4)),
            {"log_input": False, "full": True, "eps": 1e-4, "reduction": "sum"},
        ),
    ],
    "cosine_embedding_loss": [
        Sample((randn(4, 5), randn(4, 5), _signs(4))),
        Sample((randn(4, 5), randn(4, 5), _signs(4)), {"margin": -0.3, "reduction": "none"}),
        Sample((randn(4, 5), randn(4, 5), _signs(4)), {"margin": 0.2, "reduction": "sum"}),
        Sample((randn(5), randn(5), np.array(-1)), {"margin": -0.5}),
        Sample((randn(5), randn(5), np.array(1))),
    ],
    "margin_ranking_loss": [
        Sample((randn(6), randn(6), _signs(6).astype(float))),
        Sample((randn(6), randn(6), _signs(6).astype(float)), {"margin": 0.5}),
        Sample((randn(2, 3), randn(2, 3), _signs(2, 3)), {"margin": 0.3, "reduction": "none"}),
        Sample((randn(2, 3), randn(2, 3), _signs(2, 3)), {"reduction": "sum"}),
    ],
    "hinge_embedding_loss": [
        Sample((randn(6), _signs(6))),
        Sample((randn(2, 3), _signs(2, 3)), {"margin": 0.5, "reduction": "none"}),
        Sample((randn(2, 3) * 2, _signs(2, 3).astype(float)), {"reduction": "sum"}, nondiff=(1,)),
        # Targets that are neither 1 nor -1 add both terms.
        Sample((randn(5), np.array([1, -1, 0, 2, -1])), {"reduction": "none"}),
    ],
    "triplet_margin_loss": [
        Sample((randn(4, 5), randn(4, 5), randn(4, 5))),
        Sample((randn(4, 5), randn(4, 5), randn(4, 5)), {"margin": 2.0, "reduction": "none"}),
        Sample((randn(4, 5), randn(4, 5), randn(4, 5)), {"p": 1, "reduction": "sum"}),
        Sample((randn(4, 5), randn(4, 5), randn(4, 5)), {"swap": True, "reduction": "none"}),
        Sample((randn(4, 5), randn(4, 5), randn(4, 5)), {"p": 3, "eps": 1e-3, "swap": True}),
        Sample((randn(5), randn(5), randn(5)), {"margin": 3.0}),
    ],
    "ctc_loss": _ctc_samples(),
}
