"""The op record, the op table, and ``apply``: the one door every op call goes through.

A record holds an op's forward kernel (against ``xp``), its vector-Jacobian
product (in Ember ops, so gradients of gradients work), and its shape/dtype
rule (checked before the kernel runs). ``apply`` checks the rule, runs the
kernel and, when grad is on and an input requires it, records one ``Node``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy

from ember.backend import get_xp
from ember.errors import AnomalyError, DTypeError, ShapeError, caller
from ember.tensor import Tensor

__all__ = [
    "COMPOSITES",
    "OP_TABLE",
    "STATE",
    "Node",
    "OpRecord",
    "apply",
    "bind_methods",
    "check",
    "check_dtype",
    "composite",
    "op_error",
    "register",
]

# NumPy warns on log(0) and friends; PyTorch returns inf/nan silently, and
# anomaly mode is the tool for finding them. Only warnings raised from Ember's
# own kernels are silenced.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ember\.")

_ndarray = numpy.ndarray


class OpRecord:
    """Everything Ember knows about one primitive operation.

    Args:
        name: the public function's name (``"add"``, ``"conv2d"``).
        forward: ``forward(xp, *arrays, **attrs) -> array``.
        vjp: ``vjp(g, out, *inputs, **attrs) -> tuple`` with one gradient (or
            None) per input, written in Ember ops; None if not differentiable.
        shape_rule: ``rule(*inputs, **attrs) -> (shape, dtype)``; it raises
            through ``check`` on inputs the op cannot take.
        saves: for a forward that returns ``(out, saved)``, where ``saved`` is an
            intermediate array its VJP can reuse rather than compute again (a
            convolution's input columns), or None: ``saves(*inputs) -> bool`` tells
            whether a recorded node keeps it. The VJP then gets it as ``saved=``;
            without it (None, not kept, or the node was built otherwise) the VJP must
            compute the same gradients.
    """

    __slots__ = ("forward", "name", "saves", "shape_rule", "vjp")

    def __init__(
        self,
        name: str,
        forward: Callable,
        vjp: Callable | None,
        shape_rule: Callable,
        saves: Callable[..., bool] | None = None,
    ) -> None:
        self.name = name
        self.forward = forward
        self.vjp = vjp
        self.shape_rule = shape_rule
        self.saves = saves

    def __repr__(self) -> str:
        return f"OpRecord({self.name})"


OP_TABLE: dict[str, OpRecord] = {}
COMPOSITES: dict[str, Callable] = {}


def register(record: OpRecord) -> OpRecord:
    """Add a record to the op table; names are unique."""
    if record.name in OP_TABLE:
        raise ValueError(f"op {record.name!r} is registered twice")
    OP_TABLE[record.name] = record
    return record


def composite(fn: Callable) -> Callable:
    """Mark a public function written in Ember ops, so the generated tests cover it."""
    COMPOSITES[fn.__name__] = fn
    return fn


class _State:
    __slots__ = ("anomaly", "grad_enabled")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False


STATE = _State()


def check(cond: bool, message: str, *args: object) -> None:
    """Declare a shape requirement; ``message.format(*args)`` runs only on failure."""
    if not cond:
        raise ShapeError(message.format(*args))


def check_dtype(cond: bool, message: str, *args: object) -> None:
    """Declare a dtype requirement, as ``check`` does for shapes."""
    if not cond:
        raise DTypeError(message.format(*args))


def check_same_dtype(x: Tensor, other: Tensor, name: str) -> None:
    """Declare that ``other``, called ``name`` in the message, has the input ``x``'s dtype."""
    check_dtype(
        other.data.dtype == x.data.dtype,
        "{} of dtype {} does not match the input's dtype {}",
        name,
        other.dtype,
        x.dtype,
    )


def op_error(op: str, message: str, cls: type = ShapeError) -> Exception:
    """An error for the user: the op, what is wrong, and the caller's ``file:line``.

    The error hides any exception being handled when it is raised: the user
    needs this message, not the NumPy traceback behind it.
    """
    error = cls(f"{op}: {message} (called from {caller()})")
    error.__suppress_context__ = True
    return error


class Node:
    """One recorded op application: what its VJP needs, and where gradients go next.

    ``edges[i]`` is the node that produced input ``i``, the input itself if it
    is a leaf requiring grad, or None. The output is kept as its array (not as
    a Tensor) so that no reference cycle ties a tensor to its own node.
    """

    __slots__ = (
        "attrs",
        "dirty",
        "edges",
        "hooks",
        "inputs",
        "out_data",
        "record",
        "saved",
        "trace",
        "versions",
    )

    def __init__(self, record: OpRecord, inputs: tuple, attrs: dict, out_data: Any) -> None:
        self.record = record
        self.inputs = inputs
        self.attrs = attrs
        self.out_data = out_data
        edges = []
        versions = []
        for t in inputs:
            node = t._node
            edges.append(node if node is not None else (t if t.requires_grad else None))
            versions.append(t._version)
        self.edges = edges
        self.versions = versions
        self.hooks = None
        self.saved = None
        self.dirty = False
        self.trace = caller() if STATE.anomaly else None

    @property
    def name(self) -> str:
        """PyTorch-style name of the backward function, e.g. ``MulBackward``."""
        return "".join(p.capitalize() for p in self.record.name.split("_")) + "Backward"

    @property
    def next_functions(self) -> tuple:
        """The nodes (or leaf tensors) that gradients flow to from here."""
        return tuple(self.edges)

    def __repr__(self) -> str:
        return f"<{self.name}>"


def apply(record: OpRecord, *inputs: Tensor, **attrs: Any) -> Tensor:
    """Run one op: check its rule, run its kernel, record a node if grad is needed.

    Raises:
        ShapeError, DTypeError: when the rule rejects the inputs; the message names
            the op and the caller's ``file:line``.
    """
    try:
        record.shape_rule(*inputs, **attrs)
    except (ShapeError, DTypeError) as err:
        raise type(err)(f"{record.name}: {err} (called from {caller()})") from None
    xp = get_xp(inputs[0].data if inputs else None)
    try:
        out = record.forward(xp, *[t.data for t in inputs], **attrs)
    except (ValueError, IndexError, TypeError) as err:
        # A rule missed a case; still tell the user which op and which inputs.
        shapes = ", ".join(str(t.shape) for t in inputs)
        raise ShapeError(
            f"{record.name}: cannot run on inputs of shapes {shapes}: {err} "
            f"(called from {caller()})"
        ) from None
    saved = None
    if record.saves is not None:
        out, saved = out
    if type(out) is not _ndarray:
        out = xp.asarray(out)
    if STATE.anomaly:
        _check_finite(record.name, out, "forward", caller())
    if STATE.grad_enabled and record.vjp is not None:
        for t in inputs:
            if t.requires_grad:
                node = Node(record, inputs, attrs, out)
                if saved is not None and record.saves(*inputs):
                    node.saved = saved
                return Tensor(out, True, node)
    return Tensor(out)


def _check_finite(op: str, array: Any, phase: str, where: str | None) -> None:
    xp = get_xp(array)
    if array.dtype.kind == "f" and not xp.isfinite(array).all():
        kind = "nan" if xp.isnan(array).any() else "inf"
        raise AnomalyError(
            f"{op}: {phase} produced {kind} values in an output of shape "
            f"{tuple(array.shape)} (called from {where})"
        )


def bind_methods(**methods: Callable) -> None:
    """Attach op functions to ``Tensor`` as methods (each family binds its own)."""
    for name, fn in methods.items():
        setattr(Tensor, name, fn)
