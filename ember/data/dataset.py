"""Datasets: the map-style and iterable protocols, and the ways to combine and split them.

Names and behaviour follow ``torch.utils.data``: a map-style dataset answers
``len(ds)`` and ``ds[i]``; an iterable dataset answers ``iter(ds)``.
"""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ember.data.sampler import _generator_rng
from ember.errors import ShapeError
from ember.tensor import Tensor

__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__`` (and usually ``__len__``).

    ``a + b`` concatenates two datasets.

    >>> class Squares(Dataset):
    ...     def __len__(self): return 3
    ...     def __getitem__(self, index): return index * index
    >>> [Squares()[i] for i in range(3)], len(Squares() + Squares())
    ([0, 1, 4], 6)
    """

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream: subclasses define ``__iter__``.

    With ``DataLoader(num_workers > 0)`` every worker iterates its own copy;
    use :func:`ember.data.get_worker_info` inside ``__iter__`` to give each
    worker its own share, or the items are repeated once per worker.

    >>> class Count(IterableDataset):
    ...     def __iter__(self): return iter(range(3))
    >>> list(Count() + Count())
    [0, 1, 2, 0, 1, 2]
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the ``index``-th rows of each tensor, as a tuple.

    Args:
        *tensors: tensors that all have the same size in their first dimension.

    Raises:
        ShapeError: if the first dimensions differ.

    >>> import ember
    >>> ds = TensorDataset(ember.zeros(4, 2), ember.arange(4))
    >>> len(ds), ds[1][1].item()
    (4, 1)
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for position, tensor in enumerate(tensors):
            if not isinstance(tensor, Tensor) or tensor.ndim == 0:
                kind = type(tensor).__name__ if not isinstance(tensor, Tensor) else "0-d tensor"
                raise TypeError(
                    f"TensorDataset: argument {position} must be a tensor with at least one "
                    f"dimension, got a {kind}"
                )
        sizes = [tensor.shape[0] for tensor in tensors]
        if any(size != sizes[0] for size in sizes):
            shapes = ", ".join(str(tensor.shape) for tensor in tensors)
            raise ShapeError(
                f"TensorDataset: size mismatch between tensors: every tensor must have the same "
                f"size in dimension 0, got shapes {shapes}"
            )
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The part of ``dataset`` at ``indices``, in that order.

    >>> Subset(list("abcde"), [4, 0])[0]
    'e'
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Map-style datasets one after another.

    Attributes:
        cumulative_sizes: the running total of the datasets' lengths.

    >>> ds = ConcatDataset([[1, 2], [3, 4, 5]])
    >>> len(ds), ds[2], ds[-1], ds.cumulative_sizes
    (5, 3, 5, [2, 5])
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for dataset in self.datasets:
            if isinstance(dataset, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset; use ChainDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise IndexError(
                    f"ConcatDataset: index {index} is out of range for a dataset of length "
                    f"{len(self)}"
                )
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        if which == len(self.datasets):
            raise IndexError(
                f"ConcatDataset: index {index} is out of range for a dataset of length {len(self)}"
            )
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """Iterable datasets one after another (the streaming twin of ``ConcatDataset``).

    >>> list(ChainDataset([range(2), range(3)]))
    [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for dataset in self.datasets:
            yield from dataset

    def __len__(self) -> int:
        return sum(len(dataset) for dataset in self.datasets)


def _lengths_from_fractions(fractions: Sequence[float], total: int) -> list[int]:
    lengths = []
    for position, fraction in enumerate(fractions):
        if not 0 <= fraction <= 1:
            raise ValueError(
                f"random_split: fraction at index {position} is {fraction}, not between 0 and 1"
            )
        lengths.append(math.floor(total * fraction))
    # Rounding down leaves a few items over; hand them out one each, from the first split on.
    for position in range(total - sum(lengths)):
        lengths[position % len(lengths)] += 1
    for position, length in enumerate(lengths):
        if length == 0:
            warnings.warn(
                f"random_split: the split at index {position} is empty", UserWarning, stacklevel=3
            )
    return lengths


def random_split(
    dataset: Any, lengths: Sequence[int | float], generator: Any = None
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    Args:
        dataset: a map-style dataset.
        lengths: sizes of the splits, or fractions that sum to 1 (left-over items
            go one each to the first splits, as PyTorch does).
        generator: where the permutation's randomness comes from: ``None``
            (Ember's seeded generator, see ``ember.manual_seed``), an int seed, a
            ``numpy.random.Generator`` or an object with an ``rng`` attribute.

    Returns:
        One :class:`Subset` per length.

    Raises:
        ValueError: if the lengths do not add up to ``len(dataset)``.

    >>> train, test = random_split(range(10), [0.8, 0.2], generator=0)
    >>> len(train), len(test), sorted(list(train) + list(test)) == list(range(10))
    (8, 2, True)
    """
    total = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _lengths_from_fractions(lengths, total)
    if sum(lengths) != total:
        raise ValueError(
            f"random_split: the lengths {list(lengths)} add up to {sum(lengths)}, but the dataset "
            f"has {total} items"
        )
    order = _generator_rng(generator).permutation(total).tolist()
    ends = itertools.accumulate(lengths)
    return [Subset(dataset, order[end - n : end]) for end, n in zip(ends, lengths, strict=True)]
