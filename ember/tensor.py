"""The Tensor: a backend array plus dtype, device and autograd fields.

``Tensor`` is deliberately thin (``__slots__``, no logic on the hot path). Its
operators and math methods are attached by the op families in ``ember.ops``,
and ``backward``/``register_hook`` by ``ember.autograd``, so that each method
lives next to the op it calls.
"""

from __future__ import annotations

from typing import Any

import numpy

from ember import dtypes
from ember.errors import DTypeError, GraphError, ShapeError

__all__ = ["Device", "Tensor"]

_ndarray = numpy.ndarray


class Device:
    """Where a tensor's memory lives: ``device(type='cpu')``.

    Compares equal to its type string, so ``t.device == "cpu"`` works.
    """

    __slots__ = ("type",)

    def __init__(self, type: str = "cpu") -> None:
        self.type = type

    def __repr__(self) -> str:
        return f"device(type='{self.type}')"

    def __str__(self) -> str:
        return self.type

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Device):
            return other.type == self.type
        return other == self.type

    def __hash__(self) -> int:
        return hash(self.type)


CPU = Device("cpu")


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    Build tensors with ``ember.tensor``, ``ember.zeros`` and friends. A tensor
    with ``requires_grad=True`` collects gradients in ``.grad`` when
    ``backward()`` runs on a result computed from it.

    >>> import ember
    >>> x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __slots__ = ("__weakref__", "_hooks", "_node", "_version", "data", "grad", "requires_grad")
    __array_priority__ = 1000  # NumPy defers to Tensor's reflected operators.

    def __init__(self, data: Any, requires_grad: bool = False, _node: Any = None) -> None:
        if type(data) is not _ndarray:
            data = numpy.asarray(data)
        self.data = data
        self.requires_grad = requires_grad
        self.grad: Tensor | None = None
        self._node = _node
        self._version = 0
        self._hooks: list | None = None

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each dimension, a tuple (``torch.Size`` is a tuple too)."""
        return self.data.shape

    @property
    def dtype(self) -> dtypes.DType:
        """The element type, e.g. ``ember.float32``."""
        return dtypes.FROM_NP[self.data.dtype]

    @property
    def device(self) -> Device:
        """Where the data lives; ``device(type='cpu')`` for NumPy arrays."""
        return CPU

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self.data.ndim

    def dim(self) -> int:
        """Number of dimensions (PyTorch's method form of ``ndim``)."""
        return self.data.ndim

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the size of one dimension when ``dim`` is given.

        >>> import ember
        >>> ember.zeros(2, 3).size(), ember.zeros(2, 3).size(-1)
        ((2, 3), 3)
        """
        if dim is None:
            return self.data.shape
        return self.data.shape[_wrap_dim("size", dim, self.data.ndim)]

    def numel(self) -> int:
        """Total number of elements."""
        return self.data.size

    def element_size(self) -> int:
        """Bytes per element."""
        return self.data.itemsize

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating type."""
        return self.data.dtype.kind == "f"

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (created by the user)."""
        return self._node is None

    @property
    def grad_fn(self) -> Any:
        """The graph node that produced this tensor, or None for a leaf."""
        return self._node

    # --------------------------------------------------------------- conversion
    def numpy(self) -> numpy.ndarray:
        """The data as a NumPy array, sharing memory on the CPU.

        Raises:
            GraphError: if the tensor requires grad (call ``detach()`` first).
        """
        if self.requires_grad:
            raise GraphError(
                "numpy(): can't call numpy() on a tensor that requires grad; "
                "use tensor.detach().numpy() instead"
            )
        return self.data

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number.

        Raises:
            ShapeError: if the tensor has more than one element.
        """
        if self.data.size != 1:
            raise ShapeError(
                f"item(): a tensor with {self.data.size} elements cannot be "
                "converted to a Python scalar"
            )
        return self.data.item()

    def tolist(self) -> Any:
        """The data as (nested) Python lists of numbers."""
        return self.data.tolist()

    def detach(self) -> Tensor:
        """A tensor sharing this one's data but cut from the graph."""
        return Tensor(self.data)

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place and make it a leaf."""
        self._node = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (only on leaves) and return ``self``.

        Raises:
            GraphError: when called on a non-leaf, or to require grad on integers.
        """
        if self._node is not None:
            raise GraphError(
                "requires_grad_(): you can only change requires_grad of leaf "
                "tensors; use detach() to get a leaf"
            )
        if requires_grad and self.data.dtype.kind != "f":
            raise DTypeError(
                f"requires_grad_(): only floating tensors can require gradients, got {self.dtype}"
            )
        self.requires_grad = requires_grad
        return self

    def __repr__(self) -> str:
        body = numpy.array2string(
            self.data, separator=", ", prefix="tensor(", threshold=1000, edgeitems=3, precision=4
        )
        extras = []
        default_float = dtypes.get_default_dtype()
        dtype = self.dtype
        if dtype not in (default_float, dtypes.int64, dtypes.bool_) or self.data.size == 0:
            extras.append(f"dtype={dtype!r}")
        if self._node is not None:
            extras.append(f"grad_fn=<{self._node.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ShapeError(
                f"bool(): the truth value of a tensor with {self.data.size} "
                "elements is ambiguous; use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> numpy.ndarray:
        data = self.data
        return data if dtype is None else data.astype(dtype)

    __hash__ = object.__hash__


def _wrap_dim(op: str, dim: int, ndim: int) -> int:
    """Turn a possibly negative ``dim`` into an index in ``range(ndim)``."""
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise ShapeError(
            f"{op}: dim {dim} is out of range for a tensor of {ndim} dimensions "
            f"(expected to be in [{-size}, {size - 1}])"
        )
    return dim % size
