"""Pooling layers: max, average, adaptive and max-unpooling, in one and two dimensions.

Each stores its arguments as ``torch.nn``'s layer does (so reprs match) and
checks its input's rank before calling ``ember.nn.functional``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import ember.nn.functional as F
from ember.nn.layers._common import _check_spatial, _ntuple
from ember.nn.module import Module
from ember.tensor import Tensor

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxUnpool1d",
    "MaxUnpool2d",
]

_Size = int | Sequence[int]
_OptionalSize = int | None | Sequence[int | None]
_Pooled = Tensor | tuple[Tensor, Tensor]


class _PoolNd(Module):
    """A pooling layer over ``_nd`` spatial dimensions, computed by ``_function``."""

    _nd: ClassVar[int]
    _function: ClassVar[Callable[..., Any]]

    # torch's MaxUnpool and AvgPool1d layers store their sizes as tuples of ``_nd`` ints;
    # the others keep them as given.
    _size_tuples: ClassVar[bool] = False

    def _set_window(self, kernel_size: _Size, stride: _Size | None, padding: _Size) -> None:
        """Store ``kernel_size``, ``stride`` (``kernel_size`` when None) and ``padding``."""
        if stride is None:
            stride = kernel_size
        if self._size_tuples:
            kernel_size = _ntuple("kernel_size", kernel_size, self._nd)
            stride = _ntuple("stride", stride, self._nd)
            padding = _ntuple("padding", padding, self._nd)
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding

    def _pool(self, input: Tensor, *args: Any) -> Any:
        _check_spatial(self, input, self._nd)
        return self._function(input, *args)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _MaxPoolNd(_PoolNd):
    def __init__(
        self,
        kernel_size: _Size,
        stride: _Size | None = None,
        padding: _Size = 0,
        dilation: _Size = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self._set_window(kernel_size, stride, padding)
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> _Pooled:
        """Pool ``input``; ``(values, indices)`` when ``return_indices`` is set.

        Raises:
            ShapeError: for an input of the wrong rank or smaller than the window.
        """
        return self._pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, dilation={self.dilation}, ceil_mode={self.ceil_mode}"


class MaxPool1d(_MaxPoolNd):
    """The maximum of each window of an ``(N, C, L)`` or ``(C, L)`` input.

    Args:
        kernel_size: the window size.
        stride: the window step (default ``kernel_size``).
        padding: ``-inf`` added on both sides, at most half the window.
        dilation: the spacing of a window's elements.
        return_indices: also return the index of each maximum (for ``MaxUnpool1d``).
        ceil_mode: round the output size up, keeping a last partial window.

    >>> import ember
    >>> ember.nn.MaxPool1d(2)(ember.tensor([[1.0, 3.0, 2.0, 5.0]])).tolist()
    [[3.0, 5.0]]
    """

    _nd = 1
    _function = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """The maximum of each window of an ``(N, C, H, W)`` or ``(C, H, W)`` input.

    Arguments as ``MaxPool1d``, each an int or an ``(h, w)`` pair.

    >>> import ember
    >>> pool = ember.nn.MaxPool2d(2)
    >>> pool
    MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    >>> pool(ember.arange(16.0).reshape(1, 4, 4)).tolist()
    [[[5.0, 7.0], [13.0, 15.0]]]
    """

    _nd = 2
    _function = staticmethod(F.max_pool2d)


class _MaxUnpoolNd(_PoolNd):
    _size_tuples = True

    def __init__(self, kernel_size: _Size, stride: _Size | None = None, padding: _Size = 0) -> None:
        super().__init__()
        self._set_window(kernel_size, stride, padding)

    def forward(
        self, input: Tensor, indices: Tensor, output_size: Sequence[int] | None = None
    ) -> Tensor:
        """Put each value of ``input`` back at its index, zeros elsewhere.

        Args:
            input: the pooled values.
            indices: the indices the max pooling returned with them.
            output_size: the size to restore when the pooling rounded it down.

        Raises:
            ShapeError: for an input of the wrong rank, indices of another shape or out
                of range, or an impossible ``output_size``.
        """
        return self._pool(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    """The inverse of ``MaxPool1d``: each value put back where its maximum was.

    Args:
        kernel_size, stride, padding: those of the max pooling (``stride`` defaults
            to ``kernel_size``).

    >>> import ember
    >>> pool, unpool = ember.nn.MaxPool1d(2, return_indices=True), ember.nn.MaxUnpool1d(2)
    >>> unpool(*pool(ember.tensor([[1.0, 3.0, 2.0, 5.0]]))).tolist()
    [[0.0, 3.0, 0.0, 5.0]]
    """

    _nd = 1
    _function = staticmethod(F.max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    """The inverse of ``MaxPool2d``: each value put back where its maximum was.

    Arguments as ``MaxUnpool1d``, each an int or an ``(h, w)`` pair.

    >>> import ember
    >>> pool, unpool = ember.nn.MaxPool2d(2, return_indices=True), ember.nn.MaxUnpool2d(2)
    >>> x = ember.arange(16.0).reshape(1, 1, 4, 4)
    >>> unpool(*pool(x), output_size=(5, 5)).shape
    (1, 1, 5, 5)
    """

    _nd = 2
    _function = staticmethod(F.max_unpool2d)


class _AvgPoolNd(_PoolNd):
    def __init__(
        self,
        kernel_size: _Size,
        stride: _Size | None = None,
        padding: _Size = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self._set_window(kernel_size, stride, padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def _arguments(self) -> tuple:
        """What ``_function`` takes after the input."""
        return (self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def forward(self, input: Tensor) -> Tensor:
        """Average each window of ``input``.

        Raises:
            ShapeError: for an input of the wrong rank or smaller than the window.
        """
        return self._pool(input, *self._arguments())


class AvgPool1d(_AvgPoolNd):
    """The mean of each window of an ``(N, C, L)`` or ``(C, L)`` input.

    Args:
        kernel_size: the window size.
        stride: the window step (default ``kernel_size``).
        padding: zeros added on both sides, at most half the window.
        ceil_mode: round the output size up, keeping a last partial window.
        count_include_pad: whether padded zeros count in a window's size.

    >>> import ember
    >>> ember.nn.AvgPool1d(2)(ember.tensor([[1.0, 3.0, 2.0, 6.0]])).tolist()
    [[2.0, 4.0]]
    """

    _nd = 1
    _function = staticmethod(F.avg_pool1d)
    _size_tuples = True


class AvgPool2d(_AvgPoolNd):
    """The mean of each window of an ``(N, C, H, W)`` or ``(C, H, W)`` input.

    Arguments as ``AvgPool1d`` (each an int or an ``(h, w)`` pair), and
    ``divisor_override``, which divides every window's sum instead of its size.

    >>> import ember
    >>> ember.nn.AvgPool2d(2)(ember.arange(16.0).reshape(1, 4, 4)).tolist()
    [[[2.5, 4.5], [10.5, 12.5]]]
    """

    _nd = 2
    _function = staticmethod(F.avg_pool2d)

    def __init__(
        self,
        kernel_size: _Size,
        stride: _Size | None = None,
        padding: _Size = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.divisor_override = divisor_override

    def _arguments(self) -> tuple:
        return (*super()._arguments(), self.divisor_override)


class _AdaptivePoolNd(_PoolNd):
    def __init__(self, output_size: _OptionalSize) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveAvgPoolNd(_AdaptivePoolNd):
    def forward(self, input: Tensor) -> Tensor:
        """Average ``input`` over the adaptive windows that give ``output_size``.

        Raises:
            ShapeError: for an input of the wrong rank.
        """
        return self._pool(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling of an ``(N, C, L)`` or ``(C, L)`` input to length ``output_size``.

    Windows are PyTorch's: output ``i`` averages ``floor(i * L / out)`` up to
    ``ceil((i + 1) * L / out)`` (exclusive).

    >>> import ember
    >>> ember.nn.AdaptiveAvgPool1d(2)(ember.tensor([[1.0, 2.0, 3.0, 4.0, 5.0]])).tolist()
    [[2.0, 4.0]]
    """

    _nd = 1
    _function = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average pooling of an ``(N, C, H, W)`` or ``(C, H, W)`` input to ``output_size``.

    Args:
        output_size: an int, or ``(Ho, Wo)`` where None keeps the input's size.

    >>> import ember
    >>> ember.nn.AdaptiveAvgPool2d(1)(ember.ones(2, 3, 5, 7)).shape
    (2, 3, 1, 1)
    """

    _nd = 2
    _function = staticmethod(F.adaptive_avg_pool2d)


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    def __init__(self, output_size: _OptionalSize, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> _Pooled:
        """The maximum over each adaptive window; ``(values, indices)`` if ``return_indices``.

        Raises:
            ShapeError: for an input of the wrong rank.
        """
        return self._pool(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling of an ``(N, C, L)`` or ``(C, L)`` input to length ``output_size``.

    >>> import ember
    >>> ember.nn.AdaptiveMaxPool1d(3)(ember.tensor([[1.0, 4.0, 2.0, 3.0, 0.0]])).tolist()
    [[4.0, 4.0, 3.0]]
    """

    _nd = 1
    _function = staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling of an ``(N, C, H, W)`` or ``(C, H, W)`` input to ``output_size``.

    Args:
        output_size: an int, or ``(Ho, Wo)`` where None keeps the input's size.
        return_indices: also return each maximum's flat index ``h * W + w``.

    >>> import ember
    >>> ember.nn.AdaptiveMaxPool2d((1, 2))(ember.arange(15.0).reshape(1, 3, 5)).tolist()
    [[[12.0, 14.0]]]
    """

    _nd = 2
    _function = staticmethod(F.adaptive_max_pool2d)
