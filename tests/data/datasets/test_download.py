"""Downloads, with the network replaced by local files (tests never touch the network)."""

import os
import urllib.error

import numpy as np
import pytest

from ember.data import CIFAR10, MNIST, DatasetError, DatasetNotFoundError
from ember.data.datasets import _common

from .files import cifar10_archive, sha256, write_mnist


@pytest.fixture
def server(tmp_path, monkeypatch):
    """Files served by URL basename from tmp_path/server; records each URL asked for."""
    folder = tmp_path / "server"
    folder.mkdir()
    asked = []

    def fetch(url, destination):
        asked.append(url)
        path = folder / url.rsplit("/", 1)[1]
        if not path.exists() or "down.example" in url:
            raise urllib.error.URLError("connection refused")
        destination.write(path.read_bytes())

    monkeypatch.setattr(_common, "fetch", fetch)
    return folder, asked


def _pin_mnist(monkeypatch, folder):
    pins = {
        name: sha256((folder / name).read_bytes()) if (folder / name).exists() else digest
        for name, digest in MNIST.resources.items()
    }
    monkeypatch.setattr(MNIST, "resources", pins)


def _cache_files(folder):
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_download_fetches_checks_and_caches(tmp_path, monkeypatch, server):
    served, asked = server
    images, _ = write_mnist(served, count=4)
    write_mnist(served, count=2, prefix="t10k")
    _pin_mnist(monkeypatch, served)
    cache = tmp_path / "cache"
    ds = MNIST(cache, download=True)
    np.testing.assert_array_equal(ds[3][0], images[3])
    assert asked == [
        "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz",
        "https://ossci-datasets.s3.amazonaws.com/mnist/train-labels-idx1-ubyte.gz",
    ]
    assert _cache_files(cache / "MNIST") == [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
    ]
    MNIST(cache, download=True)
    assert len(asked) == 2  # cached: nothing fetched again


def test_download_tries_the_next_mirror(tmp_path, monkeypatch, server):
    served, asked = server
    write_mnist(served, count=2)
    _pin_mnist(monkeypatch, served)
    monkeypatch.setattr(MNIST, "mirrors", ["https://down.example/", *MNIST.mirrors])
    assert len(MNIST(tmp_path / "cache", download=True)) == 2
    assert asked[0].startswith("https://down.example/") and len(asked) == 4


def test_checksum_mismatch_saves_nothing(tmp_path, monkeypatch, server):
    served, _ = server
    write_mnist(served, count=2)
    _pin_mnist(monkeypatch, served)
    write_mnist(served, count=3)  # the server now sends other bytes
    with pytest.raises(DatasetError, match="SHA-256 mismatch") as caught:
        MNIST(tmp_path / "cache", download=True)
    assert not isinstance(caught.value, DatasetNotFoundError)
    assert _cache_files(tmp_path / "cache" / "MNIST") == []


def test_no_network_explains_what_to_do(tmp_path, server):
    with pytest.raises(DatasetNotFoundError) as caught:
        MNIST(tmp_path / "cache", download=True)
    message = str(caught.value)
    assert "connection refused" in message
    assert os.path.join(str(tmp_path / "cache" / "MNIST"), "train-images-idx3-ubyte.gz") in message
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/train-labels-idx1-ubyte.gz" in message
    assert _cache_files(tmp_path / "cache" / "MNIST") == []


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, RuntimeError])
def test_interrupted_download_leaves_no_partial_file(tmp_path, monkeypatch, interruption):
    def fetch(url, destination):
        destination.write(b"\x1f\x8b partial data")
        raise interruption("stopped half-way")

    monkeypatch.setattr(_common, "fetch", fetch)
    with pytest.raises(interruption):
        MNIST(tmp_path, download=True)
    assert _cache_files(tmp_path / "MNIST") == []


def test_cifar_download_and_extraction(tmp_path, monkeypatch, server):
    served, asked = server
    archive, train, _ = cifar10_archive()
    (served / "cifar-10-binary.tar.gz").write_bytes(archive)
    monkeypatch.setattr(CIFAR10, "archive_sha256", sha256(archive))
    ds = CIFAR10(tmp_path / "cache", download=True)
    np.testing.assert_array_equal(ds.data, train)
    assert asked == ["https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"]
    folder = tmp_path / "cache" / "CIFAR10"
    assert _cache_files(folder) == ["cifar-10-batches-bin", "cifar-10-binary.tar.gz"]
    assert len(_cache_files(folder / "cifar-10-batches-bin")) == 6


def test_cifar_checksum_mismatch(tmp_path, server):
    served, _ = server
    (served / "cifar-10-binary.tar.gz").write_bytes(cifar10_archive()[0])
    with pytest.raises(DatasetError, match=r"SHA-256 mismatch.*expected c4a38c50"):
        CIFAR10(tmp_path / "cache", download=True)
    assert _cache_files(tmp_path / "cache" / "CIFAR10") == []


def test_pinned_digests_are_sha256():
    from ember.data import CIFAR100, FashionMNIST

    digests = [*MNIST.resources.values(), *FashionMNIST.resources.values()]
    digests += [CIFAR10.archive_sha256, CIFAR100.archive_sha256]
    assert len(set(digests)) == 10
    assert all(len(d) == 64 and int(d, 16) >= 0 for d in digests)
