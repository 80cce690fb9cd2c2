"""DataLoader: batches from a dataset, in order or shuffled, in this process or in workers."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from typing import Any

from ember.data._fetch import make_fetcher
from ember.data._worker import MultiProcessIterator
from ember.data.collate import default_collate, default_convert
from ember.data.dataset import IterableDataset
from ember.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    _coerce_generator,
    _draw_seed,
    _generator_rng,
)

__all__ = ["DataLoader"]

# Attributes that define what an epoch yields; changing them later would
# silently disagree with the samplers built from them.
_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


def _default_context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    # fork starts workers in milliseconds and needs nothing picklable; spawn is the fallback.
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


class DataLoader:
    """Iterate over a dataset in batches, as ``torch.utils.data.DataLoader`` does.

    Args:
        dataset: a map-style dataset (``len`` and ``[i]``) or an :class:`IterableDataset`.
        batch_size: samples per batch; ``None`` turns batching off (each item is
            passed through ``collate_fn``, by default :func:`default_convert`).
        shuffle: visit the indices in a new random order each epoch.
        sampler: the order of indices (instead of ``shuffle``).
        batch_sampler: yields whole lists of indices (instead of ``batch_size``,
            ``shuffle``, ``sampler`` and ``drop_last``).
        num_workers: worker processes that read batches; ``0`` reads in this process.
        collate_fn: merges a list of samples into a batch (:func:`default_collate`).
        pin_memory: accepted for PyTorch compatibility; has no effect on the CPU.
        drop_last: drop the last batch when it is short.
        timeout: seconds to wait for a batch from the workers (``0``: forever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker,
            after seeding and before the first batch.
        multiprocessing_context: a start method name (``"fork"``, ``"spawn"``,
            ``"forkserver"``) or context; ``fork`` where available, else ``spawn``.
        generator: the randomness for shuffling and for the workers' base seed:
            ``None`` (Ember's seeded generator, so ``ember.manual_seed`` makes
            epochs repeat), an int seed, a ``numpy.random.Generator`` or an
            object with an ``rng`` attribute.
        prefetch_factor: batches each worker reads ahead (2 when workers are used).
        persistent_workers: keep the workers alive from one epoch to the next.

    With workers, worker ``i`` seeds Ember's, Python's and NumPy's generators
    with ``base_seed + i``, where ``base_seed`` is drawn from ``generator`` at
    the start of each epoch; batches come out in the same order as with
    ``num_workers=0``. An exception in a worker is raised again here, naming the
    worker and carrying the original traceback. Workers hand batches over through
    shared memory (``/dev/shm`` on Linux): their arrays are copied in there and
    out here, never pickled, and the blocks are removed once the workers stop.

    >>> import ember
    >>> from ember.data import TensorDataset
    >>> loader = DataLoader(TensorDataset(ember.arange(5)), batch_size=2)
    >>> [batch[0].tolist() for batch in loader], len(loader)
    ([[0, 1], [2, 3], [4]], 3)
    """

    _initialized = False

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Any = None,
        batch_sampler: Sampler | Any = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
    ) -> None:
        prefetch_factor = _check_workers(
            num_workers, timeout, prefetch_factor, persistent_workers, multiprocessing_context
        )
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler)):
                if value not in (None, False):
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, "
                        f"but got {name}={value!r}"
                    )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler!r}"
                )
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                    "shuffle, sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "DataLoader: batch_size=None option disables auto-batching and is mutually "
                "exclusive with drop_last"
            )
        generator = _coerce_generator(generator)
        if sampler is None and not iterable:
            if shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        elif batch_size is not None and iterable:
            # Validates batch_size and drop_last as BatchSampler would.
            BatchSampler([], batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.persistent_workers = persistent_workers
        auto_collation = batch_sampler is not None or (iterable and batch_size is not None)
        if collate_fn is None:
            collate_fn = default_collate if auto_collation else default_convert
        self.collate_fn = collate_fn
        self._iterable = iterable
        self._auto_collation = auto_collation
        self._iterator: MultiProcessIterator | None = None
        self._initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if self._initialized and name in _FROZEN:
            raise ValueError(
                f"{name} attribute should not be set after {type(self).__name__} is initialized"
            )
        super().__setattr__(name, value)

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def _context(self) -> Any:
        context = self.multiprocessing_context
        if context is None:
            return _default_context()
        if isinstance(context, str):
            return multiprocessing.get_context(context)
        return context

    def __iter__(self) -> Iterator[Any]:
        # Drawn every epoch, with or without workers, so that both consume the
        # generator alike and a seed gives the same shuffles either way.
        base_seed = _draw_seed(_generator_rng(self.generator))
        if self.num_workers == 0:
            return _SingleProcessIterator(self)
        if not self.persistent_workers:
            return MultiProcessIterator(self, base_seed)
        if self._iterator is None or self._iterator.closed:
            self._iterator = MultiProcessIterator(self, base_seed)
        else:
            self._iterator.reset()
        return self._iterator

    def __len__(self) -> int:
        if not self._iterable:
            return len(self._index_sampler)
        if not hasattr(self.dataset, "__len__"):
            raise TypeError(
                f"DataLoader: len() is unknown for {type(self.dataset).__name__}, an "
                "IterableDataset without __len__"
            )
        length = len(self.dataset)
        if self.batch_size is None:
            return length
        if self.drop_last:
            return length // self.batch_size
        return -(-length // self.batch_size)

    def __repr__(self) -> str:
        return (
            f"DataLoader(dataset={type(self.dataset).__name__}, batch_size={self.batch_size}, "
            f"num_workers={self.num_workers})"
        )


def _check_workers(
    num_workers: Any,
    timeout: Any,
    prefetch_factor: int | None,
    persistent_workers: bool,
    multiprocessing_context: Any,
) -> int | None:
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError(
            "DataLoader: num_workers option should be non-negative; use num_workers=0 to "
            f"disable multiprocessing (got {num_workers!r})"
        )
    if timeout < 0:
        raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout}")
    if num_workers == 0:
        if prefetch_factor is not None:
            raise ValueError(
                "DataLoader: prefetch_factor option could only be specified in multiprocessing; "
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor "
                "to None"
            )
        if persistent_workers:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None:
            raise ValueError(
                "DataLoader: multiprocessing_context can only be used with multi-process "
                "loading (num_workers > 0), but got num_workers=0"
            )
        return None
    if prefetch_factor is None:
        return 2
    if isinstance(prefetch_factor, bool) or not isinstance(prefetch_factor, int):
        raise ValueError(f"DataLoader: prefetch_factor must be an int, got {prefetch_factor!r}")
    if prefetch_factor < 1:
        raise ValueError(
            f"DataLoader: prefetch_factor option should be positive, got {prefetch_factor}"
        )
    if isinstance(multiprocessing_context, str):
        methods = multiprocessing.get_all_start_methods()
        if multiprocessing_context not in methods:
            raise ValueError(
                f"DataLoader: multiprocessing_context option should specify a valid start "
                f"method in {methods!r}, but got multiprocessing_context="
                f"{multiprocessing_context!r}"
            )
    return prefetch_factor


class _SingleProcessIterator:
    """One epoch read in the calling process."""

    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        self._fetcher = make_fetcher(
            loader.dataset,
            loader._iterable,
            loader._auto_collation,
            loader.collate_fn,
            loader.batch_size,
            loader.drop_last,
        )
        self._indices = None if loader._iterable else iter(loader._index_sampler)

    def __iter__(self) -> _SingleProcessIterator:
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def __next__(self) -> Any:
        index = None if self._indices is None else next(self._indices)
        return self._fetcher.fetch(index)
