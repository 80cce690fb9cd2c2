"""Shape ops: views and rearrangements (reshape, permute, cat, flip, roll, pad, ...).

Six records do the work: ``reshape``, ``permute``, ``cat``, ``flip``, ``roll`` and the
constant ``pad``. A negative pad width crops, so ``narrow`` is a ``pad`` too, and cropping
and zero-padding are each other's VJP; ``split``, ``chunk``, ``unbind`` and the VJP of
``cat`` are therefore all narrows. Every other op here (``transpose``, ``squeeze``,
``stack``, ``repeat``, the reflect/replicate/circular pads, ...) is a composite of these.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ember.errors import ShapeError
from ember.ops.core import broadcast_to, clone, promote
from ember.ops.dispatch import (
    OpRecord,
    apply,
    bind_methods,
    check,
    check_dtype,
    composite,
    op_error,
    register,
)
from ember.tensor import Tensor

__all__ = [
    "cat",
    "chunk",
    "concat",
    "concatenate",
    "flatten",
    "flip",
    "moveaxis",
    "movedim",
    "narrow",
    "permute",
    "reshape",
    "roll",
    "split",
    "squeeze",
    "stack",
    "swapaxes",
    "swapdims",
    "tile",
    "transpose",
    "unbind",
    "unflatten",
    "unsqueeze",
]


def _sizes(sizes: tuple) -> tuple:
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        return tuple(sizes[0])
    return tuple(sizes)


def _dim(op: str, dim: int, ndim: int) -> int:
    """``dim`` as an index in ``range(ndim)``; a 0-d tensor takes dims 0 and -1, as in PyTorch."""
    if not isinstance(dim, int):
        raise op_error(op, f"dim must be an int, got {type(dim).__name__}", TypeError)
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise op_error(
            op,
            f"dim {dim} is out of range for a tensor of {ndim} dimensions "
            f"(expected to be in [{-size}, {size - 1}])",
        )
    return dim % size


def _dims(op: str, dims: int | Sequence[int], ndim: int) -> tuple[int, ...]:
    if isinstance(dims, int):
        dims = (dims,)
    wrapped = tuple(_dim(op, d, ndim) for d in dims)
    if len(set(wrapped)) != len(wrapped):
        raise op_error(op, f"dims {tuple(dims)} name a dimension more than once")
    return wrapped


def _need_dims(op: str, input: Tensor) -> None:
    if input.ndim == 0:
        raise op_error(op, "expected a tensor with at least one dimension, got a 0-d tensor")


# ----------------------------------------------------------- reshape, permute
def _infer_shape(numel: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    unknown = [i for i, n in enumerate(shape) if n == -1]
    check(len(unknown) <= 1, "only one dimension can be inferred (-1), got shape {}", shape)
    known = 1
    for n in shape:
        if n != -1:
            check(n >= 0, "invalid shape dimension {} in {}", n, shape)
            known *= n
    if unknown:
        check(
            known != 0 and numel % known == 0,
            "shape {} is invalid for input of size {}",
            shape,
            numel,
        )
        shape = tuple(numel // known if n == -1 else n for n in shape)
    return shape


def _reshape_rule(x: Tensor, *, shape: tuple[int, ...]) -> tuple:
    check(
        math.prod(shape) == x.data.size,
        "shape {} is invalid for input of shape {} (size {})",
        shape,
        x.shape,
        x.data.size,
    )
    return shape, x.dtype


_reshape = register(
    OpRecord(
        name="reshape",
        forward=lambda xp, x, *, shape: xp.reshape(x, shape),
        vjp=lambda g, out, x, *, shape: (reshape(g, x.shape),),
        shape_rule=_reshape_rule,
    )
)


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """``input`` with a new shape of the same size; one size may be ``-1``.

    >>> import ember
    >>> ember.arange(6).reshape(2, -1).shape
    (2, 3)
    """
    shape = _sizes(shape)
    if -1 in shape:
        try:
            shape = _infer_shape(input.data.size, shape)
        except ShapeError as err:
            raise op_error("reshape", f"{err} (input shape {input.shape})") from None
    if shape == input.shape:
        return input
    return apply(_reshape, input, shape=shape)


def _permute_rule(x: Tensor, *, dims: tuple[int, ...]) -> tuple:
    check(
        sorted(dims) == list(range(x.ndim)),
        "dims {} are not a permutation of the {} dimensions of shape {}",
        dims,
        x.ndim,
        x.shape,
    )
    return tuple(x.shape[d] for d in dims), x.dtype


def _permute_vjp(g: Tensor, out: Tensor, x: Tensor, *, dims: tuple[int, ...]) -> tuple:
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return (permute(g, *inverse),)


_permute = register(
    OpRecord(
        name="permute",
        forward=lambda xp, x, *, dims: xp.transpose(x, dims),
        vjp=_permute_vjp,
        shape_rule=_permute_rule,
    )
)


def permute(input: Tensor, *dims: int) -> Tensor:
    """``input`` with its dimensions reordered (negative dims count from the end).

    >>> import ember
    >>> ember.zeros(2, 3, 4).permute(2, 0, 1).shape
    (4, 2, 3)
    """
    ndim = input.ndim
    dims = tuple(d + ndim if d < 0 else d for d in _sizes(dims))
    return apply(_permute, input, dims=dims)


# ------------------------------------------------------------- pad and narrow
def _pad_rule(x: Tensor, *, pad: tuple[int, ...], value: Any) -> tuple:
    check(len(pad) % 2 == 0, "padding length must be even, got {} values {}", len(pad), pad)
    check(len(pad) <= 2 * x.ndim, "padding {} has more widths than shape {}", pad, x.shape)
    shape = list(x.shape)
    for i in range(len(pad) // 2):
        d = x.ndim - 1 - i
        before, after = pad[2 * i], pad[2 * i + 1]
        crops = shape[d] + min(before, 0) + min(after, 0)
        check(crops >= 0, "padding {} crops dimension {} of shape {} below 0", pad, d, x.shape)
        shape[d] += before + after
    return tuple(shape), x.dtype


def _pad_forward(xp: Any, x: Any, *, pad: tuple[int, ...], value: Any) -> Any:
    widths = [(0, 0)] * (x.ndim - len(pad) // 2)
    widths += [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(len(pad) // 2))]
    # Negative widths crop, and cropping alone is a view, as PyTorch's narrow is.
    if any(before < 0 or after < 0 for before, after in widths):
        x = x[
            tuple(
                slice(max(-before, 0), n - max(-after, 0))
                for (before, after), n in zip(widths, x.shape, strict=True)
            )
        ]
    if any(before > 0 or after > 0 for before, after in widths):
        x = xp.pad(x, [(max(b, 0), max(a, 0)) for b, a in widths], constant_values=value)
    return x


def _pad_vjp(g: Tensor, out: Tensor, x: Tensor, *, pad: tuple[int, ...], value: Any) -> tuple:
    # The padded values do not depend on x, and cropped ones were dropped: the adjoint crops
    # each side that was padded and pads with zeros each side that was cropped.
    return (apply(_pad, g, pad=tuple(-p for p in pad), value=0),)


_pad = register(OpRecord(name="pad", forward=_pad_forward, vjp=_pad_vjp, shape_rule=_pad_rule))


def _crop(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    after = start + length - input.shape[dim]
    return apply(_pad, input, pad=(0, 0) * (input.ndim - 1 - dim) + (-start, after), value=0)


@composite
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The slice ``start:start + length`` of ``input`` along ``dim``, a view.

    Args:
        dim: the dimension to slice.
        start: the first index kept; negative values count from the end.
        length: how many indices to keep.

    Raises:
        ShapeError: when the slice does not fit in the dimension.

    >>> import ember
    >>> ember.narrow(ember.arange(6).reshape(2, 3), 1, 1, 2).tolist()
    [[1, 2], [4, 5]]
    """
    _need_dims("narrow", input)
    dim = _dim("narrow", dim, input.ndim)
    size = input.shape[dim]
    if -size <= start < 0:
        start += size
    if not (0 <= start <= size and 0 <= length <= size - start):
        raise op_error(
            "narrow",
            f"start {start} and length {length} do not fit in dimension {dim} "
            f"of size {size} (input shape {input.shape})",
        )
    return _crop(input, dim, start, length)


def _pad_edges(x: Tensor, dim: int, before: int, after: int, mode: str) -> Tensor:
    # PyTorch crops negative widths first, so the edges copied are those of what is left.
    if before < 0 or after < 0:
        start = max(-before, 0)
        x = _crop(x, dim, start, x.shape[dim] - start - max(-after, 0))
        before, after = max(before, 0), max(after, 0)
    size = x.shape[dim]
    limit = size - 1 if mode == "reflect" else size
    if max(before, after) > limit or (mode == "replicate" and size == 0):
        raise op_error(
            "pad",
            f"{mode} padding ({before}, {after}) is too large for dimension {dim} of "
            f"size {size}; each side must be at most {limit}",
        )
    if before == after == 0:
        return x
    if mode == "reflect":
        left = flip(narrow(x, dim, 1, before), dim)
        right = flip(narrow(x, dim, size - 1 - after, after), dim)
    elif mode == "replicate":
        edge_shape = list(x.shape)
        edge_shape[dim] = before
        left = broadcast_to(narrow(x, dim, 0, 1), tuple(edge_shape))
        edge_shape[dim] = after
        right = broadcast_to(narrow(x, dim, size - 1, 1), tuple(edge_shape))
    else:
        left = narrow(x, dim, size - before, before)
        right = narrow(x, dim, 0, after)
    return cat([left, x, right], dim)


def pad(
    input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> Tensor:
    """Pad ``input``, as ``torch.nn.functional.pad``.

    Args:
        pad: ``(left, right)`` widths for the last dimension, then for the one before it,
            and so on; negative widths crop.
        mode: ``"constant"`` (fill with ``value``, any number of dimensions), or
            ``"reflect"``, ``"replicate"``, ``"circular"`` (mirror without repeating the
            edge, repeat the edge, wrap around), which pad the last 1, 2 or 3 dimensions
            of an input with one or two more dimensions than that.
        value: the fill value of constant padding (default 0).

    Raises:
        ShapeError: for an odd number of widths, more widths than dimensions, or widths
            the mode cannot take.

    >>> import ember
    >>> from ember.ops.shape import pad
    >>> pad(ember.tensor([[1, 2, 3]]), (2, 1), mode="reflect").tolist()
    [[3, 2, 1, 2, 3, 2]]
    """
    pad = tuple(pad)
    if mode == "constant":
        return apply(_pad, input, pad=pad, value=0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        modes = "'constant', 'reflect', 'replicate' or 'circular'"
        raise op_error("pad", f"mode must be {modes}, got {mode!r}", ValueError)
    if value is not None and value != 0:
        raise op_error("pad", f"padding mode {mode!r} takes no value, got {value}", ValueError)
    padded = len(pad) // 2
    if len(pad) % 2 or not 0 < padded <= 3:
        raise op_error("pad", f"{mode} padding takes 2, 4 or 6 widths, got {pad}")
    if input.ndim not in (padded + 1, padded + 2):
        raise op_error(
            "pad",
            f"{mode} padding {pad} of the last {padded} dimensions needs an input of "
            f"{padded + 1} or {padded + 2} dimensions, got shape {input.shape}",
        )
    out = input
    for i in range(padded):
        out = _pad_edges(out, input.ndim - 1 - i, pad[2 * i], pad[2 * i + 1], mode)
    return out


# ---------------------------------------------------------------- cat, stack
def _skipped(t: Tensor) -> bool:
    # PyTorch still accepts 1-D empty tensors, which once stood for "nothing", in a cat
    # with tensors of any shape, and leaves them out.
    return t.data.ndim == 1 and t.data.shape[0] == 0


def _cat_rule(*inputs: Tensor, dim: int) -> tuple:
    dtype = inputs[0].dtype
    for t in inputs:
        check_dtype(t.dtype == dtype, "dtypes {} and {} differ", dtype, t.dtype)
    kept = [(i, t) for i, t in enumerate(inputs) if not _skipped(t)]
    if not kept:
        return (0,), dtype
    j, base = kept[0]
    for i, t in kept:
        check(t.ndim > 0, "tensor {} is 0-d and cannot be concatenated", i)
        outside = t.shape[:dim] + t.shape[dim + 1 :]
        same = t.ndim == base.ndim and outside == base.shape[:dim] + base.shape[dim + 1 :]
        message = "tensor {} of shape {} does not match tensor {} of shape {} outside dim {}"
        check(same, message, i, t.shape, j, base.shape, dim)
    check(0 <= dim < base.ndim, "dim {} is out of range for shape {}", dim, base.shape)
    shape = list(base.shape)
    shape[dim] = sum(t.shape[dim] for _, t in kept)
    return tuple(shape), dtype


def _cat_forward(xp: Any, *arrays: Any, dim: int) -> Any:
    kept = [a for a in arrays if not (a.ndim == 1 and a.shape[0] == 0)]
    return xp.concatenate(kept or arrays, axis=dim)


def _cat_vjp(g: Tensor, out: Tensor, *inputs: Tensor, dim: int) -> tuple:
    grads = []
    start = 0
    for t in inputs:
        if _skipped(t):
            grads.append(reshape(_crop(g, dim, 0, 0), 0) if t.requires_grad else None)
            continue
        size = t.shape[dim]
        grads.append(_crop(g, dim, start, size) if t.requires_grad else None)
        start += size
    return tuple(grads)


_cat = register(OpRecord(name="cat", forward=_cat_forward, vjp=_cat_vjp, shape_rule=_cat_rule))


def _tensor_list(op: str, tensors: Sequence[Tensor]) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        kind = type(tensors).__name__
        raise op_error(op, f"expected a list or tuple of tensors, got {kind}", TypeError)
    if not tensors:
        raise op_error(op, "expected a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise op_error(op, f"element {i} is a {type(t).__name__}, not a Tensor", TypeError)
    return promote(op, *tensors)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Concatenate ``tensors`` along ``dim``, promoting them to one dtype.

    The shapes must match outside ``dim``; 1-D empty tensors are left out, as in PyTorch.
    ``concat`` and ``concatenate`` are the same function.

    Raises:
        ShapeError: naming the first tensor whose shape does not match.

    >>> import ember
    >>> ember.cat([ember.zeros(1, 2), ember.ones(2, 2)]).tolist()
    [[0.0, 0.0], [1.0, 1.0], [1.0, 1.0]]
    """
    tensors = _tensor_list("cat", tensors)
    ndim = next((t.ndim for t in tensors if not _skipped(t)), 1)
    return apply(_cat, *tensors, dim=_dim("cat", dim, ndim))


concat = concatenate = cat


@composite
def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dimension ``dim``.

    >>> import ember
    >>> ember.stack([ember.tensor([1, 2]), ember.tensor([3, 4])], dim=1).tolist()
    [[1, 3], [2, 4]]
    """
    tensors = _tensor_list("stack", tensors)
    shape = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != shape:
            message = f"expected tensors of one shape, got {shape} and {t.shape} (entry {i})"
            raise op_error("stack", message)
    dim = _dim("stack", dim, len(shape) + 1)
    return cat([unsqueeze(t, dim) for t in tensors], dim)


# ------------------------------------------------------------------ flip, roll
def _flip_rule(x: Tensor, *, dims: tuple[int, ...]) -> tuple:
    valid = all(0 <= d < x.ndim for d in dims) and len(set(dims)) == len(dims)
    check(valid, "dims {} are not distinct dimensions of shape {}", dims, x.shape)
    return x.shape, x.dtype


_flip = register(
    OpRecord(
        name="flip",
        # NumPy's flip is a view; PyTorch's is a copy, which in-place ops rely on.
        forward=lambda xp, x, *, dims: xp.flip(x, dims).copy(),
        vjp=lambda g, out, x, *, dims: (apply(_flip, g, dims=dims),),
        shape_rule=_flip_rule,
    )
)


def flip(input: Tensor, dims: int | Sequence[int]) -> Tensor:
    """``input`` with the order of its elements reversed along each of ``dims``.

    >>> import ember
    >>> ember.flip(ember.tensor([[1, 2], [3, 4]]), (0, 1)).tolist()
    [[4, 3], [2, 1]]
    """
    return apply(_flip, input, dims=_dims("flip", dims, input.ndim))


def _roll_rule(x: Tensor, *, shifts: tuple[int, ...], dims: tuple[int, ...]) -> tuple:
    check(len(shifts) == len(dims), "shifts {} and dims {} must have the same length", shifts, dims)
    check(all(0 <= d < x.ndim for d in dims), "dims {} out of range for shape {}", dims, x.shape)
    return x.shape, x.dtype


_roll = register(
    OpRecord(
        name="roll",
        forward=lambda xp, x, *, shifts, dims: xp.roll(x, shifts, dims),
        vjp=lambda g, out, x, *, shifts, dims: (
            apply(_roll, g, shifts=tuple(-s for s in shifts), dims=dims),
        ),
        shape_rule=_roll_rule,
    )
)


def roll(
    input: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None
) -> Tensor:
    """Shift the elements of ``input`` cyclically by ``shifts`` along ``dims``.

    With ``dims=None`` the tensor is rolled as if flattened, then given its shape back.

    >>> import ember
    >>> ember.roll(ember.tensor([[1, 2, 3], [4, 5, 6]]), 1).tolist()
    [[6, 1, 2], [3, 4, 5]]
    """
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise op_error("roll", f"without dims, shifts must be one number, got {shifts}")
        flat = apply(_roll, reshape(input, -1), shifts=shifts, dims=(0,))
        return reshape(flat, input.shape)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(dims) != len(shifts):
        raise op_error("roll", f"shifts {shifts} and dims {dims} must have the same length")
    dims = tuple(_dim("roll", d, input.ndim) for d in dims)
    return apply(_roll, input, shifts=shifts, dims=dims)


# ------------------------------------------------------ composites of reshape
@composite
def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """``input`` without its size-1 dimensions, or without those of them named in ``dim``.

    >>> import ember
    >>> ember.squeeze(ember.zeros(1, 2, 1), dim=(0, 1)).shape
    (2, 1)
    """
    dims = range(input.ndim) if dim is None else _dims("squeeze", dim, input.ndim)
    shape = tuple(n for i, n in enumerate(input.shape) if n != 1 or i not in dims)
    return reshape(input, shape)


@composite
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """``input`` with a new dimension of size 1 at position ``dim``.

    >>> import ember
    >>> ember.unsqueeze(ember.zeros(2, 3), -1).shape
    (2, 3, 1)
    """
    dim = _dim("unsqueeze", dim, input.ndim + 1)
    shape = input.shape
    return reshape(input, (*shape[:dim], 1, *shape[dim:]))


@composite
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """``input`` with dimensions ``start_dim`` to ``end_dim`` merged into one.

    >>> import ember
    >>> ember.flatten(ember.zeros(2, 3, 4), start_dim=1).shape
    (2, 12)
    """
    start = _dim("flatten", start_dim, input.ndim)
    end = _dim("flatten", end_dim, input.ndim)
    if input.ndim == 0:
        return reshape(input, (1,))
    if start > end:
        raise op_error(
            "flatten",
            f"start_dim {start_dim} comes after end_dim {end_dim} for shape {input.shape}",
        )
    shape = input.shape
    return reshape(input, (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :]))


@composite
def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """``input`` with dimension ``dim`` split into ``sizes`` (one of them may be -1).

    >>> import ember
    >>> ember.unflatten(ember.zeros(2, 6), 1, (3, -1)).shape
    (2, 3, 2)
    """
    _need_dims("unflatten", input)
    dim = _dim("unflatten", dim, input.ndim)
    size = input.shape[dim]
    wanted = tuple(sizes)
    try:
        sizes = _infer_shape(size, wanted)
    except ShapeError:
        sizes = wanted
    if not wanted or math.prod(sizes) != size:
        raise op_error(
            "unflatten",
            f"sizes {wanted} do not multiply up to the size {size} of dimension {dim} "
            f"of the input of shape {input.shape}",
        )
    shape = input.shape
    return reshape(input, (*shape[:dim], *sizes, *shape[dim + 1 :]))


# ------------------------------------------------------ composites of permute
@composite
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """``input`` with dimensions ``dim0`` and ``dim1`` swapped (``swapdims`` too).

    >>> import ember
    >>> ember.transpose(ember.zeros(2, 3, 4), 0, -1).shape
    (4, 3, 2)
    """
    dims = list(range(input.ndim))
    a = _dim("transpose", dim0, input.ndim)
    b = _dim("transpose", dim1, input.ndim)
    if input.ndim == 0:
        return input
    dims[a], dims[b] = dims[b], dims[a]
    return apply(_permute, input, dims=tuple(dims))


swapdims = transpose


@composite
def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """``input`` with dimensions ``axis0`` and ``axis1`` swapped (NumPy's name).

    >>> import ember
    >>> ember.swapaxes(ember.zeros(2, 3), 0, 1).shape
    (3, 2)
    """
    return transpose(input, axis0, axis1)


@composite
def movedim(input: Tensor, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
    """``input`` with dimensions ``source`` moved to positions ``destination``.

    The other dimensions keep their order. ``moveaxis`` is the same function.

    >>> import ember
    >>> ember.movedim(ember.zeros(2, 3, 4), 0, -1).shape
    (3, 4, 2)
    """
    src = _dims("movedim", source, input.ndim)
    dst = _dims("movedim", destination, input.ndim)
    if len(src) != len(dst):
        raise op_error("movedim", f"source {source} and destination {destination} differ in length")
    if input.ndim == 0:
        return input
    order: list[int | None] = [None] * input.ndim
    for s, d in zip(src, dst, strict=True):
        order[d] = s
    rest = iter(i for i in range(input.ndim) if i not in src)
    return apply(_permute, input, dims=tuple(next(rest) if s is None else s for s in order))


moveaxis = movedim


def _matrix_transpose(self: Tensor) -> Tensor:
    if self.ndim < 2:
        raise op_error("mT", f"expected a matrix or a batch of matrices, got shape {self.shape}")
    return transpose(self, -2, -1)


def _reverse_dims(self: Tensor) -> Tensor:
    return self if self.ndim < 2 else apply(_permute, self, dims=tuple(reversed(range(self.ndim))))


# ------------------------------------------------- split, chunk, unbind
@composite
def split(
    tensor: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0
) -> tuple[Tensor, ...]:
    """Views of ``tensor`` cut along ``dim`` into pieces of a size, or of listed sizes.

    An int size gives equal pieces and a smaller last one; a list gives one piece per
    entry, and its entries must add up to the size of ``dim``.

    >>> import ember
    >>> [t.tolist() for t in ember.split(ember.arange(5), 2)]
    [[0, 1], [2, 3], [4]]
    """
    _need_dims("split", tensor)
    dim = _dim("split", dim, tensor.ndim)
    total = tensor.shape[dim]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size < 0 or (size == 0 and total > 0):
            raise op_error(
                "split",
                f"split size must be positive (or 0 for an empty dimension), got {size} for "
                f"dimension {dim} of shape {tensor.shape}",
            )
        count = max(-(-total // size), 1) if size else 1
        sizes = [size] * (count - 1) + [total - size * (count - 1)]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != total or min(sizes, default=0) < 0:
            raise op_error(
                "split",
                f"sections {sizes} must be non-negative and add up to the size {total} of "
                f"dimension {dim} of shape {tensor.shape}",
            )
    pieces = []
    start = 0
    for size in sizes:
        pieces.append(_crop(tensor, dim, start, size))
        start += size
    return tuple(pieces)


@composite
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split ``input`` into at most ``chunks`` pieces of equal size (the last may be smaller).

    >>> import ember
    >>> [t.shape for t in ember.chunk(ember.zeros(5, 2), 3)]
    [(2, 2), (2, 2), (1, 2)]
    """
    _need_dims("chunk", input)
    if chunks <= 0:
        raise op_error("chunk", f"chunks must be greater than 0, got {chunks}")
    dim = _dim("chunk", dim, input.ndim)
    total = input.shape[dim]
    if total == 0:
        return tuple(_crop(input, dim, 0, 0) for _ in range(chunks))
    return split(input, -(-total // chunks), dim)


@composite
def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``input`` along ``dim``, each without that dimension.

    >>> import ember
    >>> [t.tolist() for t in ember.unbind(ember.tensor([[1, 2], [3, 4]]), dim=1)]
    [[1, 3], [2, 4]]
    """
    _need_dims("unbind", input)
    dim = _dim("unbind", dim, input.ndim)
    shape = input.shape[:dim] + input.shape[dim + 1 :]
    return tuple(reshape(_crop(input, dim, i, 1), shape) for i in range(input.shape[dim]))


# --------------------------------------------------------------- repeat, tile
@composite
def repeat(input: Tensor, *repeats: int) -> Tensor:
    """``input`` repeated ``repeats[i]`` times along dimension ``i`` (``Tensor.repeat``).

    Extra leading repeats add leading dimensions. PyTorch has this only as a method, and
    so does Ember: call ``x.repeat(...)``.

    >>> import ember
    >>> ember.tensor([1, 2]).repeat(2, 2).tolist()
    [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    repeats = _sizes(repeats)
    if len(repeats) < input.ndim or min(repeats, default=0) < 0:
        raise op_error(
            "repeat",
            f"repeats {repeats} must be non-negative and at least as many as the "
            f"{input.ndim} dimensions of shape {input.shape}",
        )
    shape = (1,) * (len(repeats) - input.ndim) + input.shape
    # Each dimension n becomes a pair (1, n), broadcast to (r, n) and merged into r * n.
    spread = tuple(x for n in shape for x in (1, n))
    tiled = tuple(x for r, n in zip(repeats, shape, strict=True) for x in (r, n))
    out_shape = tuple(r * n for r, n in zip(repeats, shape, strict=True))
    out = reshape(broadcast_to(reshape(input, spread), tiled), out_shape)
    # Without any broadcast the reshapes are views, but repeat always copies.
    return clone(out) if all(r == 1 for r in repeats) else out


@composite
def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """``input`` repeated ``dims[i]`` times along each dimension; missing leading counts are 1.

    >>> import ember
    >>> ember.tile(ember.tensor([[1, 2]]), (2,)).tolist()
    [[1, 2, 1, 2]]
    """
    dims = tuple(dims)
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


bind_methods(
    reshape=reshape,
    view=reshape,
    reshape_as=lambda self, other: reshape(self, other.shape),
    view_as=lambda self, other: reshape(self, other.shape),
    permute=permute,
    narrow=narrow,
    flip=lambda self, *dims: flip(self, _sizes(dims)),
    roll=roll,
    squeeze=squeeze,
    unsqueeze=unsqueeze,
    flatten=flatten,
    unflatten=unflatten,
    transpose=transpose,
    swapdims=transpose,
    swapaxes=swapaxes,
    movedim=movedim,
    moveaxis=movedim,
    split=split,
    chunk=chunk,
    unbind=unbind,
    repeat=repeat,
    tile=lambda self, *dims: tile(self, _sizes(dims)),
    T=property(_reverse_dims, doc="``self`` with its dimensions reversed."),
    mT=property(_matrix_transpose, doc="``self`` with its last two dimensions swapped."),
)
