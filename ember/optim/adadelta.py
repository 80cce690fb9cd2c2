"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ember.backend import get_xp
from ember.optim._updates import _average_squares_, _zeros_state
from ember.optim.optimizer import Optimizer, _checked_defaults

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta, as ``torch.optim.Adadelta``.

    With gradient ``g`` (negated when ``maximize``)::

        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g
        d = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * d * d
        p = p - lr * d

    Args:
        params: tensors or parameter groups to optimize.
        lr: scale applied to the update.
        rho: decay rate of the running averages.
        eps: added inside the square roots for numerical stability.
        weight_decay: L2 penalty.
        maximize: maximize the objective instead of minimizing it.

    Raises:
        ValueError: for a negative lr, eps or weight_decay, or rho outside [0, 1].

    >>> import ember
    >>> w = ember.tensor([1.0], requires_grad=True)
    >>> opt = ember.optim.Adadelta([w])
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> round(w.item(), 5)
    0.99684
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = _checked_defaults(
            "Adadelta", lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize
        )
        super().__init__(params, defaults)

    def _new_state(self, param: Any, group: dict) -> dict:
        return {"step": 0.0, "square_avg": _zeros_state(param), "acc_delta": _zeros_state(param)}

    def _update_param(self, param: Any, grad: Any, state: dict, group: dict) -> None:
        rho, eps = group["rho"], group["eps"]
        xp = get_xp(param)
        square_avg, acc_delta = state["square_avg"].data, state["acc_delta"].data
        _average_squares_(square_avg, grad, rho)
        std = square_avg + eps
        xp.sqrt(std, out=std)
        delta = acc_delta + eps
        xp.sqrt(delta, out=delta)
        delta /= std
        delta *= grad
        _average_squares_(acc_delta, delta, rho)
        param += -group["lr"] * delta
