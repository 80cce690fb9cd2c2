"""Layers that reshape or resample: ``Flatten``, ``Unflatten``, ``Upsample``, pixel shuffles."""

from __future__ import annotations

from collections.abc import Sequence

import ember.nn.functional as F
from ember.nn.module import Module
from ember.ops.shape import flatten, unflatten
from ember.tensor import Tensor

__all__ = [
    "Flatten",
    "PixelShuffle",
    "PixelUnshuffle",
    "Unflatten",
    "Upsample",
    "UpsamplingBilinear2d",
    "UpsamplingNearest2d",
]

_Factor = float | Sequence[float]


class Flatten(Module):
    """Merge dimensions ``start_dim`` to ``end_dim`` into one (by default all but the batch).

    >>> import ember
    >>> ember.nn.Flatten()(ember.ones(32, 1, 5, 5)).shape
    (32, 25)
    >>> ember.nn.Flatten(0, 2)(ember.ones(32, 1, 5, 5)).shape
    (160, 5)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        """``input`` with dimensions ``start_dim`` to ``end_dim`` merged.

        Raises:
            ShapeError: if ``input`` has no such dimensions.
        """
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size`` (one entry may be -1).

    Raises:
        TypeError: if ``unflattened_size`` is not a tuple or list of ints.

    >>> import ember
    >>> ember.nn.Unflatten(1, (2, 5, 5))(ember.ones(2, 50)).shape
    (2, 2, 5, 5)
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(
                "unflattened_size must be a tuple of ints, but found type "
                f"{type(unflattened_size).__name__}"
            )
        for position, size in enumerate(unflattened_size):
            if not isinstance(size, int):
                raise TypeError(
                    "unflattened_size must be tuple of ints, but found element of type "
                    f"{type(size).__name__} at pos {position}"
                )
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        """``input`` with dimension ``dim`` split.

        Raises:
            ShapeError: if the sizes do not multiply up to the size of ``dim``.
        """
        return unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Upsample(Module):
    """Resize the spatial dimensions of ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.

    Args:
        size: the output's spatial size (an int, or one per spatial dimension).
        scale_factor: multiplies each spatial size; give this or ``size``.
        mode: ``"nearest"``, ``"nearest-exact"``, ``"linear"``, ``"bilinear"``,
            ``"trilinear"`` or ``"area"``, as ``F.interpolate``.
        align_corners: for the linear modes, whether corner pixels' centres line up.
        recompute_scale_factor: map coordinates with the sizes' ratio instead of
            ``1 / scale_factor``.

    >>> import ember
    >>> up = ember.nn.Upsample(scale_factor=2)
    >>> up
    Upsample(scale_factor=2.0, mode='nearest')
    >>> up(ember.tensor([[[1.0, 2.0]]])).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    """

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: _Factor | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: float | tuple[float, ...] | None = tuple(
                float(factor) for factor in scale_factor
            )
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        """The resized ``input``.

        Raises:
            ShapeError: for an input that is not 3-D, 4-D or 5-D, or one the mode
                cannot take.
        """
        if not 3 <= input.ndim <= 5:
            raise self._input_error(
                f"got input of shape {input.shape}: expected a 3-D, 4-D or 5-D (N, C, ...) input"
            )
        return F.interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            return f"scale_factor={self.scale_factor!r}, mode={self.mode!r}"
        return f"size={self.size!r}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode="nearest")``, under PyTorch's older name.

    >>> import ember
    >>> ember.nn.UpsamplingNearest2d(scale_factor=2)(ember.ones(1, 1, 2, 3)).shape
    (1, 1, 4, 6)
    """

    def __init__(
        self, size: int | Sequence[int] | None = None, scale_factor: _Factor | None = None
    ) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode="bilinear", align_corners=True)``, PyTorch's older
    name.

    >>> import ember
    >>> ember.nn.UpsamplingBilinear2d(size=(3, 3))(ember.ones(1, 1, 2, 2)).shape
    (1, 1, 3, 3)
    """

    def __init__(
        self, size: int | Sequence[int] | None = None, scale_factor: _Factor | None = None
    ) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


def _check_factor(name: str, factor: int) -> None:
    if not isinstance(factor, int) or factor <= 0:
        raise ValueError(f"{name} must be a positive int, got {factor!r}")


class PixelShuffle(Module):
    """Rearrange ``(*, C * r * r, H, W)`` into ``(*, C, H * r, W * r)``, ``r = upscale_factor``.

    Raises:
        ValueError: if ``upscale_factor`` is not a positive int.

    >>> import ember
    >>> ember.nn.PixelShuffle(3)(ember.ones(1, 9, 4, 4)).shape
    (1, 1, 12, 12)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        _check_factor("upscale_factor", upscale_factor)
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        """The rearranged ``input``.

        Raises:
            ShapeError: for fewer than 3 dimensions or channels not divisible by ``r * r``.
        """
        r = self.upscale_factor
        if input.ndim < 3 or input.shape[-3] % (r * r):
            raise self._input_error(
                f"got input of shape {input.shape}: expected (*, C, H, W) with C divisible "
                f"by upscale_factor squared ({r * r})"
            )
        return F.pixel_shuffle(input, r)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearrange ``(*, C, H * r, W * r)`` into ``(*, C * r * r, H, W)``, undoing
    ``PixelShuffle``.

    Raises:
        ValueError: if ``downscale_factor`` is not a positive int.

    >>> import ember
    >>> ember.nn.PixelUnshuffle(3)(ember.ones(1, 1, 12, 12)).shape
    (1, 9, 4, 4)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        _check_factor("downscale_factor", downscale_factor)
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        """The rearranged ``input``.

        Raises:
            ShapeError: for fewer than 3 dimensions or a height or width not divisible by
                ``downscale_factor``.
        """
        r = self.downscale_factor
        if input.ndim < 3 or input.shape[-2] % r or input.shape[-1] % r:
            raise self._input_error(
                f"got input of shape {input.shape}: expected (*, C, H, W) with H and W "
                f"divisible by downscale_factor {r}"
            )
        return F.pixel_unshuffle(input, r)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
