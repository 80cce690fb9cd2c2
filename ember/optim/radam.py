"""RAdam: Adam whose adaptive step is switched on once its variance is tractable."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ember.backend import get_xp
from ember.optim.optimizer import Optimizer, _check_common, _lerp_, _prepare_grad
from ember.tensor import Tensor

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
    >>> w = ember.tensor([1.0], requires_grad=True)
    >>> opt = ember.optim.RAdam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> round(w.item(), 4)
    0.8
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
        _check_common("RAdam", lr, eps, weight_decay, betas)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, decoupled = group["weight_decay"], group["decoupled_weight_decay"]
        maximize = group["maximize"]
        rho_inf = 2 / (1 - beta2) - 1
        for p in group["params"]:
            if p.grad is None:
                continue
            param = p.data
            xp = get_xp(param)
            state = self.state[p]
            if not state:
                state["step"] = 0.0
                state["exp_avg"] = Tensor(xp.zeros_like(param))
                state["exp_avg_sq"] = Tensor(xp.zeros_like(param))
            step = state["step"] = state["step"] + 1
            if decoupled and weight_decay != 0:
                param *= 1 - lr * weight_decay
                grad = _prepare_grad(param, p.grad.data, 0, maximize)
            else:
                grad = _prepare_grad(param, p.grad.data, weight_decay, maximize)
            exp_avg, exp_avg_sq = state["exp_avg"].data, state["exp_avg_sq"].data
            _lerp_(exp_avg, grad, 1 - beta1)
            exp_avg_sq *= beta2
            exp_avg_sq += (1 - beta2) * grad * grad
            bias_correction2 = 1 - beta2**step
            update = exp_avg / (1 - beta1**step)
            update *= lr
            rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
            # Below rho_t = 5 the variance of the adaptive rate is too large to
            # trust, and the step falls back to plain momentum.
            if rho_t > 5.0:
                rect = (
                    (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                ) ** 0.5
                denom = xp.sqrt(exp_avg_sq)
                denom += eps
                update *= bias_correction2**0.5 / denom
                update *= rect
            param -= update
            p._version += 1
