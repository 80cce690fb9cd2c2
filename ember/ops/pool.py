"""Pooling over NCHW inputs: max, average, adaptive and max-unpooling, as ``torch.nn.functional``.

The records work on 4-D ``(N, C, H, W)`` arrays. The public functions also take unbatched
inputs, and the 1-D poolings view a signal of length ``L`` as an image of height 1. A
window is read as ``kh * kw`` strided views of the padded input, one per kernel offset, so
kernels loop over kernel offsets only, never over the batch or over pixels.

Max pooling sends its gradient to each window's argmax (``max_pool2d_backward``, which
compares each offset's view with the pooled output), whose own VJP gathers at the flat
indices (``max_pool2d_indices``, what ``return_indices=True`` returns) as
``max_unpool2d``'s VJP does, so derivatives of any order work.
Average pooling and its adjoint ``avg_pool2d_backward`` (a col2im) are each other's VJP.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from ember import dtypes
from ember.backend import get_xp
from ember.errors import DTypeError, ShapeError
from ember.ops.dispatch import (
    OpRecord,
    apply,
    check,
    check_dtype,
    check_same_dtype,
    composite,
    op_error,
    register,
)
from ember.ops.index import gather
from ember.ops.linalg import matmul
from ember.ops.reduce import mean
from ember.ops.shape import reshape
from ember.tensor import Tensor

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "max_pool1d",
    "max_pool2d",
    "max_unpool1d",
    "max_unpool2d",
]

_Size = int | Sequence[int]


# ------------------------------------------------------------------ arguments
def _ints(op: str, name: str, value: Any, n: int, *, none_ok: bool = False) -> tuple:
    """``value`` as a tuple of ``n`` ints; PyTorch also takes one int or a 1-tuple."""
    if value is None or isinstance(value, numbers.Integral):
        items = (value,)
    else:
        try:
            items = tuple(value)
        except TypeError:
            items = ()
    if len(items) == 1:
        items = items * n
    if len(items) != n or not all(
        isinstance(v, numbers.Integral) or (none_ok and v is None) for v in items
    ):
        raise op_error(
            op, f"{name} must be an int or a tuple of {n} ints, got {value!r}", TypeError
        )
    return tuple(v if v is None else int(v) for v in items)


def _stride(op: str, stride: Any, kernel: tuple) -> tuple:
    """The stride, which defaults (None or empty) to the kernel size."""
    if stride is None or (not isinstance(stride, numbers.Integral) and len(stride) == 0):
        return kernel
    return _ints(op, "stride", stride, len(kernel))


def _batched(op: str, input: Tensor, spatial: int) -> Tensor:
    """``input`` as a 4-D ``(N, C, H, W)`` tensor (1-D signals get a height of 1)."""
    if not isinstance(input, Tensor):
        raise op_error(op, f"expected a Tensor, got {type(input).__name__}", TypeError)
    if input.ndim not in (spatial + 1, spatial + 2):
        raise op_error(
            op,
            f"expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D (batched) input, "
            f"got shape {input.shape}",
        )
    shape = input.shape if input.ndim == spatial + 2 else (1, *input.shape)
    if spatial == 1:
        shape = (*shape[:2], 1, shape[2])
    return input if shape == input.shape else reshape(input, shape)


def _unbatched(out: Tensor, input: Tensor, spatial: int) -> Tensor:
    """``out`` (4-D) back in the layout of the caller's ``input``."""
    shape = (*input.shape[:-spatial], *out.shape[4 - spatial :])
    return out if shape == out.shape else reshape(out, shape)


def _validated(op: str, fn: Callable, *args: Any) -> Any:
    """``fn(*args)``, with a failed check reported under the caller-facing ``op``."""
    try:
        return fn(*args)
    except ShapeError as err:
        raise op_error(op, str(err)) from None


# ------------------------------------------------------------------- geometry
def _pooled_size(
    size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool
) -> int:
    span = dilation * (kernel - 1) + 1
    out = (size + 2 * pad - span + (stride - 1 if ceil_mode else 0)) // stride + 1
    # ceil_mode's last window must start inside the input or its left padding.
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _pool_shape(
    in_size: tuple[int, ...],
    kernel_size: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
    ceil_mode: bool,
) -> tuple[int, ...]:
    """The spatial output size of a pooling, after PyTorch's checks of its arguments."""
    check(
        min(kernel_size) > 0 and min(stride) > 0 and min(dilation) > 0,
        "kernel_size {}, stride {} and dilation {} must be positive",
        kernel_size,
        stride,
        dilation,
    )
    check(
        all(0 <= p <= k // 2 for k, p in zip(kernel_size, padding, strict=True)),
        "padding {} must be non-negative and at most half of kernel_size {}",
        padding,
        kernel_size,
    )
    out = tuple(
        _pooled_size(*args, ceil_mode)
        for args in zip(in_size, kernel_size, stride, padding, dilation, strict=True)
    )
    check(
        min(out) > 0,
        "an input of spatial size {} is too small for kernel_size {} with dilation {} and "
        "padding {}: the output size would be {}",
        in_size,
        kernel_size,
        dilation,
        padding,
        out,
    )
    return out


def _check_image(x: Tensor) -> None:
    check(x.ndim == 4, "expected a 4-D (N, C, H, W) input, got shape {}", x.shape)
    check_dtype(x.dtype is not dtypes.bool_, "expected a numeric tensor, got {}", x.dtype)


def _pads(in_size: tuple, out_size: tuple, geometry: tuple) -> tuple:
    """``(before, after)`` padding per axis so that every window, ceil_mode's last one too,
    lies inside the padded input."""
    return tuple(
        (p, max(p, (o - 1) * s + d * (k - 1) + 1 - n - p))
        for n, o, k, s, p, d in zip(in_size, out_size, *geometry, strict=True)
    )


def _padded(xp: Any, x: Any, fill: Any, out_size: tuple, geometry: tuple) -> Any:
    (top, bottom), (left, right) = _pads(x.shape[2:], out_size, geometry)
    if not (top or bottom or left or right):
        return x
    h, w = x.shape[2:]
    out = xp.full((*x.shape[:2], top + h + bottom, left + w + right), fill, dtype=x.dtype)
    out[:, :, top : top + h, left : left + w] = x
    return out


def _offsets(out_size: tuple, geometry: tuple) -> list[tuple]:
    """Per kernel offset, the index that views the padded input as one output-sized array."""
    (oh, ow), (kh, kw), (sh, sw), _, (dh, dw) = out_size, *geometry
    return [
        (
            Ellipsis,
            slice(i * dh, i * dh + (oh - 1) * sh + 1, sh),
            slice(j * dw, j * dw + (ow - 1) * sw + 1, sw),
        )
        for i in range(kh)
        for j in range(kw)
    ]


def _windows(xp: Any, x: Any, fill: Any, out_size: tuple, geometry: tuple) -> list:
    padded = _padded(xp, x, fill, out_size, geometry)
    return [padded[index] for index in _offsets(out_size, geometry)]


def _offset_positions(xp: Any, in_size: tuple, out_size: tuple, geometry: tuple) -> list:
    """Per kernel offset: the flat index ``h * W + w`` that each output reads, and a mask of
    the outputs for which it lies inside the input (None where all do)."""
    rows_by_offset, cols_by_offset = (
        [xp.arange(o) * s - p + t * d for t in range(k)]
        for o, k, s, p, d in zip(out_size, *geometry, strict=True)
    )
    height, width = in_size
    positions = []
    for rows in rows_by_offset:
        for cols in cols_by_offset:
            flat = (rows[:, None] * width + cols[None, :]).reshape(-1)
            inside = ((rows >= 0) & (rows < height))[:, None] & ((cols >= 0) & (cols < width))
            positions.append((flat, None if bool(inside.all()) else inside.reshape(-1)))
    return positions


# --------------------------------------------------------------- max kernels
def _lowest(xp: Any, dtype: Any) -> Any:
    return -xp.inf if dtype.kind == "f" else xp.iinfo(dtype).min


def _max_of(xp: Any, views: list) -> Any:
    if len(views) == 1:
        return views[0].copy()
    best = xp.maximum(views[0], views[1])
    for view in views[2:]:
        xp.maximum(best, view, out=best)
    return best


def _argmax(xp: Any, views: list, positions: list) -> Any:
    """The flat input index of each window's maximum, as PyTorch's scan over the window
    picks it: the first maximum wins a tie, and the last NaN wins over numbers."""
    views = [xp.ascontiguousarray(v) for v in views]
    best = _max_of(xp, views)
    planes = best.shape[0] * best.shape[1]
    flat_best = best.reshape(planes, -1)
    index = xp.zeros(flat_best.shape, dtype=xp.int64)
    found = xp.zeros(flat_best.shape, dtype=bool)
    for view, (position, inside) in zip(views, positions, strict=True):
        hit = view.reshape(planes, -1) == flat_best
        if inside is not None:
            hit &= inside
        xp.greater(hit, found, out=hit)
        found |= hit
        index += hit * position
    if not found.all():
        # Only windows holding a NaN find no element equal to their (NaN) maximum.
        for view, (position, _) in zip(views, positions, strict=True):
            flat = view.reshape(planes, -1)
            index = xp.where(flat != flat, position, index)
    return index.reshape(best.shape)


# ---------------------------------------------------------------- max_pool2d
def _max_pool_rule(x: Tensor, *, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
    _check_image(x)
    out = _pool_shape(x.shape[2:], kernel_size, stride, padding, dilation, ceil_mode)
    return (*x.shape[:2], *out), x.dtype


def _max_pool_windows(xp: Any, x: Any, attrs: dict) -> tuple[list, tuple, tuple]:
    geometry = (attrs["kernel_size"], attrs["stride"], attrs["padding"], attrs["dilation"])
    out_size = tuple(
        _pooled_size(*args, attrs["ceil_mode"]) for args in zip(x.shape[2:], *geometry, strict=True)
    )
    return _windows(xp, x, _lowest(xp, x.dtype), out_size, geometry), out_size, geometry


def _max_pool_forward(xp: Any, x: Any, **attrs: Any) -> Any:
    return _max_of(xp, _max_pool_windows(xp, x, attrs)[0])


def _max_pool_indices_forward(xp: Any, x: Any, **attrs: Any) -> Any:
    views, out_size, geometry = _max_pool_windows(xp, x, attrs)
    return _argmax(xp, views, _offset_positions(xp, x.shape[2:], out_size, geometry))


def _max_pool_vjp(g: Tensor, out: Tensor, x: Tensor, **attrs: Any) -> tuple:
    return (apply(_max_pool_backward, g, x, out, **attrs),)


def _scatter_to_argmax(xp: Any, g: Any, x: Any, **attrs: Any) -> Any:
    """``g`` added at each window's argmax (overlapping windows can share one)."""
    indices = _max_pool_indices_forward(xp, x, **attrs)
    return _unpool_forward(xp, g, indices, output_size=x.shape[2:], accumulate=True)


def _max_pool_backward_forward(xp: Any, g: Any, x: Any, out: Any, **attrs: Any) -> Any:
    """max_pool2d's input gradient from its output ``out``: each window's ``g`` goes to the
    first element equal to its maximum, written through the same strided views that
    found it. Padding (whose windows may hold only fill) and NaN maxima take the general
    path through the flat indices."""
    views, out_size, geometry = _max_pool_windows(xp, x, attrs)
    if any(lo or hi for lo, hi in _pads(x.shape[2:], out_size, geometry)):
        return _scatter_to_argmax(xp, g, x, **attrs)
    if out.dtype.kind == "f" and xp.isnan(out).any():
        # A window holding a NaN has no element equal to its (NaN) maximum.
        return _scatter_to_argmax(xp, g, x, **attrs)
    kernel, stride, dilation = attrs["kernel_size"], attrs["stride"], attrs["dilation"]
    overlap = any(d * (k - 1) + 1 > s for k, s, d in zip(kernel, stride, dilation, strict=True))
    # Windows that tile the input exactly write every position of the gradient.
    tiled = not overlap and all(
        (k == 1 or d == 1) and d * (k - 1) + 1 == s and o * s == n
        for k, s, d, o, n in zip(kernel, stride, dilation, out_size, x.shape[2:], strict=True)
    )
    gx = (xp.empty if tiled else xp.zeros)(x.shape, dtype=g.dtype)
    found = hit = None
    last = len(views) - 1
    for i, (view, index) in enumerate(zip(views, _offsets(out_size, geometry), strict=True)):
        if found is None:
            found = view == out
            hit = found
        else:
            xp.equal(view, out, out=hit)
            xp.greater(hit, found, out=hit)  # equal to the maximum, and no earlier element was
            if i < last:
                found |= hit
        if overlap:
            gx[index] += g * hit
        else:
            # No other window reaches these positions: write, zeros included.
            xp.multiply(g, hit, out=gx[index])
        if hit is found:
            hit = xp.empty_like(found)
    return gx


def _max_pool_backward_rule(g: Tensor, x: Tensor, out: Tensor, **attrs: Any) -> tuple:
    shape, _ = _max_pool_rule(x, **attrs)
    check(
        g.shape == out.shape == shape,
        "gradient of shape {} and output of shape {} do not match the pooled shape {} of input {}",
        g.shape,
        out.shape,
        shape,
        x.shape,
    )
    check_same_dtype(x, g, "gradient")
    check_same_dtype(x, out, "output")
    return x.shape, x.dtype


def _max_pool_backward_vjp(
    u: Tensor, gx: Tensor, g: Tensor, x: Tensor, out: Tensor, **attrs: Any
) -> tuple:
    # Linear in g, constant (almost everywhere) in x: the adjoint gathers u at the argmaxes.
    return _gather_at(u, apply(_max_pool_indices, x, **attrs), g.shape), None, None


_max_pool = register(OpRecord("max_pool2d", _max_pool_forward, _max_pool_vjp, _max_pool_rule))
_max_pool_backward = register(
    OpRecord(
        "max_pool2d_backward",
        _max_pool_backward_forward,
        _max_pool_backward_vjp,
        _max_pool_backward_rule,
    )
)
_max_pool_indices = register(
    OpRecord(
        "max_pool2d_indices",
        _max_pool_indices_forward,
        None,
        lambda x, **attrs: (_max_pool_rule(x, **attrs)[0], dtypes.int64),
    )
)


def _max_attrs(
    op: str, spatial: int, input: Tensor, kernel_size, stride, padding, dilation, ceil_mode
) -> dict:
    """Record attributes for a max pooling of ``spatial`` dims, checked in the caller's terms."""
    kernel = _ints(op, "kernel_size", kernel_size, spatial)
    attrs = {
        "kernel_size": kernel,
        "stride": _stride(op, stride, kernel),
        "padding": _ints(op, "padding", padding, spatial),
        "dilation": _ints(op, "dilation", dilation, spatial),
    }
    _validated(op, _pool_shape, input.shape[-spatial:], *attrs.values(), bool(ceil_mode))
    if spatial == 1:
        # A signal is an image of height 1: one row of kernel that never pads or steps down.
        attrs = {name: (0 if name == "padding" else 1, v[0]) for name, v in attrs.items()}
    attrs["ceil_mode"] = bool(ceil_mode)
    return attrs


def _run_max_pool(
    op: str, spatial: int, input: Tensor, return_indices: bool, *args: Any
) -> Tensor | tuple[Tensor, Tensor]:
    x = _batched(op, input, spatial)
    attrs = _max_attrs(op, spatial, input, *args)
    values = _unbatched(apply(_max_pool, x, **attrs), input, spatial)
    if not return_indices:
        return values
    return values, _unbatched(apply(_max_pool_indices, x, **attrs), input, spatial)


def max_pool2d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The maximum of each ``kernel_size`` window of an ``(N, C, H, W)`` or ``(C, H, W)`` input.

    Args:
        kernel_size, stride, padding, dilation: ints or ``(h, w)`` pairs; ``stride``
            defaults to ``kernel_size``. Padding counts as ``-inf`` and may be at most half
            of the effective kernel size.
        ceil_mode: round the output size up, so that a last partial window is kept.
        return_indices: also return each maximum's flat index ``h * W + w`` in its input
            plane (what ``max_unpool2d`` takes).

    Returns:
        The pooled tensor, or ``(values, indices)``. The gradient goes to each window's
        maximum (the first one among equals).

    >>> import ember
    >>> import ember.nn.functional as F
    >>> x = ember.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.max_pool2d(x, 2).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    >>> F.max_pool2d(x, 3, stride=1, return_indices=True)[1].tolist()
    [[[[10, 11], [14, 15]]]]
    """
    return _run_max_pool(
        "max_pool2d", 2, input, return_indices, kernel_size, stride, padding, dilation, ceil_mode
    )


@composite
def max_pool1d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    dilation: _Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The maximum of each window of an ``(N, C, L)`` or ``(C, L)`` input, as ``max_pool2d``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.max_pool1d(ember.tensor([[1.0, 3.0, 2.0, 5.0, 4.0]]), 2, return_indices=True)
    (tensor([[3., 5.]]), tensor([[1, 3]]))
    """
    return _run_max_pool(
        "max_pool1d", 1, input, return_indices, kernel_size, stride, padding, dilation, ceil_mode
    )


# -------------------------------------------------------------- max_unpool2d
def _unpool_rule(
    x: Tensor, indices: Tensor, *, output_size: tuple[int, int], accumulate: bool
) -> tuple:
    _check_image(x)
    check(
        indices.shape == x.shape,
        "indices of shape {} must have the shape {} of the input",
        indices.shape,
        x.shape,
    )
    check_dtype(
        indices.data.dtype.kind in "iu", "indices must be an integer tensor, got {}", indices.dtype
    )
    check(min(output_size) > 0, "output_size {} must be positive", output_size)
    return (*x.shape[:2], *output_size), x.dtype


def _unpool_forward(
    xp: Any, x: Any, indices: Any, *, output_size: tuple[int, int], accumulate: bool
) -> Any:
    planes = x.shape[0] * x.shape[1]
    area = output_size[0] * output_size[1]
    out = xp.zeros(planes * area, dtype=x.dtype)
    flat = (indices.reshape(planes, -1) + (xp.arange(planes) * area).reshape(planes, 1)).reshape(-1)
    if accumulate:
        xp.add.at(out, flat, x.reshape(-1))
    else:
        out[flat] = x.reshape(-1)
    return out.reshape(*x.shape[:2], *output_size)


def _gather_at(g: Tensor, indices: Tensor, shape: tuple) -> Tensor:
    """``g`` (N, C, ...) read at the flat per-plane ``indices``, as an array of ``shape``."""
    n, c = shape[:2]
    return reshape(gather(reshape(g, (n, c, -1)), 2, reshape(indices, (n, c, -1))), shape)


def _unpool_vjp(g: Tensor, out: Tensor, x: Tensor, indices: Tensor, **attrs: Any) -> tuple:
    return _gather_at(g, indices, x.shape), None


_max_unpool = register(OpRecord("max_unpool2d", _unpool_forward, _unpool_vjp, _unpool_rule))


def _run_max_unpool(
    op: str, spatial: int, input: Tensor, indices: Tensor, kernel_size, stride, padding, size
) -> Tensor:
    x = _batched(op, input, spatial)
    if not isinstance(indices, Tensor) or indices.shape != input.shape:
        raise op_error(
            op,
            f"indices of shape {getattr(indices, 'shape', type(indices).__name__)} must be a "
            f"tensor of the input's shape {input.shape}",
        )
    kernel = _ints(op, "kernel_size", kernel_size, spatial)
    stride = _stride(op, stride, kernel)
    padding = _ints(op, "padding", padding, spatial)
    in_size = input.shape[-spatial:]
    default = tuple(
        (n - 1) * s - 2 * p + k for n, k, s, p in zip(in_size, kernel, stride, padding, strict=True)
    )
    if size is None:
        size = default
    else:
        size = tuple(size)
        size = size[-spatial:] if len(size) in (input.ndim, spatial + 2) else size
        if len(size) != spatial or not all(
            d - s < n < d + s for n, d, s in zip(size, default, stride, strict=True)
        ):
            raise op_error(
                op,
                f"output_size {size} must be {spatial} sizes, each less than the stride {stride} "
                f"away from the default size {default}",
            )
    area = math.prod(size)
    if indices.data.size and (int(indices.data.min()) < 0 or int(indices.data.max()) >= area):
        raise op_error(
            op,
            f"indices must lie in [0, {area}) for an output of size {size}, got values in "
            f"[{int(indices.data.min())}, {int(indices.data.max())}]",
        )
    out = apply(
        _max_unpool,
        x,
        reshape(indices, x.shape),
        output_size=(1, size[0]) if spatial == 1 else size,
        accumulate=False,
    )
    return _unbatched(out, input, spatial)


def max_unpool2d(
    input: Tensor,
    indices: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """The inverse of ``max_pool2d``: each value put back at its index, zeros elsewhere.

    Args:
        indices: flat indices ``h * W + w`` into each output plane, as ``max_pool2d(...,
            return_indices=True)`` gives them. Of values sharing an index, one is kept.
        kernel_size, stride, padding: those of the pooling; they set the default output
            size ``(H - 1) * stride - 2 * padding + kernel_size``.
        output_size: the size to restore when the pooling rounded it down.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> values, indices = F.max_pool2d(ember.arange(16.0).reshape(1, 1, 4, 4), 2,
    ...                                return_indices=True)
    >>> F.max_unpool2d(values, indices, 2).tolist()[0][0][:2]
    [[0.0, 0.0, 0.0, 0.0], [0.0, 5.0, 0.0, 7.0]]
    """
    return _run_max_unpool(
        "max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size
    )


@composite
def max_unpool1d(
    input: Tensor,
    indices: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """The inverse of ``max_pool1d``, as ``max_unpool2d`` for ``(N, C, L)`` inputs.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.max_unpool1d(ember.tensor([[3.0, 5.0]]), ember.tensor([[1, 3]]), 2).tolist()
    [[0.0, 3.0, 0.0, 5.0]]
    """
    return _run_max_unpool(
        "max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size
    )


# ---------------------------------------------------------------- avg_pool2d
def _avg_geometry(attrs: dict) -> tuple:
    return attrs["kernel_size"], attrs["stride"], attrs["padding"], (1, 1)


def _avg_out_size(in_size: tuple, attrs: dict) -> tuple:
    return _pool_shape(in_size, *_avg_geometry(attrs), attrs["ceil_mode"])


def _divisor(xp: Any, in_size: tuple, out_size: tuple, attrs: dict) -> Any:
    """What each window's sum is divided by: an int, or an ``(Ho, Wo)`` int array where
    windows at the borders differ."""
    if attrs["divisor_override"]:
        return attrs["divisor_override"]
    counts = []
    for n, o, k, s, p in zip(
        in_size, out_size, attrs["kernel_size"], attrs["stride"], attrs["padding"], strict=True
    ):
        start = xp.arange(o) * s - p
        # Padding counts (when asked) but a ceil_mode window's overhang past it never does.
        end = xp.minimum(start + k, n + p)
        if not attrs["count_include_pad"]:
            start, end = xp.maximum(start, 0), xp.minimum(end, n)
        counts.append(end - start)
    rows, cols = counts
    if bool((rows == rows[0]).all()) and bool((cols == cols[0]).all()):
        return int(rows[0]) * int(cols[0])
    return rows[:, None] * cols[None, :]


def _divide(xp: Any, total: Any, divisor: Any) -> Any:
    if total.dtype.kind != "f":
        # Integer pooling divides as C does, truncating toward zero.
        quotient = xp.abs(total) // divisor
        return xp.where(total < 0, -quotient, quotient).astype(total.dtype)
    if not isinstance(divisor, int):
        divisor = divisor.astype(total.dtype)
    total /= divisor
    return total


def _avg_pool_forward(xp: Any, x: Any, **attrs: Any) -> Any:
    out_size = _avg_out_size(x.shape[2:], attrs)
    views = _windows(xp, x, 0, out_size, _avg_geometry(attrs))
    total = views[0].copy()
    for view in views[1:]:
        total += view
    return _divide(xp, total, _divisor(xp, x.shape[2:], out_size, attrs))


def _avg_pool_backward_forward(xp: Any, g: Any, *, input_size: tuple, **attrs: Any) -> Any:
    out_size = g.shape[2:]
    share = _divide(xp, g.copy(), _divisor(xp, input_size, out_size, attrs))
    geometry = _avg_geometry(attrs)
    (top, bottom), (left, right) = _pads(input_size, out_size, geometry)
    h, w = input_size
    padded = xp.zeros((*g.shape[:2], top + h + bottom, left + w + right), dtype=g.dtype)
    # col2im: every window adds its share back onto the positions it read.
    for index in _offsets(out_size, geometry):
        padded[index] += share
    return padded[:, :, top : top + h, left : left + w]


def _avg_pool_rule(x: Tensor, **attrs: Any) -> tuple:
    _check_image(x)
    return (*x.shape[:2], *_avg_out_size(x.shape[2:], attrs)), x.dtype


def _avg_pool_backward_rule(g: Tensor, *, input_size: tuple, **attrs: Any) -> tuple:
    _check_image(g)
    expected = _avg_out_size(input_size, attrs)
    check(
        g.shape[2:] == expected,
        "gradient of shape {} does not match the pooled size {} of an input of size {}",
        g.shape,
        expected,
        input_size,
    )
    return (*g.shape[:2], *input_size), g.dtype


_avg_pool = register(
    OpRecord(
        "avg_pool2d",
        _avg_pool_forward,
        lambda g, out, x, **attrs: (apply(_avg_pool_backward, g, input_size=x.shape[2:], **attrs),),
        _avg_pool_rule,
    )
)
_avg_pool_backward = register(
    OpRecord(
        "avg_pool2d_backward",
        _avg_pool_backward_forward,
        lambda gg, out, g, *, input_size, **attrs: (apply(_avg_pool, gg, **attrs),),
        _avg_pool_backward_rule,
    )
)


def _run_avg_pool(
    op: str, spatial: int, input: Tensor, kernel_size, stride, padding, ceil_mode, count, divisor
) -> Tensor:
    x = _batched(op, input, spatial)
    kernel = _ints(op, "kernel_size", kernel_size, spatial)
    stride = _stride(op, stride, kernel)
    padding = _ints(op, "padding", padding, spatial)
    _validated(
        op, _pool_shape, input.shape[-spatial:], kernel, stride, padding, (1,) * spatial, ceil_mode
    )
    if divisor is not None and divisor <= 0:
        raise op_error(op, f"divisor_override must be positive, got {divisor}", ValueError)
    if spatial == 1:
        kernel, stride, padding = (1, *kernel), (1, *stride), (0, *padding)
    out = apply(
        _avg_pool,
        x,
        kernel_size=kernel,
        stride=stride,
        padding=padding,
        ceil_mode=bool(ceil_mode),
        count_include_pad=bool(count),
        divisor_override=divisor,
    )
    return _unbatched(out, input, spatial)


def avg_pool2d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each ``kernel_size`` window of an ``(N, C, H, W)`` or ``(C, H, W)`` input.

    Args:
        kernel_size, stride, padding: ints or ``(h, w)`` pairs; ``stride`` defaults to
            ``kernel_size``; padding is zeros, at most half of the kernel.
        ceil_mode: round the output size up, keeping a last partial window.
        count_include_pad: whether padded zeros count in a window's size.
        divisor_override: divide every window's sum by this instead.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> x = ember.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.avg_pool2d(x, 2).tolist()
    [[[[2.5, 4.5], [10.5, 12.5]]]]
    >>> F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)[0, 0, 0].tolist()
    [2.5, 4.0]
    """
    return _run_avg_pool(
        "avg_pool2d",
        2,
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )


@composite
def avg_pool1d(
    input: Tensor,
    kernel_size: _Size,
    stride: _Size | None = None,
    padding: _Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """The mean of each window of an ``(N, C, L)`` or ``(C, L)`` input, as ``avg_pool2d``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.avg_pool1d(ember.tensor([[1.0, 3.0, 2.0, 6.0]]), 2).tolist()
    [[2.0, 4.0]]
    """
    return _run_avg_pool(
        "avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None
    )


# ----------------------------------------------------------- adaptive pooling
def _adaptive_bounds(xp: Any, size: int, out: int) -> tuple[Any, Any]:
    """PyTorch's adaptive windows: ``[floor(i * size / out), ceil((i + 1) * size / out))``."""
    i = xp.arange(out)
    return (i * size) // out, ((i + 1) * size + out - 1) // out


def _adaptive_table(xp: Any, size: int, out: int) -> Any:
    """``(out, span)`` indices of each window, the shorter ones repeating their last index
    (which changes neither a window's maximum nor which index is found first)."""
    start, end = _adaptive_bounds(xp, size, out)
    span = int((end - start).max())
    return xp.minimum(start[:, None] + xp.arange(span)[None, :], (end - 1)[:, None])


def _adaptive_windows(xp: Any, x: Any, output_size: tuple) -> tuple[list, list]:
    rows, cols = (_adaptive_table(xp, n, o) for n, o in zip(x.shape[2:], output_size, strict=True))
    width = x.shape[3]
    views, positions = [], []
    for i in range(rows.shape[1]):
        strip = xp.take(x, rows[:, i], axis=2)
        for j in range(cols.shape[1]):
            views.append(xp.take(strip, cols[:, j], axis=3))
            positions.append(((rows[:, i, None] * width + cols[None, :, j]).reshape(-1), None))
    return views, positions


def _adaptive_rule(x: Tensor, *, output_size: tuple[int, int]) -> tuple:
    _check_image(x)
    check(
        min(x.shape[2:]) > 0 and min(output_size) > 0,
        "input of shape {} and output_size {} must have non-zero spatial sizes",
        x.shape,
        output_size,
    )
    return (*x.shape[:2], *output_size), x.dtype


def _adaptive_max_vjp(g: Tensor, out: Tensor, x: Tensor, *, output_size: tuple) -> tuple:
    indices = apply(_adaptive_max_indices, x, output_size=output_size)
    return (apply(_max_unpool, g, indices, output_size=x.shape[2:], accumulate=True),)


_adaptive_max = register(
    OpRecord(
        "adaptive_max_pool2d",
        lambda xp, x, *, output_size: _max_of(xp, _adaptive_windows(xp, x, output_size)[0]),
        _adaptive_max_vjp,
        _adaptive_rule,
    )
)
_adaptive_max_indices = register(
    OpRecord(
        "adaptive_max_pool2d_indices",
        lambda xp, x, *, output_size: _argmax(xp, *_adaptive_windows(xp, x, output_size)),
        None,
        lambda x, **attrs: (_adaptive_rule(x, **attrs)[0], dtypes.int64),
    )
)


def _adaptive_size(op: str, input: Tensor, output_size: Any, spatial: int) -> tuple:
    sizes = _ints(op, "output_size", output_size, spatial, none_ok=True)
    in_size = input.shape[-spatial:]
    sizes = tuple(n if o is None else o for n, o in zip(in_size, sizes, strict=True))
    if min(sizes) <= 0 or min(in_size) <= 0:
        raise op_error(
            op,
            f"output_size {sizes} must be positive and the input of shape {input.shape} "
            "must have non-zero spatial sizes",
        )
    return sizes


def _run_adaptive_max_pool(
    op: str, spatial: int, input: Tensor, output_size: Any, return_indices: bool
) -> Tensor | tuple[Tensor, Tensor]:
    x = _batched(op, input, spatial)
    sizes = _adaptive_size(op, input, output_size, spatial)
    if spatial == 1:
        sizes = (1, *sizes)
    in_size = x.shape[2:]
    if all(n % o == 0 for n, o in zip(in_size, sizes, strict=True)):
        # Equal windows that tile the input: an ordinary max pooling, faster.
        kernel = tuple(n // o for n, o in zip(in_size, sizes, strict=True))
        attrs = {"kernel_size": kernel, "stride": kernel, "padding": (0, 0), "dilation": (1, 1)}
        values_record, indices_record = _max_pool, _max_pool_indices
        attrs["ceil_mode"] = False
    else:
        attrs = {"output_size": sizes}
        values_record, indices_record = _adaptive_max, _adaptive_max_indices
    values = _unbatched(apply(values_record, x, **attrs), input, spatial)
    if not return_indices:
        return values
    return values, _unbatched(apply(indices_record, x, **attrs), input, spatial)


def adaptive_max_pool2d(
    input: Tensor, output_size: int | Sequence[int | None], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Max pooling to a given output size, over windows chosen as PyTorch chooses them.

    Output ``(i, j)`` covers rows ``floor(i * H / Ho)`` to ``ceil((i + 1) * H / Ho)``
    (exclusive), and likewise for columns; windows may differ in size and overlap.

    Args:
        output_size: an int, or ``(Ho, Wo)`` where None keeps the input's size.
        return_indices: also return each maximum's flat index ``h * W + w``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.adaptive_max_pool2d(ember.arange(15.0).reshape(1, 3, 5), (1, 2)).tolist()
    [[[12.0, 14.0]]]
    """
    return _run_adaptive_max_pool("adaptive_max_pool2d", 2, input, output_size, return_indices)


@composite
def adaptive_max_pool1d(
    input: Tensor, output_size: int | Sequence[int], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """Max pooling of an ``(N, C, L)`` or ``(C, L)`` input to length ``output_size``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.adaptive_max_pool1d(ember.tensor([[1.0, 4.0, 2.0, 3.0, 0.0]]), 3).tolist()
    [[4.0, 4.0, 3.0]]
    """
    return _run_adaptive_max_pool("adaptive_max_pool1d", 1, input, output_size, return_indices)


def _mean_matrix(xp: Any, size: int, out: int, dtype: Any) -> Tensor:
    """The ``(out, size)`` matrix that averages each adaptive window."""
    start, end = _adaptive_bounds(xp, size, out)
    columns = xp.arange(size)
    inside = (columns >= start[:, None]) & (columns < end[:, None])
    return Tensor((inside / (end - start)[:, None]).astype(dtype))


def _run_adaptive_avg_pool(op: str, spatial: int, input: Tensor, output_size: Any) -> Tensor:
    x = _batched(op, input, spatial)
    if not x.dtype.is_floating_point:
        raise op_error(op, f"expected a floating tensor, got {x.dtype}", DTypeError)
    sizes = _adaptive_size(op, input, output_size, spatial)
    if spatial == 1:
        sizes = (1, *sizes)
    in_size = x.shape[2:]
    if sizes == (1, 1):
        out = mean(x, dim=(2, 3), keepdim=True)
    elif all(n % o == 0 for n, o in zip(in_size, sizes, strict=True)):
        kernel = tuple(n // o for n, o in zip(in_size, sizes, strict=True))
        out = apply(
            _avg_pool,
            x,
            kernel_size=kernel,
            stride=kernel,
            padding=(0, 0),
            ceil_mode=False,
            count_include_pad=True,
            divisor_override=None,
        )
    else:
        # A mean over a rectangle is separable: average the rows' windows, then the columns'.
        xp, dtype = get_xp(x.data), x.data.dtype
        rows = _mean_matrix(xp, in_size[0], sizes[0], dtype)
        cols = _mean_matrix(xp, in_size[1], sizes[1], dtype)
        out = matmul(matmul(rows, x), cols.mT)
    return _unbatched(out, input, spatial)


@composite
def adaptive_avg_pool2d(input: Tensor, output_size: int | Sequence[int | None]) -> Tensor:
    """Average pooling to a given output size, over PyTorch's adaptive windows.

    Args:
        output_size: an int, or ``(Ho, Wo)`` where None keeps the input's size.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.adaptive_avg_pool2d(ember.arange(6.0).reshape(1, 2, 3), (1, 2)).tolist()
    [[[2.0, 3.0]]]
    """
    return _run_adaptive_avg_pool("adaptive_avg_pool2d", 2, input, output_size)


@composite
def adaptive_avg_pool1d(input: Tensor, output_size: int | Sequence[int]) -> Tensor:
    """Average pooling of an ``(N, C, L)`` or ``(C, L)`` input to length ``output_size``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.adaptive_avg_pool1d(ember.tensor([[1.0, 2.0, 3.0, 4.0, 5.0]]), 2).tolist()
    [[2.0, 4.0]]
    """
    return _run_adaptive_avg_pool("adaptive_avg_pool1d", 1, input, output_size)
