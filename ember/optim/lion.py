"""Lion: the sign of an interpolated momentum, from "Symbolic Discovery of Optimization
Algorithms" (Chen et al., 2023). PyTorch has no Lion; the update is the published one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ember.backend import get_xp
from ember.optim._updates import _zeros_state
from ember.optim.optimizer import Optimizer, _checked_defaults

__all__ = ["Lion"]


class Lion(Optimizer):
    """Lion (EvoLved Sign Momentum).

    With gradient ``g`` and momentum ``m``::

        c = beta1 * m + (1 - beta1) * g
        p = p - lr * (sign(c) + weight_decay * p)
        m = beta2 * m + (1 - beta2) * g

    Every coordinate moves by exactly ``lr`` (plus decay), so Lion wants a
    learning rate 3-10 times smaller than AdamW's and a larger weight decay.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate.
        betas: interpolation factor of the update and decay rate of the momentum.
        weight_decay: decoupled weight decay rate.

    Raises:
        ValueError: for a negative lr or weight_decay, or betas outside [0, 1).

    >>> import ember
    >>> w = ember.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = ember.optim.Lion([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.9, -1.9], requires_grad=True)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-4,
        betas: tuple[float, float] = (0.9, 0.99),
        weight_decay: float = 0.0,
    ) -> None:
        defaults = _checked_defaults("Lion", lr=lr, betas=betas, weight_decay=weight_decay)
        super().__init__(params, defaults)

    def _new_state(self, param: Any, group: dict) -> dict:
        return {"exp_avg": _zeros_state(param)}

    def _gradient(self, param: Any, grad: Any, group: dict) -> Any:
        # Lion's weight decay joins the update after the sign (see _update_param).
        return grad

    def _update_param(self, param: Any, grad: Any, state: dict, group: dict) -> None:
        lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
        exp_avg = state["exp_avg"].data
        update = beta1 * exp_avg
        update += (1 - beta1) * grad
        # NumPy's sign is several times slower in place than into a new array.
        update = get_xp(param).sign(update)
        if weight_decay != 0:
            update += weight_decay * param
        update *= lr
        param -= update
        exp_avg *= beta2
        exp_avg += (1 - beta2) * grad
