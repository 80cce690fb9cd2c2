"""In-place tensor methods (``add_``, ``mul_``, ``zero_``, ``copy_``, ``clamp_``, ...).

Two regimes, as in PyTorch:

- nothing to record (grad off, or no tensor involved requires grad): the result
  is written into the tensor's own memory, so views of it see the change;
- recording: the result is computed out of place and the tensor is rebound to
  it and its node; a leaf that requires grad refuses, as in PyTorch.

Either way the version counter moves, so a backward that saved the old value
raises instead of silently using the new one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy

from ember.backend import get_xp
from ember.errors import DTypeError, GraphError, caller
from ember.ops import elementwise as ew
from ember.ops.core import broadcast_to, clone, to_dtype
from ember.ops.dispatch import STATE, op_error
from ember.tensor import Tensor

__all__ = ["inplace"]


def _recording(self: Tensor, others: tuple) -> bool:
    if not STATE.grad_enabled:
        return False
    return self.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in others)


def inplace(name: str, self: Tensor, compute: Callable[[Tensor], Tensor], *others: Any) -> Tensor:
    """Store ``compute(self)``, computed out of place, in ``self``.

    ``compute`` gets the tensor to read from as its argument: when recording, it
    is an alias holding ``self``'s current value and node, so the graph keeps
    the old value while ``self`` moves on to the new one.
    """
    recording = _recording(self, others)
    if recording and self._node is None and self.requires_grad:
        raise GraphError(
            f"{name}: a leaf tensor that requires grad is being used in an "
            "in-place operation; wrap it in ember.no_grad() (as optimizers "
            f"do) or use the out-of-place form (called from {caller()})"
        )
    if recording:
        alias = Tensor(self.data, self.requires_grad, self._node)
        alias._version = self._version
        result = compute(alias)
    else:
        prev = STATE.grad_enabled
        STATE.grad_enabled = False
        try:
            result = compute(self)
        finally:
            STATE.grad_enabled = prev
    if result.shape != self.shape:
        raise op_error(
            name,
            f"the result of shape {result.shape} does not fit the tensor "
            f"of shape {self.shape} being updated in place",
        )
    if result.data.dtype != self.data.dtype:
        if not numpy.can_cast(result.data.dtype, self.data.dtype, "same_kind"):
            raise op_error(
                name,
                f"result type {result.dtype} can't be cast to the desired output type {self.dtype}",
                DTypeError,
            )
        result = to_dtype(result, self.dtype)
    if recording:
        self.data = result.data
        self._node = result._node
        self.requires_grad = True
    else:
        self.data[...] = result.data
        if self._node is not None:
            self._node.dirty = True
    self._version += 1
    return self


def _add_(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """In-place ``self += alpha * other``."""
    return inplace("add_", self, lambda t: ew.add(t, other, alpha=alpha), other)


def _sub_(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """In-place ``self -= alpha * other``."""
    return inplace("sub_", self, lambda t: ew.sub(t, other, alpha=alpha), other)


def _mul_(self: Tensor, other: Any) -> Tensor:
    """In-place ``self *= other``."""
    return inplace("mul_", self, lambda t: ew.mul(t, other), other)


def _div_(self: Tensor, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """In-place ``self /= other``."""
    return inplace("div_", self, lambda t: ew.div(t, other, rounding_mode=rounding_mode), other)


def _pow_(self: Tensor, exponent: Any) -> Tensor:
    """In-place ``self **= exponent``."""
    return inplace("pow_", self, lambda t: ew.pow(t, exponent), exponent)


def _clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """In-place ``clamp``."""
    return inplace("clamp_", self, lambda t: ew.clamp(t, min, max), min, max)


def _fill_(self: Tensor, value: Any) -> Tensor:
    """Fill with ``value`` (a number or a one-element tensor)."""
    if isinstance(value, Tensor):
        fill = value
    else:
        fill = Tensor(get_xp(self.data).asarray(value, self.data.dtype))
    return _copy_(self, fill)


def _zero_(self: Tensor) -> Tensor:
    """Fill with zeros."""
    return _fill_(self, 0)


def _copy_(self: Tensor, src: Tensor) -> Tensor:
    """Copy ``src`` (broadcast to this shape, cast to this dtype) into this tensor."""
    if not isinstance(src, Tensor):
        raise op_error("copy_", f"expected a Tensor, got {type(src).__name__}", TypeError)
    # clone: when recording, the tensor must not end up sharing memory with src.
    return inplace(
        "copy_", self, lambda t: clone(broadcast_to(to_dtype(src, t.dtype), t.shape)), src
    )


_METHODS = {
    "add_": _add_,
    "sub_": _sub_,
    "mul_": _mul_,
    "div_": _div_,
    "pow_": _pow_,
    "clamp_": _clamp_,
    "fill_": _fill_,
    "zero_": _zero_,
    "copy_": _copy_,
    "__iadd__": lambda self, o: _add_(self, o),
    "__isub__": lambda self, o: _sub_(self, o),
    "__imul__": lambda self, o: _mul_(self, o),
    "__itruediv__": lambda self, o: _div_(self, o),
}
for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
