"""What the plots and the writer accept as data: Ember tensors, NumPy arrays, numbers, lists."""

from __future__ import annotations

from typing import Any

import numpy

from ember.tensor import Tensor

__all__ = ["to_numpy"]


def to_numpy(value: Any) -> numpy.ndarray:
    """``value`` as a NumPy array; a tensor is detached from the graph first.

    >>> import ember
    >>> to_numpy(ember.ones(2, requires_grad=True))
    array([1., 1.], dtype=float32)
    """
    if isinstance(value, Tensor):
        return value.detach().numpy()
    return numpy.asarray(value)
