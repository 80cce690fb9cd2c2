"""nn.functional activations and losses: what the generated op tests do not reach.

In-place forms, the exports, stability far from 0, gradients exactly at kinks, the
edge cases of ignore_index, BCE and CTC, and the errors users see.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F
from ember.errors import DTypeError, GraphError, ShapeError


def _pair(values, dtype=np.float64, requires_grad=True):
    data = np.asarray(values, dtype=dtype)
    return (
        ember.tensor(data, requires_grad=requires_grad),
        torch.tensor(data, requires_grad=requires_grad),
    )


def _grad(out, x):
    (g,) = ember.autograd.grad([out], [x])
    return g.data


# ------------------------------------------------------------------ activations
def test_records_and_fused_ops_are_exported():
    assert F.sigmoid is ember.sigmoid
    assert F.tanh is ember.tanh
    assert F.softmax is ember.softmax
    assert F.log_softmax is ember.log_softmax
    for name in ["relu", "gelu", "softmin", "glu", "cross_entropy", "ctc_loss"]:
        assert name in F.__all__


INPLACE = [
    ("relu", {}),
    ("relu6", {}),
    ("hardtanh", {"min_val": -0.5, "max_val": 0.5}),
    ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {"alpha": 0.5}),
    ("selu", {}),
    ("celu", {"alpha": 2.0}),
    ("silu", {}),
    ("mish", {}),
    ("hardsigmoid", {}),
    ("hardswish", {}),
]


@pytest.mark.parametrize("name, kwargs", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_writes_into_input(name, kwargs):
    values = [-4.0, -1.0, -0.25, 0.5, 2.0, 7.0]
    x = ember.tensor(values)
    out = getattr(F, name)(x, inplace=True, **kwargs)
    assert out is x
    expected = getattr(TF, name)(torch.tensor(values), **kwargs)
    np.testing.assert_allclose(x.data, expected.numpy(), rtol=1e-6)


def test_inplace_on_leaf_that_requires_grad_is_refused():
    with pytest.raises(GraphError, match="relu_"):
        F.relu(ember.tensor([1.0], requires_grad=True), inplace=True)


def test_inplace_inside_graph_keeps_gradients():
    x, tx = _pair([-2.0, -0.5, 0.5, 2.0])
    out = F.elu(x * 2, inplace=True).sum()
    expected = TF.elu(tx * 2, inplace=True).sum()
    expected.backward()
    np.testing.assert_allclose(_grad(out, x), tx.grad.numpy(), rtol=1e-12)


STABLE = [
    ("softplus", {}),
    ("logsigmoid", {}),
    ("elu", {}),
    ("selu", {}),
    ("celu", {"alpha": 0.5}),
    ("silu", {}),
    ("mish", {}),
    ("gelu", {}),
    ("gelu", {"approximate": "tanh"}),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, kwargs", STABLE, ids=[f"{n}{k}" for n, k in STABLE])
def test_far_from_zero_values_and_gradients_stay_finite(name, kwargs, dtype):
    values = [-1e4, -150.0, -90.0, 90.0, 150.0, 1e4]
    x, tx = _pair(values, dtype)
    out = getattr(F, name)(x, **kwargs)
    expected = getattr(TF, name)(tx, **kwargs)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-6, atol=1e-30)
    grad = _grad(out.sum(), x)
    assert np.isfinite(grad).all()
    expected.sum().backward()
    np.testing.assert_allclose(grad, tx.grad.numpy(), rtol=1e-5, atol=1e-30)


KINKS = [
    ("relu6", {}, [0.0, 6.0]),
    ("hardtanh", {}, [-1.0, 1.0]),
    ("hardtanh", {"min_val": -2.0, "max_val": 0.5}, [-2.0, 0.5]),
    ("hardsigmoid", {}, [-3.0, 3.0]),
    ("hardswish", {}, [-3.0, 3.0]),
    ("leaky_relu", {"negative_slope": 0.3}, [0.0]),
    ("elu", {"alpha": 2.0}, [0.0]),
    ("celu", {"alpha": 2.0}, [0.0]),
    ("selu", {}, [0.0]),
    ("softplus", {}, [0.0, 20.0]),
    ("softplus", {"beta": 2.0, "threshold": 4.0}, [0.0, 2.0]),
    ("logsigmoid", {}, [0.0]),
    ("mish", {}, [0.0]),
    ("softsign", {}, [0.0]),
]


@pytest.mark.parametrize("name, kwargs, points", KINKS, ids=[f"{n}{k}" for n, k, _ in KINKS])
def test_gradient_at_a_kink_is_pytorchs(name, kwargs, points):
    x, tx = _pair(points)
    grad = _grad(getattr(F, name)(x, **kwargs).sum(), x)
    getattr(TF, name)(tx, **kwargs).sum().backward()
    np.testing.assert_allclose(grad, tx.grad.numpy(), rtol=1e-12)


def test_prelu_gradients_at_zero_and_for_the_weight():
    x, tx = _pair([[0.0, -1.0, 2.0], [-3.0, 0.0, 1.0]])
    w, tw = _pair([0.1, 0.2, 0.3])
    grads = ember.autograd.grad([F.prelu(x, w).sum()], [x, w])
    expected = torch.autograd.grad([TF.prelu(tx, tw).sum()], [tx, tw])
    for a, b in zip(grads, expected, strict=True):
        np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-12)


def test_integer_relu6_and_hardtanh_stay_integer():
    x = ember.tensor([-3, 2, 9])
    assert F.relu6(x).tolist() == [0, 2, 6]
    assert F.hardtanh(x).dtype == ember.int64


def test_softmin_without_dim_uses_pytorchs_legacy_rule():
    x = ember.tensor([[1.0, 2.0, 3.0]])
    assert F.softmin(x).tolist() == F.softmin(x, dim=1).tolist()


def test_gelu_second_derivative_matches_torch():
    x, tx = _pair([-1.5, -0.2, 0.7, 2.0])
    (g,) = ember.autograd.grad([F.gelu(x).sum()], [x], create_graph=True)
    (tg,) = torch.autograd.grad([TF.gelu(tx).sum()], [tx], create_graph=True)
    np.testing.assert_allclose(_grad(g.sum(), x), torch.autograd.grad(tg.sum(), tx)[0].numpy())


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: F.gelu(ember.ones(2), approximate="erf"), ValueError, "'none' or 'tanh'"),
        (lambda: F.glu(ember.ones(2, 3)), ShapeError, r"odd size 3 along dim -1"),
        (lambda: F.glu(ember.ones(2, 4), dim=2), ShapeError, "dim 2 is out of range"),
        (lambda: F.glu(ember.tensor(1.0)), ShapeError, "out of range"),
        (lambda: F.prelu(ember.ones(2, 3), ember.ones(2)), ShapeError, r"\(2,\) has 2 slopes"),
        (lambda: F.hardtanh(ember.ones(2), 1.0, -1.0), ValueError, "cannot be lower"),
    ],
)
def test_activation_errors_name_the_function_and_the_caller(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert "test_functional.py" in str(info.value)


# ----------------------------------------------------------------------- losses
def test_reduction_is_checked_by_every_loss():
    x = ember.ones(2, 3)
    with pytest.raises(ValueError, match=r"mse_loss: reduction must be one of .* got 'avg'"):
        F.mse_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match="cross_entropy: reduction"):
        F.cross_entropy(x, ember.tensor([0, 1]), reduction="batchmean")
    with pytest.raises(ValueError, match="kl_div: reduction must be one of 'none', 'batchmean'"):
        F.kl_div(x, x, reduction="batch")


def test_broadcasting_target_warns_as_pytorch_does():
    x, tx = _pair([[1.0, 2.0], [3.0, 4.0]])
    target = np.array([[0.5], [1.5]])
    with pytest.warns(UserWarning, match=r"target of shape \(2, 1\) differs"):
        out = F.mse_loss(x, ember.tensor(target))
    with pytest.warns(UserWarning):
        expected = TF.mse_loss(tx, torch.tensor(target))
    assert out.item() == pytest.approx(expected.item())
    with pytest.raises(ShapeError, match=r"target of shape \(3,\) cannot broadcast"):
        F.l1_loss(x, ember.ones(3))


def test_cross_entropy_target_errors():
    logits = ember.zeros(2, 3)
    with pytest.raises(ShapeError, match="input batch size 2 to match target batch size 3"):
        F.cross_entropy(logits, ember.tensor([0, 1, 2]))
    with pytest.raises(ShapeError, match=r"target value 3 is out of bounds for 3 classes"):
        F.cross_entropy(logits, ember.tensor([0, 3]))
    with pytest.raises(ShapeError, match=r"target value -1 is out of bounds"):
        F.nll_loss(logits, ember.tensor([-1, 0]))
    with pytest.raises(DTypeError, match="integer dtype"):
        F.cross_entropy(logits, ember.tensor([0.0, 1.0]))
    with pytest.raises(ShapeError, match=r"expected class indices of shape \(2, 4\)"):
        F.cross_entropy(ember.zeros(2, 3, 4), ember.tensor([[0, 1, 2]] * 2))
    with pytest.raises(ShapeError, match=r"one value per class: \(3,\)"):
        F.cross_entropy(logits, ember.tensor([0, 1]), weight=ember.ones(2))
    with pytest.raises(ValueError, match="label_smoothing must lie in"):
        F.cross_entropy(logits, ember.tensor([0, 1]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="not supported for class-probability"):
        F.cross_entropy(logits, ember.full((2, 3), 1 / 3), ignore_index=0)
    with pytest.raises(ShapeError, match="0-d"):
        F.nll_loss(ember.tensor(1.0), ember.tensor(0))


def test_ignored_targets_do_not_count_and_all_ignored_gives_nan():
    x, tx = _pair(np.arange(12.0).reshape(4, 3) / 7)
    target = [1, -100, 2, -100]
    out = F.cross_entropy(x, ember.tensor(target), label_smoothing=0.1)
    expected = TF.cross_entropy(tx, torch.tensor(target), label_smoothing=0.1)
    assert out.item() == pytest.approx(expected.item(), rel=1e-12)
    grad = _grad(out, x)
    expected.backward()
    np.testing.assert_allclose(grad, tx.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert np.all(grad[[1, 3]] == 0)
    assert np.isnan(F.nll_loss(x, ember.tensor([-100] * 4)).item())


def test_cross_entropy_is_stable_in_float32():
    x, tx = _pair([[1e4, -1e4, 0.0], [50.0, 50.0, -1e4]], np.float32)
    target = [1, 2]
    out = F.cross_entropy(x, ember.tensor(target))
    expected = TF.cross_entropy(tx, torch.tensor(target))
    assert out.dtype == ember.float32
    assert out.item() == pytest.approx(expected.item(), rel=1e-6)
    expected.backward()
    np.testing.assert_allclose(_grad(out, x), tx.grad.numpy(), atol=1e-7)


def test_binary_cross_entropy_checks_and_floors():
    with pytest.raises(ValueError, match=r"between 0 and 1, got values from -0.5 to 1.0"):
        F.binary_cross_entropy(ember.tensor([-0.5, 1.0]), ember.tensor([0.0, 1.0]))
    with pytest.raises(ShapeError, match=r"target of shape \(2, 1\) must have input's shape"):
        F.binary_cross_entropy(ember.tensor([0.5, 0.5]), ember.tensor([[0.0], [1.0]]))
    with pytest.raises(ShapeError, match=r"weight of shape \(3,\)"):
        F.binary_cross_entropy(ember.full((2, 2), 0.5), ember.ones(2, 2), weight=ember.ones(3))
    # Saturated predictions cost 100 (the floored log) and keep finite gradients.
    x = ember.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    out = F.binary_cross_entropy(x, ember.tensor([1.0, 0.0, 0.0, 1.0]), reduction="sum")
    assert out.item() == 200.0
    assert np.isfinite(_grad(out, x)).all()


def test_binary_cross_entropy_with_logits_multilabel_pos_weight():
    x, tx = _pair(np.linspace(-30, 30, 12).reshape(4, 3))
    target = (np.arange(12).reshape(4, 3) % 2).astype(float)
    pos_weight = np.array([1.0, 2.0, 0.5])
    out = F.binary_cross_entropy_with_logits(
        x, ember.tensor(target), pos_weight=ember.tensor(pos_weight)
    )
    expected = TF.binary_cross_entropy_with_logits(
        tx, torch.tensor(target), pos_weight=torch.tensor(pos_weight)
    )
    assert out.item() == pytest.approx(expected.item(), rel=1e-12)
    expected.backward()
    np.testing.assert_allclose(_grad(out, x), tx.grad.numpy(), rtol=1e-10, atol=1e-13)
    with pytest.raises(ShapeError, match=r"pos_weight of shape \(4,\)"):
        F.binary_cross_entropy_with_logits(x, ember.tensor(target), pos_weight=ember.ones(4))


def test_kl_div_batchmean_of_a_0d_input_is_the_sum():
    out = F.kl_div(ember.tensor(-1.0), ember.tensor(0.5), reduction="batchmean")
    expected = TF.kl_div(torch.tensor(-1.0), torch.tensor(0.5), reduction="batchmean")
    assert out.item() == pytest.approx(expected.item())


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: F.smooth_l1_loss(ember.ones(2), ember.ones(2), beta=-1.0), ValueError, "beta"),
        (lambda: F.huber_loss(ember.ones(2), ember.ones(2), delta=0.0), ValueError, "delta"),
        (
            lambda: F.triplet_margin_loss(ember.ones(2, 3), ember.ones(2, 3), ember.ones(2, 3), 0),
            ValueError,
            "margin must be greater than 0",
        ),
        (
            lambda: F.triplet_margin_loss(ember.ones(2, 3), ember.ones(2, 3), ember.ones(3)),
            ShapeError,
            "same number of dimensions",
        ),
        (
            lambda: F.cosine_embedding_loss(ember.ones(2, 3), ember.ones(2, 3), ember.ones(3)),
            ShapeError,
            r"one label per pair: \(2,\)",
        ),
        (
            lambda: F.margin_ranking_loss(ember.ones(2), ember.ones(2), ember.ones(2, 1)),
            ShapeError,
            "same number of dimensions",
        ),
        (
            lambda: F.mse_loss(ember.ones(2), ember.ones(2), weight=ember.ones(3)),
            ShapeError,
            r"weight of shape \(3,\)",
        ),
    ],
)
def test_loss_errors_name_the_function_and_the_caller(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert "test_functional.py" in str(info.value)


# -------------------------------------------------------------------------- CTC
def _ctc_pair(steps=5, batch=2, classes=4, seed=0):
    logits = np.random.default_rng(seed).standard_normal((steps, batch, classes))
    x, tx = _pair(logits)
    return x, tx, F.log_softmax(x, 2), TF.log_softmax(tx, 2)


def test_ctc_impossible_alignment_is_inf_or_zeroed():
    x, tx, lp, tlp = _ctc_pair()
    targets, input_lengths, target_lengths = [[1, 1, 1], [1, 2, 3]], [5, 2], [3, 3]
    out = F.ctc_loss(lp, ember.tensor(targets), input_lengths, target_lengths, reduction="none")
    assert np.isinf(out.data[1]) and np.isfinite(out.data[0])
    out = F.ctc_loss(lp, ember.tensor(targets), input_lengths, target_lengths, zero_infinity=True)
    expected = TF.ctc_loss(
        tlp, torch.tensor(targets), input_lengths, target_lengths, zero_infinity=True
    )
    assert out.item() == pytest.approx(expected.item(), rel=1e-12)
    grad = _grad(out, x)
    expected.backward()
    np.testing.assert_allclose(grad, tx.grad.numpy(), atol=1e-12)
    assert not grad[:, 1].any()


def test_ctc_empty_input_and_target_cost_nothing():
    _, _, lp, tlp = _ctc_pair()
    out = F.ctc_loss(lp, ember.tensor([[1], [2]]), [0, 5], [0, 1], reduction="none")
    expected = TF.ctc_loss(tlp, torch.tensor([[1], [2]]), [0, 5], [0, 1], reduction="none")
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12)
    assert out.data[0] == 0


@pytest.mark.parametrize(
    "targets, input_lengths, target_lengths, message",
    [
        ([[1, 2], [1, 4]], [5, 5], [2, 2], "target label 4 is out of bounds for 4 classes"),
        ([[1, 2], [1, 2]], [5, 6], [2, 2], "input_lengths must be at most T = 5"),
        ([[1, 2], [1, 2]], [5], [2, 2], "input_lengths holds 1 lengths; the batch has 2"),
        ([[1, 2], [1, 2]], [5, 5], [2, 3], r"padded \(2, S\) with S >= 3"),
        ([1, 2, 3], [5, 5], [2, 2], r"concatenated \(4,\)"),
        ([[1, 2], [1, 2]], [5, 5], [2, -1], "target_lengths must not be negative"),
    ],
)
def test_ctc_errors(targets, input_lengths, target_lengths, message):
    _, _, lp, _ = _ctc_pair()
    with pytest.raises(ShapeError, match=message):
        F.ctc_loss(lp, ember.tensor(targets), input_lengths, target_lengths)


def test_ctc_blank_out_of_range():
    _, _, lp, _ = _ctc_pair()
    with pytest.raises(ShapeError, match="blank 4 is out of range for 4 classes"):
        F.ctc_loss(lp, ember.tensor([[1], [2]]), [5, 5], [1, 1], blank=4)
