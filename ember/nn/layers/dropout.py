"""Dropout layers, as ``torch.nn``'s: random zeroing in training, the identity in eval.

Masks come from Ember's seeded generator (``ember.manual_seed``), so runs
repeat exactly, but they are not the masks PyTorch draws.
"""

from __future__ import annotations

from collections.abc import Callable

import ember.nn.functional as F
from ember.nn.module import Module
from ember.tensor import Tensor

__all__ = [
    "AlphaDropout",
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "FeatureAlphaDropout",
]


class _DropoutNd(Module):
    """Holds ``p`` and ``inplace``, checked as PyTorch does."""

    _function: Callable[..., Tensor]
    # The input ranks accepted; empty leaves the check to the function.
    _ranks: tuple[int, ...] = ()

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        if self._ranks and input.ndim not in self._ranks:
            dims = " or ".join(f"{rank}-D" for rank in self._ranks)
            raise self._input_error(f"got input of shape {input.shape}: expected a {dims} input")
        return self._function(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` in training, scaling the rest by ``1/(1-p)``.

    As ``torch.nn.Dropout``: in eval mode the input passes through unchanged.

    Args:
        p: the probability of zeroing an element, in ``[0, 1]``.
        inplace: overwrite the input instead of making a new tensor.

    Raises:
        ValueError: if ``p`` is outside ``[0, 1]``.

    >>> import ember
    >>> from ember import nn
    >>> _ = ember.manual_seed(0)
    >>> sorted(set(nn.Dropout(0.5)(ember.ones(100)).tolist()))
    [0.0, 2.0]
    >>> nn.Dropout(0.5).eval()(ember.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """

    _function = staticmethod(F.dropout)


class Dropout1d(_DropoutNd):
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability ``p``.

    As ``torch.nn.Dropout1d``; kept channels are scaled by ``1/(1-p)``.

    Raises:
        ValueError: if ``p`` is outside ``[0, 1]``.
        ShapeError: in ``forward``, for an input that is not 2-D or 3-D.

    >>> import ember
    >>> from ember import nn
    >>> out = nn.Dropout1d(0.5)(ember.ones(1, 8, 4))
    >>> all(len(set(channel)) == 1 for channel in out[0].tolist())
    True
    """

    _function = staticmethod(F.dropout1d)
    _ranks = (2, 3)


class Dropout2d(_DropoutNd):
    """Zero whole channels of ``(N, C, H, W)`` input with probability ``p``.

    As ``torch.nn.Dropout2d``; kept channels are scaled by ``1/(1-p)``.

    >>> import ember
    >>> from ember import nn
    >>> nn.Dropout2d(0.2)
    Dropout2d(p=0.2, inplace=False)
    """

    _function = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input.

    As ``torch.nn.Dropout3d``; kept channels are scaled by ``1/(1-p)``.

    >>> import ember
    >>> from ember import nn
    >>> nn.Dropout3d().eval()(ember.ones(1, 2, 2, 2, 2)).shape
    (1, 2, 2, 2, 2)
    """

    _function = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Dropout for self-normalizing (SELU) networks, as ``torch.nn.AlphaDropout``.

    Dropped elements take SELU's negative saturation value and an affine map
    keeps the input's zero mean and unit variance.

    >>> import ember
    >>> from ember import nn
    >>> nn.AlphaDropout(0.2).eval()(ember.ones(2)).tolist()
    [1.0, 1.0]
    """

    _function = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels of ``(N, C, *)`` input, as ``torch.nn.FeatureAlphaDropout``.

    >>> import ember
    >>> from ember import nn
    >>> nn.FeatureAlphaDropout(0.2)(ember.ones(2, 3, 4)).shape
    (2, 3, 4)
    """

    _function = staticmethod(F.feature_alpha_dropout)
