import sys

import numpy as np
import pytest

import ember
from ember.data import DataLoader, TensorDataset, load_digits

sklearn_datasets = pytest.importorskip("sklearn.datasets")


def test_tensors_scaled_to_unit_range():
    images, labels = load_digits()
    assert images.shape == (1797, 1, 8, 8) and images.dtype == ember.float32
    assert labels.shape == (1797,) and labels.dtype == ember.int64
    raw = sklearn_datasets.load_digits()
    np.testing.assert_allclose(images.numpy()[:, 0] * 16, raw.images)
    np.testing.assert_array_equal(labels.numpy(), raw.target)


def test_dataset_and_split():
    train = load_digits(as_dataset=True, split="train")
    test = load_digits(as_dataset=True, split="test")
    assert isinstance(train, TensorDataset)
    assert len(train) + len(test) == 1797 and len(test) == 359
    all_images = load_digits()[0].numpy().reshape(1797, -1)
    rows = {row.tobytes(): i for i, row in enumerate(all_images)}
    train_rows = {rows[r.tobytes()] for r in train.tensors[0].numpy().reshape(len(train), -1)}
    test_rows = {rows[r.tobytes()] for r in test.tensors[0].numpy().reshape(len(test), -1)}
    assert not train_rows & test_rows
    other = load_digits(as_dataset=True, split="test", seed=1)
    assert other.tensors[1].tolist() != test.tensors[1].tolist()
    x, y = next(iter(DataLoader(train, batch_size=16, shuffle=True)))
    assert x.shape == (16, 1, 8, 8) and y.shape == (16,)


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="split"):
        load_digits(split="validation")
    with pytest.raises(ValueError, match="test_fraction"):
        load_digits(split="test", test_fraction=1.5)


def test_missing_scikit_learn_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        load_digits()
