"""Adam: adaptive moment estimation, with optional AMSGrad and decoupled weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ember.backend import get_xp
from ember.optim._updates import _moment_state, _update_moments, _zeros_state
from ember.optim.optimizer import Optimizer, _checked_defaults

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam``.

    With gradient ``g`` (negated when ``maximize``) at step ``t``::

        p = p * (1 - lr * weight_decay)    if decoupled_weight_decay, else
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)              (amsgrad; used in place of v below)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate.
        betas: decay rates of the first and second moment averages.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty (or decoupled decay rate, see above).
        amsgrad: use the running maximum of the second moment (AMSGrad).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: decay the weights directly, as AdamW does.

    Raises:
        ValueError: for a negative lr, eps or weight_decay, or betas outside [0, 1).

    >>> import ember
    >>> w = ember.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = ember.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.9, -0.9], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = _checked_defaults(
            type(self).__name__,
            lr=lr,
            eps=eps,
            betas=betas,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _new_state(self, param: Any, group: dict) -> dict:
        state = _moment_state(param)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = _zeros_state(param)
        return state

    def _update_param(self, param: Any, grad: Any, state: dict, group: dict) -> None:
        lr, (beta1, beta2), eps, step = group["lr"], group["betas"], group["eps"], state["step"]
        xp = get_xp(param)
        exp_avg, exp_avg_sq = _update_moments(state, grad, group["betas"])
        step_size = lr / (1 - beta1**step)
        if group["amsgrad"]:
            max_sq = state["max_exp_avg_sq"].data
            xp.maximum(max_sq, exp_avg_sq, out=max_sq)
            denom = xp.sqrt(max_sq)
        else:
            denom = xp.sqrt(exp_avg_sq)
        denom /= (1 - beta2**step) ** 0.5
        denom += eps
        xp.divide(exp_avg, denom, out=denom)
        denom *= -step_size
        param += denom
