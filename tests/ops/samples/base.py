"""The ``Sample`` record and small array makers shared by the family sample modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

_rng = np.random.default_rng(1234)


@dataclass
class Sample:
    """One call of an op: arguments, and how to call Ember and PyTorch with them.

    Float64 NumPy arrays in ``args`` become tensors that require grad (unless
    their position is in ``nondiff``); integer and bool arrays become constant
    tensors; anything else is passed through as is.

    Attributes:
        args: positional arguments.
        kwargs: keyword arguments, passed to both frameworks.
        ember_fn: the Ember callable (default: ``ember.<op name>``).
        torch_fn: the PyTorch reference (default: ``torch.<op name>``).
        grad: whether gradients are compared and gradchecked.
        gradgrad: whether second derivatives are gradchecked.
        nondiff: positions of float arrays that must not require grad.
        finite_differences: whether gradcheck applies (not through float32 casts).
        torch_kwargs: keyword arguments for PyTorch when they differ.
    """

    args: tuple
    kwargs: dict = field(default_factory=dict)
    ember_fn: Callable | None = None
    torch_fn: Callable | None = None
    grad: bool = True
    gradgrad: bool = True
    nondiff: tuple = ()
    finite_differences: bool = True
    torch_kwargs: dict | None = None

    def __repr__(self) -> str:
        parts = [_describe(a) for a in self.args]
        parts += [f"{k}={_describe(v)}" for k, v in self.kwargs.items()]
        return ",".join(parts)


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype.kind}{'x'.join(map(str, value.shape)) or 'scalar'}"
    return repr(value).replace(" ", "")


def randn(*shape: int) -> np.ndarray:
    """Standard normal float64 samples."""
    return _rng.standard_normal(shape)


def uniform(low: float, high: float, *shape: int) -> np.ndarray:
    """Uniform float64 samples in ``[low, high)``."""
    return _rng.uniform(low, high, shape)


def positive(*shape: int) -> np.ndarray:
    """Float64 samples in ``[0.5, 2)``, safe for log, sqrt and division."""
    return _rng.uniform(0.5, 2.0, shape)


def distinct(*shape: int) -> np.ndarray:
    """Float64 samples whose values are well separated (no ties for max/sort)."""
    n = int(np.prod(shape)) if shape else 1
    return (_rng.permutation(n) * 0.37 - n * 0.15).reshape(shape)


def ints(low: int, high: int, *shape: int) -> np.ndarray:
    """int64 samples in ``[low, high)``."""
    return _rng.integers(low, high, shape)


def bools(*shape: int) -> np.ndarray:
    """Random bool samples."""
    return _rng.random(shape) < 0.5
