"""Fused activations: softmax and log_softmax along one dimension, cross-entropy, GELU.

Softmax and log_softmax are primitives rather than composites of exp, sum and
div: one kernel subtracts the maximum first, so large inputs do not overflow,
and each VJP reuses the output instead of recomputing the exponentials; softmax's
VJP is itself one record, ``softmax_backward``.

The common case of ``ember.nn.functional.cross_entropy`` (class indices, no
label smoothing) is a record with its adjoint ``cross_entropy_backward``: one
kernel each way instead of a dozen small ops.

GELU (``ember.nn.functional.gelu``) is a record with its adjoint
``gelu_backward(g, x, out)`` (PyTorch's ``aten.gelu_backward`` of ``g`` and ``x``;
``out``, the forward's output, spares recomputing the normal CDF), each one
kernel: as a composite its erf form took a dozen full-size passes each way, and
SciPy's erf alone costs more than the rest of a transformer's feed-forward block.
"""

from __future__ import annotations

import math
from typing import Any

from ember.backend import erf as _erf_kernel
from ember.creation import arange
from ember.ops.core import to_dtype
from ember.ops.dispatch import (
    OpRecord,
    apply,
    bind_methods,
    check,
    check_dtype,
    check_same_dtype,
    register,
)
from ember.ops.elementwise import eq, exp, tanh, where
from ember.ops.reduce import sum as _sum
from ember.ops.rules import unary_float_rule
from ember.ops.shape import reshape, unsqueeze
from ember.tensor import Tensor

__all__ = ["log_softmax", "softmax"]


def _softmax_rule(x: Tensor, *, dim: int) -> tuple:
    check_dtype(
        x.data.dtype.kind == "f",
        "expected a floating tensor, got {} (pass dtype= to convert)",
        x.dtype,
    )
    size = max(x.ndim, 1)
    check(-size <= dim < size, "dim {} is out of range for a tensor of shape {}", dim, x.shape)
    return x.shape, x.dtype


def _shifted(xp: Any, x: Any, dim: int) -> Any:
    """``x`` minus its maximum along ``dim``, as a new array.

    exp overflows past ~709 in float64 (~88 in float32); after subtracting the maximum
    every exponent is <= 0 and the largest term is exactly 1.
    """
    return x - x.max(axis=dim, keepdims=True)


def _blas_rows(x: Any, dim: int) -> bool:
    """Whether ``dim`` is the last dim of a non-empty contiguous float32/float64 array, whose
    rows BLAS can reduce (narrower floats would also accumulate in their own precision)."""
    return (
        (dim == -1 or dim == x.ndim - 1)
        and x.flags.c_contiguous
        and x.dtype.itemsize >= 4
        and x.size > 0
    )


def _sum_along(xp: Any, x: Any, dim: int) -> Any:
    """The sums of ``x`` along ``dim``, kept as a size-1 dimension.

    Along the last dimension of a contiguous array they are one matrix-vector product:
    BLAS runs it several times faster than NumPy's reduction over a short last axis.
    """
    size = x.shape[dim]
    if _blas_rows(x, dim) and size:
        sums = x.reshape(-1, size) @ xp.ones(size, dtype=x.dtype)
        return sums.reshape((*x.shape[:-1], 1))
    return x.sum(axis=dim, keepdims=True)


def _over_vector(kernel: Any) -> Any:
    """``kernel`` for 0-d inputs too, run as 1-element vectors: the kernels work in
    place, and NumPy makes scalars, not arrays, of 0-d results."""

    def run(xp: Any, *arrays: Any, dim: int) -> Any:
        if arrays[0].ndim:
            return kernel(xp, *arrays, dim=dim)
        return kernel(xp, *[a.reshape(1) for a in arrays], dim=0).reshape(())

    return run


# A shift may sit this far above a row's maximum and keep every term that matters normal:
# exp(-20) leaves 67 more orders of e before float32 goes subnormal.
_SHIFT_SLACK = 20.0


def _coarse_softmax(xp: Any, x: Any, dim: int) -> Any:
    """Softmax along the last dim shifted by each matrix's maximum (over the last two
    dims), or None where that shift is unsafe for some row.

    NumPy reduces a whole matrix ten times faster than its short rows one by one. Any
    shift at or above a row's maximum keeps the exponentials from overflowing; one far
    above it would underflow the row, which its sum shows (a row's sum is at most its
    length times its largest term).
    """
    if x.ndim < 2 or not _blas_rows(x, dim):
        return None
    rows, length = x.shape[-2:]
    shift = x.reshape(-1, rows * length).max(axis=1).reshape((*x.shape[:-2], 1, 1))
    out = x - shift
    xp.exp(out, out=out)
    sums = _sum_along(xp, out, dim)
    # Also false for nan: an infinite shift, or a row of -inf, takes the exact path.
    if not sums.min() >= length * math.exp(-_SHIFT_SLACK):
        return None
    out /= sums
    return out


@_over_vector
def _softmax_forward(xp: Any, x: Any, *, dim: int) -> Any:
    out = _coarse_softmax(xp, x, dim)
    if out is not None:
        return out
    out = _shifted(xp, x, dim)
    xp.exp(out, out=out)
    out /= _sum_along(xp, out, dim)
    return out


@_over_vector
def _log_softmax_forward(xp: Any, x: Any, *, dim: int) -> Any:
    out = _shifted(xp, x, dim)
    out -= xp.log(_sum_along(xp, xp.exp(out), dim))
    return out


@_over_vector
def _softmax_backward_forward(xp: Any, g: Any, out: Any, *, dim: int) -> Any:
    gx = g * out
    gx -= out * _sum_along(xp, gx, dim)
    return gx


def _softmax_backward_vjp(u: Tensor, f: Tensor, g: Tensor, out: Tensor, *, dim: int) -> tuple:
    # f = out * (g - <g, out>) is linear in g and self-adjoint there; in out,
    # d<u, f>/d out = u g - g <u, out> - u <g, out> (inner products along dim).
    gg = apply(_softmax_backward, u, out, dim=dim) if g.requires_grad else None
    gout = None
    if out.requires_grad:
        gout = u * g - g * _sum(u * out, dim, keepdim=True) - u * _sum(g * out, dim, keepdim=True)
    return gg, gout


def _softmax_backward_rule(g: Tensor, out: Tensor, *, dim: int) -> tuple:
    check_dtype(
        g.data.dtype == out.data.dtype,
        "gradient of dtype {} does not match the output's dtype {}",
        g.dtype,
        out.dtype,
    )
    check(
        g.shape == out.shape,
        "gradient of shape {} does not match output of shape {}",
        g.shape,
        out.shape,
    )
    return _softmax_rule(out, dim=dim)


_softmax = register(
    OpRecord(
        name="softmax",
        forward=_softmax_forward,
        vjp=lambda g, out, x, *, dim: (apply(_softmax_backward, g, out, dim=dim),),
        shape_rule=_softmax_rule,
    )
)

# The adjoint of softmax given its output, as ``torch.ops.aten._softmax_backward_data``.
_softmax_backward = register(
    OpRecord(
        name="softmax_backward",
        forward=_softmax_backward_forward,
        vjp=_softmax_backward_vjp,
        shape_rule=_softmax_backward_rule,
    )
)

_log_softmax = register(
    OpRecord(
        name="log_softmax",
        forward=_log_softmax_forward,
        vjp=lambda g, out, x, *, dim: (g - exp(out) * _sum(g, dim, keepdim=True),),
        shape_rule=_softmax_rule,
    )
)


def softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """``exp(input)`` normalized to sum to 1 along ``dim``, as ``torch.softmax``.

    Args:
        input: a floating tensor (or any tensor, with ``dtype``).
        dim: the dimension to normalize over; negative counts from the end.
        dtype: if given, ``input`` is converted to it first.

    Returns:
        A tensor of ``input``'s shape whose slices along ``dim`` sum to 1.

    >>> import ember
    >>> ember.softmax(ember.tensor([1000.0, 1000.0]), dim=0).tolist()
    [0.5, 0.5]
    """
    if dtype is not None:
        input = to_dtype(input, dtype)
    return apply(_softmax, input, dim=dim)


def log_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """``log(softmax(input, dim))`` computed stably, as ``torch.log_softmax``.

    Args:
        input: a floating tensor (or any tensor, with ``dtype``).
        dim: the dimension to normalize over; negative counts from the end.
        dtype: if given, ``input`` is converted to it first.

    >>> import ember
    >>> ember.log_softmax(ember.tensor([0.0, -1000.0]), dim=-1).tolist()
    [0.0, -1000.0]
    """
    if dtype is not None:
        input = to_dtype(input, dtype)
    return apply(_log_softmax, input, dim=dim)


# -------------------------------------------------------------- cross_entropy
# The common case of ``ember.nn.functional.cross_entropy`` (class-index targets, no label
# smoothing) as one record each way: log_softmax, pick and reduce forward; softmax minus
# the one-hot target, weighted, backward. The public function checks targets and weights.
def _class_dim(x: Any) -> int:
    return 1 if x.ndim >= 2 else 0


def _cross_entropy_rule(
    x: Tensor, target: Tensor, *weight: Tensor, ignore_index: int, reduction: str
) -> tuple:
    check_dtype(x.data.dtype.kind == "f", "expected floating scores, got {}", x.dtype)
    check_dtype(
        target.data.dtype.kind in "iu", "expected integer class targets, got {}", target.dtype
    )
    check(x.ndim >= 1, "expected scores with a class dimension, got shape {}", x.shape)
    expected = () if x.ndim == 1 else (x.shape[0], *x.shape[2:])
    check(
        target.shape == expected,
        "target of shape {} does not fit scores of shape {}: expected {}",
        target.shape,
        x.shape,
        expected,
    )
    classes = x.shape[_class_dim(x)]
    for w in weight:
        check_dtype(
            w.data.dtype == x.data.dtype,
            "weight of dtype {} does not match the scores' dtype {}",
            w.dtype,
            x.dtype,
        )
        check(w.shape == (classes,), "weight of shape {} for {} classes", w.shape, classes)
    return (target.shape if reduction == "none" else ()), x.dtype


def _target_weights(xp: Any, target: Any, weight: tuple, ignore_index: int, dtype: Any) -> tuple:
    """``(safe, w)``: targets with ignored ones read as class 0, and each target's weight
    (0 where ignored)."""
    kept = target != ignore_index
    safe = xp.where(kept, target, 0)
    w = weight[0][safe] * kept if weight else kept.astype(dtype)
    return safe, w


def _cross_entropy_forward(
    xp: Any, x: Any, target: Any, *weight: Any, ignore_index: int, reduction: str
) -> Any:
    class_dim = _class_dim(x)
    log_probs = _log_softmax_forward(xp, x, dim=class_dim)
    safe, w = _target_weights(xp, target, weight, ignore_index, x.dtype)
    picked = xp.take_along_axis(log_probs, xp.expand_dims(safe, class_dim), axis=class_dim)
    losses = picked.reshape(target.shape) * -w
    if reduction == "none":
        return losses
    total = losses.sum()
    return total / w.sum() if reduction == "mean" else total


def _cross_entropy_backward_forward(
    xp: Any, g: Any, x: Any, target: Any, *weight: Any, ignore_index: int, reduction: str
) -> Any:
    class_dim = _class_dim(x)
    gx = _softmax_forward(xp, x, dim=class_dim)
    safe, w = _target_weights(xp, target, weight, ignore_index, x.dtype)
    index = xp.expand_dims(safe, class_dim)
    xp.put_along_axis(gx, index, xp.take_along_axis(gx, index, axis=class_dim) - 1, class_dim)
    if reduction == "mean":
        # With every target ignored the loss is nan, and PyTorch's gradient 0: not 0 / 0.
        total = w.sum()
        w = w / (total if total else 1)
    gx *= xp.expand_dims(w * g, class_dim)
    return gx


def _cross_entropy_vjp(
    g: Tensor, out: Tensor, x: Tensor, target: Tensor, *weight: Tensor, **attrs: Any
) -> tuple:
    # No gradient for the class weights, as in PyTorch.
    gx = apply(_cross_entropy_backward, g, x, target, *weight, **attrs) if x.requires_grad else None
    return (gx, None, *(None for _ in weight))


def _cross_entropy_backward_rule(
    g: Tensor, x: Tensor, target: Tensor, *weight: Tensor, ignore_index: int, reduction: str
) -> tuple:
    shape, dtype = _cross_entropy_rule(
        x, target, *weight, ignore_index=ignore_index, reduction=reduction
    )
    check(
        g.shape == shape, "gradient of shape {} does not match the loss's shape {}", g.shape, shape
    )
    check_dtype(g.dtype is dtype, "gradient of dtype {} for a loss of dtype {}", g.dtype, dtype)
    return x.shape, x.dtype


def _cross_entropy_backward_vjp(
    u: Tensor,
    gx: Tensor,
    g: Tensor,
    x: Tensor,
    target: Tensor,
    *weight: Tensor,
    ignore_index: int,
    reduction: str,
) -> tuple:
    # gx = (softmax(x) - onehot) * c * g per sample, with c each target's weight (over their
    # sum for "mean"): linear in g, and in x through softmax only.
    class_dim = _class_dim(x)
    kept = target != ignore_index
    safe = where(kept, target, 0)
    c = where(kept, weight[0][safe], 0.0) if weight else to_dtype(kept, x.dtype)
    if reduction == "mean":
        total = _sum(c)
        c = c / where(total == 0, 1.0, total)
    probabilities = softmax(x, class_dim)
    gg = None
    if g.requires_grad:
        classes = reshape(arange(x.shape[class_dim]), (-1,) + (1,) * (x.ndim - class_dim - 1))
        onehot = to_dtype(eq(unsqueeze(safe, class_dim), classes), x.dtype)
        per_target = _sum(u * (probabilities - onehot), class_dim) * c
        gg = per_target if reduction == "none" else _sum(per_target)
    g_x = None
    if x.requires_grad:
        scale = unsqueeze(c * g, class_dim)
        g_x = apply(_softmax_backward, u * scale, probabilities, dim=class_dim)
    return (gg, g_x, None, *(None for _ in weight))


_cross_entropy = register(
    OpRecord("cross_entropy", _cross_entropy_forward, _cross_entropy_vjp, _cross_entropy_rule)
)

# The gradient of cross_entropy in its scores, given the loss's gradient ``g``.
_cross_entropy_backward = register(
    OpRecord(
        "cross_entropy_backward",
        _cross_entropy_backward_forward,
        _cross_entropy_backward_vjp,
        _cross_entropy_backward_rule,
    )
)


# ----------------------------------------------------------------------- gelu
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_CUBIC = 0.044715  # the tanh form's coefficient, as PyTorch's

# Phi(x) = (1 + tanh(x R(x^2))) / 2 for |x| <= _CDF_CLAMP, with R the polynomial below
# (lowest degree first): the tanh form of GELU, R = sqrt(2/pi) (1 + 0.044715 x^2), carried
# on to degree 6. The coefficients are a weighted least-squares fit (Lawson's iteration)
# of atanh(erf(x / sqrt(2))) / x; evaluated in float32, Phi is within 1.1e-7 of the
# float64 CDF. At the clamp tanh is exactly +-1 in float32, so Phi is exactly 0 or 1
# beyond it (and gelu of a large negative input exactly 0, as PyTorch's).
_CDF_CLAMP = 6.0
_CDF_TANH = (
    7.978849797e-01,
    3.633288311e-02,
    -3.233695308e-05,
    -5.542729369e-05,
    3.988476626e-06,
    -1.342014952e-07,
    1.809655708e-09,
)


def _horner(s: Any, coefficients: tuple[float, ...]) -> Any:
    """The polynomial with ``coefficients`` (lowest degree first) at ``s``, in place."""
    out = s * coefficients[-1]
    out += coefficients[-2]
    for a in reversed(coefficients[:-2]):
        out *= s
        out += a
    return out


def _normal_cdf(xp: Any, x: Any) -> Any:
    """``Phi(x)``, the standard normal CDF, as a new array of ``x``'s dtype.

    SciPy's erf runs at about 17 ns an element, ten times a float32 pass of NumPy
    arithmetic: float32 (and narrower) inputs take the approximation above, in float32;
    float64 keeps the exact erf.
    """
    if x.dtype.itemsize > 4:
        out = _erf_kernel(xp, x * _SQRT_HALF)
        out += 1.0
        out *= 0.5
        return out
    z = xp.clip(x.astype(xp.float32, copy=False), -_CDF_CLAMP, _CDF_CLAMP)
    out = _horner(z * z, _CDF_TANH)
    out *= z
    xp.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out.astype(x.dtype, copy=False)


def _tanh_inner(x: Any) -> Any:
    """``sqrt(2/pi) * (x + 0.044715 x^3)``, the tanh form's argument."""
    inner = x * x
    inner *= _SQRT_2_OVER_PI * _CUBIC
    inner += _SQRT_2_OVER_PI
    inner *= x
    return inner


# Elements per block of the GELU kernels. Each takes a dozen or more passes over its
# data; on blocks that fit, with their temporaries, in a core's L2 cache, those passes
# stop waiting on memory, which makes the kernels several times faster on large inputs
# (and far more so while other processes share the memory bus).
_BLOCK = 1 << 16


def _blockwise(xp: Any, kernel: Any, *arrays: Any) -> Any:
    """``kernel`` applied to aligned 1-d blocks of ``arrays`` (same shape), reassembled.

    The kernels work in place on 1-d arrays: NumPy makes scalars, not arrays, of 0-d ones.
    """
    shape = arrays[0].shape
    flat = [a.reshape(-1) for a in arrays]
    size = flat[0].size
    if size <= _BLOCK:
        return kernel(*flat).reshape(shape)
    out = xp.empty(size, dtype=flat[-1].dtype)
    for start in range(0, size, _BLOCK):
        out[start : start + _BLOCK] = kernel(*[f[start : start + _BLOCK] for f in flat])
    return out.reshape(shape)


def _gelu_forward(xp: Any, x: Any, *, approximate: str) -> Any:
    def kernel(x: Any) -> Any:
        if approximate == "tanh":
            out = _tanh_inner(x)
            xp.tanh(out, out=out)
            out += 1.0
            out *= 0.5
        else:
            out = _normal_cdf(xp, x)
        out *= x
        return out

    return _blockwise(xp, kernel, x)


# Below this magnitude out / x no longer recovers Phi(x) (out may be subnormal); Phi is
# 1/2 there to far better than float precision.
_TINY = 1e-30


def _gelu_backward_forward(xp: Any, g: Any, x: Any, out: Any, *, approximate: str) -> Any:
    # gelu'(x) = Phi + x phi(x) (erf form) and 0.5 (1 + t) + 0.5 x (1 - t^2) u' (tanh form).
    # The output gives Phi = out / x for a few passes instead of the dozens a fresh
    # evaluation takes. The tanh form evaluates t afresh: recovered from the output, its
    # rounding near t = -1 would be amplified by 1 - t^2.
    def kernel(g: Any, x: Any, out: Any) -> Any:
        slope = x * x
        if approximate == "tanh":
            t = _tanh_inner(x)
            xp.tanh(t, out=t)
            slope *= 3.0 * _SQRT_2_OVER_PI * _CUBIC
            slope += _SQRT_2_OVER_PI
            slope *= x
            slope *= 1.0 - t * t
            t += 1.0
            slope += t
            slope *= 0.5
        else:
            slope *= -0.5
            xp.exp(slope, out=slope)
            slope *= x
            slope *= _INV_SQRT_2PI
            cdf = xp.full_like(x, 0.5)
            xp.divide(out, x, out=cdf, where=xp.abs(x) > _TINY)
            slope += cdf
        slope *= g
        return slope

    return _blockwise(xp, kernel, g, x, out)


def _gelu_second(x: Tensor, approximate: str) -> Tensor:
    """``gelu''(x)`` in Ember ops, for the VJP of ``gelu_backward``."""
    if approximate == "tanh":
        square = x * x
        t = tanh(_SQRT_2_OVER_PI * x * (1.0 + _CUBIC * square))
        slope = _SQRT_2_OVER_PI * (1.0 + (3.0 * _CUBIC) * square)
        curvature = (6.0 * _SQRT_2_OVER_PI * _CUBIC) * x
        return (1.0 - t * t) * (slope + 0.5 * x * (curvature - 2.0 * t * slope * slope))
    square = x * x
    return (_INV_SQRT_2PI * exp(-0.5 * square)) * (2.0 - square)


def _gelu_backward_vjp(
    gg: Tensor, f: Tensor, g: Tensor, x: Tensor, out: Tensor, *, approximate: str
) -> tuple:
    # gelu_backward is linear in g: its adjoint in g is itself. ``out`` is gelu(x), a
    # shortcut for the kernel: the x-gradient below is the whole derivative through it.
    gg_g = None
    if g.requires_grad:
        gg_g = apply(_gelu_backward, gg, x, out, approximate=approximate)
    gg_x = gg * g * _gelu_second(x, approximate) if x.requires_grad else None
    return gg_g, gg_x, None


def _gelu_backward_rule(g: Tensor, x: Tensor, out: Tensor, *, approximate: str) -> tuple:
    for name, t in (("gradient", g), ("output", out)):
        check_same_dtype(x, t, name)
        check(
            t.shape == x.shape,
            "{} of shape {} does not match input of shape {}",
            name,
            t.shape,
            x.shape,
        )
    return unary_float_rule(x)


_gelu = register(
    OpRecord(
        name="gelu",
        forward=_gelu_forward,
        vjp=lambda g, out, x, *, approximate: (
            apply(_gelu_backward, g, x, out, approximate=approximate),
        ),
        shape_rule=unary_float_rule,
    )
)

_gelu_backward = register(
    OpRecord(
        name="gelu_backward",
        forward=_gelu_backward_forward,
        vjp=_gelu_backward_vjp,
        shape_rule=_gelu_backward_rule,
    )
)


bind_methods(softmax=softmax, log_softmax=log_softmax)
