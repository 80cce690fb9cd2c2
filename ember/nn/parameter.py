"""``Parameter``: a tensor that a ``Module`` registers as one of its weights."""

from __future__ import annotations

from typing import Any

import numpy

from ember import dtypes
from ember.errors import DTypeError
from ember.tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A tensor that is a module's weight: assigning it to a ``Module`` registers it.

    It shares memory with the tensor it is made from, is always a leaf, and
    requires grad unless told otherwise. Every op takes it as a Tensor and
    returns plain Tensors.

    Args:
        data: the values (a Tensor); None gives an empty float tensor.
        requires_grad: whether the parameter collects gradients.

    Raises:
        TypeError: if ``data`` is not a Tensor.
        DTypeError: if ``requires_grad`` is set on a non-floating tensor.

    >>> import ember
    >>> w = ember.nn.Parameter(ember.zeros(2))
    >>> w
    Parameter containing:
    tensor([0., 0.], requires_grad=True)
    >>> (w + 1).sum().backward()
    >>> w.grad
    tensor([1., 1.])
    """

    # No new slots: a Parameter is laid out exactly like a Tensor.
    __slots__ = ()

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            array = numpy.empty(0, dtype=dtypes.get_default_dtype().np)
        elif isinstance(data, Tensor):
            array = data.data
        else:
            raise TypeError(
                f"Parameter: expected a Tensor, got {type(data).__name__}; "
                "wrap the values with ember.tensor(...) first"
            )
        if requires_grad and array.dtype.kind != "f":
            raise DTypeError(
                "Parameter: only floating point tensors can require gradients, got "
                f"{dtypes.FROM_NP[array.dtype]}; pass requires_grad=False"
            )
        super().__init__(array, requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        # As in PyTorch: the copy owns its values and keeps requires_grad, not .grad.
        result = memo.get(id(self))
        if result is None:
            result = type(self)(Tensor(self.data.copy()), self.requires_grad)
            memo[id(self)] = result
        return result
