"""RMSprop: divide the gradient by a running root mean square of its recent values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ember.backend import get_xp
from ember.optim.optimizer import Optimizer, _check, _check_common, _lerp_, _prepare_grad
from ember.tensor import Tensor

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
    >>> w = ember.tensor([1.0], requires_grad=True)
    >>> opt = ember.optim.RMSprop([w], lr=0.01)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> round(w.item(), 4)
    0.9
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
        _check_common("RMSprop", lr, eps)
        _check("RMSprop", momentum >= 0.0, f"Invalid momentum value: {momentum}")
        _check("RMSprop", weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        _check("RMSprop", alpha >= 0.0, f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]
        weight_decay, centered, maximize = (
            group["weight_decay"],
            group["centered"],
            group["maximize"],
        )
        for p in group["params"]:
            if p.grad is None:
                continue
            param = p.data
            xp = get_xp(param)
            state = self.state[p]
            if not state:
                state["step"] = 0.0
                state["square_avg"] = Tensor(xp.zeros_like(param))
                if momentum > 0:
                    state["momentum_buffer"] = Tensor(xp.zeros_like(param))
                if centered:
                    state["grad_avg"] = Tensor(xp.zeros_like(param))
            state["step"] += 1
            grad = _prepare_grad(param, p.grad.data, weight_decay, maximize)
            square_avg = state["square_avg"].data
            square_avg *= alpha
            square_avg += (1 - alpha) * grad * grad
            if centered:
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
            p._version += 1
