"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ember.backend import get_xp
from ember.optim._updates import _lerp_, _zeros_state
from ember.optim.optimizer import Optimizer, _checked_defaults

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax, as ``torch.optim.Adamax``.

    With gradient ``g`` (negated when ``maximize``) at step ``t``::

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1**t) * m / u

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate.
        betas: decay rates of the first moment and of the infinity norm.
        eps: added to the norm for numerical stability.
        weight_decay: L2 penalty.
        maximize: maximize the objective instead of minimizing it.

    Raises:
        ValueError: for a negative lr, eps or weight_decay, or betas outside [0, 1).

    >>> import ember
    >>> w = ember.tensor([1.0, -3.0], requires_grad=True)
    >>> opt = ember.optim.Adamax([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> opt.state[w]["exp_inf"]  # the largest |gradient| so far, decayed
    tensor([2., 6.])
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = _checked_defaults(
            "Adamax", lr=lr, eps=eps, betas=betas, weight_decay=weight_decay, maximize=maximize
        )
        super().__init__(params, defaults)

    def _new_state(self, param: Any, group: dict) -> dict:
        return {"step": 0.0, "exp_avg": _zeros_state(param), "exp_inf": _zeros_state(param)}

    def _update_param(self, param: Any, grad: Any, state: dict, group: dict) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        xp = get_xp(param)
        exp_avg, exp_inf = state["exp_avg"].data, state["exp_inf"].data
        _lerp_(exp_avg, grad, 1 - beta1)
        exp_inf *= beta2
        norm = xp.abs(grad)
        norm += eps
        xp.maximum(exp_inf, norm, out=exp_inf)
        clr = lr / (1 - beta1 ** state["step"])
        xp.divide(exp_avg, exp_inf, out=norm)
        norm *= -clr
        param += norm
