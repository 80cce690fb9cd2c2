"""Small files in the official dataset formats, written into a test's tmp_path."""

import gzip
import hashlib
import io
import os
import struct
import tarfile

import numpy as np


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes: magic 0x0000 08 <ndim>, big-endian sizes, the data."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_mnist(folder, count=5, prefix="train", compress=True, seed=0):
    """Images (count, 28, 28) and labels 0..9 as the two IDX files of one split."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (count, 28, 28), dtype=np.uint8)
    labels = (np.arange(count) % 10).astype(np.uint8)
    os.makedirs(folder, exist_ok=True)
    for kind, array in (("images-idx3", images), ("labels-idx1", labels)):
        name = os.path.join(folder, f"{prefix}-{kind}-ubyte")
        data = idx_bytes(array)
        if compress:
            with gzip.open(name + ".gz", "wb") as file:
                file.write(data)
        else:
            with open(name, "wb") as file:
                file.write(data)
    return images, labels


def cifar_records(labels, seed=0):
    """Records of label bytes + 3072 pixel bytes, and the (N, 32, 32, 3) images they hold."""
    labels = np.asarray(labels, dtype=np.uint8).reshape(len(labels), -1)
    images = np.random.default_rng(seed).integers(0, 256, (len(labels), 32, 32, 3), dtype=np.uint8)
    planes = images.transpose(0, 3, 1, 2).reshape(len(labels), -1)
    return np.concatenate([labels, planes], axis=1).tobytes(), images


def tar_gz(members):
    """A .tar.gz holding ``{name: bytes}``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def cifar10_archive(per_batch=2):
    """The bytes of a small cifar-10-binary.tar.gz, with the train and test images it holds."""
    members, train, test = {}, [], None
    for batch in range(1, 6):
        data, images = cifar_records(np.arange(per_batch) % 10 + batch - 1, seed=batch)
        members[f"cifar-10-batches-bin/data_batch_{batch}.bin"] = data
        train.append(images)
    data, test = cifar_records([9] * per_batch, seed=9)
    members["cifar-10-batches-bin/test_batch.bin"] = data
    members["cifar-10-batches-bin/batches.meta.txt"] = b"airplane\n"
    return tar_gz(members), np.concatenate(train), test


def cifar100_archive():
    train, train_images = cifar_records([[3, 42], [19, 99], [0, 0]], seed=1)
    test, test_images = cifar_records([[7, 7]], seed=2)
    members = {"cifar-100-binary/train.bin": train, "cifar-100-binary/test.bin": test}
    return tar_gz(members), train_images, test_images


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
