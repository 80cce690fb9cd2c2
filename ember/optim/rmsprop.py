"""RMSprop: divide the gradient by a running root mean square of its recent values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ember.backend import get_xp
from ember.optim._updates import _average_squares_, _lerp_, _zeros_state
from ember.optim.optimizer import Optimizer, _checked_defaults

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``.

    With gradient ``g`` (negated when ``maximize``)::

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        a = sqrt(v - m * m) + eps, with m = alpha * m + (1 - alpha) * g   (centered)
        a = sqrt(v) + eps                                                  (otherwise)
        b = momentum * b + g / a;  p = p - lr * b                          (momentum > 0)
        p = p - lr * g / a                                                 (otherwise)

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate.
        alpha: smoothing constant of the squared-gradient average.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty.
        momentum: momentum factor.
        centered: normalize by an estimate of the gradient's variance.
        maximize: maximize the objective instead of minimizing it.

    Raises:
        ValueError: for a negative lr, eps, momentum, weight_decay or alpha.

    >>> import ember
    >>> w = ember.tensor([1.0, -3.0], requires_grad=True)
    >>> opt = ember.optim.RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward()
    >>> opt.step()  # the first step is 10 * lr, whatever the gradient's scale
    >>> w
    tensor([ 0.9, -2.9], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = _checked_defaults(
            "RMSprop",
            lr=lr,
            eps=eps,
            momentum=momentum,
            weight_decay=weight_decay,
            alpha=alpha,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _new_state(self, param: Any, group: dict) -> dict:
        state = {"step": 0.0, "square_avg": _zeros_state(param)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = _zeros_state(param)
        if group["centered"]:
            state["grad_avg"] = _zeros_state(param)
        return state

    def _update_param(self, param: Any, grad: Any, state: dict, group: dict) -> None:
        lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]
        xp = get_xp(param)
        square_avg = state["square_avg"].data
        _average_squares_(square_avg, grad, alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"].data
            _lerp_(grad_avg, grad, 1 - alpha)
            avg = square_avg - grad_avg * grad_avg
            xp.sqrt(avg, out=avg)
        else:
            avg = xp.sqrt(square_avg)
        avg += eps
        xp.divide(grad, avg, out=avg)
        if momentum > 0:
            buf = state["momentum_buffer"].data
            buf *= momentum
            buf += avg
            avg = buf
        param += -lr * avg
