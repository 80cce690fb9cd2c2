"""Linalg behaviours the generated tests do not reach: error messages and einsum edge cases."""

import os
import sys

import numpy as np
import pytest
import torch

import ember
from ember.errors import DTypeError, ShapeError

HERE = os.path.basename(__file__)


def _next_line() -> int:
    """The number of the line after the caller's, where the failing call is written."""
    return sys._getframe(1).f_lineno + 1


def test_matmul_shape_error_names_shapes_and_caller():
    a, b = ember.ones(32, 100), ember.ones(784, 128)
    with pytest.raises(ShapeError) as err:
        line = _next_line()
        a @ b
    assert str(err.value) == (
        f"matmul: shapes (32, 100) and (784, 128) do not align: "
        f"100 != 784 (called from {HERE}:{line})"
    )


def test_matmul_vector_shape_error_keeps_the_vector_shape():
    with pytest.raises(ShapeError) as err:
        line = _next_line()
        ember.matmul(ember.ones(100), ember.ones(784, 128))
    assert str(err.value) == (
        f"matmul: shapes (100,) and (784, 128) do not align: 100 != 784 (called from {HERE}:{line})"
    )


@pytest.mark.parametrize("shapes", [((2, 3, 4), (3, 4, 5)), ((3,), ()), ((2, 3), (2, 4, 3))])
def test_matmul_rejects_bad_shapes(shapes):
    with pytest.raises(ShapeError, match=rf"^matmul: .*\(called from {HERE}:\d+\)$"):
        ember.matmul(ember.ones(*shapes[0]), ember.ones(*shapes[1]))


def test_matmul_rejects_mixed_dtypes_and_non_tensors():
    with pytest.raises(DTypeError, match=r"matmul: .*float32.*int64"):
        ember.matmul(ember.ones(2, 2), ember.ones(2, 2, dtype=ember.int64))
    with pytest.raises(TypeError, match="matmul: expected Tensors, got ndarray"):
        np.ones((2, 2)) @ ember.ones(2, 2)


@pytest.mark.parametrize(
    "op, shapes, message",
    [
        ("mm", ((2, 3), (2, 3, 4)), "expected 2-D tensors"),
        ("mm", ((2, 3), (4, 5)), "shapes .* do not align: 3 != 4"),
        ("bmm", ((3, 4), (3, 4, 5)), "expected 3-D tensors"),
        ("bmm", ((2, 3, 4), (3, 4, 5)), "batch sizes of shapes .* differ: 2 != 3"),
        ("dot", ((3,), (4,)), "shapes .* do not align: 3 != 4"),
        ("outer", ((3, 1), (4,)), "expected 1-D tensors"),
    ],
)
def test_strict_products_reject_what_torch_rejects(op, shapes, message):
    with pytest.raises(ShapeError, match=f"^{op}: {message}"):
        getattr(ember, op)(*[ember.ones(*s) for s in shapes])


def test_tensordot_errors_name_the_dims():
    with pytest.raises(ShapeError, match=r"tensordot: contracted dims \[1\] .* \[3\] != \[4\]"):
        ember.tensordot(ember.ones(2, 3), ember.ones(4, 5), dims=([1], [0]))
    with pytest.raises(ShapeError, match="tensordot: cannot contract 3 dims"):
        ember.tensordot(ember.ones(2, 3), ember.ones(2, 3), dims=3)


def test_einsum_implicit_output_sorts_uppercase_first():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((4, 5))
    ours = ember.einsum("Ba,bA", ember.tensor(a), ember.tensor(b))
    theirs = torch.einsum("Ba,bA", torch.tensor(a), torch.tensor(b))
    assert ours.shape == tuple(theirs.shape) == (5, 2, 3, 4)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_einsum_errors():
    with pytest.raises(ShapeError, match="einsum: equation 'ij,jk' names 2 operands, got 1"):
        ember.einsum("ij,jk", ember.ones(2, 3))
    with pytest.raises(ShapeError, match=r"einsum: subscripts 'ijk' .* operand 0 of shape"):
        ember.einsum("ijk", ember.ones(2, 3))
    with pytest.raises(ShapeError, match="einsum: output subscripts 'ik'"):
        ember.einsum("ij->ik", ember.ones(2, 3))
    with pytest.raises(ShapeError, match=r"einsum: subscript 'j' .* size 4 in operand 1"):
        ember.einsum("ij,jk", ember.ones(2, 3), ember.ones(4, 5))


def test_einsum_repeated_subscript_gradient_is_a_clear_error():
    x = ember.randn(3, 3, requires_grad=True)
    y = ember.einsum("ii->i", x)
    np.testing.assert_allclose(y.detach().numpy(), np.diagonal(x.detach().numpy()))
    with pytest.raises(ShapeError, match=r"einsum: the gradient .* repeated subscript"):
        y.backward(ember.ones(3))
