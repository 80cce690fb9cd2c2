"""MNIST and Fashion-MNIST, read from the official gzipped IDX files."""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from typing import Any, ClassVar

import numpy

from ember.data.datasets._common import DatasetError, ImageDataset, ensure_files
from ember.tensor import Tensor

__all__ = ["MNIST", "FashionMNIST", "read_idx"]

# IDX magic: two zero bytes, the element type (0x08 = unsigned byte), the dimension count.
_UBYTE = 0x08


def _read_maybe_gzipped(path: str) -> bytes:
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as file:
                return file.read()
        with open(path, "rb") as file:
            return file.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise DatasetError(
            f"{path} is truncated or corrupt ({error}); delete it and download it again"
        ) from None


def read_idx(path: str, ndim: int) -> numpy.ndarray:
    """Read an IDX file of unsigned bytes with ``ndim`` dimensions (gzipped if it ends in .gz).

    Raises:
        DatasetError: naming the file, for a bad magic number or a size that
            disagrees with the header (a truncated or wrong file).
    """
    raw = _read_maybe_gzipped(path)
    expected_magic = (_UBYTE << 8) | ndim
    header = 4 + 4 * ndim
    if len(raw) < 4:
        raise DatasetError(f"{path} is truncated: {len(raw)} bytes, shorter than an IDX header")
    magic = struct.unpack(">I", raw[:4])[0]
    if magic != expected_magic:
        raise DatasetError(
            f"{path}: bad magic number 0x{magic:08x}, expected 0x{expected_magic:08x} (an IDX "
            f"file of unsigned bytes with {ndim} dimension{'s' if ndim > 1 else ''}); is it the "
            f"right file?"
        )
    if len(raw) < header:
        raise DatasetError(f"{path} is truncated: the IDX header alone needs {header} bytes")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = math.prod(shape)
    if len(raw) - header != expected:
        raise DatasetError(
            f"{path} has the wrong size: its header promises shape {shape} ({expected} bytes of "
            f"data) but it holds {len(raw) - header}; it is truncated or corrupt, delete it and "
            f"download it again"
        )
    return numpy.frombuffer(raw, numpy.uint8, offset=header).reshape(shape).copy()


class MNIST(ImageDataset):
    """The MNIST handwritten digits: 28x28 grey images, labels 0-9.

    Files live in ``root/MNIST/`` (``root`` defaults to ``$EMBER_HOME/datasets``)
    as the official ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
    ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz`` (or the
    same names without ``.gz``).

    Args:
        root: the datasets folder.
        train: the 60,000 training images, else the 10,000 test images.
        transform: applied to each image, a ``(28, 28)`` uint8 NumPy array
            (``transforms.ToTensor()`` makes it a ``(1, 28, 28)`` float tensor).
        target_transform: applied to each label, a Python int.
        download: fetch missing files from the official mirrors, check their
            SHA-256 and write them into the cache atomically.

    Attributes:
        data: all images, a uint8 tensor ``(N, 28, 28)``.
        targets: all labels, an int64 tensor ``(N,)``.
        classes: the class names.

    Raises:
        DatasetNotFoundError: files are missing; the message lists each path and URL.
        DatasetError: a file is corrupt or truncated, or a download failed its checksum.
    """

    mirrors: ClassVar[list[str]] = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ]
    resources: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte.gz": (
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
        ),
        "train-labels-idx1-ubyte.gz": (
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
        ),
    }
    classes: ClassVar[list[str]] = [
        "0 - zero",
        "1 - one",
        "2 - two",
        "3 - three",
        "4 - four",
        "5 - five",
        "6 - six",
        "7 - seven",
        "8 - eight",
        "9 - nine",
    ]

    def _load(self, download_missing: bool) -> None:
        prefix = "train" if self.train else "t10k"
        names = [f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz"]
        ensure_files(
            type(self).__name__,
            self.folder,
            {name: self.resources[name] for name in names},
            self.mirrors,
            download_missing,
            present=lambda path: self._locate(path) is not None,
        )
        image_path, label_path = (self._locate(os.path.join(self.folder, n)) for n in names)
        images = read_idx(image_path, 3)
        labels = read_idx(label_path, 1)
        if len(images) != len(labels):
            raise DatasetError(
                f"{image_path} holds {len(images)} images but {label_path} holds {len(labels)} "
                f"labels; the two files do not belong together"
            )
        if labels.size and labels.max() >= len(self.classes):
            raise DatasetError(
                f"{label_path} holds label {labels.max()}, but {type(self).__name__} has "
                f"{len(self.classes)} classes; is it the right file?"
            )
        self._images = images
        self._labels = labels.astype(numpy.int64)
        self.data = Tensor(images)
        self.targets = Tensor(self._labels)

    @staticmethod
    def _locate(gz_path: str) -> str | None:
        for path in (gz_path, gz_path.removesuffix(".gz")):
            if os.path.exists(path):
                return path
        return None

    def __len__(self) -> int:
        return len(self._labels)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        return self._sample(self._images[index], int(self._labels[index]))


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grey images of clothes in 10 classes.

    The same files, layout and arguments as :class:`MNIST`, in ``root/FashionMNIST/``.
    """

    mirrors: ClassVar[list[str]] = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte.gz": (
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
        ),
        "train-labels-idx1-ubyte.gz": (
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
        ),
    }
    classes: ClassVar[list[str]] = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
