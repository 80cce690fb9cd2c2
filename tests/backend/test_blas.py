"""``gemm`` on strided views, in place and adding, against ``numpy.matmul``."""

import os
import subprocess
import sys

import numpy as np
import pytest

from ember.backend import blas


def _rand(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def test_numpy_wheels_blas_is_found():
    """NumPy's wheels bundle scipy-openblas: its cblas gemm must be found there."""
    config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if config["name"] != "scipy-openblas":
        pytest.skip(f"NumPy built against {config['name']}, not its wheel's OpenBLAS")
    assert blas.available(np, np.float32) and blas.available(np, np.float64)


def test_available_only_for_numpy_floats():
    assert not blas.available(np, np.int64)
    assert not blas.available(np, np.float16)
    assert not blas.available(object(), np.float32)


@pytest.fixture
def no_matmul(monkeypatch):
    """Fail if gemm falls back on numpy.matmul: the product must go to BLAS."""

    def refuse(*args, **kwargs):
        raise AssertionError("gemm fell back on numpy.matmul")

    if blas.available(np, np.float64):
        monkeypatch.setattr(blas.numpy, "matmul", refuse)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-13), (np.float32, 1e-5)])
@pytest.mark.parametrize("a_t", [False, True])
@pytest.mark.parametrize("b_t", [False, True])
def test_gemm_matches_matmul_for_every_operand_layout(dtype, rtol, a_t, b_t, no_matmul):
    a = _rand(7, 5, dtype=dtype, seed=1)
    b = _rand(5, 9, dtype=dtype, seed=2)
    expected = a.astype(np.float64) @ b.astype(np.float64)
    a = np.ascontiguousarray(a.T).T if a_t else a
    b = np.ascontiguousarray(b.T).T if b_t else b
    out = np.empty((7, 9), dtype)
    assert blas.gemm(a, b, out) is out
    np.testing.assert_allclose(out, expected, rtol=rtol)


def test_gemm_reads_and_adds_into_shifted_windows_of_one_buffer(no_matmul):
    """The use it is made for: windows at shifts of a wide buffer, a target with a row pitch,
    and products added in place; nothing outside the target changes."""
    buffer = _rand(4, 40, seed=3)
    kernels = _rand(3, 6, 4, seed=4)
    wide = np.full((6, 30), 7.0)
    target = wide[:, 5:25]
    expected = sum(k @ buffer[:, s : s + 20] for k, s in zip(kernels, (0, 3, 11), strict=True))
    for i, (k, s) in enumerate(zip(kernels, (0, 3, 11), strict=True)):
        blas.gemm(k, buffer[:, s : s + 20], target, accumulate=i > 0)
    np.testing.assert_allclose(target, expected, rtol=1e-13)
    assert (wide[:, :5] == 7).all() and (wide[:, 25:] == 7).all()


def test_gemm_accumulate_adds_to_what_is_there(no_matmul):
    a, b = _rand(3, 4, seed=5), _rand(4, 2, seed=6)
    out = np.ones((3, 2))
    blas.gemm(a, b, out, accumulate=True)
    np.testing.assert_allclose(out, 1 + a @ b, rtol=1e-13)


def test_gemm_without_unit_stride_falls_back_correctly():
    a = _rand(5, 12, seed=7)[:, ::3]
    b = _rand(4, 6, seed=8)
    out = np.zeros((5, 6))
    blas.gemm(a, b, out, accumulate=True)
    np.testing.assert_allclose(out, a @ b, rtol=1e-13)


def test_gemm_with_empty_inner_dimension_writes_zeros():
    out = np.ones((2, 3))
    blas.gemm(np.empty((2, 0)), np.empty((0, 3)), out)
    assert (out == 0).all()


def test_gemm_refuses_mismatched_shapes_and_dtypes():
    with pytest.raises(ValueError, match=r"float64\(2, 3\) @ float64\(4, 5\)"):
        blas.gemm(np.ones((2, 3)), np.ones((4, 5)), np.empty((2, 5)))
    with pytest.raises(ValueError, match="float32"):
        blas.gemm(np.ones((2, 3), np.float32), np.ones((3, 5)), np.empty((2, 5)))


def test_gemm_refuses_an_output_that_overlaps_an_operand_or_is_read_only():
    buffer = np.ones((4, 8))
    with pytest.raises(ValueError, match="overlap"):
        blas.gemm(buffer[:, :4], buffer[:, 4:], buffer[:, 2:6])
    frozen = np.empty((4, 4))
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        blas.gemm(np.ones((4, 2)), np.ones((2, 4)), frozen)


def test_the_environment_variable_turns_direct_calls_off(monkeypatch):
    monkeypatch.setenv("EMBER_DIRECT_BLAS", "0")
    assert blas._load() == {}


def test_convolutions_without_direct_blas_in_a_fresh_process():
    """With direct calls off, a wide transposed convolution takes col2im and still matches
    the same computation with them on."""
    code = (
        "import numpy as np, ember, ember.nn.functional as F\n"
        "from ember.backend import blas\n"
        "x = ember.tensor(np.random.default_rng(0).standard_normal((2, 32, 6, 6)),"
        " requires_grad=True)\n"
        "w = ember.tensor(np.random.default_rng(1).standard_normal((40, 32, 3, 3)))\n"
        "F.conv2d(x, w, stride=2, padding=1).square().sum().backward()\n"
        "print(blas.available(np, np.float64), repr(float(x.grad.numpy().sum())))\n"
    )
    results = []
    for flag in ("0", "1"):
        env = {**os.environ, "EMBER_DIRECT_BLAS": flag}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        results.append(out.stdout.split())
    assert results[0][0] == "False"
    np.testing.assert_allclose(float(results[0][1]), float(results[1][1]), rtol=1e-12)
