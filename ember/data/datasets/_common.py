"""What the dataset loaders share: the cache folder, errors, verified atomic downloads."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

from ember.data.dataset import Dataset
from ember.errors import EmberError

__all__ = ["DatasetError", "DatasetNotFoundError", "dataset_root"]

_CHUNK = 1 << 20
_TIMEOUT_SECONDS = 60


class DatasetError(EmberError, RuntimeError):
    """A dataset file is corrupt or truncated, or a download failed its checksum."""


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """Dataset files are missing (and were not, or could not be, downloaded)."""


def dataset_root(root: str | os.PathLike | None) -> str:
    """``root``, or ``$EMBER_HOME/datasets`` (``EMBER_HOME`` defaults to ``~/.cache/ember``).

    >>> import os
    >>> dataset_root("/tmp/data")
    '/tmp/data'
    """
    if root is None:
        home = os.environ.get("EMBER_HOME") or os.path.join("~", ".cache", "ember")
        root = os.path.join(home, "datasets")
    return os.path.abspath(os.path.expanduser(os.fspath(root)))


def fetch(url: str, destination: Any) -> None:
    """Stream ``url`` into ``destination`` (anything with a binary ``write``).

    Downloads go through this one function, so tests can replace it.
    """
    with urllib.request.urlopen(url, timeout=_TIMEOUT_SECONDS) as response:
        shutil.copyfileobj(response, destination, _CHUNK)


def write_atomically(path: str, writer: Callable[[BinaryIO], None]) -> None:
    """Run ``writer`` on a temporary file beside ``path``, then move it into place.

    Whatever stops ``writer`` (an error, Ctrl-C), no partial file is left behind:
    ``path`` either does not change or appears complete.
    """
    folder, name = os.path.split(path)
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(handle, "wb") as file:
            writer(file)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


class _ChecksumMismatch(Exception):
    pass


class _HashingWriter:
    """A write-only file that also hashes what goes through it."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.file.write(data)


def download(urls: Sequence[str], path: str, sha256: str) -> None:
    """Download to ``path`` from the first of ``urls`` that works and matches ``sha256``.

    Raises:
        DatasetError: if a download arrived but its SHA-256 was wrong (nothing is saved).
        DatasetNotFoundError: if no URL could be fetched.
    """
    failures = []
    checksum_failed = False
    for url in urls:

        def writer(file: BinaryIO, url: str = url) -> None:
            hashing = _HashingWriter(file)
            fetch(url, hashing)
            actual = hashing.digest.hexdigest()
            if actual != sha256:
                raise _ChecksumMismatch(
                    f"SHA-256 mismatch: got {actual}, expected {sha256} (corrupt or changed file)"
                )

        try:
            write_atomically(path, writer)
            return
        except _ChecksumMismatch as error:
            checksum_failed = True
            failures.append(f"{url}: {error}")
        except (OSError, urllib.error.URLError, ValueError) as error:
            failures.append(f"{url}: {error}")
    reasons = "\n".join(f"  {failure}" for failure in failures)
    error_type = DatasetError if checksum_failed else DatasetNotFoundError
    raise error_type(f"could not download {os.path.basename(path)}; nothing was saved:\n{reasons}")


def missing_message(dataset: str, places: Sequence[tuple[str, Sequence[str]]], note: str) -> str:
    """The message for missing files: each path and where to get it."""
    lines = [f"{dataset}: these files are missing; put them at these paths:"]
    for path, urls in places:
        lines.append(f"  {path}")
        lines.extend(f"      from {url}" for url in urls)
    lines.append(note)
    return "\n".join(lines)


def ensure_files(
    dataset: str,
    folder: str,
    files: dict[str, str],
    mirrors: Sequence[str],
    download_missing: bool,
    present: Callable[[str], bool] = os.path.exists,
) -> None:
    """Make sure every file ``name -> sha256`` of ``files`` is in ``folder``.

    Missing files are downloaded from ``mirror + name`` when ``download_missing``;
    otherwise, or when the download fails, the error says what to put where.
    """
    missing = [name for name in files if not present(os.path.join(folder, name))]
    if not missing:
        return
    places = [(os.path.join(folder, name), [m + name for m in mirrors]) for name in missing]
    if not download_missing:
        raise DatasetNotFoundError(
            missing_message(dataset, places, "or pass download=True to fetch them.")
        )
    for name in missing:
        try:
            download([mirror + name for mirror in mirrors], os.path.join(folder, name), files[name])
        except DatasetNotFoundError as error:
            note = "(the download failed; fetch them by hand and try again)"
            raise DatasetNotFoundError(
                f"{error}\n{missing_message(dataset, places, note)}"
            ) from None


class ImageDataset(Dataset):
    """Base of the image datasets: torchvision's constructor, transforms and a readable ``repr``.

    A subclass reads its files in :meth:`_load`, which the constructor calls
    once the arguments are stored.
    """

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        train: bool = True,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
        download: bool = False,
    ) -> None:
        self.root = dataset_root(root)
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        self._load(download)

    def _load(self, download_missing: bool) -> None:
        """Read the split's files into memory, downloading missing ones if asked."""
        raise NotImplementedError

    @property
    def folder(self) -> str:
        """Where this dataset's files live: ``root/<class name>``."""
        return os.path.join(self.root, type(self).__name__)

    def _sample(self, image: Any, target: int) -> tuple[Any, Any]:
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __repr__(self) -> str:
        lines = [
            f"Dataset {type(self).__name__}",
            f"    Number of datapoints: {len(self)}",
            f"    Root location: {self.root}",
            f"    Split: {'Train' if self.train else 'Test'}",
        ]
        if self.transform is not None:
            lines.append(f"    Transform: {self.transform!r}")
        return "\n".join(lines)
