"""What ``fit``, ``evaluate`` and ``predict`` accept as data, turned into batches.

Arrays (NumPy arrays, Ember tensors, or a tuple of them for a model with
several inputs) are batched here by slicing, which is the fastest path; a
``Dataset`` is wrapped in an ``ember.data.DataLoader``; any other iterable (a
``DataLoader``, a generator) is taken as batches, each ``x``, ``(x,)``,
``(x, y)`` or ``(x, y, sample_weight)``.

Floating inputs and targets take the model's floating dtype (float32 unless
the model was converted), integer targets become int64, as Keras casts to its
float type.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy

from ember import data
from ember.errors import caller
from ember.random import default_generator
from ember.tensor import Tensor

__all__ = ["Batches", "class_sample_weights", "make_batches", "split_arrays", "to_tensor"]

Batch = tuple[Any, Any, Any]


def _array(value: Any) -> numpy.ndarray:
    return value.data if isinstance(value, Tensor) else numpy.asarray(value)


def to_tensor(value: Any, float_dtype: numpy.dtype) -> Any:
    """``value`` (array, Tensor, or tuple of them) as Tensor(s): floats in ``float_dtype``,
    other integers as int64; None stays None."""
    if value is None:
        return None
    if isinstance(value, (tuple, list)) and not _is_plain_list(value):
        return tuple(to_tensor(v, float_dtype) for v in value)
    array = _array(value)
    if array.dtype.kind == "f" and array.dtype != float_dtype:
        return Tensor(array.astype(float_dtype))
    if array.dtype.kind in "iu" and array.dtype != numpy.int64:
        return Tensor(array.astype(numpy.int64))
    return value if isinstance(value, Tensor) else Tensor(array)


def _is_plain_list(value: Any) -> bool:
    """A nested list of numbers (one array), not a list of arrays (several inputs)."""
    return isinstance(value, list) and not any(
        isinstance(v, (numpy.ndarray, Tensor)) for v in value
    )


def _is_arrays(value: Any) -> bool:
    if isinstance(value, (numpy.ndarray, Tensor, list)):
        return True
    return isinstance(value, tuple) and all(isinstance(v, (numpy.ndarray, Tensor)) for v in value)


def _is_dataset(value: Any) -> bool:
    dataset_class = getattr(data, "Dataset", None)
    if dataset_class is not None and isinstance(value, dataset_class):
        return True
    return hasattr(value, "__getitem__") and hasattr(value, "__len__") and not _is_arrays(value)


def _fail(method: str, message: str, kind: type[Exception] = ValueError) -> Exception:
    return kind(f"{method}: {message} (called from {caller(3)})")


def _inputs(value: Any) -> tuple[numpy.ndarray, ...]:
    if isinstance(value, tuple) or (isinstance(value, list) and not _is_plain_list(value)):
        return tuple(_array(v) for v in value)
    return (_array(value),)


class Batches:
    """An epoch's worth of ``(x, y, sample_weight)`` Tensor batches, one epoch per ``epoch()``.

    Attributes:
        steps: batches per epoch, None when the source does not say.
    """

    steps: int | None

    def epoch(self) -> Iterator[Batch]:
        """The batches of one pass."""
        raise NotImplementedError


class _ArrayBatches(Batches):
    def __init__(
        self,
        method: str,
        x: tuple[numpy.ndarray, ...],
        y: numpy.ndarray | None,
        sample_weight: numpy.ndarray | None,
        batch_size: int,
        shuffle: bool,
        steps: int | None,
        float_dtype: numpy.dtype,
    ) -> None:
        sizes = {len(a) for a in x} | ({len(y)} if y is not None else set())
        if sample_weight is not None:
            sizes.add(len(sample_weight))
        if len(sizes) != 1:
            shapes = [a.shape for a in x] + ([y.shape] if y is not None else [])
            raise _fail(
                method,
                f"x and y must hold the same number of samples (first dimension), got shapes "
                f"{', '.join(str(s) for s in shapes)}",
            )
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.size = sizes.pop()
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.float_dtype = float_dtype
        full = math.ceil(self.size / batch_size)
        self.steps = full if steps is None else min(steps, full)

    def _take(self, array: numpy.ndarray | None, index: Any) -> Any:
        return None if array is None else to_tensor(array[index], self.float_dtype)

    def epoch(self) -> Iterator[Batch]:
        order = default_generator.rng.permutation(self.size) if self.shuffle else None
        for step in range(self.steps):
            index = slice(step * self.batch_size, (step + 1) * self.batch_size)
            if order is not None:
                index = order[index]
            inputs = tuple(self._take(a, index) for a in self.x)
            yield (
                inputs if len(inputs) > 1 else inputs[0],
                self._take(self.y, index),
                None if self.sample_weight is None else self.sample_weight[index],
            )


class _LoaderBatches(Batches):
    def __init__(
        self, method: str, loader: Iterable, steps: int | None, float_dtype: numpy.dtype
    ) -> None:
        self.method = method
        self.loader = loader
        self.float_dtype = float_dtype
        length = len(loader) if hasattr(loader, "__len__") else None
        self.steps = steps if steps is not None else length
        # With a step count the iterator runs on across epochs (and restarts when
        # it ends), so an epoch shorter than the data does not always see its start.
        self._repeat = steps is not None
        self._iterator: Iterator | None = None

    def _split(self, batch: Any) -> Batch:
        if isinstance(batch, (tuple, list)) and not _is_plain_list(batch):
            if len(batch) == 1:
                return batch[0], None, None
            if len(batch) in (2, 3):
                return batch[0], batch[1], batch[2] if len(batch) == 3 else None
            raise _fail(
                self.method,
                f"a batch from the data loader has {len(batch)} parts; expected x, (x,), "
                "(x, y) or (x, y, sample_weight)",
            )
        if isinstance(batch, Mapping):
            raise _fail(
                self.method,
                "a batch from the data loader is a dict; return (x, y) tuples from the dataset",
                TypeError,
            )
        return batch, None, None

    def _next_batches(self) -> Iterator[Any]:
        if not self._repeat:
            yield from self.loader
            return
        for _ in range(self.steps):
            if self._iterator is None:
                self._iterator = iter(self.loader)
            try:
                yield next(self._iterator)
            except StopIteration:
                self._iterator = iter(self.loader)
                try:
                    yield next(self._iterator)
                except StopIteration:
                    return

    def epoch(self) -> Iterator[Batch]:
        for step, batch in enumerate(self._next_batches()):
            if self.steps is not None and step >= self.steps:
                return
            x, y, weight = self._split(batch)
            yield (
                to_tensor(x, self.float_dtype),
                to_tensor(y, self.float_dtype),
                None if weight is None else _array(weight),
            )


def class_sample_weights(y: Any, class_weight: Mapping[int, float]) -> numpy.ndarray:
    """Per-sample weights from ``class_weight`` and class targets, as Keras computes them.

    Targets may be class indices ``(N,)`` (or ``(N, d1, ...)``: one weight per
    element), one-hot ``(N, C)`` (the argmax is the class) or binary ``(N, 1)``.
    Classes missing from ``class_weight`` weigh 1.

    >>> class_sample_weights(numpy.array([0, 1, 1]), {0: 2.0, 1: 0.5}).tolist()
    [2.0, 0.5, 0.5]
    """
    labels = _array(y)
    if labels.ndim == 2 and labels.shape[1] > 1 and labels.dtype.kind == "f":
        labels = labels.argmax(axis=1)
    elif labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    labels = numpy.rint(labels).astype(numpy.int64) if labels.dtype.kind == "f" else labels
    size = max(max(class_weight, default=0), int(labels.max(initial=0))) + 1
    table = numpy.ones(size)
    for label, weight in class_weight.items():
        table[int(label)] = weight
    valid = (labels >= 0) & (labels < size)
    return numpy.where(valid, table[numpy.where(valid, labels, 0)], 1.0)


def split_arrays(
    method: str, x: Any, y: Any, sample_weight: Any, validation_split: float
) -> tuple[tuple, tuple]:
    """``(x, y, w)`` for training and validation: validation is the last fraction of the
    samples, taken before any shuffling (Keras's rule)."""
    if not 0.0 <= validation_split < 1.0:
        raise _fail(method, f"validation_split must be in [0, 1), got {validation_split}")
    if not _is_arrays(x):
        raise _fail(
            method,
            "validation_split needs x and y as arrays or tensors; for a Dataset or "
            "DataLoader pass validation_data",
        )
    inputs = _inputs(x)
    size = len(inputs[0])
    split_at = math.floor(size * (1.0 - validation_split))
    if split_at == 0 or split_at == size:
        raise _fail(
            method,
            f"validation_split={validation_split} of {size} samples leaves "
            f"{'no training' if split_at == 0 else 'no validation'} data",
        )

    def part(value: Any, index: slice) -> Any:
        return None if value is None else _array(value)[index]

    head, tail = slice(None, split_at), slice(split_at, None)
    train_x = tuple(a[head] for a in inputs)
    val_x = tuple(a[tail] for a in inputs)
    return (
        (train_x, part(y, head), part(sample_weight, head)),
        (val_x, part(y, tail), part(sample_weight, tail)),
    )


def make_batches(
    method: str,
    x: Any,
    y: Any = None,
    sample_weight: Any = None,
    *,
    batch_size: int | None = 32,
    shuffle: bool = False,
    steps: int | None = None,
    float_dtype: Any = numpy.float32,
) -> Batches:
    """Batches of ``(x, y, sample_weight)`` from arrays, a Dataset or an iterable of batches.

    Raises:
        ValueError: for mismatched lengths, a ``y`` given with a Dataset or
            DataLoader, or a bad ``batch_size``.
    """
    float_dtype = numpy.dtype(float_dtype)
    if x is None:
        raise _fail(method, "x is required (arrays, tensors, a Dataset or a DataLoader)")
    if _is_arrays(x):
        batch_size = 32 if batch_size is None else batch_size
        if not (isinstance(batch_size, int) and batch_size > 0):
            raise _fail(method, f"batch_size must be a positive int, got {batch_size!r}")
        return _ArrayBatches(
            method,
            _inputs(x),
            None if y is None else _array(y),
            None if sample_weight is None else _array(sample_weight),
            batch_size,
            shuffle,
            steps,
            float_dtype,
        )
    if y is not None or sample_weight is not None:
        raise _fail(
            method,
            f"y and sample_weight must be None when x is a {type(x).__name__}: the "
            "dataset or loader yields (x, y) itself",
        )
    if _is_dataset(x):
        x = data.DataLoader(x, batch_size=batch_size or 32, shuffle=shuffle)
    if not isinstance(x, Iterable):
        raise _fail(
            method,
            f"x must be arrays, tensors, a Dataset or a DataLoader, got {type(x).__name__}",
            TypeError,
        )
    return _LoaderBatches(method, x, steps, float_dtype)
