"""CIFAR-10 and CIFAR-100, read from the official *binary* archives (never from pickles).

Each record of a ``.bin`` file is the label byte(s) (CIFAR-100: coarse, then
fine) followed by 3,072 pixel bytes: the 1,024 red values of the 32x32 image
row by row, then green, then blue.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tarfile
import tempfile
import zlib
from typing import Any, ClassVar

import numpy

from ember.data.datasets._common import (
    DatasetError,
    DatasetNotFoundError,
    ImageDataset,
    download,
    missing_message,
)

__all__ = ["CIFAR10", "CIFAR100"]

_PIXELS = 3 * 32 * 32


def read_cifar_bin(
    path: str, label_bytes: int, label_limits: tuple[int, ...]
) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Images ``(N, 32, 32, 3)`` uint8 and labels ``(N, label_bytes)`` from one ``.bin`` file.

    Raises:
        DatasetError: naming the file, when its size is not a whole number of
            records or a label is out of range (truncated or the wrong file).
    """
    record = label_bytes + _PIXELS
    size = os.path.getsize(path)
    if size == 0 or size % record:
        raise DatasetError(
            f"{path} has the wrong size: {size} bytes is not a whole number of {record}-byte "
            f"records; it is truncated or not a file of this dataset"
        )
    records = numpy.fromfile(path, dtype=numpy.uint8).reshape(-1, record)
    labels = records[:, :label_bytes].astype(numpy.int64)
    for column, limit in enumerate(label_limits):
        if labels[:, column].max() >= limit:
            raise DatasetError(
                f"{path} holds label {labels[:, column].max()} where at most {limit - 1} is "
                f"valid; it is corrupt or belongs to another CIFAR dataset"
            )
    planes = records[:, label_bytes:].reshape(-1, 3, 32, 32)
    return numpy.ascontiguousarray(planes.transpose(0, 2, 3, 1)), labels


class CIFAR10(ImageDataset):
    """CIFAR-10: 32x32 colour images in 10 classes (50,000 train, 10,000 test).

    Files live in ``root/CIFAR10/``: the official ``cifar-10-binary.tar.gz``,
    whose ``.bin`` files are extracted next to it into ``cifar-10-batches-bin/``
    on first use (putting the extracted ``.bin`` files there works too).

    Args:
        root: the datasets folder (default ``$EMBER_HOME/datasets``).
        train: the training batches, else the test batch.
        transform: applied to each image, a ``(32, 32, 3)`` uint8 NumPy array
            (``transforms.ToTensor()`` makes it a ``(3, 32, 32)`` float tensor).
        target_transform: applied to each label, a Python int.
        download: fetch the archive from the official site, check its
            SHA-256 and write it into the cache atomically.

    Attributes:
        data: all images, a uint8 array ``(N, 32, 32, 3)`` (as torchvision).
        targets: all labels, a list of ints.
        classes: the class names.

    Raises:
        DatasetNotFoundError: files are missing; the message lists each path and URL.
        DatasetError: a file is corrupt or truncated, or a download failed its checksum.
    """

    url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
    archive = "cifar-10-binary.tar.gz"
    archive_sha256 = "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"
    base_folder = "cifar-10-batches-bin"
    train_files: ClassVar[list[str]] = [f"data_batch_{i}.bin" for i in range(1, 6)]
    test_files: ClassVar[list[str]] = ["test_batch.bin"]
    label_limits: ClassVar[tuple[int, ...]] = (10,)
    classes: ClassVar[list[str]] = [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ]

    def _load(self, download_missing: bool) -> None:
        names = self.train_files if self.train else self.test_files
        paths = [os.path.join(self.folder, self.base_folder, name) for name in names]
        if not all(os.path.exists(path) for path in paths):
            self._prepare(download_missing)
        parts = [read_cifar_bin(path, len(self.label_limits), self.label_limits) for path in paths]
        self.data = numpy.concatenate([images for images, _ in parts])
        labels = numpy.concatenate([labels for _, labels in parts])
        self._set_targets(labels)

    def _set_targets(self, labels: numpy.ndarray) -> None:
        self.targets = labels[:, 0].tolist()

    def _prepare(self, download_missing: bool) -> None:
        archive_path = os.path.join(self.folder, self.archive)
        if not os.path.exists(archive_path):
            if not download_missing:
                raise DatasetNotFoundError(self._missing(archive_path, "or pass download=True."))
            try:
                download([self.url], archive_path, self.archive_sha256)
            except DatasetNotFoundError as error:
                note = "(the download failed; fetch the archive by hand and try again)"
                raise DatasetNotFoundError(
                    f"{error}\n{self._missing(archive_path, note)}"
                ) from None
        self._extract(archive_path)

    def _missing(self, archive_path: str, note: str) -> str:
        extracted = os.path.join(self.folder, self.base_folder)
        note = (
            f"(or the extracted {', '.join(self.train_files + self.test_files)} in "
            f"{extracted}{os.sep}),\n{note}"
        )
        return missing_message(type(self).__name__, [(archive_path, [self.url])], note)

    def _extract(self, archive_path: str) -> None:
        """Copy the ``.bin`` members out of the archive, all or nothing.

        Only regular files at the expected names are read, so a hostile archive
        cannot write anywhere else. Members go to a staging folder and move into
        place only once the whole archive has been read and gzip's checksum of
        it has passed.
        """
        names = self.train_files + self.test_files
        wanted = {f"{self.base_folder}/{name}" for name in names}
        found = set()
        os.makedirs(self.folder, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".extracting-", dir=self.folder)
        try:
            try:
                with tarfile.open(archive_path, "r:gz") as archive:
                    for member in archive:
                        if member.name not in wanted or not member.isfile():
                            continue
                        target = os.path.join(staging, member.name.rsplit("/", 1)[1])
                        with archive.extractfile(member) as source, open(target, "wb") as file:
                            shutil.copyfileobj(source, file)
                        found.add(member.name)
                    # Reading to the end makes gzip check the CRC of the whole archive.
                    while archive.fileobj.read(1 << 20):
                        pass
            except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
                raise DatasetError(
                    f"{archive_path} is truncated or corrupt ({error}); delete it and download "
                    f"it again"
                ) from None
            if found != wanted:
                raise DatasetError(
                    f"{archive_path} lacks {', '.join(sorted(wanted - found))}; is it the binary "
                    f"version of {type(self).__name__} ({self.archive})?"
                )
            destination = os.path.join(self.folder, self.base_folder)
            os.makedirs(destination, exist_ok=True)
            for name in names:
                os.replace(os.path.join(staging, name), os.path.join(destination, name))
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        return self._sample(self.data[index], self.targets[index])


class CIFAR100(CIFAR10):
    """CIFAR-100: 32x32 colour images in 100 fine classes grouped in 20 coarse ones.

    The same arguments as :class:`CIFAR10`; files in ``root/CIFAR100/`` from the
    official ``cifar-100-binary.tar.gz`` (extracted into ``cifar-100-binary/``).
    ``targets`` are the fine labels, as in torchvision; ``coarse_targets`` holds
    the coarse ones.
    """

    url = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"
    archive = "cifar-100-binary.tar.gz"
    archive_sha256 = "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec"
    base_folder = "cifar-100-binary"
    train_files: ClassVar[list[str]] = ["train.bin"]
    test_files: ClassVar[list[str]] = ["test.bin"]
    label_limits: ClassVar[tuple[int, ...]] = (20, 100)
    coarse_classes: ClassVar[list[str]] = [
        "aquatic_mammals",
        "fish",
        "flowers",
        "food_containers",
        "fruit_and_vegetables",
        "household_electrical_devices",
        "household_furniture",
        "insects",
        "large_carnivores",
        "large_man-made_outdoor_things",
        "large_natural_outdoor_scenes",
        "large_omnivores_and_herbivores",
        "medium_mammals",
        "non-insect_invertebrates",
        "people",
        "reptiles",
        "small_mammals",
        "trees",
        "vehicles_1",
        "vehicles_2",
    ]
    classes: ClassVar[list[str]] = [
        "apple",
        "aquarium_fish",
        "baby",
        "bear",
        "beaver",
        "bed",
        "bee",
        "beetle",
        "bicycle",
        "bottle",
        "bowl",
        "boy",
        "bridge",
        "bus",
        "butterfly",
        "camel",
        "can",
        "castle",
        "caterpillar",
        "cattle",
        "chair",
        "chimpanzee",
        "clock",
        "cloud",
        "cockroach",
        "couch",
        "crab",
        "crocodile",
        "cup",
        "dinosaur",
        "dolphin",
        "elephant",
        "flatfish",
        "forest",
        "fox",
        "girl",
        "hamster",
        "house",
        "kangaroo",
        "keyboard",
        "lamp",
        "lawn_mower",
        "leopard",
        "lion",
        "lizard",
        "lobster",
        "man",
        "maple_tree",
        "motorcycle",
        "mountain",
        "mouse",
        "mushroom",
        "oak_tree",
        "orange",
        "orchid",
        "otter",
        "palm_tree",
        "pear",
        "pickup_truck",
        "pine_tree",
        "plain",
        "plate",
        "poppy",
        "porcupine",
        "possum",
        "rabbit",
        "raccoon",
        "ray",
        "road",
        "rocket",
        "rose",
        "sea",
        "seal",
        "shark",
        "shrew",
        "skunk",
        "skyscraper",
        "snail",
        "snake",
        "spider",
        "squirrel",
        "streetcar",
        "sunflower",
        "sweet_pepper",
        "table",
        "tank",
        "telephone",
        "television",
        "tiger",
        "tractor",
        "train",
        "trout",
        "tulip",
        "turtle",
        "wardrobe",
        "whale",
        "willow_tree",
        "wolf",
        "woman",
        "worm",
    ]

    def _set_targets(self, labels: numpy.ndarray) -> None:
        self.coarse_targets = labels[:, 0].tolist()
        self.targets = labels[:, 1].tolist()
