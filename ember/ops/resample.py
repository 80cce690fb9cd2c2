"""Resampling: ``interpolate`` (nearest, nearest-exact, (bi/tri)linear, area) and pixel shuffles.

Nearest and linear interpolation are separable: each spatial axis in turn is resampled by
gathering one (nearest) or two (linear) source positions per output position, found by
PyTorch's coordinate rules, so kernels never loop over pixels. The adjoint of a gather
along an axis adds each output's share back to its source; since the sources of an axis
never decrease, that is a short loop over the most outputs one source feeds, not a
scatter. Each record and its adjoint (``interpolate_*_backward``) are each other's VJP.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ember.errors import DTypeError
from ember.ops.dispatch import OpRecord, apply, check, check_dtype, composite, op_error, register
from ember.ops.pool import adaptive_avg_pool1d, adaptive_avg_pool2d
from ember.ops.shape import permute, reshape
from ember.tensor import Tensor

__all__ = ["interpolate", "pixel_shuffle", "pixel_unshuffle", "upsample"]

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area")
_LINEAR_DIMS = {"linear": 1, "bilinear": 2, "trilinear": 3}


# --------------------------------------------------------- source positions
def _opmath(xp: Any, dtype: Any) -> Any:
    """The type PyTorch computes coordinates in: the input's, but float32 for float16."""
    return xp.float64 if dtype == xp.float64 else xp.float32


def _ratio(xp: Any, real: Any, size: int, out: int, scale: float | None) -> Any:
    return real(1.0 / scale) if scale else real(size) / real(out)


def _nearest_source(
    xp: Any, size: int, out: int, scale: float | None, exact: bool, spatial: int, dtype: Any
) -> Any:
    """The source index of each output position along one axis, as PyTorch's CPU kernels
    compute it; its 2-D kernel differs from the 1-D and 3-D ones in float rounding and in
    treating sizes that stay or double exactly."""
    i = xp.arange(out)
    if spatial == 2:
        if not exact and out == size:
            return i
        if not exact and out == 2 * size:
            return i // 2
        ratio = _ratio(xp, xp.float32, size, out, scale)
        if exact:
            src = ((i + 0.5) * xp.float64(ratio)).astype(xp.float32)
        else:
            src = i.astype(xp.float32) * ratio
    else:
        real = _opmath(xp, dtype)
        ratio = _ratio(xp, real, size, out, scale)
        shifted = i.astype(real) + real(0.5) if exact else i.astype(real)
        src = (shifted * ratio).astype(xp.float32)
    return xp.minimum(xp.floor(src).astype(xp.int64), size - 1)


def _linear_sources(
    xp: Any, size: int, out: int, scale: float | None, align_corners: bool, dtype: Any
) -> tuple[Any, Any, Any, Any]:
    """The two source indices of each output position along one axis and their weights."""
    real = _opmath(xp, dtype)
    i = xp.arange(out).astype(real)
    if align_corners:
        ratio = real(size - 1) / real(out - 1) if out > 1 else real(0)
        src = ratio * i
    else:
        # Positions left of the first pixel's centre clamp to it.
        src = xp.maximum(_ratio(xp, real, size, out, scale) * (i + real(0.5)) - real(0.5), 0)
    low = xp.minimum(xp.floor(src).astype(xp.int64), size - 1)
    high_weight = xp.clip(src - low, 0, 1).astype(real)
    return low, xp.minimum(low + 1, size - 1), 1 - high_weight, high_weight


def _along(weights: Any, ndim: int, axis: int) -> Any:
    shape = [1] * ndim
    shape[axis] = -1
    return weights.reshape(shape)


def _accumulate(xp: Any, values: Any, index: Any, size: int, axis: int) -> Any:
    """``out[i] = sum of values[j] over j with index[j] == i``, along ``axis``.

    ``index`` never decreases, so the outputs feeding source ``i`` are the run
    ``starts[i] : starts[i] + counts[i]``; round ``t`` adds the ``t``-th of every run.
    """
    counts = xp.bincount(index, minlength=size)
    starts = xp.cumsum(counts) - counts
    out = None
    for t in range(int(counts.max())):
        part = xp.take(values, xp.minimum(starts + t, index.shape[0] - 1), axis=axis)
        present = counts > t
        if not bool(present.all()):
            part *= _along(present.astype(part.dtype), part.ndim, axis)
        out = part if out is None else xp.add(out, part, out=out)
    return out


# ------------------------------------------------------------------- records
def _resample_rule(x: Tensor, *, size: tuple[int, ...], **attrs: Any) -> tuple:
    check(
        3 <= x.ndim <= 5 and len(size) == x.ndim - 2,
        "expected an (N, C, ...) input with 1 to 3 spatial dimensions and one output size "
        "per spatial dimension, got shape {} and size {}",
        x.shape,
        size,
    )
    check_dtype(x.dtype.is_floating_point, "expected a floating tensor, got {}", x.dtype)
    check(
        min(x.shape[2:]) > 0 and min(size) > 0,
        "input of shape {} and output size {} must have non-zero spatial sizes",
        x.shape,
        size,
    )
    return (*x.shape[:2], *size), x.dtype


def _backward_rule(g: Tensor, *, input_size: tuple[int, ...], **attrs: Any) -> tuple:
    return _resample_rule(g, size=input_size)


def _nearest_forward(xp: Any, x: Any, *, size: tuple, scales: tuple, exact: bool) -> Any:
    spatial = x.ndim - 2
    out = x
    for axis, (n, o, scale) in enumerate(zip(x.shape[2:], size, scales, strict=True), 2):
        index = _nearest_source(xp, n, o, scale, exact, spatial, x.dtype)
        out = xp.take(out, index, axis=axis)
    return out


def _nearest_backward(xp: Any, g: Any, *, input_size: tuple, scales: tuple, exact: bool) -> Any:
    spatial = g.ndim - 2
    out = g
    for axis, (n, o, scale) in enumerate(zip(input_size, g.shape[2:], scales, strict=True), 2):
        index = _nearest_source(xp, n, o, scale, exact, spatial, g.dtype)
        out = _accumulate(xp, out, index, n, axis)
    return out


def _linear_forward(xp: Any, x: Any, *, size: tuple, scales: tuple, align_corners: bool) -> Any:
    out = x
    for axis, (n, o, scale) in enumerate(zip(x.shape[2:], size, scales, strict=True), 2):
        if n == o:
            # PyTorch copies an axis whose size does not change, whatever the scale.
            continue
        low, high, low_weight, high_weight = _linear_sources(
            xp, n, o, scale, align_corners, x.dtype
        )
        below = xp.take(out, low, axis=axis) * _along(low_weight, x.ndim, axis)
        out = below + xp.take(out, high, axis=axis) * _along(high_weight, x.ndim, axis)
    return out.copy() if out is x else out.astype(x.dtype, copy=False)


def _linear_backward(
    xp: Any, g: Any, *, input_size: tuple, scales: tuple, align_corners: bool
) -> Any:
    out = g
    for axis, (n, o, scale) in enumerate(zip(input_size, g.shape[2:], scales, strict=True), 2):
        if n == o:
            continue
        low, high, low_weight, high_weight = _linear_sources(
            xp, n, o, scale, align_corners, g.dtype
        )
        below = _accumulate(xp, out * _along(low_weight, g.ndim, axis), low, n, axis)
        out = below + _accumulate(xp, out * _along(high_weight, g.ndim, axis), high, n, axis)
    return out.copy() if out is g else out.astype(g.dtype, copy=False)


_nearest = register(
    OpRecord(
        "interpolate_nearest",
        _nearest_forward,
        lambda g, out, x, *, size, scales, exact: (
            apply(_nearest_adjoint, g, input_size=x.shape[2:], scales=scales, exact=exact),
        ),
        _resample_rule,
    )
)
_nearest_adjoint = register(
    OpRecord(
        "interpolate_nearest_backward",
        _nearest_backward,
        lambda gg, out, g, *, input_size, scales, exact: (
            apply(_nearest, gg, size=g.shape[2:], scales=scales, exact=exact),
        ),
        _backward_rule,
    )
)
_linear = register(
    OpRecord(
        "interpolate_linear",
        _linear_forward,
        lambda g, out, x, *, size, scales, align_corners: (
            apply(
                _linear_adjoint,
                g,
                input_size=x.shape[2:],
                scales=scales,
                align_corners=align_corners,
            ),
        ),
        _resample_rule,
    )
)
_linear_adjoint = register(
    OpRecord(
        "interpolate_linear_backward",
        _linear_backward,
        lambda gg, out, g, *, input_size, scales, align_corners: (
            apply(_linear, gg, size=g.shape[2:], scales=scales, align_corners=align_corners),
        ),
        _backward_rule,
    )
)


# ---------------------------------------------------------------- interpolate
def _output_size(
    input: Tensor, size: Any, scale_factor: Any, recompute_scale_factor: bool | None
) -> tuple[tuple[int, ...], tuple]:
    """The output size and the scales the kernels use, by ``F.interpolate``'s rules."""
    op = "interpolate"
    spatial = input.ndim - 2
    if (size is None) == (scale_factor is None):
        raise op_error(op, "exactly one of size or scale_factor must be given", ValueError)
    if size is not None:
        if recompute_scale_factor:
            raise op_error(
                op, "recompute_scale_factor is not meaningful with an explicit size", ValueError
            )
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * spatial
        if len(sizes) != spatial:
            raise op_error(
                op,
                f"size {tuple(sizes)} must have one entry per spatial dimension of the input "
                f"of shape {input.shape}",
                ValueError,
            )
        return tuple(int(s) for s in sizes), (None,) * spatial
    factors = (
        tuple(scale_factor)
        if isinstance(scale_factor, (tuple, list))
        else (scale_factor,) * spatial
    )
    if len(factors) != spatial:
        raise op_error(
            op,
            f"scale_factor {factors} must have one entry per spatial dimension of the input "
            f"of shape {input.shape}",
            ValueError,
        )
    sizes = tuple(math.floor(n * float(f)) for n, f in zip(input.shape[2:], factors, strict=True))
    scales = (None,) * spatial if recompute_scale_factor else tuple(float(f) for f in factors)
    return sizes, scales


@composite
def interpolate(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dimensions of an ``(N, C, ...)`` input, as ``F.interpolate``.

    Args:
        size: the output's spatial size (an int for every dimension, or one per dimension).
        scale_factor: multiplies each spatial size (rounded down); give this or ``size``.
        mode: ``"nearest"``, ``"nearest-exact"``, ``"linear"`` (3-D inputs),
            ``"bilinear"`` (4-D), ``"trilinear"`` (5-D) or ``"area"`` (3-D or 4-D).
        align_corners: for the linear modes, whether the corner pixels' centres of input
            and output coincide (False when None).
        recompute_scale_factor: map coordinates with ``input / output`` sizes rather than
            with ``1 / scale_factor``.
        antialias: not supported (must be False).

    Returns:
        The resized tensor, with PyTorch's coordinate rules; gradients flow to ``input``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> x = ember.tensor([[[1.0, 2.0, 4.0]]])
    >>> F.interpolate(x, scale_factor=2).tolist()
    [[[1.0, 1.0, 2.0, 2.0, 4.0, 4.0]]]
    >>> F.interpolate(x, size=5, mode="linear", align_corners=True).tolist()
    [[[1.0, 1.5, 2.0, 3.0, 4.0]]]
    """
    op = "interpolate"
    if not isinstance(input, Tensor):
        raise op_error(op, f"expected a Tensor, got {type(input).__name__}", TypeError)
    if mode not in _MODES:
        raise op_error(op, f"mode must be one of {', '.join(_MODES)}, got {mode!r}", ValueError)
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise op_error(
                op,
                "align_corners can only be set with the interpolating modes linear, bilinear "
                "and trilinear",
                ValueError,
            )
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise op_error(op, "antialias=True is not supported", ValueError)
    spatial = input.ndim - 2
    if not 1 <= spatial <= 3:
        raise op_error(op, f"expected a 3-D, 4-D or 5-D (N, C, ...) input, got shape {input.shape}")
    if not input.dtype.is_floating_point:
        raise op_error(op, f"expected a floating tensor, got {input.dtype}", DTypeError)
    # Area pooling has no use for a scale: it always works from the output size.
    recompute = recompute_scale_factor or (mode == "area" and size is None)
    sizes, scales = _output_size(input, size, scale_factor, recompute)
    if min(sizes) <= 0 or min(input.shape[2:]) <= 0:
        raise op_error(
            op,
            f"input of shape {input.shape} and output size {sizes} must have non-zero "
            "spatial sizes",
        )
    if mode in ("nearest", "nearest-exact"):
        return apply(_nearest, input, size=sizes, scales=scales, exact=mode == "nearest-exact")
    if mode == "area":
        if spatial == 3:
            raise op_error(op, "mode 'area' supports 3-D and 4-D inputs, got a 5-D input")
        pool = adaptive_avg_pool1d if spatial == 1 else adaptive_avg_pool2d
        return pool(input, sizes)
    if _LINEAR_DIMS[mode] != spatial:
        raise op_error(
            op,
            f"mode {mode!r} needs a {_LINEAR_DIMS[mode] + 2}-D input, got shape {input.shape}",
        )
    return apply(_linear, input, size=sizes, scales=scales, align_corners=bool(align_corners))


@composite
def upsample(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """``interpolate`` under its older name (deprecated in PyTorch, kept for ported code).

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.upsample(ember.ones(1, 1, 2, 2), scale_factor=2).shape
    (1, 1, 4, 4)
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


# ------------------------------------------------------------- pixel shuffles
def _check_shuffle(op: str, input: Tensor, factor: int, name: str) -> None:
    if not isinstance(input, Tensor):
        raise op_error(op, f"expected a Tensor, got {type(input).__name__}", TypeError)
    if input.ndim < 3:
        raise op_error(op, f"expected an input of at least 3 dimensions, got shape {input.shape}")
    if not isinstance(factor, int) or factor <= 0:
        raise op_error(op, f"{name} must be a positive int, got {factor!r}", ValueError)


@composite
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange ``(*, C * r * r, H, W)`` into ``(*, C, H * r, W * r)``, ``r = upscale_factor``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.pixel_shuffle(ember.arange(8.0).reshape(1, 8, 1, 1), 2).shape
    (1, 2, 2, 2)
    >>> F.pixel_shuffle(ember.arange(4.0).reshape(1, 4, 1, 1), 2).tolist()
    [[[[0.0, 1.0], [2.0, 3.0]]]]
    """
    op = "pixel_shuffle"
    _check_shuffle(op, input, upscale_factor, "upscale_factor")
    r = upscale_factor
    *batch, channels, height, width = input.shape
    if channels % (r * r):
        raise op_error(
            op,
            f"the channels {channels} of the input of shape {input.shape} must be divisible "
            f"by upscale_factor squared ({r * r})",
        )
    lead = len(batch)
    x = reshape(input, (*batch, channels // (r * r), r, r, height, width))
    x = permute(x, *range(lead), lead, lead + 3, lead + 1, lead + 4, lead + 2)
    return reshape(x, (*batch, channels // (r * r), height * r, width * r))


@composite
def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange ``(*, C, H * r, W * r)`` into ``(*, C * r * r, H, W)``, undoing
    ``pixel_shuffle``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.pixel_unshuffle(ember.arange(4.0).reshape(1, 1, 2, 2), 2).flatten().tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    op = "pixel_unshuffle"
    _check_shuffle(op, input, downscale_factor, "downscale_factor")
    r = downscale_factor
    *batch, channels, height, width = input.shape
    if height % r or width % r:
        raise op_error(
            op,
            f"the height and width of the input of shape {input.shape} must be divisible by "
            f"downscale_factor {r}",
        )
    lead = len(batch)
    x = reshape(input, (*batch, channels, height // r, r, width // r, r))
    x = permute(x, *range(lead), lead, lead + 2, lead + 4, lead + 1, lead + 3)
    return reshape(x, (*batch, channels * r * r, height // r, width // r))
