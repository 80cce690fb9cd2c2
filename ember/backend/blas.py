"""GEMM on strided views, through the BLAS that NumPy itself loaded.

``numpy.matmul`` takes whole arrays: a product over a shifted window of a larger buffer,
or one that adds into an existing result, costs a copy first or an add after. BLAS takes a
pointer, a leading dimension and ``beta`` for each operand, so that a convolution can read
its input at each kernel offset in place and add every offset's product into one output
(``ember.backend.shifts``). This module finds NumPy's BLAS (OpenBLAS in NumPy's wheels)
and calls its ``cblas_?gemm`` with ctypes; where none is found, ``gemm`` falls back on
``numpy.matmul`` and ``available`` says so, so that callers can choose another method.
``EMBER_DIRECT_BLAS=0`` (read at import) turns the direct calls off.
"""

from __future__ import annotations

import ctypes
import glob
import os
from typing import Any

import numpy

__all__ = ["available", "gemm"]

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112

# Symbol names of cblas_sgemm/cblas_dgemm in the builds NumPy ships or links, with the width
# of their integer arguments: NumPy 2's wheels (scipy-openblas, 64-bit ints), NumPy 1's
# wheels (openblas64_), and a plain CBLAS (32-bit ints).
_SYMBOLS = (
    ("scipy_cblas_sgemm64_", "scipy_cblas_dgemm64_", ctypes.c_int64),
    ("cblas_sgemm64_", "cblas_dgemm64_", ctypes.c_int64),
    ("scipy_cblas_sgemm", "scipy_cblas_dgemm", ctypes.c_int32),
    ("cblas_sgemm", "cblas_dgemm", ctypes.c_int32),
)


def _candidates() -> list[str]:
    """Shared libraries that may hold NumPy's BLAS: those bundled with NumPy's wheel, then
    the BLAS libraries this process has loaded (Linux)."""
    here = os.path.dirname(numpy.__file__)
    paths = sorted(glob.glob(os.path.join(here, os.pardir, "numpy.libs", "*blas*")))
    paths += sorted(glob.glob(os.path.join(here, ".dylibs", "*blas*")))
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "blas" in os.path.basename(path).lower() and path not in paths:
                    paths.append(path)
    except OSError:  # pragma: no cover - not Linux
        pass
    return paths


def _load() -> dict[Any, tuple[Any, Any]]:
    """``{dtype: (cblas gemm function, integer type)}`` for float32 and float64, or {}
    (also where ``EMBER_DIRECT_BLAS=0`` is set)."""
    if os.environ.get("EMBER_DIRECT_BLAS", "1") == "0":
        return {}
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for single, double, integer in _SYMBOLS:
            try:
                functions = (getattr(lib, single), getattr(lib, double))
            except AttributeError:
                continue
            for function, real in zip(functions, (ctypes.c_float, ctypes.c_double), strict=True):
                function.restype = None
                function.argtypes = [
                    ctypes.c_int,
                    ctypes.c_int,
                    ctypes.c_int,
                    integer,
                    integer,
                    integer,
                    real,
                    ctypes.c_void_p,
                    integer,
                    ctypes.c_void_p,
                    integer,
                    real,
                    ctypes.c_void_p,
                    integer,
                ]
            return {
                numpy.dtype(numpy.float32): (functions[0], integer),
                numpy.dtype(numpy.float64): (functions[1], integer),
            }
    return {}  # pragma: no cover - depends on how NumPy was built


_GEMM = _load()


def available(xp: Any, dtype: Any) -> bool:
    """Whether ``gemm`` calls BLAS directly for arrays of module ``xp`` and ``dtype``
    (NumPy's float32 and float64, where NumPy's BLAS was found)."""
    return xp is numpy and numpy.dtype(dtype) in _GEMM


def _operand(x: Any) -> tuple[int, int] | None:
    """(transpose flag, leading dimension) of a 2-D array as a row-major BLAS operand, or
    None where neither of its axes has unit stride."""
    rows, cols = x.shape
    item = x.itemsize
    if cols == 1 or x.strides[1] == item:
        step = x.strides[0] // item if rows > 1 else cols
        if x.strides[0] % item == 0 and step >= max(cols, 1):
            return _NO_TRANS, step
    if rows == 1 or x.strides[0] == item:
        step = x.strides[1] // item if cols > 1 else rows
        if x.strides[1] % item == 0 and step >= max(rows, 1):
            return _TRANS, step
    return None


def gemm(a: Any, b: Any, out: Any, accumulate: bool = False) -> Any:
    """``out = a @ b``, or ``out += a @ b`` with ``accumulate``, in place.

    Args:
        a: an ``(m, k)`` NumPy array; any strides with one axis of unit stride.
        b: a ``(k, n)`` array of ``a``'s dtype, likewise.
        out: an ``(m, n)`` array whose rows are contiguous (any row pitch), not overlapping
            ``a`` or ``b``.

    Returns:
        ``out``.
    """
    m, k = a.shape
    n = b.shape[1]
    if b.shape[0] != k or out.shape != (m, n) or not (a.dtype == b.dtype == out.dtype):
        raise ValueError(
            f"gemm: cannot compute {a.dtype}{a.shape} @ {b.dtype}{b.shape} into "
            f"{out.dtype}{out.shape}"
        )
    if not out.flags.writeable or numpy.may_share_memory(out, a) or numpy.may_share_memory(out, b):
        raise ValueError("gemm: out must be writeable and must not overlap its operands")
    entry = _GEMM.get(out.dtype)
    layouts = (_operand(a), _operand(b), _operand(out))
    if m == 0 or n == 0:
        return out
    if entry is None or None in layouts or layouts[2][0] != _NO_TRANS or k == 0:
        product = numpy.matmul(a, b)
        if accumulate:
            out += product
        else:
            out[...] = product
        return out
    function, integer = entry
    (trans_a, lda), (trans_b, ldb), (_, ldc) = layouts
    if integer is ctypes.c_int32 and max(m, n, k, lda, ldb, ldc) >= 1 << 31:
        raise ValueError(f"gemm: {a.shape} @ {b.shape} is too large for this BLAS's 32-bit ints")
    function(
        _ROW_MAJOR,
        trans_a,
        trans_b,
        m,
        n,
        k,
        1.0,
        a.ctypes.data,
        lda,
        b.ctypes.data,
        ldb,
        1.0 if accumulate else 0.0,
        out.ctypes.data,
        ldc,
    )
    return out
