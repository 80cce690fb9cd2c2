"""Resampling: what the generated sample tests do not cover (PyTorch's coordinate rules over
many sizes and scales, both dtypes, double backward, pixel shuffles, errors)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as F
from ember.errors import DTypeError, ShapeError
from ember.testing import gradgradcheck

_SCALES = [0.3, 0.5, 0.7, 1.0, 1.1, 1.5, 1.7, 2.0, 2.3, 3.0, 1 / 3]


def _torch_backward_is_exact(spatial, mode, in_size, out_size, scales):
    """Whether PyTorch's gradient is the true one: its 1-D and 3-D nearest kernels copy or
    halve in backward when an axis keeps or doubles its size, whatever the scale, while
    their forward uses the scale (Ember's gradient is always that of its forward)."""
    if spatial == 2 or mode != "nearest" or scales is None:
        return True
    return not any(
        o in (n, 2 * n) and s != o / n for n, o, s in zip(in_size, out_size, scales, strict=True)
    )


def _cases(count, seed):
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < count:
        spatial = int(rng.integers(1, 4))
        linear = ["linear", "bilinear", "trilinear"][spatial - 1]
        modes = ["nearest", "nearest-exact", linear] + (["area"] if spatial < 3 else [])
        mode = str(rng.choice(modes))
        kwargs = {"mode": mode}
        if mode == linear:
            kwargs["align_corners"] = bool(rng.integers(2))
        if rng.random() < 0.5:
            kwargs["size"] = tuple(int(n) for n in rng.integers(1, 12, spatial))
        else:
            kwargs["scale_factor"] = tuple(float(s) for s in rng.choice(_SCALES, spatial))
            if mode != "area" and rng.random() < 0.3:
                kwargs["recompute_scale_factor"] = True
        in_size = tuple(int(n) for n in rng.integers(1, 8, spatial))
        out_size = kwargs.get("size") or tuple(
            int(n * s) for n, s in zip(in_size, kwargs["scale_factor"], strict=True)
        )
        if min(out_size) >= 1:
            cases.append((in_size, kwargs))
    return cases


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("in_size, kwargs", _cases(120, seed=0), ids=str)
def test_interpolate_matches_torch(in_size, kwargs, dtype):
    data = np.random.default_rng(1).standard_normal((2, 2, *in_size)).astype(dtype)
    ours_x = ember.tensor(data, requires_grad=True)
    theirs_x = torch.tensor(data, requires_grad=True)
    ours, theirs = F.interpolate(ours_x, **kwargs), TF.interpolate(theirs_x, **kwargs)
    assert ours.shape == tuple(theirs.shape) and ours.dtype.np == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)
    scales = None if kwargs.get("recompute_scale_factor") else kwargs.get("scale_factor")
    if not _torch_backward_is_exact(len(in_size), kwargs["mode"], in_size, ours.shape[2:], scales):
        return
    cotangent = np.random.default_rng(2).standard_normal(ours.shape).astype(dtype)
    ours.backward(ember.tensor(cotangent))
    theirs.backward(torch.tensor(cotangent))
    np.testing.assert_allclose(
        ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=10 * tol, atol=10 * tol
    )


def test_nearest_gradient_is_that_of_its_forward_where_torch_differs():
    x = ember.arange(5.0).reshape(1, 1, 5).requires_grad_()
    out = F.interpolate(x, scale_factor=1.1)
    assert (
        out.tolist()
        == TF.interpolate(torch.arange(5.0).reshape(1, 1, 5), scale_factor=1.1).tolist()
    )
    out.backward(ember.ones(1, 1, 5))
    assert x.grad.tolist() == [[[2.0, 1.0, 1.0, 1.0, 0.0]]]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"size": (5, 7), "mode": "bilinear"},
        {"scale_factor": 0.6, "mode": "bilinear", "align_corners": True},
        {"size": (5, 3), "mode": "nearest"},
    ],
    ids=str,
)
def test_second_derivatives(kwargs):
    x = ember.randn(2, 2, 3, 4, dtype=ember.float64, requires_grad=True)
    assert gradgradcheck(lambda t: F.interpolate(t, **kwargs) ** 2, [x])


def test_pixel_shuffle_and_unshuffle_invert_each_other_like_torch():
    data = np.random.default_rng(3).standard_normal((2, 3, 18, 6, 4))
    ours = F.pixel_shuffle(ember.tensor(data), 3)
    theirs = TF.pixel_shuffle(torch.tensor(data), 3)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(F.pixel_unshuffle(ours, 3).numpy(), data)


x4 = ember.zeros(2, 3, 4, 4)


@pytest.mark.parametrize(
    "call, kind, fragments",
    [
        (lambda: F.interpolate(x4), ValueError, ["interpolate", "size or scale_factor"]),
        (lambda: F.interpolate(x4, 2, 2.0), ValueError, ["exactly one"]),
        (lambda: F.interpolate(x4, (2, 2, 2)), ValueError, ["(2, 2, 2)", "(2, 3, 4, 4)"]),
        (lambda: F.interpolate(x4, 3, mode="bicubic"), ValueError, ["'bicubic'"]),
        (lambda: F.interpolate(x4, 3, mode="linear"), ShapeError, ["'linear'", "3-D"]),
        (lambda: F.interpolate(x4, 3, align_corners=True), ValueError, ["align_corners"]),
        (lambda: F.interpolate(x4, scale_factor=0.1), ShapeError, ["(0, 0)"]),
        (lambda: F.interpolate(x4.long(), 8), DTypeError, ["int64"]),
        (lambda: F.interpolate(ember.zeros(4, 4), 8), ShapeError, ["(4, 4)"]),
        (
            lambda: F.interpolate(x4, 8, recompute_scale_factor=True),
            ValueError,
            ["recompute_scale_factor"],
        ),
        (lambda: F.pixel_shuffle(x4, 2), ShapeError, ["pixel_shuffle", "channels 3"]),
        (lambda: F.pixel_shuffle(ember.zeros(4, 4), 2), ShapeError, ["3 dimensions"]),
        (lambda: F.pixel_unshuffle(x4, 3), ShapeError, ["pixel_unshuffle", "(2, 3, 4, 4)"]),
    ],
)
def test_bad_arguments_name_the_op_the_shape_and_the_caller(call, kind, fragments):
    with pytest.raises(kind) as err:
        call()
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} missing from {message!r}"
    assert "test_resample.py:" in message
