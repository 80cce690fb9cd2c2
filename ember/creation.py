"""Tensor creation: from data, filled, ranges, and random (PyTorch names and defaults)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy

from ember import dtypes
from ember.errors import ShapeError, caller
from ember.random import default_generator
from ember.tensor import Tensor

__all__ = [
    "arange",
    "as_tensor",
    "empty",
    "empty_like",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "normal",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "tensor",
    "zeros",
    "zeros_like",
]


def _finish(data: numpy.ndarray, requires_grad: bool) -> Tensor:
    if requires_grad and data.dtype.kind != "f":
        raise TypeError(
            f"only floating tensors can require gradients, got "
            f"{dtypes.FROM_NP[data.dtype]} (called from {caller()})"
        )
    return Tensor(data, requires_grad)


def _infer(data: Any) -> numpy.ndarray:
    if isinstance(data, Tensor):
        return data.data
    array = numpy.asarray(data)
    if not isinstance(data, (numpy.ndarray, numpy.generic)):
        # Python floats become the default dtype and Python ints int64, as in torch.
        if array.dtype.kind == "f":
            array = array.astype(dtypes.get_default_dtype().np)
        elif array.dtype.kind in "iu":
            array = array.astype(numpy.int64)
    if array.dtype not in dtypes.FROM_NP:
        raise TypeError(
            f"cannot make a tensor from data of type {array.dtype} (called from {caller()})"
        )
    return array


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (lists, numbers, arrays or tensors).

    Python floats become the default dtype (float32), Python ints int64.

    >>> import ember
    >>> ember.tensor([[1, 2], [3, 4]]).dtype, ember.tensor([1.5]).dtype
    (ember.int64, ember.float32)
    """
    if dtype is not None and not isinstance(data, Tensor):
        # Straight to the requested dtype: going through float32 first would round.
        array = numpy.array(data, dtype=dtypes.to_dtype(dtype).np)
    else:
        array = _infer(data)
        array = numpy.array(array, dtype=None if dtype is None else dtypes.to_dtype(dtype).np)
    return _finish(array, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """A tensor sharing memory with ``data`` when it already is an array of that dtype."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype is dtypes.to_dtype(dtype)):
        return data
    if dtype is not None and not isinstance(data, (Tensor, numpy.ndarray)):
        return Tensor(numpy.asarray(data, dtype=dtypes.to_dtype(dtype).np))
    array = _infer(data)
    if dtype is not None:
        array = array.astype(dtypes.to_dtype(dtype).np, copy=False)
    return Tensor(array)


def from_numpy(array: numpy.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array (its dtype is kept).

    >>> import numpy as np, ember
    >>> a = np.zeros(2); t = ember.from_numpy(a); a[0] = 5; t.tolist()
    [5.0, 0.0]
    """
    if not isinstance(array, numpy.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    if array.dtype not in dtypes.FROM_NP:
        raise TypeError(f"from_numpy: unsupported dtype {array.dtype}")
    return Tensor(array)


def _shape(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if not isinstance(n, (int, numpy.integer)) or n < 0:
            raise ShapeError(
                f"sizes must be non-negative integers, got {size} (called from {caller()})"
            )
    return tuple(int(n) for n in size)


def _float(dtype: Any) -> numpy.dtype:
    return (dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)).np


def zeros(*size: int, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of shape ``size`` (default dtype float32).

    >>> import ember
    >>> ember.zeros(2, 3).shape
    (2, 3)
    """
    return _finish(numpy.zeros(_shape(size), _float(dtype)), requires_grad)


def ones(*size: int, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of shape ``size``."""
    return _finish(numpy.ones(_shape(size), _float(dtype)), requires_grad)


def empty(*size: int, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of shape ``size``."""
    return _finish(numpy.empty(_shape(size), _float(dtype)), requires_grad)


def _fill_dtype(fill_value: Any, dtype: Any) -> numpy.dtype:
    if dtype is not None:
        return dtypes.to_dtype(dtype).np
    if isinstance(fill_value, bool):
        return numpy.dtype(numpy.bool_)
    if isinstance(fill_value, int):
        return numpy.dtype(numpy.int64)
    return dtypes.get_default_dtype().np


def full(
    size: Sequence[int],
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``; the dtype follows the value.

    >>> import ember
    >>> ember.full((2,), 7).tolist(), ember.full((1,), 0.5).dtype
    ([7, 7], ember.float32)
    """
    return _finish(
        numpy.full(_shape((size,)), fill_value, _fill_dtype(fill_value, dtype)), requires_grad
    )


def _like(input: Tensor, dtype: Any) -> tuple[tuple[int, ...], numpy.dtype]:
    return input.shape, (input.data.dtype if dtype is None else dtypes.to_dtype(dtype).np)


def zeros_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype) of ``input``."""
    return _finish(numpy.zeros(*_like(input, dtype)), requires_grad)


def ones_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype) of ``input``."""
    return _finish(numpy.ones(*_like(input, dtype)), requires_grad)


def empty_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor with the shape (and dtype) of ``input``."""
    return _finish(numpy.empty(*_like(input, dtype)), requires_grad)


def full_like(
    input: Tensor, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """``fill_value`` with the shape (and dtype) of ``input``."""
    shape, np_dtype = _like(input, dtype)
    return _finish(numpy.full(shape, fill_value, np_dtype), requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 for integer args.

    >>> import ember
    >>> ember.arange(3).tolist(), ember.arange(0, 1, 0.5).tolist()
    ([0, 1, 2], [0.0, 0.5])
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError(f"arange: step must be nonzero (called from {caller()})")
    if dtype is None:
        integral = all(isinstance(v, (int, numpy.integer)) for v in (start, end, step))
        np_dtype = numpy.dtype(numpy.int64) if integral else dtypes.get_default_dtype().np
    else:
        np_dtype = dtypes.to_dtype(dtype).np
    count = max(0, math.ceil((end - start) / step))
    values = start + step * numpy.arange(count, dtype=numpy.float64)
    return _finish(
        values.astype(np_dtype)
        if np_dtype.kind == "f"
        else numpy.arange(start, end, step).astype(np_dtype),
        requires_grad,
    )


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    >>> import ember
    >>> ember.linspace(0, 1, 3).tolist()
    [0.0, 0.5, 1.0]
    """
    return _finish(numpy.linspace(start, end, steps).astype(_float(dtype)), requires_grad)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The ``n x m`` identity matrix."""
    return _finish(numpy.eye(n, m, dtype=_float(dtype)), requires_grad)


def rand(*size: int, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples from ``[0, 1)`` from the seeded generator."""
    return _finish(default_generator.rng.random(_shape(size)).astype(_float(dtype)), requires_grad)


def randn(*size: int, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the seeded generator."""
    return _finish(
        default_generator.rng.standard_normal(_shape(size)).astype(_float(dtype)), requires_grad
    )


def rand_like(input: Tensor, *, dtype: Any = None) -> Tensor:
    """Uniform samples with the shape of ``input``."""
    return rand(*input.shape, dtype=dtype or input.dtype)


def randn_like(input: Tensor, *, dtype: Any = None) -> Tensor:
    """Standard normal samples with the shape of ``input``."""
    return randn(*input.shape, dtype=dtype or input.dtype)


def randint(
    low: int,
    high: int | None = None,
    size: Sequence[int] = (),
    *,
    dtype: Any = None,
    device: Any = None,
) -> Tensor:
    """Integers uniform in ``[low, high)``; ``randint(high, size)`` starts at 0.

    >>> import ember
    >>> ember.randint(0, 5, (3,)).dtype
    ember.int64
    """
    if high is None or isinstance(high, (tuple, list)):
        low, high, size = 0, low, high if high is not None else size
    if high <= low:
        raise ValueError(
            f"randint: high ({high}) must be greater than low ({low}) (called from {caller()})"
        )
    np_dtype = numpy.int64 if dtype is None else dtypes.to_dtype(dtype).np
    return Tensor(default_generator.rng.integers(low, high, _shape((size,))).astype(np_dtype))


def randperm(n: int, *, dtype: Any = None, device: Any = None) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64)."""
    np_dtype = numpy.int64 if dtype is None else dtypes.to_dtype(dtype).np
    return Tensor(default_generator.rng.permutation(n).astype(np_dtype))


def normal(
    mean: float | Tensor = 0.0,
    std: float | Tensor = 1.0,
    size: Sequence[int] | None = None,
    *,
    dtype: Any = None,
) -> Tensor:
    """Normal samples; ``mean`` and ``std`` may be tensors (broadcast) or numbers."""
    m = mean.data if isinstance(mean, Tensor) else mean
    s = std.data if isinstance(std, Tensor) else std
    if size is None:
        size = numpy.broadcast_shapes(numpy.shape(m), numpy.shape(s))
    if numpy.any(numpy.asarray(s) < 0):
        raise ValueError(f"normal: std must be >= 0 (called from {caller()})")
    ref = mean if isinstance(mean, Tensor) else std if isinstance(std, Tensor) else None
    np_dtype = ref.data.dtype if ref is not None and dtype is None else _float(dtype)
    samples = default_generator.rng.normal(m, s, _shape((tuple(size),)))
    return Tensor(numpy.asarray(samples).astype(np_dtype))
