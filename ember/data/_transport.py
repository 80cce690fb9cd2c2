"""How a batch travels from a DataLoader worker to the main process: through shared memory.

The worker writes every raw NumPy array of a batch (bare, inside an Ember
tensor, at any depth of lists, tuples and dicts) into a shared memory block
and sends through the result queue only a JSON description of the batch: its
structure, its plain Python values, and each array's dtype, shape and offset
in the block. The main process copies the arrays out and rebuilds the batch.
Array bytes are never pickled.

A batch whose structure JSON cannot describe (named tuples, other classes,
tensors that carry a graph or a gradient, an object met twice) has that
structure pickled into the same block, with each raw array replaced by its
number in the block (``persistent_id``), so its arrays still travel as bytes.

Blocks are reused, not made per batch: a new block costs system calls and
page faults that would cost more than the copy itself. Each worker owns a
ring of slots, one block each, grown when a batch does not fit. The main
process hands out a free slot with each task and takes it back once it has
copied that batch out, so a worker never writes over a batch not yet read.
A block's name is made of the iterator's prefix, the worker and the slot:
the main process knows every name, and unlinks them all once the workers
have stopped, whatever ended the iteration.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import secrets
from multiprocessing import resource_tracker, shared_memory
from typing import Any

import numpy

from ember.tensor import Tensor

# A POSIX block lives until it is unlinked. Elsewhere (Windows) a block dies with
# its creator's last handle, which may close before the main process opens it,
# so there the block's bytes travel in the message instead.
SHARED_MEMORY = os.name == "posix"
# Dtype kinds whose arrays are plain bytes: bool, integers, floats, complex, times.
_RAW_KINDS = frozenset("biufcmM")
_ALIGN = 64
_JSON_LEAVES = frozenset({str, int, float, bool, type(None)})


class UnsendableBatch(TypeError):
    """The part of a batch that is not raw arrays could not be pickled."""


class _NotPlain(Exception):
    """The batch holds something the JSON description cannot say."""


def new_prefix() -> str:
    """A fresh prefix for one iterator's block names (short: macOS allows 31 characters)."""
    return "em" + secrets.token_hex(4)


def block_name(prefix: str, worker_id: int, slot: int) -> str:
    """The name of a worker's block for one slot."""
    return f"{prefix}_{worker_id:x}_{slot:x}"


def share_resource_tracker() -> None:
    """Start this process's resource tracker before any worker starts.

    The workers then report the blocks they create to it (it unlinks any left
    over if this process dies) instead of each starting a tracker of its own,
    which would unlink or warn about blocks that this process is reading.
    """
    if SHARED_MEMORY:
        resource_tracker.ensure_running()


def unlink_if_present(name: str) -> None:
    """Unlink block ``name`` if it exists."""
    try:
        block = shared_memory.SharedMemory(name=name)
    except (FileNotFoundError, ValueError):
        # ValueError: empty, its worker was killed between naming and sizing it.
        return
    block.unlink()
    block.close()


# ---------------------------------------------------------------- describing a batch


def _is_raw(array: numpy.ndarray) -> bool:
    return array.dtype.kind in _RAW_KINDS


def _is_plain_tensor(tensor: Tensor) -> bool:
    # Exactly what Tensor(array, requires_grad) makes; anything more goes by pickle.
    return (
        type(tensor.data) is numpy.ndarray
        and _is_raw(tensor.data)
        and type(tensor.requires_grad) is bool
        and tensor.grad is None
        and tensor.is_leaf
        and not tensor._hooks
        and tensor._version == 0
    )


class _Packer:
    """Collects a batch's raw arrays, each once, and describes everything else."""

    def __init__(self) -> None:
        self.arrays: list[numpy.ndarray] = []
        self._numbers: dict[int, int] = {}
        self._visited: set[int] = set()

    def add(self, array: numpy.ndarray) -> int:
        """The array's number in the block (the same number for the same object)."""
        number = self._numbers.get(id(array))
        if number is None:
            number = self._numbers[id(array)] = len(self.arrays)
            self.arrays.append(array)
        return number

    def describe(self, value: Any) -> Any:
        """``value`` as JSON data, arrays replaced by their numbers; raises _NotPlain."""
        kind = type(value)
        if kind in _JSON_LEAVES:
            return value
        if kind is numpy.ndarray and _is_raw(value):
            return {"array": self.add(value)}
        if isinstance(value, numpy.generic) and value.dtype.kind in _RAW_KINDS:
            return {"scalar": self.add(numpy.asarray(value))}
        # A container or tensor met twice stays one object only through pickle.
        if kind not in (list, tuple, dict, Tensor) or id(value) in self._visited:
            raise _NotPlain
        self._visited.add(id(value))
        if kind is Tensor:
            if not _is_plain_tensor(value):
                raise _NotPlain
            return {"tensor": [self.add(value.data), value.requires_grad]}
        if kind is dict:
            return {"dict": [[self.describe(k), self.describe(v)] for k, v in value.items()]}
        return {kind.__name__: [self.describe(item) for item in value]}

    def pickle(self, value: Any) -> bytes:
        """``value`` pickled, its raw arrays left out as their numbers."""
        file = io.BytesIO()
        try:
            _ArrayPickler(file, self).dump(value)
        except Exception as error:
            raise UnsendableBatch(
                f"the batch could not be pickled to send it to the main process: {error!r}\n"
                f"(collate_fn must return picklable objects)"
            ) from error
        return file.getvalue()


class _ArrayPickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, packer: _Packer) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._packer = packer

    def persistent_id(self, obj: Any) -> int | None:
        if type(obj) is numpy.ndarray and _is_raw(obj):
            return self._packer.add(obj)
        return None


class _ArrayUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, arrays: list[numpy.ndarray]) -> None:
        super().__init__(file)
        self._arrays = arrays

    def persistent_load(self, pid: Any) -> numpy.ndarray:
        return self._arrays[pid]


def _describe(data: Any) -> tuple[dict[str, Any], list[numpy.ndarray], bytes]:
    """The batch's description, its raw arrays and, if JSON cannot say the rest, a pickle."""
    packer = _Packer()
    description: dict[str, Any] = {}
    try:
        description["tree"] = packer.describe(data)
    except _NotPlain:
        packer = _Packer()
    skeleton = b"" if "tree" in description else packer.pickle(data)
    specs, end = [], 0
    for array in packer.arrays:
        offset = -(-end // _ALIGN) * _ALIGN
        # Fortran order survives the trip, as it does a pickle.
        fortran = array.flags.f_contiguous and not array.flags.c_contiguous
        specs.append([array.dtype.str, list(array.shape), offset, "F" if fortran else "C"])
        end = offset + array.nbytes
    description["arrays"] = specs
    if skeleton:
        description["pickle"] = [end, len(skeleton)]
    description["size"] = end + len(skeleton)
    return description, packer.arrays, skeleton


def _write(
    buffer: Any, description: dict[str, Any], arrays: list[numpy.ndarray], skeleton: bytes
) -> None:
    for (dtype, shape, offset, order), array in zip(description["arrays"], arrays, strict=True):
        if array.size:
            numpy.ndarray(shape, dtype, buffer=buffer, offset=offset, order=order)[...] = array
    if skeleton:
        start, length = description["pickle"]
        buffer[start : start + length] = skeleton


def _read(buffer: Any, description: dict[str, Any]) -> Any:
    """Copy the arrays out of ``buffer`` and rebuild the batch around them."""
    arrays = []
    for dtype, shape, offset, order in description["arrays"]:
        if 0 in shape:
            arrays.append(numpy.empty(shape, dtype, order=order))
        else:
            view = numpy.ndarray(shape, dtype, buffer=buffer, offset=offset, order=order)
            arrays.append(view.copy(order="K"))
    if "tree" in description:
        return _build(description["tree"], arrays)
    start, length = description["pickle"]
    return _ArrayUnpickler(io.BytesIO(buffer[start : start + length]), arrays).load()


def _build(node: Any, arrays: list[numpy.ndarray]) -> Any:
    if type(node) is not dict:
        return node
    ((tag, body),) = node.items()
    if tag == "array":
        return arrays[body]
    if tag == "scalar":
        return arrays[body][()]
    if tag == "tensor":
        number, requires_grad = body
        return Tensor(arrays[number], requires_grad=requires_grad)
    if tag == "dict":
        return {_build(key, arrays): _build(value, arrays) for key, value in body}
    items = [_build(item, arrays) for item in body]
    return items if tag == "list" else tuple(items)


# ---------------------------------------------------------------- the two ends


class BlockWriter:
    """A worker's blocks, one per slot, kept and reused from batch to batch."""

    def __init__(self, prefix: str, worker_id: int) -> None:
        self._prefix = prefix
        self._worker_id = worker_id
        self._blocks: dict[int, shared_memory.SharedMemory] = {}
        self._generations: dict[int, int] = {}

    def pack(self, data: Any, slot: int) -> tuple[str, bytearray | None]:
        """Write ``data``'s raw arrays into the block of ``slot``; describe the rest.

        Returns:
            The JSON description, and the bytes to send with it where blocks
            are not shared (else ``None``).

        Raises:
            UnsendableBatch: if ``data`` needs pickling and cannot be pickled.
        """
        description, arrays, skeleton = _describe(data)
        size = description["size"]
        inline = None
        if size and SHARED_MEMORY:
            block = self._block(slot, size)
            description["generation"] = self._generations[slot]
            _write(block.buf, description, arrays, skeleton)
        elif size:
            inline = bytearray(size)
            _write(inline, description, arrays, skeleton)
        return json.dumps(description), inline

    def _block(self, slot: int, size: int) -> shared_memory.SharedMemory:
        block = self._blocks.get(slot)
        if block is not None and block.size >= size:
            return block
        if block is not None:
            # Grown by half at least, so that slowly growing batches seldom regrow it.
            size = max(size, block.size + block.size // 2)
            del self._blocks[slot]
            block.close()
            block.unlink()
        name = block_name(self._prefix, self._worker_id, slot)
        block = self._blocks[slot] = shared_memory.SharedMemory(name, create=True, size=size)
        self._generations[slot] = self._generations.get(slot, -1) + 1
        return block

    def close(self) -> None:
        """Unmap the blocks; the main process unlinks them once it has read them."""
        for block in self._blocks.values():
            block.close()
        self._blocks.clear()


class BlockReader:
    """The main process's end: hands out slots, reads batches, and unlinks every block."""

    def __init__(self, prefix: str, num_workers: int) -> None:
        self.prefix = prefix
        self._free: list[list[int]] = [[] for _ in range(num_workers)]
        self._slot_counts = [0] * num_workers
        # The blocks opened here, by name, with the generation they were opened at.
        self._open: dict[str, tuple[int, shared_memory.SharedMemory]] = {}

    def acquire(self, worker_id: int) -> int:
        """A slot of ``worker_id`` that holds no unread batch, for its next task."""
        if self._free[worker_id]:
            return self._free[worker_id].pop()
        self._slot_counts[worker_id] += 1
        return self._slot_counts[worker_id] - 1

    def release(self, worker_id: int, slot: int) -> None:
        """Give ``slot`` back once its batch is read (or will never be)."""
        self._free[worker_id].append(slot)

    def unpack(self, message: str, worker_id: int, slot: int, inline: bytearray | None) -> Any:
        """Rebuild the batch a :class:`BlockWriter` packed, copying its arrays out."""
        description = json.loads(message)
        if inline is not None:
            return _read(inline, description)
        if not description["size"]:
            return _read(None, description)
        name = block_name(self.prefix, worker_id, slot)
        generation = description["generation"]
        opened = self._open.get(name)
        if opened is None or opened[0] != generation:
            if opened is not None:
                opened[1].close()
            opened = self._open[name] = (generation, shared_memory.SharedMemory(name))
        return _read(opened[1].buf, description)

    def close(self) -> None:
        """Unlink every block; only once no worker runs, so that none can appear later."""
        for _, block in self._open.values():
            block.close()
        self._open.clear()
        if SHARED_MEMORY:
            for worker_id, count in enumerate(self._slot_counts):
                for slot in range(count):
                    unlink_if_present(block_name(self.prefix, worker_id, slot))
