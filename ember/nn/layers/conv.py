"""Convolution layers: ``Conv1d``-``Conv3d`` and ``ConvTranspose1d``-``ConvTranspose3d``.

Parameters, attributes and reprs are ``torch.nn``'s: a convolution's weight is
``(out_channels, in_channels / groups, *kernel_size)``, a transposed
convolution's ``(in_channels, out_channels / groups, *kernel_size)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import ember.nn.functional as F
from ember.nn import init
from ember.nn.layers._common import _check_spatial, _ntuple, _uniform_bias, _weight_and_bias
from ember.nn.module import Module
from ember.tensor import Tensor

__all__ = [
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
]

_Size = int | Sequence[int]
_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What every convolution layer shares: parameters, initialisation, checks and repr."""

    _nd: ClassVar[int]
    _transposed: ClassVar[bool] = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: _Size,
        stride: _Size,
        padding: _Size | str,
        dilation: _Size,
        output_padding: _Size,
        groups: int,
        bias: bool,
        padding_mode: str,
        device: Any,
        dtype: Any,
    ) -> None:
        super().__init__()
        nd = self._nd
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {set(_PADDING_MODES)}, "
                f"but got padding_mode='{padding_mode}'"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple("kernel_size", kernel_size, nd)
        self.stride = _ntuple("stride", stride, nd)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}"
                )
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding: tuple[int, ...] | str = padding
        else:
            self.padding = _ntuple("padding", padding, nd)
        self.dilation = _ntuple("dilation", dilation, nd)
        self.transposed = self._transposed
        self.output_padding = _ntuple("output_padding", output_padding, nd)
        self.groups = groups
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = self._edge_padding()
        shape = (
            (in_channels, out_channels // groups)
            if self._transposed
            else (out_channels, in_channels // groups)
        )
        _weight_and_bias(self, (*shape, *self.kernel_size), out_channels, bias, device, dtype)
        self.reset_parameters()

    def _edge_padding(self) -> list[int]:
        """The widths ``F.pad`` takes (last dimension first) for a non-zero ``padding_mode``."""
        if self.padding == "valid":
            return [0, 0] * self._nd
        if self.padding == "same":
            # As PyTorch: an odd total puts the extra element after.
            totals = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size, strict=True)]
            pairs = [(t // 2, t - t // 2) for t in totals]
        else:
            pairs = [(p, p) for p in self.padding]
        return [width for pair in reversed(pairs) for width in pair]

    def reset_parameters(self) -> None:
        """Draw ``weight`` and ``bias`` again from PyTorch's defaults.

        ``weight`` by ``kaiming_uniform_(a=sqrt(5))``, i.e. ``U(-1/sqrt(fan_in),
        1/sqrt(fan_in))`` with ``fan_in = weight.shape[1] * prod(kernel_size)``;
        ``bias`` from the same range.
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        _uniform_bias(self.bias, self.weight.shape[1] * math.prod(self.kernel_size))

    def extra_repr(self) -> str:
        nd = self._nd
        parts = [
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        ]
        if self.padding != (0,) * nd:
            parts.append(f"padding={self.padding}")
        if self.dilation != (1,) * nd:
            parts.append(f"dilation={self.dilation}")
        if self.output_padding != (0,) * nd:
            parts.append(f"output_padding={self.output_padding}")
        if self.groups != 1:
            parts.append(f"groups={self.groups}")
        if self.bias is None:
            parts.append("bias=False")
        if self.padding_mode != "zeros":
            parts.append(f"padding_mode={self.padding_mode}")
        return ", ".join(parts)


class _Conv(_ConvNd):
    """A convolution (``Conv1d``-``Conv3d``), computed by ``_function``."""

    _function: ClassVar[Callable[..., Tensor]]

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: _Size,
        stride: _Size = 1,
        padding: _Size | str = 0,
        dilation: _Size = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            0,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        """The convolution with the given parameters (subclasses may pass transformed ones)."""
        if self.padding_mode == "zeros":
            padding = self.padding
        else:
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            padding = 0
        return self._function(input, weight, bias, self.stride, padding, self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        """Convolve ``input``, ``(N, in_channels, *spatial)`` or unbatched.

        Raises:
            ShapeError: for a wrong rank or channel count, or an input smaller than
                the (dilated) kernel after padding.
        """
        _check_spatial(self, input, self._nd, self.in_channels)
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution over ``(N, in_channels, L)`` or unbatched ``(in_channels, L)`` input.

    Args:
        in_channels, out_channels: channels of the input and the output.
        kernel_size, stride, dilation: an int or a 1-tuple.
        padding: an int, a 1-tuple, ``"valid"`` or ``"same"`` (stride 1 only).
        groups: split the channels into this many independent convolutions.
        bias: whether to learn a per-channel bias.
        padding_mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
        device: only None or ``"cpu"``.
        dtype: the parameters' dtype.

    Attributes:
        weight: ``(out_channels, in_channels / groups, kernel)``.
        bias: ``(out_channels,)`` or None.

    >>> import ember
    >>> conv = ember.nn.Conv1d(2, 4, 3, padding=1)
    >>> conv
    Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=(1,))
    >>> conv(ember.ones(5, 2, 8)).shape
    (5, 4, 8)
    """

    _nd = 1
    _function = staticmethod(F.conv1d)


class Conv2d(_Conv):
    """2-D convolution over ``(N, in_channels, H, W)`` or unbatched ``(in_channels, H, W)``.

    Arguments as ``Conv1d``, with an int or a pair for ``kernel_size``, ``stride``,
    ``padding`` and ``dilation``.

    Attributes:
        weight: ``(out_channels, in_channels / groups, kH, kW)``.
        bias: ``(out_channels,)`` or None.

    >>> import ember
    >>> conv = ember.nn.Conv2d(3, 8, 3, stride=2, padding=1, padding_mode="reflect")
    >>> conv(ember.ones(2, 3, 9, 9)).shape
    (2, 8, 5, 5)
    """

    _nd = 2
    _function = staticmethod(F.conv2d)


class Conv3d(_Conv):
    """3-D convolution over ``(N, in_channels, D, H, W)`` or unbatched input.

    Arguments as ``Conv1d``, with an int or a triple for ``kernel_size``, ``stride``,
    ``padding`` and ``dilation``.

    >>> import ember
    >>> ember.nn.Conv3d(2, 4, 3, padding="same")(ember.ones(1, 2, 3, 4, 4)).shape
    (1, 4, 3, 4, 4)
    """

    _nd = 3
    _function = staticmethod(F.conv3d)


class _ConvTranspose(_ConvNd):
    """A transposed convolution (``ConvTranspose1d``-``3d``), computed by ``_function``."""

    _transposed = True
    _function: ClassVar[Callable[..., Tensor]]

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: _Size,
        stride: _Size = 1,
        padding: _Size = 0,
        output_padding: _Size = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: _Size = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if isinstance(padding, str):
            raise ValueError(
                f"{type(self).__name__} takes padding as ints, got padding={padding!r}"
            )
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            output_padding,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None) -> tuple:
        """``output_padding``, or the one that makes the output ``output_size``.

        A strided convolution maps ``stride`` input sizes to one output size;
        ``output_size`` picks among them, as in PyTorch.
        """
        if output_size is None:
            return self.output_padding
        nd = self._nd
        sizes = tuple(output_size)
        non_spatial = input.ndim - nd
        if len(sizes) == non_spatial + nd:
            sizes = sizes[non_spatial:]
        smallest = tuple(
            (n - 1) * s - 2 * p + d * (k - 1) + 1
            for n, s, p, d, k in zip(
                input.shape[-nd:],
                self.stride,
                self.padding,
                self.dilation,
                self.kernel_size,
                strict=True,
            )
        )
        largest = tuple(low + s - 1 for low, s in zip(smallest, self.stride, strict=True))
        if len(sizes) != nd or not all(
            low <= size <= high for low, size, high in zip(smallest, sizes, largest, strict=True)
        ):
            raise self._input_error(
                f"got input of shape {input.shape} and output_size {tuple(output_size)}: "
                f"valid output sizes range from {smallest} to {largest}"
            )
        return tuple(size - low for size, low in zip(sizes, smallest, strict=True))

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        """Apply the transposed convolution to ``input``, ``(N, in_channels, *spatial)``.

        Args:
            input: batched or unbatched input.
            output_size: the spatial size (or full shape) of the output, which picks
                ``output_padding`` for this call.

        Raises:
            ShapeError: for a wrong rank or channel count, or an ``output_size``
                that no output padding gives.
        """
        _check_spatial(self, input, self._nd, self.in_channels)
        output_padding = self._output_padding(input, output_size)
        return self._function(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution, the gradient of ``Conv1d`` with respect to its input.

    Args:
        in_channels, out_channels: channels of the input and the output.
        kernel_size, stride, dilation: an int or a 1-tuple.
        padding: trimmed from each side of the output (undoing a ``Conv1d``'s padding).
        output_padding: extra size on one side of the output (less than stride or dilation).
        groups: split the channels into this many independent convolutions.
        bias: whether to learn a per-channel bias.
        padding_mode: only ``"zeros"``.
        device: only None or ``"cpu"``.
        dtype: the parameters' dtype.

    Attributes:
        weight: ``(in_channels, out_channels / groups, kernel)``.
        bias: ``(out_channels,)`` or None.

    >>> import ember
    >>> up = ember.nn.ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1)
    >>> up(ember.ones(1, 4, 5)).shape
    (1, 2, 10)
    """

    _nd = 1
    _function = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution ("deconvolution"); arguments as ``ConvTranspose1d``.

    Attributes:
        weight: ``(in_channels, out_channels / groups, kH, kW)``.
        bias: ``(out_channels,)`` or None.

    >>> import ember
    >>> up = ember.nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1)
    >>> up(ember.ones(1, 8, 5, 5)).shape
    (1, 4, 9, 9)
    >>> up(ember.ones(1, 8, 5, 5), output_size=(10, 10)).shape
    (1, 4, 10, 10)
    """

    _nd = 2
    _function = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution; arguments as ``ConvTranspose1d``, with triples.

    >>> import ember
    >>> ember.nn.ConvTranspose3d(2, 1, 2, stride=2)(ember.ones(1, 2, 2, 3, 3)).shape
    (1, 1, 4, 6, 6)
    """

    _nd = 3
    _function = staticmethod(F.conv_transpose3d)
