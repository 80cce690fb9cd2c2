"""The input gradient of a convolution (a transposed convolution) as one GEMM per kernel
offset, each adding into a shifted window of one flat buffer.

col2im computes every offset's product into a matrix ``prod(kernel_size)`` times the size of
the result, then adds its blocks into place: two passes over that matrix. Here each offset's
product is added by BLAS itself (``ember.backend.blas.gemm`` with ``beta = 1``) straight into
a view of the result's buffer, so the large matrix never exists.

The layout: positions of the padded input are split by their remainder modulo the stride
into phase planes (one plane without stride; only the phases some offset reaches). In plane
coordinates, kernel offset ``k`` joins output position ``o`` to position
``o + k * dilation // stride`` of plane ``k * dilation % stride``. Each plane stores every
sample on a grid of ``pitch`` positions per dim, the output's gradient too, which makes that
one flat shift per offset. A row of the grid holds its own data and zeros, and what a window
writes past a row's end lands in the next row's leading zeros (the padding before the data,
dropped at the end), so rows share their padding and the grid is only a little larger than
the output. Grid positions outside the output hold zeros in the gradient and add nothing.

For a convolution ``out[n, :, p] = sum_k W_k @ x[n, :, p * stride + k * dilation - pad]``,
the input's gradient is ``planes[phase_k][:, shift_k : shift_k + M] += W_k.T @ g_grid`` over
the offsets ``k``, with the planes interleaved back into the input's shape at the end.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from ember.backend.blas import gemm

__all__ = ["ShiftGrid", "convolve_transpose"]

Pairs = tuple[tuple[int, int], ...]


class ShiftGrid:
    """The grid layout of one convolution geometry (sizes without batch or channels).

    Args:
        in_size: the convolution's input size (the transposed convolution's output size).
        padding: ``(before, after)`` per dim; ``before >= 0``, ``after`` may be negative
            (input positions past the padded extent then get no gradient).
    """

    __slots__ = ("_in_size", "_out", "_pitch", "_planes", "offsets", "span")

    def __init__(
        self,
        in_size: tuple[int, ...],
        kernel_size: tuple[int, ...],
        stride: tuple[int, ...],
        padding: Pairs,
        dilation: tuple[int, ...],
    ) -> None:
        if any(lo < 0 for lo, _ in padding):
            raise ValueError(f"ShiftGrid: padding before must be >= 0, got {padding}")
        self._in_size = tuple(in_size)
        self._out = tuple(
            (n + lo + hi - d * (k - 1) - 1) // s + 1
            for n, k, s, (lo, hi), d in zip(
                in_size, kernel_size, stride, padding, dilation, strict=True
            )
        )
        # Per dim, for each phase r that some kernel offset reaches: the input positions
        # j = first, first + s, ... (count of them, j + before == r modulo s) lie at plane
        # coordinates start, start + 1, ...
        spans, pitch = [], []
        for n, k, s, (lo, _), d, out in zip(
            in_size, kernel_size, stride, padding, dilation, self._out, strict=True
        ):
            phases = {}
            for r in sorted({i * d % s for i in range(k)}):
                first = (r - lo) % s
                phases[r] = (first, s, (first + lo) // s, len(range(first, n, s)))
            size = max([out] + [start + count for _, _, start, count in phases.values()])
            for i in range(k):
                _, _, start, count = phases[i * d % s]
                if count:
                    # What a window adds past a row's end must land in the next row's
                    # leading padding, not on its data.
                    size = max(size, out + i * d // s - start)
            spans.append(phases)
            pitch.append(size)
        self._pitch = tuple(pitch)
        # The planes, one per combination of reached phases, as (input slices, grid slices).
        self._planes = []
        index = {}
        for combination in itertools.product(*(list(p.items()) for p in spans)):
            index[tuple(r for r, _ in combination)] = len(self._planes)
            source, target = [], []
            for _, (first, s, start, count) in combination:
                source.append(slice(first, first + s * count, s))
                target.append(slice(start, start + count))
            self._planes.append((tuple(source), tuple(target)))
        steps = [math.prod(pitch[i + 1 :]) for i in range(len(pitch))]
        # (plane, flat shift) per kernel offset, offsets in row-major order.
        self.offsets = []
        for offset in itertools.product(*map(range, kernel_size)):
            phase = tuple(i * d % s for i, d, s in zip(offset, dilation, stride, strict=True))
            shift = sum(
                i * d // s * step
                for i, d, s, step in zip(offset, dilation, stride, steps, strict=True)
            )
            self.offsets.append((index[phase], shift))
        # Grid columns per sample.
        self.span = math.prod(pitch)

    def width(self, samples: int) -> int:
        """The grid columns of a batch: the width ``M`` of every window and product."""
        return samples * self.span

    def waste(self) -> float:
        """Grid columns per output position (1 when the grid is the output)."""
        return self.span / math.prod(self._out)

    def zeros(self, xp: Any, samples: int, channels: int, dtype: Any) -> Any:
        """All-zero planes ``(planes, channels, length)``: the grid, then room for what the
        largest shift adds past it."""
        length = self.width(samples) + max(shift for _, shift in self.offsets)
        return xp.zeros((len(self._planes), channels, length), dtype=dtype)

    def interleave(self, xp: Any, planes: Any, n: int) -> Any:
        """Planes ``(planes, C, length)`` as ``(N, C, *in_size)``: each input position from
        its plane, zeros where no kernel offset reaches."""
        grids = self._grids(planes, n)
        shape = (n, planes.shape[1], *self._in_size)
        covered = sum(
            math.prod(len(range(m)[s]) for m, s in zip(self._in_size, source, strict=True))
            for source, _ in self._planes
        )
        out = (xp.empty if covered == math.prod(self._in_size) else xp.zeros)(
            shape, dtype=planes.dtype
        )
        every = (slice(None), slice(None))
        for plane, (source, target) in enumerate(self._planes):
            out[(*every, *source)] = grids[(plane, *every, *target)].swapaxes(0, 1)
        return out

    def grid(self, xp: Any, g: Any) -> Any:
        """An output-shaped ``(N, O, *out)`` array on the grid: ``(O, M)``, zeros between."""
        n, c = g.shape[:2]
        buffer = xp.zeros((c, self.width(n)), dtype=g.dtype)
        view = buffer.reshape(c, n, *self._pitch)
        view[(slice(None), slice(None), *map(slice, self._out))] = g.swapaxes(0, 1)
        return buffer

    def _grids(self, planes: Any, n: int) -> Any:
        """Planes ``(planes, C, length)`` viewed as ``(planes, C, N, *pitch)`` grids."""
        flat = planes[..., : self.width(n)]
        return flat.reshape(*flat.shape[:-1], n, *self._pitch)


def convolve_transpose(xp: Any, grid: ShiftGrid, g: Any, w: Any, groups: int) -> Any:
    """The adjoint in its input of the convolution with ``w`` ``(O, C/groups, *kernel)``:
    ``g`` ``(N, O, *out)`` to ``(N, C, *in_size)``, one GEMM per kernel offset."""
    n = g.shape[0]
    o, inner = w.shape[:2]
    rows = o // groups
    # (groups, offsets, C/groups, O/groups): each offset's transposed kernel, contiguous.
    kernels = w.reshape(groups, rows, inner, -1).transpose(0, 3, 2, 1).copy()
    width = grid.width(n)
    source = grid.grid(xp, g)
    planes = grid.zeros(xp, n, inner * groups, w.dtype)
    for group in range(groups):
        channels = slice(group * inner, (group + 1) * inner)
        grads = source[group * rows : (group + 1) * rows]
        for k, (plane, shift) in enumerate(grid.offsets):
            window = planes[plane, channels, shift : shift + width]
            gemm(kernels[group, k], grads, window, accumulate=True)
    return grid.interleave(xp, planes, n)
