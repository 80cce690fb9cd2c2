"""Adagrad: per-coordinate learning rates from the sum of squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ember.backend import get_xp
from ember.optim.optimizer import Optimizer, _checked_defaults
from ember.tensor import Tensor

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``.

    With gradient ``g`` (negated when ``maximize``) at step ``t``::

        g = g + weight_decay * p
        s = s + g * g                    (s starts at initial_accumulator_value)
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)

    Unlike the other optimizers, the state of every parameter is created by the
    constructor, as PyTorch does.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate.
        lr_decay: learning rate decay per step.
        weight_decay: L2 penalty.
        initial_accumulator_value: starting value of the squared-gradient sums.
        eps: added to the denominator for numerical stability.
        maximize: maximize the objective instead of minimizing it.

    Raises:
        ValueError: for a negative lr, lr_decay, weight_decay,
            initial_accumulator_value or eps.

    >>> import ember
    >>> w = ember.tensor([1.0], requires_grad=True)
    >>> opt = ember.optim.Adagrad([w], lr=0.1)
    >>> path = []
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()
    ...     opt.step()
    ...     path.append(round(w.item(), 4))
    >>> path  # the steps shrink as squared gradients add up
    [0.9, 0.8331, 0.7805]
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = _checked_defaults(
            "Adagrad",
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p].update(self._new_state(p.data, group))

    def _new_state(self, param: Any, group: dict) -> dict:
        # PyTorch fills the sums with the constructor's value, whatever a group sets.
        initial = self.defaults["initial_accumulator_value"]
        return {"step": 0.0, "sum": Tensor(get_xp(param).full_like(param, initial))}

    def _update_param(self, param: Any, grad: Any, state: dict, group: dict) -> None:
        xp = get_xp(param)
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state_sum = state["sum"].data
        state_sum += grad * grad
        std = xp.sqrt(state_sum)
        std += group["eps"]
        xp.divide(grad, std, out=std)
        std *= -clr
        param += std
