"""Batches from DataLoader workers cross through shared memory: exact, unpickled, never leaked."""

import collections
import gc
import math
import multiprocessing
import os
import pickle
import time

import numpy as np
import pytest

import ember
from ember.data import DataLoader, Dataset, _transport, _worker

SHM = "/dev/shm"
needs_dev_shm = pytest.mark.skipif(
    not os.path.isdir(SHM), reason="no /dev/shm to look for leftover blocks in"
)
needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="a patched module reaches the workers only when they are forked",
)

Point = collections.namedtuple("Point", "x y")


class WorkerProblem(Exception):
    """An exception class the main process can find by name."""


def _keep(samples):
    return samples


def _blocks(prefix):
    return sorted(name for name in os.listdir(SHM) if name.startswith(prefix + "_"))


def _wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def assert_same(got, want):
    """Equal values of the same types, dtypes, shapes and memory order, at every depth."""
    assert type(got) is type(want), (got, want)
    if isinstance(want, ember.Tensor):
        assert got.requires_grad == want.requires_grad
        assert_same(got.data, want.data)
    elif isinstance(want, np.ndarray):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.flags.f_contiguous == want.flags.f_contiguous
        np.testing.assert_array_equal(got, want)
    elif isinstance(want, np.generic):
        assert got.dtype == want.dtype and (got == want or (np.isnan(got) and np.isnan(want)))
    elif isinstance(want, dict):
        assert list(got) == list(want)
        for key in want:
            assert_same(got[key], want[key])
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for a, b in zip(got, want, strict=True):
            assert_same(a, b)
    elif isinstance(want, float) and math.isnan(want):
        assert math.isnan(got)
    else:
        assert got == want


class Records(Dataset):
    """Nested samples of several dtypes, a zero-size array and plain Python values."""

    def __len__(self):
        return 7

    def __getitem__(self, index):
        return {
            "image": np.full((2, 3), index / 7, dtype=np.float16),
            "mask": np.array([index % 2 == 0, True]),
            "ids": np.arange(index, index + 3, dtype=np.int64),
            "empty": np.zeros((0, 4), dtype=np.float32),
            "pair": (index, index / 3, f"name{index}", index % 3 == 0),
            "nested": [{"deep": np.uint8(index)}, [ember.full((2,), float(index))]],
        }


class Oddities(Dataset):
    """Samples a custom collate_fn passes through as they are: layouts, rare dtypes, values."""

    def __len__(self):
        return 5

    def __getitem__(self, index):
        grid = np.arange(12, dtype=np.float64).reshape(3, 4) + index
        fortran = np.asfortranarray(grid)
        return {
            "fortran": fortran,
            "fortran_again": fortran,
            "strided": grid[:, ::2],
            "big_endian": np.arange(4, dtype=">i4") * index,
            "complex": np.array([index + 1j], dtype=np.complex64),
            "when": np.datetime64("2024-01-01") + index,
            "zero_d": np.array(index * 0.5, dtype=np.float32),
            "empty": np.empty((2, 0), dtype=np.int8),
            "values": [None, float("nan"), float("-inf"), 2**70, "", "é", True, ()],
            (index, "key"): 3,
            "tensor": ember.tensor([index, 1.0], requires_grad=True),
        }


class Classes(Dataset):
    """Samples whose structure only a pickle describes (their arrays still go apart)."""

    def __len__(self):
        return 5

    def __getitem__(self, index):
        shared = np.full(3, index, dtype=np.int16)
        return Point(shared, shared), collections.OrderedDict(a=shared * 2), b"raw", shared


def _batches(dataset, num_workers, **kwargs):
    return list(DataLoader(dataset, num_workers=num_workers, **kwargs))


def test_nested_batches_of_several_dtypes_match_in_process():
    want = _batches(Records(), 0, batch_size=3)
    got = _batches(Records(), 2, batch_size=3)
    assert_same(got, want)
    assert got[0]["empty"].shape == (3, 0, 4) and got[0]["image"].dtype == ember.float16


def test_rare_layouts_and_dtypes_cross_unchanged():
    want = _batches(Oddities(), 0, batch_size=2, collate_fn=_keep)
    got = _batches(Oddities(), 2, batch_size=2, collate_fn=_keep)
    assert_same(got, want)
    # As with a pickle, one object sent twice arrives as one object.
    assert got[0][1]["fortran"] is got[0][1]["fortran_again"]


def test_structures_only_pickle_describes_cross_unchanged():
    want = _batches(Classes(), 0, batch_size=2, collate_fn=_keep)
    got = _batches(Classes(), 2, batch_size=2, collate_fn=_keep)
    assert_same(got, want)
    point, _, _, shared = got[0][1]
    assert point.x is point.y is shared


def _round_trip(batch, writer, reader, slot):
    message = _worker._encode(batch, writer, 0, slot)
    assert message[0] == "batch"
    return message, _worker._decode(reader, 0, slot, *message)


@pytest.mark.parametrize(
    "batch",
    [
        {"x": np.ones((256, 256), np.float32), "y": [1, "a", None]},
        (Point(np.ones((256, 256), np.float32), 1), b"bytes"),
    ],
    ids=["json", "pickle"],
)
def test_messages_carry_no_array_bytes(batch):
    prefix = _transport.new_prefix()
    reader = _transport.BlockReader(prefix, 1)
    writer = _transport.BlockWriter(prefix, 0)
    message, rebuilt = _round_trip(batch, writer, reader, reader.acquire(0))
    writer.close()
    reader.close()
    assert len(pickle.dumps(message)) < 1000
    assert_same(rebuilt, batch)


@needs_dev_shm
def test_a_slot_keeps_its_block_and_grows_it_when_needed():
    prefix = _transport.new_prefix()
    writer, reader = _transport.BlockWriter(prefix, 0), _transport.BlockReader(prefix, 1)
    assert [reader.acquire(0), reader.acquire(0)] == [0, 1]
    for size in [1000, 10, 1000, 5000, 10]:
        batch = [np.arange(size), np.ones(3, bool)]
        assert_same(_round_trip(batch, writer, reader, 1)[1], batch)
    assert_same(_round_trip({"n": 1}, writer, reader, 0)[1], {"n": 1})
    # Slot 0 carried no bytes, so it has no block; slot 1 kept one block throughout.
    assert _blocks(prefix) == [_transport.block_name(prefix, 0, 1)]
    reader.release(0, 1)
    assert reader.acquire(0) == 1
    writer.close()
    reader.close()
    assert _blocks(prefix) == []


@needs_dev_shm
def test_zero_bytes_need_no_block():
    prefix = _transport.new_prefix()
    writer, reader = _transport.BlockWriter(prefix, 0), _transport.BlockReader(prefix, 1)
    batch = {"empty": np.zeros((0, 3)), "n": 1}
    assert_same(_round_trip(batch, writer, reader, reader.acquire(0))[1], batch)
    assert _blocks(prefix) == []


def test_unpicklable_batch_is_refused_before_anything_is_written():
    writer = _transport.BlockWriter(_transport.new_prefix(), 0)
    with pytest.raises(_transport.UnsendableBatch, match="could not be pickled"):
        writer.pack([np.ones(10), lambda: None], 0)
    assert writer._blocks == {}


@needs_fork
def test_without_shared_memory_the_bytes_travel_in_the_message(monkeypatch):
    monkeypatch.setattr(_transport, "SHARED_MEMORY", False)
    assert_same(_batches(Records(), 2, batch_size=3), _batches(Records(), 0, batch_size=3))


class Images(Dataset):
    """Small images and their numbers; item ``fail_at``, if given, raises WorkerProblem."""

    def __init__(self, fail_at=None):
        self.fail_at = fail_at

    def __len__(self):
        return 64

    def __getitem__(self, index):
        if index == self.fail_at:
            raise WorkerProblem(f"cannot read item {index}")
        return np.full((16, 16), index, dtype=np.float32), index


def test_worker_error_keeps_its_type_and_traceback():
    with pytest.raises(WorkerProblem) as caught:
        list(DataLoader(Images(fail_at=9), batch_size=2, num_workers=2))
    assert "Caught WorkerProblem in DataLoader worker process 0" in str(caught.value)
    assert 'raise WorkerProblem(f"cannot read item {index}")' in str(caught.value)


@pytest.mark.parametrize(
    ("module", "name"), [("builtins", "len"), ("no.such.module", "Error"), ("builtins", "a.b")]
)
def test_unreachable_exception_types_become_runtime_errors(module, name):
    assert _worker._exception_type(module, name) is RuntimeError


def _loader(dataset=None, **kwargs):
    return DataLoader(dataset or Images(), batch_size=4, num_workers=2, **kwargs)


@needs_dev_shm
def test_no_block_left_after_a_full_epoch():
    iterator = iter(_loader())
    assert len(list(iterator)) == 16
    assert _blocks(iterator._blocks.prefix) == []


@needs_dev_shm
def test_no_block_left_after_break():
    iterator = iter(_loader(prefetch_factor=4))
    next(iterator)
    prefix = iterator._blocks.prefix
    # Batches read ahead wait in their blocks when the loop stops.
    assert _wait_for(lambda: len(_blocks(prefix)) >= 2)
    del iterator
    gc.collect()
    assert _blocks(prefix) == []


@needs_dev_shm
def test_no_block_left_after_a_worker_error():
    iterator = iter(_loader(dataset=Images(fail_at=21), prefetch_factor=3))
    with pytest.raises(WorkerProblem):
        list(iterator)
    assert _blocks(iterator._blocks.prefix) == []


@needs_dev_shm
def test_persistent_workers_reuse_their_blocks_until_the_loader_goes():
    loader = _loader(persistent_workers=True, prefetch_factor=4)
    for _ in range(3):
        # Each epoch ends early, leaving batches in flight that the next one drops.
        next(iter(loader))
    assert len(list(iter(loader))) == 16
    prefix = loader._iterator._blocks.prefix
    blocks = _blocks(prefix)
    assert len(list(iter(loader))) == 16
    assert _blocks(prefix) == blocks
    del loader
    gc.collect()
    assert _blocks(prefix) == []
