"""Kernels that NumPy lacks, written against ``xp`` so that CuPy can run them too."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy

__all__ = ["Col2im", "by_sample", "erf", "im2col", "pad", "per_sample", "sigmoid"]

Pairs = tuple[tuple[int, int], ...]

try:  # SciPy's erf and expit are single C loops; use them when SciPy is installed.
    from scipy.special import erf as _scipy_erf
    from scipy.special import expit as _scipy_expit
except ImportError:  # pragma: no cover - depends on the environment
    _scipy_erf = _scipy_expit = None

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def erf(xp: object, x: object) -> object:
    """The error function, accurate to a few ulps in float64.

    Uses SciPy when present; otherwise a series for ``|x| < 3`` and a continued
    fraction for erfc beyond, both without cancellation.
    """
    if _scipy_erf is not None and xp is numpy:
        return _scipy_erf(x).astype(x.dtype, copy=False)
    work = x.astype(xp.float64)
    a = xp.abs(work)
    small = xp.minimum(a, 3.0)
    # erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (2n+1)!!: all terms positive.
    term = small.copy()
    total = small.copy()
    sq2 = 2.0 * small * small
    for n in range(1, 90):
        term = term * sq2 / (2 * n + 1)
        total = total + term
    series = _TWO_OVER_SQRT_PI * xp.exp(-small * small) * total
    big = xp.maximum(a, 3.0)
    # erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), bottom up.
    frac = big.copy()
    for k in range(60, 0, -1):
        frac = big + (k / 2.0) / frac
    tail = 1.0 - xp.exp(-big * big) / (math.sqrt(math.pi) * frac)
    out = xp.where(a < 3.0, series, tail)
    return (xp.sign(work) * out).astype(x.dtype, copy=False)


def sigmoid(xp: object, x: object) -> object:
    """The logistic function, without overflow for large ``|x|``.

    Uses SciPy's ``expit`` when present; otherwise evaluates ``exp(-|x|)`` once
    and picks the stable form for each sign, with in-place steps on fresh buffers.
    """
    if _scipy_expit is not None and xp is numpy:
        return _scipy_expit(x)
    e = xp.abs(x)
    xp.negative(e, out=e)
    xp.exp(e, out=e)
    positive = e + 1
    xp.reciprocal(positive, out=positive)
    e *= positive
    return xp.where(x >= 0, positive, e)


# ------------------------------------------------------------------ convolution
# OpenBLAS runs a GEMM of fewer than 2**19 multiply-adds on one thread (its SMP threshold);
# larger ones fork and join its threads on every call, which costs little on an idle machine
# and milliseconds per call on a busy one. A convolution's GEMM is therefore one call over
# the whole batch, unless one sample's product is below that size: then one call per sample,
# whose operands stay in cache, is faster (LeNet's first layer: 0.5 ms against 1.1 ms).
_THREADED_FROM = 1 << 19


# With a short inner dimension a convolution's GEMM costs little next to moving its output:
# one call per sample writes (N, C_out, L) directly, where one call over the batch writes
# (C_out, N, L), which must then be transposed (the ResNet stem's forward: 0.86 ms against
# 1.18 ms; its 1x1 downsampling: 0.59 ms against 0.80 ms).
_SHORT_INNER = 64


def per_sample(rows: int, inner: int, columns: int) -> bool:
    """Whether a convolution GEMM of one sample's size is best done one sample per call."""
    return inner <= _SHORT_INNER or rows * inner * columns < _THREADED_FROM


def pad(xp: Any, x: Any, padding: Pairs) -> Any:
    """``x`` (N, C, *spatial) with (before, after) zeros around each spatial dim.

    Negative widths crop. A padded copy is laid out ``(C, N, ...)`` in memory (its shape
    is still ``(N, C, ...)``), so that ``im2col`` reads one channel's planes for the whole
    batch from one block.
    """
    nd = len(padding)
    if any(lo < 0 or hi < 0 for lo, hi in padding):
        ends = zip(padding, x.shape[-nd:], strict=True)
        x = x[(..., *(slice(-min(lo, 0), n + min(hi, 0)) for (lo, hi), n in ends))]
    widths = [(max(lo, 0), max(hi, 0)) for lo, hi in padding]
    if not any(lo or hi for lo, hi in widths):
        return x
    sizes = list(zip(widths, x.shape[-nd:], strict=True))
    # Filling a zero buffer is several times faster than xp.pad.
    shape = (x.shape[1], x.shape[0], *(n + lo + hi for (lo, hi), n in sizes))
    out = xp.zeros(shape, dtype=x.dtype).swapaxes(0, 1)
    out[(..., *(slice(lo, lo + n) for (lo, _), n in sizes))] = x
    return out


def im2col(
    xp: Any,
    x: Any,
    kernel_size: tuple[int, ...],
    stride: tuple[int, ...],
    padding: Pairs,
    dilation: tuple[int, ...],
    groups: int,
    out_size: tuple[int, ...],
) -> Any:
    """The input patches of a convolution as one matrix per group.

    Returns ``(groups, C/groups * prod(kernel_size), N * prod(out_size))``: a row per
    (channel, kernel offset), a column per (sample, output position), so that the batch is
    one GEMM, or one per sample through ``by_sample``.
    """
    nd = len(stride)
    n, c = x.shape[:2]
    width = x.shape[-1]
    item = x.itemsize
    rows = (
        stride[-1] == 1 and out_size[-1] == width and all(lo >= 0 and hi >= 0 for lo, hi in padding)
    )
    if rows:
        source = _rows_buffer(xp, x, padding)
        lead = [m + a + b for m, (a, b) in zip(x.shape[2:-1], padding[:-1], strict=True)]
        pitches = [math.prod(lead[i + 1 :]) * width for i in range(nd - 1)] + [1]
        plane = math.prod(lead) * width
        steps = [p * item for p in pitches]
        batch = (plane * item, n * plane * item)
    else:
        source = pad(xp, x, padding)
        steps, batch = list(source.strides[2:]), source.strides[:2]
    windows = xp.lib.stride_tricks.as_strided(
        source,
        shape=(n, c, *out_size, *kernel_size),
        strides=(
            *batch,
            *(t * s for t, s in zip(steps, stride, strict=True)),
            *(t * d for t, d in zip(steps, dilation, strict=True)),
        ),
    )
    windows = windows.reshape(n, groups, c // groups, *out_size, *kernel_size)
    out_axes = range(3, 3 + nd)
    kernel_axes = range(3 + nd, 3 + 2 * nd)
    cols = xp.ascontiguousarray(windows.transpose(1, 2, *kernel_axes, 0, *out_axes))
    if rows:
        _clear_wrapped(cols, width, padding[-1][0], dilation[-1], kernel_size[-1], nd)
    return cols.reshape(groups, (c // groups) * math.prod(kernel_size), n * math.prod(out_size))


def _rows_buffer(xp: Any, x: Any, padding: Pairs) -> Any:
    """``x`` padded in every spatial dim but the last, as one flat buffer laid out
    ``(C, N, *spatial)``, starting ``padding[-1][0]`` elements before the first value.

    With stride 1 in the last dim and its size kept (``'same'`` padding), an output row's
    window for one kernel offset is then one contiguous run of the buffer, whose rows
    follow each other: im2col copies long runs instead of runs of one row each. The
    positions where a run wraps into the neighbouring row stand for the padding, and
    ``_clear_wrapped`` zeroes them afterwards.
    """
    n, c = x.shape[:2]
    lo, hi = padding[-1]
    lead = [m + a + b for m, (a, b) in zip(x.shape[2:-1], padding[:-1], strict=True)]
    size = c * n * math.prod(lead) * x.shape[-1]
    buffer = xp.zeros(lo + size + hi, dtype=x.dtype)
    body = buffer[lo : lo + size].reshape(c, n, *lead, x.shape[-1])
    inside = (slice(a, a + m) for m, (a, _) in zip(x.shape[2:-1], padding[:-1], strict=True))
    body[(slice(None), slice(None), *inside, slice(None))] = x.swapaxes(0, 1)
    return buffer


def _clear_wrapped(cols: Any, width: int, before: int, dilation: int, kernel: int, nd: int) -> None:
    """Zero the columns where kernel offset ``i`` of the last dim reads past a row's
    ends (output positions ``o`` with ``o + i * dilation - before`` outside the row)."""
    for i in range(kernel):
        shift = i * dilation - before
        block = cols[(slice(None),) * (1 + nd) + (i,)]
        if shift < 0:
            block[..., :-shift] = 0
        elif shift > 0:
            block[..., width - shift :] = 0


def by_sample(cols: Any, samples: int) -> Any:
    """``(groups, rows, N * columns)`` viewed as ``(N, groups, rows, columns)``: one matrix
    per sample, each a valid BLAS operand (its rows ``N * columns`` apart)."""
    groups, rows = cols.shape[:2]
    return cols.reshape(groups, rows, samples, -1).transpose(2, 0, 1, 3)


class Col2im:
    """col2im for a transposed convolution, as one contiguous add per kernel offset.

    Kernel offset ``o`` adds its column block to the output positions
    ``start + o * dilation + i * stride``: short runs at a stride, which NumPy adds
    slowly. Here the output is kept as ``prod(stride)`` phase planes (the positions
    ``p`` with one value of ``p % stride``), in which each offset's positions are a
    shifted block. The input is widened with zero columns to the planes' row length, so
    that every block becomes one run of the flattened plane: the zeros land in positions
    that another offset owns and add nothing. The planes are interleaved into the output
    once at the end.

    Args:
        in_size: spatial size of the transposed convolution's input.
        padding: (before, after) per spatial dim, cropped from the output; a negative
            width extends it instead (output_padding).
    """

    __slots__ = ("_count", "_offsets", "_phases", "_pitch", "_planes", "_run", "_widths")

    def __init__(
        self,
        in_size: tuple[int, ...],
        kernel_size: tuple[int, ...],
        stride: tuple[int, ...],
        padding: Pairs,
        dilation: tuple[int, ...],
    ) -> None:
        starts = [max(-lo, 0) for lo, _ in padding]
        full = [
            a + (m - 1) * s + d * (k - 1) + 1 + max(-hi, 0)
            for a, m, s, k, d, (_, hi) in zip(
                starts, in_size, stride, kernel_size, dilation, padding, strict=True
            )
        ]
        planes = [-(-f // s) for f, s in zip(full, stride, strict=True)]
        # All dims but the first are widened to the planes' size; one spare row per plane
        # takes the widened zeros that run past its last row.
        self._widths = (in_size[0], *planes[1:])
        self._pitch = math.prod(planes[1:])
        self._planes = tuple(planes)
        self._run = math.prod(self._widths)
        phase_index = {p: i for i, p in enumerate(itertools.product(*map(range, stride)))}
        self._offsets = []
        for offset in itertools.product(*map(range, kernel_size)):
            first = [a + o * d for a, o, d in zip(starts, offset, dilation, strict=True)]
            phase = phase_index[tuple(f % s for f, s in zip(first, stride, strict=True))]
            shift = 0
            for f, s, q in zip(first, stride, planes, strict=True):
                shift = shift * q + f // s
            self._offsets.append((phase, shift))
        self._phases = []
        for phase, index in phase_index.items():
            target, source = [], []
            for r, s, (lo, hi), f in zip(phase, stride, padding, full, strict=True):
                # The output is the full buffer's positions [max(lo, 0), f - max(hi, 0)).
                begin, end = max(lo, 0), f - max(hi, 0)
                first = begin + (r - begin) % s
                count = len(range(first, end, s))
                target.append(slice(first - begin, first - begin + (count - 1) * s + 1, s))
                source.append(slice((first - r) // s, (first - r) // s + count))
            if all(t.stop > t.start for t in target):
                self._phases.append((index, tuple(target), tuple(source)))
        self._count = len(phase_index)

    @property
    def run(self) -> int:
        """Columns per sample and input channel: the widened input's spatial size."""
        return self._run

    def spread(self, xp: Any, x: Any) -> Any:
        """``x`` (N, C, *in_size) as ``(C, N * run)``: channels first, widened with zeros."""
        n, c = x.shape[:2]
        if self._widths == x.shape[2:]:
            buffer = xp.empty((c, n, *self._widths), dtype=x.dtype)
        else:
            buffer = xp.zeros((c, n, *self._widths), dtype=x.dtype)
        buffer[(slice(None), slice(None), *map(slice, x.shape[2:]))] = x.swapaxes(0, 1)
        return buffer.reshape(c, n * self._run)

    def fold(self, xp: Any, cols: Any, out_size: tuple[int, ...]) -> Any:
        """Add the columns ``(N, C, prod(kernel), run)`` (any strides) into the output
        ``(N, C, *out_size)``."""
        n, c = cols.shape[:2]
        plane = (self._planes[0] + 1) * self._pitch
        buffer = xp.zeros((n, c, self._count, plane), dtype=cols.dtype)
        for i, (phase, shift) in enumerate(self._offsets):
            buffer[:, :, phase, shift : shift + self._run] += cols[:, :, i]
        grid = buffer[..., : self._planes[0] * self._pitch]
        grid = grid.reshape(n, c, self._count, *self._planes)
        out = xp.empty((n, c, *out_size), dtype=cols.dtype)
        every = (slice(None), slice(None))
        for phase, target, source in self._phases:
            out[(*every, *target)] = grid[(*every, phase, *source)]
        return out
