"""Reductions: sum, prod, mean, var/std, max/min, arg-extrema, logsumexp, norm, cumsum, all/any.

The records are ``sum``, ``prod``, ``amax``, ``amin``, ``argmax``, ``argmin``,
``cumsum``, ``all`` and ``any``; ``mean``, ``var``, ``std``, ``max``, ``min``,
``logsumexp`` and ``norm`` are composites built from them. Public functions
turn ``dim`` (an int, a tuple or list of ints, or None; negative dims count
from the end) into the canonical form records take: a sorted tuple of
non-negative dims, or None for every dimension.
"""

from __future__ import annotations

import builtins
import math
import operator
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from ember import dtypes
from ember.creation import arange
from ember.errors import DTypeError
from ember.ops.core import broadcast_to, to_dtype
from ember.ops.dispatch import (
    STATE,
    OpRecord,
    apply,
    bind_methods,
    check,
    composite,
    op_error,
    register,
)
from ember.ops.elementwise import (
    abs,
    exp,
    isfinite,
    isnan,
    log,
    maximum,
    minimum,
    pow,
    sign,
    sqrt,
    where,
)
from ember.ops.shape import reshape
from ember.tensor import Tensor

__all__ = [
    "all",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "cumsum",
    "logsumexp",
    "max",
    "mean",
    "min",
    "norm",
    "prod",
    "std",
    "sum",
    "var",
]

_Dims = int | Sequence[int] | None
_Extremum = Tensor | tuple[Tensor, Tensor]

# PyTorch returns ``torch.return_types.max``: a tuple that also names its two fields.
_MaxResult = namedtuple("max", ["values", "indices"])
_MinResult = namedtuple("min", ["values", "indices"])


# -------------------------------------------------------------- dim handling
def _wrap(op: str, input: Tensor, dim: Any) -> int:
    try:
        d = operator.index(dim)
    except TypeError:
        raise op_error(
            op, f"dim must be an int or a sequence of ints, got {dim!r}", TypeError
        ) from None
    size = builtins.max(input.ndim, 1)
    if not -size <= d < size:
        raise op_error(
            op,
            f"dim {d} is out of range for a tensor of shape {input.shape} "
            f"(expected to be in [{-size}, {size - 1}])",
        ) from None
    return d % size


def _dims(op: str, input: Tensor, dim: _Dims) -> tuple[int, ...] | None:
    """``dim`` as sorted non-negative dims; None (every dim) also for ``()`` and 0-d inputs."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        dims = [_wrap(op, input, d) for d in dim]
        for d in dims:
            if dims.count(d) > 1:
                raise op_error(
                    op,
                    f"dim {d} appears more than once in dim={tuple(dim)} "
                    f"(input shape {input.shape})",
                ) from None
    else:
        dims = [_wrap(op, input, dim)]
    return tuple(sorted(dims)) if dims and input.ndim else None


def _one_dim(op: str, input: Tensor, dim: Any) -> tuple[int, ...] | None:
    """A single ``dim`` (not a tuple), as a one-element canonical tuple."""
    if isinstance(dim, (list, tuple)):
        raise op_error(op, f"dim must be a single int, got {dim!r}", TypeError) from None
    return _dims(op, input, dim)


def _reduced_shape(
    shape: tuple[int, ...], dim: tuple[int, ...] | None, keepdim: bool
) -> tuple[int, ...]:
    if dim is None:
        dim = range(len(shape))
    if keepdim:
        return tuple(1 if i in dim else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in dim)


def _count(shape: tuple[int, ...], dim: tuple[int, ...] | None) -> int:
    return math.prod(shape if dim is None else [shape[d] for d in dim])


def _keep(t: Tensor, shape: tuple[int, ...], dim: tuple[int, ...] | None, keepdim: bool) -> Tensor:
    """A reduction's result (or gradient) ``t`` with the reduced dims kept as size 1."""
    return t if keepdim else reshape(t, _reduced_shape(shape, dim, True))


def _expand(
    g: Tensor, shape: tuple[int, ...], dim: tuple[int, ...] | None, keepdim: bool
) -> Tensor:
    """The gradient ``g`` of a reduction, spread back over the dims it reduced."""
    return broadcast_to(_keep(g, shape, dim, keepdim), shape)


def _check_dims(x: Tensor, dim: tuple[int, ...] | None) -> None:
    check(
        dim is None or builtins.all(0 <= d < x.ndim for d in dim),
        "dim {} is out of range for a tensor of shape {}",
        dim,
        x.shape,
    )


def _reduce_rule(x: Tensor, *, dim: tuple[int, ...] | None, keepdim: bool) -> tuple:
    if dim is None and not keepdim:
        return (), x.dtype
    _check_dims(x, dim)
    return _reduced_shape(x.shape, dim, keepdim), x.dtype


def _nonempty_rule(x: Tensor, *, dim: tuple[int, ...] | None, keepdim: bool) -> tuple:
    _check_dims(x, dim)
    check(
        _count(x.shape, dim) > 0,
        "cannot reduce a tensor of shape {} over dim={}: a dimension to reduce has size "
        "0, so the result has no value",
        x.shape,
        dim,
    )
    return _reduced_shape(x.shape, dim, keepdim), x.dtype


# ------------------------------------------------------------------- sum, prod
def _sum_vjp(g: Tensor, out: Tensor, x: Tensor, *, dim: Any, keepdim: bool) -> tuple:
    return (_expand(g, x.shape, dim, keepdim),)


_sum = register(
    OpRecord(
        name="sum",
        forward=lambda xp, x, *, dim, keepdim: x.sum(axis=dim, dtype=x.dtype, keepdims=keepdim),
        vjp=_sum_vjp,
        shape_rule=_reduce_rule,
    )
)


def _prod_vjp(g: Tensor, out: Tensor, x: Tensor, *, dim: Any, keepdim: bool) -> tuple:
    # out / x is nan where x is 0. Each element's gradient is the product of the others,
    # built here from the product of the nonzero elements and the number of zeros in the
    # slice. With one zero, that zero gets the nonzero product and the others 0 (written
    # as the zero times their quotient, to keep its slope); with two, each zero gets the
    # other zero times the product; with more, all is 0. So the derivative of this
    # gradient is exact too, and gradients of gradients hold at zeros.
    zero = x == 0
    count = apply(_sum, to_dtype(zero, x.dtype), dim=dim, keepdim=True)
    safe = where(zero, 1.0, x)
    nonzero_prod = apply(_prod, safe, dim=dim, keepdim=True)
    # Always 0, but its derivative is 1 in each zero element.
    zeros_sum = apply(_sum, where(zero, x, 0.0), dim=dim, keepdim=True)
    at_zero = where(count == 1, 1.0, where(count == 2, zeros_sum - x, 0.0))
    elsewhere = where(count == 0, 1.0, where(count == 1, zeros_sum, 0.0)) / safe
    others = nonzero_prod * where(zero, at_zero, elsewhere)
    return (_expand(g, x.shape, dim, keepdim) * others,)


_prod = register(
    OpRecord(
        name="prod",
        forward=lambda xp, x, *, dim, keepdim: xp.prod(
            x, axis=dim, dtype=x.dtype, keepdims=keepdim
        ),
        vjp=_prod_vjp,
        shape_rule=_reduce_rule,
    )
)


def _accumulator(input: Tensor, dtype: Any) -> Tensor:
    """``input`` in the dtype a sum, prod or cumsum runs in: ``dtype``, else int64 for
    integers and bools (as PyTorch, so that small integer types do not overflow)."""
    if dtype is not None:
        return to_dtype(input, dtype)
    if input.data.dtype.kind != "f":
        return to_dtype(input, dtypes.int64)
    return input


def sum(input: Tensor, dim: _Dims = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum of ``input`` over ``dim`` (every dim when None), as ``torch.sum``.

    Args:
        input: the tensor to reduce.
        dim: a dim or a tuple of dims to reduce; negative dims count from the end.
        keepdim: keep the reduced dims with size 1.
        dtype: the dtype to cast to before summing; integers and bools sum to int64
            when it is not given.

    Returns:
        The sums.

    Raises:
        ShapeError: if a dim is out of range or repeated.

    >>> import ember
    >>> x = ember.tensor([[1, 2, 3], [4, 5, 6]])
    >>> ember.sum(x).item(), ember.sum(x, dim=0).tolist(), x.sum(-1, keepdim=True).tolist()
    (21, [5, 7, 9], [[6], [15]])
    """
    input = _accumulator(input, dtype)
    return apply(_sum, input, dim=_dims("sum", input, dim), keepdim=keepdim)


def prod(
    input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:
    """Product of ``input`` over one ``dim`` (every element when None), as ``torch.prod``.

    Its gradient is right where ``input`` has zeros (the product of the other elements).

    >>> import ember
    >>> x = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> ember.prod(x).item(), x.prod(1).tolist()
    (24.0, [2.0, 12.0])
    """
    input = _accumulator(input, dtype)
    return apply(_prod, input, dim=_one_dim("prod", input, dim), keepdim=keepdim)


# ----------------------------------------------------------- mean, var, std
def _require_float(op: str, input: Tensor) -> None:
    if input.data.dtype.kind != "f":
        raise op_error(
            op,
            f"expected a floating point input, got {input.dtype} (pass "
            "dtype= or convert the input with .float())",
            DTypeError,
        ) from None


@composite
def mean(input: Tensor, dim: _Dims = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Mean of ``input`` over ``dim`` (every dim when None), as ``torch.mean``.

    Raises:
        DTypeError: for integer inputs, unless a floating ``dtype`` is given.

    >>> import ember
    >>> ember.mean(ember.tensor([[1.0, 2.0], [3.0, 5.0]]), dim=1).tolist()
    [1.5, 4.0]
    """
    if dtype is not None:
        input = to_dtype(input, dtype)
    _require_float("mean", input)
    dims = _dims("mean", input, dim)
    return apply(_sum, input, dim=dims, keepdim=keepdim) / _count(input.shape, dims)


def _correction(op: str, unbiased: bool | None, correction: float | None) -> float:
    if unbiased is not None and correction is not None:
        raise op_error(op, "pass either unbiased or correction, not both", ValueError) from None
    if unbiased is not None:
        return 1 if unbiased else 0
    return 1 if correction is None else correction


@composite
def var(
    input: Tensor,
    dim: _Dims | bool = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> Tensor:
    """Variance over ``dim``, dividing by ``N - correction``, as ``torch.var``.

    Args:
        input: a floating tensor.
        dim: dims to reduce (every dim when None). A bool here is read as
            ``unbiased``, as in ``torch.var(x, False)``.
        unbiased: the legacy form of ``correction`` (True is 1, False is 0).
        keepdim: keep the reduced dims with size 1.
        correction: subtracted from the element count in the divisor (default 1).

    >>> import ember
    >>> x = ember.tensor([1.0, 3.0])
    >>> ember.var(x).item(), ember.var(x, correction=0).item(), x.var(0, False).item()
    (2.0, 1.0, 1.0)
    """
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    correction = _correction("var", unbiased, correction)
    _require_float("var", input)
    dims = _dims("var", input, dim)
    n = _count(input.shape, dims)
    centered = input - apply(_sum, input, dim=dims, keepdim=True) / n
    squares = apply(_sum, centered * centered, dim=dims, keepdim=keepdim)
    return squares / builtins.max(0, n - correction)


@composite
def std(
    input: Tensor,
    dim: _Dims | bool = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> Tensor:
    """Standard deviation: the square root of ``var`` with the same arguments (``torch.std``).

    >>> import ember
    >>> ember.std(ember.tensor([[1.0, 3.0], [2.0, 2.0]]), dim=1, correction=0).tolist()
    [1.0, 0.0]
    """
    return sqrt(var(input, dim, unbiased, keepdim, correction=correction))


# ----------------------------------------------------------------- extrema
def _extremum_vjp(g: Tensor, out: Tensor, x: Tensor, *, dim: Any, keepdim: bool) -> tuple:
    # Elements tied for the extremum share its gradient evenly, as in PyTorch.
    winners = x == _keep(out, x.shape, dim, keepdim)
    count = apply(_sum, to_dtype(winners, x.dtype), dim=dim, keepdim=True)
    return (where(winners, _keep(g, x.shape, dim, keepdim) / count, 0.0),)


_amax = register(
    OpRecord(
        name="amax",
        forward=lambda xp, x, *, dim, keepdim: x.max(axis=dim, keepdims=keepdim),
        vjp=_extremum_vjp,
        shape_rule=_nonempty_rule,
    )
)
_amin = register(
    OpRecord(
        name="amin",
        forward=lambda xp, x, *, dim, keepdim: x.min(axis=dim, keepdims=keepdim),
        vjp=_extremum_vjp,
        shape_rule=_nonempty_rule,
    )
)


def amax(input: Tensor, dim: _Dims = (), keepdim: bool = False) -> Tensor:
    """Largest value over ``dim`` (every dim when empty), as ``torch.amax``.

    Elements tied for the maximum share its gradient evenly.

    >>> import ember
    >>> ember.amax(ember.tensor([[1, 5], [7, 2]]), dim=1).tolist()
    [5, 7]
    """
    return apply(_amax, input, dim=_dims("amax", input, dim), keepdim=keepdim)


def amin(input: Tensor, dim: _Dims = (), keepdim: bool = False) -> Tensor:
    """Smallest value over ``dim`` (every dim when empty), as ``torch.amin``.

    >>> import ember
    >>> ember.amin(ember.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=(0, 1)).item()
    1.0
    """
    return apply(_amin, input, dim=_dims("amin", input, dim), keepdim=keepdim)


def _arg_rule(x: Tensor, *, dim: tuple[int, ...] | None, keepdim: bool) -> tuple:
    shape, _ = _nonempty_rule(x, dim=dim, keepdim=keepdim)
    return shape, dtypes.int64


def _arg_forward(kernel: str) -> Any:
    def forward(xp: Any, x: Any, *, dim: tuple[int, ...] | None, keepdim: bool) -> Any:
        return getattr(xp, kernel)(x, axis=None if dim is None else dim[0], keepdims=keepdim)

    return forward


_argmax = register(OpRecord("argmax", _arg_forward("argmax"), None, _arg_rule))
_argmin = register(OpRecord("argmin", _arg_forward("argmin"), None, _arg_rule))


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest value along ``dim``, or in the flattened input when None.

    The first index wins among ties, as in ``torch.argmax``.

    >>> import ember
    >>> x = ember.tensor([[1, 9, 3], [8, 2, 8]])
    >>> ember.argmax(x).item(), x.argmax(dim=1).tolist()
    (1, [1, 0])
    """
    return apply(_argmax, input, dim=_one_dim("argmax", input, dim), keepdim=keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value along ``dim``, or in the flattened input when None.

    >>> import ember
    >>> ember.argmin(ember.tensor([[4.0, 1.0], [0.5, 3.0]]), dim=0, keepdim=True).tolist()
    [[1, 0]]
    """
    return apply(_argmin, input, dim=_one_dim("argmin", input, dim), keepdim=keepdim)


def _extremum(op: str, input: Tensor, dim: Any, keepdim: bool) -> _Extremum:
    full, arg, pairwise, result = (
        (_amax, _argmax, maximum, _MaxResult)
        if op == "max"
        else (_amin, _argmin, minimum, _MinResult)
    )
    if isinstance(dim, Tensor):
        return pairwise(input, dim)
    if dim is None:
        return apply(full, input, dim=None, keepdim=False)
    dims = _one_dim(op, input, dim)
    indices = apply(arg, input, dim=dims, keepdim=True)
    if dims is not None and input.requires_grad and STATE.grad_enabled:
        # The gradient goes to the returned index alone, as in PyTorch (amax would share
        # it among ties): pick that element with a one-hot mask and sum it out.
        d = dims[0]
        positions = reshape(arange(input.shape[d]), (-1,) + (1,) * (input.ndim - d - 1))
        picked = where(positions == indices, input, 0)
        values = apply(_sum, picked, dim=dims, keepdim=keepdim)
    else:
        values = apply(full, input, dim=dims, keepdim=keepdim)
    return result(values, reshape(indices, values.shape))


@composite
def max(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False) -> _Extremum:
    """The largest value, the largest values along ``dim`` with their indices, or the
    elementwise maximum with another tensor, as the three forms of ``torch.max``.

    Args:
        input: the tensor.
        dim: None for the maximum of every element (a 0-d tensor; tied elements share
            the gradient); an int for ``(values, indices)`` along that dim (the gradient
            goes to the returned index); a tensor for ``maximum(input, dim)``.
        keepdim: with an int ``dim``, keep it with size 1.

    Returns:
        A tensor, or a ``(values, indices)`` tuple with ``.values`` and ``.indices``.

    >>> import ember
    >>> x = ember.tensor([[1.0, 9.0], [8.0, 2.0]])
    >>> ember.max(x).item()
    9.0
    >>> values, indices = x.max(dim=1)
    >>> values.tolist(), indices.tolist(), x.max(0).indices.tolist()
    ([9.0, 8.0], [1, 0], [1, 0])
    """
    return _extremum("max", input, dim, keepdim)


@composite
def min(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False) -> _Extremum:
    """The smallest value, the smallest values along ``dim`` with their indices, or the
    elementwise minimum with another tensor, as ``torch.min`` (see ``max``).

    >>> import ember
    >>> x = ember.tensor([[1.0, 9.0], [8.0, 2.0]])
    >>> ember.min(x).item(), x.min(1, keepdim=True).values.tolist()
    (1.0, [[1.0], [2.0]])
    """
    return _extremum("min", input, dim, keepdim)


@composite
def logsumexp(input: Tensor, dim: _Dims, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input), dim))`` computed without overflow, as ``torch.logsumexp``.

    A slice of ``-inf`` gives ``-inf``. Integer inputs give the default float dtype.

    >>> import ember
    >>> x = ember.tensor([[0.0, 1000.0], [float("-inf"), float("-inf")]])
    >>> ember.logsumexp(x, dim=1).tolist()
    [1000.0, -inf]
    """
    if input.data.dtype.kind != "f":
        input = to_dtype(input, dtypes.get_default_dtype())
    dims = _dims("logsumexp", input, dim)
    # Subtracting the maximum keeps exp from overflowing; the shift is a constant for
    # autograd since its gradients cancel. Infinite maxima shift by 0 instead, so that
    # a slice of -inf gives -inf rather than -inf - -inf = nan.
    shift = apply(_amax, input.detach(), dim=dims, keepdim=True)
    shift = where(isfinite(shift), shift, 0.0)
    total = apply(_sum, exp(input - shift), dim=dims, keepdim=keepdim)
    return log(total) + reshape(shift, total.shape)


def _root(total: Tensor, p: float) -> Tensor:
    # The p-th root has an infinite slope at 0, which would make the norm's gradient at
    # a zero vector nan; PyTorch defines it as 0, so route zeros around the root.
    empty = total == 0
    safe = where(empty, 1.0, total)
    return where(empty, 0.0, sqrt(safe) if p == 2 else pow(safe, 1.0 / p))


@composite
def norm(
    input: Tensor,
    p: float | str = "fro",
    dim: _Dims = None,
    keepdim: bool = False,
    dtype: Any = None,
) -> Tensor:
    """Vector p-norm of ``input`` over ``dim`` (every element when None), as ``torch.norm``.

    Args:
        input: a floating tensor.
        p: ``"fro"`` or 2 (Euclidean), 1, ``inf`` (largest absolute value), ``-inf``
            (smallest), 0 (count of nonzero elements) or any other number.
        dim: dims to reduce.
        keepdim: keep the reduced dims with size 1.
        dtype: the dtype to cast ``input`` to first.

    The gradient of the 2-norm of a zero vector is 0, as in PyTorch.

    >>> import ember
    >>> x = ember.tensor([[3.0, -4.0], [0.0, 1.0]])
    >>> ember.norm(x, dim=1).tolist(), x.norm(p=1).item(), x.norm(float("inf")).item()
    ([5.0, 1.0], 8.0, 4.0)
    """
    if dtype is not None:
        input = to_dtype(input, dtype)
    _require_float("norm", input)
    if isinstance(p, str) and p != "fro":
        raise op_error(
            "norm", f"p={p!r} is not supported; use 'fro' or a number", ValueError
        ) from None
    dims = _dims("norm", input, dim)
    if p in ("fro", 2):
        return _root(apply(_sum, input * input, dim=dims, keepdim=keepdim), 2)
    magnitude = abs(input)
    if p == 0:
        # sign keeps the count in the graph with a zero gradient, as PyTorch does; NaN
        # elements are nonzero and count 1.
        nonzero = where(isnan(input), 1.0, sign(magnitude))
        return apply(_sum, nonzero, dim=dims, keepdim=keepdim)
    if p == 1:
        return apply(_sum, magnitude, dim=dims, keepdim=keepdim)
    if p == math.inf:
        return apply(_amax, magnitude, dim=dims, keepdim=keepdim)
    if p == -math.inf:
        return apply(_amin, magnitude, dim=dims, keepdim=keepdim)
    if 0 < p < 1:
        # |x|^p has an infinite slope at 0 when p < 1; PyTorch gives zero elements a zero
        # gradient, so route them around the power.
        zero = magnitude == 0
        powered = where(zero, 0.0, pow(where(zero, 1.0, magnitude), p))
    else:
        powered = pow(magnitude, p)
    return _root(apply(_sum, powered, dim=dims, keepdim=keepdim), p)


# ------------------------------------------------------------------- cumsum
def _cumsum_rule(x: Tensor, *, dim: int) -> tuple:
    check(
        0 <= dim < builtins.max(x.ndim, 1),
        "dim {} is out of range for a tensor of shape {}",
        dim,
        x.shape,
    )
    return x.shape, x.dtype


def _cumsum_vjp(g: Tensor, out: Tensor, x: Tensor, *, dim: int) -> tuple:
    if x.ndim == 0:
        return (g,)
    # Each input reaches every output from its position on: a cumulative sum from the
    # end, written as the total minus the sum of the elements before.
    total = apply(_sum, g, dim=(dim,), keepdim=True)
    return (total - apply(_cumsum, g, dim=dim) + g,)


_cumsum = register(
    OpRecord(
        name="cumsum",
        forward=lambda xp, x, *, dim: xp.cumsum(x, axis=dim, dtype=x.dtype) if x.ndim else x.copy(),
        vjp=_cumsum_vjp,
        shape_rule=_cumsum_rule,
    )
)


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sums of ``input`` along ``dim``, as ``torch.cumsum`` (integers give int64).

    >>> import ember
    >>> ember.cumsum(ember.tensor([[1, 2, 3], [4, 5, 6]]), dim=1).tolist()
    [[1, 3, 6], [4, 9, 15]]
    """
    input = _accumulator(input, dtype)
    if isinstance(dim, (list, tuple)):
        raise op_error("cumsum", f"dim must be a single int, got {dim!r}", TypeError) from None
    return apply(_cumsum, input, dim=_wrap("cumsum", input, dim))


# ------------------------------------------------------------------ all, any
def _logical_rule(x: Tensor, *, dim: tuple[int, ...] | None, keepdim: bool) -> tuple:
    shape, dtype = _reduce_rule(x, dim=dim, keepdim=keepdim)
    # PyTorch keeps uint8 (the old bool type) and returns bool for everything else.
    return shape, dtype if dtype is dtypes.uint8 else dtypes.bool_


def _logical_forward(kernel: str) -> Any:
    def forward(xp: Any, x: Any, *, dim: tuple[int, ...] | None, keepdim: bool) -> Any:
        out = getattr(xp, kernel)(x, axis=dim, keepdims=keepdim)
        return out.astype(x.dtype) if x.dtype == xp.uint8 else out

    return forward


_all = register(OpRecord("all", _logical_forward("all"), None, _logical_rule))
_any = register(OpRecord("any", _logical_forward("any"), None, _logical_rule))


def all(input: Tensor, dim: _Dims = None, keepdim: bool = False) -> Tensor:
    """Whether every element over ``dim`` is nonzero (every dim when None), as ``torch.all``.

    >>> import ember
    >>> x = ember.tensor([[True, False], [True, True]])
    >>> ember.all(x).item(), x.all(dim=1).tolist()
    (False, [False, True])
    """
    return apply(_all, input, dim=_dims("all", input, dim), keepdim=keepdim)


def any(input: Tensor, dim: _Dims = None, keepdim: bool = False) -> Tensor:
    """Whether some element over ``dim`` is nonzero (every dim when None), as ``torch.any``.

    >>> import ember
    >>> ember.any(ember.tensor([[0.0, 0.0], [0.0, 2.0]]), dim=1).tolist()
    [False, True]
    """
    return apply(_any, input, dim=_dims("any", input, dim), keepdim=keepdim)


bind_methods(
    sum=sum,
    prod=prod,
    mean=mean,
    var=var,
    std=std,
    amax=amax,
    amin=amin,
    argmax=argmax,
    argmin=argmin,
    max=max,
    min=min,
    logsumexp=logsumexp,
    norm=norm,
    cumsum=cumsum,
    all=all,
    any=any,
)
