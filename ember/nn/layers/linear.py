"""Affine layers: ``Identity``, ``Linear`` and ``Bilinear``, as in ``torch.nn``."""

from __future__ import annotations

import math
from typing import Any

import ember.nn.functional as F
from ember.nn import init
from ember.nn.layers._common import _uniform_bias, _weight_and_bias
from ember.nn.module import Module
from ember.ops.linalg import einsum
from ember.tensor import Tensor

__all__ = ["Bilinear", "Identity", "Linear"]


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored.

    A placeholder where a model expects a layer, e.g. to remove a head.

    >>> import ember
    >>> ember.nn.Identity(54, unused="argument")(ember.ones(2)).tolist()
    [1.0, 1.0]
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """Return ``input`` itself."""
        return input


class Linear(Module):
    """``y = x @ weight.T + bias`` over the last dimension of ``x``.

    Args:
        in_features: the size of each input's last dimension.
        out_features: the size of each output's last dimension.
        bias: whether to learn an additive bias.
        device: only None or ``"cpu"``.
        dtype: the parameters' dtype (default: the default dtype).

    Attributes:
        weight: ``(out_features, in_features)``, ``U(-1/sqrt(in_features), 1/sqrt(in_features))``
            (PyTorch's ``kaiming_uniform_(a=sqrt(5))``).
        bias: ``(out_features,)``, from the same distribution, or None.

    Input ``(*, in_features)``, output ``(*, out_features)``.

    >>> import ember
    >>> fc = ember.nn.Linear(4, 3)
    >>> fc
    Linear(in_features=4, out_features=3, bias=True)
    >>> fc(ember.ones(2, 4)).shape
    (2, 3)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        _weight_and_bias(self, (out_features, in_features), out_features, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw ``weight`` and ``bias`` again from PyTorch's default distributions."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        _uniform_bias(self.bias, self.in_features)

    def forward(self, input: Tensor) -> Tensor:
        """Apply the affine map to the last dimension of ``input``.

        Raises:
            ShapeError: if the last dimension of ``input`` is not ``in_features``.
        """
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise self._input_error(
                f"got input of shape {input.shape}: the last dimension must be {self.in_features}"
            )
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Bilinear(Module):
    """``y[..., k] = x1 @ weight[k] @ x2 + bias[k]``: a bilinear form per output feature.

    Args:
        in1_features: the size of ``input1``'s last dimension.
        in2_features: the size of ``input2``'s last dimension.
        out_features: the size of the output's last dimension.
        bias: whether to learn an additive bias.
        device: only None or ``"cpu"``.
        dtype: the parameters' dtype.

    Attributes:
        weight: ``(out_features, in1_features, in2_features)``.
        bias: ``(out_features,)`` or None; both drawn from
            ``U(-1/sqrt(in1_features), 1/sqrt(in1_features))``, as in PyTorch.

    Inputs ``(*, in1_features)`` and ``(*, in2_features)`` with the same leading
    dimensions; output ``(*, out_features)``.

    >>> import ember
    >>> layer = ember.nn.Bilinear(3, 4, 2)
    >>> layer(ember.ones(5, 3), ember.ones(5, 4)).shape
    (5, 2)
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        weight_shape = (out_features, in1_features, in2_features)
        _weight_and_bias(self, weight_shape, out_features, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw ``weight`` and ``bias`` again from ``U(-1/sqrt(in1), 1/sqrt(in1))``."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        """Apply the bilinear form to each pair of rows of ``input1`` and ``input2``.

        Raises:
            ShapeError: if the last dimensions are not ``in1_features`` and
                ``in2_features``, or the leading dimensions differ.
        """
        if (
            input1.ndim == 0
            or input2.ndim == 0
            or input1.shape[-1] != self.in1_features
            or input2.shape[-1] != self.in2_features
            or input1.shape[:-1] != input2.shape[:-1]
        ):
            raise self._input_error(
                f"got inputs of shapes {input1.shape} and {input2.shape}: expected "
                f"(*, {self.in1_features}) and (*, {self.in2_features}) with the same leading "
                "dimensions"
            )
        out = einsum("...i,oij,...j->...o", input1, self.weight, input2)
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
