"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ember.backend import get_xp
from ember.optim.optimizer import Optimizer, _check, _check_common, _prepare_grad
from ember.tensor import Tensor

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
        _check_common("Adadelta", lr)
        _check("Adadelta", 0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        _check("Adadelta", eps >= 0.0, f"Invalid epsilon value: {eps}")
        _check("Adadelta", weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, rho, eps = group["lr"], group["rho"], group["eps"]
        weight_decay, maximize = group["weight_decay"], group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            param = p.data
            xp = get_xp(param)
            state = self.state[p]
            if not state:
                state["step"] = 0.0
                state["square_avg"] = Tensor(xp.zeros_like(param))
                state["acc_delta"] = Tensor(xp.zeros_like(param))
            state["step"] += 1
            grad = _prepare_grad(param, p.grad.data, weight_decay, maximize)
            square_avg, acc_delta = state["square_avg"].data, state["acc_delta"].data
            square_avg *= rho
            square_avg += (1 - rho) * grad * grad
            std = square_avg + eps
            xp.sqrt(std, out=std)
            delta = acc_delta + eps
            xp.sqrt(delta, out=delta)
            delta /= std
            delta *= grad
            acc_delta *= rho
            acc_delta += (1 - rho) * delta * delta
            param += -lr * delta
            p._version += 1
