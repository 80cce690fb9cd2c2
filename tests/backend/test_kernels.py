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
