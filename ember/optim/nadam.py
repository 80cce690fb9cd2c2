"""NAdam: Adam with Nesterov momentum and a momentum warm-up schedule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ember.backend import get_xp
from ember.optim._updates import _moment_state, _update_moments
from ember.optim.optimizer import Optimizer, _checked_defaults

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam, as ``torch.optim.NAdam``.

    With gradient ``g`` (negated when ``maximize``) at step ``t``, and the
    momentum schedule ``mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))``
    whose running product is ``P_t = mu_1 * ... * mu_t``::

        p = p * (1 - lr * weight_decay)    if decoupled_weight_decay, else
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        d = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - P_t) * g / d
              - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / d

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate.
        betas: decay rates of the first and second moment averages.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty (or decoupled decay rate, see above).
        momentum_decay: speed of the momentum warm-up.
        decoupled_weight_decay: decay the weights directly, as AdamW does.
        maximize: maximize the objective instead of minimizing it.

    Raises:
        ValueError: for a negative lr, eps, weight_decay or momentum_decay, or
            betas outside [0, 1).

    >>> import ember
    >>> w = ember.tensor([1.0], requires_grad=True)
    >>> opt = ember.optim.NAdam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> round(w.item(), 4)
    0.8944
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = _checked_defaults(
            "NAdam",
            lr=lr,
            eps=eps,
            betas=betas,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _new_state(self, param: Any, group: dict) -> dict:
        state = _moment_state(param)
        state["mu_product"] = 1.0
        return state

    def _update_param(self, param: Any, grad: Any, state: dict, group: dict) -> None:
        lr, (beta1, beta2), eps, step = group["lr"], group["betas"], group["eps"], state["step"]
        momentum_decay = group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
        mu_product = state["mu_product"] = state["mu_product"] * mu
        exp_avg, exp_avg_sq = _update_moments(state, grad, group["betas"])
        denom = exp_avg_sq / (1 - beta2**step)
        get_xp(param).sqrt(denom, out=denom)
        denom += eps
        param += (-lr * (1.0 - mu) / (1.0 - mu_product)) * (grad / denom)
        param += ((-lr * mu_next) / (1.0 - mu_product * mu_next)) * (exp_avg / denom)
