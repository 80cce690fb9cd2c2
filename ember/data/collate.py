"""Turning a list of samples into one batch (``default_collate``), as PyTorch does."""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

import numpy

from ember import creation, dtypes
from ember.errors import ShapeError
from ember.ops import stack
from ember.tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_COLLATE_TYPES = "tensors, numpy arrays, numbers, dicts or lists"


def _is_text_array(array: numpy.ndarray) -> bool:
    # Strings and Python objects have no tensor dtype: PyTorch refuses them too.
    return array.dtype.kind in "SaUO"


def _check_same_shape(shapes: list[tuple[int, ...]], what: str) -> None:
    first = shapes[0]
    for position, shape in enumerate(shapes):
        if shape != first:
            raise ShapeError(
                f"default_collate: every {what} in a batch must have the same shape to be "
                f"stacked, got {first} at position 0 and {shape} at position {position}"
            )


def _collate_tensors(batch: Sequence[Tensor]) -> Tensor:
    _check_same_shape([t.shape for t in batch], "tensor")
    if any(t.requires_grad for t in batch) or type(batch[0].data) is not numpy.ndarray:
        return stack(list(batch), 0)
    # Plain data needs no graph: one NumPy call instead of a dispatched op.
    return Tensor(numpy.stack([t.data for t in batch]))


def _collate_arrays(batch: Sequence[numpy.ndarray]) -> Tensor:
    if _is_text_array(batch[0]):
        raise TypeError(
            f"default_collate: batch must contain {_COLLATE_TYPES}; found arrays of dtype "
            f"{batch[0].dtype}"
        )
    _check_same_shape([a.shape for a in batch], "array")
    return creation.from_numpy(numpy.stack(batch))


def _collate_sequence(batch: Sequence[Any], elem: Sequence[Any]) -> Any:
    size = len(elem)
    if any(len(sample) != size for sample in batch):
        raise ShapeError(
            f"default_collate: each element in list of batch should be of equal size, got "
            f"lengths {[len(sample) for sample in batch]}"
        )
    columns = [default_collate(column) for column in zip(*batch, strict=True)]
    if isinstance(elem, tuple):
        # PyTorch returns a list for plain tuples (kept for backward compatibility).
        return columns
    if isinstance(elem, MutableSequence):
        clone = copy.copy(elem)
        try:
            for position, column in enumerate(columns):
                clone[position] = column
        except TypeError:
            return columns
        return clone
    try:
        return type(elem)(columns)
    except TypeError:
        return columns


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch, keeping the samples' structure.

    Tensors and NumPy arrays are stacked along a new first dimension; Python
    floats become a float64 tensor, ints an int64 tensor and bools a bool
    tensor (PyTorch's dtypes); strings stay a list; dicts, named tuples,
    lists and tuples are collated field by field (a tuple of fields becomes
    a list, as in PyTorch).

    Raises:
        ShapeError: if tensors or arrays to be stacked differ in shape.
        TypeError: for elements of any other type.

    >>> import ember
    >>> batch = default_collate([(ember.zeros(2), 1), (ember.ones(2), 2)])
    >>> batch[0].shape, batch[1].tolist(), batch[1].dtype
    ((2, 2), [1, 2], ember.int64)
    >>> default_collate([{"x": 0.5}, {"x": 1.5}])["x"].dtype
    ember.float64
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _collate_tensors(batch)
    if isinstance(elem, numpy.ndarray):
        return _collate_arrays(batch)
    if isinstance(elem, numpy.generic) and not isinstance(elem, (numpy.str_, numpy.bytes_)):
        return creation.from_numpy(numpy.asarray(batch))
    if isinstance(elem, float):
        return creation.tensor(batch, dtype=dtypes.float64)
    if isinstance(elem, int):
        return creation.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        merged = {key: default_collate([sample[key] for sample in batch]) for key in elem}
        if isinstance(elem, MutableMapping):
            clone = copy.copy(elem)
            clone.update(merged)
            return clone
        try:
            return type(elem)(merged)
        except TypeError:
            return merged
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(column) for column in zip(*batch, strict=True)))
    if isinstance(elem, Sequence):
        return _collate_sequence(batch, elem)
    raise TypeError(f"default_collate: batch must contain {_COLLATE_TYPES}; found {type(elem)}")


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays (at any depth of dicts and lists) into tensors, without batching.

    This is the ``collate_fn`` a DataLoader uses when ``batch_size=None``.

    >>> import numpy as np
    >>> default_convert({"x": np.zeros(2)})["x"].shape
    (2,)
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (numpy.ndarray, numpy.generic)) and not isinstance(
        data, (numpy.str_, numpy.bytes_)
    ):
        if isinstance(data, numpy.ndarray) and _is_text_array(data):
            return data
        return creation.from_numpy(numpy.asarray(data))
    if isinstance(data, Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(value) for value in data))
    if isinstance(data, tuple):
        return [default_convert(value) for value in data]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        converted_list = [default_convert(value) for value in data]
        try:
            return type(data)(converted_list)
        except TypeError:
            return converted_list
    return data
