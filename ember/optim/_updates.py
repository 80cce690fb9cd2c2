"""Array arithmetic that several update rules share.

The functions work on raw arrays (``p.data`` and the ``.data`` of state
tensors) with the array module of their inputs, outside autograd, and round
as PyTorch's kernels do, so that trajectories stay bit-close to PyTorch's.
"""

from __future__ import annotations

from typing import Any

from ember.backend import get_xp
from ember.tensor import Tensor


def _zeros_state(param: Any) -> Tensor:
    """A state tensor of zeros with the parameter array's shape and dtype."""
    return Tensor(get_xp(param).zeros_like(param))


def _lerp_(target: Any, end: Any, weight: float) -> None:
    """``target += weight * (end - target)`` in place, rounded as ``torch.lerp_``.

    PyTorch switches to ``end - (end - target) * (1 - weight)`` for weights of at
    least one half, so that a weight of 1 lands exactly on ``end``; matching it
    keeps trajectories bit-close to PyTorch's.
    """
    if weight < 0.5:
        target += weight * (end - target)
    else:
        diff = end - target
        diff *= 1.0 - weight
        target[...] = end - diff


def _average_squares_(average: Any, value: Any, decay: float) -> None:
    """``average = decay * average + (1 - decay) * value**2`` in place.

    The running mean of squares behind Adam's second moment, RMSprop and Adadelta.
    """
    average *= decay
    average += (1 - decay) * value * value


def _moment_state(param: Any) -> dict[str, Any]:
    """The fresh state of Adam and its variants: a step count and two moment averages."""
    return {"step": 0.0, "exp_avg": _zeros_state(param), "exp_avg_sq": _zeros_state(param)}


def _update_moments(
    state: dict[str, Any], grad: Any, betas: tuple[float, float]
) -> tuple[Any, Any]:
    """Advance Adam's first and second moment averages by one gradient, in place.

    Returns:
        The arrays of ``state["exp_avg"]`` and ``state["exp_avg_sq"]``.
    """
    beta1, beta2 = betas
    exp_avg, exp_avg_sq = state["exp_avg"].data, state["exp_avg_sq"].data
    _lerp_(exp_avg, grad, 1 - beta1)
    _average_squares_(exp_avg_sq, grad, beta2)
    return exp_avg, exp_avg_sq
