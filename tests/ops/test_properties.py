"""Property tests: broadcasting and reductions over random shapes agree with PyTorch."""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember

SETTINGS = settings(max_examples=40, deadline=None)
BINARY = ["add", "sub", "mul", "maximum", "minimum", "atan2"]


def _tensors(a, requires_grad=True):
    return (
        ember.tensor(a, requires_grad=requires_grad),
        torch.tensor(a, requires_grad=requires_grad),
    )


@SETTINGS
@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3),
    op=st.sampled_from(BINARY),
    seed=st.integers(0, 2**16),
)
def test_broadcasting_binary_ops_forward_and_backward(shapes, op, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shapes.input_shapes[0])
    b = rng.standard_normal(shapes.input_shapes[1])
    (ea, ta), (eb, tb) = _tensors(a), _tensors(b)
    eo, to = getattr(ember, op)(ea, eb), getattr(torch, op)(ta, tb)
    assert eo.shape == tuple(to.shape) == shapes.result_shape
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal(eo.shape)
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(ea.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(eb.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-12)


@st.composite
def _reduction_case(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    dims = draw(
        st.lists(
            st.integers(-len(shape), len(shape) - 1),
            min_size=1,
            max_size=len(shape),
            unique_by=lambda d: d % len(shape),
        )
    )
    return shape, tuple(dims), draw(st.booleans())


@SETTINGS
@given(
    case=_reduction_case(),
    op=st.sampled_from(["sum", "mean", "amax", "amin", "var", "std", "logsumexp", "prod"]),
    seed=st.integers(0, 2**16),
)
def test_reductions_over_random_dims(case, op, seed):
    shape, dims, keepdim = case
    if op == "prod":  # torch.prod takes a single dim
        dims = dims[0]
    rng = np.random.default_rng(seed)
    a = rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 + 0.5  # no ties
    ea, ta = _tensors(a)
    eo = getattr(ember, op)(ea, dim=dims, keepdim=keepdim)
    to = getattr(torch, op)(ta, dim=dims, keepdim=keepdim)
    assert eo.shape == tuple(to.shape)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-10, equal_nan=True)
    if not np.isfinite(to.detach().numpy()).all():
        return
    g = rng.standard_normal(eo.shape)
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(ea.grad.numpy(), ta.grad.numpy(), rtol=1e-8, atol=1e-12)
