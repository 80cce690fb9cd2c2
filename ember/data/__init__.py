"""Datasets, samplers and the DataLoader (``torch.utils.data``'s names), transforms and datasets.

>>> import ember
>>> from ember.data import DataLoader, TensorDataset
>>> ds = TensorDataset(ember.arange(6).reshape(3, 2), ember.tensor([0, 1, 0]))
>>> [y.tolist() for x, y in DataLoader(ds, batch_size=2)]
[[0, 1], [0]]
"""

from ember.data import datasets, transforms
from ember.data._worker import WorkerInfo, get_worker_info
from ember.data.collate import default_collate, default_convert
from ember.data.dataloader import DataLoader
from ember.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from ember.data.datasets import (
    CIFAR10,
    CIFAR100,
    MNIST,
    DatasetError,
    DatasetNotFoundError,
    FashionMNIST,
    load_digits,
)
from ember.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "CIFAR10",
    "CIFAR100",
    "MNIST",
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DatasetError",
    "DatasetNotFoundError",
    "FashionMNIST",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "default_collate",
    "datasets",
    "default_convert",
    "get_worker_info",
    "load_digits",
    "random_split",
    "transforms",
]
