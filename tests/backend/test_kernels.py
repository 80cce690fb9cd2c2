"""Kernels NumPy lacks: the pure-NumPy erf matches math.erf to a few ulps."""

import math

import numpy as np
import pytest

from ember.backend import kernels


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numpy_erf_matches_math_erf(monkeypatch, dtype):
    monkeypatch.setattr(kernels, "_scipy_erf", None)
    x = np.concatenate([np.linspace(-7, 7, 4001), [0.0, 1e-300, -1e-12, 2.9999, 3.0001]])
    x = x.astype(dtype)
    ours = kernels.erf(np, x)
    reference = np.array([math.erf(float(v)) for v in x])
    assert ours.dtype == dtype
    tolerance = 1.5e-15 if dtype == np.float64 else 2e-7
    np.testing.assert_allclose(ours, reference, rtol=tolerance, atol=1e-300)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scipy", [True, False])
def test_sigmoid_is_stable_and_exact(monkeypatch, dtype, scipy):
    if not scipy:
        monkeypatch.setattr(kernels, "_scipy_expit", None)
    x = np.array([-800.0, -40.0, -20.0, -1.0, 0.0, 1e-8, 3.0, 40.0, 800.0], dtype=dtype)
    ours = kernels.sigmoid(np, x)
    reference = np.array([1 / (1 + math.exp(-float(v))) if v > -700 else 0.0 for v in x])
    assert ours.dtype == dtype and np.isfinite(ours).all()
    np.testing.assert_allclose(ours, reference, rtol=4e-16 if dtype == np.float64 else 2e-7)


# (input shape, kernel size, (before, after) padding, dilation, stride, groups): the last dim
# keeps its size (stride 1, 'same' padding), which im2col copies as whole runs of rows.
_SAME_WIDTH = [
    ((2, 3, 7), (3,), ((1, 1),), (1,), (1,), 1),
    ((2, 4, 6), (4,), ((2, 1),), (1,), (1,), 2),
    ((3, 2, 5, 6), (3, 3), ((1, 1), (1, 1)), (1, 1), (1, 1), 1),
    ((2, 4, 6, 5), (3, 2), ((0, 2), (0, 1)), (2, 1), (2, 1), 2),
    ((2, 2, 4, 9), (2, 3), ((1, 0), (3, 1)), (1, 2), (1, 1), 1),
    ((1, 3, 5, 1), (3, 1), ((1, 1), (0, 0)), (1, 1), (1, 1), 1),
    ((2, 2, 3, 4, 5), (3, 2, 3), ((1, 1), (0, 1), (1, 1)), (1, 1, 1), (2, 1, 1), 1),
]


@pytest.mark.parametrize("shape, kernel, padding, dilation, stride, groups", _SAME_WIDTH)
def test_im2col_of_same_width_rows_matches_torch(shape, kernel, padding, dilation, stride, groups):
    import torch

    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    nd = len(kernel)
    out_size = tuple(
        (m + lo + hi - d * (k - 1) - 1) // s + 1
        for m, k, (lo, hi), d, s in zip(shape[2:], kernel, padding, dilation, stride, strict=True)
    )
    assert out_size[-1] == shape[-1] and stride[-1] == 1
    cols = kernels.im2col(np, x, kernel, stride, padding, dilation, groups, out_size)
    w = rng.standard_normal((groups * 2, shape[1] // groups, *kernel))
    ours = np.matmul(w.reshape(groups, 2, -1), cols).reshape(groups * 2, shape[0], *out_size)
    pads = [p for pair in reversed(padding) for p in pair]
    conv = getattr(torch.nn.functional, f"conv{nd}d")
    theirs = conv(
        torch.nn.functional.pad(torch.tensor(x), pads),
        torch.tensor(w),
        stride=stride,
        dilation=dilation,
        groups=groups,
    )
    np.testing.assert_allclose(ours.swapaxes(0, 1), theirs.numpy(), rtol=1e-12, atol=1e-12)
