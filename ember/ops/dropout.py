"""Dropout: ``dropout``, ``dropout1d/2d/3d``, ``alpha_dropout`` and ``feature_alpha_dropout``.

Masks come from Ember's seeded generator, so ``ember.manual_seed`` repeats a
run exactly; kept elements are scaled by ``1 / (1 - p)``. Every function is a
composite: a mask multiplication that autograd differentiates.
"""

from __future__ import annotations

import math
from typing import Any

from ember.backend import get_xp
from ember.ops.dispatch import (
    composite,
    op_error,
)
from ember.ops.inplace import inplace
from ember.random import default_generator
from ember.tensor import Tensor

__all__ = [
    "alpha_dropout",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "feature_alpha_dropout",
]

# SELU's negative saturation value, -lambda * alpha: what alpha dropout writes for a dropped unit.
_SELU_SATURATION = 1.7580993408473766


def _check_probability(op: str, p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise op_error(
            op, f"dropout probability has to be between 0 and 1, but got {p}", ValueError
        )


def _keep(like: Any, shape: tuple[int, ...], p: float) -> Any:
    """A bool array, in the array module of ``like``, that holds each unit with probability
    ``1 - p``. The draws come from Ember's one seeded generator on the host, so a seed gives
    the same masks on every device."""
    # float32 uniforms: half the bits of float64, and the mask only needs a comparison.
    return get_xp(like).asarray(default_generator.rng.random(shape, dtype="float32") >= p)


def _dropout(
    op: str,
    input: Tensor,
    p: float,
    training: bool,
    inplace_: bool,
    mask_shape: tuple[int, ...],
    alpha: bool = False,
) -> Tensor:
    _check_probability(op, p)
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:

        def compute(t: Tensor) -> Tensor:
            return t * 0

    elif alpha:
        # Kept units become a*x + alpha*a*p, dropped ones alpha*a*(p - 1): with SELU's
        # constants the output keeps the input's zero mean and unit variance.
        a = 1 / math.sqrt((_SELU_SATURATION**2 * p + 1) * (1 - p))
        keep = _keep(input.data, mask_shape, p)
        dtype = input.data.dtype
        factor = Tensor((keep * a).astype(dtype))
        offset = Tensor(((keep - 1 + p) * (_SELU_SATURATION * a)).astype(dtype))

        def compute(t: Tensor) -> Tensor:
            return t * factor + offset

    else:
        mask = Tensor((_keep(input.data, mask_shape, p) / (1 - p)).astype(input.data.dtype))

        def compute(t: Tensor) -> Tensor:
            return t * mask

    if inplace_:
        return inplace(op, input, compute)
    return compute(input)


def _feature_shape(op: str, input: Tensor, batched: bool) -> tuple[int, ...]:
    """The shape of a mask that drops whole channels: ``(N, C, 1, ...)``, or ``(C, 1, ...)``."""
    lead = 2 if batched else 1
    if input.ndim < lead:
        raise op_error(op, f"expected an input with a channel dimension, got shape {input.shape}")
    return input.shape[:lead] + (1,) * (input.ndim - lead)


@composite
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    As ``torch.nn.functional.dropout``: the input itself comes back when
    ``training`` is False or ``p`` is 0; ``p = 1`` gives zeros.

    Raises:
        ValueError: if ``p`` is outside ``[0, 1]``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> x = ember.ones(4)
    >>> F.dropout(x, 0.5, training=False) is x
    True
    >>> sorted(set(F.dropout(ember.ones(100), 0.5).tolist()))
    [0.0, 2.0]
    """
    return _dropout("dropout", input, p, training, inplace, input.shape)


@composite
def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input, as ``F.dropout1d``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> out = F.dropout1d(ember.ones(1, 6, 5), 0.5)
    >>> all(len(set(row)) == 1 for row in out[0].tolist())
    True
    """
    if input.ndim not in (2, 3):
        raise op_error("dropout1d", f"expected a 2-D or 3-D input, got shape {input.shape}")
    shape = _feature_shape("dropout1d", input, input.ndim == 3)
    return _dropout("dropout1d", input, p, training, inplace, shape)


@composite
def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels (the dims after the first two), as ``F.dropout2d``.

    A 3-D input is read as ``(N, C, L)``, as PyTorch still does.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> out = F.dropout2d(ember.ones(2, 3, 4, 4), 0.5)
    >>> sorted({len(set(c.flatten().tolist())) for c in out.reshape(6, 4, 4)})
    [1]
    """
    shape = _feature_shape("dropout2d", input, True)
    return _dropout("dropout2d", input, p, training, inplace, shape)


@composite
def dropout3d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input, as ``F.dropout3d``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.dropout3d(ember.ones(2, 2, 2, 2, 2), 0.5, training=False).shape
    (2, 2, 2, 2, 2)
    """
    shape = _feature_shape("dropout3d", input, input.ndim == 5)
    return _dropout("dropout3d", input, p, training, inplace, shape)


@composite
def alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Dropout for SELU networks: keeps zero mean and unit variance, as ``F.alpha_dropout``.

    Dropped units take SELU's negative saturation value; then an affine map
    restores the mean and variance. Note the default ``training=False``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.alpha_dropout(ember.ones(3), 1.0, training=True).tolist()
    [0.0, 0.0, 0.0]
    """
    return _dropout("alpha_dropout", input, p, training, inplace, input.shape, alpha=True)


@composite
def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Alpha dropout of whole channels of an ``(N, C, ...)`` input, as ``F.feature_alpha_dropout``.

    >>> import ember
    >>> import ember.nn.functional as F
    >>> F.feature_alpha_dropout(ember.ones(2, 3, 4), 0.5).shape
    (2, 3, 4)
    """
    shape = _feature_shape("feature_alpha_dropout", input, True)
    return _dropout("feature_alpha_dropout", input, p, training, inplace, shape, alpha=True)
