"""Dataset loaders: MNIST, Fashion-MNIST, CIFAR-10/100 (downloaded, checked, cached) and digits.

Files are cached in ``$EMBER_HOME/datasets`` (``~/.cache/ember/datasets``);
downloads are checked against pinned SHA-256 digests and written atomically.
"""

from ember.data.datasets._common import DatasetError, DatasetNotFoundError, dataset_root
from ember.data.datasets.cifar import CIFAR10, CIFAR100
from ember.data.datasets.digits import load_digits
from ember.data.datasets.mnist import MNIST, FashionMNIST

__all__ = [
    "CIFAR10",
    "CIFAR100",
    "MNIST",
    "DatasetError",
    "DatasetNotFoundError",
    "FashionMNIST",
    "dataset_root",
    "load_digits",
]
