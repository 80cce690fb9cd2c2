import numpy as np
import pytest
import torch.utils.data as tud

import ember
from ember.data import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def test_sequential():
    sampler = SequentialSampler(range(4))
    assert list(sampler) == [0, 1, 2, 3] and len(sampler) == 4


def test_random_sampler_is_a_fresh_permutation_each_epoch():
    ember.manual_seed(0)
    sampler = RandomSampler(range(30))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(30))
    assert first != second
    ember.manual_seed(0)
    assert list(RandomSampler(range(30))) == first


def test_random_sampler_draws_one_seed_per_epoch():
    # The order is fixed when the epoch starts, whatever else uses the generator meanwhile.
    ember.manual_seed(1)
    plain = list(RandomSampler(range(10)))
    ember.manual_seed(1)
    iterator = iter(RandomSampler(range(10)))
    interleaved = [next(iterator)]
    for _ in range(9):
        ember.rand(3)
        interleaved.append(next(iterator))
    assert interleaved == plain


def test_random_sampler_with_generator_ignores_global_seed():
    a = list(RandomSampler(range(10), generator=7))
    ember.manual_seed(123)
    b = list(RandomSampler(range(10), generator=7))
    assert a == b


def test_random_sampler_num_samples_and_replacement():
    sampler = RandomSampler(range(4), num_samples=10, generator=0)
    drawn = list(sampler)
    assert len(drawn) == len(sampler) == 10
    assert sorted(drawn[:4]) == sorted(drawn[4:8]) == [0, 1, 2, 3]
    replaced = list(RandomSampler(range(3), replacement=True, num_samples=50, generator=0))
    assert len(replaced) == 50 and set(replaced) == {0, 1, 2}


def test_random_sampler_validation_like_torch():
    with pytest.raises(TypeError, match="replacement"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(TypeError):
        tud.RandomSampler(range(3), replacement=1)
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="num_samples"):
            RandomSampler(range(3), num_samples=bad)
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler([])


def test_subset_random_sampler():
    sampler = SubsetRandomSampler([5, 10, 15, 20], generator=3)
    first = list(sampler)
    assert sorted(first) == [5, 10, 15, 20] and len(sampler) == 4
    assert any(list(sampler) != first for _ in range(5))


def test_weighted_random_sampler():
    sampler = WeightedRandomSampler([0.0, 3.0, 1.0, 0.0], num_samples=200, generator=0)
    drawn = np.array(list(sampler))
    assert set(drawn.tolist()) == {1, 2}
    assert 0.6 < np.mean(drawn == 1) < 0.9
    unique = list(WeightedRandomSampler(ember.tensor([1.0, 1.0, 1.0]), 3, replacement=False))
    assert sorted(unique) == [0, 1, 2]


def test_weighted_random_sampler_errors():
    with pytest.raises(ValueError, match="1-d"):
        WeightedRandomSampler([[1.0, 2.0]], 2)
    with pytest.raises(ValueError, match="non-negative"):
        WeightedRandomSampler([1.0, -1.0], 2)
    with pytest.raises(ValueError, match="without replacement"):
        WeightedRandomSampler([1.0, 0.0, 1.0], 3, replacement=False)
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler([1.0], 0)


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("size, batch_size", [(10, 3), (9, 3), (2, 5), (0, 2)])
def test_batch_sampler_matches_torch(size, batch_size, drop_last):
    ours = BatchSampler(range(size), batch_size, drop_last)
    theirs = tud.BatchSampler(range(size), batch_size, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)


def test_batch_sampler_validation():
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            BatchSampler(range(3), bad, False)
    with pytest.raises(ValueError, match="drop_last"):
        BatchSampler(range(3), 2, 1)
