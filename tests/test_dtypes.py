"""Type promotion against PyTorch's, over all dtype pairs and operand kinds."""

import itertools

import numpy as np
import pytest
import torch

import ember
from ember.dtypes import ALL_DTYPES

_TORCH = {d: getattr(torch, d.name) for d in ALL_DTYPES}


@pytest.mark.parametrize(
    "a, b", list(itertools.product(ALL_DTYPES, repeat=2)), ids=lambda d: d.name
)
def test_promote_types_matches_torch(a, b):
    assert _TORCH[ember.promote_types(a, b)] == torch.promote_types(_TORCH[a], _TORCH[b])


def _pair(dtype, ndim):
    shape = (2,) * ndim
    return (
        ember.zeros(*shape, dtype=dtype)
        if dtype.is_floating_point
        else ember.tensor(np.zeros(shape, dtype.np)),
        torch.zeros(shape, dtype=_TORCH[dtype]),
    )


@pytest.mark.parametrize(
    "a, b", list(itertools.product(ALL_DTYPES, repeat=2)), ids=lambda d: d.name
)
@pytest.mark.parametrize("ndims", [(1, 0), (0, 1), (0, 0)])
def test_dimensioned_and_zero_dim_operands(a, b, ndims):
    ea, ta = _pair(a, ndims[0])
    eb, tb = _pair(b, ndims[1])
    assert _TORCH[ember.result_type(ea, eb)] == torch.result_type(ta, tb)


@pytest.mark.parametrize("a", ALL_DTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("scalar", [True, 3, 2.5])
def test_python_scalars(a, scalar):
    ea, ta = _pair(a, 1)
    assert _TORCH[ember.result_type(ea, scalar)] == torch.result_type(ta, scalar)
    assert (ea + scalar).dtype is ember.result_type(ea, scalar) or a is ember.bool_


def test_default_dtype_changes_float_scalars():
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.tensor([1.0]).dtype is ember.float64
        assert (ember.tensor([1, 2]) * 0.5).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    with pytest.raises(TypeError, match="floating"):
        ember.set_default_dtype(ember.int32)


def test_to_dtype_accepts_names_and_numpy():
    assert ember.dtypes.to_dtype("float16") is ember.float16
    assert ember.dtypes.to_dtype(np.int32) is ember.int32
    with pytest.raises(TypeError, match="unsupported dtype"):
        ember.dtypes.to_dtype("complex64")
