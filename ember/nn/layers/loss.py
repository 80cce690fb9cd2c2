"""Loss layers, as ``torch.nn``'s: one module per loss of ``ember.nn.functional``.

A loss module holds its function's settings; class weights (``weight``,
``pos_weight``) are buffers, so ``state_dict()`` and ``.double()`` treat them
as PyTorch does. The deprecated ``size_average`` and ``reduce`` arguments are
accepted and turned into ``reduction``, with PyTorch's warning.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Sequence
from typing import ClassVar

import ember.nn.functional as F
from ember.nn.module import Module
from ember.tensor import Tensor

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CTCLoss",
    "CosineEmbeddingLoss",
    "CrossEntropyLoss",
    "HingeEmbeddingLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "MarginRankingLoss",
    "NLLLoss",
    "PoissonNLLLoss",
    "SmoothL1Loss",
    "TripletMarginLoss",
]


def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """The ``reduction`` that the deprecated pair ``size_average``/``reduce`` meant
    (either left None counts as True), with PyTorch's deprecation warning."""
    if not (True if reduce is None else reduce):
        reduction = "none"
    elif not (True if size_average is None else size_average):
        reduction = "sum"
    else:
        reduction = "mean"
    # Point the warning at the user's line: skip the constructors in this file.
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1
    warnings.warn(
        "size_average and reduce args will be deprecated, please use "
        f"reduction='{reduction}' instead.",
        stacklevel=level,
    )
    return reduction


class _Loss(Module):
    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """Mean (or sum) absolute error ``|input - target|``, as ``torch.nn.L1Loss``.

    Args:
        size_average, reduce: deprecated; use ``reduction``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import ember
    >>> from ember import nn
    >>> nn.L1Loss()(ember.tensor([1.0, -3.0]), ember.zeros(2)).item()
    2.0
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean (or sum) squared error ``(input - target) ** 2``, as ``torch.nn.MSELoss``.

    Args:
        size_average, reduce: deprecated; use ``reduction``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import ember
    >>> from ember import nn
    >>> nn.MSELoss()(ember.tensor([1.0, 2.0]), ember.zeros(2)).item()
    2.5
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Squared error below ``beta``, absolute error above it, as ``torch.nn.SmoothL1Loss``.

    >>> import ember
    >>> from ember import nn
    >>> nn.SmoothL1Loss(reduction="none")(ember.tensor([0.5, 3.0]), ember.zeros(2)).tolist()
    [0.125, 2.5]
    """

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Squared error below ``delta``, ``delta`` times absolute error above, as ``nn.HuberLoss``.

    >>> import ember
    >>> from ember import nn
    >>> nn.HuberLoss(delta=2.0)(ember.tensor([3.0]), ember.zeros(1)).item()
    4.0
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices given log-probabilities, as ``nn.NLLLoss``.

    Args:
        weight: optional weight per class, shape ``(C,)`` (a buffer).
        size_average, reduce: deprecated; use ``reduction``.
        ignore_index: a target value that contributes nothing.
        reduction: ``"mean"`` divides by the total weight of the kept targets.

    >>> import ember
    >>> from ember import nn
    >>> logp = ember.tensor([[-0.5, -1.0], [-2.0, -0.25]])
    >>> nn.NLLLoss(reduction="sum")(logp, ember.tensor([0, 1])).item()
    0.75
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy between the softmax of logits and class targets, as ``nn.CrossEntropyLoss``.

    Args:
        weight: optional weight per class, shape ``(C,)`` (a buffer).
        size_average, reduce: deprecated; use ``reduction``.
        ignore_index: a class-index target value that contributes nothing.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        label_smoothing: in ``[0, 1]``; the target becomes this much uniform.

    Targets are class indices (integer) or class probabilities (floating, of
    the input's shape).

    >>> import ember
    >>> from ember import nn
    >>> loss = nn.CrossEntropyLoss()
    >>> loss
    CrossEntropyLoss()
    >>> round(loss(ember.zeros(2, 2), ember.tensor([0, 1])).item(), 4)
    0.6931
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities ``input`` against ``target``, as ``nn.BCELoss``.

    Args:
        weight: optional weights that broadcast to the input's shape (a buffer).
        size_average, reduce: deprecated; use ``reduction``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import ember
    >>> from ember import nn
    >>> round(nn.BCELoss()(ember.tensor([0.5]), ember.tensor([1.0])).item(), 4)
    0.6931
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy of ``sigmoid(input)``, computed stably from logits.

    As ``torch.nn.BCEWithLogitsLoss``; ``weight`` and ``pos_weight`` are buffers.

    Args:
        weight: optional weights that broadcast to the input's shape.
        size_average, reduce: deprecated; use ``reduction``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.
        pos_weight: optional weight of the positive term, per class (last dimension).

    >>> import ember
    >>> from ember import nn
    >>> round(nn.BCEWithLogitsLoss()(ember.zeros(1), ember.ones(1)).item(), 4)
    0.6931
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of log-probabilities ``input`` from ``target``.

    As ``torch.nn.KLDivLoss``; ``reduction="batchmean"`` gives the true KL divergence.

    Args:
        size_average, reduce: deprecated; use ``reduction``.
        reduction: ``"mean"``, ``"batchmean"``, ``"sum"`` or ``"none"``.
        log_target: whether ``target`` holds log-probabilities.

    >>> import ember
    >>> from ember import nn
    >>> p = ember.tensor([[0.5, 0.5]])
    >>> nn.KLDivLoss(reduction="batchmean")(p.log(), p).item()
    0.0
    """

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class PoissonNLLLoss(_Loss):
    """Negative log-likelihood of ``target`` under a Poisson distribution of rate ``input``.

    As ``torch.nn.PoissonNLLLoss``.

    Args:
        log_input: ``input`` is the log-rate (else the rate).
        full: add Stirling's approximation of ``log(target!)``.
        size_average, reduce: deprecated; use ``reduction``.
        eps: keeps ``log(input + eps)`` finite when ``log_input`` is False.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import ember
    >>> from ember import nn
    >>> nn.PoissonNLLLoss()(ember.zeros(2), ember.ones(2)).item()
    1.0
    """

    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        size_average: bool | None = None,
        eps: float = 1e-8,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return F.poisson_nll_loss(
            log_input,
            target,
            log_input=self.log_input,
            full=self.full,
            eps=self.eps,
            reduction=self.reduction,
        )


class _MarginLoss(_Loss):
    """A loss with a ``margin``, its first argument (as in PyTorch)."""

    def __init__(
        self,
        margin: float = 0.0,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin


class _PairMarginLoss(_MarginLoss):
    """A margin loss of two inputs and a target of 1 and -1, computed by ``_function``."""

    _function: ClassVar[Callable[..., Tensor]]

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return self._function(input1, input2, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_PairMarginLoss):
    """``1 - cos(input1, input2)`` for pairs marked 1, ``max(0, cos - margin)`` for -1.

    As ``torch.nn.CosineEmbeddingLoss``.

    >>> import ember
    >>> from ember import nn
    >>> x = ember.tensor([[1.0, 0.0]])
    >>> nn.CosineEmbeddingLoss()(x, x, ember.tensor([1])).item()
    0.0
    """

    _function = staticmethod(F.cosine_embedding_loss)


class MarginRankingLoss(_PairMarginLoss):
    """``max(0, -target * (input1 - input2) + margin)``, as ``torch.nn.MarginRankingLoss``.

    >>> import ember
    >>> from ember import nn
    >>> x1, x2 = ember.tensor([2.0, 0.0]), ember.tensor([1.0, 1.0])
    >>> nn.MarginRankingLoss(reduction="sum")(x1, x2, ember.tensor([1.0, 1.0])).item()
    1.0
    """

    _function = staticmethod(F.margin_ranking_loss)


class HingeEmbeddingLoss(_MarginLoss):
    """``input`` where ``target`` is 1, ``max(0, margin - input)`` where it is -1.

    As ``torch.nn.HingeEmbeddingLoss``.

    >>> import ember
    >>> from ember import nn
    >>> d = ember.tensor([0.25, 0.25])
    >>> nn.HingeEmbeddingLoss(reduction="sum")(d, ember.tensor([1, -1])).item()
    1.0
    """

    def __init__(
        self,
        margin: float = 1.0,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(margin, size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``max(0, d(anchor, positive) - d(anchor, negative) + margin)`` with the p-norm ``d``.

    As ``torch.nn.TripletMarginLoss``.

    Args:
        margin: the gap wanted between the two distances.
        p: the norm's degree.
        eps: added to the differences, so that equal points have a gradient.
        swap: use the smaller of ``d(anchor, negative)`` and ``d(positive, negative)``.
        size_average, reduce: deprecated; use ``reduction``.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    >>> import ember
    >>> from ember import nn
    >>> a, n = ember.tensor([[0.0, 0.0]]), ember.tensor([[3.0, 4.0]])
    >>> nn.TripletMarginLoss(eps=0.0)(a, a, n).item()
    0.0
    """

    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_loss(
            anchor,
            positive,
            negative,
            margin=self.margin,
            p=self.p,
            eps=self.eps,
            swap=self.swap,
            reduction=self.reduction,
        )


class CTCLoss(_Loss):
    """Connectionist temporal classification loss, as ``torch.nn.CTCLoss``.

    Args:
        blank: the index of the blank label.
        reduction: ``"mean"`` (each loss divided by its target length, then
            averaged), ``"sum"`` or ``"none"``.
        zero_infinity: replace infinite losses (impossible alignments) and their
            gradients by zero.

    ``forward(log_probs, targets, input_lengths, target_lengths)`` takes
    ``(T, N, C)`` log-probabilities and padded ``(N, S)`` or concatenated targets.

    >>> import ember
    >>> from ember import nn
    >>> log_probs = ember.full((1, 1, 2), 0.5).log()
    >>> nn.CTCLoss()(log_probs, ember.tensor([[1]]), [1], [1]).item() == -log_probs[0, 0, 1].item()
    True
    """

    def __init__(
        self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False
    ) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(
        self,
        log_probs: Tensor,
        targets: Tensor,
        input_lengths: Tensor | Sequence[int],
        target_lengths: Tensor | Sequence[int],
    ) -> Tensor:
        return F.ctc_loss(
            log_probs,
            targets,
            input_lengths,
            target_lengths,
            self.blank,
            self.reduction,
            self.zero_infinity,
        )
