"""RAdam: Adam whose adaptive step is switched on once its variance is tractable."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ember.backend import get_xp
from ember.optim._updates import _moment_state, _update_moments
from ember.optim.optimizer import Optimizer, _checked_defaults

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """Rectified Adam, as ``torch.optim.RAdam``.

    With gradient ``g`` (negated when ``maximize``) at step ``t``, and
    ``rho_inf = 2 / (1 - beta2) - 1``,
    ``rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)``::

        p = p * (1 - lr * weight_decay)    if decoupled_weight_decay, else
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        p = p - lr * m_hat * r_t * sqrt(1 - beta2**t) / (sqrt(v) + eps)   if rho_t > 5
        p = p - lr * m_hat                                                 otherwise
        with r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate.
        betas: decay rates of the first and second moment averages.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty (or decoupled decay rate, see above).
        decoupled_weight_decay: decay the weights directly, as AdamW does.
        maximize: maximize the objective instead of minimizing it.

    Raises:
        ValueError: for a negative lr, eps or weight_decay, or betas outside [0, 1).

    >>> import ember
    >>> w = ember.tensor([1.0, -3.0], requires_grad=True)
    >>> opt = ember.optim.RAdam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()  # an early step is plain momentum: w - lr * grad
    >>> w
    tensor([ 0.8, -2.4], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = _checked_defaults(
            "RAdam",
            lr=lr,
            eps=eps,
            betas=betas,
            weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _new_state(self, param: Any, group: dict) -> dict:
        return _moment_state(param)

    def _update_param(self, param: Any, grad: Any, state: dict, group: dict) -> None:
        lr, (beta1, beta2), eps, step = group["lr"], group["betas"], group["eps"], state["step"]
        exp_avg, exp_avg_sq = _update_moments(state, grad, group["betas"])
        bias_correction2 = 1 - beta2**step
        update = exp_avg / (1 - beta1**step)
        update *= lr
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        # Below rho_t = 5 the variance of the adaptive rate is too large to
        # trust, and the step falls back to plain momentum.
        if rho_t > 5.0:
            rect = (
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            ) ** 0.5
            denom = get_xp(param).sqrt(exp_avg_sq)
            denom += eps
            update *= bias_correction2**0.5 / denom
            update *= rect
        param -= update
