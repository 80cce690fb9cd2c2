"""Shape ops: views and rearrangements (reshape, permute, cat, flip, pad, ...).

``reshape`` and ``permute`` are the primitives most VJPs of other families use;
everything that they (and ``cat``/``flip``/...) can express is a composite.
"""

from __future__ import annotations

from typing import Any

from ember.errors import ShapeError
from ember.ops.dispatch import OpRecord, apply, bind_methods, check, op_error, register
from ember.tensor import Tensor

__all__ = ["permute", "reshape"]


def _sizes(sizes: tuple) -> tuple:
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        return tuple(sizes[0])
    return tuple(sizes)


def _infer_shape(numel: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    unknown = [i for i, n in enumerate(shape) if n == -1]
    check(len(unknown) <= 1, "only one dimension can be inferred (-1), got shape {}", shape)
    known = 1
    for n in shape:
        if n != -1:
            check(n >= 0, "invalid shape dimension {} in {}", n, shape)
            known *= n
    if unknown:
        check(known != 0 and numel % known == 0,
              "shape {} is invalid for input of size {}", shape, numel)
        shape = tuple(numel // known if n == -1 else n for n in shape)
    return shape


def _reshape_rule(x: Tensor, *, shape: tuple[int, ...]) -> tuple:
    size = 1
    for n in shape:
        size *= n
    check(size == x.data.size, "shape {} is invalid for input of shape {} (size {})",
          shape, x.shape, x.data.size)
    return shape, x.dtype


_reshape = register(OpRecord(
    name="reshape",
    forward=lambda xp, x, *, shape: xp.reshape(x, shape),
    vjp=lambda g, out, x, *, shape: (reshape(g, x.shape),),
    shape_rule=_reshape_rule,
))


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """``input`` with a new shape of the same size; one size may be ``-1``.

    >>> import ember
    >>> ember.arange(6).reshape(2, -1).shape
    (2, 3)
    """
    shape = _sizes(shape)
    if -1 in shape:
        try:
            shape = _infer_shape(input.data.size, shape)
        except ShapeError as err:
            raise op_error("reshape", f"{err} (input shape {input.shape})") from None
    if shape == input.shape:
        return input
    return apply(_reshape, input, shape=shape)


def _permute_rule(x: Tensor, *, dims: tuple[int, ...]) -> tuple:
    check(sorted(dims) == list(range(x.ndim)),
          "dims {} are not a permutation of the {} dimensions of shape {}", dims, x.ndim, x.shape)
    return tuple(x.shape[d] for d in dims), x.dtype


def _permute_vjp(g: Tensor, out: Tensor, x: Tensor, *, dims: tuple[int, ...]) -> tuple:
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return (permute(g, *inverse),)


_permute = register(OpRecord(
    name="permute",
    forward=lambda xp, x, *, dims: xp.transpose(x, dims),
    vjp=_permute_vjp,
    shape_rule=_permute_rule,
))


def permute(input: Tensor, *dims: int) -> Tensor:
    """``input`` with its dimensions reordered (negative dims count from the end).

    >>> import ember
    >>> ember.zeros(2, 3, 4).permute(2, 0, 1).shape
    (4, 2, 3)
    """
    ndim = input.ndim
    dims = tuple(d + ndim if d < 0 else d for d in _sizes(dims))
    return apply(_permute, input, dims=dims)


bind_methods(reshape=reshape, view=reshape, permute=permute)
