"""Ember's dtypes and PyTorch's type-promotion rules.

A dtype is a small object (``ember.float32``) that wraps the backend's dtype.
Promotion follows PyTorch: categories order bool < integer < floating, and
within one operation dimensioned tensors outrank zero-dimensional ones, which
outrank Python scalars, unless a lower-ranked operand is of a higher category.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "DType",
    "bool_",
    "float16",
    "float32",
    "float64",
    "get_default_dtype",
    "int32",
    "int64",
    "promote_types",
    "result_type",
    "set_default_dtype",
    "to_dtype",
    "uint8",
]

_BOOL, _INT, _FLOAT = 0, 1, 2


class DType:
    """A tensor element type, e.g. ``ember.float32``.

    Attributes:
        name: the PyTorch name without the ``torch.`` prefix.
        np: the matching NumPy dtype (CuPy uses the same objects).
        itemsize: bytes per element.
        is_floating_point: whether the type is a floating type.
    """

    __slots__ = ("category", "is_floating_point", "itemsize", "name", "np")

    def __init__(self, name: str, np_dtype: np.dtype, category: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.category = category
        self.is_floating_point = category == _FLOAT

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self) -> str:
        return self.name


bool_ = DType("bool", np.bool_, _BOOL)
uint8 = DType("uint8", np.uint8, _INT)
int8 = DType("int8", np.int8, _INT)
int16 = DType("int16", np.int16, _INT)
int32 = DType("int32", np.int32, _INT)
int64 = DType("int64", np.int64, _INT)
float16 = DType("float16", np.float16, _FLOAT)
float32 = DType("float32", np.float32, _FLOAT)
float64 = DType("float64", np.float64, _FLOAT)

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
FROM_NP: dict[np.dtype, DType] = {d.np: d for d in ALL_DTYPES}
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NAME.update({"float": float32, "double": float64, "half": float16, "long": int64, "int": int32})

_state = {"default": float32}


def get_default_dtype() -> DType:
    """Return the dtype that floating tensors get when none is given.

    >>> get_default_dtype()
    ember.float32
    """
    return _state["default"]


def set_default_dtype(dtype: DType) -> None:
    """Set the default floating dtype (``float32`` at start-up).

    Args:
        dtype: ``ember.float32``, ``ember.float64`` or ``ember.float16``.

    Raises:
        TypeError: if ``dtype`` is not a floating dtype.
    """
    dtype = to_dtype(dtype)
    if not dtype.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {dtype}")
    _state["default"] = dtype


def to_dtype(dtype: object) -> DType:
    """Turn a dtype, a NumPy dtype, a Python type or a name into an Ember ``DType``.

    Raises:
        TypeError: if ``dtype`` names no dtype Ember supports.

    >>> to_dtype("float64"), to_dtype(float), to_dtype(bool)
    (ember.float64, ember.float32, ember.bool)
    """
    if isinstance(dtype, DType):
        return dtype
    if dtype is float:
        return _state["default"]
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    if isinstance(dtype, str) and dtype in _BY_NAME:
        return _BY_NAME[dtype]
    try:
        return FROM_NP[np.dtype(dtype)]
    except (TypeError, KeyError):
        raise TypeError(
            f"unsupported dtype {dtype!r}; Ember supports {', '.join(d.name for d in ALL_DTYPES)}"
        ) from None


# Promotion lattice between two dtypes of any categories (PyTorch's table).
_ORDER = {d: i for i, d in enumerate(ALL_DTYPES)}


def promote_types(a: DType, b: DType) -> DType:
    """The smallest dtype both ``a`` and ``b`` convert to, as ``torch.promote_types``.

    >>> promote_types(int32, float16), promote_types(uint8, int8)
    (ember.float16, ember.int16)
    """
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    if a.category == _INT and uint8 in (a, b):
        # uint8 with a signed type needs a signed type that holds 0..255.
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return a if _ORDER[a] > _ORDER[b] else b


def _scalar_dtype(value: object) -> DType:
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    return _state["default"]


def result_type(*operands: object) -> DType:
    """The dtype of an elementwise op over tensors and Python scalars (PyTorch rules).

    Operands are objects with ``dtype`` and ``ndim`` (tensors) or Python numbers.

    >>> result_type(2, 2.5)
    ember.float32
    """
    dim = zero = wrapped = None
    for op in operands:
        if isinstance(op, (bool, int, float)):
            d = _scalar_dtype(op)
            wrapped = d if wrapped is None else promote_types(wrapped, d)
        elif op.ndim:
            dim = op.dtype if dim is None else promote_types(dim, op.dtype)
        else:
            zero = op.dtype if zero is None else promote_types(zero, op.dtype)
    return _combine(dim, _combine(zero, wrapped))


def _combine(higher: DType | None, lower: DType | None) -> DType:
    if higher is None:
        return lower
    if lower is None or higher.category >= lower.category:
        return higher
    # A lower-ranked operand of a higher category lifts the result to its category;
    # a Python float arrives here already as the default dtype.
    return promote_types(higher, lower)
