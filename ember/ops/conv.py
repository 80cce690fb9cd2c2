"""Convolutions in any number of spatial dims: ``conv1d/2d/3d`` and ``conv_transpose1d/2d/3d``.

Three bilinear records do the work, and each one's VJP is made of the other two, so
gradients of any order work:

- ``convolution(x, w)``: im2col over a strided view of the padded input, then a GEMM
  with a group axis;
- ``conv_transpose(x, w)``: the adjoint of ``convolution`` in its input: with enough
  channels, one GEMM per kernel offset adding into a shifted window of the output
  (``ember.backend.shifts``); otherwise a GEMM then col2im (``ember.backend.kernels.Col2im``:
  one contiguous add per kernel offset, or a copy where the offsets do not overlap), or
  without stride, when that is cheaper, a ``convolution`` kernel with the kernel flipped;
- ``conv_weight(x, g[, cols])``: the adjoint of ``convolution`` in its weight, a GEMM of
  the columns of ``x`` against ``g``. ``convolution``'s node keeps the columns its forward
  made (``OpRecord.saves``; up to ``KEEP_COLUMNS_UP_TO`` bytes) and its VJP passes them as
  ``cols``, so im2col runs once a step.

Each GEMM is one BLAS call over the whole batch, or one per sample where a sample's product
is too small for BLAS to thread or its inner dimension is short
(``ember.backend.kernels.per_sample``; the weight's gradient picks by its own measure).

Their ``padding`` attribute holds a ``(before, after)`` pair per spatial dim, so one record
serves PyTorch's symmetric padding, ``padding='same'`` (the odd extra goes after) and the
exact output size of a transposed convolution; a negative width crops. Bias is added by the
public functions as a broadcast ``add``. Layout is NCHW, weights are ``(out, in/groups, *k)``
and, for transposed convolutions, ``(in, out/groups, *k)``, as in PyTorch.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

from ember.backend import blas
from ember.backend.kernels import Col2im, by_sample, im2col, per_sample
from ember.backend.shifts import ShiftGrid, convolve_transpose
from ember.errors import DTypeError, ShapeError
from ember.ops.dispatch import OpRecord, apply, check, check_dtype, composite, op_error, register
from ember.ops.shape import reshape
from ember.tensor import Tensor

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
]

Pairs = tuple[tuple[int, int], ...]
IntOrTuple = int | Sequence[int]


# ------------------------------------------------------------------ sizes and rules
def _extent(kernel: int, dilation: int) -> int:
    return dilation * (kernel - 1) + 1


def _conv_sizes(
    input_shape: tuple[int, ...],
    weight: tuple[int, ...],
    stride: tuple[int, ...],
    padding: Pairs,
    dilation: tuple[int, ...],
    groups: int,
) -> tuple[int, ...]:
    """The output shape of ``convolution``; ``input_shape`` may lack its batch dim."""
    nd = len(stride)
    channels = input_shape[-nd - 1]
    check(
        groups >= 1 and weight[0] % groups == 0,
        "groups {} must divide the {} output channels of weight {}",
        groups,
        weight[0],
        weight,
    )
    check(
        channels % groups == 0,
        "groups {} must divide the {} input channels of input {}",
        groups,
        channels,
        input_shape,
    )
    check(
        channels == weight[1] * groups,
        "expected input with {} channels (weight {}, groups {}), got input of shape {}",
        weight[1] * groups,
        weight,
        groups,
        input_shape,
    )
    sizes = []
    for i, (n, k, s, (lo, hi), d) in enumerate(
        zip(input_shape[-nd:], weight[2:], stride, padding, dilation, strict=True)
    ):
        check(
            _extent(k, d) <= n + lo + hi,
            "kernel size {} (dilation {}) is larger than the padded input size {} in spatial "
            "dim {}: input {}, weight {}",
            k,
            d,
            n + lo + hi,
            i,
            input_shape,
            weight,
        )
        sizes.append((n + lo + hi - _extent(k, d)) // s + 1)
    return (*input_shape[: -nd - 1], weight[0], *sizes)


def _transpose_sizes(
    input_shape: tuple[int, ...],
    weight: tuple[int, ...],
    stride: tuple[int, ...],
    padding: Pairs,
    dilation: tuple[int, ...],
    groups: int,
) -> tuple[int, ...]:
    """The output shape of ``conv_transpose``; ``input_shape`` may lack its batch dim."""
    nd = len(stride)
    check(
        groups >= 1 and weight[0] % groups == 0,
        "groups {} must divide the {} input channels of weight {}",
        groups,
        weight[0],
        weight,
    )
    check(
        input_shape[-nd - 1] == weight[0],
        "expected input with {} channels (weight {}, groups {}), got input of shape {}",
        weight[0],
        weight,
        groups,
        input_shape,
    )
    sizes = []
    for n, k, s, (lo, hi), d in zip(
        input_shape[-nd:], weight[2:], stride, padding, dilation, strict=True
    ):
        sizes.append((n - 1) * s + _extent(k, d) - lo - hi)
    check(
        min(sizes) >= 1,
        "output size {} is not positive: input {}, weight {}, stride {}, dilation {}, "
        "padding (before, after) {}",
        tuple(sizes),
        input_shape,
        weight,
        stride,
        dilation,
        padding,
    )
    return (*input_shape[: -nd - 1], weight[1] * groups, *sizes)


def _same_dtype(x: Tensor, y: Tensor) -> None:
    check_dtype(
        x.data.dtype.kind == "f" and x.dtype == y.dtype,
        "expected floating tensors of one dtype, got {} and {}",
        x.dtype,
        y.dtype,
    )


def _bilinear_rule(sizes: Callable) -> Callable:
    """The rule of a record on (input, weight) whose output shape ``sizes`` computes."""

    def rule(x: Tensor, w: Tensor, **attrs: Any) -> tuple:
        _same_dtype(x, w)
        check(
            x.ndim == w.ndim == len(attrs["stride"]) + 2,
            "expected input and weight of rank {}, got shapes {} and {}",
            len(attrs["stride"]) + 2,
            x.shape,
            w.shape,
        )
        return sizes(x.shape, w.shape, **attrs), x.dtype

    return rule


def _weight_rule(
    x: Tensor, g: Tensor, *cols: Tensor, kernel_size: tuple[int, ...], **attrs: Any
) -> tuple:
    _same_dtype(x, g)
    groups = attrs["groups"]
    check(
        x.ndim == g.ndim == len(kernel_size) + 2 and x.shape[0] == g.shape[0],
        "expected input and grad_output of rank {} with one batch size, got shapes {} and {}",
        len(kernel_size) + 2,
        x.shape,
        g.shape,
    )
    check(
        groups >= 1 and x.shape[1] % groups == 0,
        "groups {} must divide the channels of input {}",
        groups,
        x.shape,
    )
    weight = (g.shape[1], x.shape[1] // groups, *kernel_size)
    out = _conv_sizes(x.shape, weight, **attrs)
    check(
        out == g.shape,
        "grad_output of shape {} does not match the output {} of input {} and kernel {}",
        g.shape,
        out,
        x.shape,
        kernel_size,
    )
    if cols:
        _same_dtype(x, cols[0])
        rows = (x.shape[1] // groups) * math.prod(kernel_size)
        expected = (groups, rows, x.shape[0] * math.prod(g.shape[2:]))
        check(
            cols[0].shape == expected,
            "columns of shape {} are not those of input {} and kernel {}: expected {}",
            cols[0].shape,
            x.shape,
            kernel_size,
            expected,
        )
    return weight, x.dtype


# ------------------------------------------------------------------------ kernels
# The forward's columns are kept for the weight's gradient only up to this size: they are
# prod(kernel_size) times the input, and a large image's would hold far more memory until
# the backward than computing them again costs (a 3x3 layer of ResNet-18 at 224x224, batch
# 32: 231 MB). Above it, the VJP makes them again.
KEEP_COLUMNS_UP_TO = 32 << 20


def _conv_forward(xp: Any, x: Any, w: Any, **attrs: Any) -> tuple[Any, Any]:
    """The convolution, and the input's columns (None when too large to keep), which the
    weight's gradient reuses."""
    out_size = _conv_sizes(x.shape, w.shape, **attrs)
    groups, n = attrs["groups"], x.shape[0]
    kernels = w.reshape(groups, w.shape[0] // groups, -1)
    cols = im2col(xp, x, w.shape[2:], **attrs, out_size=out_size[2:])
    kept = cols if cols.nbytes <= KEEP_COLUMNS_UP_TO else None
    if per_sample(*kernels.shape[1:], cols.shape[2] // n):
        return xp.matmul(kernels, by_sample(cols, n)).reshape(out_size), kept
    out = xp.matmul(kernels, cols).reshape(w.shape[0], n, -1)
    return xp.ascontiguousarray(out.swapaxes(0, 1)).reshape(out_size), kept


# A transposed convolution whose kernel offsets overlap is one GEMM per offset adding into a
# shifted window (ember.backend.shifts) rather than GEMM then col2im, where NumPy's BLAS can
# be called directly, nothing is cropped before the data, the grid is at most
# SHIFTS_WASTE_UP_TO times the output, and each product's inner dimension (the transposed
# input's channels per group) has at least SHIFTS_FROM_CHANNELS. Measured in the ResNet
# benchmark's step, single-threaded: 85 ms before, 77 ms after; with LeNet's 16 channels it
# measured no faster, so that stays with col2im.
SHIFTS_FROM_CHANNELS = 32
SHIFTS_WASTE_UP_TO = 2.0


@functools.lru_cache(maxsize=256)
def _grid(
    in_size: tuple[int, ...],
    kernel_size: tuple[int, ...],
    stride: tuple[int, ...],
    padding: Pairs,
    dilation: tuple[int, ...],
) -> ShiftGrid:
    return ShiftGrid(in_size, kernel_size, stride, padding, dilation)


def _transpose_forward(
    xp: Any,
    x: Any,
    w: Any,
    *,
    stride: tuple[int, ...],
    padding: Pairs,
    dilation: tuple[int, ...],
    groups: int,
) -> Any:
    kernel_size = w.shape[2:]
    out_size = _transpose_sizes(
        x.shape, w.shape, stride=stride, padding=padding, dilation=dilation, groups=groups
    )
    if (
        w.shape[0] // groups >= SHIFTS_FROM_CHANNELS
        and blas.available(xp, x.dtype)
        and all(lo >= 0 for lo, _ in padding)
        and any(_extent(k, d) > s for k, d, s in zip(kernel_size, dilation, stride, strict=True))
    ):
        grid = _grid(out_size[2:], kernel_size, stride, padding, dilation)
        if grid.waste() <= SHIFTS_WASTE_UP_TO:
            return convolve_transpose(xp, grid, x, w, groups)
    if all(s == 1 for s in stride) and w.shape[0] <= w.shape[1] * groups:
        # Without stride, this is a convolution with the kernel flipped and its channel axes
        # swapped. Its im2col copies in_channels rows per kernel offset where col2im adds
        # out_channels (and computes them with a GEMM): take the fewer rows.
        flipped = w.reshape(groups, w.shape[0] // groups, w.shape[1], *kernel_size)
        flipped = flipped.swapaxes(1, 2)[(..., *(slice(None, None, -1) for _ in kernel_size))]
        flipped = flipped.reshape(groups * w.shape[1], w.shape[0] // groups, *kernel_size)
        spread = tuple(
            (_extent(k, d) - 1 - lo, _extent(k, d) - 1 - hi)
            for k, d, (lo, hi) in zip(kernel_size, dilation, padding, strict=True)
        )
        return _conv_forward(
            xp, x, flipped, stride=stride, padding=spread, dilation=dilation, groups=groups
        )[0]
    kernels = w.reshape(groups, w.shape[0] // groups, -1).swapaxes(1, 2)
    if all(_extent(k, d) <= s for k, d, s in zip(kernel_size, dilation, stride, strict=True)):
        return _scatter(xp, x, kernels, out_size, kernel_size, stride, padding, dilation)
    return _fold(xp, x, kernels, out_size, kernel_size, stride, padding, dilation)


def _fold(
    xp: Any,
    x: Any,
    kernels: Any,
    out_size: tuple[int, ...],
    kernel_size: tuple[int, ...],
    stride: tuple[int, ...],
    padding: Pairs,
    dilation: tuple[int, ...],
) -> Any:
    """``conv_transpose`` as one GEMM, then col2im."""
    n = x.shape[0]
    fold = Col2im(x.shape[2:], kernel_size, stride, padding, dilation)
    inputs = fold.spread(xp, x).reshape(kernels.shape[0], kernels.shape[2], -1)
    # One GEMM over the batch: col2im reads its columns in any layout, and per-sample calls
    # measured slower at every size tried (LeNet's second layer: 1.30 ms against 1.17 ms).
    cols = by_sample(xp.matmul(kernels, inputs), n)
    return fold.fold(xp, cols.reshape(n, out_size[1], -1, fold.run), out_size[2:])


def _scatter(
    xp: Any,
    x: Any,
    kernels: Any,
    out_size: tuple[int, ...],
    kernel_size: tuple[int, ...],
    stride: tuple[int, ...],
    padding: Pairs,
    dilation: tuple[int, ...],
) -> Any:
    """``conv_transpose`` when no two kernel offsets reach one output position (a stride
    at least the kernel's extent): each offset's columns are copied, not added, into place.
    """
    n, in_size = x.shape[0], x.shape[2:]
    groups, rows, channels = kernels.shape
    inputs = x.reshape(n, groups, channels, -1)
    if per_sample(rows, channels, math.prod(in_size)):
        cols = xp.matmul(kernels, inputs)
    else:
        inputs = inputs.transpose(1, 2, 0, 3).reshape(groups, channels, -1)
        cols = by_sample(xp.matmul(kernels, inputs), n)
    cols = cols.reshape(n, out_size[1], *kernel_size, *in_size)
    out = xp.zeros((n, *out_size[1:]), dtype=cols.dtype)
    every = (slice(None), slice(None))
    for offset in itertools.product(*map(range, kernel_size)):
        target, source = [], []
        for o, d, m, s, (lo, _), size in zip(
            offset, dilation, in_size, stride, padding, out_size[2:], strict=True
        ):
            # Input position i lands on o * d - lo + i * s; keep those inside the output.
            first = o * d - lo
            skip = -(first // s) if first < 0 else 0
            count = min(m - skip, len(range(first + skip * s, size, s)))
            target.append(slice(first + skip * s, first + (skip + count - 1) * s + 1, s))
            source.append(slice(skip, skip + count))
        if all(t.stop > t.start for t in target):
            out[(*every, *target)] = cols[(*every, *offset, *source)]
    return out


def _weight_forward(
    xp: Any, x: Any, g: Any, *cols: Any, kernel_size: tuple[int, ...], **attrs: Any
) -> Any:
    groups = attrs["groups"]
    n, out_channels = g.shape[:2]
    cols = cols[0] if cols else im2col(xp, x, kernel_size, **attrs, out_size=g.shape[2:])
    grads = g.reshape(n, groups, out_channels // groups, -1)
    # Per sample, the products are summed over the batch afterwards; over the batch, g is
    # transposed first. The smaller of the two extra passes wins: per sample when a
    # sample's columns outnumber the kernel's rows (LeNet's second layer: 0.30 ms batched
    # against 0.79 ms per sample; the ResNet stem: 0.67 ms per sample against 1.16 ms).
    if cols.shape[1] < grads.shape[3]:
        dw = xp.matmul(grads, by_sample(cols, n).swapaxes(2, 3)).sum(axis=0)
    else:
        grads = grads.transpose(1, 2, 0, 3).reshape(groups, out_channels // groups, -1)
        # BLAS is faster with the long positions axis inside both operands: dw transposed.
        dw = xp.matmul(cols, grads.swapaxes(1, 2)).swapaxes(1, 2)
    return dw.reshape(out_channels, x.shape[1] // groups, *kernel_size)


# --------------------------------------------------------------------------- VJPs
def _fit(
    padding: Pairs, size: tuple[int, ...], kernel_size: tuple[int, ...], **attrs: Any
) -> Pairs:
    """Padding that makes ``conv_transpose`` give back exactly ``size``.

    A strided convolution may leave the last rows of the padded input unused; the
    transposed convolution must then return zeros there, so its padding after shrinks.
    """
    fitted = []
    for n, k, s, (lo, hi), d in zip(
        size, kernel_size, attrs["stride"], padding, attrs["dilation"], strict=True
    ):
        unused = (n + lo + hi - _extent(k, d)) % s
        fitted.append((lo, hi - unused))
    return tuple(fitted)


def _conv_vjp(
    g: Tensor,
    out: Tensor,
    x: Tensor,
    w: Tensor,
    *,
    padding: Pairs,
    saved: Any = None,
    **attrs: Any,
) -> tuple:
    gx = gw = None
    if x.requires_grad:
        fitted = _fit(padding, x.shape[2:], w.shape[2:], **attrs)
        gx = apply(_conv_transpose, g, w, padding=fitted, **attrs)
    if w.requires_grad:
        # The forward's columns of x, when the node kept them: no second im2col.
        cols = () if saved is None else (Tensor(saved),)
        gw = apply(_conv_weight, x, g, *cols, kernel_size=w.shape[2:], padding=padding, **attrs)
    return gx, gw


def _transpose_vjp(g: Tensor, out: Tensor, x: Tensor, w: Tensor, **attrs: Any) -> tuple:
    gx = apply(_convolution, g, w, **attrs) if x.requires_grad else None
    gw = apply(_conv_weight, g, x, kernel_size=w.shape[2:], **attrs) if w.requires_grad else None
    return gx, gw


def _weight_vjp(
    gw: Tensor,
    out: Tensor,
    x: Tensor,
    g: Tensor,
    *cols: Tensor,
    kernel_size: tuple[int, ...],
    padding: Pairs,
    **attrs: Any,
) -> tuple:
    # The columns are x's, passed to save work: x carries their gradient.
    gx = gg = None
    if x.requires_grad:
        fitted = _fit(padding, x.shape[2:], kernel_size, **attrs)
        gx = apply(_conv_transpose, g, gw, padding=fitted, **attrs)
    if g.requires_grad:
        gg = apply(_convolution, x, gw, padding=padding, **attrs)
    return (gx, gg, *(None for _ in cols))


_convolution = register(
    OpRecord(
        "convolution",
        _conv_forward,
        _conv_vjp,
        _bilinear_rule(_conv_sizes),
        saves=lambda x, w: w.requires_grad,
    )
)
_conv_transpose = register(
    OpRecord(
        "conv_transpose",
        _transpose_forward,
        _transpose_vjp,
        _bilinear_rule(_transpose_sizes),
    )
)
_conv_weight = register(OpRecord("conv_weight", _weight_forward, _weight_vjp, _weight_rule))


# ------------------------------------------------------------------ public functions
def _ints(op: str, name: str, value: Any, nd: int, low: int) -> tuple[int, ...]:
    """``value`` (an int, or 1 or ``nd`` ints, as PyTorch accepts) as ``nd`` ints ``>= low``."""
    try:
        values = (operator.index(value),)
    except TypeError:
        try:
            values = tuple(operator.index(v) for v in value)
        except TypeError:
            values = ()
    if len(values) == 1:
        values *= nd
    if len(values) != nd or min(values) < low:
        bound = "positive" if low > 0 else "non-negative"
        raise op_error(op, f"expected {name} to be {bound}: one int or {nd} ints, got {value!r}")
    return values


def _check_tensors(op: str, nd: int, input: Any, weight: Any, bias: Any) -> None:
    if not all(isinstance(t, Tensor) for t in (input, weight)) or not isinstance(
        bias, (Tensor, type(None))
    ):
        names = ", ".join(type(t).__name__ for t in (input, weight, bias))
        raise op_error(op, f"expected input, weight and bias to be Tensors, got {names}", TypeError)
    if input.ndim not in (nd + 1, nd + 2):
        raise op_error(
            op,
            f"expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, "
            f"got input of shape {input.shape}",
        )
    if weight.ndim != nd + 2:
        raise op_error(op, f"expected a {nd + 2}-D weight, got weight of shape {weight.shape}")
    for t in (weight, bias):
        if t is not None and (input.data.dtype.kind != "f" or t.dtype != input.dtype):
            raise op_error(
                op,
                f"expected input, weight and bias of one floating dtype, got input "
                f"{input.dtype} and {'weight' if t is weight else 'bias'} {t.dtype}",
                DTypeError,
            )


def _run(
    op: str,
    record: OpRecord,
    sizes: Callable,
    input: Tensor,
    weight: Tensor,
    bias: Any,
    **attrs: Any,
) -> Tensor:
    """Check shapes in the user's terms, then apply ``record`` to a batch and add ``bias``."""
    nd = len(attrs["stride"])
    if not isinstance(attrs["groups"], int) or attrs["groups"] < 1:
        raise op_error(op, f"expected groups to be a positive int, got {attrs['groups']!r}")
    try:
        out_shape = sizes(input.shape, weight.shape, **attrs)
    except ShapeError as err:
        raise op_error(op, str(err)) from None
    if bias is not None and bias.shape != out_shape[-nd - 1 : -nd]:
        raise op_error(
            op,
            f"expected a bias of shape {out_shape[-nd - 1 : -nd]}, got bias of shape {bias.shape}",
        )
    batched = input.ndim == nd + 2
    out = apply(record, input if batched else reshape(input, (1, *input.shape)), weight, **attrs)
    if bias is not None:
        out = out + reshape(bias, (-1,) + (1,) * nd)
    return out if batched else reshape(out, out_shape)


def _conv(
    op: str,
    nd: int,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: IntOrTuple,
    padding: IntOrTuple | str,
    dilation: IntOrTuple,
    groups: int,
) -> Tensor:
    _check_tensors(op, nd, input, weight, bias)
    stride = _ints(op, "stride", stride, nd, 1)
    dilation = _ints(op, "dilation", dilation, nd, 1)
    if not isinstance(padding, str):
        pairs = tuple((p, p) for p in _ints(op, "padding", padding, nd, 0))
    elif padding == "valid":
        pairs = ((0, 0),) * nd
    elif padding == "same":
        if any(s != 1 for s in stride):
            raise op_error(op, f"padding='same' needs stride 1, got stride {stride}")
        # PyTorch's rule: an odd total padding puts the extra zero after.
        totals = [d * (k - 1) for d, k in zip(dilation, weight.shape[2:], strict=True)]
        pairs = tuple((t // 2, t - t // 2) for t in totals)
    else:
        raise op_error(op, f"padding must be 'valid', 'same' or ints, got {padding!r}")
    return _run(
        op,
        _convolution,
        _conv_sizes,
        input,
        weight,
        bias,
        stride=stride,
        padding=pairs,
        dilation=dilation,
        groups=groups,
    )


def _conv_t(
    op: str,
    nd: int,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: IntOrTuple,
    padding: IntOrTuple,
    output_padding: IntOrTuple,
    groups: int,
    dilation: IntOrTuple,
) -> Tensor:
    _check_tensors(op, nd, input, weight, bias)
    stride = _ints(op, "stride", stride, nd, 1)
    dilation = _ints(op, "dilation", dilation, nd, 1)
    padding = _ints(op, "padding", padding, nd, 0)
    output_padding = _ints(op, "output_padding", output_padding, nd, 0)
    for o, s, d in zip(output_padding, stride, dilation, strict=True):
        if o >= s and o >= d:
            raise op_error(
                op,
                f"output_padding {output_padding} must be smaller than either stride {stride} "
                f"or dilation {dilation}",
            )
    # output_padding extends the output after its last row: a negative crop there.
    pairs = tuple((p, p - o) for p, o in zip(padding, output_padding, strict=True))
    return _run(
        op,
        _conv_transpose,
        _transpose_sizes,
        input,
        weight,
        bias,
        stride=stride,
        padding=pairs,
        dilation=dilation,
        groups=groups,
    )


@composite
def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution (cross-correlation) over ``(N, C, L)`` or unbatched ``(C, L)`` input.

    Args:
        weight: ``(out_channels, in_channels / groups, kernel)``.
        bias: optional ``(out_channels,)``.
        stride, dilation: an int or a 1-tuple.
        padding: zeros on both sides; an int, a 1-tuple, ``'valid'`` (none) or ``'same'``
            (output as long as the input; stride 1 only).
        groups: split the channels into this many independent convolutions.

    Returns:
        ``(N, out_channels, L_out)``, with ``L_out = (L + 2p - d (k - 1) - 1) // s + 1``.

    Raises:
        ShapeError: for wrong ranks, channels that do not match the weight and groups, or a
            kernel larger than the padded input.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.conv1d(ember.arange(5.0).reshape(1, 1, 5), ember.ones(1, 1, 2)).tolist()
    [[[1.0, 3.0, 5.0, 7.0]]]
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


@composite
def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation) over ``(N, C, H, W)`` or unbatched ``(C, H, W)``.

    Args:
        weight: ``(out_channels, in_channels / groups, kH, kW)``.
        bias: optional ``(out_channels,)``.
        stride, dilation: an int or a pair.
        padding: an int, a pair, ``'valid'`` (none) or ``'same'`` (output the size of the
            input; stride 1 only; an odd total puts the extra zero at the bottom/right).
        groups: split the channels into this many independent convolutions.

    Returns:
        ``(N, out_channels, H_out, W_out)``.

    Raises:
        ShapeError: for wrong ranks, channels that do not match the weight and groups, or a
            kernel larger than the padded input.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> x, w = ember.ones(1, 3, 5, 5), ember.ones(8, 3, 3, 3)
    >>> F.conv2d(x, w, padding=1).shape
    (1, 8, 5, 5)
    >>> F.conv2d(x, w, stride=2)[0, 0].tolist()
    [[27.0, 27.0], [27.0, 27.0]]
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


@composite
def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple | str = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """3-D convolution over ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)`` input.

    Arguments as ``conv2d``, with triples; weight ``(out, in / groups, kD, kH, kW)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.conv3d(ember.ones(2, 4, 3, 5, 5), ember.ones(6, 4, 3, 3, 3), padding="same").shape
    (2, 6, 3, 5, 5)
    """
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


@composite
def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """1-D transposed convolution, the gradient of ``conv1d`` with respect to its input.

    Args:
        weight: ``(in_channels, out_channels / groups, kernel)``.
        padding: ``dilation * (kernel - 1) - padding`` zeros are added on each side.
        output_padding: extra size added after the last output element (smaller than the
            stride or the dilation); picks one of the input sizes a strided ``conv1d`` maps
            to the same output size.

    Returns:
        ``(N, out_channels, (L - 1) s - 2p + d (k - 1) + output_padding + 1)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.conv_transpose1d(ember.ones(1, 1, 3), ember.ones(1, 1, 2), stride=2).tolist()
    [[[1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]]
    """
    return _conv_t(
        "conv_transpose1d",
        1,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


@composite
def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """2-D transposed convolution ("deconvolution"), the gradient of ``conv2d`` in its input.

    Args:
        weight: ``(in_channels, out_channels / groups, kH, kW)``.
        stride, padding, output_padding, dilation: an int or a pair each, as ``conv_transpose1d``.

    Returns:
        ``(N, out_channels, H_out, W_out)`` with
        ``H_out = (H - 1) s - 2p + d (kH - 1) + output_padding + 1``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> x, w = ember.ones(1, 4, 8, 8), ember.ones(4, 2, 3, 3)
    >>> F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1).shape
    (1, 2, 16, 16)
    """
    return _conv_t(
        "conv_transpose2d",
        2,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


@composite
def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """3-D transposed convolution; arguments as ``conv_transpose2d``, with triples.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.conv_transpose3d(ember.ones(1, 2, 2, 3, 3), ember.ones(2, 1, 2, 2, 2)).shape
    (1, 1, 3, 4, 4)
    """
    return _conv_t(
        "conv_transpose3d",
        3,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )
