import gzip
import os

import numpy as np
import pytest

import ember
from ember.data import MNIST, DataLoader, DatasetError, DatasetNotFoundError, FashionMNIST
from ember.data import transforms as T

from .files import idx_bytes, write_mnist


def test_loads_both_splits(tmp_path):
    train_images, _ = write_mnist(tmp_path / "MNIST", count=6)
    test_images, _ = write_mnist(tmp_path / "MNIST", count=3, prefix="t10k", seed=1)
    train = MNIST(tmp_path)
    assert len(train) == 6 and len(MNIST(tmp_path, train=False)) == 3
    assert train.data.shape == (6, 28, 28) and train.data.dtype == ember.uint8
    assert train.targets.dtype == ember.int64 and train.targets.tolist() == list(range(6))
    image, label = train[4]
    assert isinstance(image, np.ndarray) and image.dtype == np.uint8
    np.testing.assert_array_equal(image, train_images[4])
    assert label == 4 and isinstance(label, int)
    np.testing.assert_array_equal(MNIST(tmp_path, train=False)[2][0], test_images[2])
    assert "Number of datapoints: 6" in repr(train) and "Split: Train" in repr(train)


def test_transforms_and_a_dataloader_with_workers(tmp_path):
    images, _ = write_mnist(tmp_path / "MNIST", count=5)
    ds = MNIST(tmp_path, transform=T.ToTensor(), target_transform=lambda y: y * 10)
    image, label = ds[1]
    assert image.shape == (1, 28, 28) and label == 10
    np.testing.assert_allclose(image.numpy()[0], images[1] / 255.0, rtol=1e-6)
    batches = list(DataLoader(ds, batch_size=2, num_workers=2))
    assert [b[1].tolist() for b in batches] == [[0, 10], [20, 30], [40]]
    assert batches[0][0].shape == (2, 1, 28, 28)


def test_fashion_mnist_has_its_own_folder_and_classes(tmp_path):
    write_mnist(tmp_path / "FashionMNIST", count=2)
    ds = FashionMNIST(tmp_path)
    assert ds.classes[9] == "Ankle boot" and len(ds) == 2
    assert ds.folder == os.path.join(str(tmp_path), "FashionMNIST")


def test_uncompressed_files_work(tmp_path):
    write_mnist(tmp_path / "MNIST", count=3, compress=False)
    assert len(MNIST(tmp_path)) == 3


def test_missing_files_message_lists_paths_and_urls(tmp_path):
    with pytest.raises(DatasetNotFoundError) as caught:
        MNIST(tmp_path, train=False)
    message = str(caught.value)
    folder = os.path.join(str(tmp_path), "MNIST")
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert os.path.join(folder, name) in message
        assert f"https://ossci-datasets.s3.amazonaws.com/mnist/{name}" in message
    assert "train-images" not in message and "download=True" in message
    assert isinstance(caught.value, FileNotFoundError)


def test_root_defaults_to_ember_home(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBER_HOME", str(tmp_path))
    write_mnist(tmp_path / "datasets" / "MNIST", count=2)
    assert MNIST().root == str(tmp_path / "datasets")


def _replace(path, data, compress=True):
    opener = gzip.open if compress else open
    with opener(path, "wb") as file:
        file.write(data)


def test_bad_magic_number_names_the_file(tmp_path):
    write_mnist(tmp_path / "MNIST", count=2)
    path = tmp_path / "MNIST" / "train-images-idx3-ubyte.gz"
    _replace(path, idx_bytes(np.zeros(2, np.uint8)))
    with pytest.raises(
        DatasetError,
        match=r"train-images-idx3-ubyte\.gz: bad magic number "
        r"0x00000801, expected 0x00000803",
    ):
        MNIST(tmp_path)


def test_truncated_data_names_the_file(tmp_path):
    write_mnist(tmp_path / "MNIST", count=2)
    path = tmp_path / "MNIST" / "train-images-idx3-ubyte.gz"
    _replace(path, idx_bytes(np.zeros((2, 28, 28), np.uint8))[:-100])
    with pytest.raises(
        DatasetError,
        match=r"train-images-idx3-ubyte\.gz has the wrong size.*"
        r"\(2, 28, 28\).*1468",
    ):
        MNIST(tmp_path)


def test_truncated_gzip_names_the_file(tmp_path):
    write_mnist(tmp_path / "MNIST", count=2)
    path = tmp_path / "MNIST" / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(DatasetError, match=r"train-labels-idx1-ubyte\.gz is truncated or corrupt"):
        MNIST(tmp_path)
    path.write_bytes(b"not gzip at all")
    with pytest.raises(DatasetError, match="truncated or corrupt"):
        MNIST(tmp_path)


def test_files_that_do_not_belong_together(tmp_path):
    write_mnist(tmp_path / "MNIST", count=3)
    labels = tmp_path / "MNIST" / "train-labels-idx1-ubyte.gz"
    _replace(labels, idx_bytes(np.zeros(2, np.uint8)))
    with pytest.raises(DatasetError, match=r"3 images but .* 2 labels"):
        MNIST(tmp_path)
    _replace(labels, idx_bytes(np.array([1, 2, 200], np.uint8)))
    with pytest.raises(DatasetError, match="label 200"):
        MNIST(tmp_path)
