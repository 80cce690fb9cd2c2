"""Loss functions with ``torch.nn.functional``'s names, signatures, defaults and reductions.

Each is a composite of Ember ops, so autograd differentiates it to any order; the
common case of ``cross_entropy`` (class indices, no label smoothing) is the fused
record of ``ember.ops.activation``, whose VJPs are written in Ember ops too. Every
loss takes ``reduction``: ``"mean"`` (the default), ``"sum"`` or ``"none"`` (one loss
per element or sample). The deprecated ``size_average`` and ``reduce`` arguments of
PyTorch are not taken; pass ``reduction``.

Targets of class indices, lengths and labels are constants: they are checked on the
host (giving errors that name the bad value) and never differentiated.
"""

from __future__ import annotations

import math
import warnings

from ember.errors import DTypeError, ShapeError
from ember.nn.functional.activations import _stable_softplus
from ember.ops.activation import _cross_entropy, log_softmax
from ember.ops.core import broadcast_shapes, to_dtype
from ember.ops.dispatch import apply, composite, op_error
from ember.ops.elementwise import abs as _abs
from ember.ops.elementwise import clamp, exp, log, minimum, where
from ember.ops.index import gather
from ember.ops.reduce import mean, norm
from ember.ops.reduce import sum as _sum
from ember.ops.shape import reshape, squeeze, unsqueeze
from ember.tensor import Tensor

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "hinge_embedding_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "margin_ranking_loss",
    "mse_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "triplet_margin_loss",
]

_REDUCTIONS = ("none", "mean", "sum")
# PyTorch floors the logarithms of binary cross-entropy at -100, so that a confident
# wrong prediction costs 100 rather than inf; below this input log(x) < -100.
_LOG_FLOOR = -100.0
_LOG_FLOOR_INPUT = math.exp(_LOG_FLOOR)
# Keeps the cosine of a zero vector finite, as in PyTorch.
_COSINE_EPS = 1e-12
_NEG_INF = -math.inf


# ------------------------------------------------------------------ shared checks
def _check_reduction(op: str, reduction: str, allowed: tuple[str, ...] = _REDUCTIONS) -> None:
    if reduction not in allowed:
        names = ", ".join(repr(r) for r in allowed)
        raise op_error(op, f"reduction must be one of {names}, got {reduction!r}", ValueError)


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return _sum(loss)
    return loss


def _listed(tensors: dict[str, Tensor]) -> str:
    return ", ".join(f"{name} of shape {t.shape}" for name, t in tensors.items())


def _check_broadcast(op: str, **tensors: Tensor) -> tuple[int, ...]:
    """The shape the named ``tensors`` broadcast to, or an error naming all of them."""
    try:
        return broadcast_shapes(*(t.shape for t in tensors.values()))
    except ShapeError:
        raise op_error(op, f"{_listed(tensors)} cannot broadcast together") from None


def _check_same_ndim(op: str, **tensors: Tensor) -> None:
    """Tensors with one number of dimensions (as PyTorch requires) that broadcast."""
    if len({t.ndim for t in tensors.values()}) > 1:
        raise op_error(op, f"{_listed(tensors)} must have the same number of dimensions")
    _check_broadcast(op, **tensors)


def _check_target(op: str, input: Tensor, target: Tensor) -> None:
    """A target that broadcasts with ``input``; a different shape warns, as in PyTorch,
    since it usually means a target of ``(N, 1)`` met an input of ``(N,)``."""
    if input.shape == target.shape:
        return
    _check_broadcast(op, input=input, target=target)
    warnings.warn(
        f"{op}: target of shape {target.shape} differs from input of shape {input.shape}; "
        "they broadcast together, which is likely a mistake",
        UserWarning,
        stacklevel=3,
    )


def _check_same_shape(op: str, input: Tensor, target: Tensor) -> None:
    if input.shape != target.shape:
        raise op_error(op, f"target of shape {target.shape} must have input's shape {input.shape}")


def _check_fits(op: str, name: str, extra: Tensor, input: Tensor) -> None:
    """``extra`` (a weight) broadcasts to input's shape without growing it."""
    if _check_broadcast(op, **{name: extra, "input": input}) != input.shape:
        raise op_error(op, f"{name} of shape {extra.shape} does not broadcast to {input.shape}")


def _weighted(
    op: str, loss: Tensor, weight: Tensor | None, reduction: str, *, mean_by_weight: bool
) -> Tensor:
    """``loss`` times an elementwise ``weight`` of input's shape, then reduced; PyTorch's
    weighted mean is the sum over the sum of weights for mse and l1, a plain mean for huber."""
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != loss.shape:
        raise op_error(op, f"weight of shape {weight.shape} must have input's shape {loss.shape}")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return _sum(loss) / _sum(weight)
    return _reduce(loss, reduction)


def _times_weight(op: str, loss: Tensor, weight: Tensor | None, input: Tensor) -> Tensor:
    """``loss`` times an optional ``weight`` that broadcasts to input's shape."""
    if weight is None:
        return loss
    _check_fits(op, "weight", weight, input)
    return loss * weight


# -------------------------------------------------------------- regression losses
@composite
def mse_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", weight: Tensor | None = None
) -> Tensor:
    """Squared error ``(input - target) ** 2``, reduced, as ``torch.nn.functional.mse_loss``.

    Args:
        input, target: tensors of one shape (other shapes broadcast, with a warning).
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        weight: optional weights of input's shape; the mean divides by their sum.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.mse_loss(ember.tensor([1.0, 2.0]), ember.tensor([0.0, 0.0])).item()
    2.5
    """
    _check_reduction("mse_loss", reduction)
    _check_target("mse_loss", input, target)
    diff = input - target
    return _weighted("mse_loss", diff * diff, weight, reduction, mean_by_weight=True)


@composite
def l1_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", weight: Tensor | None = None
) -> Tensor:
    """Absolute error ``|input - target|``, reduced, as ``torch.nn.functional.l1_loss``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.l1_loss(ember.tensor([1.0, -3.0]), ember.tensor([0.0, 0.0]), reduction="sum").item()
    4.0
    """
    _check_reduction("l1_loss", reduction)
    _check_target("l1_loss", input, target)
    return _weighted("l1_loss", _abs(input - target), weight, reduction, mean_by_weight=True)


@composite
def smooth_l1_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """Squared error ``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - beta / 2``.

    Raises:
        ValueError: for a negative ``beta`` (0 gives ``l1_loss``).

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.smooth_l1_loss(ember.tensor([0.5, 3.0]), ember.zeros(2), reduction="none").tolist()
    [0.125, 2.5]
    """
    _check_reduction("smooth_l1_loss", reduction)
    if beta < 0:
        raise op_error("smooth_l1_loss", f"beta must not be negative, got {beta}", ValueError)
    if beta == 0:
        return l1_loss(input, target, reduction)
    _check_target("smooth_l1_loss", input, target)
    diff = input - target
    size = _abs(diff)
    loss = where(size < beta, (0.5 / beta) * diff * diff, size - 0.5 * beta)
    return _reduce(loss, reduction)


@composite
def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """Squared error ``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - delta / 2)``.

    Args:
        weight: optional weights of input's shape; the mean is the plain mean of the
            weighted losses, as in PyTorch.

    Raises:
        ValueError: for a ``delta`` that is not positive.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.huber_loss(ember.tensor([0.5, 3.0]), ember.zeros(2), reduction="none").tolist()
    [0.125, 2.5]
    """
    _check_reduction("huber_loss", reduction)
    if delta <= 0:
        raise op_error("huber_loss", f"delta must be positive, got {delta}", ValueError)
    _check_target("huber_loss", input, target)
    diff = input - target
    size = _abs(diff)
    loss = where(size < delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))
    return _weighted("huber_loss", loss, weight, reduction, mean_by_weight=False)


# ------------------------------------------------------------ classification losses
def _class_dim(op: str, input: Tensor) -> int:
    """Dimension 1 holds the classes, or dimension 0 of an unbatched ``(C,)`` input."""
    if input.ndim == 0:
        raise op_error(op, "input must have a class dimension, got a 0-d tensor")
    return 1 if input.ndim >= 2 else 0


def _check_class_weight(op: str, weight: Tensor | None, classes: int) -> None:
    if weight is not None and weight.shape != (classes,):
        raise op_error(
            op, f"weight of shape {weight.shape} must hold one value per class: ({classes},)"
        )


def _check_class_target(op: str, input: Tensor, target: Tensor, ignore_index: int) -> None:
    """Class indices with the batch and spatial shape of ``input``, each in ``[0, C)``
    unless it is ``ignore_index``."""
    if target.data.dtype.kind not in "iu":
        raise op_error(
            op,
            f"class-index targets must have an integer dtype, got {target.dtype} (class "
            f"probabilities need a floating target of input's shape {input.shape})",
            DTypeError,
        )
    if input.ndim == 1:
        expected: tuple[int, ...] = ()
    else:
        expected = (input.shape[0], *input.shape[2:])
        if target.ndim and target.shape[0] != input.shape[0]:
            raise op_error(
                op,
                f"expected input batch size {input.shape[0]} to match target batch size "
                f"{target.shape[0]} (input of shape {input.shape}, target of shape "
                f"{target.shape})",
            )
    if target.shape != expected:
        raise op_error(
            op,
            f"target of shape {target.shape} does not fit input of shape {input.shape}: "
            f"expected class indices of shape {expected}",
        )
    classes = input.shape[_class_dim(op, input)]
    labels = target.data[target.data != ignore_index]
    if labels.size:
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= classes:
            raise op_error(
                op,
                f"target value {low if low < 0 else high} is out of bounds for {classes} "
                f"classes (input of shape {input.shape}); targets must lie in "
                f"[0, {classes - 1}] or equal ignore_index={ignore_index}",
            )


def _pick(
    scores: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int, class_dim: int
) -> tuple[Tensor, Tensor, Tensor]:
    """Each target's score, its weight (0 where ignored) and the mask of kept targets."""
    kept = target != ignore_index
    # Ignored targets read class 0 (always there) and get weight 0.
    safe = where(kept, target, 0)
    picked = squeeze(gather(scores, class_dim, unsqueeze(safe, class_dim)), class_dim)
    if weight is None:
        target_weight = to_dtype(kept, scores.dtype)
    else:
        target_weight = where(kept, weight[safe], 0.0)
    return picked, target_weight, kept


def _reduce_by_class_weight(loss: Tensor, target_weight: Tensor, reduction: str) -> Tensor:
    """``loss`` per target reduced; the mean divides by the targets' total weight (ignored
    targets weigh 0), as PyTorch's class-index losses do."""
    if reduction == "mean":
        return _sum(loss) / _sum(target_weight)
    return _reduce(loss, reduction)


def _per_class(weight: Tensor, input: Tensor, class_dim: int) -> Tensor:
    """``weight`` of shape ``(C,)`` shaped to broadcast along the class dimension."""
    return reshape(weight, weight.shape + (1,) * (input.ndim - class_dim - 1))


@composite
def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices, given log-probabilities ``input``.

    Args:
        input: log-probabilities of shape ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``.
        target: class indices of shape ``(N,)``, ``(N, d1, ...)`` or ``()``.
        weight: optional weight per class, shape ``(C,)``.
        ignore_index: a target value that contributes nothing (nor to the mean's divisor).
        reduction: ``"mean"`` divides by the total weight of the kept targets.

    Raises:
        ShapeError: for a target whose shape does not fit, or a value outside ``[0, C)``.
        DTypeError: for a target that is not integer.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> logp = ember.tensor([[-0.5, -1.0], [-2.0, -0.25]])
    >>> F.nll_loss(logp, ember.tensor([0, 1]), reduction="none").tolist()
    [0.5, 0.25]
    """
    _check_reduction("nll_loss", reduction)
    class_dim = _class_dim("nll_loss", input)
    _check_class_target("nll_loss", input, target, ignore_index)
    _check_class_weight("nll_loss", weight, input.shape[class_dim])
    picked, target_weight, _ = _pick(input, target, weight, ignore_index, class_dim)
    return _reduce_by_class_weight(-(picked * target_weight), target_weight, reduction)


@composite
def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between the softmax of logits ``input`` and class targets.

    Class-index targets without label smoothing take one fused record each way.

    Args:
        input: logits of shape ``(N, C)``, ``(N, C, d1, ...)`` or unbatched ``(C,)``.
        target: class indices (integer, of input's shape without ``C``), or class
            probabilities (floating, of input's shape).
        weight: optional weight per class, shape ``(C,)``.
        ignore_index: a class-index target value that contributes nothing.
        reduction: ``"mean"`` divides by the total weight of the kept targets for class
            indices, and by the number of samples for probabilities.
        label_smoothing: in ``[0, 1]``; the target becomes this much uniform.

    Raises:
        ShapeError: for a target that does not fit, or a class index outside ``[0, C)``.
        ValueError: for ``label_smoothing`` outside ``[0, 1]``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> logits = ember.tensor([[0.0, 0.0], [0.0, 0.0]])
    >>> round(F.cross_entropy(logits, ember.tensor([0, 1])).item(), 4)
    0.6931
    """
    op = "cross_entropy"
    _check_reduction(op, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise op_error(op, f"label_smoothing must lie in [0, 1], got {label_smoothing}", ValueError)
    class_dim = _class_dim(op, input)
    classes = input.shape[class_dim]
    _check_class_weight(op, weight, classes)
    if not label_smoothing and target.data.dtype.kind in "iu":
        _check_class_target(op, input, target, ignore_index)
        extra = () if weight is None else (weight,)
        return apply(
            _cross_entropy, input, target, *extra, ignore_index=ignore_index, reduction=reduction
        )
    log_probs = log_softmax(input, class_dim)
    if target.data.dtype.kind == "f":
        return _cross_entropy_probabilities(
            log_probs, target, weight, ignore_index, reduction, label_smoothing, class_dim
        )
    _check_class_target(op, input, target, ignore_index)
    picked, target_weight, kept = _pick(log_probs, target, weight, ignore_index, class_dim)
    loss = -(picked * target_weight)
    if label_smoothing:
        spread = log_probs if weight is None else log_probs * _per_class(weight, input, class_dim)
        uniform = where(kept, -_sum(spread, class_dim), 0.0)
        loss = (1.0 - label_smoothing) * loss + (label_smoothing / classes) * uniform
    return _reduce_by_class_weight(loss, target_weight, reduction)


def _cross_entropy_probabilities(
    log_probs: Tensor,
    target: Tensor,
    weight: Tensor | None,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
    class_dim: int,
) -> Tensor:
    if target.shape != log_probs.shape:
        raise op_error(
            "cross_entropy",
            f"target of dtype {target.dtype} and shape {target.shape} fits neither form: "
            f"class indices need an integer dtype, class probabilities input's shape "
            f"{log_probs.shape}",
            DTypeError,
        )
    if ignore_index >= 0:
        raise op_error(
            "cross_entropy",
            f"ignore_index={ignore_index} is not supported for class-probability targets",
            ValueError,
        )
    classes = log_probs.shape[class_dim]
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + label_smoothing / classes
    terms = log_probs * target
    if weight is not None:
        terms = terms * _per_class(weight, log_probs, class_dim)
    return _reduce(-_sum(terms, class_dim), reduction)


def _floored_log(x: Tensor) -> Tensor:
    """``max(log(x), -100)``. Tiny inputs take the constant through ``log(1)``, so that
    their zero gradient never meets ``1 / 0``."""
    tiny = x < _LOG_FLOOR_INPUT
    return where(tiny, _LOG_FLOOR, log(where(tiny, 1.0, x)))


@composite
def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, reduction: str = "mean"
) -> Tensor:
    """``-(target log(input) + (1 - target) log(1 - input))`` for probabilities ``input``.

    Each logarithm is floored at -100, as in PyTorch.

    Args:
        input: probabilities in ``[0, 1]``.
        target: of input's shape, usually in ``[0, 1]``.
        weight: optional weights that broadcast to input's shape.

    Raises:
        ShapeError: for a target of another shape.
        ValueError: for input values outside ``[0, 1]``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.binary_cross_entropy(ember.tensor([1.0, 0.0]), ember.tensor([0.0, 0.0])).item()
    50.0
    """
    op = "binary_cross_entropy"
    _check_reduction(op, reduction)
    _check_same_shape(op, input, target)
    data = input.data
    if data.size and not ((data >= 0) & (data <= 1)).all():
        raise op_error(
            op,
            f"all elements of input should be between 0 and 1, got values from {data.min()} "
            f"to {data.max()} (input of shape {input.shape}); use "
            "binary_cross_entropy_with_logits for logits",
            ValueError,
        )
    loss = -(target * _floored_log(input) + (1.0 - target) * _floored_log(1.0 - input))
    return _reduce(_times_weight(op, loss, weight, input), reduction)


@composite
def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """``binary_cross_entropy(sigmoid(input), target)``, computed stably from logits.

    Args:
        input: logits.
        target: of input's shape, usually in ``[0, 1]``.
        weight: optional weights that broadcast to input's shape.
        pos_weight: optional weight of the positive term, broadcast along the last
            (class) dimension, e.g. shape ``(C,)`` for multi-label input ``(N, C)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.binary_cross_entropy_with_logits(ember.tensor([1000.0]), ember.tensor([0.0])).item()
    1000.0
    """
    op = "binary_cross_entropy_with_logits"
    _check_reduction(op, reduction)
    _check_same_shape(op, input, target)
    # -log(sigmoid(x)) = softplus(-x) and -log(1 - sigmoid(x)) = x + softplus(-x).
    softplus_neg = _stable_softplus(-input)
    if pos_weight is not None:
        _check_fits(op, "pos_weight", pos_weight, input)
        softplus_neg = ((pos_weight - 1.0) * target + 1.0) * softplus_neg
    loss = (1.0 - target) * input + softplus_neg
    return _reduce(_times_weight(op, loss, weight, input), reduction)


@composite
def kl_div(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence ``target (log(target) - input)`` of log-probabilities.

    Args:
        input: log-probabilities.
        target: probabilities, or log-probabilities with ``log_target=True``.
        reduction: ``"batchmean"`` (the true KL divergence: sum over the batch size),
            ``"mean"`` (over every element), ``"sum"`` or ``"none"``.

    Zero targets contribute 0 (``0 log 0 = 0``).

    >>> import ember
    >>> import ember.nn.functional as F
    >>> p = ember.tensor([[0.5, 0.5]])
    >>> F.kl_div(p.log(), p, reduction="batchmean").item()
    0.0
    """
    op = "kl_div"
    _check_reduction(op, reduction, ("none", "batchmean", "sum", "mean"))
    _check_broadcast(op, input=input, target=target)
    if log_target:
        loss = exp(target) * (target - input)
    else:
        zero = target == 0
        loss = where(zero, 0.0, target * (log(where(zero, 1.0, target)) - input))
    if reduction == "batchmean":
        total = _sum(loss)
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction)


@composite
def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of ``target`` under a Poisson distribution of rate ``input``.

    Args:
        input: the log-rate (``log_input=True``: loss ``exp(input) - target * input``) or
            the rate (loss ``input - target * log(input + eps)``).
        full: add Stirling's approximation of ``log(target!)`` for targets above 1.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.poisson_nll_loss(ember.tensor([0.0]), ember.tensor([2.0])).item()
    1.0
    """
    op = "poisson_nll_loss"
    _check_reduction(op, reduction)
    _check_broadcast(op, input=input, target=target)
    loss = exp(input) - target * input if log_input else input - target * log(input + eps)
    if full:
        counted = target > 1
        safe = where(counted, target, 1.0)
        stirling = safe * log(safe) - safe + 0.5 * log((2 * math.pi) * safe)
        loss = loss + where(counted, stirling, 0.0)
    return _reduce(loss, reduction)


# ------------------------------------------------------------- embedding losses
@composite
def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    reduction: str = "mean",
) -> Tensor:
    """``1 - cos(input1, input2)`` where ``target`` is 1, ``max(0, cos - margin)`` where -1.

    Args:
        input1, input2: ``(N, D)`` batches of vectors, or ``(D,)`` single vectors.
        target: ``(N,)`` (or ``()``) of 1 and -1.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> x = ember.tensor([[1.0, 0.0]])
    >>> F.cosine_embedding_loss(x, x, ember.tensor([1])).item()
    0.0
    """
    op = "cosine_embedding_loss"
    _check_reduction(op, reduction)
    if input1.shape != input2.shape or input1.ndim not in (1, 2):
        raise op_error(
            op,
            f"input1 of shape {input1.shape} and input2 of shape {input2.shape} must be "
            "batches (N, D) or vectors (D,) of one shape",
        )
    if target.shape != input1.shape[:-1]:
        raise op_error(
            op,
            f"target of shape {target.shape} must hold one label per pair: "
            f"{input1.shape[:-1]} for inputs of shape {input1.shape}",
        )
    dot = _sum(input1 * input2, -1)
    squares = (_sum(input1 * input1, -1) + _COSINE_EPS) * (_sum(input2 * input2, -1) + _COSINE_EPS)
    cosine = dot / squares.sqrt()
    similar = where(target == 1, 1.0 - cosine, 0.0)
    dissimilar = where(target == -1, clamp(cosine - margin, min=0.0), 0.0)
    return _reduce(similar + dissimilar, reduction)


@composite
def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0.0,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``: ``target`` 1 ranks input1 higher.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> x1, x2 = ember.tensor([2.0, 0.0]), ember.tensor([1.0, 1.0])
    >>> F.margin_ranking_loss(x1, x2, ember.tensor([1.0, 1.0]), reduction="none").tolist()
    [0.0, 1.0]
    """
    op = "margin_ranking_loss"
    _check_reduction(op, reduction)
    _check_same_ndim(op, input1=input1, input2=input2, target=target)
    return _reduce(clamp(-target * (input1 - input2) + margin, min=0.0), reduction)


@composite
def hinge_embedding_loss(
    input: Tensor, target: Tensor, margin: float = 1.0, reduction: str = "mean"
) -> Tensor:
    """``input`` where ``target`` is 1, ``max(0, margin - input)`` where it is -1.

    As in PyTorch, a target that is neither adds both terms.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> d = ember.tensor([0.25, 0.25])
    >>> F.hinge_embedding_loss(d, ember.tensor([1, -1]), reduction="none").tolist()
    [0.25, 0.75]
    """
    op = "hinge_embedding_loss"
    _check_reduction(op, reduction)
    _check_broadcast(op, input=input, target=target)
    below_margin = where(target != 1, clamp(margin - input, min=0.0), 0.0)
    return _reduce(below_margin + where(target != -1, input, 0.0), reduction)


def _pairwise_distance(x1: Tensor, x2: Tensor, p: float, eps: float) -> Tensor:
    # PyTorch adds eps to the difference (not to the norm), so that equal points have a
    # gradient.
    return norm(x1 - x2 + eps, p, dim=-1)


@composite
def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, d(anchor, positive) - d(anchor, negative) + margin)`` with the p-norm ``d``
    over the last dimension.

    Args:
        anchor, positive, negative: ``(N, D)`` batches or ``(D,)`` vectors.
        swap: use ``min(d(a, n), d(p, n))`` as the negative distance.

    Raises:
        ValueError: for a ``margin`` that is not positive.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> a = ember.tensor([[0.0, 0.0]])
    >>> F.triplet_margin_loss(a, a, a + 3.0).item()
    0.0
    """
    op = "triplet_margin_loss"
    _check_reduction(op, reduction)
    if margin <= 0:
        raise op_error(op, f"margin must be greater than 0, got {margin}", ValueError)
    _check_same_ndim(op, anchor=anchor, positive=positive, negative=negative)
    to_positive = _pairwise_distance(anchor, positive, p, eps)
    to_negative = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        to_negative = minimum(to_negative, _pairwise_distance(positive, negative, p, eps))
    return _reduce(clamp(margin + to_positive - to_negative, min=0.0), reduction)
