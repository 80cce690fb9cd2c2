"""Adagrad: per-coordinate learning rates from the sum of squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ember.backend import get_xp
from ember.optim.optimizer import Optimizer, _check, _check_common, _prepare_grad
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
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> round(w.item(), 4)
    0.9
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
        _check_common("Adagrad", lr)
        _check("Adagrad", lr_decay >= 0.0, f"Invalid lr_decay value: {lr_decay}")
        _check("Adagrad", weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        _check(
            "Adagrad",
            initial_accumulator_value >= 0.0,
            f"Invalid initial_accumulator_value value: {initial_accumulator_value}",
        )
        _check("Adagrad", eps >= 0.0, f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group["initial_accumulator_value"])

    def _init_state(self, p: Tensor, initial_accumulator_value: float) -> dict[str, Any]:
        state = self.state[p]
        state["step"] = 0.0
        state["sum"] = Tensor(get_xp(p.data).full_like(p.data, initial_accumulator_value))
        return state

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        weight_decay, maximize = group["weight_decay"], group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            param = p.data
            xp = get_xp(param)
            state = self.state[p]
            if not state:
                # A group added after construction starts from the optimizer's default.
                state = self._init_state(p, self.defaults["initial_accumulator_value"])
            step = state["step"] = state["step"] + 1
            grad = _prepare_grad(param, p.grad.data, weight_decay, maximize)
            clr = lr / (1 + (step - 1) * lr_decay)
            state_sum = state["sum"].data
            state_sum += grad * grad
            std = xp.sqrt(state_sum)
            std += eps
            xp.divide(grad, std, out=std)
            std *= -clr
            param += std
            p._version += 1
