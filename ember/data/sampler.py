"""Samplers: the order in which a DataLoader visits a map-style dataset's indices.

Randomness comes from a *generator*: ``None`` means Ember's seeded generator
(``ember.manual_seed`` makes runs repeat), an int is a seed for a private
generator, and a ``numpy.random.Generator`` or any object with an ``rng``
attribute holding one (``ember.random.default_generator``) is used as is.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence, Sized
from typing import Any

import numpy

from ember.random import default_generator
from ember.tensor import Tensor

__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]


def _coerce_generator(generator: Any) -> Any:
    """Turn an int seed into a generator of its own, so that its state lasts across epochs."""
    if isinstance(generator, bool):
        raise TypeError(f"generator must be None, an int seed or a generator, got {generator!r}")
    if isinstance(generator, (int, numpy.integer)):
        # The same construction as ember.random's generator, so a seed means the same stream.
        return numpy.random.Generator(numpy.random.PCG64(int(generator)))
    _generator_rng(generator)
    return generator


def _generator_rng(generator: Any) -> numpy.random.Generator:
    """The NumPy generator behind ``generator``, read at each use (``manual_seed`` replaces it)."""
    if generator is None:
        return default_generator.rng
    if isinstance(generator, numpy.random.Generator):
        return generator
    if isinstance(generator, (int, numpy.integer)) and not isinstance(generator, bool):
        return numpy.random.Generator(numpy.random.PCG64(int(generator)))
    rng = getattr(generator, "rng", None)
    if isinstance(rng, numpy.random.Generator):
        return rng
    raise TypeError(
        f"generator must be None, an int seed, a numpy.random.Generator or an object with an "
        f"'rng' attribute (ember.random.default_generator), got {type(generator).__name__}"
    )


def _draw_seed(rng: numpy.random.Generator) -> int:
    return int(rng.integers(2**63 - 1))


def _check_positive_int(owner: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, numpy.integer)) or value <= 0:
        raise ValueError(f"{owner}: {name} should be a positive integer value, but got {value!r}")


def _check_bool(owner: str, name: str, value: Any, error: type[Exception] = ValueError) -> None:
    # PyTorch raises TypeError in RandomSampler and ValueError elsewhere; so does Ember.
    if not isinstance(value, bool):
        raise error(f"{owner}: {name} should be a boolean value, but got {value!r}")


class Sampler:
    """Base class: an iterable over dataset indices (or over batches of them)."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order.

    >>> list(SequentialSampler(range(3)))
    [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in random order: a fresh permutation each epoch.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement (then ``num_samples`` may exceed the length).
        num_samples: how many indices per epoch; ``len(data_source)`` by default.
            Without replacement and more than the length, whole permutations
            are chained.
        generator: as described in the module docstring. With ``None`` each
            epoch draws one seed from Ember's generator, as PyTorch does, so
            the order does not depend on other random calls during the epoch.

    >>> import ember
    >>> _ = ember.manual_seed(0)
    >>> sorted(RandomSampler(range(5)))
    [0, 1, 2, 3, 4]
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Any = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = _coerce_generator(generator)
        _check_bool("RandomSampler", "replacement", replacement, TypeError)
        _check_positive_int("RandomSampler", "num_samples", self.num_samples)

    @property
    def num_samples(self) -> int:
        """Indices per epoch."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _epoch_rng(self) -> numpy.random.Generator:
        if self.generator is None:
            return numpy.random.Generator(numpy.random.PCG64(_draw_seed(default_generator.rng)))
        return _generator_rng(self.generator)

    def __iter__(self) -> Iterator[int]:
        size = len(self.data_source)
        rng = self._epoch_rng()
        if self.replacement:
            yield from rng.integers(0, size, size=self.num_samples).tolist()
            return
        whole, rest = divmod(self.num_samples, size)
        for _ in range(whole):
            yield from rng.permutation(size).tolist()
        if rest:
            yield from rng.permutation(size)[:rest].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in random order (a new order each epoch).

    >>> sorted(SubsetRandomSampler([10, 20, 30], generator=0))
    [10, 20, 30]
    """

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices = indices
        self.generator = _coerce_generator(generator)

    def __iter__(self) -> Iterator[int]:
        for position in _generator_rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[position]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Indices ``0 .. len(weights) - 1`` drawn with probability proportional to ``weights``.

    Args:
        weights: non-negative weights, one per item (need not sum to one).
        num_samples: how many indices per epoch.
        replacement: draw with replacement; without it each index appears at most once.
        generator: as described in the module docstring.

    >>> list(WeightedRandomSampler([0.0, 1.0, 0.0], 3))
    [1, 1, 1]
    """

    def __init__(
        self,
        weights: Sequence[float],
        num_samples: int,
        replacement: bool = True,
        generator: Any = None,
    ) -> None:
        _check_positive_int("WeightedRandomSampler", "num_samples", num_samples)
        _check_bool("WeightedRandomSampler", "replacement", replacement)
        data = weights.numpy() if isinstance(weights, Tensor) else weights
        array = numpy.asarray(data, dtype=numpy.float64)
        if array.ndim != 1:
            raise ValueError(
                f"WeightedRandomSampler: weights should be a 1-d sequence, but got shape "
                f"{array.shape}"
            )
        if not numpy.all(numpy.isfinite(array)) or numpy.any(array < 0) or array.sum() <= 0:
            raise ValueError(
                "WeightedRandomSampler: weights must be finite, non-negative and not all zero"
            )
        nonzero = int(numpy.count_nonzero(array))
        if not replacement and num_samples > nonzero:
            raise ValueError(
                f"WeightedRandomSampler: cannot draw {num_samples} indices without replacement "
                f"from {nonzero} items of non-zero weight"
            )
        self.weights = array
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = _coerce_generator(generator)

    def __iter__(self) -> Iterator[int]:
        rng = _generator_rng(self.generator)
        probabilities = self.weights / self.weights.sum()
        chosen = rng.choice(
            len(self.weights), size=self.num_samples, replace=self.replacement, p=probabilities
        )
        return iter(chosen.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group another sampler's indices into lists of ``batch_size``.

    Args:
        sampler: any iterable of indices.
        batch_size: indices per batch.
        drop_last: drop the last batch when it is short.

    >>> list(BatchSampler(range(5), 2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    >>> len(BatchSampler(range(5), 2, drop_last=True))
    2
    """

    def __init__(self, sampler: Any, batch_size: int, drop_last: bool) -> None:
        _check_positive_int("BatchSampler", "batch_size", batch_size)
        _check_bool("BatchSampler", "drop_last", drop_last)
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[Any]]:
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)
