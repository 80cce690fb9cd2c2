"""Checkpoints as safetensors files: ``ember.save`` and ``ember.load``.

Only tensors are stored, never pickled objects, so loading a file cannot run
code. A save is atomic: the bytes go to a temporary file in the same folder,
which replaces the target only once it is complete and on disk, so a crash
mid-save leaves the previous checkpoint as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy
import safetensors.numpy

from ember import dtypes
from ember.errors import CheckpointError, caller
from ember.tensor import Tensor

__all__ = ["CheckpointError", "load", "save"]

_HEADER_SIZE = struct.Struct("<Q")
# The safetensors dtype codes of Ember's dtypes (bfloat16 and unsigned types wider
# than a byte have no Ember dtype).
_DTYPE_CODES = ("BOOL", "U8", "I8", "I16", "I32", "I64", "F16", "F32", "F64")


def _arrays(obj: Any) -> dict[str, numpy.ndarray]:
    if not isinstance(obj, Mapping):
        raise TypeError(
            "save: expected a dict of name -> tensor such as model.state_dict(), got "
            f"{type(obj).__name__}; Ember saves tensors only, never pickled objects "
            f"(called from {caller()})"
        )
    arrays = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise TypeError(f"save: keys must be strings, got {key!r} (called from {caller()})")
        array = value.data if isinstance(value, Tensor) else value
        if not isinstance(array, numpy.ndarray) or array.dtype not in dtypes.FROM_NP:
            kind = getattr(array, "dtype", type(value).__name__)
            raise TypeError(
                f"save: the value of '{key}' must be a tensor of an Ember dtype, got {kind} "
                f"(called from {caller()})"
            )
        # safetensors copies raw memory: it needs each array dense and in C order.
        arrays[key] = array if array.flags.c_contiguous else array.copy(order="C")
    return arrays


def _check_metadata(metadata: Any) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise TypeError(
            f"save: metadata must be a dict of str -> str, got {metadata!r} "
            f"(called from {caller()})"
        )


def save(obj: Mapping[str, Tensor], f: str | os.PathLike, metadata: Mapping | None = None) -> None:
    """Write tensors (e.g. ``model.state_dict()``) to a safetensors file, atomically.

    Args:
        obj: a mapping from names to tensors or NumPy arrays.
        f: the file path (``.safetensors`` by convention).
        metadata: optional text ``{str: str}`` stored in the header.

    Raises:
        TypeError: if ``obj`` is not a mapping of names to tensors.
        OSError: if the file cannot be written; an existing file is left untouched
            and no temporary file is left behind.

    >>> import ember, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "weights.safetensors")
    >>> ember.save({"w": ember.ones(2, 3)}, path)
    >>> ember.load(path)["w"].shape
    (2, 3)
    """
    arrays = _arrays(obj)
    _check_metadata(metadata)
    data = safetensors.numpy.save(arrays, metadata=dict(metadata) if metadata else None)
    path = os.path.abspath(os.fspath(f))
    folder, name = os.path.split(path)
    try:
        tmp, fd = _create_temporary(folder, name)
    except OSError as err:
        raise type(err)(f"save: cannot write '{path}': {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)


def _create_temporary(folder: str, name: str) -> tuple[str, int]:
    """A new file next to the target, opened for writing, with the umask's permissions."""
    while True:
        tmp = os.path.join(folder, f".{name}.{os.urandom(6).hex()}.tmp")
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue


def _sync_folder(folder: str) -> None:
    # Make the rename itself durable; not every platform can open a folder.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _check_layout(data: bytes) -> dict:
    """Name the usual damage (a truncated download, a file of another kind) in plain words."""
    if len(data) < _HEADER_SIZE.size:
        raise CheckpointError(f"the file is only {len(data)} bytes long")
    (header_size,) = _HEADER_SIZE.unpack_from(data)
    end = _HEADER_SIZE.size + header_size
    if end > len(data):
        raise CheckpointError(
            f"the header claims {header_size} bytes but the file has {len(data)} bytes "
            "(truncated, or not a safetensors file)"
        )
    try:
        header = json.loads(data[_HEADER_SIZE.size : end])
    except (UnicodeDecodeError, ValueError):
        raise CheckpointError("the header is not valid JSON (corrupt file)") from None
    if not isinstance(header, dict):
        raise CheckpointError("the header is not a JSON object (corrupt file)")
    needed = max(
        (
            entry["data_offsets"][1]
            for key, entry in header.items()
            if key != "__metadata__" and isinstance(entry, dict) and "data_offsets" in entry
        ),
        default=0,
    )
    if end + needed > len(data):
        raise CheckpointError(
            f"the tensors need {end + needed} bytes but the file has {len(data)} (truncated file)"
        )
    return header


def load(f: str | os.PathLike, map_location: Any = None) -> OrderedDict[str, Tensor]:
    """Read the tensors of a safetensors file, by name in sorted order.

    Reads files written by ``ember.save`` and by ``safetensors.torch.save_file``
    (PyTorch checkpoints in the safetensors format).

    Args:
        f: the file path.
        map_location: None or ``"cpu"`` (tensors are loaded to the CPU).

    Raises:
        FileNotFoundError: if there is no such file.
        CheckpointError: if the file is truncated, corrupt or not a safetensors
            file; the message names the path.

    >>> import ember, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
    >>> ember.save({"b": ember.zeros(2), "a": ember.tensor([1, 2])}, path)
    >>> dict(ember.load(path))
    {'a': tensor([1, 2]), 'b': tensor([0., 0.])}
    """
    if map_location is not None and str(map_location) != "cpu":
        raise ValueError(f"load: map_location must be None or 'cpu', got {map_location!r}")
    path = os.fspath(f)
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as err:
        raise type(err)(f"load: cannot read '{path}': {err.strerror or err}") from None
    try:
        header = _check_layout(data)
        unsupported = [
            f"{key} ({entry.get('dtype')})"
            for key, entry in header.items()
            if key != "__metadata__" and entry.get("dtype") not in _DTYPE_CODES
        ]
        arrays = {} if unsupported else safetensors.numpy.load(data)
    except Exception as err:
        # The safetensors package's own errors are terse and come from Rust; say
        # which file is bad and hide that traceback.
        raise CheckpointError(
            f"load: '{path}' is not a valid safetensors file: {err} (called from {caller()})"
        ) from None
    if unsupported:
        raise CheckpointError(
            f"load: '{path}' holds tensors of dtypes Ember does not support: "
            f"{', '.join(unsupported)} (called from {caller()})"
        )
    return OrderedDict((key, Tensor(arrays[key])) for key in sorted(arrays))
