"""Plumbing every op family needs: casts, broadcasting and its adjoint, type promotion.

``broadcast_to`` and ``sum_to`` are each other's VJP; ``unbroadcast`` (used by
every binary VJP) is ``sum_to`` when shapes differ and free when they do not.
"""

from __future__ import annotations

from typing import Any

import numpy

from ember import dtypes
from ember.backend import get_xp
from ember.errors import DTypeError
from ember.ops.dispatch import OpRecord, apply, bind_methods, check, op_error, register
from ember.tensor import Tensor

__all__ = [
    "broadcast_shapes",
    "broadcast_to",
    "clone",
    "expand",
    "promote",
    "scalar_like",
    "sum_to",
    "to_dtype",
    "unbroadcast",
]

_SCALARS = (bool, int, float)


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape that all ``shapes`` broadcast to (NumPy and PyTorch rules).

    Raises:
        ShapeError: naming the first pair of sizes that do not match.

    >>> broadcast_shapes((3, 1), (1, 4))
    (3, 4)
    """
    out = shapes[0]
    for shape in shapes[1:]:
        if shape == out:
            continue
        ndim = max(len(out), len(shape))
        a = (1,) * (ndim - len(out)) + tuple(out)
        b = (1,) * (ndim - len(shape)) + tuple(shape)
        merged = []
        for i, (m, n) in enumerate(zip(a, b, strict=True)):
            check(
                m == n or m == 1 or n == 1,
                "shapes {} and {} cannot be broadcast: size {} != {} at dimension {}",
                tuple(out),
                tuple(shape),
                m,
                n,
                i - ndim,
            )
            merged.append(n if m == 1 else m)
        out = tuple(merged)
    return tuple(out)


def _cast_rule(x: Tensor, *, dtype: dtypes.DType) -> tuple:
    return x.shape, dtype


def _cast_vjp(g: Tensor, out: Tensor, x: Tensor, *, dtype: dtypes.DType) -> tuple:
    return (to_dtype(g, x.dtype) if x.data.dtype.kind == "f" else None,)


_cast = register(
    OpRecord(
        name="to_dtype",
        forward=lambda xp, x, *, dtype: x.astype(dtype.np),
        vjp=_cast_vjp,
        shape_rule=_cast_rule,
    )
)


def to_dtype(input: Tensor, dtype: Any) -> Tensor:
    """``input`` converted to ``dtype``; returns ``input`` itself if it has it already.

    Gradients flow back through casts between floating types.
    """
    dtype = dtypes.to_dtype(dtype)
    if input.data.dtype == dtype.np:
        return input
    return apply(_cast, input, dtype=dtype)


def _broadcast_rule(x: Tensor, *, shape: tuple[int, ...]) -> tuple:
    check(
        len(shape) >= x.ndim,
        "cannot broadcast a tensor of shape {} to the smaller rank shape {}",
        x.shape,
        shape,
    )
    lead = len(shape) - x.ndim
    for i, n in enumerate(x.shape):
        check(
            n == shape[lead + i] or n == 1,
            "cannot broadcast shape {} to {}: size {} at dimension {} is neither {} nor 1",
            x.shape,
            shape,
            n,
            i,
            shape[lead + i],
        )
    return tuple(shape), x.dtype


broadcast_to_record = register(
    OpRecord(
        name="broadcast_to",
        forward=lambda xp, x, *, shape: xp.broadcast_to(x, shape),
        vjp=lambda g, out, x, *, shape: (sum_to(g, x.shape),),
        shape_rule=_broadcast_rule,
    )
)


def broadcast_to(input: Tensor, size: tuple[int, ...]) -> Tensor:
    """A read-only broadcast view of ``input`` with shape ``size`` (``-1`` keeps a size).

    >>> import ember
    >>> ember.broadcast_to(ember.tensor([1, 2]), (2, 2)).tolist()
    [[1, 2], [1, 2]]
    """
    size = tuple(size)
    lead = len(size) - input.ndim
    size = tuple(input.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(size))
    if size == input.shape:
        return input
    return apply(broadcast_to_record, input, shape=size)


def _sum_to_axes(in_shape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    lead = len(in_shape) - len(shape)
    return tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and in_shape[lead + i] != 1
    )


def _sum_to_rule(x: Tensor, *, shape: tuple[int, ...]) -> tuple:
    check(
        len(shape) <= x.ndim, "cannot sum shape {} down to the larger rank shape {}", x.shape, shape
    )
    lead = x.ndim - len(shape)
    for i, n in enumerate(shape):
        check(
            n == x.shape[lead + i] or n == 1,
            "cannot sum shape {} to {}: size {} at dimension {} is neither {} nor 1",
            x.shape,
            shape,
            n,
            i,
            x.shape[lead + i],
        )
    return tuple(shape), x.dtype


def _sum_to_forward(xp: Any, x: Any, *, shape: tuple[int, ...]) -> Any:
    return x.sum(axis=_sum_to_axes(x.shape, shape)).reshape(shape)


sum_to_record = register(
    OpRecord(
        name="sum_to",
        forward=_sum_to_forward,
        vjp=lambda g, out, x, *, shape: (broadcast_to(g, x.shape),),
        shape_rule=_sum_to_rule,
    )
)


def sum_to(input: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``input`` over the dimensions that broadcasting ``shape`` to it expanded.

    >>> import ember
    >>> ember.sum_to(ember.ones(2, 3), (1, 3)).tolist()
    [[2.0, 2.0, 2.0]]
    """
    shape = tuple(shape)
    if input.shape == shape:
        return input
    return apply(sum_to_record, input, shape=shape)


def unbroadcast(g: Tensor | None, shape: tuple[int, ...]) -> Tensor | None:
    """The gradient ``g`` of a broadcast result, summed back to an input's ``shape``."""
    if g is None or g.shape == shape:
        return g
    return apply(sum_to_record, g, shape=shape)


_clone = register(
    OpRecord(
        name="clone",
        forward=lambda xp, x: x.copy(),
        vjp=lambda g, out, x: (g,),
        shape_rule=lambda x: (x.shape, x.dtype),
    )
)


def clone(input: Tensor) -> Tensor:
    """A copy of ``input`` with its own memory; gradients flow through it.

    >>> import ember
    >>> ember.clone(ember.tensor([1.0])).tolist()
    [1.0]
    """
    return apply(_clone, input)


def scalar_like(value: Any, dtype: dtypes.DType, like: Tensor | None = None) -> Tensor:
    """A 0-d constant tensor holding ``value`` in ``dtype``, in the array module of ``like``
    (the tensor it will be combined with; NumPy without one)."""
    return Tensor(get_xp(None if like is None else like.data).asarray(value, dtype=dtype.np))


def promote(op: str, *operands: Any) -> list[Tensor]:
    """Tensors of one dtype for ``operands`` (tensors and Python numbers), PyTorch rules.

    Raises:
        TypeError: for operands that are neither tensors nor numbers.
    """
    first = operands[0]
    for x in operands:
        if not isinstance(x, Tensor) or x.data.dtype != first.data.dtype:
            break
    else:
        return list(operands)
    fixed = []
    for x in operands:
        if isinstance(x, numpy.generic):
            x = x.item()
        elif not isinstance(x, (Tensor, *_SCALARS)):
            raise op_error(op, f"expected tensors or numbers, got {type(x).__name__}", DTypeError)
        fixed.append(x)
    dtype = dtypes.result_type(*fixed)
    like = next((x for x in fixed if isinstance(x, Tensor)), None)
    return [
        to_dtype(x, dtype) if isinstance(x, Tensor) else scalar_like(x, dtype, like) for x in fixed
    ]


def expand(input: Tensor, *sizes: int) -> Tensor:
    """A broadcast view of ``input`` with the given sizes; ``-1`` keeps a size.

    >>> import ember
    >>> ember.tensor([[1], [2]]).expand(2, 3).tolist()
    [[1, 1, 1], [2, 2, 2]]
    """
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    return broadcast_to(input, sizes)


def _to(self: Tensor, *args: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
    """``self`` converted to a dtype (``t.to(ember.float64)``); devices other than cpu
    come with the GPU backend."""
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif str(arg) != "cpu":
            dtype = arg
    return self if dtype is None else to_dtype(self, dtype)


bind_methods(
    to=_to,
    type=lambda self, dtype: to_dtype(self, dtype),
    type_as=lambda self, other: to_dtype(self, other.dtype),
    float=lambda self: to_dtype(self, dtypes.float32),
    double=lambda self: to_dtype(self, dtypes.float64),
    half=lambda self: to_dtype(self, dtypes.float16),
    long=lambda self: to_dtype(self, dtypes.int64),
    int=lambda self: to_dtype(self, dtypes.int32),
    bool=lambda self: to_dtype(self, dtypes.bool_),
    clone=clone,
    contiguous=lambda self: self,
    broadcast_to=broadcast_to,
    expand=expand,
    expand_as=lambda self, other: broadcast_to(self, other.shape),
    sum_to_size=lambda self, *size: sum_to(
        self, size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    ),
)
