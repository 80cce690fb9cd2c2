"""The losses ``compile`` accepts by name, and the wrapper that applies sample weights.

Ember's losses follow PyTorch, not Keras, in what they expect of the model:
``"cross_entropy"`` (alias ``"sparse_categorical_crossentropy"``) takes raw
logits ``(N, C, ...)`` and class indices, ``"categorical_crossentropy"`` takes
logits and one-hot or probability targets, ``"bce_with_logits"`` takes logits
and ``"binary_cross_entropy"`` probabilities. So end a classifier with its
last ``Linear``, not with a softmax layer. A callable loss is called as
PyTorch's criteria are, ``loss(y_pred, y_true)``.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from typing import Any

import numpy

from ember.dtypes import int64
from ember.errors import caller
from ember.nn import Module
from ember.nn import functional as F
from ember.ops.core import to_dtype
from ember.ops.reduce import mean
from ember.ops.shape import squeeze, unsqueeze
from ember.tensor import Tensor

__all__ = ["CompiledLoss", "get"]

# name -> (function, how it reads targets): "index" (class indices), "probability"
# (a distribution over classes), "elementwise" (same shape as the prediction).
_LOSSES: dict[str, tuple[Callable, str]] = {
    "cross_entropy": (F.cross_entropy, "index"),
    "sparse_categorical_crossentropy": (F.cross_entropy, "index"),
    "categorical_crossentropy": (F.cross_entropy, "probability"),
    "nll": (F.nll_loss, "index"),
    "nll_loss": (F.nll_loss, "index"),
    "mse": (F.mse_loss, "elementwise"),
    "mean_squared_error": (F.mse_loss, "elementwise"),
    "mae": (F.l1_loss, "elementwise"),
    "l1": (F.l1_loss, "elementwise"),
    "mean_absolute_error": (F.l1_loss, "elementwise"),
    "binary_cross_entropy": (F.binary_cross_entropy, "elementwise"),
    "binary_crossentropy": (F.binary_cross_entropy, "elementwise"),
    "bce_with_logits": (F.binary_cross_entropy_with_logits, "elementwise"),
    "binary_cross_entropy_with_logits": (F.binary_cross_entropy_with_logits, "elementwise"),
    "huber": (F.huber_loss, "elementwise"),
    "smooth_l1": (F.smooth_l1_loss, "elementwise"),
}


def _accepts_reduction(function: Callable) -> bool:
    try:
        return "reduction" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


class CompiledLoss:
    """A loss ready for training: matches targets to predictions and applies weights.

    Args:
        loss: a name (see the module doc), an ``ember.nn`` loss module, or a
            callable ``loss(y_pred, y_true) -> scalar Tensor``.

    Raises:
        ValueError: for an unknown loss name.
        TypeError: for something that is neither a name nor callable.

    >>> import ember
    >>> loss = ember.train.losses.CompiledLoss("mse")
    >>> loss(ember.tensor([[1.0], [3.0]]), ember.tensor([0.0, 0.0])).item()
    5.0
    """

    def __init__(self, loss: str | Callable) -> None:
        if isinstance(loss, str):
            if loss not in _LOSSES:
                raise ValueError(
                    f"compile: unknown loss {loss!r}; pass a callable or one of "
                    f"{', '.join(sorted(_LOSSES))} (called from {caller(3)})"
                )
            function, self.kind = _LOSSES[loss]
            self.name = loss
            self.function: Callable = function
            self._unreduced: Callable | None = lambda p, t: function(p, t, reduction="none")
            return
        if not callable(loss):
            raise TypeError(
                f"compile: loss must be a name or a callable, got {type(loss).__name__} "
                f"(called from {caller(3)})"
            )
        self.kind = "custom"
        self.name = getattr(loss, "__name__", type(loss).__name__)
        self.function = loss
        self._unreduced = None
        if isinstance(loss, Module) and hasattr(loss, "reduction"):
            unreduced = copy.copy(loss)
            unreduced.reduction = "none"
            self._unreduced = unreduced
        elif _accepts_reduction(loss):
            self._unreduced = lambda p, t: loss(p, t, reduction="none")

    def targets(self, y_pred: Tensor, y_true: Tensor) -> Tensor:
        """``y_true`` in the dtype and shape the loss expects next to ``y_pred``.

        Class indices stored as floats become int64; for elementwise losses a
        trailing size-1 dimension that only one side has is added to the
        targets or dropped from them, so ``(N,)`` targets fit ``(N, 1)`` outputs.
        """
        if self.kind == "index":
            if y_true.data.dtype.kind == "f" and y_true.ndim == y_pred.ndim - 1:
                return to_dtype(y_true, int64)
            return y_true
        if self.kind in ("elementwise", "probability"):
            if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
                y_true = unsqueeze(y_true, -1)
            elif y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
                y_true = squeeze(y_true, -1)
            if y_true.dtype != y_pred.dtype and y_pred.is_floating_point():
                y_true = to_dtype(y_true, y_pred.dtype)
        return y_true

    def __call__(self, y_pred: Tensor, y_true: Tensor, sample_weight: Any = None) -> Tensor:
        """The scalar loss; with ``sample_weight``, the mean of the weighted per-element losses.

        As in Keras, weights scale each sample's loss and the sum is divided by
        the number of samples (not by the sum of the weights).
        """
        if self.kind != "custom":
            y_true = self.targets(y_pred, y_true)
        if sample_weight is None:
            return self.function(y_pred, y_true)
        if self._unreduced is None:
            raise ValueError(
                f"class_weight and sample_weight need per-sample losses, but the loss "
                f"{self.name} gives only a scalar: pass a loss name, an ember.nn loss module, "
                "or a function that accepts reduction='none'"
            )
        losses = self._unreduced(y_pred, y_true)
        weights = (
            sample_weight.data
            if isinstance(sample_weight, Tensor)
            else numpy.asarray(sample_weight)
        )
        if weights.ndim > losses.ndim:
            raise ValueError(
                f"sample weights of shape {weights.shape} have more dimensions than the "
                f"per-sample losses of shape {losses.shape}"
            )
        weights = weights.reshape(weights.shape + (1,) * (losses.ndim - weights.ndim))
        return mean(losses * Tensor(weights.astype(losses.data.dtype)))

    def __repr__(self) -> str:
        return f"CompiledLoss({self.name!r})"


def get(loss: str | Callable) -> CompiledLoss:
    """The ``CompiledLoss`` for a name, module or callable (or itself).

    >>> import ember
    >>> ember.train.losses.get("cross_entropy").kind
    'index'
    """
    return loss if isinstance(loss, CompiledLoss) else CompiledLoss(loss)
