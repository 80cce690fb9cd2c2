import numpy as np
import pytest
import torch
import torch.utils.data as tud

import ember
from ember.data import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from ember.errors import ShapeError


def test_tensor_dataset_rows_and_length():
    x = ember.arange(12).reshape(4, 3)
    y = ember.tensor([0, 1, 0, 1])
    ds = TensorDataset(x, y)
    assert len(ds) == 4
    row, label = ds[2]
    assert row.tolist() == [6, 7, 8] and label.item() == 0
    assert [r.tolist() for r in ds[1:3][0]] == [[3, 4, 5], [6, 7, 8]]


def test_tensor_dataset_size_mismatch_names_shapes():
    with pytest.raises(ShapeError, match=r"size mismatch.*\(4, 3\), \(5,\)"):
        TensorDataset(ember.zeros(4, 3), ember.zeros(5))


def test_tensor_dataset_rejects_non_tensors():
    with pytest.raises(TypeError, match="argument 1"):
        TensorDataset(ember.zeros(2), [1, 2])
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()


def test_subset_maps_indices_and_lists():
    ds = Subset(list(range(10, 20)), [3, 1, 7])
    assert len(ds) == 3
    assert [ds[i] for i in range(3)] == [13, 11, 17]
    nested = Subset(TensorDataset(ember.arange(10)), [9, 8])
    assert nested[[0, 1]][0].tolist() == [9, 8]


def test_concat_dataset_indexing_like_torch():
    parts = [list(range(3)), list(range(10, 12)), list(range(20, 24))]
    ours, theirs = ConcatDataset(parts), tud.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 9
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-9, 9)] == [theirs[i] for i in range(-9, 9)]
    with pytest.raises(IndexError):
        ours[9]
    with pytest.raises(IndexError):
        ours[-10]


def test_concat_dataset_errors_and_add():
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])

    class Stream(IterableDataset):
        def __iter__(self):
            return iter([1])

    with pytest.raises(TypeError, match="IterableDataset"):
        ConcatDataset([Stream()])

    class Pairs(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return index

    joined = Pairs() + Pairs()
    assert isinstance(joined, ConcatDataset) and [joined[i] for i in range(4)] == [0, 1, 0, 1]
    assert list(Stream() + Stream()) == [1, 1]
    assert isinstance(Stream() + Stream(), ChainDataset)


def test_base_classes_require_overrides():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(NotImplementedError):
        iter(IterableDataset())


@pytest.mark.parametrize(
    "size, lengths",
    [(10, [3, 7]), (10, [0.5, 0.5]), (11, [0.3, 0.3, 0.4]), (7, [0.1, 0.2, 0.7]), (5, [1.0])],
)
def test_random_split_lengths_match_torch(size, lengths):
    ours = random_split(range(size), lengths, generator=0)
    theirs = tud.random_split(range(size), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    items = sorted(i for subset in ours for i in subset)
    assert items == list(range(size))


def test_random_split_is_seeded_by_ember():
    ember.manual_seed(3)
    first = [list(s) for s in random_split(range(20), [10, 10])]
    ember.manual_seed(3)
    again = [list(s) for s in random_split(range(20), [10, 10])]
    assert first == again
    assert first[0] != list(range(10))


def test_random_split_generators():
    by_int = [list(s) for s in random_split(range(8), [4, 4], generator=5)]
    rng = np.random.Generator(np.random.PCG64(5))
    by_numpy = [list(s) for s in random_split(range(8), [4, 4], generator=rng)]
    assert by_int == by_numpy
    with pytest.raises(TypeError, match="generator"):
        random_split(range(8), [4, 4], generator="seed")


def test_random_split_errors():
    with pytest.raises(ValueError, match="add up to 9"):
        random_split(range(10), [4, 5])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        random_split(range(10), [1.5, -0.5])
    with pytest.warns(UserWarning, match="empty"):
        random_split(range(2), [0.9, 0.1])
