"""Convolution behaviours the generated tests do not reach: errors, float32, larger shapes,
non-contiguous and broadcast gradients, third derivatives and adjointness."""

import os
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F
from ember.errors import DTypeError, ShapeError
from tests.ops import test_oracle
from tests.ops.harness import CASE_IDS, CASES

HERE = os.path.basename(__file__)


def _next_line() -> int:
    """The number of the line after the caller's, where the failing call is written."""
    return sys._getframe(1).f_lineno + 1


def _pair(shape, seed=0, dtype=np.float64, requires_grad=True):
    data = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return (
        ember.tensor(data, requires_grad=requires_grad),
        torch.tensor(data, requires_grad=requires_grad),
    )


def test_channel_mismatch_names_shapes_and_caller():
    x, w = ember.ones(2, 4, 8, 8), ember.ones(8, 3, 3, 3)
    with pytest.raises(ShapeError) as err:
        line = _next_line()
        F.conv2d(x, w)
    assert str(err.value) == (
        "conv2d: expected input with 3 channels (weight (8, 3, 3, 3), groups 1), "
        f"got input of shape (2, 4, 8, 8) (called from {HERE}:{line})"
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: F.conv2d(ember.ones(2, 8), ember.ones(8, 3, 3, 3)),
            r"conv2d: expected a 3-D \(unbatched\) or 4-D \(batched\) input, "
            r"got input of shape \(2, 8\)",
        ),
        (
            lambda: F.conv1d(ember.ones(2, 3, 4, 4), ember.ones(8, 3, 3)),
            r"conv1d: expected a 2-D \(unbatched\) or 3-D \(batched\) input",
        ),
        (
            lambda: F.conv2d(ember.ones(2, 3, 8, 8), ember.ones(8, 3, 3)),
            r"expected a 4-D weight, got weight of shape \(8, 3, 3\)",
        ),
        (
            lambda: F.conv2d(ember.ones(4, 8, 8), ember.ones(8, 3, 3, 3)),
            r"expected input with 3 channels .* got input of shape \(4, 8, 8\)",
        ),
        (
            lambda: F.conv2d(ember.ones(2, 4, 8, 8), ember.ones(6, 2, 3, 3), groups=3),
            r"groups 3 must divide the 4 input channels of input \(2, 4, 8, 8\)",
        ),
        (
            lambda: F.conv2d(ember.ones(2, 6, 8, 8), ember.ones(4, 2, 3, 3), groups=3),
            r"groups 3 must divide the 4 output channels of weight \(4, 2, 3, 3\)",
        ),
        (
            lambda: F.conv2d(ember.ones(1, 3, 4, 4), ember.ones(8, 3, 5, 5), padding=0),
            r"kernel size 5 \(dilation 1\) is larger than the padded input size 4 in spatial "
            r"dim 0: input \(1, 3, 4, 4\), weight \(8, 3, 5, 5\)",
        ),
        (
            lambda: F.conv3d(ember.ones(1, 1, 4, 4, 4), ember.ones(1, 1, 1, 3, 3), dilation=2),
            r"kernel size 3 \(dilation 2\) is larger than the padded input size 4 in spatial dim 1",
        ),
        (
            lambda: F.conv2d(ember.ones(1, 3, 8, 8), ember.ones(8, 3, 3, 3), ember.ones(4)),
            r"expected a bias of shape \(8,\), got bias of shape \(4,\)",
        ),
        (
            lambda: F.conv2d(
                ember.ones(1, 3, 8, 8), ember.ones(8, 3, 3, 3), stride=2, padding="same"
            ),
            r"padding='same' needs stride 1, got stride \(2, 2\)",
        ),
        (
            lambda: F.conv2d(ember.ones(1, 3, 8, 8), ember.ones(8, 3, 3, 3), padding="full"),
            "padding must be 'valid', 'same' or ints, got 'full'",
        ),
        (
            lambda: F.conv2d(ember.ones(1, 3, 8, 8), ember.ones(8, 3, 3, 3), padding=-1),
            "expected padding to be non-negative",
        ),
        (
            lambda: F.conv2d(ember.ones(1, 3, 8, 8), ember.ones(8, 3, 3, 3), stride=(1, 2, 3)),
            r"expected stride to be positive: one int or 2 ints, got \(1, 2, 3\)",
        ),
        (
            lambda: F.conv2d(ember.ones(1, 3, 8, 8), ember.ones(8, 3, 3, 3), dilation=0),
            "expected dilation to be positive",
        ),
        (
            lambda: F.conv2d(ember.ones(1, 3, 8, 8), ember.ones(8, 3, 3, 3), groups=0),
            "expected groups to be a positive int, got 0",
        ),
        (
            lambda: F.conv_transpose2d(ember.ones(2, 4, 4, 4), ember.ones(3, 2, 3, 3)),
            r"conv_transpose2d: expected input with 3 channels \(weight \(3, 2, 3, 3\), groups 1\)",
        ),
        (
            lambda: F.conv_transpose2d(ember.ones(2, 3, 4, 4), ember.ones(3, 2, 3, 3), groups=2),
            r"groups 2 must divide the 3 input channels of weight \(3, 2, 3, 3\)",
        ),
        (
            lambda: F.conv_transpose1d(ember.ones(1, 2, 4), ember.ones(2, 1, 3), output_padding=1),
            r"output_padding \(1,\) must be smaller than either stride \(1,\) or dilation \(1,\)",
        ),
        (
            lambda: F.conv_transpose2d(ember.ones(1, 2, 1, 1), ember.ones(2, 1, 1, 1), padding=1),
            r"output size \(-1, -1\) is not positive",
        ),
        (
            lambda: F.conv_transpose2d(
                ember.ones(1, 4, 4, 4), ember.ones(4, 2, 3, 3), padding="same"
            ),
            "expected padding to be non-negative: one int or 2 ints, got 'same'",
        ),
    ],
)
def test_bad_shapes_and_attributes_raise_clear_errors(call, message):
    with pytest.raises(ShapeError, match=message) as err:
        call()
    assert f"(called from {HERE}:" in str(err.value)


def test_dtype_and_type_errors():
    with pytest.raises(DTypeError, match=r"conv2d: .*float32.*float64"):
        F.conv2d(ember.ones(1, 3, 4, 4), ember.ones(2, 3, 3, 3, dtype=ember.float64))
    with pytest.raises(DTypeError, match=r"conv1d: .*int64"):
        F.conv1d(ember.ones(1, 3, 4, dtype=ember.int64), ember.ones(2, 3, 3, dtype=ember.int64))
    with pytest.raises(DTypeError, match=r"bias ember\.float64"):
        F.conv1d(ember.ones(1, 3, 4), ember.ones(2, 3, 3), ember.ones(2, dtype=ember.float64))
    with pytest.raises(TypeError, match="conv2d: expected input, weight and bias to be Tensors"):
        F.conv2d(np.ones((1, 3, 4, 4)), ember.ones(2, 3, 3, 3))


@pytest.mark.parametrize(
    "name, x_shape, w_shape, kwargs",
    [
        ("conv2d", (16, 1, 28, 28), (6, 1, 5, 5), {"padding": 2}),
        ("conv2d", (8, 16, 12, 12), (16, 16, 3, 3), {"padding": 1}),
        ("conv2d", (4, 8, 11, 11), (12, 4, 3, 3), {"stride": 2, "groups": 2, "dilation": 2}),
        ("conv_transpose2d", (4, 16, 6, 6), (16, 8, 4, 4), {"stride": 2, "padding": 1}),
        ("conv3d", (2, 4, 6, 6, 6), (8, 4, 3, 3, 3), {"padding": "same"}),
    ],
)
def test_float32_forward_and_backward_match_torch(name, x_shape, w_shape, kwargs):
    (ex, tx), (ew, tw) = _pair(x_shape, 1, np.float32), _pair(w_shape, 2, np.float32)
    channels = w_shape[1] * kwargs.get("groups", 1) if "transpose" in name else w_shape[0]
    eb, tb = _pair((channels,), 3, np.float32)
    ours, theirs = getattr(F, name)(ex, ew, eb, **kwargs), getattr(TF, name)(tx, tw, tb, **kwargs)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-4, atol=1e-4)
    g = np.random.default_rng(4).standard_normal(ours.shape).astype(np.float32)
    ours.backward(ember.tensor(g))
    theirs.backward(torch.tensor(g))
    for a, b in [(ex, tx), (ew, tw), (eb, tb)]:
        assert a.grad.dtype == ember.float32
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-4, atol=1e-3)


def test_sum_backward_and_non_contiguous_input():
    """A broadcast (zero-stride) gradient and a transposed input view reach the kernels."""
    (ex, tx), (ew, tw) = _pair((2, 5, 3, 4)), _pair((4, 3, 2, 2))
    ours = F.conv2d(ex.transpose(1, 2), ew, stride=(2, 1), padding=1).sum()
    theirs = TF.conv2d(tx.transpose(1, 2), tw, stride=(2, 1), padding=1).sum()
    ours.backward()
    theirs.backward()
    np.testing.assert_allclose(ex.grad.data, tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ew.grad.data, tw.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "name, kwargs",
    [("conv2d", {"stride": 2, "padding": 1}), ("conv_transpose2d", {"stride": 2, "groups": 2})],
)
def test_third_derivatives_match_torch(name, kwargs):
    (ex, tx), (ew, tw) = (
        _pair((1, 2, 5, 5)),
        _pair((2, 1, 3, 3) if kwargs.get("groups") else (2, 2, 3, 3)),
    )
    results = []
    for lib, fn, x, w in [(ember, getattr(F, name), ex, ew), (torch, getattr(TF, name), tx, tw)]:
        y = fn(x, w, **kwargs)
        (gx,) = lib.autograd.grad((y * y * y).sum(), [x], create_graph=True)
        (gw,) = lib.autograd.grad((gx * gx).sum(), [w], create_graph=True)
        (gx2,) = lib.autograd.grad((gw * gw).sum(), [x])
        results.append(gx2.data if lib is ember else gx2.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("stride, output_padding", [(1, 0), (2, 1), (3, 2), (3, 0)])
def test_transpose_is_the_adjoint_of_conv(stride, output_padding):
    """<conv(x, w), y> = <x, conv_transpose(y, w)> for every input size a stride allows."""
    rng = np.random.default_rng(stride)
    w = ember.tensor(rng.standard_normal((3, 2, 3, 2)))
    y_shape = F.conv2d(ember.zeros(1, 2, 9, 9, dtype=ember.float64), w, stride=stride).shape
    y = ember.tensor(rng.standard_normal(y_shape))
    back = F.conv_transpose2d(y, w, stride=stride, output_padding=output_padding)
    x = ember.tensor(rng.standard_normal(back.shape))
    lhs = (F.conv2d(x, w, stride=stride) * y).sum().item()
    assert np.isclose(lhs, (x * back).sum().item())


def test_same_padding_keeps_the_size_with_even_kernels():
    out = F.conv2d(ember.ones(1, 1, 5, 6), ember.ones(1, 1, 4, 2), padding="same", dilation=(1, 3))
    assert out.shape == (1, 1, 5, 6)


def test_graph_names_and_exports():
    x = ember.ones(1, 1, 4, 4, requires_grad=True)
    assert F.conv2d(x, ember.ones(1, 1, 3, 3)).grad_fn.name == "ConvolutionBackward"
    for name in ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d"]:
        assert name in F.__all__ and callable(getattr(F, name))


def test_weight_gradient_reuses_the_forward_columns(monkeypatch):
    """The node keeps the forward's columns: a training step runs im2col once per conv,
    and the weight gradient equals the one computed without them."""
    import ember.ops.conv as conv_ops

    calls = []
    real = conv_ops.im2col
    monkeypatch.setattr(conv_ops, "im2col", lambda *a, **k: calls.append(1) or real(*a, **k))
    x = ember.tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 6)))
    w = ember.tensor(np.random.default_rng(1).standard_normal((4, 3, 3, 3)), requires_grad=True)
    F.conv2d(x, w, stride=2, padding=1).square().sum().backward()
    assert len(calls) == 1
    node = F.conv2d(x, w, stride=2, padding=1).grad_fn
    assert node.saved is not None
    g = F.conv2d(x, w, stride=2, padding=1).detach() * 2
    fresh = conv_ops.apply(
        conv_ops._conv_weight,
        x,
        g,
        kernel_size=(3, 3),
        stride=(2, 2),
        padding=((1, 1), (1, 1)),
        dilation=(1, 1),
        groups=1,
    )
    np.testing.assert_allclose(w.grad.data, fresh.data, rtol=1e-12)


def test_frozen_weight_keeps_no_columns():
    x = ember.ones(1, 2, 5, 5, requires_grad=True)
    assert F.conv2d(x, ember.ones(3, 2, 3, 3)).grad_fn.saved is None


def test_columns_too_large_to_keep_are_made_again(monkeypatch):
    import ember.ops.conv as conv_ops

    monkeypatch.setattr(conv_ops, "KEEP_COLUMNS_UP_TO", 100)
    x = ember.tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 6)))
    w = ember.tensor(np.random.default_rng(1).standard_normal((4, 3, 3, 3)), requires_grad=True)
    out = F.conv2d(x, w, padding=1)
    assert out.grad_fn.saved is None
    out.sum().backward()
    tw = torch.tensor(w.detach().numpy(), requires_grad=True)
    TF.conv2d(torch.tensor(x.numpy()), tw, padding=1).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-9, atol=1e-12)


# The generated samples have few channels, which the transposed convolution serves with
# col2im; these run them again with the shifted-window method forced.
_CONV_CASES = [c for c in CASES if c[0].startswith("conv")]


@pytest.fixture
def shifted_windows(monkeypatch):
    import ember.ops.conv as conv_ops

    calls = []
    real = conv_ops.convolve_transpose
    monkeypatch.setattr(conv_ops, "SHIFTS_FROM_CHANNELS", 1)
    monkeypatch.setattr(
        conv_ops, "convolve_transpose", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    return calls


@pytest.mark.parametrize(
    "name, index, sample",
    _CONV_CASES,
    ids=[i for c, i in zip(CASES, CASE_IDS, strict=True) if c[0].startswith("conv")],
)
def test_shifted_windows_match_torch(shifted_windows, name, index, sample):
    test_oracle.test_forward_matches_torch(name, index, sample)
    test_oracle.test_float32_dtypes_match_torch(name, index, sample)
    if sample.grad:
        test_oracle.test_backward_matches_torch(name, index, sample)


def test_shifted_windows_serve_most_samples_when_forced(shifted_windows):
    """Those left to other methods crop before the data or have no overlapping offsets."""
    for name, index, sample in _CONV_CASES:
        if sample.grad:
            test_oracle.test_backward_matches_torch(name, index, sample)
    assert len(shifted_windows) > len(_CONV_CASES) // 2


@pytest.mark.parametrize("stride", [1, 2])
def test_input_gradient_of_a_wide_layer_uses_shifted_windows(monkeypatch, stride):
    """A ResNet-like layer (64 channels) takes the shifted-window path by default, in
    float32, and its input gradient matches PyTorch's."""
    import ember.ops.conv as conv_ops

    calls = []
    real = conv_ops.convolve_transpose
    monkeypatch.setattr(
        conv_ops, "convolve_transpose", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    (x, tx), (w, tw) = _pair((4, 32, 10, 10), 0, np.float32), _pair((64, 32, 3, 3), 1, np.float32)
    F.conv2d(x, w, stride=stride, padding=1).square().sum().backward()
    TF.conv2d(tx, tw, stride=stride, padding=1).square().sum().backward()
    assert len(calls) == 1
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-3)
