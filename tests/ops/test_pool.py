"""Pooling: what the generated sample tests do not cover (many geometries against PyTorch,
ties, NaN and -inf, unbatched layouts, double backward, errors)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F
from ember.errors import DTypeError, ShapeError
from ember.testing import gradgradcheck


def _pair(array, requires_grad=False):
    return (
        ember.tensor(array, requires_grad=requires_grad),
        torch.tensor(array, requires_grad=requires_grad),
    )


def _geometries(count, seed):
    """Random pooling arguments that PyTorch accepts, with the input shapes they fit."""
    rng = np.random.default_rng(seed)
    found = []
    while len(found) < count:
        height, width = (int(n) for n in rng.integers(3, 10, 2))
        kernel = tuple(int(k) for k in rng.integers(1, 4, 2))
        stride = tuple(int(s) for s in rng.integers(1, 4, 2))
        dilation = tuple(int(d) for d in rng.integers(1, 3, 2))
        padding = tuple(int(rng.integers(0, k // 2 + 1)) for k in kernel)
        ceil_mode = bool(rng.integers(2))
        try:
            TF.max_pool2d(torch.zeros(1, 1, height, width), kernel, stride, padding, dilation,
                          ceil_mode)  # fmt: skip
        except RuntimeError:
            continue
        found.append(((height, width), kernel, stride, padding, dilation, ceil_mode))
    return found


@pytest.mark.parametrize("geometry", _geometries(40, seed=0), ids=str)
def test_max_pool2d_values_indices_and_gradients_match_torch(geometry):
    size, kernel, stride, padding, dilation, ceil_mode = geometry
    data = np.random.default_rng(1).permutation(2 * 3 * size[0] * size[1]).reshape(2, 3, *size)
    ours_x, theirs_x = _pair(data * 0.5, requires_grad=True)
    args = (kernel, stride, padding, dilation, ceil_mode, True)
    ours, ours_indices = F.max_pool2d(ours_x, *args)
    theirs, theirs_indices = TF.max_pool2d(theirs_x, *args)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    np.testing.assert_array_equal(ours_indices.numpy(), theirs_indices.numpy())
    cotangent = np.random.default_rng(2).standard_normal(ours.shape)
    ours.backward(ember.tensor(cotangent))
    theirs.backward(torch.tensor(cotangent))
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("geometry", _geometries(30, seed=3), ids=str)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d_values_and_gradients_match_torch(geometry, count_include_pad):
    size, kernel, stride, padding, _, ceil_mode = geometry
    ours_x, theirs_x = _pair(np.random.default_rng(4).standard_normal((2, 3, *size)), True)
    args = (kernel, stride, padding, ceil_mode, count_include_pad)
    ours, theirs = F.avg_pool2d(ours_x, *args), TF.avg_pool2d(theirs_x, *args)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    cotangent = np.random.default_rng(5).standard_normal(ours.shape)
    ours.backward(ember.tensor(cotangent))
    theirs.backward(torch.tensor(cotangent))
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("padding", [0, 1])
@pytest.mark.parametrize(
    "data",
    [
        [[1.0, 1.0, 3.0, 3.0], [1.0, 0.0, 3.0, 2.0], [2.0, 2.0, 2.0, 2.0]],
        [[1.0, np.nan, 3.0, np.nan], [2.0, 5.0, np.nan, 1.0], [0.0, 1.0, 2.0, 3.0]],
        [[-np.inf] * 4] * 3,
    ],
    ids=["ties", "nan", "all-inf"],
)
def test_max_pool2d_picks_the_element_torch_picks(data, padding):
    ours_x, theirs_x = _pair(np.array(data)[None, None], requires_grad=True)
    ours, ours_indices = F.max_pool2d(ours_x, 2, 1, padding, return_indices=True)
    theirs, theirs_indices = TF.max_pool2d(theirs_x, 2, 1, padding, return_indices=True)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    np.testing.assert_array_equal(ours_indices.numpy(), theirs_indices.numpy())
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_array_equal(ours_x.grad.numpy(), theirs_x.grad.numpy())


@pytest.mark.parametrize("in_size, out_size", [(5, 3), (7, 4), (3, 5), (6, 4), (7, 1), (4, 4)])
def test_adaptive_pools_match_torch_on_uneven_windows(in_size, out_size):
    data = np.random.default_rng(6).permutation(2 * in_size * (in_size + 1))
    data = data.reshape(1, 2, in_size, in_size + 1) * 0.5
    for ours_fn, theirs_fn in [
        (F.adaptive_max_pool2d, TF.adaptive_max_pool2d),
        (F.adaptive_avg_pool2d, TF.adaptive_avg_pool2d),
    ]:
        ours_x, theirs_x = _pair(data, requires_grad=True)
        ours, theirs = ours_fn(ours_x, (out_size, None)), theirs_fn(theirs_x, (out_size, None))
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
        ours.sum().backward()
        theirs.sum().backward()
        np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-12)


def test_unbatched_inputs_keep_their_layout():
    x = ember.randn(3, 6, 6)
    assert F.max_pool2d(x, 2).shape == (3, 3, 3)
    assert F.avg_pool2d(x, 3, 3).shape == (3, 2, 2)
    assert F.adaptive_avg_pool2d(x, (2, 4)).shape == (3, 2, 4)
    assert F.max_pool1d(x, 2).shape == (3, 6, 3)
    values, indices = F.max_pool2d(x, 2, return_indices=True)
    assert F.max_unpool2d(values, indices, 2).shape == (3, 6, 6)
    np.testing.assert_array_equal(
        F.max_pool2d(x, 2).numpy(), F.max_pool2d(x.unsqueeze(0), 2)[0].numpy()
    )


def test_unpool_restores_maxima_where_the_pooling_found_them():
    x = ember.tensor(np.random.default_rng(7).permutation(2 * 3 * 36).reshape(2, 3, 6, 6) * 1.0)
    values, indices = F.max_pool2d(x, 2, return_indices=True)
    restored = F.max_unpool2d(values, indices, 2)
    np.testing.assert_array_equal(F.max_pool2d(restored, 2).numpy(), values.numpy())
    assert int((restored.numpy() != 0).sum()) == values.numel()


def test_max_pool_second_derivative_flows_through_unpool_and_gather():
    x = ember.tensor(
        np.random.default_rng(8).permutation(2 * 2 * 36).reshape(2, 2, 6, 6) * 0.3,
        requires_grad=True,
    )
    assert gradgradcheck(lambda t: F.max_pool2d(t, 3, 2, 1) ** 2, [x])
    assert gradgradcheck(lambda t: F.adaptive_max_pool2d(t, 4) ** 2, [x])


def test_float32_stays_float32_and_ints_pool_as_in_torch():
    x = ember.randn(2, 3, 6, 6)
    assert F.max_pool2d(x, 2).dtype == ember.float32
    assert F.avg_pool2d(x, 2).dtype == ember.float32
    ints = np.arange(-18, 18).reshape(1, 1, 6, 6)
    ours, theirs = _pair(ints)
    np.testing.assert_array_equal(
        F.avg_pool2d(ours, 3, 2, 1).numpy(), TF.avg_pool2d(theirs, 3, 2, 1).numpy()
    )
    np.testing.assert_array_equal(F.max_pool2d(ours, 2).numpy(), TF.max_pool2d(theirs, 2).numpy())


x4 = ember.zeros(2, 3, 6, 6)


@pytest.mark.parametrize(
    "call, kind, fragments",
    [
        (lambda: F.max_pool2d(ember.zeros(6, 6), 2), ShapeError, ["max_pool2d", "(6, 6)", "3-D"]),
        (lambda: F.max_pool2d(x4, 3, padding=2), ShapeError, ["max_pool2d", "padding (2, 2)"]),
        (lambda: F.max_pool2d(x4, 7), ShapeError, ["max_pool2d", "(6, 6)", "too small"]),
        (lambda: F.max_pool2d(x4, (2, 2, 2)), TypeError, ["max_pool2d", "kernel_size"]),
        (lambda: F.max_pool2d(x4, 2, stride=0), ShapeError, ["max_pool2d", "positive"]),
        (lambda: F.max_pool1d(x4, 2), ShapeError, ["max_pool1d", "(2, 3, 6, 6)", "2-D"]),
        (lambda: F.max_pool1d(x4[0], 9), ShapeError, ["max_pool1d", "(6,)", "too small"]),
        (lambda: F.avg_pool2d(x4, 2, padding=2), ShapeError, ["avg_pool2d", "padding"]),
        (lambda: F.avg_pool2d(x4, 2, divisor_override=0), ValueError, ["divisor_override"]),
        (lambda: F.avg_pool1d(x4[0], 2, padding=3), ShapeError, ["avg_pool1d", "padding (3,)"]),
        (lambda: F.adaptive_avg_pool2d(x4, 0), ShapeError, ["adaptive_avg_pool2d", "(0, 0)"]),
        (
            lambda: F.adaptive_avg_pool2d(x4.long(), 2),
            DTypeError,
            ["adaptive_avg_pool2d", "int64"],
        ),
        (lambda: F.adaptive_max_pool2d(x4, (2, 2, 2)), TypeError, ["output_size"]),
        (
            lambda: F.max_unpool2d(x4, ember.zeros(2, 3, 6, 6).long() + 200, 2),
            ShapeError,
            ["max_unpool2d", "[0, 144)", "200"],
        ),
        (
            lambda: F.max_unpool2d(x4, ember.zeros(2, 3, 5, 6).long(), 2),
            ShapeError,
            ["max_unpool2d", "(2, 3, 5, 6)", "(2, 3, 6, 6)"],
        ),
        (
            lambda: F.max_unpool2d(x4, ember.zeros(2, 3, 6, 6).long(), 2, output_size=(20, 12)),
            ShapeError,
            ["max_unpool2d", "(20, 12)", "(12, 12)"],
        ),
        (lambda: F.max_pool2d(ember.zeros(1, 1, 4, 4).bool(), 2), DTypeError, ["bool"]),
    ],
)
def test_bad_arguments_name_the_op_the_shape_and_the_caller(call, kind, fragments):
    with pytest.raises(kind) as err:
        call()
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from {message!r}"
    assert "test_pool.py:" in message
