"""Reductions: what the generated sample tests do not cover (errors, result types, ties)."""

import math

import numpy as np
import pytest
import torch

import ember
from ember.errors import DTypeError, ShapeError
from ember.ops import OP_TABLE, apply

x23 = ember.arange(6.0).reshape(2, 3)


@pytest.mark.parametrize(
    "call, kind, fragments",
    [
        (lambda: x23.sum(dim=2), ShapeError, ["sum", "dim 2", "(2, 3)", "[-2, 1]"]),
        (lambda: ember.mean(x23, (0, -2)), ShapeError, ["mean", "dim 0", "more than once"]),
        (lambda: ember.amax(x23, -3), ShapeError, ["amax", "dim -3", "(2, 3)"]),
        (lambda: x23.max(5), ShapeError, ["max", "dim 5", "(2, 3)"]),
        (lambda: ember.argmin(x23, 3), ShapeError, ["argmin", "dim 3"]),
        (lambda: ember.cumsum(x23, 2), ShapeError, ["cumsum", "dim 2", "(2, 3)"]),
        (lambda: ember.prod(x23, (0, 1)), TypeError, ["prod", "single int"]),
        (lambda: ember.sum(x23, 1.5), TypeError, ["sum", "1.5"]),
        (lambda: ember.tensor([1, 2]).mean(), DTypeError, ["mean", "int64"]),
        (lambda: ember.var(ember.tensor([1, 2])), DTypeError, ["var", "int64"]),
        (lambda: ember.norm(ember.tensor([1, 2])), DTypeError, ["norm", "int64"]),
        (lambda: ember.norm(x23, "nuc"), ValueError, ["norm", "'nuc'"]),
        (lambda: ember.var(x23, 0, True, correction=0), ValueError, ["var", "correction"]),
        (lambda: ember.zeros(0, 3).amax(), ShapeError, ["amax", "(0, 3)", "size 0"]),
        (lambda: ember.zeros(0, 3).argmax(dim=0), ShapeError, ["argmax", "(0, 3)"]),
        (lambda: ember.zeros(0, 3).max(), ShapeError, ["amax", "(0, 3)"]),
    ],
)
def test_bad_arguments_name_the_op_the_shape_and_the_caller(call, kind, fragments):
    with pytest.raises(kind) as err:
        call()
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from {message!r}"
    assert "test_reduce.py:" in message
    assert err.value.__cause__ is None


def test_rules_reject_non_canonical_dims_passed_straight_to_apply():
    with pytest.raises(ShapeError, match=r"sum: dim \(2,\) is out of range .* \(2, 3\)"):
        apply(OP_TABLE["sum"], x23, dim=(2,), keepdim=False)


def test_empty_reductions_where_pytorch_allows_them():
    empty = ember.zeros(0, 3)
    assert empty.sum(0).tolist() == [0.0, 0.0, 0.0]
    assert empty.prod(0).tolist() == [1.0, 1.0, 1.0]
    assert empty.amax(1).shape == (0,)
    assert math.isnan(empty.mean().item())


def test_max_and_min_with_dim_return_named_values_and_indices():
    x = ember.tensor([[1.0, 7.0, 3.0], [9.0, 2.0, 9.0]])
    result = ember.max(x, 1)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert values.tolist() == [7.0, 9.0] and indices.tolist() == [1, 0]
    assert indices.dtype == ember.int64
    assert repr(result).startswith("max(values=tensor(")
    low = x.min(dim=0, keepdim=True)
    assert low.values.tolist() == [[1.0, 2.0, 3.0]] and low.indices.tolist() == [[0, 1, 0]]
    assert isinstance(result, tuple) and len(result) == 2


def test_max_with_a_tensor_is_the_elementwise_maximum():
    a, b = ember.tensor([1.0, 5.0]), ember.tensor([3.0, 2.0])
    assert ember.max(a, b).tolist() == [3.0, 5.0]
    assert a.min(b).tolist() == [1.0, 2.0]


def _grads(fn_ember, fn_torch, data):
    e = ember.tensor(data, dtype=ember.float64, requires_grad=True)
    t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    fn_ember(e).sum().backward()
    fn_torch(t).sum().backward()
    return e.grad.numpy(), t.grad.numpy()


TIES = [[2.0, 5.0, 5.0, 1.0], [3.0, 3.0, 3.0, 0.0]]


@pytest.mark.parametrize(
    "name, call",
    [
        ("max no dim shares among ties", lambda m, x: m.max(x)),
        ("min no dim shares among ties", lambda m, x: m.min(x)),
        ("amax shares among ties", lambda m, x: m.amax(x, dim=1)),
        ("amin shares among ties", lambda m, x: m.amin(x, dim=(0, 1))),
        ("max dim goes to the index", lambda m, x: m.max(x, 1).values),
        ("min dim goes to the index", lambda m, x: m.min(x, 0).values),
        ("inf norm", lambda m, x: m.norm(x, float("inf"), 1)),
    ],
)
def test_gradients_at_ties_match_torch(name, call):
    ours, theirs = _grads(lambda x: call(ember, x), lambda x: call(torch, x), TIES)
    np.testing.assert_allclose(ours, theirs)


def test_max_no_dim_splits_evenly_and_with_dim_picks_one():
    x = ember.tensor([4.0, 4.0, 1.0, 4.0], dtype=ember.float64, requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [1 / 3, 1 / 3, 0.0, 1 / 3]
    y = ember.tensor([4.0, 4.0, 1.0, 4.0], requires_grad=True)
    y.max(0).values.backward()
    assert y.grad.tolist() == [1.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("zeros", [[], [2], [0, 3], [1, 2, 4]])
def test_prod_gradients_and_second_derivatives_with_zeros(zeros):
    data = np.array([1.5, -2.0, 0.5, 3.0, -0.7])
    data[zeros] = 0.0
    e = ember.tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    (eg,) = ember.autograd.grad(e.prod(), e, create_graph=True)
    (tg,) = torch.autograd.grad(t.prod(), t, create_graph=True)
    np.testing.assert_allclose(eg.detach().numpy(), tg.detach().numpy())
    for row in np.eye(data.size):
        (ehess,) = ember.autograd.grad(eg, e, ember.tensor(row), retain_graph=True)
        (thess,) = torch.autograd.grad(tg, t, torch.tensor(row), retain_graph=True)
        np.testing.assert_allclose(ehess.numpy(), thess.numpy(), atol=1e-12)


def test_norm_gradient_of_a_zero_vector_is_zero_not_nan():
    for p in ["fro", 2, 3, 0.5]:
        x = ember.zeros(3, dtype=ember.float64, requires_grad=True)
        ember.norm(x, p).backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0], p


def test_logsumexp_is_stable_and_handles_infinite_slices():
    x = ember.tensor([[1e4, 1e4], [-math.inf, -math.inf], [math.inf, 0.0]], dtype=ember.float64)
    assert ember.logsumexp(x, 1).tolist() == [1e4 + math.log(2.0), -math.inf, math.inf]


def test_sum_dtype_rules_match_torch():
    assert ember.tensor([1, 2], dtype=ember.int32).sum().dtype == ember.int64
    assert ember.tensor([True, True]).sum().item() == 2
    assert ember.tensor([1, 2]).sum(dtype=ember.float32).dtype == ember.float32
    assert ember.tensor([True, False]).cumsum(0).tolist() == [1, 1]
    assert ember.tensor([1, 0], dtype=ember.uint8).all().dtype == ember.uint8


def test_var_forms():
    x = ember.tensor([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]], dtype=ember.float64)
    t = torch.tensor(x.numpy())
    np.testing.assert_allclose(x.var(1, False).numpy(), t.var(1, False).numpy())
    np.testing.assert_allclose(x.var(False).numpy(), t.var(False).numpy())
    np.testing.assert_allclose(
        ember.std(x, 1, keepdim=True, correction=2).numpy(),
        torch.std(t, 1, keepdim=True, correction=2).numpy(),
    )
    assert math.isnan(ember.var(ember.tensor(1.0)).item())


def test_every_reduction_is_a_tensor_method():
    x = ember.ones(2, 3)
    for name in [
        "sum",
        "prod",
        "mean",
        "var",
        "std",
        "amax",
        "amin",
        "argmax",
        "argmin",
        "max",
        "min",
        "logsumexp",
        "norm",
        "cumsum",
        "all",
        "any",
    ]:
        assert callable(getattr(x, name)), name
