"""Elementwise ops: unary math, binary arithmetic, comparisons, logic, where, clamp.

Each record is built by a family factory so that its kernel, VJP and rule sit
on one line or two; the public function promotes dtypes (PyTorch rules) and
then goes through ``apply``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ember import dtypes
from ember.backend import erf as _erf_kernel
from ember.backend import sigmoid as _sigmoid_kernel
from ember.ops.core import broadcast_shapes, promote, scalar_like, to_dtype, unbroadcast
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
from ember.ops.rules import (
    broadcast_binary_rule,
    comparison_rule,
    float_binary_rule,
    integral_binary_rule,
    same_rule,
    unary_float_rule,
)
from ember.tensor import Tensor

__all__ = [
    "abs",
    "add",
    "atan2",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bitwise_xor",
    "ceil",
    "clamp",
    "cos",
    "div",
    "eq",
    "erf",
    "exp",
    "expm1",
    "floor",
    "floor_divide",
    "ge",
    "gt",
    "isfinite",
    "isinf",
    "isnan",
    "le",
    "log",
    "log1p",
    "log2",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "lt",
    "maximum",
    "minimum",
    "mul",
    "ne",
    "neg",
    "pow",
    "reciprocal",
    "relu",
    "remainder",
    "round",
    "rsqrt",
    "sigmoid",
    "sign",
    "sin",
    "sqrt",
    "square",
    "sub",
    "tanh",
    "where",
    "zeros_like_grad",
]

_LN2 = math.log(2.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def zeros_like_grad(x: Tensor) -> Tensor:
    """A zero gradient for ``x`` (the derivative of a piecewise-constant op)."""
    return Tensor(x.data * 0)


def _needs(t: Tensor) -> bool:
    return t.requires_grad


# ------------------------------------------------------------------ unary ops
def _unary(name: str, forward: Callable, vjp: Callable | None, *, floating: bool) -> Callable:
    record = register(OpRecord(name, forward, vjp, unary_float_rule if floating else same_rule))

    if floating:

        def op(input: Tensor) -> Tensor:
            try:
                if input.data.dtype.kind != "f":
                    input = to_dtype(input, dtypes.get_default_dtype())
            except AttributeError:
                raise op_error(
                    name, f"expected a Tensor, got {type(input).__name__}", TypeError
                ) from None
            return apply(record, input)
    else:

        def op(input: Tensor) -> Tensor:
            return apply(record, input)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` of ``input``, as ``torch.{name}``."
    return op


neg = _unary("neg", lambda xp, x: xp.negative(x), lambda g, out, x: (-g,), floating=False)
abs = _unary("abs", lambda xp, x: xp.abs(x), lambda g, out, x: (g * sign(x),), floating=False)
sign = _unary(
    "sign", lambda xp, x: xp.sign(x), lambda g, out, x: (zeros_like_grad(g),), floating=False
)
exp = _unary("exp", lambda xp, x: xp.exp(x), lambda g, out, x: (g * out,), floating=True)
expm1 = _unary(
    "expm1", lambda xp, x: xp.expm1(x), lambda g, out, x: (g * (out + 1),), floating=True
)
log = _unary("log", lambda xp, x: xp.log(x), lambda g, out, x: (g / x,), floating=True)
log1p = _unary("log1p", lambda xp, x: xp.log1p(x), lambda g, out, x: (g / (x + 1),), floating=True)
log2 = _unary("log2", lambda xp, x: xp.log2(x), lambda g, out, x: (g / (x * _LN2),), floating=True)
sqrt = _unary("sqrt", lambda xp, x: xp.sqrt(x), lambda g, out, x: (g / (2 * out),), floating=True)
# d/dx x^(-1/2) = -x^(-3/2) / 2 = -out / (2x): reuses the output.
rsqrt = _unary(
    "rsqrt", lambda xp, x: 1 / xp.sqrt(x), lambda g, out, x: (-0.5 * g * out / x,), floating=True
)
square = _unary(
    "square", lambda xp, x: xp.square(x), lambda g, out, x: (2 * g * x,), floating=False
)
sin = _unary("sin", lambda xp, x: xp.sin(x), lambda g, out, x: (g * cos(x),), floating=True)
cos = _unary("cos", lambda xp, x: xp.cos(x), lambda g, out, x: (-g * sin(x),), floating=True)
tanh = _unary(
    "tanh", lambda xp, x: xp.tanh(x), lambda g, out, x: (g * (1 - out * out),), floating=True
)


sigmoid = _unary(
    "sigmoid", _sigmoid_kernel, lambda g, out, x: (g * out * (1 - out),), floating=True
)
relu = _unary(
    "relu",
    lambda xp, x: xp.maximum(x, 0),
    lambda g, out, x: (apply(_relu_backward, g, out),),
    floating=False,
)


# relu's adjoint, ``g`` where the output is positive and 0 elsewhere, in one pass (NumPy
# multiplies by the bool mask without a float copy of it). Linear in ``g``, it is its own
# adjoint there; in the output it is constant almost everywhere.
def _relu_backward_rule(g: Tensor, out: Tensor) -> tuple:
    check_dtype(
        g.dtype is out.dtype, "gradient of dtype {} for an output of {}", g.dtype, out.dtype
    )
    check(g.shape == out.shape, "gradient of shape {} for an output of {}", g.shape, out.shape)
    return g.shape, g.dtype


_relu_backward = register(
    OpRecord(
        "relu_backward",
        lambda xp, g, out: xp.multiply(g, out > 0, dtype=g.dtype),
        lambda u, result, g, out: (apply(_relu_backward, u, out) if _needs(g) else None, None),
        _relu_backward_rule,
    )
)
erf = _unary(
    "erf", _erf_kernel, lambda g, out, x: (g * _TWO_OVER_SQRT_PI * exp(-(x * x)),), floating=True
)
floor = _unary(
    "floor", lambda xp, x: xp.floor(x), lambda g, out, x: (zeros_like_grad(g),), floating=False
)
ceil = _unary(
    "ceil", lambda xp, x: xp.ceil(x), lambda g, out, x: (zeros_like_grad(g),), floating=False
)
reciprocal = _unary(
    "reciprocal", lambda xp, x: 1 / x, lambda g, out, x: (-g * out * out,), floating=True
)

_round = register(
    OpRecord(
        "round",
        forward=lambda xp, x, *, decimals: xp.round(x, decimals),
        vjp=lambda g, out, x, *, decimals: (zeros_like_grad(g),),
        shape_rule=same_rule,
    )
)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even, to ``decimals`` places, as ``torch.round``.

    >>> import ember
    >>> ember.round(ember.tensor([0.5, 1.5, 2.567]), decimals=0).tolist()
    [0.0, 2.0, 3.0]
    """
    return apply(_round, input, decimals=decimals)


# ----------------------------------------------------------------- binary ops
def _binary(
    name: str, forward: Callable, vjp: Callable | None, rule: Callable, *, true_div: bool = False
) -> tuple[OpRecord, Callable]:
    record = register(OpRecord(name, forward, vjp, rule))

    def op(input: Tensor | float, other: Tensor | float) -> Tensor:
        # Fast path: two tensors of one dtype need no promotion.
        if (
            not true_div
            and isinstance(input, Tensor)
            and isinstance(other, Tensor)
            and input.data.dtype is other.data.dtype
        ):
            return apply(record, input, other)
        x, y = promote(name, input, other)
        if true_div and x.data.dtype.kind != "f":
            default = dtypes.get_default_dtype()
            x, y = to_dtype(x, default), to_dtype(y, default)
        return apply(record, x, y)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` with broadcasting, as ``torch.{name}``."
    return record, op


def _add_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple:
    # A constant operand (a mask, a bias that is frozen) needs no reduction.
    return (
        unbroadcast(g, x.shape) if _needs(x) else None,
        unbroadcast(g, y.shape) if _needs(y) else None,
    )


def _sub_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple:
    return unbroadcast(g, x.shape), unbroadcast(-g, y.shape) if _needs(y) else None


def _mul_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple:
    # Either input may have been broadcast: sum each gradient back to its shape.
    return (
        unbroadcast(g * y, x.shape) if _needs(x) else None,
        unbroadcast(g * x, y.shape) if _needs(y) else None,
    )


def _div_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple:
    gx = g / y
    return (
        unbroadcast(gx, x.shape) if _needs(x) else None,
        unbroadcast(-gx * out, y.shape) if _needs(y) else None,
    )


def _pow_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple:
    gx = unbroadcast(g * y * pow(x, y - 1), x.shape) if _needs(x) else None
    gy = None
    if _needs(y):
        # 0 ** y has derivative 0 in y for y >= 0 (PyTorch's convention), not nan.
        safe_log = log(where(x == 0, 1, x))
        gy = unbroadcast(g * out * safe_log, y.shape)
    return gx, gy


def _remainder_vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple:
    return (
        unbroadcast(g, x.shape),
        unbroadcast(-g * floor_divide(x, y), y.shape) if _needs(y) else None,
    )


def _extremum_vjp(pick: Callable) -> Callable:
    def vjp(g: Tensor, out: Tensor, x: Tensor, y: Tensor) -> tuple:
        # Ties send half of the gradient to each side, as PyTorch does.
        x_wins = pick(x, y)
        share = where(x == y, g * 0.5, where(x_wins, g, 0))
        other = where(x == y, g * 0.5, where(x_wins, 0, g))
        return unbroadcast(share, x.shape), unbroadcast(other, y.shape)

    return vjp


def _atan2_vjp(g: Tensor, out: Tensor, y: Tensor, x: Tensor) -> tuple:
    scale = g / (x * x + y * y)
    return unbroadcast(scale * x, y.shape), unbroadcast(-scale * y, x.shape)


def _floored_remainder(xp: Any, x: Any, y: Any) -> Any:
    return xp.remainder(x, y)


_add, _add_op = _binary("add", lambda xp, x, y: xp.add(x, y), _add_vjp, broadcast_binary_rule)
_sub, _sub_op = _binary("sub", lambda xp, x, y: xp.subtract(x, y), _sub_vjp, broadcast_binary_rule)
_mul, mul = _binary("mul", lambda xp, x, y: xp.multiply(x, y), _mul_vjp, broadcast_binary_rule)
_div, _true_div = _binary(
    "div", lambda xp, x, y: xp.true_divide(x, y), _div_vjp, float_binary_rule, true_div=True
)
_floor_divide, floor_divide = _binary(
    "floor_divide",
    lambda xp, x, y: xp.floor_divide(x, y),
    lambda g, out, x, y: (zeros_like_grad(x), zeros_like_grad(y)),
    broadcast_binary_rule,
)
_remainder, remainder = _binary(
    "remainder", _floored_remainder, _remainder_vjp, broadcast_binary_rule
)
_pow, pow = _binary("pow", lambda xp, x, y: xp.power(x, y), _pow_vjp, broadcast_binary_rule)
_maximum, maximum = _binary(
    "maximum",
    lambda xp, x, y: xp.maximum(x, y),
    _extremum_vjp(lambda x, y: x > y),
    broadcast_binary_rule,
)
_minimum, minimum = _binary(
    "minimum",
    lambda xp, x, y: xp.minimum(x, y),
    _extremum_vjp(lambda x, y: x < y),
    broadcast_binary_rule,
)
_atan2, atan2 = _binary(
    "atan2", lambda xp, y, x: xp.arctan2(y, x), _atan2_vjp, float_binary_rule, true_div=True
)


def add(input: Tensor | float, other: Tensor | float, *, alpha: float = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting and type promotion, as ``torch.add``.

    >>> import ember
    >>> ember.add(ember.tensor([1, 2]), 3).tolist()
    [4, 5]
    """
    if alpha != 1:
        other = other * alpha
    return _add_op(input, other)


def sub(input: Tensor | float, other: Tensor | float, *, alpha: float = 1) -> Tensor:
    """``input - alpha * other``, as ``torch.sub``.

    >>> import ember
    >>> ember.sub(ember.tensor([1.0, 2.0]), 1).tolist()
    [0.0, 1.0]
    """
    if alpha != 1:
        other = other * alpha
    return _sub_op(input, other)


@composite
def div(
    input: Tensor | float, other: Tensor | float, *, rounding_mode: str | None = None
) -> Tensor:
    """``input / other``; integers divide to floats unless ``rounding_mode`` is given.

    Args:
        rounding_mode: None (true division), ``"trunc"`` or ``"floor"``.

    >>> import ember
    >>> ember.div(ember.tensor([-7, 7]), 2, rounding_mode="trunc").tolist()
    [-3, 3]
    """
    if rounding_mode is None:
        return _true_div(input, other)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        x, y = promote("div", input, other)
        if x.data.dtype.kind == "f":
            quotient = _true_div(x, y)
            return where(quotient < 0, ceil(quotient), floor(quotient))
        floored = floor_divide(x, y)
        # Integer floor division rounds toward -inf; step back where a remainder is left
        # and the signs differ.
        fix = logical_and(remainder(x, y) != 0, (x < 0) != (y < 0))
        return where(fix, floored + 1, floored)
    raise op_error(
        "div", f"rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}", ValueError
    )


def _comparison(name: str, forward: Callable, rule: Callable = comparison_rule) -> Callable:
    record = register(OpRecord(name, forward, None, rule))

    def op(input: Tensor | float, other: Tensor | float) -> Tensor:
        return apply(record, *promote(name, input, other))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` with broadcasting; a bool tensor, as ``torch.{name}``."
    return op


eq = _comparison("eq", lambda xp, x, y: xp.equal(x, y))
ne = _comparison("ne", lambda xp, x, y: xp.not_equal(x, y))
lt = _comparison("lt", lambda xp, x, y: xp.less(x, y))
le = _comparison("le", lambda xp, x, y: xp.less_equal(x, y))
gt = _comparison("gt", lambda xp, x, y: xp.greater(x, y))
ge = _comparison("ge", lambda xp, x, y: xp.greater_equal(x, y))
logical_and = _comparison("logical_and", lambda xp, x, y: xp.logical_and(x, y))
logical_or = _comparison("logical_or", lambda xp, x, y: xp.logical_or(x, y))
logical_xor = _comparison("logical_xor", lambda xp, x, y: xp.logical_xor(x, y))
bitwise_and = _comparison(
    "bitwise_and", lambda xp, x, y: xp.bitwise_and(x, y), integral_binary_rule
)
bitwise_or = _comparison("bitwise_or", lambda xp, x, y: xp.bitwise_or(x, y), integral_binary_rule)
bitwise_xor = _comparison(
    "bitwise_xor", lambda xp, x, y: xp.bitwise_xor(x, y), integral_binary_rule
)


def _predicate(name: str, forward: Callable) -> Callable:
    record = register(OpRecord(name, forward, None, lambda x: (x.shape, dtypes.bool_)))

    def op(input: Tensor) -> Tensor:
        return apply(record, input)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}``; a bool tensor, as ``torch.{name}``."
    return op


logical_not = _predicate("logical_not", lambda xp, x: xp.logical_not(x))
isnan = _predicate("isnan", lambda xp, x: xp.isnan(x))
isinf = _predicate("isinf", lambda xp, x: xp.isinf(x))
isfinite = _predicate("isfinite", lambda xp, x: xp.isfinite(x))


def _bitwise_not_rule(x: Tensor) -> tuple:
    check_dtype(
        not x.dtype.is_floating_point, "expected an integer or bool tensor, got {}", x.dtype
    )
    return x.shape, x.dtype


_bitwise_not = register(
    OpRecord("bitwise_not", lambda xp, x: xp.invert(x), None, _bitwise_not_rule)
)


def bitwise_not(input: Tensor) -> Tensor:
    """Bitwise NOT of an integer or bool tensor (``~x``).

    >>> import ember
    >>> ember.bitwise_not(ember.tensor([True, False])).tolist()
    [False, True]
    """
    return apply(_bitwise_not, input)


# --------------------------------------------------------------- where, clamp
def _where_rule(cond: Tensor, x: Tensor, y: Tensor) -> tuple:
    check_dtype(cond.data.dtype.kind == "b", "condition must be a bool tensor, got {}", cond.dtype)
    check_dtype(x.data.dtype == y.data.dtype, "dtypes {} and {} differ", x.dtype, y.dtype)
    return broadcast_shapes(cond.shape, x.shape, y.shape), x.dtype


def _where_vjp(g: Tensor, out: Tensor, cond: Tensor, x: Tensor, y: Tensor) -> tuple:
    zero = scalar_like(0, g.dtype, g)
    return (
        None,
        unbroadcast(where(cond, g, zero), x.shape) if _needs(x) else None,
        unbroadcast(where(cond, zero, g), y.shape) if _needs(y) else None,
    )


_where = register(OpRecord("where", lambda xp, c, x, y: xp.where(c, x, y), _where_vjp, _where_rule))


def where(condition: Tensor, input: Tensor | float, other: Tensor | float) -> Tensor:
    """Elements of ``input`` where ``condition`` holds, else of ``other`` (broadcasting).

    >>> import ember
    >>> x = ember.tensor([-1.0, 2.0])
    >>> ember.where(x > 0, x, 0.0).tolist()
    [0.0, 2.0]
    """
    x, y = promote("where", input, other)
    return apply(_where, condition, x, y)


def _clamp_vjp(g: Tensor, out: Tensor, x: Tensor, *, min: Any, max: Any) -> tuple:
    inside = x == out  # PyTorch passes the gradient where min <= x <= max.
    return (where(inside, g, scalar_like(0, g.dtype, g)),)


def _clamp_forward(xp: Any, x: Any, *, min: Any, max: Any) -> Any:
    if min is not None:
        x = xp.maximum(x, xp.asarray(min, dtype=x.dtype))
    if max is not None:
        x = xp.minimum(x, xp.asarray(max, dtype=x.dtype))
    return x


_clamp = register(OpRecord("clamp", _clamp_forward, _clamp_vjp, same_rule))


def clamp(
    input: Tensor, min: float | Tensor | None = None, max: float | Tensor | None = None
) -> Tensor:
    """Limit ``input`` to ``[min, max]``, as ``torch.clamp`` (bounds may be tensors).

    Raises:
        ValueError: if neither bound is given.

    >>> import ember
    >>> ember.clamp(ember.tensor([-2.0, 0.5, 3.0]), min=0, max=1).tolist()
    [0.0, 0.5, 1.0]
    """
    if min is None and max is None:
        raise op_error("clamp", "at least one of 'min' or 'max' must not be None", ValueError)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input if min is None else maximum(input, min)
        return out if max is None else minimum(out, max)
    if input.data.dtype.kind != "f" and any(isinstance(b, float) for b in (min, max)):
        input = to_dtype(input, dtypes.get_default_dtype())
    return apply(_clamp, input, min=min, max=max)


def _reflected(op: Callable) -> Callable:
    return lambda self, other: op(other, self)


bind_methods(
    neg=neg,
    negative=neg,
    abs=abs,
    sign=sign,
    exp=exp,
    expm1=expm1,
    log=log,
    log1p=log1p,
    log2=log2,
    sqrt=sqrt,
    rsqrt=rsqrt,
    square=square,
    sin=sin,
    cos=cos,
    tanh=tanh,
    sigmoid=sigmoid,
    relu=relu,
    erf=erf,
    floor=floor,
    ceil=ceil,
    round=round,
    reciprocal=reciprocal,
    add=add,
    sub=sub,
    mul=mul,
    div=div,
    true_divide=div,
    floor_divide=floor_divide,
    remainder=remainder,
    pow=pow,
    maximum=maximum,
    minimum=minimum,
    atan2=atan2,
    clamp=clamp,
    clip=clamp,
    eq=eq,
    ne=ne,
    lt=lt,
    le=le,
    gt=gt,
    ge=ge,
    logical_and=logical_and,
    logical_or=logical_or,
    logical_xor=logical_xor,
    logical_not=logical_not,
    bitwise_and=bitwise_and,
    bitwise_or=bitwise_or,
    bitwise_xor=bitwise_xor,
    bitwise_not=bitwise_not,
    isnan=isnan,
    isinf=isinf,
    isfinite=isfinite,
    where=lambda self, condition, other: where(condition, self, other),
    __add__=_add_op,
    __radd__=_reflected(_add_op),
    __sub__=_sub_op,
    __rsub__=_reflected(_sub_op),
    __mul__=mul,
    __rmul__=_reflected(mul),
    __truediv__=_true_div,
    __rtruediv__=_reflected(_true_div),
    __floordiv__=floor_divide,
    __rfloordiv__=_reflected(floor_divide),
    __mod__=remainder,
    __rmod__=_reflected(remainder),
    __pow__=pow,
    __rpow__=_reflected(pow),
    __neg__=neg,
    __abs__=abs,
    __pos__=lambda self: self,
    __eq__=eq,
    __ne__=ne,
    __lt__=lt,
    __le__=le,
    __gt__=gt,
    __ge__=ge,
    __and__=bitwise_and,
    __rand__=_reflected(bitwise_and),
    __or__=bitwise_or,
    __ror__=_reflected(bitwise_or),
    __xor__=bitwise_xor,
    __rxor__=_reflected(bitwise_xor),
    __invert__=bitwise_not,
)
