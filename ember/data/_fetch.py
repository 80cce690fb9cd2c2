"""Fetchers: how one batch is read from a dataset, in the main process or in a worker."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy

from ember.data.collate import default_collate
from ember.data.dataset import Subset, TensorDataset
from ember.tensor import Tensor

__all__: list[str] = []


def _tensor_rows(dataset: Any, indices: list[Any]) -> list[Tensor] | None:
    """The batch ``default_collate`` would build from a TensorDataset's rows, by fancy indexing.

    Gathering rows with one index per tensor gives exactly the stacked rows, without
    a Python loop over the batch. ``None`` where the fast path does not apply.
    """
    while type(dataset) is Subset:
        indices = [dataset.indices[i] for i in indices]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:
        return None
    tensors = dataset.tensors
    if any(t.requires_grad or type(t.data) is not numpy.ndarray for t in tensors):
        return None
    try:
        rows = numpy.asarray(indices, dtype=numpy.intp)
    except (TypeError, ValueError):
        return None
    if rows.ndim != 1:
        return None
    return [Tensor(t.data[rows]) for t in tensors]


class MapFetcher:
    """Reads ``dataset[i]`` for each index of a batch, then collates."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn

    def fetch(self, index: Any) -> Any:
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self.collate_fn is default_collate:
            rows = _tensor_rows(self.dataset, index)
            if rows is not None:
                return rows
        return self.collate_fn([self.dataset[i] for i in index])


class IterableFetcher:
    """Reads the next ``batch_size`` items of an iterable dataset, then collates.

    ``fetch`` raises StopIteration once the stream is over (or only a short
    batch is left and ``drop_last`` is set).
    """

    def __init__(
        self,
        dataset: Any,
        auto_collation: bool,
        collate_fn: Callable,
        batch_size: int | None,
        drop_last: bool,
    ) -> None:
        self.iterator = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.batch_size = batch_size
        self.drop_last = drop_last

    def fetch(self, index: Any = None) -> Any:
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        batch = list(itertools.islice(self.iterator, self.batch_size))
        if not batch or (self.drop_last and len(batch) < self.batch_size):
            raise StopIteration
        return self.collate_fn(batch)


def make_fetcher(
    dataset: Any,
    iterable: bool,
    auto_collation: bool,
    collate_fn: Callable,
    batch_size: int | None,
    drop_last: bool,
) -> MapFetcher | IterableFetcher:
    """The fetcher for a map-style (``iterable=False``) or iterable dataset."""
    if iterable:
        return IterableFetcher(dataset, auto_collation, collate_fn, batch_size, drop_last)
    return MapFetcher(dataset, auto_collation, collate_fn)
