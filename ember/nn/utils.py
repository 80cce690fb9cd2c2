"""Gradient clipping and flat parameter vectors, as ``torch.nn.utils``.

The clipping functions work on the gradient arrays in place, outside autograd,
as the optimizers do.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ember.backend import get_xp
from ember.creation import tensor
from ember.errors import ShapeError, caller
from ember.ops.shape import cat
from ember.tensor import Tensor

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "vector_to_parameters",
]

# Added to the norm before dividing, as PyTorch does, so a zero gradient stays finite.
_CLIP_EPS = 1e-6


def _as_list(tensors: Tensor | Iterable[Tensor]) -> list[Tensor]:
    # A generator (model.parameters()) would be exhausted by a first pass.
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _vector_norm(xp: Any, array: Any, norm_type: float) -> Any:
    """The ``norm_type`` norm of all entries of ``array``, as a 0-d array of its dtype."""
    flat = array.reshape(-1)
    if norm_type == 2.0:
        return xp.sqrt(xp.dot(flat, flat))
    if flat.size == 0:
        return xp.zeros((), array.dtype)
    magnitude = xp.abs(flat)
    if norm_type == math.inf:
        return magnitude.max()
    if norm_type == -math.inf:
        return magnitude.min()
    if norm_type == 0.0:
        return xp.asarray(xp.count_nonzero(flat), array.dtype)
    if norm_type == 1.0:
        return magnitude.sum()
    return (magnitude**norm_type).sum() ** (1.0 / norm_type)


def get_total_norm(
    tensors: Tensor | Iterable[Tensor],
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The norm of all ``tensors`` taken together, as if concatenated into one vector.

    Args:
        tensors: a tensor or tensors (typically gradients).
        norm_type: the p of the p-norm; ``inf`` for the largest magnitude.
        error_if_nonfinite: raise if the norm is NaN or infinite.
        foreach: accepted for PyTorch compatibility; has no effect.

    Returns:
        A 0-d tensor (0.0 when there are no tensors).

    Raises:
        RuntimeError: if ``error_if_nonfinite`` and the norm is not finite.

    >>> import ember
    >>> from ember.nn.utils import get_total_norm
    >>> get_total_norm([ember.tensor([3.0]), ember.tensor([4.0])])
    tensor(5.)
    """
    arrays = [t.data for t in _as_list(tensors)]
    norm_type = float(norm_type)
    if not arrays:
        return tensor(0.0)
    xp = get_xp(arrays[0])
    norms = xp.stack([_vector_norm(xp, a, norm_type) for a in arrays])
    total = _vector_norm(xp, norms, norm_type)
    if error_if_nonfinite and not xp.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False` "
            f"(called from {caller()})"
        )
    return Tensor(xp.asarray(total))


def clip_grads_with_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    total_norm: Tensor,
    foreach: bool | None = None,
) -> None:
    """Scale the gradients by ``max_norm / (total_norm + 1e-6)`` when that is below 1.

    Args:
        parameters: tensors whose ``.grad`` is scaled in place.
        max_norm: the largest norm allowed.
        total_norm: the gradients' total norm (see ``get_total_norm``).
        foreach: accepted for PyTorch compatibility; has no effect.
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    norm = total_norm.data if isinstance(total_norm, Tensor) else total_norm
    coef = min(float(max_norm) / (float(norm) + _CLIP_EPS), 1.0)
    for g in grads:
        g.data *= coef
        g._version += 1


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescale the gradients in place so that their total norm is at most ``max_norm``.

    The norm is taken over all gradients together, as if concatenated.

    Args:
        parameters: a tensor or tensors (e.g. ``model.parameters()``) whose
            ``.grad`` is clipped; tensors without a gradient are skipped.
        max_norm: the largest norm allowed.
        norm_type: the p of the p-norm; ``inf`` for the largest magnitude.
        error_if_nonfinite: raise if the norm is NaN or infinite.
        foreach: accepted for PyTorch compatibility; has no effect.

    Returns:
        The total norm before clipping, a 0-d tensor.

    Raises:
        RuntimeError: if ``error_if_nonfinite`` and the norm is not finite.

    >>> import ember
    >>> from ember.nn.utils import clip_grad_norm_
    >>> w = ember.tensor([3.0, 4.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> clip_grad_norm_([w], max_norm=1.0)
    tensor(10.)
    >>> [round(g, 4) for g in w.grad.tolist()]
    [0.6, 0.8]
    """
    params = _as_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient entry to ``[-clip_value, clip_value]`` in place.

    Args:
        parameters: a tensor or tensors whose ``.grad`` is clamped.
        clip_value: the largest magnitude allowed.
        foreach: accepted for PyTorch compatibility; has no effect.

    >>> import ember
    >>> from ember.nn.utils import clip_grad_value_
    >>> w = ember.tensor([-2.0, 0.25, 3.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> clip_grad_value_([w], 1.0)
    >>> w.grad.tolist()
    [-1.0, 0.5, 1.0]
    """
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            data = p.grad.data
            get_xp(data).clip(data, -clip_value, clip_value, out=data)
            p.grad._version += 1


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one vector (differentiable).

    >>> import ember
    >>> from ember.nn.utils import parameters_to_vector
    >>> parameters_to_vector([ember.ones(2, 2), ember.zeros(3)]).shape
    (7,)
    """
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into ``parameters`` (the inverse of the above).

    As in PyTorch, each parameter's data becomes a view of ``vec``'s memory.

    Args:
        vec: a 1-D tensor with as many entries as the parameters together.
        parameters: the tensors to overwrite.

    Raises:
        TypeError: if ``vec`` is not a tensor.
        ShapeError: if ``vec`` is not 1-D or its length differs from the parameters'.

    >>> import ember
    >>> from ember.nn.utils import vector_to_parameters
    >>> a, b = ember.zeros(2), ember.zeros(1)
    >>> vector_to_parameters(ember.tensor([1.0, 2.0, 3.0]), [a, b])
    >>> a.tolist(), b.tolist()
    ([1.0, 2.0], [3.0])
    """
    if not isinstance(vec, Tensor):
        raise TypeError(
            f"vector_to_parameters: expected a Tensor, but got {type(vec).__name__} "
            f"(called from {caller()})"
        )
    params = list(parameters)
    total = sum(p.data.size for p in params)
    if vec.data.ndim != 1 or vec.data.size != total:
        raise ShapeError(
            f"vector_to_parameters: expected a 1-D vector of {total} elements for "
            f"parameters of shapes {[p.shape for p in params]}, got shape {vec.shape} "
            f"(called from {caller()})"
        )
    offset = 0
    for p in params:
        size = p.data.size
        p.data = vec.data[offset : offset + size].reshape(p.data.shape)
        # Graphs that saved the old values must not backpropagate through the new ones.
        p._version += 1
        offset += size
