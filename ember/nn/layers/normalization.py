"""Normalization layers, as ``torch.nn``'s: batch, instance, layer and group norm.

Batch and instance norm keep ``running_mean``, ``running_var`` and
``num_batches_tracked`` buffers (in that order, after ``weight`` and ``bias``),
so their ``state_dict()`` is torch's; layer and group norm are stateless apart
from their affine parameters.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import ember.nn.functional as F
from ember import dtypes
from ember.creation import ones, tensor, zeros
from ember.nn import init
from ember.nn.layers._common import _parameter
from ember.nn.module import Module
from ember.tensor import Tensor

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "GroupNorm",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LayerNorm",
]


def _affine_parameters(
    module: Module, shape: tuple[int, ...], affine: bool, bias: bool, device: Any, dtype: Any
) -> None:
    """Register ``weight`` and ``bias`` of ``shape`` (or None), in torch's order."""
    module.register_parameter(
        "weight", _parameter(*shape, device=device, dtype=dtype) if affine else None
    )
    module.register_parameter(
        "bias", _parameter(*shape, device=device, dtype=dtype) if affine and bias else None
    )


def _reset_affine(module: Module) -> None:
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class _NormBase(Module):
    """What batch and instance norm share: affine parameters and running statistics."""

    # The input ranks the layer accepts, described for error messages.
    _ranks: tuple[int, ...] = ()
    _shapes: str = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_parameters(self, (num_features,), affine, bias, device, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=dtypes.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, and the affine parameters to weight 1 and bias 0."""
        self.reset_running_stats()
        _reset_affine(self)

    def _check_rank(self, input: Tensor) -> None:
        if input.ndim not in self._ranks:
            raise self._input_error(f"got input of shape {input.shape}: expected {self._shapes}")

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    def forward(self, input: Tensor) -> Tensor:
        self._check_rank(input)
        if input.shape[1] != self.num_features:
            raise self._input_error(
                f"got input of shape {input.shape}: dimension 1 must be "
                f"{self.num_features} (num_features)"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                # A cumulative moving average: every batch so far weighs the same.
                factor = 1.0 / self.num_batches_tracked.item()
        # Buffers that exist but are not tracked (track_running_stats switched off after
        # construction) normalize in eval mode and are left alone in training.
        use_buffers = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if use_buffers else None,
            self.running_var if use_buffers else None,
            self.weight,
            self.bias,
            self.training or (self.running_mean is None and self.running_var is None),
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization of ``(N, C)`` or ``(N, C, L)`` input, as ``torch.nn.BatchNorm1d``.

    In training, each channel is normalized with the batch's mean and (biased)
    variance, and ``running_mean``/``running_var`` move towards the batch mean
    and unbiased variance by ``momentum`` (``None``: a cumulative average over
    ``num_batches_tracked`` batches). In eval mode the running statistics
    normalize; with ``track_running_stats=False`` batch statistics always do.

    Args:
        num_features: the number of channels ``C``.
        eps: added to the variance for stability.
        momentum: weight of each new batch in the running statistics, or None.
        affine: learn a per-channel ``weight`` (init 1) and ``bias`` (init 0).
        track_running_stats: keep running statistics (buffers) for eval mode.
        device, dtype: where (the CPU) and of which dtype the parameters are made.
        bias: with ``affine``, whether to learn ``bias``.

    Raises:
        ShapeError: in ``forward``, for an input of another rank or channel count.

    >>> import ember
    >>> from ember import nn
    >>> bn = nn.BatchNorm1d(2)
    >>> out = bn(ember.tensor([[1.0, 0.0], [3.0, 4.0]]))
    >>> [[round(v, 3) for v in row] for row in out.tolist()]
    [[-1.0, -1.0], [1.0, 1.0]]
    >>> [round(v, 6) for v in bn.running_mean.tolist()], bn.num_batches_tracked.item()
    ([0.2, 0.2], 1)
    """

    _ranks = (2, 3)
    _shapes = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of ``(N, C, H, W)`` input, as ``torch.nn.BatchNorm2d``.

    Arguments and behaviour are ``BatchNorm1d``'s.

    >>> import ember
    >>> from ember import nn
    >>> nn.BatchNorm2d(3)(ember.randn(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
    """

    _ranks = (4,)
    _shapes = "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalization of ``(N, C, D, H, W)`` input, as ``torch.nn.BatchNorm3d``.

    Arguments and behaviour are ``BatchNorm1d``'s.

    >>> import ember
    >>> from ember import nn
    >>> nn.BatchNorm3d(3).eval()(ember.zeros(1, 3, 2, 2, 2)).shape
    (1, 3, 2, 2, 2)
    """

    _ranks = (5,)
    _shapes = "(N, C, D, H, W)"


class _InstanceNorm(_NormBase):
    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )

    def forward(self, input: Tensor) -> Tensor:
        self._check_rank(input)
        unbatched = input.ndim == self._ranks[0]
        channels = input.shape[0 if unbatched else 1]
        if channels != self.num_features:
            message = (
                f"got input of shape {input.shape}: dimension {0 if unbatched else 1} must be "
                f"{self.num_features} (num_features)"
            )
            if self.affine or self.track_running_stats:
                raise self._input_error(message)
            # As in PyTorch: without parameters or buffers the channel count is unused.
            warnings.warn(f"{type(self).__name__}: {message}", stacklevel=3)
        batched = input.unsqueeze(0) if unbatched else input
        out = F.instance_norm(
            batched,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            0.0 if self.momentum is None else self.momentum,
            self.eps,
        )
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of ``(N, C, L)`` or unbatched ``(C, L)`` input.

    Each channel of each sample is normalized over its own length, as
    ``torch.nn.InstanceNorm1d``. Unlike batch norm, ``affine`` and
    ``track_running_stats`` are off by default; when tracked, the running
    statistics (averaged over the batch) normalize in eval mode.

    Args:
        num_features: the number of channels ``C``.
        eps: added to the variance for stability.
        momentum: weight of each new batch in the running statistics.
        affine: learn a per-channel ``weight`` and ``bias``.
        track_running_stats: keep running statistics for eval mode.
        device, dtype: where (the CPU) and of which dtype the parameters are made.
        bias: with ``affine``, whether to learn ``bias``.

    >>> import ember
    >>> from ember import nn
    >>> nn.InstanceNorm1d(1, eps=0.0)(ember.tensor([[[1.0, 3.0]]])).tolist()
    [[[-1.0, 1.0]]]
    """

    _ranks = (2, 3)
    _shapes = "(C, L) or (N, C, L)"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of ``(N, C, H, W)`` or unbatched ``(C, H, W)`` input.

    Arguments and behaviour are ``InstanceNorm1d``'s.

    >>> import ember
    >>> from ember import nn
    >>> nn.InstanceNorm2d(3)(ember.randn(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
    """

    _ranks = (3, 4)
    _shapes = "(C, H, W) or (N, C, H, W)"


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)`` input.

    Arguments and behaviour are ``InstanceNorm1d``'s.

    >>> import ember
    >>> from ember import nn
    >>> nn.InstanceNorm3d(2)(ember.randn(2, 2, 3, 3, 3)).shape
    (2, 2, 3, 3, 3)
    """

    _ranks = (4, 5)
    _shapes = "(C, D, H, W) or (N, C, D, H, W)"


class LayerNorm(Module):
    """Normalization over the trailing ``normalized_shape`` dimensions of each sample.

    As ``torch.nn.LayerNorm``: the statistics come from the input in both
    training and eval mode.

    Args:
        normalized_shape: the trailing shape to normalize over (an int is ``(int,)``).
        eps: added to the variance for stability.
        elementwise_affine: learn a ``weight`` (init 1) and ``bias`` (init 0) of
            ``normalized_shape``.
        bias: with ``elementwise_affine``, whether to learn ``bias``.
        device, dtype: where (the CPU) and of which dtype the parameters are made.

    Raises:
        ShapeError: in ``forward``, for an input that does not end in ``normalized_shape``.

    >>> import ember
    >>> from ember import nn
    >>> ln = nn.LayerNorm(2, eps=0.0)
    >>> ln
    LayerNorm((2,), eps=0.0, elementwise_affine=True, bias=True)
    >>> ln(ember.tensor([[1.0, 3.0]])).tolist()
    [[-1.0, 1.0]]
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, self.normalized_shape, elementwise_affine, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight 1 and bias 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        shape = self.normalized_shape
        if input.ndim < len(shape) or input.shape[input.ndim - len(shape) :] != shape:
            raise self._input_error(
                f"got input of shape {input.shape}: the trailing dimensions must be "
                f"{shape} (normalized_shape)"
            )
        return F.layer_norm(input, shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Normalization of each sample's channels in ``num_groups`` groups, as ``nn.GroupNorm``.

    Args:
        num_groups: the number of groups; must divide ``num_channels``.
        num_channels: the number of channels ``C`` of ``(N, C, *)`` input.
        eps: added to the variance for stability.
        affine: learn a per-channel ``weight`` (init 1) and ``bias`` (init 0).
        device, dtype: where (the CPU) and of which dtype the parameters are made.
        bias: with ``affine``, whether to learn ``bias``.

    Raises:
        ValueError: if ``num_groups`` does not divide ``num_channels``.
        ShapeError: in ``forward``, for an input without ``num_channels`` channels.

    >>> import ember
    >>> from ember import nn
    >>> gn = nn.GroupNorm(1, 2, eps=0.0)
    >>> gn(ember.tensor([[[1.0], [3.0]]])).tolist()
    [[[-1.0], [1.0]]]
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, (num_channels,), affine, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight 1 and bias 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise self._input_error(
                f"got input of shape {input.shape}: expected (N, {self.num_channels}, *) "
                "(num_channels in dimension 1)"
            )
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
            f"affine={self.affine}, bias={self.bias is not None}"
        )
