"""Linear algebra: matmul and einsum (the two primitives), and the products built on them.

``matmul`` handles the batched case of two operands of at least two dimensions;
the public function adds and removes the dimension of a 1-D operand around it,
as ``torch.matmul`` describes. ``einsum`` takes a normalized equation (no
``...``, explicit output, sizes already broadcast) and its VJP is einsum again.
``mm``, ``bmm``, ``dot``, ``outer`` and ``tensordot`` are composites.
"""

from __future__ import annotations

import math
import string
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ember.ops.core import broadcast_to, unbroadcast
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
from ember.ops.elementwise import mul
from ember.ops.shape import permute, reshape
from ember.tensor import Tensor

__all__ = ["bmm", "dot", "einsum", "matmul", "mm", "outer", "tensordot"]

_ALIGN = "shapes {} and {} do not align: {} != {}"
# numpy's contraction-path search costs ~15 us, worth it only once BLAS has real work to do.
_EINSUM_OPTIMIZE_SIZE = 4096


def _check_operands(op: str, *operands: Any) -> None:
    for x in operands:
        if not isinstance(x, Tensor):
            raise op_error(op, f"expected Tensors, got {type(x).__name__}", TypeError)


def _numeric_dtypes_rule(*operands: Tensor) -> None:
    first = operands[0]
    for x in operands:
        check_dtype(
            x.data.dtype == first.data.dtype,
            "expected operands of one dtype, got {} and {}",
            first.dtype,
            x.dtype,
        )
    check_dtype(first.data.dtype.kind in "fiu", "expected numeric tensors, got {}", first.dtype)


def _check_inner(op: str, input: Tensor, other: Tensor) -> None:
    inner = other.shape[-2 if other.ndim >= 2 else 0]
    if input.shape[-1] != inner:
        raise op_error(op, _ALIGN.format(input.shape, other.shape, input.shape[-1], inner))


def _swap_last_two(x: Tensor) -> Tensor:
    n = x.ndim
    return permute(x, *range(n - 2), n - 1, n - 2)


# --------------------------------------------------------------------- matmul
def _matmul_rule(x: Tensor, y: Tensor) -> tuple:
    xs, ys = x.shape, y.shape
    dtype = x.dtype
    if y.dtype is not dtype or not dtype.is_floating_point:
        _numeric_dtypes_rule(x, y)
    check(
        len(xs) >= 2 and len(ys) >= 2,
        "expected operands of at least 2 dimensions, got shapes {} and {}",
        xs,
        ys,
    )
    check(xs[-1] == ys[-2], _ALIGN, xs, ys, xs[-1], ys[-2])
    bx, by = xs[:-2], ys[:-2]
    if bx != by:
        lead = max(len(bx), len(by))
        bx, by = (1,) * (lead - len(bx)) + bx, (1,) * (lead - len(by)) + by
        for m, n in zip(bx, by, strict=True):
            check(
                m == n or m == 1 or n == 1,
                "batch dimensions of shapes {} and {} cannot be broadcast: {} != {}",
                xs,
                ys,
                m,
                n,
            )
        bx = tuple(n if m == 1 else m for m, n in zip(bx, by, strict=True))
    return (*bx, xs[-2], ys[-1]), dtype


def _matmul_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple:
    gx = unbroadcast(matmul(g, _swap_last_two(y)), x.shape) if x.requires_grad else None
    gy = None
    if y.requires_grad:
        if y.ndim == 2 and x.ndim > 2:
            # A matrix shared by a batch (a Linear layer): one GEMM over the flattened batch
            # instead of a batched product summed afterwards.
            flat_x = reshape(x, (-1, x.shape[-1]))
            gy = matmul(_swap_last_two(flat_x), reshape(g, (-1, g.shape[-1])))
        else:
            gy = unbroadcast(matmul(_swap_last_two(x), g), y.shape)
    return gx, gy


_matmul = register(
    OpRecord(
        name="matmul",
        forward=lambda xp, x, y: xp.matmul(x, y),
        vjp=_matmul_vjp,
        shape_rule=_matmul_rule,
    )
)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with ``torch.matmul``'s rules for 1-D and batched operands.

    Two vectors give their dot product (a 0-d tensor); a 1-D first (second)
    operand is treated as a row (column) whose dimension is removed from the
    result; batch dimensions broadcast.

    Raises:
        ShapeError: if the inner dimensions differ or batch dimensions do not
            broadcast, naming both shapes.
        DTypeError: if the dtypes differ.

    >>> import ember
    >>> a = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> (a @ ember.tensor([1.0, 1.0])).tolist()
    [3.0, 7.0]
    >>> ember.matmul(ember.ones(5, 1, 2, 3), ember.ones(4, 3, 6)).shape
    (5, 4, 2, 6)
    """
    _check_operands("matmul", input, other)
    nx, ny = input.ndim, other.ndim
    if nx >= 2 and ny >= 2:
        return apply(_matmul, input, other)
    if nx == 0 or ny == 0:
        raise op_error(
            "matmul",
            f"both arguments need at least 1 dimension, got shapes {input.shape} and {other.shape}",
        )
    _check_inner("matmul", input, other)
    inner = input.shape[-1]
    if nx == 1 and ny == 1:
        return reshape(apply(_matmul, reshape(input, (1, inner)), reshape(other, (inner, 1))), ())
    if nx == 1:
        out = apply(_matmul, reshape(input, (1, inner)), other)
        return reshape(out, out.shape[:-2] + out.shape[-1:])
    out = apply(_matmul, input, reshape(other, (inner, 1)))
    return reshape(out, out.shape[:-1])


def _check_ndim(op: str, ndim: int, *operands: Tensor) -> None:
    _check_operands(op, *operands)
    for x in operands:
        if x.ndim != ndim:
            raise op_error(
                op,
                f"expected {ndim}-D tensors, got shapes "
                f"{', '.join(str(t.shape) for t in operands)}",
            )


@composite
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices (no broadcasting), as ``torch.mm``.

    >>> import ember
    >>> ember.mm(ember.ones(2, 3), ember.ones(3, 4)).shape
    (2, 4)
    """
    _check_ndim("mm", 2, input, mat2)
    _check_inner("mm", input, mat2)
    return matmul(input, mat2)


@composite
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product of ``(b, n, m)`` and ``(b, m, p)`` tensors (no broadcasting).

    >>> import ember
    >>> ember.bmm(ember.ones(5, 2, 3), ember.ones(5, 3, 4)).shape
    (5, 2, 4)
    """
    _check_ndim("bmm", 3, input, mat2)
    if input.shape[0] != mat2.shape[0]:
        raise op_error(
            "bmm",
            f"batch sizes of shapes {input.shape} and {mat2.shape} differ: "
            f"{input.shape[0]} != {mat2.shape[0]}",
        )
    _check_inner("bmm", input, mat2)
    return matmul(input, mat2)


@composite
def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of the same size, a 0-d tensor.

    >>> import ember
    >>> ember.dot(ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0])).item()
    11.0
    """
    _check_ndim("dot", 1, input, tensor)
    _check_inner("dot", input, tensor)
    return matmul(input, tensor)


@composite
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two 1-D tensors: ``out[i, j] = input[i] * vec2[j]``.

    >>> import ember
    >>> ember.outer(ember.tensor([1, 2]), ember.tensor([1, 10, 100])).tolist()
    [[1, 10, 100], [2, 20, 200]]
    """
    _check_ndim("outer", 1, input, vec2)
    return mul(reshape(input, (input.shape[0], 1)), vec2)


def _as_dims(op: str, dims: Any, ndim: int, shape: tuple[int, ...]) -> list[int]:
    dims = [dims] if isinstance(dims, int) else list(dims)
    for d in dims:
        if not -ndim <= d < ndim:
            raise op_error(op, f"dim {d} is out of range for a tensor of shape {shape}")
    return [d % ndim for d in dims]


def _permuted(x: Tensor, order: list[int]) -> Tensor:
    return x if order == list(range(x.ndim)) else permute(x, *order)


@composite
def tensordot(a: Tensor, b: Tensor, dims: int | Sequence = 2) -> Tensor:
    """Contract the ``dims`` of ``a`` with those of ``b``, as ``torch.tensordot``.

    Args:
        dims: an int ``n`` (the last ``n`` dims of ``a`` with the first ``n`` of
            ``b``) or two lists of dims, ``(dims_a, dims_b)``.

    >>> import ember
    >>> ember.tensordot(ember.ones(3, 4, 5), ember.ones(4, 3, 2), dims=([1, 0], [0, 1])).shape
    (5, 2)
    """
    _check_operands("tensordot", a, b)
    if isinstance(dims, int):
        if not 0 <= dims <= min(a.ndim, b.ndim):
            raise op_error(
                "tensordot", f"cannot contract {dims} dims of shapes {a.shape} and {b.shape}"
            )
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a = _as_dims("tensordot", dims[0], a.ndim, a.shape)
        dims_b = _as_dims("tensordot", dims[1], b.ndim, b.shape)
    sizes_a = [a.shape[d] for d in dims_a]
    sizes_b = [b.shape[d] for d in dims_b]
    if sizes_a != sizes_b:
        raise op_error(
            "tensordot",
            f"contracted dims {dims_a} of shape {a.shape} and "
            f"{dims_b} of shape {b.shape} have sizes {sizes_a} != {sizes_b}",
        )
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    size = math.prod(sizes_a)
    flat_a = reshape(_permuted(a, free_a + dims_a), (-1, size))
    flat_b = reshape(_permuted(b, dims_b + free_b), (size, -1))
    out_shape = tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b)
    return reshape(matmul(flat_a, flat_b), out_shape)


# --------------------------------------------------------------------- einsum
def _einsum_rule(*operands: Tensor, equation: str) -> tuple:
    check(len(operands) > 0, "expected at least one operand")
    _numeric_dtypes_rule(*operands)
    lhs, out = equation.split("->")
    terms = lhs.split(",")
    check(
        len(terms) == len(operands),
        "equation {!r} names {} operands, got {}",
        equation,
        len(terms),
        len(operands),
    )
    sizes: dict[str, int] = {}
    for i, (term, x) in enumerate(zip(terms, operands, strict=True)):
        check(
            len(term) == x.ndim,
            "subscripts {!r} do not match operand {} of shape {}",
            term,
            i,
            x.shape,
        )
        for letter, n in zip(term, x.shape, strict=True):
            check(
                sizes.setdefault(letter, n) == n,
                "subscript {!r} has size {} in operand {} but {} in another",
                letter,
                n,
                i,
                sizes[letter],
            )
    for letter in out:
        check(letter in sizes, "output subscript {!r} of {!r} is in no operand", letter, equation)
    return tuple(sizes[c] for c in out), operands[0].dtype


def _einsum_forward(xp: Any, *arrays: Any, equation: str) -> Any:
    optimize = len(arrays) > 1 and max(a.size for a in arrays) >= _EINSUM_OPTIMIZE_SIZE
    return xp.einsum(equation, *arrays, optimize=optimize)


def _einsum_vjp(g: Tensor, out: Tensor, *operands: Tensor, equation: str) -> tuple:
    lhs, out_term = equation.split("->")
    terms = lhs.split(",")
    grads = []
    for i, (term, x) in enumerate(zip(terms, operands, strict=True)):
        if not x.requires_grad:
            grads.append(None)
            continue
        if len(set(term)) != len(term):
            raise op_error(
                "einsum",
                f"the gradient for an operand with a repeated subscript "
                f"({term!r} in {equation!r}) is not implemented",
            )
        others = terms[:i] + terms[i + 1 :]
        reached = set(out_term).union(*others)
        kept = "".join(c for c in term if c in reached)
        grad = apply(
            _einsum,
            g,
            *operands[:i],
            *operands[i + 1 :],
            equation=",".join([out_term, *others]) + "->" + kept,
        )
        if kept != term:
            # A letter summed away inside this operand alone: every element got the same
            # gradient along it.
            kept_shape = tuple(n if c in reached else 1 for c, n in zip(term, x.shape, strict=True))
            grad = broadcast_to(reshape(grad, kept_shape), x.shape)
        grads.append(grad)
    return tuple(grads)


_einsum = register(
    OpRecord(
        name="einsum",
        forward=_einsum_forward,
        vjp=_einsum_vjp,
        shape_rule=_einsum_rule,
    )
)

# ASCII order: implicit outputs list their letters sorted this way, as numpy and torch do.
_LETTERS = string.ascii_uppercase + string.ascii_lowercase


def _explicit_equation(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Per-operand subscripts and output subscripts, with ``...`` spelled in spare letters."""
    lhs, arrow, rhs = equation.replace(" ", "").partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise op_error(
            "einsum", f"equation {equation!r} names {len(terms)} operands, got {len(shapes)}"
        )
    ellipsis_ndims = []
    for i, (term, shape) in enumerate(zip(terms, shapes, strict=True)):
        named = term.replace("...", "", 1)
        extra = len(shape) - len(named)
        if any(c not in _LETTERS for c in named) or extra < 0 or (extra > 0 and "..." not in term):
            raise op_error(
                "einsum",
                f"subscripts {term!r} of {equation!r} do not match operand {i} of shape {shape}",
            )
        ellipsis_ndims.append(extra if "..." in term else 0)
    spare = "".join(c for c in _LETTERS if c not in equation)
    batch = spare[: max(ellipsis_ndims)]
    inputs = [
        t.replace("...", batch[len(batch) - n :])
        for t, n in zip(terms, ellipsis_ndims, strict=True)
    ]
    if not arrow:
        counts = Counter("".join(t.replace("...", "") for t in terms))
        return inputs, batch + "".join(sorted(c for c, n in counts.items() if n == 1))
    output = rhs.replace("...", batch, 1)
    used = set("".join(inputs))
    if any(c not in used for c in output) or len(set(output)) != len(output):
        raise op_error(
            "einsum",
            f"output subscripts {rhs!r} of {equation!r} must be distinct "
            "letters that appear in the operands",
        )
    return inputs, output


@composite
def einsum(equation: str, *operands: Tensor) -> Tensor:
    """Sum of products over the subscripts of ``equation``, as ``torch.einsum``.

    Supports ``...`` for broadcast batch dimensions, the implicit output (no
    ``->``: the letters used once, in alphabetical order), and size-1
    dimensions that broadcast against their letter's size elsewhere. The
    operands may also be passed as one list.

    Raises:
        ShapeError: if the subscripts do not match the operands' shapes; in
            backward, for an operand with a repeated subscript (``'ii->i'``),
            whose gradient is not implemented.

    >>> import ember
    >>> a, b = ember.ones(2, 3), ember.ones(3, 4)
    >>> ember.einsum("ij,jk->ik", a, b).shape
    (2, 4)
    >>> ember.einsum("ii", ember.eye(3)).item()
    3.0
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise op_error("einsum", "expected at least one operand")
    _check_operands("einsum", *operands)
    inputs, output = _explicit_equation(equation, [x.shape for x in operands])
    sizes: dict[str, int] = {}
    for i, (term, x) in enumerate(zip(inputs, operands, strict=True)):
        for letter, n in zip(term, x.shape, strict=True):
            seen = sizes.setdefault(letter, n)
            if seen == 1:
                sizes[letter] = n
            elif n not in (1, seen):
                raise op_error(
                    "einsum",
                    f"subscript {letter!r} of {equation!r} has size {n} "
                    f"in operand {i} of shape {x.shape}, which does not broadcast "
                    f"with size {seen}",
                )
    operands = tuple(
        broadcast_to(x, tuple(sizes[c] for c in term))
        for term, x in zip(inputs, operands, strict=True)
    )
    return apply(_einsum, *operands, equation=",".join(inputs) + "->" + output)


bind_methods(
    matmul=matmul,
    __matmul__=matmul,
    __rmatmul__=lambda self, other: matmul(other, self),
    mm=mm,
    bmm=bmm,
    dot=dot,
    outer=outer,
)
