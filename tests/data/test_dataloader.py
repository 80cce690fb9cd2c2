import faulthandler
import math
import multiprocessing
import os
import signal
import time

import numpy as np
import pytest
import torch.utils.data as tud

import ember
from ember.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    SequentialSampler,
    TensorDataset,
    _worker,
    get_worker_info,
)


class Squares(Dataset):
    """Item i is (i, i * i as a float array): plain data, no TensorDataset fast path."""

    def __init__(self, size=10):
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        return index, np.array([index * index], dtype=np.float32)


class Failing(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, index):
        if index == 5:
            raise ValueError(f"cannot read item {index}")
        return index


class MissingKey(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, index):
        return {}["absent"]


class WhoAmI(Dataset):
    """Each item says which worker read it, with what seed, and a draw from Ember's generator."""

    def __len__(self):
        return 8

    def __getitem__(self, index):
        info = get_worker_info()
        return index, info.id, info.seed, float(ember.rand(1).item()), os.getpid()


class Stream(IterableDataset):
    """0 .. size-1, split between workers in contiguous shares."""

    def __init__(self, size):
        self.size = size

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            return iter(range(self.size))
        share = math.ceil(self.size / info.num_workers)
        start = info.id * share
        return iter(range(start, min(start + share, self.size)))

    def __len__(self):
        return self.size


def _values(loader):
    return [[t.tolist() if isinstance(t, ember.Tensor) else t for t in batch] for batch in loader]


@pytest.mark.parametrize("size", [0, 1, 7, 8])
@pytest.mark.parametrize("batch_size", [1, 3, 8, None])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batches_and_length_match_torch(size, batch_size, drop_last):
    if batch_size is None and drop_last:
        return
    ours = DataLoader(Squares(size), batch_size=batch_size, drop_last=drop_last)
    theirs = tud.DataLoader(Squares(size), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    got, want = list(ours), list(theirs)
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        if batch_size is None:
            assert a[0] == b[0] and a[1].tolist() == b[1].tolist()
        else:
            assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist()
            assert a[0].dtype == ember.int64 and a[1].dtype == ember.float32


def test_tensor_dataset_fast_path_equals_item_by_item():
    x = ember.randn(10, 3)
    y = ember.arange(10)
    fast = list(DataLoader(TensorDataset(x, y), batch_size=4))
    slow = list(
        DataLoader(TensorDataset(x, y), batch_size=4, collate_fn=ember.data.default_collate)
    )
    slow_generic = [
        ember.data.default_collate([(x[i], y[i]) for i in range(s, min(s + 4, 10))])
        for s in range(0, 10, 4)
    ]
    for a, b, c in zip(fast, slow, slow_generic, strict=True):
        assert isinstance(a, list) and len(a) == 2
        for u, v, w in zip(a, b, c, strict=True):
            assert u.dtype == v.dtype == w.dtype and u.tolist() == v.tolist() == w.tolist()
    subset = ember.data.Subset(TensorDataset(x, y), [9, 0, 4])
    assert next(iter(DataLoader(subset, batch_size=3)))[1].tolist() == [9, 0, 4]


def test_shuffle_is_seeded_and_changes_each_epoch():
    def epochs(loader, count=3):
        return [[batch[0].tolist() for batch in loader] for _ in range(count)]

    ember.manual_seed(0)
    first = epochs(DataLoader(Squares(12), batch_size=4, shuffle=True))
    ember.manual_seed(0)
    again = epochs(DataLoader(Squares(12), batch_size=4, shuffle=True))
    assert first == again
    assert first[0] != first[1] != first[2]
    for epoch in first:
        assert sorted(i for batch in epoch for i in batch) == list(range(12))


def test_generator_seed_gives_its_own_stream():
    loader = DataLoader(Squares(12), batch_size=12, shuffle=True, generator=5)
    ember.manual_seed(1)
    a = [next(iter(loader))[0].tolist() for _ in range(2)]
    ember.manual_seed(2)
    b = [next(iter(DataLoader(Squares(12), batch_size=12, shuffle=True, generator=5)))[0].tolist()]
    assert a[0] == b[0] and a[0] != a[1]
    rng = np.random.Generator(np.random.PCG64(5))
    c = next(iter(DataLoader(Squares(12), batch_size=12, shuffle=True, generator=rng)))
    assert c[0].tolist() == a[0]


def test_batch_sampler_and_custom_collate():
    loader = DataLoader(
        Squares(6),
        batch_sampler=BatchSampler(SequentialSampler(range(6)), 4, drop_last=False),
        collate_fn=lambda batch: [index for index, _ in batch],
    )
    assert list(loader) == [[0, 1, 2, 3], [4, 5]] and len(loader) == 2


def test_batch_size_none_converts_without_batching():
    items = list(DataLoader(Squares(3), batch_size=None))
    assert [index for index, _ in items] == [0, 1, 2]
    assert isinstance(items[2][1], ember.Tensor) and items[2][1].tolist() == [4.0]


INVALID = [
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(prefetch_factor=2),
    dict(persistent_workers=True),
    dict(shuffle=True, sampler=SequentialSampler(range(4))),
    dict(batch_sampler=BatchSampler(range(4), 2, False), batch_size=2),
    dict(batch_sampler=BatchSampler(range(4), 2, False), shuffle=True),
    dict(batch_sampler=BatchSampler(range(4), 2, False), drop_last=True),
    dict(batch_size=None, drop_last=True),
    dict(batch_size=0),
    dict(num_workers=1, prefetch_factor=-1),
]


@pytest.mark.parametrize("kwargs", INVALID, ids=lambda k: ",".join(k))
def test_argument_validation_like_torch(kwargs):
    with pytest.raises(ValueError):
        tud.DataLoader(Squares(4), **kwargs)
    with pytest.raises(ValueError):
        DataLoader(Squares(4), **kwargs)


@pytest.mark.parametrize(
    "kwargs", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])]
)
def test_iterable_dataset_rejects_samplers(kwargs):
    with pytest.raises(ValueError, match="IterableDataset"):
        DataLoader(Stream(4), **kwargs)


def test_attributes_are_frozen_after_init():
    loader = DataLoader(Squares(4))
    with pytest.raises(ValueError, match="batch_size attribute"):
        loader.batch_size = 2
    loader.num_workers = 0


def test_iterable_dataset_in_process():
    assert _values(DataLoader(Stream(7), batch_size=3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert _values(DataLoader(Stream(7), batch_size=3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(DataLoader(Stream(7), batch_size=3)) == 3
    assert len(DataLoader(Stream(7), batch_size=3, drop_last=True)) == 2

    class NoLength(IterableDataset):
        def __iter__(self):
            return iter([])

    with pytest.raises(TypeError, match="len"):
        len(DataLoader(NoLength()))


# ---------------------------------------------------------------- worker processes


def test_workers_give_the_same_batches_as_in_process():
    def run(num_workers, **kwargs):
        ember.manual_seed(11)
        loader = DataLoader(
            Squares(23), batch_size=3, shuffle=True, num_workers=num_workers, **kwargs
        )
        return [_values(loader) for _ in range(2)]

    expected = run(0)
    assert run(2) == expected
    assert run(2, prefetch_factor=1) == expected
    assert run(3, persistent_workers=True) == expected
    assert expected[0] != expected[1]


def test_worker_error_names_worker_and_traceback():
    loader = DataLoader(Failing(), batch_size=2, num_workers=2)
    with pytest.raises(ValueError) as caught:
        list(loader)
    message = str(caught.value)
    assert "Caught ValueError in DataLoader worker process 0" in message
    assert "Traceback (most recent call last)" in message
    assert "cannot read item 5" in message
    assert 'raise ValueError(f"cannot read item {index}")' in message


def test_worker_key_error_stays_readable():
    with pytest.raises(KeyError) as caught:
        next(iter(DataLoader(MissingKey(), num_workers=1)))
    assert "\n" in str(caught.value) and "Traceback" in str(caught.value)


def test_worker_info_seeds_and_init_fn():
    started = (
        multiprocessing.get_context("fork").Queue()
        if "fork" in multiprocessing.get_all_start_methods()
        else None
    )

    def init(worker_id):
        assert get_worker_info().id == worker_id
        if started is not None:
            started.put(worker_id)

    def run():
        loader = DataLoader(
            WhoAmI(), batch_size=None, num_workers=2, generator=3, worker_init_fn=init
        )
        return [tuple(item) for item in loader]

    first, second = run(), run()
    assert [row[:4] for row in first] == [row[:4] for row in second]
    workers = {row[1] for row in first}
    assert workers == {0, 1}
    seeds = {row[1]: row[2] for row in first}
    assert seeds[1] == seeds[0] + 1
    assert len({row[3] for row in first}) == 8
    assert {row[4] for row in first}.isdisjoint({os.getpid()})
    assert get_worker_info() is None
    if started is not None:
        assert sorted(started.get(timeout=5) for _ in range(4)) == [0, 0, 1, 1]


def test_persistent_workers_are_reused():
    loader = DataLoader(WhoAmI(), batch_size=None, num_workers=2, persistent_workers=True)
    pids = [{row[4] for row in loader} for _ in range(2)]
    assert pids[0] == pids[1] and len(pids[0]) == 2
    workers = loader._iterator._workers
    del loader
    assert not any(worker.is_alive() for worker in workers)


def test_iterable_dataset_with_workers():
    loader = DataLoader(Stream(10), batch_size=2, num_workers=2)
    # Worker 0 holds 0..4 and worker 1 holds 5..9; batches alternate between them.
    assert _values(loader) == [[0, 1], [5, 6], [2, 3], [7, 8], [4], [9]]
    assert _values(DataLoader(Stream(10), batch_size=2, num_workers=2, drop_last=True)) == [
        [0, 1],
        [5, 6],
        [2, 3],
        [7, 8],
    ]
    uneven = _values(DataLoader(Stream(5), batch_size=1, num_workers=2))
    assert uneven == [[0], [3], [1], [4], [2]]
    persistent = DataLoader(Stream(6), batch_size=2, num_workers=2, persistent_workers=True)
    assert _values(persistent) == _values(persistent) == [[0, 1], [3, 4], [2], [5]]
    persistent._iterator.close()


class Reads(Dataset):
    """Two items, each read by calling ``read(index)`` (in the worker, which it may end)."""

    def __init__(self, read):
        self.read = read

    def __len__(self):
        return 2

    def __getitem__(self, index):
        return self.read(index)


def _crash_with_sigbus(index):
    import resource  # POSIX only, as SIGBUS is.

    # No core file and no stack dump for this deliberate crash.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    faulthandler.disable()
    os.kill(os.getpid(), signal.SIGBUS)


def test_dead_worker_and_timeout(monkeypatch):
    monkeypatch.setattr(_worker, "_POLL_SECONDS", 0.05)
    monkeypatch.setattr(_worker, "_JOIN_SECONDS", 0.2)
    with pytest.raises(RuntimeError, match=r"exited unexpectedly.*exit code 3"):
        list(DataLoader(Reads(lambda index: os._exit(3)), num_workers=1))
    with pytest.raises(RuntimeError, match=r"timed out after 0\.1 seconds"):
        list(DataLoader(Reads(lambda index: time.sleep(5)), num_workers=1, timeout=0.1))


@pytest.mark.skipif(not hasattr(signal, "SIGBUS"), reason="no SIGBUS on this system")
def test_a_worker_killed_by_sigbus_points_at_shared_memory(monkeypatch):
    monkeypatch.setattr(_worker, "_POLL_SECONDS", 0.05)
    with pytest.raises(RuntimeError, match=r"exited unexpectedly.*\(/dev/shm\) is too small"):
        list(DataLoader(Reads(_crash_with_sigbus), num_workers=1))


def test_worker_error_of_a_local_exception_type():
    class LocalError(Exception):
        pass

    class Raises(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            raise LocalError("made up here")

    with pytest.raises(RuntimeError, match=r"(?s)worker process 0.*LocalError: made up here"):
        next(iter(DataLoader(Raises(), num_workers=1)))


def test_unpicklable_batch_is_reported():
    loader = DataLoader(Squares(2), num_workers=1, collate_fn=lambda batch: lambda: batch)
    with pytest.raises(RuntimeError, match="could not be pickled"):
        next(iter(loader))


def test_no_worker_outlives_its_loader():
    for child in multiprocessing.active_children():
        child.join(timeout=5)
    assert multiprocessing.active_children() == []
