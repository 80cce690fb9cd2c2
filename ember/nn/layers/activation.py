"""Activation layers, as ``torch.nn``'s: one module per function of ``ember.nn.functional``.

Each holds its function's settings (``negative_slope``, ``dim``, ``inplace``...)
and prints them as PyTorch does; only ``PReLU`` has a parameter.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import ember.nn.functional as F
from ember.nn.init import constant_
from ember.nn.layers._common import _parameter
from ember.nn.module import Module
from ember.tensor import Tensor

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LeakyReLU",
    "LogSigmoid",
    "LogSoftmax",
    "Mish",
    "PReLU",
    "ReLU",
    "ReLU6",
    "SELU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmin",
    "Softplus",
    "Softsign",
    "Tanh",
]


def _inplace_suffix(inplace: bool) -> str:
    return ", inplace=True" if inplace else ""


class _Stateless(Module):
    """A layer that applies ``_function`` and has no settings."""

    _function: Callable[[Tensor], Tensor]

    def forward(self, input: Tensor) -> Tensor:
        return self._function(input)


class _InplaceCapable(Module):
    """A layer whose only setting is ``inplace``, printed only when set."""

    _function: Callable[..., Tensor]

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return self._function(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU(_InplaceCapable):
    """``max(input, 0)`` elementwise, as ``torch.nn.ReLU``.

    Args:
        inplace: overwrite the input instead of making a new tensor.

    >>> import ember
    >>> from ember import nn
    >>> nn.ReLU()(ember.tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """

    _function = staticmethod(F.relu)


class SELU(_InplaceCapable):
    """Scaled ELU with the self-normalizing constants, as ``torch.nn.SELU``.

    >>> import ember
    >>> from ember import nn
    >>> round(nn.SELU()(ember.tensor([1.0])).item(), 4)
    1.0507
    """

    _function = staticmethod(F.selu)


class SiLU(_InplaceCapable):
    """``input * sigmoid(input)`` (swish), as ``torch.nn.SiLU``.

    >>> import ember
    >>> from ember import nn
    >>> nn.SiLU()(ember.tensor([0.0])).tolist()
    [0.0]
    """

    _function = staticmethod(F.silu)


class Mish(_InplaceCapable):
    """``input * tanh(softplus(input))``, as ``torch.nn.Mish``.

    >>> import ember
    >>> from ember import nn
    >>> round(nn.Mish()(ember.tensor([1.0])).item(), 4)
    0.8651
    """

    _function = staticmethod(F.mish)


class Hardsigmoid(_InplaceCapable):
    """``relu6(input + 3) / 6``, as ``torch.nn.Hardsigmoid``.

    >>> import ember
    >>> from ember import nn
    >>> nn.Hardsigmoid()(ember.tensor([-4.0, 0.0, 4.0])).tolist()
    [0.0, 0.5, 1.0]
    """

    _function = staticmethod(F.hardsigmoid)

    def extra_repr(self) -> str:
        # PyTorch does not print inplace for this layer.
        return ""


class Hardswish(_InplaceCapable):
    """``input * relu6(input + 3) / 6``, as ``torch.nn.Hardswish``.

    >>> import ember
    >>> from ember import nn
    >>> nn.Hardswish()(ember.tensor([-4.0, 0.0, 4.0])).tolist()
    [0.0, 0.0, 4.0]
    """

    _function = staticmethod(F.hardswish)

    def extra_repr(self) -> str:
        # PyTorch does not print inplace for this layer.
        return ""


class Sigmoid(_Stateless):
    """``1 / (1 + exp(-input))``, as ``torch.nn.Sigmoid``.

    >>> import ember
    >>> from ember import nn
    >>> nn.Sigmoid()(ember.tensor([0.0])).tolist()
    [0.5]
    """

    _function = staticmethod(F.sigmoid)


class Tanh(_Stateless):
    """The hyperbolic tangent, as ``torch.nn.Tanh``.

    >>> import ember
    >>> from ember import nn
    >>> nn.Tanh()(ember.tensor([0.0])).tolist()
    [0.0]
    """

    _function = staticmethod(F.tanh)


class Softsign(_Stateless):
    """``input / (1 + |input|)``, as ``torch.nn.Softsign``.

    >>> import ember
    >>> from ember import nn
    >>> nn.Softsign()(ember.tensor([-3.0, 1.0])).tolist()
    [-0.75, 0.5]
    """

    _function = staticmethod(F.softsign)


class LogSigmoid(_Stateless):
    """``log(sigmoid(input))``, computed without overflow, as ``torch.nn.LogSigmoid``.

    >>> import ember
    >>> from ember import nn
    >>> nn.LogSigmoid()(ember.tensor([-1000.0])).tolist()
    [-1000.0]
    """

    _function = staticmethod(F.logsigmoid)


class Hardtanh(Module):
    """``input`` clamped to ``[min_val, max_val]``, as ``torch.nn.Hardtanh``.

    Args:
        min_val, max_val: the ends of the linear region.
        inplace: overwrite the input instead of making a new tensor.
        min_value, max_value: deprecated spellings of ``min_val`` and ``max_val``.

    Raises:
        ValueError: if ``max_val`` is not above ``min_val``.

    >>> import ember
    >>> from ember import nn
    >>> nn.Hardtanh(-0.5, 0.5)(ember.tensor([-2.0, 0.25, 3.0])).tolist()
    [-0.5, 0.25, 0.5]
    """

    def __init__(
        self,
        min_val: float = -1.0,
        max_val: float = 1.0,
        inplace: bool = False,
        min_value: float | None = None,
        max_value: float | None = None,
    ) -> None:
        super().__init__()
        if min_value is not None:
            warnings.warn(
                "Hardtanh: the min_value argument is deprecated; use min_val",
                FutureWarning,
                stacklevel=2,
            )
            min_val = min_value
        if max_value is not None:
            warnings.warn(
                "Hardtanh: the max_value argument is deprecated; use max_val",
                FutureWarning,
                stacklevel=2,
            )
            max_val = max_value
        if not max_val > min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be above min_val ({min_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_suffix(self.inplace)}"


class ReLU6(Hardtanh):
    """``min(max(input, 0), 6)``, as ``torch.nn.ReLU6`` (a ``Hardtanh`` from 0 to 6).

    >>> import ember
    >>> from ember import nn
    >>> nn.ReLU6()(ember.tensor([-1.0, 3.0, 8.0])).tolist()
    [0.0, 3.0, 6.0]
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``input`` where positive, else ``negative_slope * input``, as ``torch.nn.LeakyReLU``.

    >>> import ember
    >>> from ember import nn
    >>> nn.LeakyReLU(0.5)(ember.tensor([-2.0, 3.0])).tolist()
    [-1.0, 3.0]
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace_suffix(self.inplace)}"


class ELU(Module):
    """``input`` where positive, else ``alpha * (exp(input) - 1)``, as ``torch.nn.ELU``.

    >>> import ember
    >>> from ember import nn
    >>> nn.ELU()(ember.tensor([0.0, 2.0])).tolist()
    [0.0, 2.0]
    """

    _function = staticmethod(F.elu)

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return self._function(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_suffix(self.inplace)}"


class CELU(ELU):
    """``max(0, input) + min(0, alpha * (exp(input / alpha) - 1))``, as ``torch.nn.CELU``.

    >>> import ember
    >>> from ember import nn
    >>> nn.CELU(alpha=2.0)(ember.tensor([0.0, 2.0])).tolist()
    [0.0, 2.0]
    """

    _function = staticmethod(F.celu)


class GELU(Module):
    """Gaussian error linear unit, as ``torch.nn.GELU``.

    Args:
        approximate: ``"none"`` (the exact erf form) or ``"tanh"``.

    >>> import ember
    >>> from ember import nn
    >>> nn.GELU()
    GELU(approximate='none')
    >>> [round(v, 4) for v in nn.GELU()(ember.tensor([-1.0, 1.0])).tolist()]
    [-0.1587, 0.8413]
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """``log(1 + exp(beta * input)) / beta``, linear above ``threshold``, as ``nn.Softplus``.

    >>> import ember
    >>> from ember import nn
    >>> round(nn.Softplus()(ember.tensor([0.0])).item(), 4)
    0.6931
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class PReLU(Module):
    """``input`` where positive, else ``weight * input``, with learned slopes.

    As ``torch.nn.PReLU``: one slope shared by every channel, or one per
    channel (dimension 1 of the input).

    Args:
        num_parameters: 1, or the number of channels.
        init: the initial slope.
        device, dtype: where (the CPU) and of which dtype the weight is made.

    Raises:
        ShapeError: in ``forward``, if ``num_parameters`` is not 1 and the input
            does not have that many channels.

    >>> import ember
    >>> from ember import nn
    >>> nn.PReLU()(ember.tensor([-2.0, 2.0])).tolist()
    [-0.5, 2.0]
    """

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = _parameter(num_parameters, device=device, dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope back to ``init``."""
        constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if self.num_parameters != 1 and channels != self.num_parameters:
            raise self._input_error(
                f"got input of shape {input.shape}: it needs {self.num_parameters} channels "
                "in dimension 1 (num_parameters)"
            )
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


def _legacy_softmax_dim(name: str, ndim: int) -> int:
    """The dimension PyTorch picks when none is given (with its deprecation warning)."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=4,
    )
    return 0 if ndim in (0, 1, 3) else 1


class _SoftmaxBase(Module):
    _function: Callable[[Tensor, int], Tensor]
    _name: str

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        dim = self.dim
        if dim is None:
            dim = _legacy_softmax_dim(self._name, input.ndim)
        return self._function(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    """``exp(input)`` normalized to sum to 1 along ``dim``, as ``torch.nn.Softmax``.

    Args:
        dim: the dimension to normalize over. None picks one as PyTorch's legacy
            rule does (0 for 0-, 1- and 3-d inputs, else 1), with a warning.

    >>> import ember
    >>> from ember import nn
    >>> nn.Softmax(dim=1)(ember.tensor([[1.0, 1.0]])).tolist()
    [[0.5, 0.5]]
    """

    _function = staticmethod(F.softmax)
    _name = "softmax"


class LogSoftmax(_SoftmaxBase):
    """``log(softmax(input, dim))`` computed stably, as ``torch.nn.LogSoftmax``.

    >>> import ember
    >>> from ember import nn
    >>> nn.LogSoftmax(dim=0)(ember.tensor([0.0, -1000.0])).tolist()
    [0.0, -1000.0]
    """

    _function = staticmethod(F.log_softmax)
    _name = "log_softmax"


class Softmin(_SoftmaxBase):
    """``softmax(-input, dim)``, as ``torch.nn.Softmin``.

    >>> import ember
    >>> from ember import nn
    >>> nn.Softmin(dim=0)(ember.tensor([1.0, 1.0])).tolist()
    [0.5, 0.5]
    """

    _function = staticmethod(F.softmin)
    _name = "softmin"


class GLU(Module):
    """Gated linear unit ``a * sigmoid(b)`` of the halves of ``input`` along ``dim``.

    As ``torch.nn.GLU``; the size along ``dim`` must be even.

    >>> import ember
    >>> from ember import nn
    >>> nn.GLU()(ember.tensor([[4.0, 0.0]])).tolist()
    [[2.0]]
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
