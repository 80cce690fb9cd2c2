"""Reverse-mode automatic differentiation over the graph that ``apply`` records.

``backward`` walks the recorded nodes in reverse topological order and calls
each op's VJP through the same ``apply`` door as the forward pass; with
``create_graph=True`` those calls are recorded too, which gives gradients of
gradients.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy

from ember.errors import GraphError, ShapeError
from ember.ops.dispatch import STATE, Node, _check_finite
from ember.ops.elementwise import _add_op
from ember.tensor import Tensor

__all__ = [
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
    "value_and_grad",
]


# ------------------------------------------------------------------ grad mode
class set_grad_enabled:
    """Turn gradient recording on or off, as a call or a context manager.

    >>> import ember
    >>> with ember.set_grad_enabled(False):
    ...     y = ember.ones(2, requires_grad=True) * 2
    >>> y.requires_grad
    False
    """

    def __init__(self, mode: bool) -> None:
        self.prev = STATE.grad_enabled
        STATE.grad_enabled = bool(mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        STATE.grad_enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        mode = STATE.grad_enabled
        STATE.grad_enabled = self.prev

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class _GradMode:
    mode = True

    def __enter__(self) -> None:
        self.prev = STATE.grad_enabled
        STATE.grad_enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        STATE.grad_enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Context manager and decorator that stops recording operations.

    >>> import ember
    >>> x = ember.ones(2, requires_grad=True)
    >>> with ember.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradMode):
    """Context manager and decorator that turns recording back on inside ``no_grad``."""

    mode = True


def is_grad_enabled() -> bool:
    """Whether operations are being recorded."""
    return STATE.grad_enabled


class detect_anomaly:
    """Context manager: fail at the first op whose forward or backward makes NaN or Inf.

    The error names the op and the line of user code that called it.

    >>> import ember
    >>> with ember.autograd.detect_anomaly():
    ...     ember.log(ember.tensor([-1.0]))
    Traceback (most recent call last):
    ...
    ember.errors.AnomalyError: log: forward produced nan values in an output of shape (1,) ...
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self.prev = STATE.anomaly
        STATE.anomaly = self.check_nan

    def __exit__(self, *exc: object) -> None:
        STATE.anomaly = self.prev


def set_detect_anomaly(mode: bool) -> None:
    """Turn anomaly detection on or off globally."""
    STATE.anomaly = bool(mode)


# ------------------------------------------------------------------- backward
_FREED = (
    "Trying to backward through the graph a second time (or to use values it saved "
    "after they were freed). The graph is freed after backward() unless "
    "retain_graph=True is passed to the first backward() or autograd.grad() call."
)


def _topological_order(roots: Iterable[Node]) -> list[Node]:
    """Nodes reachable from ``roots``, each after every node that feeds it a gradient."""
    order: list[Node] = []
    seen: set[int] = set()
    for root in roots:
        if id(root) in seen:
            continue
        seen.add(id(root))
        stack = [(root, iter(root.edges))]
        while stack:
            node, edges = stack[-1]
            for child in edges:
                if type(child) is Node and id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, iter(child.edges)))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def _accumulate(buffers: dict, key: Any, value: Tensor, owned: set | None) -> None:
    """Add ``value`` into ``buffers[key]``.

    With ``owned`` (no graph being recorded), sums go into arrays this backward
    pass allocated itself, in place: a weight used at every step of a sequence
    then costs one buffer, not one new array per step. Arrays that came from a
    VJP are never written to, since they may be views or shared.
    """
    previous = buffers.get(key)
    if previous is None:
        buffers[key] = value
    elif owned is None:
        buffers[key] = _add_op(previous, value)
    elif key in owned:
        numpy.add(previous.data, value.data, out=previous.data)
    else:
        buffers[key] = Tensor(previous.data + value.data)
        owned.add(key)


def _run_backward(
    outputs: Sequence[Tensor],
    grad_outputs: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    capture: dict[int, int] | None,
) -> dict:
    """Propagate ``grad_outputs`` from ``outputs``; returns the leaf (or captured) grads.

    ``capture`` maps ``id`` of nodes or leaf tensors to the position of an input
    of ``autograd.grad``; when it is given, nothing is written to ``.grad``.
    """
    node_grads: dict[int, Tensor] = {}
    leaf_grads: dict[int, Tensor] = {}
    leaves: dict[int, Tensor] = {}
    owned = None if create_graph else set()
    # Gradients user code has seen (the caller's, or passed to a hook, which may keep them):
    # never taken as a leaf's .grad without a copy.
    exposed = {id(g) for g in grad_outputs}
    roots = []
    for out, g in zip(outputs, grad_outputs, strict=True):
        if out._node is not None:
            roots.append(out._node)
            _accumulate(node_grads, id(out._node), g, owned)
        else:
            leaves[id(out)] = out
            _accumulate(leaf_grads, id(out), g, owned)
    captured: dict[int, Tensor] = {}
    prev_mode, anomaly = STATE.grad_enabled, STATE.anomaly
    STATE.grad_enabled = create_graph
    # VJPs are checked as a whole below, so that a NaN is blamed on the op whose
    # backward made it, not on a multiplication inside that backward.
    STATE.anomaly = False
    try:
        for node in _topological_order(roots):
            g = node_grads.pop(id(node), None)
            if g is None:
                continue
            if node.hooks:
                for hook in node.hooks:
                    exposed.add(id(g))
                    replaced = hook(g)
                    if replaced is not None:
                        g = replaced
                        exposed.add(id(g))
            if capture is not None and id(node) in capture:
                captured[id(node)] = g
            grads = _call_vjp(node, g, retain_graph, anomaly)
            for edge, gi in zip(node.edges, grads, strict=True):
                if gi is None or edge is None:
                    continue
                if type(edge) is Node:
                    _accumulate(node_grads, id(edge), gi, owned)
                else:
                    leaves[id(edge)] = edge
                    _accumulate(leaf_grads, id(edge), gi, owned)
    finally:
        STATE.grad_enabled, STATE.anomaly = prev_mode, anomaly
    for key, g in leaf_grads.items():
        leaf = leaves[key]
        if leaf._hooks:
            for hook in leaf._hooks:
                exposed.add(id(g))
                replaced = hook(g)
                if replaced is not None:
                    g = replaced
                    exposed.add(id(g))
        if capture is not None:
            if key in capture:
                captured[key] = g
        else:
            owns = owned is not None and (key in owned or (id(g) not in exposed and _sole(g)))
            _accumulate_into_leaf(leaf, g, create_graph, owns)
    return captured


def _references(g: Tensor) -> int:
    return sys.getrefcount(g.data)


# What _references counts for an array that one Tensor alone holds (measured, since the
# count includes the interpreter's own temporary references).
_SOLE_OWNER = _references(Tensor(numpy.empty(1)))


def _sole(g: Tensor) -> bool:
    """Whether ``g``'s array owns its memory and nothing but ``g`` refers to it: no view of
    it, no other Tensor (a VJP handing one gradient to two inputs), no hook or caller
    keeping it. Such a gradient can become ``.grad`` without a copy, as PyTorch steals a
    gradient whose use count is 1."""
    return (
        _references(g) <= _SOLE_OWNER
        and type(g.data) is numpy.ndarray
        and g.data.base is None
        and g.data.flags.writeable
    )


def _accumulate_into_leaf(leaf: Tensor, g: Tensor, create_graph: bool, owned: bool) -> None:
    if leaf.grad is None:
        # .grad must own its memory (optimizers update it in place): copy arrays
        # that came straight from a VJP, unless ``owned`` (this backward made them and
        # holds the only reference).
        if create_graph:
            leaf.grad = g
        else:
            leaf.grad = Tensor(g.data if owned else g.data.copy())
    elif create_graph:
        leaf.grad = _add_op(leaf.grad, g)
    else:
        numpy.add(leaf.grad.data, g.data, out=leaf.grad.data)


def _call_vjp(node: Node, g: Tensor, retain_graph: bool, anomaly: bool) -> Sequence[Tensor | None]:
    inputs = node.inputs
    if inputs is None:
        raise GraphError(f"{node.name}: {_FREED}")
    for t, version in zip(inputs, node.versions, strict=True):
        if t._version != version:
            raise GraphError(
                f"{node.name}: one of the tensors needed for gradient computation has been "
                f"modified by an in-place operation: a tensor of shape {t.shape} is at "
                f"version {t._version}, expected version {version}. Change the in-place "
                "op (add_, mul_, ...) to its out-of-place form or clone() before it."
            )
    if node.dirty:
        raise GraphError(
            f"{node.name}: its output, needed for gradient computation, was "
            "modified by an in-place operation"
        )
    out = Tensor(node.out_data, True, node)
    if node.saved is None:
        grads = node.record.vjp(g, out, *inputs, **node.attrs)
    else:
        grads = node.record.vjp(g, out, *inputs, saved=node.saved, **node.attrs)
    for t, gi in zip(inputs, grads, strict=True):
        if gi is not None and gi.shape != t.shape:
            raise ShapeError(
                f"{node.name}: the VJP returned a gradient of shape {gi.shape} "
                f"for an input of shape {t.shape}"
            )
        if anomaly and gi is not None:
            _check_finite(
                node.name,
                gi.data,
                "backward",
                node.trace or "unknown; enable detect_anomaly() before the forward",
            )
    if not retain_graph:
        node.inputs = None
        node.out_data = None
        node.saved = None
    return grads


def _default_grads(
    op: str, outputs: Sequence[Tensor], grad_outputs: Sequence[Tensor | None] | None
) -> list[Tensor]:
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    result = []
    for out, g in zip(outputs, grad_outputs, strict=True):
        if not out.requires_grad:
            raise GraphError(
                f"{op}: element 0 of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if out.data.size != 1:
                raise GraphError(
                    f"{op}: grad can be implicitly created only for scalar "
                    f"outputs, got shape {out.shape}; pass a gradient"
                )
            g = Tensor(numpy.ones_like(out.data))
        elif not isinstance(g, Tensor):
            g = Tensor(numpy.asarray(g, dtype=out.data.dtype))
        if g.shape != out.shape:
            raise ShapeError(
                f"{op}: gradient of shape {g.shape} does not match the output shape {out.shape}"
            )
        result.append(g)
    return result


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves they depend on.

    Args:
        tensors: outputs to differentiate.
        grad_tensors: the gradient with respect to each output (None for scalars).
        retain_graph: keep the graph for another backward (default: ``create_graph``).
        create_graph: record the backward pass, for higher-order gradients.

    Raises:
        GraphError: if an output does not require grad, the graph was freed, or a
            saved tensor was changed in place.
    """
    if isinstance(tensors, Tensor):
        tensors = [tensors]
        if grad_tensors is not None:
            grad_tensors = [grad_tensors]
    if retain_graph is None:
        retain_graph = create_graph
    grads = _default_grads("backward", tensors, grad_tensors)
    _run_backward(tensors, grads, retain_graph, create_graph, None)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``.

    Args:
        outputs: tensors to differentiate.
        inputs: tensors (leaves or not) to differentiate with respect to.
        grad_outputs: gradient with respect to each output (None for scalars).
        retain_graph: keep the graph (default: ``create_graph``).
        create_graph: record the computation so the result can be differentiated.
        allow_unused: return None for inputs the outputs do not depend on,
            instead of raising.

    Returns:
        A tuple with one gradient per input.

    >>> import ember
    >>> x = ember.tensor(3.0, requires_grad=True)
    >>> ember.autograd.grad(x ** 3, x)
    (tensor(27.),)
    """
    if isinstance(outputs, Tensor):
        outputs = [outputs]
        if grad_outputs is not None:
            grad_outputs = [grad_outputs]
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if retain_graph is None:
        retain_graph = create_graph
    for t in inputs:
        if not t.requires_grad:
            raise GraphError("grad: one of the differentiated tensors does not require grad")
    grads = _default_grads("grad", outputs, grad_outputs)
    capture = {id(t._node if t._node is not None else t): i for i, t in enumerate(inputs)}
    captured = _run_backward(outputs, grads, retain_graph, create_graph, capture)
    result = []
    for t in inputs:
        g = captured.get(id(t._node if t._node is not None else t))
        if g is None and not allow_unused:
            raise GraphError(
                "grad: one of the differentiated tensors appears not to have "
                "been used in the graph; pass allow_unused=True if this is "
                "intended"
            )
        if g is not None and not create_graph:
            g = Tensor(g.data)
        result.append(g)
    return tuple(result)


# ------------------------------------------------------ JAX-style transforms
def _as_input(value: Any) -> Tensor:
    data = value.data if isinstance(value, Tensor) else numpy.asarray(value)
    if data.dtype.kind != "f":
        data = data.astype(numpy.float32)
    return Tensor(data, True)


def value_and_grad(
    fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable:
    """A function returning ``(fun(*args), gradient of fun w.r.t. args[argnums])``.

    ``fun`` must return a scalar tensor (or ``(scalar, aux)`` with ``has_aux``).

    >>> import ember
    >>> value, g = ember.value_and_grad(lambda x: (x * x).sum())(ember.tensor([1.0, 2.0]))
    >>> value.item(), g.tolist()
    (5.0, [2.0, 4.0])
    """
    many = not isinstance(argnums, int)
    positions = list(argnums) if many else [argnums]

    @functools.wraps(fun)
    def wrapped(*args: Any, **kwargs: Any) -> tuple:
        args = list(args)
        for i in positions:
            args[i] = _as_input(args[i])
        with enable_grad():
            result = fun(*args, **kwargs)
        value, aux = result if has_aux else (result, None)
        if not isinstance(value, Tensor) or value.data.size != 1:
            raise ShapeError(
                "value_and_grad: the function must return a scalar tensor, got "
                f"{getattr(value, 'shape', type(value).__name__)}"
            )
        grads = grad(value, [args[i] for i in positions], allow_unused=True)
        grads = tuple(
            g if g is not None else Tensor(numpy.zeros_like(args[i].data))
            for g, i in zip(grads, positions, strict=True)
        )
        value = Tensor(value.data)
        g = grads if many else grads[0]
        return ((value, aux), g) if has_aux else (value, g)

    return wrapped


def grad_transform(
    fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False
) -> Callable:
    """JAX's ``grad``: a function returning the gradient of scalar-valued ``fun``.

    Exposed as ``ember.grad``.

    >>> import ember
    >>> ember.grad(lambda x: (x ** 3).sum())(ember.tensor([2.0])).tolist()
    [12.0]
    """
    inner = value_and_grad(fun, argnums, has_aux)

    @functools.wraps(fun)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result, g = inner(*args, **kwargs)
        return (g, result[1]) if has_aux else g

    return wrapped


# ------------------------------------------------------------ tensor methods
def _tensor_backward(
    self: Tensor, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
) -> None:
    """Accumulate the gradient of this tensor into the leaves' ``.grad``."""
    backward(self, gradient, retain_graph, create_graph)


def _register_hook(self: Tensor, hook: Callable) -> Callable:
    """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one.

    Returns:
        A handle whose ``remove()`` unregisters the hook.
    """
    if not self.requires_grad:
        raise GraphError(
            "register_hook: cannot register a hook on a tensor that doesn't require gradient"
        )
    if self._node is not None:
        if self._node.hooks is None:
            self._node.hooks = []
        hooks = self._node.hooks
    else:
        if self._hooks is None:
            self._hooks = []
        hooks = self._hooks
    hooks.append(hook)
    return _RemovableHandle(hooks, hook)


class _RemovableHandle:
    def __init__(self, hooks: list, hook: Callable) -> None:
        self.hooks, self.hook = hooks, hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


def _retain_grad(self: Tensor) -> None:
    """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
    if self._node is None:
        return

    def keep(g: Tensor) -> None:
        self.grad = Tensor(g.data) if self.grad is None else Tensor(self.grad.data + g.data)

    self.register_hook(keep)


Tensor.backward = _tensor_backward
Tensor.register_hook = _register_hook
Tensor.retain_grad = _retain_grad
