"""Shape and dtype rules shared by op families."""

from __future__ import annotations

from ember import dtypes
from ember.ops.core import broadcast_shapes
from ember.ops.dispatch import check_dtype
from ember.tensor import Tensor

__all__ = [
    "broadcast_binary_rule",
    "comparison_rule",
    "float_binary_rule",
    "integral_binary_rule",
    "same_rule",
    "unary_float_rule",
]


def same_rule(x: Tensor, **attrs: object) -> tuple:
    """The output has the input's shape and dtype."""
    return x.shape, x.dtype


def unary_float_rule(x: Tensor, **attrs: object) -> tuple:
    """Same shape and dtype, and the dtype must be floating."""
    check_dtype(x.data.dtype.kind == "f", "expected a floating tensor, got {}", x.dtype)
    return x.shape, x.dtype


def broadcast_binary_rule(x: Tensor, y: Tensor, **attrs: object) -> tuple:
    """Inputs broadcast together; callers have already promoted them to one dtype."""
    dtype = x.dtype
    check_dtype(y.dtype is dtype, "dtypes {} and {} differ", dtype, y.dtype)
    shape = x.shape
    other = y.shape
    return (shape if shape == other else broadcast_shapes(shape, other)), dtype


def float_binary_rule(x: Tensor, y: Tensor, **attrs: object) -> tuple:
    """As ``broadcast_binary_rule``, for ops defined on floating types only."""
    shape, dtype = broadcast_binary_rule(x, y)
    check_dtype(dtype.is_floating_point, "expected floating tensors, got {}", dtype)
    return shape, dtype


def integral_binary_rule(x: Tensor, y: Tensor, **attrs: object) -> tuple:
    """As ``broadcast_binary_rule``, for bitwise ops on integers and bools."""
    shape, dtype = broadcast_binary_rule(x, y)
    check_dtype(not dtype.is_floating_point, "expected integer or bool tensors, got {}", dtype)
    return shape, dtype


def comparison_rule(x: Tensor, y: Tensor, **attrs: object) -> tuple:
    """Broadcast shape, bool dtype."""
    shape, _ = broadcast_binary_rule(x, y)
    return shape, dtypes.bool_
