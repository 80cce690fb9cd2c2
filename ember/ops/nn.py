"""Core neural-network ops: linear, normalization, dropout, embedding, one_hot, attention.

The primitives: ``linear`` (one GEMM forward, and its VJP writes the weight
gradient in the weight's own layout), ``batch_norm`` with its statistics
(``batch_norm_stats``) and its backward in two passes
(``batch_norm_backward_reduce`` and ``batch_norm_backward_elemt``), and
``embedding`` (a row gather whose VJP adds repeated rows up). ``group_norm``
and ``instance_norm`` reshape their input so that the rows they normalize
become the channels of ``batch_norm``, as PyTorch's reference implementations
do, and so share its kernels and VJP (``layer_norm`` has fused records of its
own, in ``ember.ops.normalization``). Dropout masks come from Ember's seeded
generator; everything else is a composite of Ember ops.
"""

from __future__ import annotations

import math
from typing import Any

from ember import dtypes
from ember.backend import get_xp
from ember.creation import arange, ones, zeros
from ember.errors import DTypeError
from ember.ops.activation import softmax
from ember.ops.core import broadcast_to, clone, to_dtype, unbroadcast
from ember.ops.dispatch import (
    STATE,
    OpRecord,
    apply,
    check,
    check_dtype,
    check_same_dtype,
    composite,
    op_error,
    register,
)
from ember.ops.dropout import dropout
from ember.ops.elementwise import eq, rsqrt, where
from ember.ops.index import index_put
from ember.ops.inplace import inplace
from ember.ops.linalg import matmul
from ember.ops.normalization import layer_norm
from ember.ops.reduce import amax, amin
from ember.ops.reduce import mean as _mean
from ember.ops.reduce import sum as _sum
from ember.ops.shape import permute, reshape, stack, transpose, unsqueeze
from ember.tensor import Tensor

__all__ = [
    "batch_norm",
    "embedding",
    "group_norm",
    "instance_norm",
    "layer_norm",
    "linear",
    "one_hot",
    "scaled_dot_product_attention",
]


# --------------------------------------------------------------------- linear
def _linear_rule(x: Tensor, weight: Tensor, *bias: Tensor) -> tuple:
    check_same_dtype(x, weight, "weight")
    check_dtype(x.data.dtype.kind in "fiu", "expected a numeric input, got {}", x.dtype)
    check(weight.ndim == 2, "weight must be 2-D (out_features, in_features), got {}", weight.shape)
    check(x.ndim >= 1, "input must have at least 1 dimension, got shape {}", x.shape)
    check(
        x.shape[-1] == weight.shape[1],
        "input of shape {} does not match weight of shape {}: last dimension {} != {}",
        x.shape,
        weight.shape,
        x.shape[-1],
        weight.shape[1],
    )
    out_features = weight.shape[0]
    for b in bias:
        check_same_dtype(x, b, "bias")
        check(
            b.shape in ((), (1,), (out_features,)),
            "bias of shape {} does not match the {} output features of weight of shape {}",
            b.shape,
            out_features,
            weight.shape,
        )
    return (*x.shape[:-1], out_features), x.dtype


def _linear_forward(xp: Any, x: Any, weight: Any, *bias: Any) -> Any:
    # Leading dims flattened: one GEMM instead of a batched product NumPy loops over.
    out = xp.matmul(x.reshape(-1, x.shape[-1]), weight.T)
    for b in bias:
        out += b
    return out.reshape((*x.shape[:-1], weight.shape[0]))


def _linear_vjp(g: Tensor, out: Tensor, x: Tensor, weight: Tensor, *bias: Tensor) -> tuple:
    g2 = reshape(g, (-1, weight.shape[0]))
    gx = reshape(matmul(g2, weight), x.shape) if x.requires_grad else None
    # g^T x lands in the weight's (out, in) layout; x^T g would need a transposed copy.
    gw = matmul(permute(g2, 1, 0), reshape(x, (-1, x.shape[-1]))) if weight.requires_grad else None
    gb = tuple(unbroadcast(_sum(g2, 0), b.shape) if b.requires_grad else None for b in bias)
    return (gx, gw, *gb)


_linear = register(OpRecord("linear", _linear_forward, _linear_vjp, _linear_rule))


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` over any leading dimensions, as ``torch.nn.functional.linear``.

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)`` (a 1-D weight gives a dot product).
        bias: ``(out_features,)``, or None.

    Returns:
        ``(*, out_features)``.

    Raises:
        ShapeError: if the last dimension of ``input`` is not ``in_features``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.linear(ember.ones(2, 3), ember.ones(4, 3), ember.tensor([0.0, 1.0, 2.0, 3.0])).tolist()
    [[3.0, 4.0, 5.0, 6.0], [3.0, 4.0, 5.0, 6.0]]
    """
    if weight.ndim == 1:
        out = matmul(input, weight)
        return out if bias is None else out + bias
    if bias is None:
        return apply(_linear, input, weight)
    return apply(_linear, input, weight, bias)


# ----------------------------------------------------------------- batch_norm
# NumPy broadcasts a (1, C, 1, ...) operand against (N, C, *spatial) with one short inner loop
# per (sample, channel); with few spatial elements that overhead dominates, and a contiguous
# (1, C, *spatial) copy, broadcast over the samples only, runs several times faster. Small
# tensors skip the copy: the two extra op calls (about 10 us each) would cost more than they
# save (measured per float32 op: 5 us saved at (32, 64, 8, 8), 45 us at (32, 64, 16, 16)).
_EXPAND_SPATIAL_BELOW = 4096
_EXPAND_NUMEL_FROM = 1 << 18


def _expands(shape: tuple[int, ...]) -> bool:
    return (
        len(shape) > 2
        and shape[0] > 1
        and math.prod(shape[2:]) < _EXPAND_SPATIAL_BELOW
        and math.prod(shape) >= _EXPAND_NUMEL_FROM
    )


def _per_channel(t: Tensor, like: Tensor) -> Tensor:
    """A ``(C,)`` tensor laid out to broadcast against ``like`` of shape ``(N, C, ...)``."""
    out = reshape(t, (1, t.shape[0]) + (1,) * (like.ndim - 2))
    if _expands(like.shape):
        out = clone(broadcast_to(out, (1, *like.shape[1:])))
    return out


def _channel_sum(t: Tensor) -> Tensor:
    """Sum over every dim but the channels: over samples first, which leaves contiguous
    per-channel rows (faster in NumPy than one reduction over scattered axes)."""
    out = reshape(t, t.shape[1:]) if t.shape[0] == 1 else _sum(t, 0)
    return _sum(out, tuple(range(1, out.ndim))) if out.ndim > 1 else out


# Below this many elements per (sample, channel) row, a product and a sum beat one dot
# product per row.
_DOT_FROM = 16


def _channel_dot(a: Tensor, b: Tensor) -> Tensor:
    """Per-channel sum of ``a * b`` (both ``(N, C, ...)``): one dot product per (sample,
    channel) row reads each operand once and writes no full-size temporary."""
    rows, length = a.shape[0] * a.shape[1], math.prod(a.shape[2:])
    if length < _DOT_FROM:
        return _channel_sum(a * b)
    dots = matmul(reshape(a, (rows, 1, length)), reshape(b, (rows, length, 1)))
    return _sum(reshape(dots, a.shape[:2]), 0)


def _moments(x: Tensor) -> tuple[Tensor, Tensor]:
    """Per-channel mean and biased variance of ``x`` (N, C, ...), each of shape ``(C,)``."""
    stats = apply(_batch_norm_stats, x)
    return stats[0], stats[1]


# ------------------------------------------------- batch statistics, in one record
def _stats_rule(x: Tensor) -> tuple:
    check_dtype(x.data.dtype.kind == "f", "expected a floating input, got {}", x.dtype)
    check(x.ndim >= 2, "expected an input of shape (N, C, ...), got {}", x.shape)
    return (2, x.shape[1]), x.dtype


def _stats_forward(xp: Any, x: Any) -> Any:
    # (2, C): the rows mean and biased variance, from the centred values (two passes, no
    # cancellation when the mean is large against the spread).
    rows = _as_rows(x)
    count = rows.shape[0] * rows.shape[2]
    mean = _row_sum(rows) / count
    centered = rows - _channel_array(xp, mean, rows.shape)
    return xp.stack([mean, _row_dot(xp, centered, centered) / count])


def _stats_vjp(u: Tensor, out: Tensor, x: Tensor) -> tuple:
    # d mean / dx = 1 / count and d var / dx = 2 (x - mean) / count, per channel.
    count = x.numel() // x.shape[1]
    centered = x - _per_channel(out[0], x)
    return (
        centered * _per_channel(u[1] * (2.0 / count), x) + _per_channel(u[0] * (1.0 / count), x),
    )


_batch_norm_stats = register(OpRecord("batch_norm_stats", _stats_forward, _stats_vjp, _stats_rule))


def _batch_norm_rule(
    x: Tensor, mean: Tensor, var: Tensor, *affine: Tensor, training: bool, eps: float
) -> tuple:
    check_dtype(x.data.dtype.kind == "f", "expected a floating input, got {}", x.dtype)
    check(x.ndim >= 2, "expected an input of shape (N, C, ...), got {}", x.shape)
    channels = x.shape[1]
    names = ("running_mean", "running_var", "weight", "bias")
    for name, t in zip(names, (mean, var, *affine), strict=False):
        check_same_dtype(x, t, name)
        check(
            t.shape == (channels,),
            "{} of shape {} does not match the {} channels of the input of shape {}",
            name,
            t.shape,
            channels,
            x.shape,
        )
    return x.shape, x.dtype


def _channel_array(xp: Any, v: Any, shape: tuple[int, ...]) -> Any:
    """A ``(C,)`` array laid out to broadcast against an array of ``shape`` ``(N, C, ...)``
    (expanded over the spatial dims where ``_expands`` says that is faster)."""
    v = v.reshape((1, -1) + (1,) * (len(shape) - 2))
    return xp.ascontiguousarray(xp.broadcast_to(v, (1, *shape[1:]))) if _expands(shape) else v


def _as_rows(t: Any) -> Any:
    """``(N, C, ...)`` viewed as ``(N, C, L)``."""
    return t.reshape(t.shape[0], t.shape[1], -1)


def _batch_norm_forward(
    xp: Any, x: Any, mean: Any, var: Any, *affine: Any, training: bool, eps: float
) -> Any:
    # One scale per channel, and the output buffer reused in place: one new array. Centering
    # first (rather than folding the mean into a shift) keeps float32 accurate when the mean
    # is large against the spread.
    scale = 1 / xp.sqrt(var + eps)
    if affine:
        scale = scale * affine[0]
    out = x - _channel_array(xp, mean, x.shape)
    out *= _channel_array(xp, scale, x.shape)
    if affine:
        out += _channel_array(xp, affine[1], x.shape)
    return out


def _batch_norm_vjp(
    g: Tensor,
    out: Tensor,
    x: Tensor,
    mean: Tensor,
    var: Tensor,
    *affine: Tensor,
    training: bool,
    eps: float,
) -> tuple:
    if training and STATE.grad_enabled:
        # The backward is being recorded (create_graph): the statistics must be functions of
        # x, not the constants the forward got, so that second derivatives see them move.
        mean, var = _moments(x)
    invstd = rsqrt(var + eps)
    needs_weight = bool(affine) and affine[0].requires_grad
    needs_bias = bool(affine) and affine[1].requires_grad
    sums = None
    if training or needs_weight or needs_bias or mean.requires_grad or var.requires_grad:
        # sum(g) and sum(g * (x - mean)) per channel, in one pass.
        sums = apply(_batch_norm_backward_reduce, g, x, mean)
    affine_grads = ()
    if affine:
        affine_grads = (
            sums[1] * invstd if needs_weight else None,
            sums[0] if needs_bias else None,
        )
    if training:
        if not x.requires_grad:
            return (None, None, None, *affine_grads)
        # The batch mean and variance depend on x too: their share removes the gradient's
        # mean and its projection on xhat, per channel (see batch_norm_coefficients).
        count = x.numel() // x.shape[1]
        coefficients = apply(_batch_norm_coefficients, sums, invstd, *affine[:1], count=count)
        gx = apply(_batch_norm_backward_elemt, g, x, mean, coefficients)
        return (gx, None, None, *affine_grads)
    scale = invstd * affine[0] if affine else invstd
    gx = g * _per_channel(scale, x) if x.requires_grad else None
    gmean = -sums[0] * scale if mean.requires_grad else None
    gvar = sums[1] * scale * invstd * invstd * -0.5 if var.requires_grad else None
    return (gx, gmean, gvar, *affine_grads)


_batch_norm = register(
    OpRecord("batch_norm", _batch_norm_forward, _batch_norm_vjp, _batch_norm_rule)
)


# ------------------------------------------------------ batch_norm's backward, in two passes
# In training, batch_norm's input gradient needs two per-channel sums of the whole gradient
# before any element of it can be written. Two records make it two passes over the data, the
# split PyTorch's batch_norm_backward_reduce / batch_norm_backward_elemt make:
#
# - ``batch_norm_backward_reduce(g, x, mean)``: ``(2, C)``, the rows ``sum(g)`` and
#   ``sum(g * (x - mean))`` per channel (bilinear in g and x - mean);
# - ``batch_norm_backward_elemt(g, x, mean, coefficients)``: ``a * g + b * (x - mean) + c``
#   with per-channel ``(a, b, c)``, the rows of ``coefficients`` (3, C).
#
# Centering x before the product (rather than sum(g * x) - mean * sum(g)) keeps float32
# accurate when the mean is large against the spread. Their VJPs are written in Ember ops.
def _backward_inputs_rule(g: Tensor, x: Tensor, mean: Tensor) -> None:
    check_dtype(x.data.dtype.kind == "f", "expected a floating input, got {}", x.dtype)
    check(x.ndim >= 2, "expected an input of shape (N, C, ...), got {}", x.shape)
    check(
        g.shape == x.shape,
        "gradient of shape {} does not match input of shape {}",
        g.shape,
        x.shape,
    )
    check_same_dtype(x, g, "gradient")
    check_same_dtype(x, mean, "mean")
    check(
        mean.shape == (x.shape[1],),
        "mean of shape {} does not match the {} channels of the input of shape {}",
        mean.shape,
        x.shape[1],
        x.shape,
    )


def _reduce_rule(g: Tensor, x: Tensor, mean: Tensor) -> tuple:
    _backward_inputs_rule(g, x, mean)
    return (2, x.shape[1]), x.dtype


def _row_sum(block: Any) -> Any:
    """Per-channel sum of ``block`` (N, C, L): over samples first, which leaves contiguous
    per-channel rows (faster in NumPy than one reduction over scattered axes)."""
    return block.sum(axis=0).sum(axis=-1)


def _row_dot(xp: Any, a: Any, b: Any) -> Any:
    """Per-channel sum of ``a * b`` (both (N, C, L)); ``b`` may be overwritten."""
    if a.shape[2] >= _DOT_FROM:
        return xp.vecdot(a, b).sum(axis=0)
    b *= a
    return _row_sum(b)


def _reduce_forward(xp: Any, g: Any, x: Any, mean: Any) -> Any:
    grads = _as_rows(g)
    centered = _as_rows(x - _channel_array(xp, mean, x.shape))
    return xp.stack([_row_sum(grads), _row_dot(xp, grads, centered)])


def _reduce_vjp(u: Tensor, out: Tensor, g: Tensor, x: Tensor, mean: Tensor) -> tuple:
    u_sum, u_centered = u[0], u[1]
    gg = gx = gmean = None
    if g.requires_grad:
        centered = x - _per_channel(mean, x)
        gg = centered * _per_channel(u_centered, x) + _per_channel(u_sum, x)
    if x.requires_grad:
        gx = g * _per_channel(u_centered, x)
    if mean.requires_grad:
        gmean = -u_centered * _channel_sum(g)
    return gg, gx, gmean


_batch_norm_backward_reduce = register(
    OpRecord("batch_norm_backward_reduce", _reduce_forward, _reduce_vjp, _reduce_rule)
)


# The per-channel (a, b, c) of the training-mode input gradient, from the two sums
# S0 = sum(g), S1 = sum(g * (x - mean)), the inverse std s and the weight w (1 if absent),
# over n = count elements per channel:
#   gx = s w (g - S0 / n - (x - mean) s^2 S1 / n),
# so a = s w, b = -s^3 w S1 / n, c = -s w S0 / n. One small record instead of a dozen
# channel-sized ops; its VJP is the chain rule through those three products.
def _coefficients_rule(sums: Tensor, invstd: Tensor, *weight: Tensor, count: int) -> tuple:
    channels = invstd.shape[0] if invstd.ndim == 1 else -1
    check(
        invstd.ndim == 1 and sums.shape == (2, channels),
        "sums of shape {} and invstd of shape {} are not (2, C) and (C,)",
        sums.shape,
        invstd.shape,
    )
    for name, t in (("sums", sums), *(("weight", w) for w in weight)):
        check_same_dtype(invstd, t, name)
    for w in weight:
        check(w.shape == invstd.shape, "weight of shape {} for {} channels", w.shape, channels)
    return (3, channels), invstd.dtype


def _coefficients_forward(xp: Any, sums: Any, invstd: Any, *weight: Any, count: int) -> Any:
    a = invstd * weight[0] if weight else invstd.copy()
    k = a * (1.0 / count)
    return xp.stack([a, -k * invstd * invstd * sums[1], -k * sums[0]])


def _coefficients_vjp(
    u: Tensor, out: Tensor, sums: Tensor, invstd: Tensor, *weight: Tensor, count: int
) -> tuple:
    ga, gb, gc = u[0], u[1], u[2]
    w = weight[0] if weight else 1.0
    s0, s1, n = sums[0], sums[1], 1.0 / count
    inv2 = invstd * invstd
    grads: list = [None, None]
    if sums.requires_grad:
        grads[0] = stack([-gc * invstd * w * n, -gb * inv2 * invstd * w * n])
    if invstd.requires_grad:
        grads[1] = (ga - gb * 3.0 * inv2 * s1 * n - gc * s0 * n) * w
    if weight:
        grads.append(
            (ga - gb * inv2 * s1 * n - gc * s0 * n) * invstd if weight[0].requires_grad else None
        )
    return tuple(grads)


_batch_norm_coefficients = register(
    OpRecord(
        "batch_norm_coefficients", _coefficients_forward, _coefficients_vjp, _coefficients_rule
    )
)


def _elemt_rule(g: Tensor, x: Tensor, mean: Tensor, coefficients: Tensor) -> tuple:
    _backward_inputs_rule(g, x, mean)
    check_same_dtype(x, coefficients, "coefficients")
    check(
        coefficients.shape == (3, x.shape[1]),
        "coefficients of shape {} are not (3, {}) for the input of shape {}",
        coefficients.shape,
        x.shape[1],
        x.shape,
    )
    return x.shape, x.dtype


def _elemt_forward(xp: Any, g: Any, x: Any, mean: Any, coefficients: Any) -> Any:
    a, b, c = (_channel_array(xp, row, x.shape) for row in coefficients)
    out = x - _channel_array(xp, mean, x.shape)
    out *= b
    out += g * a
    out += c
    return out


def _elemt_vjp(
    u: Tensor, out: Tensor, g: Tensor, x: Tensor, mean: Tensor, coefficients: Tensor
) -> tuple:
    a, b = coefficients[0], coefficients[1]
    gg = u * _per_channel(a, x) if g.requires_grad else None
    gx = u * _per_channel(b, x) if x.requires_grad else None
    gmean = gcoefficients = None
    if mean.requires_grad or coefficients.requires_grad:
        sums = apply(_batch_norm_backward_reduce, u, x, mean)
        if mean.requires_grad:
            gmean = -b * sums[0]
        if coefficients.requires_grad:
            gcoefficients = stack([_channel_dot(u, g), sums[1], sums[0]])
    return gg, gx, gmean, gcoefficients


_batch_norm_backward_elemt = register(
    OpRecord("batch_norm_backward_elemt", _elemt_forward, _elemt_vjp, _elemt_rule)
)


def _check_channels(op: str, input: Tensor) -> None:
    if input.ndim < 2:
        raise op_error(op, f"expected an input of shape (N, C, ...), got {input.shape}")


def _affine(input: Tensor, weight: Tensor | None, bias: Tensor | None, repeat: int = 1) -> tuple:
    """``(weight, bias)`` for the kernel: a missing one becomes its identity, and each is
    repeated ``repeat`` times (instance norm's channels of every sample)."""
    if weight is None and bias is None:
        return ()
    channels = input.shape[1]
    dtype = input.dtype
    weight = ones(channels, dtype=dtype) if weight is None else weight
    bias = zeros(channels, dtype=dtype) if bias is None else bias
    if repeat == 1:
        return weight, bias
    return tuple(reshape(broadcast_to(t, (repeat, t.shape[-1])), (-1,)) for t in (weight, bias))


def _check_parameter(op: str, name: str, t: Tensor | None, shape: tuple) -> None:
    if t is not None and t.shape != shape:
        raise op_error(op, f"{name} of shape {t.shape} does not match the expected shape {shape}")


def _update_running(op: str, buffer: Tensor | None, value: Tensor, momentum: float) -> None:
    if buffer is None:
        return
    previous = STATE.grad_enabled
    STATE.grad_enabled = False  # running statistics are buffers, updated as under no_grad
    try:
        inplace(op, buffer, lambda t: t * (1 - momentum) + value * momentum)
    finally:
        STATE.grad_enabled = previous


def _batch_statistics(
    op: str, input: Tensor, what: str, running: tuple, channels: int
) -> tuple[Tensor, Tensor, int]:
    """Detached batch mean and biased variance per channel, and the count behind them.

    The running buffers are checked first, so that a bad one fails before anything moves.
    """
    for name, buffer in zip(("running_mean", "running_var"), running, strict=True):
        _check_parameter(op, name, buffer, (channels,))
    count = input.numel() // input.shape[1] if input.shape[1] else 0
    if count <= 1:
        raise op_error(
            op, f"expected more than 1 {what} when training, got input of shape {input.shape}"
        )
    mean, var = _moments(input.detach())
    return mean, var, count


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalization over ``(N, C)``, ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.

    In training, each channel is normalized with the mean and biased variance
    of the batch, and ``running_mean``/``running_var`` (if given) move towards
    the batch mean and unbiased variance by ``momentum``, in place; otherwise
    the running statistics normalize. As ``torch.nn.functional.batch_norm``.

    Args:
        input: ``(N, C, ...)``, floating.
        running_mean, running_var: ``(C,)`` buffers (may be None in training).
        weight, bias: optional ``(C,)`` affine parameters.
        training: use (and record) batch statistics.
        momentum: weight of the new batch in the running statistics.
        eps: added to the variance for stability.

    Raises:
        ShapeError: for a channel count that does not match the parameters, or
            a single value per channel in training.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> x = ember.tensor([[1.0], [3.0]])
    >>> mean, var = ember.zeros(1), ember.ones(1)
    >>> F.batch_norm(x, mean, var, training=True, eps=0.0).tolist()
    [[-1.0], [1.0]]
    >>> round(mean.item(), 6), round(var.item(), 6)
    (0.2, 1.1)
    """
    _check_channels("batch_norm", input)
    if not training:
        if running_mean is None or running_var is None:
            raise op_error(
                "batch_norm", "running_mean and running_var are needed when training is False"
            )
        return apply(
            _batch_norm,
            input,
            running_mean,
            running_var,
            *_affine(input, weight, bias),
            training=False,
            eps=eps,
        )
    running = (running_mean, running_var)
    mean, var, count = _batch_statistics(
        "batch_norm", input, "value per channel", running, input.shape[1]
    )
    out = apply(
        _batch_norm, input, mean, var, *_affine(input, weight, bias), training=True, eps=eps
    )
    _update_running("batch_norm", running_mean, mean, momentum)
    _update_running("batch_norm", running_var, var * (count / (count - 1)), momentum)
    return out


def _normalize_rows(input: Tensor, rows: int, eps: float) -> Tensor:
    """``input`` normalized over each of ``rows`` equal slices of its elements (row-major)."""
    flat = reshape(input, (1, rows, input.numel() // rows if rows else 0))
    mean, var = _moments(flat.detach())
    return reshape(apply(_batch_norm, flat, mean, var, training=True, eps=eps), input.shape)


@composite
def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each sample's channels in ``num_groups`` groups, as ``F.group_norm``.

    Args:
        input: ``(N, C, *)`` with ``C`` divisible by ``num_groups``.
        num_groups: number of channel groups, each normalized on its own.
        weight, bias: optional per-channel ``(C,)`` affine parameters.
        eps: added to the variance for stability.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.group_norm(ember.tensor([[[1.0], [3.0]]]), 1, eps=0.0).tolist()
    [[[-1.0], [1.0]]]
    """
    _check_channels("group_norm", input)
    channels = input.shape[1]
    if num_groups <= 0 or channels % num_groups:
        raise op_error(
            "group_norm",
            f"the {channels} channels of the input of shape {input.shape} cannot be split "
            f"into num_groups={num_groups} groups",
        )
    _check_parameter("group_norm", "weight", weight, (channels,))
    _check_parameter("group_norm", "bias", bias, (channels,))
    out = _normalize_rows(input, input.shape[0] * num_groups, eps)
    if weight is not None:
        out = out * _per_channel(weight, input)
    return out if bias is None else out + _per_channel(bias, input)


@composite
def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel of each sample over its spatial dims, as ``F.instance_norm``.

    Running statistics, when given, move towards the batch average of the
    per-instance means and unbiased variances; with ``use_input_stats=False``
    they normalize instead.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.instance_norm(ember.tensor([[[1.0, 3.0]]]), eps=0.0).tolist()
    [[[-1.0, 1.0]]]
    """
    _check_channels("instance_norm", input)
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    samples, channels = input.shape[:2]
    _check_parameter("instance_norm", "weight", weight, (channels,))
    _check_parameter("instance_norm", "bias", bias, (channels,))
    flat = reshape(input, (1, samples * channels, *input.shape[2:]))
    running = (running_mean, running_var)
    mean, var, count = _batch_statistics(
        "instance_norm", flat, "spatial element", running, channels
    )
    affine = _affine(input, weight, bias, repeat=samples)
    out = apply(_batch_norm, flat, mean, var, *affine, training=True, eps=eps)
    if running_mean is not None:
        batch_mean = _mean(reshape(mean, (samples, channels)), 0)
        _update_running("instance_norm", running_mean, batch_mean, momentum)
    if running_var is not None:
        unbiased = reshape(var * (count / (count - 1)), (samples, channels))
        _update_running("instance_norm", running_var, _mean(unbiased, 0), momentum)
    return reshape(out, input.shape)


# ------------------------------------------------------------------ embedding
def _embedding_rule(
    indices: Tensor, weight: Tensor, *, padding_idx: int | None, scale_grad_by_freq: bool
) -> tuple:
    check_dtype(indices.data.dtype.kind in "iu", "expected integer indices, got {}", indices.dtype)
    check(weight.ndim == 2, "weight must be 2-D (num_embeddings, dim), got {}", weight.shape)
    if indices.data.size:
        low, high = int(indices.data.min()), int(indices.data.max())
        check(
            low >= 0 and high < weight.shape[0],
            "index {} is out of range for a weight of shape {}",
            low if low < 0 else high,
            weight.shape,
        )
    return (*indices.shape, weight.shape[1]), weight.dtype


def _embedding_vjp(
    g: Tensor,
    out: Tensor,
    indices: Tensor,
    weight: Tensor,
    *,
    padding_idx: int | None,
    scale_grad_by_freq: bool,
) -> tuple:
    flat = reshape(indices, (-1,))
    rows = reshape(g, (-1, weight.shape[1]))
    if scale_grad_by_freq:
        counts = index_put(
            zeros(weight.shape[0], dtype=g.dtype), (flat,), ones(flat.shape[0], dtype=g.dtype), True
        )
        rows = rows / unsqueeze(counts[flat], 1)
    if padding_idx is not None:
        rows = where(unsqueeze(flat != padding_idx, 1), rows, 0.0)
    # Repeated indices add their rows up (accumulate). NumPy accumulates several times
    # faster along one dimension than row by row: the rows go into the flattened weight, at
    # the offsets of their elements.
    count, dim = weight.shape
    offsets = unsqueeze(to_dtype(flat, dtypes.int64) * dim, 1) + arange(dim)
    flat_rows = reshape(rows, (-1,))
    grad = index_put(zeros(count * dim, dtype=g.dtype), (reshape(offsets, (-1,)),), flat_rows, True)
    return None, reshape(grad, weight.shape)


_embedding = register(
    OpRecord(
        "embedding",
        lambda xp, indices, weight, **attrs: xp.take(weight, indices, axis=0),
        _embedding_vjp,
        _embedding_rule,
    )
)


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` picked by the integer ``input``, as ``F.embedding``.

    Args:
        input: integer indices of any shape.
        weight: ``(num_embeddings, embedding_dim)``.
        padding_idx: a row whose gradient stays zero (negative counts from the end).
        scale_grad_by_freq: divide each row's gradient by how often it occurs in ``input``.

    Returns:
        ``(*input.shape, embedding_dim)``.

    Raises:
        ShapeError: for indices or ``padding_idx`` out of range.
        ValueError: for ``max_norm`` or ``sparse=True``, which Ember does not support.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.embedding(ember.tensor([[2, 0]]), ember.tensor([[0.0], [1.0], [2.0]])).tolist()
    [[[2.0], [0.0]]]
    """
    if max_norm is not None:
        raise op_error(
            "embedding",
            "max_norm is not supported (it renormalizes weight in place); "
            "renormalize the rows before the call instead",
            ValueError,
        )
    if sparse:
        raise op_error(
            "embedding", "sparse gradients are not supported; use sparse=False", ValueError
        )
    if padding_idx is not None:
        rows = weight.shape[0]
        if not -rows <= padding_idx < rows:
            raise op_error(
                "embedding",
                f"padding_idx {padding_idx} is out of range for a weight of shape {weight.shape}",
            )
        padding_idx %= rows
    return apply(
        _embedding, input, weight, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq
    )


@composite
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """An int64 tensor of shape ``(*tensor.shape, num_classes)`` with a 1 at each index.

    ``num_classes=-1`` takes one more than the largest value. As ``F.one_hot``.

    Raises:
        DTypeError: if ``tensor`` is not int64.
        ShapeError: for negative values or values not below ``num_classes``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.one_hot(ember.tensor([0, 2])).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    if tensor.dtype is not dtypes.int64:
        raise op_error("one_hot", f"expected an int64 index tensor, got {tensor.dtype}", DTypeError)
    if tensor.numel():
        low, high = amin(tensor).item(), amax(tensor).item()
        if num_classes == -1:
            num_classes = high + 1
        if low < 0:
            raise op_error("one_hot", f"class values must be non-negative, got {low}")
        if high >= num_classes:
            raise op_error(
                "one_hot", f"class value {high} is not smaller than num_classes={num_classes}"
            )
    elif num_classes == -1:
        raise op_error("one_hot", "cannot infer num_classes from an empty tensor")
    return to_dtype(eq(unsqueeze(tensor, -1), arange(num_classes)), dtypes.int64)


# ------------------------------------------------------------------ attention
def _repeat_heads(t: Tensor, repeats: int) -> Tensor:
    """``t.repeat_interleave(repeats, dim=-3)`` as a broadcast and a reshape."""
    heads, length, features = t.shape[-3:]
    spread = broadcast_to(unsqueeze(t, -3), (*t.shape[:-3], heads, repeats, length, features))
    return reshape(spread, (*t.shape[:-3], heads * repeats, length, features))


@composite
def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    *,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(query @ key^T * scale + mask) @ value``, as ``F.scaled_dot_product_attention``.

    Args:
        query: ``(*, L, E)``; key: ``(*, S, E)``; value: ``(*, S, Ev)``; the
            leading dims broadcast.
        attn_mask: bool (True attends) or float (added to the scores),
            broadcastable to ``(*, L, S)``.
        dropout_p: dropout probability on the attention weights.
        is_causal: attend only to positions at or before one's own (top-left aligned).
        scale: defaults to ``1 / sqrt(E)``.
        enable_gqa: let ``key``/``value`` have fewer heads (dim -3) than ``query``.

    Returns:
        ``(*, L, Ev)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> q = ember.ones(1, 2, 4)
    >>> v = ember.tensor([[[1.0], [3.0]]])
    >>> F.scaled_dot_product_attention(q, q, v).tolist()
    [[[2.0], [2.0]]]
    >>> F.scaled_dot_product_attention(q, q, v, is_causal=True).tolist()
    [[[1.0], [2.0]]]
    """
    op = "scaled_dot_product_attention"
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise op_error(op, "query, key and value need at least 2 dimensions (*, length, features)")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise op_error(
            op,
            f"query {query.shape}, key {key.shape} and value {value.shape} do not fit: "
            "query and key need the same feature size, key and value the same length",
        )
    if is_causal and attn_mask is not None:
        raise op_error(op, "pass either attn_mask or is_causal=True, not both", ValueError)
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        if query.shape[-3] % key.shape[-3]:
            raise op_error(
                op, f"{query.shape[-3]} query heads cannot share {key.shape[-3]} key heads"
            )
        repeats = query.shape[-3] // key.shape[-3]
        key, value = _repeat_heads(key, repeats), _repeat_heads(value, repeats)
    factor = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    # Scaling the (L, E) query costs less than scaling the (L, S) scores.
    scores = matmul(query * factor, transpose(key, -2, -1))
    if is_causal:
        length, source = scores.shape[-2:]
        xp = get_xp(scores.data)
        attn_mask = Tensor(xp.tril(xp.ones((length, source), dtype=bool)))
    if attn_mask is not None:
        if attn_mask.dtype is dtypes.bool_:
            scores = where(attn_mask, scores, -math.inf)
        else:
            scores = scores + attn_mask
    weights = softmax(scores, -1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p)
    return matmul(weights, value)
