"""Fused activations: softmax and log_softmax along one dimension.

Both are primitives rather than composites of exp, sum and div: one kernel
subtracts the maximum first, so large inputs do not overflow, and each VJP
reuses the output instead of recomputing the exponentials.
"""

from __future__ import annotations

from typing import Any

from ember.ops.core import to_dtype
from ember.ops.dispatch import OpRecord, apply, bind_methods, check, check_dtype, register
from ember.ops.elementwise import exp
from ember.ops.reduce import sum as _sum
from ember.tensor import Tensor

__all__ = ["log_softmax", "softmax"]


def _softmax_rule(x: Tensor, *, dim: int) -> tuple:
    check_dtype(
        x.data.dtype.kind == "f",
        "expected a floating tensor, got {} (pass dtype= to convert)",
        x.dtype,
    )
    size = max(x.ndim, 1)
    check(-size <= dim < size, "dim {} is out of range for a tensor of shape {}", dim, x.shape)
    return x.shape, x.dtype


def _shifted(xp: Any, x: Any, dim: int) -> tuple[Any, Any]:
    # exp overflows past ~709 in float64 (~88 in float32); after subtracting the
    # maximum every exponent is <= 0 and the largest term is exactly 1.
    axis = dim if x.ndim else None
    return x - x.max(axis=axis, keepdims=True), axis


def _softmax_forward(xp: Any, x: Any, *, dim: int) -> Any:
    shifted, axis = _shifted(xp, x, dim)
    e = xp.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax_forward(xp: Any, x: Any, *, dim: int) -> Any:
    shifted, axis = _shifted(xp, x, dim)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


_softmax = register(
    OpRecord(
        name="softmax",
        forward=_softmax_forward,
        vjp=lambda g, out, x, *, dim: (out * (g - _sum(g * out, dim, keepdim=True)),),
        shape_rule=_softmax_rule,
    )
)

_log_softmax = register(
    OpRecord(
        name="log_softmax",
        forward=_log_softmax_forward,
        vjp=lambda g, out, x, *, dim: (g - exp(out) * _sum(g, dim, keepdim=True),),
        shape_rule=_softmax_rule,
    )
)


def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """``exp(input)`` normalized to sum to 1 along ``dim``, as ``torch.softmax``.

    Args:
        input: a floating tensor (or any tensor, with ``dtype``).
        dim: the dimension to normalize over; negative counts from the end.
        dtype: if given, ``input`` is converted to it first.

    Returns:
        A tensor of ``input``'s shape whose slices along ``dim`` sum to 1.

    >>> import ember
    >>> ember.softmax(ember.tensor([1000.0, 1000.0]), dim=0).tolist()
    [0.5, 0.5]
    """
    if dtype is not None:
        input = to_dtype(input, dtype)
    return apply(_softmax, input, dim=dim)


def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """``log(softmax(input, dim))`` computed stably, as ``torch.log_softmax``.

    Args:
        input: a floating tensor (or any tensor, with ``dtype``).
        dim: the dimension to normalize over; negative counts from the end.
        dtype: if given, ``input`` is converted to it first.

    >>> import ember
    >>> ember.log_softmax(ember.tensor([0.0, -1000.0]), dim=-1).tolist()
    [0.0, -1000.0]
    """
    if dtype is not None:
        input = to_dtype(input, dtype)
    return apply(_log_softmax, input, dim=dim)


bind_methods(softmax=softmax, log_softmax=log_softmax)
