"""Worker processes for ``DataLoader(num_workers > 0)``.

The main process owns the sampler and hands out tasks, one batch each,
round-robin over the workers; every worker answers every task on one shared
result queue, with a short message whose arrays wait in shared memory
(``ember.data._transport``). The main process handles answers strictly in
task order (buffering early arrivals), and makes every decision (which worker
gets the next task, when a stream has ended) at that point, so the batches
come out in the same order whatever the timing, and the same as with
``num_workers=0``.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import queue
import random
import signal
import sys
import traceback
import weakref
from typing import Any

import numpy

from ember.data._fetch import make_fetcher
from ember.data._transport import (
    BlockReader,
    BlockWriter,
    UnsendableBatch,
    new_prefix,
    share_resource_tracker,
)
from ember.random import default_generator

__all__ = ["WorkerInfo", "get_worker_info"]

# How long a blocked queue read waits before checking that the other side still lives.
_POLL_SECONDS = 1.0
# How long shutdown waits for a worker to finish before terminating it.
_JOIN_SECONDS = 5.0
# A worker's exit code when a write to a shared memory block found no room.
_SIGBUS_EXIT = -signal.SIGBUS if hasattr(signal, "SIGBUS") else None

_worker_info: WorkerInfo | None = None


class WorkerInfo:
    """What a DataLoader worker knows about itself (see :func:`get_worker_info`).

    Attributes:
        id: this worker's number, ``0 .. num_workers - 1``.
        num_workers: how many workers the DataLoader runs.
        seed: the seed this worker's generators (Ember's, ``random``'s and
            NumPy's global one) were seeded with: the epoch's base seed plus ``id``.
        dataset: this worker's copy of the dataset.
    """

    __slots__ = ("dataset", "id", "num_workers", "seed")

    def __init__(self, id: int, num_workers: int, seed: int, dataset: Any) -> None:
        fields = (("id", id), ("num_workers", num_workers), ("seed", seed), ("dataset", dataset))
        for name, value in fields:
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("WorkerInfo is read-only")

    def __repr__(self) -> str:
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed})"


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker process, that worker's :class:`WorkerInfo`; else ``None``.

    An :class:`IterableDataset` uses it to give each worker its own share:

    >>> get_worker_info() is None  # the main process
    True
    """
    return _worker_info


class _ReadableKeyMessage(str):
    # KeyError shows repr() of its argument, which would print the traceback on one line.
    def __repr__(self) -> str:
        return str(self)


class WorkerFailure:
    """An exception raised in a worker, carried to the main process as its type and text."""

    def __init__(self, worker_id: int, exc_type: type[BaseException], text: str) -> None:
        self.worker_id = worker_id
        self.exc_type = exc_type
        self.text = text

    @classmethod
    def current(cls, worker_id: int) -> WorkerFailure:
        """The exception being handled right now, with its formatted traceback."""
        error = sys.exc_info()[1]
        return cls(worker_id, type(error), traceback.format_exc())

    def to_json(self) -> str:
        """The failure as a message: the exception type's name and the traceback text."""
        exc_type = self.exc_type
        return json.dumps({"type": [exc_type.__module__, exc_type.__qualname__], "text": self.text})

    @classmethod
    def from_json(cls, worker_id: int, message: str) -> WorkerFailure:
        """The failure :meth:`to_json` described."""
        fields = json.loads(message)
        return cls(worker_id, _exception_type(*fields["type"]), fields["text"])

    def reraise(self) -> None:
        """Raise the worker's exception again, naming the worker and its traceback."""
        message = (
            f"Caught {self.exc_type.__name__} in DataLoader worker process {self.worker_id}.\n"
            f"Original {self.text}"
        )
        if self.exc_type is KeyError:
            message = _ReadableKeyMessage(message)
        try:
            error = self.exc_type(message)
        except Exception:
            # Exception types whose constructor needs other arguments.
            error = RuntimeError(message)
        raise error


class WorkerDone:
    """A worker's answer once its iterable dataset has no more batches this epoch."""

    def __init__(self, worker_id: int) -> None:
        self.worker_id = worker_id


def _exception_type(module: str, qualname: str) -> type[BaseException]:
    # A class the main process cannot reach by name (one defined in a function)
    # becomes RuntimeError; the traceback text still names it.
    try:
        found: Any = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except Exception:
        return RuntimeError
    if isinstance(found, type) and issubclass(found, BaseException):
        return found
    return RuntimeError


def _encode(data: Any, blocks: BlockWriter, worker_id: int, slot: int) -> tuple[str, str, Any]:
    """The answer's kind, its JSON message, and the bytes that go with it if any."""
    # Packed here rather than in the queue's feeder thread: there a failure is only
    # printed, the batch is lost, and the main process would wait for it forever.
    if isinstance(data, WorkerDone):
        return "done", "", None
    if not isinstance(data, WorkerFailure):
        try:
            return "batch", *blocks.pack(data, slot)
        except UnsendableBatch as error:
            data = WorkerFailure(worker_id, RuntimeError, str(error))
        except Exception:
            data = WorkerFailure.current(worker_id)
    return "error", data.to_json(), None


def _decode(
    blocks: BlockReader, worker_id: int, slot: int, kind: str, message: str, inline: Any
) -> Any:
    if kind == "done":
        return WorkerDone(worker_id)
    if kind == "error":
        return WorkerFailure.from_json(worker_id, message)
    try:
        return blocks.unpack(message, worker_id, slot, inline)
    except Exception:
        return WorkerFailure(
            worker_id,
            RuntimeError,
            "(rebuilding the batch in the main process failed)\n" + traceback.format_exc(),
        )


def _seed_worker(base_seed: int, worker_id: int) -> int:
    seed = base_seed + worker_id
    random.seed(seed)
    default_generator.manual_seed(seed)
    numpy.random.seed(numpy.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    return seed


def _worker_loop(
    dataset: Any,
    iterable: bool,
    auto_collation: bool,
    collate_fn: Any,
    batch_size: int | None,
    drop_last: bool,
    index_queue: Any,
    result_queue: Any,
    done_event: Any,
    base_seed: int,
    worker_init_fn: Any,
    worker_id: int,
    num_workers: int,
    prefix: str,
) -> None:
    global _worker_info
    seed = _seed_worker(base_seed, worker_id)
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    fetch_args = (dataset, iterable, auto_collation, collate_fn, batch_size, drop_last)
    failure = fetcher = None
    try:
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
        fetcher = make_fetcher(*fetch_args)
    except Exception:
        failure = WorkerFailure.current(worker_id)
    parent = os.getppid()
    ended = False
    blocks = BlockWriter(prefix, worker_id)
    try:
        while True:
            try:
                message = index_queue.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if os.getppid() != parent:
                    break
                continue
            if message is None:
                break
            if message[0] == "resume":
                ended = False
                if failure is None:
                    try:
                        fetcher = make_fetcher(*fetch_args)
                    except Exception:
                        failure = WorkerFailure.current(worker_id)
                continue
            _, epoch, task, index, slot = message
            if done_event.is_set():
                continue
            if failure is not None:
                data = failure
            elif ended:
                data = WorkerDone(worker_id)
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if not iterable:
                        data = WorkerFailure.current(worker_id)
                    else:
                        data, ended = WorkerDone(worker_id), True
                except Exception:
                    data = WorkerFailure.current(worker_id)
            answer = _encode(data, blocks, worker_id, slot)
            result_queue.put((epoch, task, worker_id, slot, *answer))
    except KeyboardInterrupt:
        # The main process got the same Ctrl-C and shuts everything down.
        pass
    blocks.close()
    if done_event.is_set():
        # Nobody reads the results any more: do not wait to flush them at exit.
        result_queue.cancel_join_thread()
        result_queue.close()


def _shutdown_workers(
    workers: list[Any],
    index_queues: list[Any],
    result_queue: Any,
    done_event: Any,
    blocks: BlockReader,
) -> None:
    done_event.set()
    for index_queue in index_queues:
        with contextlib.suppress(OSError, ValueError):
            index_queue.put(None)
    for worker in workers:
        worker.join(timeout=_JOIN_SECONDS)
        if worker.is_alive():
            worker.terminate()
            worker.join()
    for channel in [*index_queues, result_queue]:
        channel.cancel_join_thread()
        channel.close()
    blocks.close()


_MISSING = object()


class MultiProcessIterator:
    """One epoch (or, with ``persistent_workers``, every epoch) of a multi-process DataLoader."""

    def __init__(self, loader: Any, base_seed: int) -> None:
        context = loader._context()
        # A weak reference: a loader with persistent workers holds this iterator, and
        # dropping the loader should free both at once (and stop the workers).
        self._loader = weakref.ref(loader)
        self._index_sampler = loader._index_sampler
        self._iterable = loader._iterable
        self._num_workers = loader.num_workers
        self._outstanding_limit = loader.prefetch_factor * loader.num_workers
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._result_queue = context.Queue()
        self._done_event = context.Event()
        self._index_queues: list[Any] = []
        self._workers: list[Any] = []
        prefix = new_prefix()
        self._blocks = BlockReader(prefix, self._num_workers)
        # Registered before any worker starts, so that a failure while starting
        # them still stops those already running.
        self._finalizer = weakref.finalize(
            self,
            _shutdown_workers,
            self._workers,
            self._index_queues,
            self._result_queue,
            self._done_event,
            self._blocks,
        )
        share_resource_tracker()
        for worker_id in range(self._num_workers):
            index_queue = context.Queue()
            # An index nobody will read must never hold up the main process at exit.
            index_queue.cancel_join_thread()
            worker = context.Process(
                target=_worker_loop,
                args=(
                    loader.dataset,
                    self._iterable,
                    loader._auto_collation,
                    loader.collate_fn,
                    loader.batch_size,
                    loader.drop_last,
                    index_queue,
                    self._result_queue,
                    self._done_event,
                    base_seed,
                    loader.worker_init_fn,
                    worker_id,
                    self._num_workers,
                    prefix,
                ),
                daemon=True,
            )
            worker.start()
            self._index_queues.append(index_queue)
            self._workers.append(worker)
        self.closed = False
        self._epoch = 0
        self._start_epoch()

    def _start_epoch(self) -> None:
        self._indices = None if self._iterable else iter(self._index_sampler)
        self._active = [True] * self._num_workers
        self._next_worker = 0
        self._sent = 0
        self._handled = 0
        self._pending: dict[int, int] = {}
        self._arrived: dict[int, Any] = {}
        self._fill()

    def reset(self) -> None:
        """Start the next epoch on the same workers (``persistent_workers=True``)."""
        self._epoch += 1
        if self._iterable:
            for index_queue in self._index_queues:
                index_queue.put(("resume", self._epoch))
        self._start_epoch()

    def _pick_worker(self) -> int | None:
        for step in range(self._num_workers):
            worker = (self._next_worker + step) % self._num_workers
            if self._active[worker]:
                self._next_worker = (worker + 1) % self._num_workers
                return worker
        return None

    def _fill(self) -> None:
        while len(self._pending) < self._outstanding_limit:
            worker = self._pick_worker()
            if worker is None:
                return
            index = None
            if self._indices is not None:
                index = next(self._indices, _MISSING)
                if index is _MISSING:
                    return
            slot = self._blocks.acquire(worker)
            self._index_queues[worker].put(("task", self._epoch, self._sent, index, slot))
            self._pending[self._sent] = worker
            self._sent += 1

    def _receive(self, task: int) -> Any:
        while True:
            try:
                payload = self._result_queue.get(timeout=self._timeout or _POLL_SECONDS)
            except queue.Empty:
                self._check_workers(task)
                continue
            epoch, arrived, worker_id, slot, kind, message, inline = payload
            if epoch != self._epoch:
                # A batch of an epoch left early (persistent workers): dropped.
                self._blocks.release(worker_id, slot)
                continue
            data = _decode(self._blocks, worker_id, slot, kind, message, inline)
            self._blocks.release(worker_id, slot)
            if arrived == task:
                return data
            self._arrived[arrived] = data

    def _check_workers(self, task: int) -> None:
        dead = [w for w in self._workers if not w.is_alive()]
        if dead:
            self.close()
            described = ", ".join(f"pid {w.pid} (exit code {w.exitcode})" for w in dead)
            if any(w.exitcode == _SIGBUS_EXIT for w in dead):
                described += (
                    "; SIGBUS in a worker usually means that the shared memory (/dev/shm) "
                    "is too small for the batches"
                )
            raise RuntimeError(f"DataLoader worker(s) exited unexpectedly: {described}")
        if self._timeout:
            self.close()
            raise RuntimeError(
                f"DataLoader timed out after {self._timeout} seconds waiting for batch "
                f"{task} from worker {self._pending[task]}"
            )

    def __iter__(self) -> MultiProcessIterator:
        return self

    def __len__(self) -> int:
        loader = self._loader()
        if loader is None:
            raise TypeError("len() of a DataLoader iterator whose DataLoader is gone")
        return len(loader)

    def __next__(self) -> Any:
        while True:
            task = self._handled
            if self.closed or task not in self._pending:
                if not self._persistent:
                    self.close()
                raise StopIteration
            data = self._arrived.pop(task, _MISSING)
            if data is _MISSING:
                data = self._receive(task)
            worker = self._pending.pop(task)
            self._handled += 1
            if isinstance(data, WorkerDone):
                self._active[worker] = False
                self._fill()
                continue
            if isinstance(data, WorkerFailure):
                self.close()
                data.reraise()
            self._fill()
            return data

    def close(self) -> None:
        """Stop the workers now (also done when the iterator is garbage collected)."""
        self.closed = True
        self._finalizer()
