"""Activation functions with ``torch.nn.functional``'s names, signatures and defaults.

Each is a composite of Ember ops, so autograd differentiates it to any order.
Piecewise functions pick their branches with ``where`` and give every branch an
input on which it is finite: the gradient of an unpicked branch is multiplied
by zero, and ``0 * inf`` would be nan. At a kink the gradient is the one
PyTorch's kernel gives. ``relu``, ``sigmoid`` and ``tanh`` are records of
``ember.ops.elementwise``; ``softmax``, ``log_softmax`` and ``gelu`` are the fused
records of ``ember.ops.activation``.
"""

from __future__ import annotations

from typing import Any

from ember.ops.activation import _gelu, softmax
from ember.ops.dispatch import apply, composite, op_error
from ember.ops.elementwise import abs as _abs
from ember.ops.elementwise import clamp, exp, expm1, log1p, sigmoid, tanh, where
from ember.ops.elementwise import relu as _relu
from ember.ops.inplace import inplace as _inplace
from ember.ops.shape import chunk, reshape
from ember.tensor import Tensor

__all__ = [
    "celu",
    "elu",
    "gelu",
    "glu",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "leaky_relu",
    "logsigmoid",
    "mish",
    "prelu",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "softmin",
    "softplus",
    "softsign",
    "tanh",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _stable_softplus(x: Tensor) -> Tensor:
    """``log(1 + exp(x))`` without overflow: ``max(x, 0) + log1p(exp(-|x|))``.

    ``-|x|`` is written ``x - 2 max(x, 0)`` with ``max`` as a clamp: clamp passes the
    gradient at 0, which gives the true slope 1/2 there, where ``relu`` and ``abs``
    (both with slope 0 at 0) would give 0.
    """
    positive = clamp(x, min=0.0)
    return positive + log1p(exp(x - (positive + positive)))


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)`` elementwise, as ``torch.nn.functional.relu``.

    Args:
        input: any tensor.
        inplace: write the result into ``input`` and return it.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.relu(ember.tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    if inplace:
        return _inplace("relu_", input, _relu)
    return _relu(input)


@composite
def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """``input`` clamped to ``[min_val, max_val]``, as ``torch.nn.functional.hardtanh``.

    The gradient is 1 strictly inside the interval and 0 on and outside its ends.

    Raises:
        ValueError: if ``max_val < min_val``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.hardtanh(ember.tensor([-2.0, 0.5, 3.0])).tolist()
    [-1.0, 0.5, 1.0]
    """
    if max_val < min_val:
        raise op_error(
            "hardtanh", f"max_val ({max_val}) cannot be lower than min_val ({min_val})", ValueError
        )
    if inplace:
        return _inplace("hardtanh_", input, lambda t: hardtanh(t, min_val, max_val))
    if input.data.dtype.kind in "iu":
        # PyTorch keeps integer inputs integer; float bounds would promote them.
        min_val, max_val = int(min_val), int(max_val)
    return where(input <= min_val, min_val, where(input >= max_val, max_val, input))


@composite
def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(input, 0), 6)``, as ``torch.nn.functional.relu6``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.relu6(ember.tensor([-1.0, 3.0, 8.0])).tolist()
    [0.0, 3.0, 6.0]
    """
    return hardtanh(input, 0.0, 6.0, inplace)


@composite
def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``negative_slope * input``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.leaky_relu(ember.tensor([-2.0, 3.0]), 0.5).tolist()
    [-1.0, 3.0]
    """
    if inplace:
        return _inplace("leaky_relu_", input, lambda t: leaky_relu(t, negative_slope))
    return where(input > 0, input, input * negative_slope)


def _exp_branch(x: Tensor) -> Tensor:
    """``expm1(x)`` for the ``x <= 0`` branch of the ELU family; the clamp keeps the
    unpicked positive side from overflowing."""
    return expm1(clamp(x, max=0.0))


@composite
def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``alpha * (exp(input) - 1)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.elu(ember.tensor([0.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    if inplace:
        return _inplace("elu_", input, lambda t: elu(t, alpha))
    return where(input > 0, input, alpha * _exp_branch(input))


@composite
def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Scaled ELU with the self-normalizing constants, as ``torch.nn.functional.selu``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> round(F.selu(ember.tensor([1.0])).item(), 4)
    1.0507
    """
    if inplace:
        return _inplace("selu_", input, selu)
    return where(input > 0, _SELU_SCALE * input, (_SELU_SCALE * _SELU_ALPHA) * _exp_branch(input))


@composite
def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, input) + min(0, alpha * (exp(input / alpha) - 1))``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.celu(ember.tensor([0.0, 2.0]), alpha=2.0).tolist()
    [0.0, 2.0]
    """
    if inplace:
        return _inplace("celu_", input, lambda t: celu(t, alpha))
    return where(input > 0, input, alpha * _exp_branch(input / alpha))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit, ``input * Phi(input)``, as ``torch.nn.functional.gelu``.

    One fused record each way (``gelu`` and ``gelu_backward``); float32 inputs take an
    approximation of ``Phi`` accurate to float32 rounding.

    Args:
        input: a floating tensor.
        approximate: ``"none"`` (the exact erf form) or ``"tanh"``.

    Raises:
        ValueError: for another ``approximate``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> [round(v, 4) for v in F.gelu(ember.tensor([-1.0, 1.0])).tolist()]
    [-0.1587, 0.8413]
    """
    if approximate not in ("none", "tanh"):
        raise op_error(
            "gelu", f"approximate must be 'none' or 'tanh', got {approximate!r}", ValueError
        )
    return apply(_gelu, input, approximate=approximate)


@composite
def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * sigmoid(input)`` (also called swish).

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.silu(ember.tensor([0.0])).tolist()
    [0.0]
    """
    if inplace:
        return _inplace("silu_", input, silu)
    return input * sigmoid(input)


@composite
def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * tanh(softplus(input))``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> round(F.mish(ember.tensor([1.0])).item(), 4)
    0.8651
    """
    if inplace:
        return _inplace("mish_", input, mish)
    return input * tanh(_stable_softplus(input))


@composite
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * input)) / beta``, linear where ``beta * input > threshold``.

    Computed without overflow for any input, as ``torch.nn.functional.softplus``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.softplus(ember.tensor([0.0, 1000.0])).tolist()[1]
    1000.0
    """
    scaled = input if beta == 1 else input * beta
    smooth = _stable_softplus(scaled)
    if beta != 1:
        smooth = smooth / beta
    return where(scaled > threshold, input, smooth)


@composite
def softsign(input: Tensor) -> Tensor:
    """``input / (1 + |input|)``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.softsign(ember.tensor([-3.0, 1.0])).tolist()
    [-0.75, 0.5]
    """
    return input / (1.0 + _abs(input))


@composite
def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(input + 3) / 6``: 0 below -3, 1 above 3, linear between.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.hardsigmoid(ember.tensor([-4.0, 0.0, 4.0])).tolist()
    [0.0, 0.5, 1.0]
    """
    if inplace:
        return _inplace("hardsigmoid_", input, hardsigmoid)
    return where(input <= -3.0, 0.0, where(input >= 3.0, 1.0, input / 6.0 + 0.5))


@composite
def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * relu6(input + 3) / 6``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.hardswish(ember.tensor([-4.0, 0.0, 4.0])).tolist()
    [0.0, 0.0, 4.0]
    """
    if inplace:
        return _inplace("hardswish_", input, hardswish)
    return where(input <= -3.0, 0.0, where(input >= 3.0, input, input * (input + 3.0) / 6.0))


@composite
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``input`` where positive, else ``weight * input``, with a learned slope per channel.

    Args:
        input: a tensor whose dimension 1 holds the channels (inputs of fewer than
            two dimensions have one channel).
        weight: one slope, or one per channel.

    Raises:
        ShapeError: if ``weight`` has neither 1 nor ``channels`` elements.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.prelu(ember.tensor([[-2.0, -2.0]]), ember.tensor([0.5, 0.25])).tolist()
    [[-1.0, -0.5]]
    """
    channels = input.shape[1] if input.ndim >= 2 else 1
    count = weight.numel()
    if count == 1:
        slope = reshape(weight, ())
    elif count == channels:
        slope = reshape(weight, (channels,) + (1,) * (input.ndim - 2))
    else:
        raise op_error(
            "prelu",
            f"weight of shape {weight.shape} has {count} slopes; input of shape "
            f"{input.shape} needs 1 or one per channel ({channels})",
        )
    return where(input > 0, input, slope * input)


@composite
def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(input))``, computed as ``-softplus(-input)`` so it never overflows.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.logsigmoid(ember.tensor([-1000.0, 1000.0])).tolist()
    [-1000.0, -0.0]
    """
    return -_stable_softplus(-input)


@composite
def softmin(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """``softmax(-input, dim)``: weights that favour the smallest entries along ``dim``.

    Args:
        input: a floating tensor (or any tensor, with ``dtype``).
        dim: the dimension to normalize over. None picks it as PyTorch's legacy rule
            does (0 for 0-, 1- and 3-d inputs, else 1).
        dtype: if given, the input is converted to it first.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.softmin(ember.tensor([1.0, 1.0]), dim=0).tolist()
    [0.5, 0.5]
    """
    if dim is None:
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return softmax(-input, dim, dtype)


@composite
def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: ``a * sigmoid(b)`` for the halves ``a, b`` of ``input`` along ``dim``.

    Raises:
        ShapeError: for a 0-d input, a ``dim`` out of range, or an odd size along ``dim``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.glu(ember.tensor([[4.0, 0.0]])).tolist()
    [[2.0]]
    """
    if not -input.ndim <= dim < input.ndim:
        raise op_error(
            "glu", f"dim {dim} is out of range for input of shape {input.shape} (0-d not supported)"
        )
    size = input.shape[dim]
    if size % 2:
        raise op_error(
            "glu",
            f"input of shape {input.shape} has odd size {size} along dim {dim}; it must halve",
        )
    value, gate = chunk(input, 2, dim)
    return value * sigmoid(gate)
