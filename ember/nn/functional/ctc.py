"""Connectionist temporal classification loss (``torch.nn.functional.ctc_loss``).

The forward variables are computed in log space by a recursion over time that
is vectorized over the batch and the label positions; autograd differentiates
through it, which gives the exact gradient of the loss.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy

from ember.errors import DTypeError
from ember.nn.functional.losses import _NEG_INF, _check_reduction
from ember.ops.dispatch import composite, op_error
from ember.ops.elementwise import exp, isfinite, log, maximum, where
from ember.ops.index import gather
from ember.ops.reduce import mean
from ember.ops.reduce import sum as _sum
from ember.ops.shape import cat, reshape, unsqueeze
from ember.tensor import Tensor

__all__ = ["ctc_loss"]


def _lengths(
    op: str, name: str, lengths: Tensor | Sequence[int] | int, batch: int
) -> numpy.ndarray:
    """One non-negative integer length per batch item, as a host array."""
    values = numpy.asarray(lengths.data if isinstance(lengths, Tensor) else lengths)
    if values.size and values.dtype.kind not in "iu":
        raise op_error(op, f"{name} must be integers, got {values.dtype}", DTypeError)
    values = values.reshape(-1).astype(numpy.int64)
    if values.shape != (batch,):
        raise op_error(op, f"{name} holds {values.size} lengths; the batch has {batch} sequences")
    if values.size and values.min() < 0:
        raise op_error(op, f"{name} must not be negative, got {int(values.min())}")
    return values


def _padded_labels(
    op: str, targets: Tensor, lengths: numpy.ndarray, classes: int, blank: int
) -> numpy.ndarray:
    """The labels as an ``(N, S)`` host array, from padded or concatenated ``targets``;
    past each target's length the label is ``blank``."""
    data = targets.data
    if data.dtype.kind not in "iu":
        raise op_error(op, f"targets must be integer labels, got {targets.dtype}", DTypeError)
    batch = lengths.shape[0]
    longest = int(lengths.max()) if batch else 0
    in_target = numpy.arange(longest) < lengths[:, None]
    if data.ndim == 2 and data.shape[0] == batch and data.shape[1] >= longest:
        labels = numpy.where(in_target, data[:, :longest], blank)
    elif data.ndim == 1 and data.shape[0] == lengths.sum():
        labels = numpy.full((batch, longest), blank, dtype=numpy.int64)
        labels[in_target] = data
    else:
        raise op_error(
            op,
            f"targets of shape {targets.shape} must be padded ({batch}, S) with "
            f"S >= {longest}, or concatenated ({int(lengths.sum())},) for target_lengths "
            f"{lengths.tolist()}",
        )
    used = labels[in_target]
    if used.size and (used.min() < 0 or used.max() >= classes):
        bad = int(used.min()) if used.min() < 0 else int(used.max())
        raise op_error(op, f"target label {bad} is out of bounds for {classes} classes")
    return labels.astype(numpy.int64)


def _log_add(*terms: Tensor) -> Tensor:
    """``log(sum(exp(terms)))`` elementwise, with ``-inf`` wherever every term is ``-inf``.

    States that no alignment reaches are ``-inf``; they are shifted by 0 and their sum
    replaced by 1 before the log, so that their (zero) gradients stay finite.
    """
    top = terms[0].detach()
    for term in terms[1:]:
        top = maximum(top, term.detach())
    reached = isfinite(top)
    shift = where(reached, top, 0.0)
    total = exp(terms[0] - shift)
    for term in terms[1:]:
        total = total + exp(term - shift)
    return where(reached, log(where(reached, total, 1.0)) + shift, _NEG_INF)


@composite
def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Tensor | Sequence[int] | int,
    target_lengths: Tensor | Sequence[int] | int,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """Connectionist temporal classification loss: ``-log`` of the total probability of
    every alignment of each target to its input, as ``torch.nn.functional.ctc_loss``.

    Args:
        log_probs: log-probabilities of shape ``(T, N, C)`` (or ``(T, C)`` unbatched),
            usually ``log_softmax`` outputs.
        targets: labels padded to ``(N, S)``, or all targets concatenated to one 1-D
            tensor (``(S,)`` when unbatched). Labels lie in ``[0, C)``.
        input_lengths: the length of each input, at most ``T``.
        target_lengths: the length of each target.
        blank: the blank label.
        reduction: ``"mean"`` divides each loss by its target length, then averages.
        zero_infinity: replace the infinite loss of an impossible alignment (and its
            gradient) by zero.

    The forward variables are computed in log space over all sequences and label
    positions at once, one time step at a time; autograd differentiates through them,
    so the gradient is the exact one. PyTorch's kernel returns the gradient as if
    ``log_probs`` came from ``log_softmax``; the two agree once it has passed through
    ``log_softmax``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> log_probs = ember.zeros(3, 1, 2).log_softmax(2)  # two classes, each 1/2
    >>> loss = F.ctc_loss(log_probs, ember.tensor([[1]]), [3], [1], reduction="sum")
    >>> round(loss.exp().item(), 4)  # 6 of the 8 paths collapse to the target
    1.3333
    """
    op = "ctc_loss"
    _check_reduction(op, reduction)
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = unsqueeze(log_probs, 1)
        if targets.ndim == 1:
            targets = unsqueeze(targets, 0)
    if log_probs.ndim != 3:
        raise op_error(op, f"log_probs must have shape (T, N, C) or (T, C), got {log_probs.shape}")
    steps, batch, classes = log_probs.shape
    if not 0 <= blank < classes:
        raise op_error(op, f"blank {blank} is out of range for {classes} classes")
    input_lens = _lengths(op, "input_lengths", input_lengths, batch)
    target_lens = _lengths(op, "target_lengths", target_lengths, batch)
    if input_lens.size and input_lens.max() > steps:
        raise op_error(
            op,
            f"input_lengths must be at most T = {steps} (log_probs of shape "
            f"{log_probs.shape}), got {int(input_lens.max())}",
        )
    labels = _padded_labels(op, targets, target_lens, classes, blank)
    extended, can_skip = _extended_labels(labels, blank)
    alpha = _forward_variables(log_probs, extended, can_skip, input_lens)
    ends = 2 * target_lens[:, None]
    final_blank = gather(alpha, 1, Tensor(ends))
    final_label = gather(alpha, 1, Tensor(numpy.maximum(ends - 1, 0)))
    final_label = where(Tensor(target_lens[:, None] > 0), final_label, _NEG_INF)
    loss = -reshape(_log_add(final_blank, final_label), (batch,))
    if zero_infinity:
        loss = where(loss == math.inf, 0.0, loss)
    if reduction == "mean":
        divisors = numpy.maximum(target_lens, 1).astype(log_probs.data.dtype)
        return mean(loss / Tensor(divisors))
    if reduction == "sum":
        return _sum(loss)
    return reshape(loss, ()) if unbatched else loss


def _extended_labels(labels: numpy.ndarray, blank: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Each target with blanks around every label, ``(N, 2S + 1)``, and where an
    alignment may jump two positions (onto a label that differs from the one before the
    blank in between)."""
    batch, longest = labels.shape
    extended = numpy.full((batch, 2 * longest + 1), blank, dtype=numpy.int64)
    extended[:, 1::2] = labels
    can_skip = numpy.zeros(extended.shape, dtype=bool)
    can_skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    return extended, can_skip


def _forward_variables(
    log_probs: Tensor, extended: numpy.ndarray, can_skip: numpy.ndarray, input_lens: numpy.ndarray
) -> Tensor:
    """``alpha[n, s]``: the log-probability of all prefixes of alignments of sequence
    ``n`` that end in extended position ``s`` at its last input step."""
    batch, positions = extended.shape
    steps = int(input_lens.max()) if batch else 0
    # A virtual step before the first one, with all mass on the leading blank, lets
    # every real step (even the first) follow the same recursion.
    start = numpy.full((batch, positions), _NEG_INF, dtype=log_probs.data.dtype)
    start[:, 0] = 0.0
    alpha = Tensor(start)
    if steps == 0:
        return alpha
    index = numpy.broadcast_to(extended, (steps, batch, positions))
    emissions = gather(log_probs, 2, Tensor(numpy.ascontiguousarray(index)))
    skip = Tensor(can_skip) if can_skip.any() else None
    ragged = bool((input_lens != steps).any())
    running = numpy.arange(steps)[:, None, None] < input_lens[None, :, None]
    # Two unreachable states in front of position 0 turn the shifts of alpha by one and
    # two positions into slices (cheaper than padding, forward and backward).
    edge = Tensor(numpy.full((batch, 2), _NEG_INF, dtype=log_probs.data.dtype))
    for t in range(steps):
        shifted = cat([edge, alpha], 1)
        step = shifted[:, 1:-1]
        if skip is None:
            new = _log_add(alpha, step)
        else:
            new = _log_add(alpha, step, where(skip, shifted[:, :-2], _NEG_INF))
        new = new + emissions[t]
        # Sequences whose input has ended keep their last forward variables.
        alpha = where(Tensor(running[t]), new, alpha) if ragged else new
    return alpha
