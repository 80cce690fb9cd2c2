"""Indexing ops: ``x[index]``, ``x[index] = v``, gather and scatter, and the masked forms.

``getitem`` and ``index_put`` are each other's VJP: reading elements scatters the
gradient back into zeros with accumulation (an element read twice gets both
gradients), and writing elements reads the gradient of the written values.
``gather`` and ``scatter_add`` pair up the same way along one dimension.

Indices follow PyTorch, which differs from NumPy in one case: integers select
(and drop) their dimension before any advanced (tensor or list) index applies,
so for ``x`` of shape ``(3, 4, 5)``, ``x[0, :, [0, 1]]`` has shape ``(4, 2)``
where NumPy gives ``(2, 4)``. Bool masks become the integer arrays of their
nonzero positions, as in both libraries; unlike PyTorch, negative slice steps
are allowed (``x[::-1]``), as in NumPy.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy

from ember import dtypes
from ember.backend import get_xp
from ember.errors import DTypeError, ShapeError, caller
from ember.ops.core import broadcast_shapes, broadcast_to, scalar_like, to_dtype, unbroadcast
from ember.ops.dispatch import (
    STATE,
    OpRecord,
    apply,
    bind_methods,
    check,
    check_dtype,
    check_same_dtype,
    composite,
    op_error,
    register,
)
from ember.ops.elementwise import where
from ember.ops.inplace import inplace
from ember.ops.shape import reshape
from ember.tensor import Tensor

__all__ = [
    "gather",
    "index_put",
    "index_select",
    "masked_fill",
    "scatter",
    "scatter_add",
    "take_along_dim",
]

_ALL = slice(None)
_OUT_OF_BOUNDS = "index {} is out of bounds for dimension {} with size {}"


# --------------------------------------------------------- index normalization
def _is_array(item: Any) -> bool:
    return not (item is None or type(item) is int or type(item) is slice)


def _as_int(op: str, value: Any) -> int | None:
    if value is None:
        return None
    try:
        return operator.index(value)
    except TypeError:
        raise op_error(
            op, f"slice bounds must be integers or None, got {type(value).__name__}", DTypeError
        ) from None


def _index_array(op: str, item: Any) -> Any:
    """The array behind a tensor, list or array index; integer or bool."""
    if isinstance(item, Tensor):
        array = item.data
    elif isinstance(item, (list, tuple, numpy.ndarray)):
        array = numpy.asarray(item)
        if array.size == 0 and array.dtype.kind == "f":
            array = array.astype(numpy.int64)  # ``x[[]]``: an empty list is an empty index
    else:
        raise op_error(
            op,
            "only integers, slices, None, ..., lists and integer or bool "
            f"tensors are valid indices, got {type(item).__name__}",
            TypeError,
        ) from None
    if array.dtype.kind not in "iub":
        raise op_error(
            op,
            "tensors used as indices must be integer or bool tensors, got "
            f"{dtypes.FROM_NP.get(array.dtype, array.dtype)}",
            DTypeError,
        ) from None
    return array


def _normalize(op: str, shape: tuple[int, ...], index: Any) -> tuple:
    """``index`` as a tuple of ints, slices, None and int64 arrays, one per dimension used.

    The ellipsis is spelled out as full slices, bool masks become the arrays of
    their nonzero positions, and 0-d integer arrays become ints. Arrays are
    copied, so changing the user's index later cannot change a recorded one.
    """
    items = index if type(index) is tuple else (index,)
    parts: list = []
    ellipsis = None
    used = 0
    for item in items:
        if item is None or type(item) is slice:
            if item is not None:
                item = slice(
                    _as_int(op, item.start), _as_int(op, item.stop), _as_int(op, item.step)
                )
                if item.step == 0:
                    raise op_error(op, "slice step cannot be zero") from None
                used += 1
        elif item is Ellipsis:
            if ellipsis is not None:
                raise op_error(op, "an index can only have a single ellipsis ('...')") from None
            ellipsis = len(parts)
            continue
        elif isinstance(item, (bool, numpy.bool_)):
            raise op_error(
                op, "Python bools are not valid indices; use None to add a dimension", TypeError
            ) from None
        elif isinstance(item, (int, numpy.integer)):
            item = int(item)
            used += 1
        else:
            item = _index_array(op, item)
            if item.ndim == 0 and item.dtype.kind == "b":
                raise op_error(
                    op,
                    "0-d bool tensors are not valid indices; use None to add a dimension",
                    TypeError,
                ) from None
            used += item.ndim if item.dtype.kind == "b" else 1
            if item.ndim == 0:
                item = int(item)
        parts.append(item)
    if used > len(shape):
        raise op_error(
            op, f"too many indices for a tensor of shape {shape}: {used} dimensions indexed"
        ) from None
    if ellipsis is not None:
        parts[ellipsis:ellipsis] = [_ALL] * (len(shape) - used)
    normalized: list = []
    dim = 0
    for item in parts:
        if item is None:
            normalized.append(item)
            continue
        if _is_array(item):
            if item.dtype.kind == "b":
                covered = shape[dim : dim + item.ndim]
                if item.shape != covered:
                    raise op_error(
                        op,
                        f"the mask of shape {item.shape} does not match the "
                        f"shape {covered} of the tensor of shape {shape} at "
                        f"dimension {dim}",
                    ) from None
                normalized.extend(item.nonzero())
                dim += item.ndim
                continue
            item = item.astype(get_xp(item).int64)
        normalized.append(item)
        dim += 1
    return tuple(normalized)


def _check_bounds(index: Any, size: int, dim: int, lowest: int = 0) -> None:
    """Every element of the array ``index`` lies in ``[lowest, size)``; gather and scatter
    take no negative indices (``lowest=0``), as in PyTorch."""
    if index.size:
        low, high = int(index.min()), int(index.max())
        check(
            low >= lowest and high < size, _OUT_OF_BOUNDS, low if low < lowest else high, dim, size
        )


def _split(index: tuple, xp: Any = None) -> tuple[tuple, tuple | None]:
    """The basic part of ``index`` (ints, slices, None) and its advanced part, if any.

    PyTorch applies the integers first; the advanced part then indexes the
    dimensions that the basic part leaves. Kernels pass their ``xp``: index arrays parsed
    from Python lists live on the host, and move to ``xp``'s device here.
    """
    if not any(_is_array(item) for item in index):
        return index, None
    basic, advanced = [], []
    for item in index:
        if type(item) is int:
            basic.append(item)
        elif _is_array(item):
            basic.append(_ALL)
            advanced.append(item if xp is None else xp.asarray(item))
        else:
            basic.append(item)
            advanced.append(_ALL)
    return tuple(basic), tuple(advanced)


def _indexed_shape(shape: tuple[int, ...], index: tuple) -> tuple[int, ...]:
    """The shape of ``x[index]`` for ``x`` of ``shape``, with bounds checked."""
    out: list = []
    arrays, positions = [], []
    dim = 0
    for item in index:
        if item is None:
            out.append(1)
            continue
        check(dim < len(shape), "too many indices for a tensor of shape {}", shape)
        size = shape[dim]
        if type(item) is int:
            check(-size <= item < size, _OUT_OF_BOUNDS, item, dim, size)
        elif type(item) is slice:
            out.append(len(range(*item.indices(size))))
        else:
            check_dtype(
                item.dtype.kind in "iu", "index arrays must be integers, got {}", item.dtype
            )
            _check_bounds(item, size, dim, lowest=-size)
            positions.append(len(out))
            arrays.append(item.shape)
            out.append(-1)
        dim += 1
    out.extend(shape[dim:])
    if not arrays:
        return tuple(out)
    joint = list(broadcast_shapes(*arrays))
    if positions[-1] - positions[0] == len(positions) - 1:
        return tuple(out[: positions[0]] + joint + out[positions[-1] + 1 :])
    # Advanced indices apart from each other put their dimensions first.
    return tuple(joint + [n for i, n in enumerate(out) if i not in positions])


# --------------------------------------------------------- getitem, index_put
def _getitem_forward(xp: Any, x: Any, *, index: tuple) -> Any:
    basic, advanced = _split(index, xp)
    # The trailing ellipsis keeps a 0-d result a view rather than a NumPy scalar.
    view = x[(*basic, Ellipsis)]
    return view if advanced is None else view[advanced]


def _getitem_rule(x: Tensor, *, index: tuple) -> tuple:
    return _indexed_shape(x.shape, index), x.dtype


def _zeros(shape: tuple[int, ...], like: Tensor) -> Tensor:
    return broadcast_to(scalar_like(0, like.dtype, like), shape)


def _getitem_vjp(g: Tensor, out: Tensor, x: Tensor, *, index: tuple) -> tuple:
    return (apply(_index_put, _zeros(x.shape, g), g, index=index, accumulate=True),)


_getitem = register(OpRecord("getitem", _getitem_forward, _getitem_vjp, _getitem_rule))


def _put(xp: Any, out: Any, values: Any, index: tuple, accumulate: bool) -> None:
    """Write (or add) ``values`` into ``out[index]``, in ``out``'s own memory."""
    basic, advanced = _split(index, xp)
    target = out[(*basic, Ellipsis)]
    if advanced is None:
        if accumulate:
            target += values  # basic indices never repeat an element
        else:
            target[...] = values
    elif accumulate:
        _accumulate(xp, target, advanced, values)
    else:
        target[advanced] = values


def _accumulate(xp: Any, target: Any, advanced: tuple, values: Any) -> None:
    """``target[advanced] += values``, where repeated indices add up.

    NumPy's ``add.at`` is fast along one dimension and several times slower over whole
    rows: an index of rows (the adjoint of ``x[rows]``, of an embedding) becomes the
    offsets of the rows' elements in the flattened target.
    """
    rows = advanced[0]
    if (
        target.ndim < 2
        or not target.flags.c_contiguous
        or not _is_array(rows)
        or any(item is not _ALL for item in advanced[1:])
    ):
        xp.add.at(target, advanced, values)
        return
    count = target.shape[0]
    width = target.size // count if count else 0
    rows = xp.asarray(rows)
    rows = xp.where(rows < 0, rows + count, rows)
    offsets = rows.reshape(-1, 1) * width + xp.arange(width)
    spread = xp.broadcast_to(values, rows.shape + target.shape[1:])
    xp.add.at(target.reshape(-1), offsets.reshape(-1), spread.reshape(-1))


def _index_put_forward(xp: Any, x: Any, values: Any, *, index: tuple, accumulate: bool) -> Any:
    out = x.copy()
    _put(xp, out, values, index, accumulate)
    return out


def _index_put_rule(x: Tensor, values: Tensor, *, index: tuple, accumulate: bool) -> tuple:
    check_dtype(
        values.data.dtype == x.data.dtype,
        "values of dtype {} do not match the dtype {} of the tensor written to",
        values.dtype,
        x.dtype,
    )
    target = _indexed_shape(x.shape, index)
    lead = len(target) - values.ndim
    check(
        lead >= 0 and all(n in (1, target[lead + i]) for i, n in enumerate(values.shape)),
        "values of shape {} cannot be broadcast to the indexed shape {}",
        values.shape,
        target,
    )
    return x.shape, x.dtype


def _index_put_vjp(
    g: Tensor, out: Tensor, x: Tensor, values: Tensor, *, index: tuple, accumulate: bool
) -> tuple:
    gx = None
    if x.requires_grad and accumulate:
        gx = g
    elif x.requires_grad:
        # Overwritten elements no longer depend on x.
        gx = apply(_index_put, g, scalar_like(0, g.dtype, g), index=index, accumulate=False)
    gv = None
    if values.requires_grad:
        gv = unbroadcast(apply(_getitem, g, index=index), values.shape)
    return gx, gv


_index_put = register(OpRecord("index_put", _index_put_forward, _index_put_vjp, _index_put_rule))


def _validated(op: str, rule: Callable, *args: Any, **attrs: Any) -> Any:
    """Run a rule (or check) for a public function, naming ``op`` and the caller if it fails."""
    try:
        return rule(*args, **attrs)
    except (ShapeError, DTypeError) as err:
        raise type(err)(f"{op}: {err} (called from {caller()})") from None


def _fit_values(op: str, x: Tensor, values: Tensor, index: tuple) -> Tensor:
    """``values`` without the leading size-1 dimensions that the indexed shape lacks
    (PyTorch and NumPy drop them when assigning)."""
    target = _validated(op, _indexed_shape, x.shape, index)
    lead = values.ndim - len(target)
    if lead > 0 and all(n == 1 for n in values.shape[:lead]):
        values = reshape(values, values.shape[lead:])
    return values


def index_put(input: Tensor, indices: tuple, values: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` written at ``input[indices]``, as ``torch.index_put``.

    Args:
        input: the tensor to copy.
        indices: a tuple of index tensors (integer or bool), one per leading dimension.
        values: broadcast to the shape of ``input[indices]``; same dtype as ``input``.
        accumulate: add the values instead of writing them; repeated indices then add up.

    Raises:
        ShapeError: for indices out of range or values that do not broadcast.
        DTypeError: for float indices or values of another dtype.

    >>> import ember
    >>> x = ember.zeros(3)
    >>> ember.index_put(x, (ember.tensor([0, 2, 0]),), ember.ones(3), accumulate=True).tolist()
    [2.0, 0.0, 1.0]
    """
    index = _normalize("index_put", input.shape, tuple(indices))
    if not isinstance(values, Tensor):
        raise op_error(
            "index_put", f"values must be a Tensor, got {type(values).__name__}", TypeError
        ) from None
    values = _fit_values("index_put", input, values, index)
    return apply(_index_put, input, values, index=index, accumulate=accumulate)


def _getitem_method(self: Tensor, index: Any) -> Tensor:
    """``self[index]``: basic slicing, integer-array and bool-mask indexing (PyTorch rules).

    >>> import ember
    >>> x = ember.arange(12).reshape(3, 4)
    >>> x[1:, ::2].tolist(), x[[0, 2], -1].tolist(), x[x > 9].tolist()
    ([[4, 6], [8, 10]], [3, 11], [10, 11])
    """
    # A plain int (row by row loops) is already normal.
    index = (index,) if type(index) is int else _normalize("getitem", self.shape, index)
    return apply(_getitem, self, index=index)


def _setitem_method(self: Tensor, index: Any, value: Any) -> None:
    """``self[index] = value``, broadcasting ``value`` (a number or tensor).

    With nothing to record, the values are written into this tensor's memory,
    so views of it see them; when recording, the tensor is rebound to an
    out-of-place ``index_put``, as the other in-place ops do.

    >>> import ember
    >>> x = ember.zeros(2, 3)
    >>> x[0, 1:] = 5
    >>> x.tolist()
    [[0.0, 5.0, 5.0], [0.0, 0.0, 0.0]]
    """
    index = _normalize("setitem", self.shape, index)
    if isinstance(value, Tensor):
        value = to_dtype(value, self.dtype)
    else:
        try:
            value = Tensor(get_xp(self.data).asarray(value, dtype=self.data.dtype))
        except (TypeError, ValueError):
            raise op_error(
                "setitem", f"cannot assign a {type(value).__name__} to a tensor", TypeError
            ) from None
    value = _fit_values("setitem", self, value, index)
    if STATE.grad_enabled and (self.requires_grad or value.requires_grad):
        inplace(
            "setitem",
            self,
            lambda t: apply(_index_put, t, value, index=index, accumulate=False),
            value,
        )
        return
    _validated("setitem", _index_put_rule, self, value, index=index, accumulate=False)
    if not self.data.flags.writeable:
        raise op_error(
            "setitem",
            f"the tensor of shape {self.shape} is a read-only "
            "broadcast view; clone() it before writing",
        ) from None
    _put(get_xp(self.data), self.data, value.data, index, False)
    if self._node is not None:
        self._node.dirty = True
    self._version += 1


# ------------------------------------------------------ gather and scatter
def _dim(op: str, dim: int, ndim: int) -> int:
    if not -ndim <= dim < ndim:
        raise op_error(
            op,
            f"dim {dim} is out of range for a tensor of {ndim} dimensions "
            f"(expected to be in [{-ndim}, {ndim - 1}])",
        ) from None
    return dim % ndim


def _check_index(index: Tensor) -> None:
    check_dtype(
        index.data.dtype.kind in "iu", "expected an integer index tensor, got {}", index.dtype
    )


def _check_along(x: Tensor, index: Tensor, dim: int) -> None:
    """What gather and scatter need of ``index`` against the ``x`` they read or write."""
    _check_index(index)
    check(
        index.ndim == x.ndim,
        "index of shape {} must have as many dimensions as the input of shape {}",
        index.shape,
        x.shape,
    )
    for d, (n, size) in enumerate(zip(index.shape, x.shape, strict=True)):
        check(
            d == dim or n <= size,
            "index of shape {} is larger than the input of shape {} at dimension {}",
            index.shape,
            x.shape,
            d,
        )
    _check_bounds(index.data, x.shape[dim], dim)


def _leading(shape: tuple[int, ...], dim: int | None) -> tuple:
    """Slices that cut a tensor to ``shape`` in every dimension except ``dim``."""
    return tuple(_ALL if d == dim else slice(0, n) for d, n in enumerate(shape))


def _coordinates(xp: Any, index: Any, dim: int) -> tuple:
    """Full coordinates of the elements that ``index`` addresses along ``dim``."""
    coordinates = []
    for d, n in enumerate(index.shape):
        if d == dim:
            coordinates.append(index)
        else:
            # A range along d only; indexing broadcasts it against the others.
            coordinates.append(xp.arange(n).reshape((1,) * d + (n,) + (1,) * (index.ndim - d - 1)))
    return tuple(coordinates)


def _pad(t: Tensor, shape: tuple[int, ...]) -> Tensor:
    """``t`` in the leading corner of zeros of ``shape``."""
    if t.shape == shape:
        return t
    corner = tuple(slice(0, n) for n in t.shape)
    return apply(_index_put, _zeros(shape, t), t, index=corner, accumulate=False)


def _gather_forward(xp: Any, x: Any, index: Any, *, dim: int) -> Any:
    return xp.take_along_axis(x[_leading(index.shape, dim)], index, axis=dim)


def _gather_rule(x: Tensor, index: Tensor, *, dim: int) -> tuple:
    _check_along(x, index, dim)
    return index.shape, x.dtype


def _gather_vjp(g: Tensor, out: Tensor, x: Tensor, index: Tensor, *, dim: int) -> tuple:
    return apply(_scatter_add, _zeros(x.shape, g), index, g, dim=dim), None


def _scatter_rule(x: Tensor, index: Tensor, src: Tensor, *, dim: int) -> tuple:
    _check_along(x, index, dim)
    check_same_dtype(x, src, "src")
    if src.ndim:
        check(
            src.ndim == index.ndim
            and all(n <= m for n, m in zip(index.shape, src.shape, strict=True)),
            "index of shape {} is larger than src of shape {}",
            index.shape,
            src.shape,
        )
    return x.shape, x.dtype


def _scatter_forward(accumulate: bool) -> Callable:
    def forward(xp: Any, x: Any, index: Any, src: Any, *, dim: int) -> Any:
        out = x.copy()
        coordinates = _coordinates(xp, index, dim)
        if src.ndim:
            src = src[_leading(index.shape, None)]
        if accumulate:
            xp.add.at(out, coordinates, src)
        else:
            out[coordinates] = src
        return out

    return forward


def _scatter_vjp(
    g: Tensor, out: Tensor, x: Tensor, index: Tensor, src: Tensor, *, dim: int
) -> tuple:
    gx = None
    if x.requires_grad:
        # Overwritten elements no longer depend on x.
        gx = apply(_scatter, g, index, scalar_like(0, g.dtype, g), dim=dim)
    gsrc = _pad(apply(_gather, g, index, dim=dim), src.shape) if src.requires_grad else None
    return gx, None, gsrc


def _scatter_add_vjp(
    g: Tensor, out: Tensor, x: Tensor, index: Tensor, src: Tensor, *, dim: int
) -> tuple:
    gsrc = _pad(apply(_gather, g, index, dim=dim), src.shape) if src.requires_grad else None
    return g, None, gsrc


_gather = register(OpRecord("gather", _gather_forward, _gather_vjp, _gather_rule))
_scatter = register(OpRecord("scatter", _scatter_forward(False), _scatter_vjp, _scatter_rule))
_scatter_add = register(
    OpRecord("scatter_add", _scatter_forward(True), _scatter_add_vjp, _scatter_rule)
)


def _index_tensor(op: str, index: Any) -> Tensor:
    """``index`` itself; PyTorch takes no lists here either."""
    if not isinstance(index, Tensor):
        raise op_error(
            op, f"index must be a Tensor, got {type(index).__name__}", TypeError
        ) from None
    return index


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """Values of ``input`` along ``dim`` at ``index``, as ``torch.gather``.

    ``out[i][j][k] = input[index[i][j][k]][j][k]`` for ``dim=0``; the output has
    ``index``'s shape.

    Args:
        input: the tensor to read.
        dim: the dimension to index along.
        index: integer tensor with as many dimensions as ``input``, no larger than
            it in the other dimensions, with values in ``[0, input.shape[dim])``.

    Raises:
        ShapeError: for an index of the wrong rank or out of range.
        DTypeError: for a non-integer index.

    >>> import ember
    >>> x = ember.tensor([[1, 2], [3, 4]])
    >>> ember.gather(x, 1, ember.tensor([[0, 0], [1, 0]])).tolist()
    [[1, 1], [4, 3]]
    """
    dim = _dim("gather", dim, input.ndim)
    return apply(_gather, input, _index_tensor("gather", index), dim=dim)


def scatter(
    input: Tensor,
    dim: int,
    index: Tensor,
    src: Tensor | float | None = None,
    *,
    value: float | None = None,
) -> Tensor:
    """A copy of ``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``.

    ``out[index[i][j]][j] = src[i][j]`` for ``dim=0``, as ``torch.scatter``; where
    ``index`` repeats a position, which value lands there is undefined.

    Args:
        input: the tensor to copy.
        dim: the dimension to index along.
        index: integer tensor with as many dimensions as ``input``.
        src: a tensor at least as large as ``index``, or a number.
        value: a number written at every indexed position (instead of ``src``).

    >>> import ember
    >>> ember.scatter(ember.zeros(3), 0, ember.tensor([2, 0]), ember.tensor([5.0, 6.0])).tolist()
    [6.0, 0.0, 5.0]
    """
    if value is None and not isinstance(src, Tensor):
        src, value = None, src
    if (src is None) == (value is None):
        raise op_error("scatter", "expected exactly one of src and value", TypeError) from None
    dim = _dim("scatter", dim, input.ndim)
    index = _index_tensor("scatter", index)
    if src is None:
        src = scalar_like(value, input.dtype, input)
    elif src.ndim != index.ndim:
        raise op_error(
            "scatter",
            f"src of shape {src.shape} must have as many dimensions as "
            f"the index of shape {index.shape}",
        ) from None
    return apply(_scatter, input, index, src, dim=dim)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim``, as
    ``torch.scatter_add``; repeated positions add up.

    >>> import ember
    >>> ember.scatter_add(ember.zeros(3), 0, ember.tensor([2, 2]), ember.ones(2)).tolist()
    [0.0, 0.0, 2.0]
    """
    dim = _dim("scatter_add", dim, input.ndim)
    return apply(_scatter_add, input, _index_tensor("scatter_add", index), src, dim=dim)


# --------------------------------------------------------------- composites
@composite
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``input`` at the positions ``index`` along ``dim``, as
    ``torch.index_select``.

    Args:
        input: the tensor to read.
        dim: the dimension to index along.
        index: a 1-d (or 0-d) integer tensor with values in ``[0, input.shape[dim])``.

    >>> import ember
    >>> x = ember.tensor([[1, 2, 3], [4, 5, 6]])
    >>> ember.index_select(x, 1, ember.tensor([2, 0])).tolist()
    [[3, 1], [6, 4]]
    """
    dim = _dim("index_select", dim, input.ndim)
    index = _index_tensor("index_select", index)
    _validated("index_select", _check_index, index)
    if index.ndim > 1:
        raise op_error("index_select", f"index must be 1-d, got shape {index.shape}") from None
    _validated("index_select", _check_bounds, index.data, input.shape[dim], dim)
    positions = index.data.reshape(-1).astype(get_xp(index.data).int64)
    return apply(_getitem, input, index=(_ALL,) * dim + (positions,))


@composite
def masked_fill(input: Tensor, mask: Tensor, value: Tensor | float) -> Tensor:
    """``input`` with ``value`` where ``mask`` is True (the two broadcast together), as
    ``torch.masked_fill``; ``value`` is a number or a 0-d tensor, cast to ``input``'s dtype.

    >>> import ember
    >>> x = ember.tensor([1.0, -2.0, 3.0])
    >>> ember.masked_fill(x, x < 0, 0.0).tolist()
    [1.0, 0.0, 3.0]
    """
    if not isinstance(mask, Tensor) or mask.data.dtype.kind != "b":
        kind = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise op_error("masked_fill", f"expected a bool mask, got {kind}", DTypeError) from None
    _validated("masked_fill", broadcast_shapes, input.shape, mask.shape)
    if isinstance(value, Tensor):
        if value.ndim:
            raise op_error(
                "masked_fill", f"value must be a number or a 0-d tensor, got shape {value.shape}"
            ) from None
        value = to_dtype(value, input.dtype)
    else:
        value = scalar_like(value, input.dtype, input)
    return where(mask, value, input)


def _take_along_shapes(x: Tensor, indices: Tensor, dim: int) -> tuple:
    """The shapes ``x`` and ``indices`` broadcast to, all dimensions but ``dim`` shared."""
    x_shape = list(x.shape)
    x_shape[dim] = indices.shape[dim]
    indices_shape = broadcast_shapes(tuple(x_shape), indices.shape)
    shape = list(indices_shape)
    shape[dim] = x.shape[dim]
    return tuple(shape), indices_shape


@composite
def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Values of ``input`` at ``indices`` along ``dim``, broadcasting the other dimensions,
    as ``torch.take_along_dim``; with ``dim=None`` both are flattened first. Indices lie in
    ``[-size, size)``; negative ones count from the end.

    >>> import ember
    >>> x = ember.tensor([[10, 30, 20], [60, 40, 50]])
    >>> ember.take_along_dim(x, ember.tensor([[1], [0]]), dim=1).tolist()
    [[30], [60]]
    """
    indices = _index_tensor("take_along_dim", indices)
    _validated("take_along_dim", _check_index, indices)
    if dim is None:
        input, indices, dim = reshape(input, -1), reshape(indices, -1), 0
    else:
        if indices.ndim != input.ndim:
            raise op_error(
                "take_along_dim",
                f"input of shape {input.shape} and indices of "
                f"shape {indices.shape} must have the same number of "
                "dimensions",
            ) from None
        dim = _dim("take_along_dim", dim, input.ndim)
        x_shape, indices_shape = _validated(
            "take_along_dim", _take_along_shapes, input, indices, dim
        )
        input, indices = broadcast_to(input, x_shape), broadcast_to(indices, indices_shape)
    size = input.shape[dim]
    _validated("take_along_dim", _check_bounds, indices.data, size, dim, lowest=-size)
    # Negative indices count from the end here, as in torch.take_along_dim (not gather).
    return apply(_gather, input, indices % size, dim=dim)


# -------------------------------------------------------------- methods
def _masked_fill_(self: Tensor, mask: Tensor, value: Tensor | float) -> Tensor:
    """In-place ``masked_fill``."""
    return inplace("masked_fill_", self, lambda t: masked_fill(t, mask, value), value)


def _scatter_(
    self: Tensor,
    dim: int,
    index: Tensor,
    src: Tensor | float | None = None,
    *,
    value: float | None = None,
) -> Tensor:
    """In-place ``scatter``."""
    return inplace("scatter_", self, lambda t: scatter(t, dim, index, src, value=value), src)


def _scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """In-place ``scatter_add``."""
    return inplace("scatter_add_", self, lambda t: scatter_add(t, dim, index, src), src)


def _index_put_(self: Tensor, indices: tuple, values: Tensor, accumulate: bool = False) -> Tensor:
    """In-place ``index_put``."""
    return inplace("index_put_", self, lambda t: index_put(t, indices, values, accumulate), values)


bind_methods(
    __getitem__=_getitem_method,
    __setitem__=_setitem_method,
    gather=gather,
    scatter=scatter,
    scatter_add=scatter_add,
    index_select=index_select,
    masked_fill=masked_fill,
    take_along_dim=take_along_dim,
    index_put=index_put,
    masked_fill_=_masked_fill_,
    scatter_=_scatter_,
    scatter_add_=_scatter_add_,
    index_put_=_index_put_,
)
