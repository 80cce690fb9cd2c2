"""Every op, every sample: forward and backward equal PyTorch's on the same float64 inputs.

Generated from the op table; a new op only needs samples.
"""

import numpy as np
import pytest
import torch

import ember
from tests.ops.harness import (
    CASE_IDS,
    CASES,
    REGISTERED,
    as_list,
    call_ember,
    call_torch,
    ember_args,
    to_numpy,
    torch_args,
)
from tests.ops.samples import SAMPLES

RTOL = 1e-6
ATOL = 1e-9


def test_every_op_has_samples():
    missing = REGISTERED - set(SAMPLES)
    assert not missing, f"ops without samples: {sorted(missing)}"


@pytest.mark.parametrize("name, index, sample", CASES, ids=CASE_IDS)
def test_forward_matches_torch(name, index, sample):
    ours = as_list(call_ember(name, sample, ember_args(sample)))
    theirs = as_list(call_torch(name, sample, torch_args(sample)))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        a, b = to_numpy(a), to_numpy(b)
        assert a.shape == b.shape
        assert str(a.dtype) == str(b.dtype).replace("torch.", ""), (a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True)


@pytest.mark.parametrize("name, index, sample", CASES, ids=CASE_IDS)
def test_float32_dtypes_match_torch(name, index, sample):
    """Type promotion: the same inputs in float32 give the dtype PyTorch gives."""
    ours = as_list(call_ember(name, sample, ember_args(sample, np.float32)))
    theirs = as_list(call_torch(name, sample, torch_args(sample, np.float32)))
    for a, b in zip(ours, theirs, strict=True):
        a, b = to_numpy(a), to_numpy(b)
        assert str(a.dtype) == str(b.dtype).replace("torch.", "")
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, equal_nan=True)


@pytest.mark.parametrize(
    "name, index, sample",
    [c for c in CASES if c[2].grad],
    ids=[i for c, i in zip(CASES, CASE_IDS, strict=True) if c[2].grad],
)
def test_backward_matches_torch(name, index, sample):
    e_args, t_args = ember_args(sample), torch_args(sample)
    ours = [
        o
        for o in as_list(call_ember(name, sample, e_args))
        if isinstance(o, ember.Tensor) and o.requires_grad
    ]
    theirs = [
        o
        for o in as_list(call_torch(name, sample, t_args))
        if isinstance(o, torch.Tensor) and o.requires_grad
    ]
    assert len(ours) == len(theirs) > 0
    rng = np.random.default_rng(index)
    cotangents = [rng.standard_normal(o.shape) for o in ours]
    e_in = [a for a in e_args if isinstance(a, ember.Tensor) and a.requires_grad]
    t_in = [a for a in t_args if isinstance(a, torch.Tensor) and a.requires_grad]
    e_grads = ember.autograd.grad(
        ours, e_in, [ember.tensor(c) for c in cotangents], allow_unused=True
    )
    t_grads = torch.autograd.grad(
        theirs, t_in, [torch.tensor(c) for c in cotangents], allow_unused=True
    )
    for a, b in zip(e_grads, t_grads, strict=True):
        a = np.zeros(1) if a is None else to_numpy(a)
        b = np.zeros(1) if b is None else to_numpy(b)
        np.testing.assert_allclose(a, np.broadcast_to(b, a.shape), rtol=RTOL, atol=ATOL)
