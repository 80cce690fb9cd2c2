import io
import os
import tarfile

import numpy as np
import pytest

import ember
from ember.data import CIFAR10, CIFAR100, DatasetError, DatasetNotFoundError
from ember.data import transforms as T

from .files import cifar10_archive, cifar100_archive, cifar_records, tar_gz


def _place(tmp_path, name, data):
    folder = tmp_path / name
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / (
        "cifar-10-binary.tar.gz" if name == "CIFAR10" else "cifar-100-binary.tar.gz"
    )
    archive.write_bytes(data)
    return archive


def test_cifar10_reads_binary_records(tmp_path):
    archive, train, test = cifar10_archive(per_batch=2)
    _place(tmp_path, "CIFAR10", archive)
    ds = CIFAR10(tmp_path)
    assert len(ds) == 10 and ds.data.shape == (10, 32, 32, 3) and ds.data.dtype == np.uint8
    np.testing.assert_array_equal(ds.data, train)
    assert ds.targets == [0, 1, 1, 2, 2, 3, 3, 4, 4, 5]
    image, label = ds[3]
    assert label == 2 and image.shape == (32, 32, 3)
    test_ds = CIFAR10(tmp_path, train=False, transform=T.ToTensor())
    tensor, label = test_ds[1]
    assert label == 9 and tensor.shape == (3, 32, 32) and tensor.dtype == ember.float32
    np.testing.assert_allclose(tensor.numpy(), test[1].transpose(2, 0, 1) / 255.0, rtol=1e-6)
    assert ds.classes[label] == "truck"


def test_extracted_files_are_used_without_the_archive(tmp_path):
    archive_path = _place(tmp_path, "CIFAR10", cifar10_archive()[0])
    first = CIFAR10(tmp_path)
    archive_path.unlink()
    np.testing.assert_array_equal(CIFAR10(tmp_path).data, first.data)


def test_cifar100_fine_and_coarse_labels(tmp_path):
    archive, train, _ = cifar100_archive()
    _place(tmp_path, "CIFAR100", archive)
    ds = CIFAR100(tmp_path)
    assert ds.targets == [42, 99, 0] and ds.coarse_targets == [3, 19, 0]
    np.testing.assert_array_equal(ds.data, train)
    assert ds.classes[99] == "worm" and ds.coarse_classes[19] == "vehicles_2"
    assert len(ds.classes) == 100 and len(ds.coarse_classes) == 20
    assert CIFAR100(tmp_path, train=False)[0][1] == 7


def test_missing_message(tmp_path):
    with pytest.raises(DatasetNotFoundError) as caught:
        CIFAR100(tmp_path)
    message = str(caught.value)
    assert os.path.join(str(tmp_path), "CIFAR100", "cifar-100-binary.tar.gz") in message
    assert "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz" in message
    assert "train.bin" in message and "download=True" in message


def _extracted(tmp_path, name="data_batch_1.bin"):
    return tmp_path / "CIFAR10" / "cifar-10-batches-bin" / name


def test_truncated_bin_names_the_file(tmp_path):
    _place(tmp_path, "CIFAR10", cifar10_archive()[0])
    CIFAR10(tmp_path)
    path = _extracted(tmp_path, "data_batch_3.bin")
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DatasetError, match=r"data_batch_3\.bin has the wrong size: 6136 bytes"):
        CIFAR10(tmp_path)


def test_wrong_labels_name_the_file(tmp_path):
    _place(tmp_path, "CIFAR10", cifar10_archive()[0])
    CIFAR10(tmp_path)
    _extracted(tmp_path).write_bytes(cifar_records([3, 57])[0])
    with pytest.raises(DatasetError, match=r"data_batch_1\.bin holds label 57"):
        CIFAR10(tmp_path)


def test_corrupt_archive_names_the_file(tmp_path):
    data = cifar10_archive()[0]
    archive = _place(tmp_path, "CIFAR10", data[: len(data) // 2])
    with pytest.raises(DatasetError, match=r"cifar-10-binary\.tar\.gz is truncated or corrupt"):
        CIFAR10(tmp_path)
    archive.write_bytes(b"junk")
    with pytest.raises(DatasetError, match="truncated or corrupt"):
        CIFAR10(tmp_path)
    assert not (tmp_path / "CIFAR10" / "cifar-10-batches-bin" / "data_batch_1.bin").exists()


def test_archive_without_the_binary_files(tmp_path):
    _place(tmp_path, "CIFAR10", tar_gz({"cifar-10-batches-py/data_batch_1": b"pickle"}))
    with pytest.raises(DatasetError, match=r"lacks cifar-10-batches-bin/data_batch_1\.bin"):
        CIFAR10(tmp_path)


def test_extraction_writes_only_the_expected_members(tmp_path):
    archive, _, _ = cifar10_archive()
    members = {}
    with tarfile.open(fileobj=io.BytesIO(archive)) as source:
        for member in source.getmembers():
            members[member.name] = source.extractfile(member).read()
    members["../escaped.bin"] = b"x"
    members["cifar-10-batches-bin/../../escaped2.bin"] = b"x"
    _place(tmp_path, "CIFAR10", tar_gz(members))
    assert len(CIFAR10(tmp_path)) == 10
    assert sorted(os.listdir(tmp_path)) == ["CIFAR10"]
    assert sorted(os.listdir(tmp_path / "CIFAR10" / "cifar-10-batches-bin")) == [
        *[f"data_batch_{i}.bin" for i in range(1, 6)],
        "test_batch.bin",
    ]
