"""Adam: adaptive moment estimation, with optional AMSGrad and decoupled weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ember.backend import get_xp
from ember.optim.optimizer import Optimizer, _check_common, _lerp_, _prepare_grad
from ember.tensor import Tensor

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
        _check_common(type(self).__name__, lr, eps, weight_decay, betas)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
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
                if amsgrad:
                    state["max_exp_avg_sq"] = Tensor(xp.zeros_like(param))
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
            step_size = lr / (1 - beta1**step)
            if amsgrad:
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
            p._version += 1
