"""Stochastic gradient descent, with optional (Nesterov) momentum and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ember.optim.optimizer import Optimizer, _check, _checked_defaults
from ember.tensor import Tensor

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD``.

    With gradient ``g`` (negated when ``maximize``), each step does::

        g = g + weight_decay * p
        b = g on the first step, else momentum * b + (1 - dampening) * g
        g = g + momentum * b if nesterov else b          (when momentum != 0)
        p = p - lr * g

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate.
        momentum: momentum factor.
        dampening: dampening of the momentum.
        weight_decay: L2 penalty.
        nesterov: use Nesterov momentum (needs momentum > 0 and no dampening).
        maximize: maximize the objective instead of minimizing it.

    Raises:
        ValueError: for a negative lr, momentum or weight_decay, or Nesterov
            without momentum.

    >>> import ember
    >>> w = ember.tensor([1.0], requires_grad=True)
    >>> opt = ember.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()
    ...     opt.step()
    >>> round(w.item(), 4)
    0.46
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = _checked_defaults(
            "SGD",
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        _check(
            "SGD",
            not nesterov or (momentum > 0 and dampening == 0),
            "Nesterov momentum requires a momentum and zero dampening",
        )
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        # Its own loop: without momentum SGD keeps no state at all, as in PyTorch.
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        for p in group["params"]:
            if p.grad is None:
                continue
            param = p.data
            grad = self._gradient(param, p.grad.data, group)
            if momentum != 0:
                state = self.state[p]
                saved = state.get("momentum_buffer")
                if saved is None:
                    # The first step starts the buffer at the gradient, undamped.
                    buf = grad.copy()
                    state["momentum_buffer"] = Tensor(buf)
                else:
                    buf = saved.data
                    buf *= momentum
                    # Without dampening, no scaled copy of the gradient (same bits).
                    buf += grad if dampening == 0 else (1 - dampening) * grad
                grad = grad + momentum * buf if group["nesterov"] else buf
            param += -lr * grad
            p._version += 1
