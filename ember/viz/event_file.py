"""Event files: TensorBoard's record format, written in the caller's thread.

tensorboardX's own file writer hands each event to a background thread through
a multiprocessing queue, and its ``flush()`` does not wait for that queue, so
an event logged just before ``flush()`` may still be missing from the file.
Here events are framed and written by the thread that logs them (tens of
microseconds for a scalar), which makes ``flush()`` exact; one daemon thread
per writer only pushes the buffered bytes to the OS every ``flush_secs``, so a
run that logs rarely still shows up in TensorBoard.
"""

from __future__ import annotations

import itertools
import os
import socket
import struct
import threading
import time
import weakref
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tensorboardX.proto.event_pb2 import Event

__all__ = ["EventFile", "EventFiles"]

# Two writers may open files in one folder within the same second: the pid and
# a per-process number keep the names apart, as PyTorch's writer does.
_FILE_NUMBERS = itertools.count()


def _tensorboardx() -> tuple[ModuleType, ModuleType]:
    """tensorboardX's ``event_pb2`` and ``record_writer``, imported on first use.

    tensorboardX imports PyTorch when it is installed (over a second), which
    ``import ember`` must not pay for.
    """
    try:
        from tensorboardX import record_writer
        from tensorboardX.proto import event_pb2
    except ImportError as error:
        raise ImportError(
            "ember.viz writes TensorBoard event files with tensorboardX, which is not "
            "installed: pip install tensorboardX"
        ) from error
    return event_pb2, record_writer


def _record(data: bytes, masked_crc32c: Callable[[bytes], int]) -> bytes:
    """TFRecord framing: length, its masked CRC-32C, the data, its masked CRC-32C."""
    length = struct.pack("<Q", len(data))
    return b"".join(
        (
            length,
            struct.pack("<I", masked_crc32c(length)),
            data,
            struct.pack("<I", masked_crc32c(data)),
        )
    )


class EventFile:
    """One ``events.out.tfevents.*`` file in a run folder.

    Args:
        folder: the run folder (created if missing; ``s3://`` and ``gs://``
            work where tensorboardX supports them).
        max_queue: events buffered before they are handed to the OS.
        filename_suffix: suffix of the file name.
        purge_step: tell TensorBoard to drop events at or after this step
            that earlier files of the run hold (a restart after a crash).
    """

    def __init__(
        self, folder: str, max_queue: int, filename_suffix: str, purge_step: int | None = None
    ) -> None:
        event_pb2, record_writer = _tensorboardx()
        record_writer.directory_check(folder)
        name = (
            f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
            f"{os.getpid()}.{next(_FILE_NUMBERS)}{filename_suffix}"
        )
        self.path = os.path.join(folder, name)
        self._file = record_writer.open_file(self.path)
        self._lock = threading.Lock()
        self._max_queue = max(1, max_queue)
        self._pending = 0
        self._closed = False
        # Kept from the import so that logging an event costs no import look-up.
        self._event = event_pb2.Event
        self._masked_crc32c = record_writer.masked_crc32c
        self.add_event(event_pb2.Event(file_version="brain.Event:2"))
        if purge_step is not None:
            self.add_event(event_pb2.Event(file_version="brain.Event:2"), purge_step)
            start = event_pb2.SessionLog(status=event_pb2.SessionLog.START)
            self.add_event(event_pb2.Event(session_log=start), purge_step)
        # TensorBoard lists the run as soon as its file has a header.
        self.flush()

    def add_event(
        self, event: Event, step: int | None = None, walltime: float | None = None
    ) -> None:
        """Stamp ``event`` with its step and time, and append it."""
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)
        record = _record(event.SerializeToString(), self._masked_crc32c)
        with self._lock:
            self._file.write(record)
            self._pending += 1
            if self._pending >= self._max_queue:
                self._flush_locked()

    def add_summary(
        self, summary: Any, step: int | None = None, walltime: float | None = None
    ) -> None:
        """Append a ``Summary`` protocol buffer as one event."""
        self.add_event(self._event(summary=summary), step, walltime)

    def _flush_locked(self) -> None:
        if self._pending and not self._closed:
            self._file.flush()
            self._pending = 0

    def flush(self) -> None:
        """Hand every event appended so far to the OS (readable by TensorBoard)."""
        with self._lock:
            self._flush_locked()

    def close(self) -> None:
        """Flush and close the file; later calls do nothing."""
        with self._lock:
            if not self._closed:
                self._file.close()
                self._closed = True


def _flush_periodically(files: weakref.ref, stop: threading.Event, flush_secs: float) -> None:
    # Only a weak reference: a writer dropped without close() is still collected,
    # and its finalizer then stops this thread.
    while not stop.wait(flush_secs):
        writer_files = files()
        if writer_files is None:
            return
        writer_files.flush()
        del writer_files


def _close_all(files: dict[str, EventFile], stop: threading.Event) -> None:
    stop.set()
    for event_file in list(files.values()):
        event_file.close()


class EventFiles:
    """The event files of one ``SummaryWriter``: its run and the runs ``add_scalars`` makes.

    A daemon thread flushes them every ``flush_secs``; they are closed by
    ``close()``, when the writer is garbage-collected, or at interpreter exit.
    """

    def __init__(
        self,
        log_dir: str,
        purge_step: int | None,
        max_queue: int,
        flush_secs: float,
        filename_suffix: str,
    ) -> None:
        self._files: dict[str, EventFile] = {}
        self._max_queue = max_queue
        self._filename_suffix = filename_suffix
        self.main = self.get(log_dir, purge_step)
        stop = threading.Event()
        self._finalize = weakref.finalize(self, _close_all, self._files, stop)
        threading.Thread(
            target=_flush_periodically,
            args=(weakref.ref(self), stop, flush_secs),
            name="ember-viz-flush",
            daemon=True,
        ).start()

    def get(self, folder: str, purge_step: int | None = None) -> EventFile:
        """The event file of the run in ``folder``, opened on first use."""
        event_file = self._files.get(folder)
        if event_file is None:
            event_file = EventFile(folder, self._max_queue, self._filename_suffix, purge_step)
            self._files[folder] = event_file
        return event_file

    def flush(self) -> None:
        """Flush every file."""
        for event_file in list(self._files.values()):
            event_file.flush()

    def close(self) -> None:
        """Close every file and stop the flushing thread."""
        self._finalize()
