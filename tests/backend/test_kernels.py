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


def test_parallel_covers_every_part_once(monkeypatch):
    monkeypatch.setattr(kernels, "_CORES", 3)
    seen = []
    kernels.parallel(np, 10, 1 << 30, lambda part: seen.append((part.start, part.stop)))
    assert sorted(seen) == [(0, 3), (3, 6), (6, 10)]
    seen.clear()
    kernels.parallel(np, 10, 10, lambda part: seen.append((part.start, part.stop)))
    assert seen == [(0, 10)]


def test_parallel_raises_a_workers_error(monkeypatch):
    monkeypatch.setattr(kernels, "_CORES", 2)

    def work(part):
        if part.start:
            raise ValueError("bad part")

    with pytest.raises(ValueError, match="bad part"):
        kernels.parallel(np, 4, 1 << 30, work)


def test_threaded_im2col_and_fold_equal_one_thread(monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3, 9, 8)).astype(np.float32)
    attrs = {"stride": (2, 1), "padding": ((1, 2), (0, 1)), "dilation": (1, 2), "groups": 1}
    fold = kernels.Col2im((4, 5), (3, 2), (2, 2), ((1, 0), (0, 1)), (1, 1))
    cols = rng.standard_normal((5, 3, 6, fold.run)).astype(np.float32)
    results = []
    for cores, threshold in [(1, 1 << 30), (2, 0)]:
        monkeypatch.setattr(kernels, "_CORES", cores)
        monkeypatch.setattr(kernels, "_PARALLEL_FROM", threshold)
        results.append(
            (
                kernels.im2col(np, x, (3, 2), **attrs, out_size=(5, 7)),
                kernels.pad(np, x, ((2, 1), (1, 3))),
                fold.fold(np, cols, (8, 9)),
            )
        )
    for one, many in zip(*results, strict=True):
        np.testing.assert_array_equal(one, many)
