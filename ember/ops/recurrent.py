"""Fused recurrences: the whole time loop of an LSTM layer as one record.

``lstm_scan`` takes the input's part of the gates for every step (one GEMM over the whole
sequence, done by the caller) and runs the recurrence: one GEMM and a few in-place NumPy
passes per step, with no op dispatch and no graph node per step. Its one output is a flat
buffer holding every step's ``h``, ``c`` and activated gates (``_forward_layout``), so that
backward reads the gates instead of recomputing them; the public function returns views of
``h`` and ``c``.

Backward through time is the record ``lstm_scan_backward``: one NumPy loop that gives, per
step, the gradients of the gates, of ``h`` and of ``c``; the VJP of ``lstm_scan`` turns
them into the inputs' gradients with a few Ember ops (the weight gradient is one GEMM over
all steps). When backward records a graph (``create_graph=True``), the same loop runs in
Ember ops instead, reading the gates from ``lstm_scan``'s output, so that gradients of
gradients work; ``lstm_scan_backward`` itself has no derivative.
"""

from __future__ import annotations

import math
from typing import Any

from ember.creation import ones, zeros
from ember.errors import GraphError
from ember.ops.dispatch import (
    STATE,
    OpRecord,
    apply,
    check,
    check_dtype,
    check_same_dtype,
    op_error,
    register,
)
from ember.ops.elementwise import tanh
from ember.ops.linalg import matmul
from ember.ops.shape import cat, permute, reshape
from ember.tensor import Tensor

__all__ = ["lstm_scan"]


def _sizes(gates: Any, h0: Any, c0: Any) -> tuple[int, int, int, int]:
    """``(steps, batch, hidden, out_size)``: ``out_size`` is ``h``'s (``proj_size`` or
    ``hidden``)."""
    steps, batch = gates.shape[:2]
    return steps, batch, c0.shape[-1], h0.shape[-1]


def _blocks(flat: Any, shapes: tuple[tuple[int, ...], ...]) -> list:
    """``flat`` (an array or a Tensor) cut into consecutive blocks of ``shapes``, as views."""
    parts, start = [], 0
    for shape in shapes:
        size = math.prod(shape)
        parts.append(flat[start : start + size].reshape(shape))
        start += size
    return parts


def _forward_layout(steps: int, batch: int, hidden: int, out_size: int) -> tuple:
    """The shapes of ``lstm_scan``'s output blocks: every step's ``h``, ``c`` and gates.

    Each block is contiguous, and so is each step's slice of it: NumPy's binary ops run
    several times faster on contiguous operands than on rows strided through a wider array.
    The gates are stored gate-major, ``(L, 4, N, H)``, for the same reason.
    """
    return (steps, batch, out_size), (steps, batch, hidden), (steps, 4, batch, hidden)


def _backward_layout(steps: int, batch: int, hidden: int, out_size: int) -> tuple:
    """The shapes of ``lstm_scan_backward``'s output blocks: the gradients of every step's
    gates, ``h`` and ``c``."""
    return (steps, batch, 4 * hidden), (steps, batch, out_size), (steps, batch, hidden)


def _lstm_scan_rule(
    gates: Tensor, h0: Tensor, c0: Tensor, weight_hh: Tensor, *weight_hr: Tensor, reverse: bool
) -> tuple:
    check_dtype(gates.dtype.is_floating_point, "expected a floating input, got {}", gates.dtype)
    named = [("h0", h0), ("c0", c0), ("weight_hh", weight_hh)]
    for name, t in named + [("weight_hr", w) for w in weight_hr]:
        check_same_dtype(gates, t, name)
    check(gates.ndim == 3, "input must be 3-D (L, N, 4 * hidden_size), got {}", gates.shape)
    check(c0.ndim == 2, "c0 must be 2-D (N, hidden_size), got {}", c0.shape)
    check(h0.ndim == 2, "h0 must be 2-D (N, H_out), got {}", h0.shape)
    steps, batch, hidden, out_size = _sizes(gates, h0, c0)
    check(
        gates.shape[2] == 4 * hidden and c0.shape[0] == batch,
        "input of shape {} does not match c0 of shape {}: expected (L, {}, {})",
        gates.shape,
        c0.shape,
        c0.shape[0],
        4 * hidden,
    )
    if weight_hr:
        check(
            weight_hr[0].ndim == 2 and weight_hr[0].shape[1] == hidden,
            "weight_hr of shape {} does not match hidden_size {}: expected (proj_size, {})",
            weight_hr[0].shape,
            hidden,
            hidden,
        )
    expected_out = weight_hr[0].shape[0] if weight_hr else hidden
    check(
        h0.shape == (batch, expected_out),
        "h0 of shape {} does not match: expected ({}, {})",
        h0.shape,
        batch,
        expected_out,
    )
    check(
        weight_hh.shape == (4 * hidden, out_size),
        "weight_hh of shape {} does not match: expected ({}, {})",
        weight_hh.shape,
        4 * hidden,
        out_size,
    )
    return (steps * batch * (out_size + 5 * hidden),), gates.dtype


def _gate_constants(xp: Any, dtype: Any) -> tuple[Any, Any]:
    """Per-gate ``scale`` and ``shift``, shaped ``(4, 1, 1)``, such that
    ``tanh(z * scale) * scale + shift`` is ``sigmoid(z)`` on the ``i, f, o`` gates and
    ``tanh(z)`` on ``g``.

    ``sigmoid(z) = (tanh(z / 2) + 1) / 2``: one ``tanh`` pass over all four gates costs less
    than three sigmoids and a tanh, and halving is exact in floating point.
    """
    scale = xp.asarray([0.5, 0.5, 1.0, 0.5], dtype=dtype).reshape(4, 1, 1)
    return scale, scale * (scale != 1.0)


def _lstm_scan_forward(
    xp: Any, gates: Any, h0: Any, c0: Any, weight_hh: Any, *weight_hr: Any, reverse: bool
) -> Any:
    steps, batch, hidden, out_size = _sizes(gates, h0, c0)
    out = xp.empty(steps * batch * (out_size + 5 * hidden), dtype=gates.dtype)
    h_all, c_all, act_all = _blocks(out, _forward_layout(steps, batch, hidden, out_size))
    scale, shift = _gate_constants(xp, gates.dtype)
    # z comes out of the GEMM with the gates side by side, (N, 4H).
    z_scale = xp.repeat(scale.reshape(4), hidden)
    # A C-contiguous (out_size, 4H) copy is the faster GEMM operand.
    recurrent = xp.ascontiguousarray(weight_hh.T)
    projection = weight_hr[0].T if weight_hr else None
    h, c = h0, c0
    for t in range(steps - 1, -1, -1) if reverse else range(steps):
        z = xp.matmul(h, recurrent)
        z += gates[t]
        z *= z_scale
        act = act_all[t]
        # Gate-major from here on: tanh reads z through a transposed view, a strided read
        # that costs a unary op little, so that the binary ops below run on contiguous gates.
        xp.tanh(z.reshape(batch, 4, hidden).transpose(1, 0, 2), out=act)
        act *= scale
        act += shift
        in_gate, forget, cell_gate, out_gate = act
        c_new = c_all[t]
        xp.multiply(forget, c, out=c_new)
        c_new += in_gate * cell_gate
        h = h_all[t]
        if projection is None:
            xp.tanh(c_new, out=h)
            h *= out_gate
        else:
            r = xp.tanh(c_new)
            r *= out_gate
            xp.matmul(r, projection, out=h)
        c = c_new
    return out


def _lstm_scan_backward_forward(
    xp: Any,
    g: Any,
    out: Any,
    gates: Any,
    h0: Any,
    c0: Any,
    weight_hh: Any,
    *weight_hr: Any,
    reverse: bool,
) -> Any:
    steps, batch, hidden, out_size = _sizes(gates, h0, c0)
    layout = _forward_layout(steps, batch, hidden, out_size)
    _, c_all, act_all = _blocks(out, layout)
    g_h, g_c, g_act = _blocks(g, layout)
    result = xp.empty(out.shape, dtype=out.dtype)
    d_gates, d_h, d_c = _blocks(result, _backward_layout(steps, batch, hidden, out_size))
    scale, _ = _gate_constants(xp, out.dtype)
    # The activations' derivatives from their values: a (1 - a) for a sigmoid and 1 - a^2
    # for tanh are both a (m - a) + (1 - m), with m = 1 on the sigmoid gates.
    mask = (scale != 1.0).astype(out.dtype)
    one_minus_mask = 1 - mask
    # Each step's gate gradients, gate-major like the gates; copied once per step into the
    # (N, 4H) layout of the input.
    dz = xp.empty((4, batch, hidden), dtype=out.dtype)
    # What flows back from the step that ran after this one (None for the last step run).
    later = None
    for t in range(steps) if reverse else range(steps - 1, -1, -1):
        before = t + 1 if reverse else t - 1
        c_prev = c0 if before in (-1, steps) else c_all[before]
        act = act_all[t]
        in_gate, forget, cell_gate, out_gate = act
        dh, dc = d_h[t], d_c[t]
        if later is None:
            dh[...] = g_h[t]
        else:
            xp.matmul(later[0], weight_hh, out=dh)
            dh += g_h[t]
        dr = xp.matmul(dh, weight_hr[0]) if weight_hr else dh
        tanh_c = xp.tanh(c_all[t])
        slope = tanh_c * tanh_c
        xp.subtract(1, slope, out=slope)
        slope *= out_gate
        slope *= dr
        if later is None:
            xp.add(g_c[t], slope, out=dc)
        else:
            xp.multiply(later[1], later[2], out=dc)
            dc += g_c[t]
            dc += slope
        xp.multiply(dc, cell_gate, out=dz[0])
        xp.multiply(dc, c_prev, out=dz[1])
        xp.multiply(dc, in_gate, out=dz[2])
        xp.multiply(dr, tanh_c, out=dz[3])
        dz += g_act[t]
        act_slope = mask - act
        act_slope *= act
        act_slope += one_minus_mask
        dz *= act_slope
        d_gates_t = d_gates[t]
        xp.copyto(d_gates_t.reshape(batch, 4, hidden), dz.transpose(1, 0, 2))
        later = d_gates_t, dc, forget
    return result


def _gate_mask(hidden: int, dtype: Any) -> Tensor:
    """1 on the sigmoid gates ``i, f, o`` and 0 on the tanh gate ``g``."""
    sig = ones(2 * hidden, dtype=dtype)
    return cat([sig, zeros(hidden, dtype=dtype), ones(hidden, dtype=dtype)])


def _interleaved(gate_major: Tensor) -> Tensor:
    """Gates ``(L, 4, N, H)`` as ``(L, N, 4H)``, the layout of ``lstm_scan``'s input."""
    steps, _, batch, hidden = gate_major.shape
    return reshape(permute(gate_major, 0, 2, 1, 3), (steps, batch, 4 * hidden))


def _previous(states: Tensor, first: Tensor, reverse: bool) -> Tensor:
    """Each step's previous state ``(L, N, F)``, in the order the steps ran; ``first`` is
    the initial state ``(1, N, F)``."""
    if states.shape[0] == 1:
        return first
    return cat([states[1:], first]) if reverse else cat([first, states[:-1]])


def _steps_in_ember_ops(
    g: Tensor,
    out: Tensor,
    gates: Tensor,
    h0: Tensor,
    c0: Tensor,
    weight_hh: Tensor,
    *weight_hr: Tensor,
    reverse: bool,
) -> tuple[Tensor, Tensor, Tensor]:
    """``lstm_scan_backward``'s three blocks (the gradients of every step's gates, ``h``
    and ``c``) in Ember ops, so that they can be differentiated again."""
    steps, batch, hidden, out_size = _sizes(gates, h0, c0)
    layout = _forward_layout(steps, batch, hidden, out_size)
    _, c_all, act = _blocks(out, layout)
    g_h, g_c, g_act = _blocks(g, layout)
    act, g_act = _interleaved(act), _interleaved(g_act)
    in_gate, forget, cell_gate, out_gate = (
        act[:, :, k * hidden : (k + 1) * hidden] for k in range(4)
    )
    c_prev = _previous(c_all, reshape(c0, (1, batch, hidden)), reverse)
    tanh_c = tanh(c_all)
    mask = _gate_mask(hidden, gates.dtype)
    slope = act * (mask - act) + (1 - mask)
    # d(gates) = [dc, dc, dc, dr] * coef + g_act * slope, with dr the gradient of o * tanh(c).
    coef = cat([cell_gate, c_prev, in_gate, tanh_c], 2) * slope
    g_act = g_act * slope
    c_slope = out_gate * (1 - tanh_c * tanh_c)
    d_h = d_c = None
    d_zs, d_hs, d_cs = [], [], []
    for t in range(steps) if reverse else range(steps - 1, -1, -1):
        at = slice(t, t + 1)
        dh = g_h[at] if d_h is None else g_h[at] + d_h
        dr = matmul(dh, weight_hr[0]) if weight_hr else dh
        dc = dr * c_slope[at] + g_c[at]
        if d_c is not None:
            dc = dc + d_c
        dz = cat([dc, dc, dc, dr], 2) * coef[at] + g_act[at]
        d_c = dc * forget[at]
        d_h = matmul(dz, weight_hh)
        d_zs.append(dz)
        d_hs.append(dh)
        d_cs.append(dc)
    if reverse:
        return cat(d_zs), cat(d_hs), cat(d_cs)
    return cat(d_zs[::-1]), cat(d_hs[::-1]), cat(d_cs[::-1])


def _lstm_scan_vjp(
    g: Tensor,
    out: Tensor,
    gates: Tensor,
    h0: Tensor,
    c0: Tensor,
    weight_hh: Tensor,
    *weight_hr: Tensor,
    reverse: bool,
) -> tuple:
    steps, batch, hidden, out_size = _sizes(gates, h0, c0)
    inputs = (g, out, gates, h0, c0, weight_hh, *weight_hr)
    if STATE.grad_enabled:
        # create_graph=True: the slower loop of small Ember ops, which records a graph.
        d_gates, d_h, d_c = _steps_in_ember_ops(*inputs, reverse=reverse)
    else:
        packed = apply(_lstm_scan_backward, *inputs, reverse=reverse)
        d_gates, d_h, d_c = _blocks(packed, _backward_layout(steps, batch, hidden, out_size))
    h_all, c_all, act = _blocks(out, _forward_layout(steps, batch, hidden, out_size))
    first = slice(steps - 1, steps) if reverse else slice(0, 1)
    rows = steps * batch
    d_h0 = d_c0 = d_weight_hh = d_weight_hr = None
    if h0.requires_grad:
        d_h0 = reshape(matmul(d_gates[first], weight_hh), (batch, out_size))
    if c0.requires_grad:
        d_c0 = reshape(d_c[first] * act[first, 1], (batch, hidden))
    if weight_hh.requires_grad:
        h_prev = _previous(h_all, reshape(h0, (1, batch, out_size)), reverse)
        # dz^T h lands in the weight's (4H, out_size) layout: a gradient that needs no copy.
        flat_dz = permute(reshape(d_gates, (rows, 4 * hidden)), 1, 0)
        d_weight_hh = matmul(flat_dz, reshape(h_prev, (rows, out_size)))
    if not weight_hr:
        return d_gates, d_h0, d_c0, d_weight_hh
    if weight_hr[0].requires_grad:
        r = act[:, 3] * tanh(c_all)
        flat_dh = permute(reshape(d_h, (rows, out_size)), 1, 0)
        d_weight_hr = matmul(flat_dh, reshape(r, (rows, hidden)))
    return d_gates, d_h0, d_c0, d_weight_hh, d_weight_hr


def _lstm_scan_backward_vjp(g: Tensor, out: Tensor, *inputs: Tensor, reverse: bool) -> tuple:
    raise op_error(
        "lstm_scan_backward",
        "has no derivative of its own: lstm_scan's second derivatives are taken through "
        "Ember ops when backward runs with create_graph=True",
        GraphError,
    )


def _lstm_scan_backward_rule(
    g: Tensor,
    out: Tensor,
    gates: Tensor,
    h0: Tensor,
    c0: Tensor,
    weight_hh: Tensor,
    *weight_hr: Tensor,
    reverse: bool,
) -> tuple:
    shape, dtype = _lstm_scan_rule(gates, h0, c0, weight_hh, *weight_hr, reverse=reverse)
    for name, t in (("grad", g), ("output", out)):
        check(t.shape == shape, "{} of shape {} does not match the scan's {}", name, t.shape, shape)
        check_same_dtype(gates, t, name)
    return shape, dtype


_lstm_scan = register(OpRecord("lstm_scan", _lstm_scan_forward, _lstm_scan_vjp, _lstm_scan_rule))
# lstm_scan's adjoint, given its output: the gradients of every step's gates, h and c (the
# last two including what flows back from later steps), in the blocks of _backward_layout.
_lstm_scan_backward = register(
    OpRecord(
        "lstm_scan_backward",
        _lstm_scan_backward_forward,
        _lstm_scan_backward_vjp,
        _lstm_scan_backward_rule,
    )
)


def lstm_scan(
    input: Tensor,
    h0: Tensor,
    c0: Tensor,
    weight_hh: Tensor,
    weight_hr: Tensor | None = None,
    *,
    reverse: bool = False,
) -> tuple[Tensor, Tensor]:
    """Run an LSTM's recurrence over every step of a sequence, as ``torch.nn.LSTM`` does.

    ``input`` holds the input's part of the gates, ``x_t W_ih^T + b_ih + b_hh``, for every
    step (one GEMM over the sequence). Per step, with gates stacked ``i, f, g, o``::

        i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of  input_t + h W_hh^T
        c' = f * c + i * g
        h' = o * tanh(c')   (then h' W_hr^T when ``weight_hr`` is given)

    Args:
        input: ``(L, N, 4 * hidden_size)``.
        h0: the initial ``h``, ``(N, H_out)``, where ``H_out`` is ``proj_size`` with a
            projection and ``hidden_size`` without.
        c0: the initial ``c``, ``(N, hidden_size)``.
        weight_hh: ``(4 * hidden_size, H_out)``.
        weight_hr: the projection ``(proj_size, hidden_size)``, or None.
        reverse: run from the last step to the first.

    Returns:
        ``(output, cell)``: ``h`` of every step ``(L, N, H_out)`` and ``c`` of every step
        ``(L, N, hidden_size)``, in the input's time order.

    Raises:
        ShapeError: if the shapes do not fit together, naming them.

    >>> import ember
    >>> from ember.ops.recurrent import lstm_scan
    >>> output, cell = lstm_scan(ember.zeros(5, 2, 12), ember.zeros(2, 3), ember.ones(2, 3),
    ...                          ember.zeros(12, 3))
    >>> output.shape, cell.shape
    ((5, 2, 3), (5, 2, 3))
    >>> round(cell[0, 0, 0].item(), 4)  # sigmoid(0) * 1
    0.5
    """
    weights = (weight_hh,) if weight_hr is None else (weight_hh, weight_hr)
    names = ("input", "h0", "c0", "weight_hh", "weight_hr")
    for name, t in zip(names, (input, h0, c0, *weights), strict=False):
        if not isinstance(t, Tensor):
            message = f"{name} must be a Tensor, got {type(t).__name__}"
            raise op_error("lstm_scan", message, TypeError)
    out = apply(_lstm_scan, input, h0, c0, *weights, reverse=bool(reverse))
    steps, batch, hidden, out_size = _sizes(input, h0, c0)
    output, cell = _blocks(out, _forward_layout(steps, batch, hidden, out_size)[:2])
    return output, cell
