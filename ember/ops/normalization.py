"""Layer normalization as fused records: ``layer_norm`` and its two adjoints.

Written as a composite over ``batch_norm`` (each row a channel), layer norm spends a
dozen full-size ops per call, forward and backward. Here the forward is one kernel,
and its VJP is two (the input's gradient and the weight's) and one sum (the bias's):

- ``layer_norm_backward(g, x, weight)``, the input's gradient: with ``h = g * weight``,
  ``s * (h - mean(h) - xhat * mean(h * xhat))`` per row, where ``s = 1 / sqrt(var +
  eps)``. It is linear in ``h`` and self-adjoint there.
- ``layer_norm_weight_backward(g, x)``, the weight's: ``g * xhat`` summed over rows.

Their own VJPs are written in Ember ops (through each other), so every order of
derivative works.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ember.creation import ones, zeros
from ember.ops.dispatch import (
    OpRecord,
    apply,
    check,
    check_dtype,
    check_same_dtype,
    op_error,
    register,
)
from ember.ops.elementwise import rsqrt
from ember.ops.reduce import mean as _mean
from ember.ops.reduce import sum as _sum
from ember.ops.shape import reshape
from ember.tensor import Tensor

__all__ = ["layer_norm"]

# About this many elements (whole rows) per block: a block and its temporaries stay in a
# core's L2 cache, so the kernels' several passes over it do not wait on memory.
_BLOCK = 1 << 16


def _features(normalized_shape: tuple[int, ...]) -> int:
    return math.prod(normalized_shape)


def _check_input(x: Tensor, normalized_shape: tuple[int, ...]) -> None:
    check_dtype(x.data.dtype.kind == "f", "expected a floating input, got {}", x.dtype)
    count = len(normalized_shape)
    check(
        count > 0 and x.ndim >= count and x.shape[x.ndim - count :] == normalized_shape,
        "input of shape {} does not end in normalized_shape {}",
        x.shape,
        normalized_shape,
    )


def _check_parameters(x: Tensor, normalized_shape: tuple, names: tuple, params: tuple) -> None:
    for name, t in zip(names, params, strict=False):
        check_same_dtype(x, t, name)
        check(
            t.shape == normalized_shape,
            "{} of shape {} does not match normalized_shape {}",
            name,
            t.shape,
            normalized_shape,
        )


def _layer_norm_rule(x: Tensor, *affine: Tensor, normalized_shape: tuple, eps: float) -> tuple:
    _check_input(x, normalized_shape)
    _check_parameters(x, normalized_shape, ("weight", "bias"), affine)
    return x.shape, x.dtype


class _Rows:
    """A ``(rows, features)`` view of an array and its cache-sized blocks of whole rows.

    Row sums run as matrix-vector products: BLAS makes them several times faster than
    NumPy's reductions over a short last axis.
    """

    def __init__(self, xp: Any, x: Any, normalized_shape: tuple) -> None:
        features = _features(normalized_shape)
        self.data = x.reshape(-1, features)
        self.averager = xp.full(features, 1.0 / max(features, 1), dtype=self.data.dtype)
        step = max(_BLOCK // max(features, 1), 1)
        self.blocks = [slice(i, i + step) for i in range(0, self.data.shape[0], step)]

    def mean(self, block: Any) -> Any:
        return (block @ self.averager)[:, None]

    def normalized(self, xp: Any, block: Any, eps: float, out: Any = None) -> tuple[Any, Any]:
        """``(xhat, s)``: the rows centred and scaled (into ``out`` if given), and
        ``s = 1 / sqrt(var + eps)``."""
        xhat = xp.subtract(block, self.mean(block), out=out)
        scale = xp.vecdot(xhat, xhat)
        scale *= self.averager[0]
        scale += eps
        xp.sqrt(scale, out=scale)
        xp.reciprocal(scale, out=scale)
        scale = scale[:, None]
        xhat *= scale
        return xhat, scale


def _layer_norm_forward(xp: Any, x: Any, *affine: Any, normalized_shape: tuple, eps: float) -> Any:
    rows = _Rows(xp, x, normalized_shape)
    out = xp.empty_like(rows.data)
    for block in rows.blocks:
        xhat, _ = rows.normalized(xp, rows.data[block], eps, out[block])
        if affine:
            xhat *= affine[0].reshape(-1)
            xhat += affine[1].reshape(-1)
    return out.reshape(x.shape)


def _layer_norm_vjp(
    g: Tensor, out: Tensor, x: Tensor, *affine: Tensor, normalized_shape: tuple, eps: float
) -> tuple:
    attrs = {"normalized_shape": normalized_shape, "eps": eps}
    gx = apply(_layer_norm_backward, g, x, *affine[:1], **attrs) if x.requires_grad else None
    if not affine:
        return (gx,)
    weight, bias = affine
    gw = apply(_layer_norm_weight_backward, g, x, **attrs) if weight.requires_grad else None
    gb = _over_rows(g, normalized_shape) if bias.requires_grad else None
    return gx, gw, gb


def _over_rows(t: Tensor, normalized_shape: tuple) -> Tensor:
    """``t`` summed over its leading dims, down to ``normalized_shape``."""
    lead = tuple(range(t.ndim - len(normalized_shape)))
    return _sum(t, lead) if lead else t


_layer_norm = register(
    OpRecord("layer_norm", _layer_norm_forward, _layer_norm_vjp, _layer_norm_rule)
)


# -------------------------------------------------------------- the adjoint
def _layer_norm_backward_rule(
    g: Tensor, x: Tensor, *weight: Tensor, normalized_shape: tuple, eps: float
) -> tuple:
    _check_input(x, normalized_shape)
    check_same_dtype(x, g, "gradient")
    check(
        g.shape == x.shape,
        "gradient of shape {} does not match input of shape {}",
        g.shape,
        x.shape,
    )
    _check_parameters(x, normalized_shape, ("weight",), weight)
    return x.shape, x.dtype


def _layer_norm_backward_forward(
    xp: Any, g: Any, x: Any, *weight: Any, normalized_shape: tuple, eps: float
) -> Any:
    rows = _Rows(xp, x, normalized_shape)
    grads = g.reshape(rows.data.shape)
    out = xp.empty_like(rows.data)
    for block in rows.blocks:
        xhat, scale = rows.normalized(xp, rows.data[block], eps)
        h = grads[block] * weight[0].reshape(-1) if weight else grads[block]
        projection = xp.vecdot(h, xhat)
        projection *= rows.averager[0]
        gx = out[block]
        xp.multiply(xhat, projection[:, None], out=gx)
        xp.subtract(h, gx, out=gx)
        gx -= rows.mean(h)
        gx *= scale
    return out.reshape(x.shape)


def _layer_norm_backward_vjp(
    u: Tensor,
    out: Tensor,
    g: Tensor,
    x: Tensor,
    *weight: Tensor,
    normalized_shape: tuple,
    eps: float,
) -> tuple:
    # out = B(h, x) with h = g * weight, and B is linear and self-adjoint in h:
    # <u, B(h, x)> = <B(u, x), h>, which gives the gradients in g and in weight.
    attrs = {"normalized_shape": normalized_shape, "eps": eps}
    needs_bu = g.requires_grad or (weight and weight[0].requires_grad)
    bu = apply(_layer_norm_backward, u, x, **attrs) if needs_bu else None
    grads: list = [None, None]
    if g.requires_grad:
        grads[0] = bu * weight[0] if weight else bu
    if weight:
        gw = bu * g if weight[0].requires_grad else None
        grads.append(None if gw is None else _over_rows(gw, normalized_shape))
    if x.requires_grad:
        h = g * weight[0] if weight else g
        grads[1] = _input_curvature(u, h, x, normalized_shape, eps)
    return tuple(grads)


def _input_curvature(
    u: Tensor, h: Tensor, x: Tensor, normalized_shape: tuple, eps: float
) -> Tensor:
    """The x-derivative of ``<u, B(h, x)>``, in Ember ops.

    With row means ``m_h``, ``m_u``, ``p = mean(h xhat)``, ``q = mean(u xhat)`` and
    ``r = mean(u h)``, it is ``-s^2 ((r - m_h m_u - 3 p q) xhat + q (h - m_h) + p (u - m_u))``.
    """
    shape = (-1, _features(normalized_shape))
    rows, h2, u2 = reshape(x, shape), reshape(h, shape), reshape(u, shape)
    centered = rows - _mean(rows, 1, keepdim=True)
    inverse_std = rsqrt(_mean(centered * centered, 1, keepdim=True) + eps)
    xhat = centered * inverse_std
    m_h, m_u = _mean(h2, 1, keepdim=True), _mean(u2, 1, keepdim=True)
    p, q = _mean(h2 * xhat, 1, keepdim=True), _mean(u2 * xhat, 1, keepdim=True)
    r = _mean(u2 * h2, 1, keepdim=True)
    inner = (r - m_h * m_u - 3.0 * p * q) * xhat + q * (h2 - m_h) + p * (u2 - m_u)
    return reshape(-(inverse_std * inverse_std) * inner, x.shape)


_layer_norm_backward = register(
    OpRecord(
        "layer_norm_backward",
        _layer_norm_backward_forward,
        _layer_norm_backward_vjp,
        _layer_norm_backward_rule,
    )
)


# ------------------------------------------------------ the weight's gradient
def _layer_norm_weight_backward_rule(
    g: Tensor, x: Tensor, *, normalized_shape: tuple, eps: float
) -> tuple:
    _layer_norm_backward_rule(g, x, normalized_shape=normalized_shape, eps=eps)
    return normalized_shape, x.dtype


def _layer_norm_weight_backward_forward(
    xp: Any, g: Any, x: Any, *, normalized_shape: tuple, eps: float
) -> Any:
    # sum over rows of g * xhat, with xhat computed here rather than by a second forward.
    rows = _Rows(xp, x, normalized_shape)
    grads = g.reshape(rows.data.shape)
    out = xp.zeros(rows.data.shape[1], dtype=x.dtype)
    for block in rows.blocks:
        xhat, _ = rows.normalized(xp, rows.data[block], eps)
        xhat *= grads[block]
        out += xp.ones(xhat.shape[0], dtype=x.dtype) @ xhat
    return out.reshape(normalized_shape)


def _layer_norm_weight_backward_vjp(
    u: Tensor, out: Tensor, g: Tensor, x: Tensor, *, normalized_shape: tuple, eps: float
) -> tuple:
    # <u, sum_rows g * xhat(x)> = sum_rows <g * u, xhat(x)>: in g, u * xhat; in x, the
    # adjoint of the normalization at g * u.
    attrs = {"normalized_shape": normalized_shape, "eps": eps}
    gg = u * apply(_layer_norm, x, **attrs) if g.requires_grad else None
    gx = apply(_layer_norm_backward, g * u, x, **attrs) if x.requires_grad else None
    return gg, gx


# The gradient of layer_norm in its weight, ``sum over rows of g * xhat``.
_layer_norm_weight_backward = register(
    OpRecord(
        "layer_norm_weight_backward",
        _layer_norm_weight_backward_forward,
        _layer_norm_weight_backward_vjp,
        _layer_norm_weight_backward_rule,
    )
)


def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize over the trailing ``normalized_shape`` dimensions, as ``F.layer_norm``.

    Each slice over those dimensions gets zero mean and unit (biased) variance, then
    ``weight`` and ``bias`` apply elementwise.

    Args:
        input: ``(*, *normalized_shape)``, floating.
        normalized_shape: the trailing shape to normalize over.
        weight, bias: optional elementwise affine parameters of ``normalized_shape``.
        eps: added to the variance for stability.

    Raises:
        ShapeError: if ``input`` does not end in ``normalized_shape``, or ``weight`` or
            ``bias`` is not of that shape.

    >>> import ember
    >>> layer_norm(ember.tensor([[1.0, 3.0], [0.0, 4.0]]), [2], eps=0.0).tolist()
    [[-1.0, 1.0], [-1.0, 1.0]]
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if not shape or input.ndim < len(shape) or input.shape[input.ndim - len(shape) :] != shape:
        raise op_error(
            "layer_norm",
            f"normalized_shape={list(shape)} expects an input of shape (*, "
            f"{', '.join(map(str, shape))}), got {input.shape}",
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != shape:
            raise op_error(
                "layer_norm", f"{name} of shape {t.shape} does not match the expected shape {shape}"
            )
    if weight is None and bias is None:
        return apply(_layer_norm, input, normalized_shape=shape, eps=eps)
    # One kernel serves both affine parts: a missing one is its identity.
    weight = ones(*shape, dtype=input.dtype) if weight is None else weight
    bias = zeros(*shape, dtype=input.dtype) if bias is None else bias
    return apply(_layer_norm, input, weight, bias, normalized_shape=shape, eps=eps)
