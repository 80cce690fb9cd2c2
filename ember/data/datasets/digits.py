"""scikit-learn's bundled 8x8 digits (1,797 images): a dataset that works offline."""

from __future__ import annotations

import importlib
from typing import Any

import numpy

from ember.data.dataset import TensorDataset
from ember.tensor import Tensor

__all__ = ["load_digits"]

_SPLITS = (None, "train", "test")


def _sklearn_datasets() -> Any:
    # scikit-learn is optional and slow to import: load it only when digits are asked for.
    try:
        return importlib.import_module("sklearn.datasets")
    except ImportError:
        raise ImportError(
            "load_digits needs scikit-learn, which is not installed: pip install scikit-learn"
        ) from None


def load_digits(
    as_dataset: bool = False,
    split: str | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> TensorDataset | tuple[Tensor, Tensor]:
    """The 8x8 handwritten digits bundled with scikit-learn (no download needed).

    Args:
        as_dataset: return a :class:`TensorDataset` instead of two tensors.
        split: ``None`` for all 1,797 images, or ``"train"`` / ``"test"`` for
            one side of a fixed random split.
        test_fraction: the share of images in the test side.
        seed: the seed of the split; it does not touch Ember's generator, so
            ``"train"`` and ``"test"`` never overlap for the same seed.

    Returns:
        ``(images, labels)``: float32 images ``(N, 1, 8, 8)`` scaled to ``[0, 1]``
        and int64 labels ``(N,)``; or a ``TensorDataset`` of the two.

    Raises:
        ImportError: if scikit-learn is not installed.

    >>> images, labels = load_digits()
    >>> images.shape, images.dtype, labels.dtype, float(images.max())
    ((1797, 1, 8, 8), ember.float32, ember.int64, 1.0)
    >>> len(load_digits(as_dataset=True, split="test"))
    359
    """
    if split not in _SPLITS:
        raise ValueError(f"load_digits: split must be None, 'train' or 'test', got {split!r}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"load_digits: test_fraction must be in (0, 1), got {test_fraction}")
    bunch = _sklearn_datasets().load_digits()
    # Pixel values are counts from 0 to 16 (a 4x4 block of a 32x32 bitmap).
    images = (bunch.images.astype(numpy.float32) / numpy.float32(16.0))[:, None]
    labels = bunch.target.astype(numpy.int64)
    if split is not None:
        order = numpy.random.default_rng(seed).permutation(len(labels))
        test_size = round(len(labels) * test_fraction)
        chosen = numpy.sort(order[:test_size] if split == "test" else order[test_size:])
        images, labels = images[chosen], labels[chosen]
    images_tensor, labels_tensor = Tensor(numpy.ascontiguousarray(images)), Tensor(labels)
    if as_dataset:
        return TensorDataset(images_tensor, labels_tensor)
    return images_tensor, labels_tensor
