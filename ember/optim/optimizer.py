"""The ``Optimizer`` base class: parameter groups, per-parameter state, step hooks, checkpoints.

Most subclasses implement ``_new_state(param, group)`` and
``_update_param(param, grad, state, group)``, which the shared loop in
``_update_group`` calls for every parameter that has a gradient; one whose
loop differs overrides ``_update_group`` itself. Updates bypass autograd
entirely: they read and write ``p.data``, ``p.grad.data`` and the state arrays
with the array module of the data, and bump ``p._version`` as PyTorch does, so
a graph that saved a parameter before the step refuses to backpropagate
through the stale value.
"""

from __future__ import annotations

import copy
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

from ember.autograd import enable_grad
from ember.backend import get_xp
from ember.errors import caller
from ember.nn.module import _HookHandle
from ember.tensor import Tensor

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Sentinel for a hyperparameter that every parameter group must set."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

# State entries kept as Python numbers (PyTorch keeps them as 0-d tensors).
_SCALAR_STATE = frozenset({"step", "mu_product"})

_SET_MESSAGE = (
    "optimizer parameters need to be organized in ordered collections, but the "
    "ordering of tensors in sets will change between runs. Please use a list instead."
)


def _fail(owner: str, message: str, error: type[Exception] = ValueError) -> Exception:
    return error(f"{owner}: {message} (called from {caller()})")


def _check(owner: str, ok: bool, message: str) -> None:
    """Raise ``ValueError("<owner>: <message>")`` unless ``ok`` (constructor checks)."""
    if not ok:
        raise _fail(owner, message)


# PyTorch's message for each constructor option that must not be negative.
_NON_NEGATIVE = {
    "lr": "Invalid learning rate: {}",
    "lr_decay": "Invalid lr_decay value: {}",
    "eps": "Invalid epsilon value: {}",
    "weight_decay": "Invalid weight_decay value: {}",
    "momentum": "Invalid momentum value: {}",
    "momentum_decay": "Invalid momentum_decay value: {}",
    "alpha": "Invalid alpha value: {}",
    "initial_accumulator_value": "Invalid initial_accumulator_value value: {}",
}


def _checked_defaults(owner: str, **options: Any) -> dict[str, Any]:
    """Check a constructor's options with PyTorch's rules and messages; return them as defaults.

    Options are checked in the order given (PyTorch's order, which decides the
    message when several are wrong): those in ``_NON_NEGATIVE`` must be at
    least 0, each of ``betas`` in [0, 1) and ``rho`` in [0, 1]. Other options
    (flags such as ``maximize``) pass unchecked.

    Raises:
        ValueError: ``"<owner>: Invalid ... value: <value> (called from <file:line>)"``.
    """
    for key, value in options.items():
        if key in _NON_NEGATIVE:
            _check(owner, value >= 0.0, _NON_NEGATIVE[key].format(value))
        elif key == "betas":
            for index, beta in enumerate(value):
                _check(owner, 0.0 <= beta < 1.0, f"Invalid beta parameter at index {index}: {beta}")
        elif key == "rho":
            _check(owner, 0.0 <= value <= 1.0, f"Invalid rho value: {value}")
    return options


def _with_step_hooks(step: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an optimizer's ``step`` so that it runs the registered step hooks around it.

    As in PyTorch, the hooks get ``args`` with the optimizer first, and a
    pre-hook may return a new ``(args, kwargs)`` pair to call ``step`` with.
    A ``step`` that calls its parent's (``super().step()``) runs the hooks once.
    """

    @functools.wraps(step)
    def step_with_hooks(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        if self._in_step:
            return step(self, *args, **kwargs)
        args = (self, *args)
        for hook in list(self._step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise _fail(
                        type(self).__name__,
                        "a step pre-hook must return None or a tuple of (new_args, "
                        f"new_kwargs), but got {result!r}",
                        RuntimeError,
                    )
                args, kwargs = result
        self._in_step = True
        try:
            out = step(*args, **kwargs)
        finally:
            self._in_step = False
        for hook in list(self._step_post_hooks.values()):
            hook(self, args, kwargs)
        return out

    return step_with_hooks


def _to_array(param: Tensor, value: Any) -> Tensor:
    xp = get_xp(param.data)
    data = value.data if isinstance(value, Tensor) else xp.asarray(value)
    if param.data.dtype.kind == "f" and data.dtype.kind == "f":
        return Tensor(data.astype(param.data.dtype, copy=True))
    return Tensor(data.copy())


def _cast_state(param: Tensor, value: Any, key: Any = None) -> Any:
    """A deep copy of one loaded state entry, with arrays in the parameter's dtype.

    Accepts Ember tensors and anything ``asarray`` takes (NumPy arrays, CPU torch
    tensors), so a converted PyTorch checkpoint loads too.
    """
    if key in _SCALAR_STATE:
        return float(value)
    if isinstance(value, Tensor) or hasattr(value, "__array__"):
        return _to_array(param, value)
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v) for v in value)
    return value


class Optimizer:
    """Base class of all optimizers, with ``torch.optim.Optimizer``'s interface.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts
            (parameter groups) holding ``"params"`` and per-group options.
        defaults: the options a group gets when it does not set them.

    Attributes:
        param_groups: list of dicts, each with ``"params"`` and every option.
        state: per-parameter state (a dict keyed by the parameter tensor).
        defaults: the options given to the constructor.

    Raises:
        TypeError: if ``params`` is a single tensor, a set, or holds non-tensors.
        ValueError: if ``params`` is empty or repeats a parameter (see ``add_param_group``).

    A subclass implements ``_new_state`` and ``_update_param`` (or, for a loop of
    its own, ``_update_group``); ``step`` updates every group after evaluating
    the closure. A subclass may also override ``step``: hooks registered with
    ``register_step_pre_hook`` and ``register_step_post_hook`` run around it all the same.

    >>> import ember
    >>> w = ember.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = ember.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0.8, 1.6], requires_grad=True)
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A subclass's own step (LBFGS's, or a user's) runs the step hooks too.
        if "step" in cls.__dict__:
            cls.step = _with_step_hooks(cls.__dict__["step"])

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self._init_step_hooks()
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise _fail(
                name,
                "params argument given to the optimizer should be an iterable of "
                "Tensors or dicts, but got a Tensor",
                TypeError,
            )
        if isinstance(params, set):
            raise _fail(name, _SET_MESSAGE, TypeError)
        groups = list(params)
        if not groups:
            raise _fail(name, "optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def _init_step_hooks(self) -> None:
        self._step_pre_hooks: dict[int, Callable[..., Any]] = {}
        self._step_post_hooks: dict[int, Callable[..., Any]] = {}
        self._in_step = False

    def __getstate__(self) -> dict[str, Any]:
        # As in PyTorch, hooks are not saved with the optimizer (they are often closures).
        return {
            key: value
            for key, value in self.__dict__.items()
            if key not in ("_step_pre_hooks", "_step_post_hooks", "_in_step")
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_step_hooks()

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        lines.append(")")
        return "\n".join(lines)

    # ------------------------------------------------------------ param groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. to fine-tune a new layer).

        Options the group leaves out take the optimizer's defaults.

        Raises:
            TypeError: if the params are not tensors or come in a set.
            ValueError: for a non-leaf tensor, a parameter already in another
                group, or a missing required option.

        >>> import ember
        >>> a, b = ember.zeros(2, requires_grad=True), ember.zeros(3, requires_grad=True)
        >>> opt = ember.optim.SGD([a], lr=0.1)
        >>> opt.add_param_group({"params": [b], "lr": 0.01})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.01]
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise _fail(
                name, f"param_group must be a dict, but got {type(param_group).__name__}", TypeError
            )
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise _fail(name, _SET_MESSAGE, TypeError)
        tensors, names = [], []
        for item in params:
            if isinstance(item, tuple):
                names.append(item[0])
                item = item[1]
            tensors.append(item)
        if names:
            if len(names) != len(tensors):
                raise _fail(
                    name,
                    "all optimizer params should be with/without names. Some param "
                    "names are missing",
                )
            group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise _fail(
                    name,
                    "optimizer can only optimize Tensors, but one of the params is "
                    f"{type(p).__name__}",
                    TypeError,
                )
            if not p.is_leaf:
                raise _fail(name, "can't optimize a non-leaf Tensor")
        group["params"] = tensors
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise _fail(
                    name,
                    "parameter group didn't specify a value of required optimization "
                    f"parameter {key}",
                )
            group.setdefault(key, default)
        if len({id(p) for p in tensors}) != len(tensors):
            raise _fail(name, "optimizer contains a parameter group with duplicate parameters")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in tensors):
            raise _fail(name, "some parameters appear in more than one parameter group")
        if self.param_groups and ("param_names" in group) != (
            "param_names" in self.param_groups[0]
        ):
            raise _fail(
                name, "all optimizer param groups should be with/without names (param_names)"
            )
        self.param_groups.append(group)

    # -------------------------------------------------------------------- step
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors.

        Args:
            set_to_none: drop the gradients (``p.grad = None``, the default: less
                memory, and ``step`` skips parameters without a gradient) instead
                of filling them with zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                grad = p.grad
                if grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    grad.detach_()
                    grad.data[...] = 0
                    grad._version += 1

    @_with_step_hooks
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, once.

        Args:
            closure: re-evaluates the model and returns the loss; it runs with
                gradients enabled before the update.

        Returns:
            The closure's loss, or None without a closure.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        """Update, in place, every parameter of ``group`` that has a gradient.

        A parameter's state starts as ``_new_state`` returns it; at every update
        its ``"step"`` count (if it keeps one) goes up by one, then
        ``_update_param`` changes the arrays, given the gradient from ``_gradient``.
        """
        for p in group["params"]:
            if p.grad is None:
                continue
            param = p.data
            state = self.state[p]
            if not state:
                state.update(self._new_state(param, group))
            if "step" in state:
                state["step"] += 1
            self._update_param(param, self._gradient(param, p.grad.data, group), state, group)
            p._version += 1

    def _new_state(self, param: Any, group: dict) -> dict:
        """The state of a parameter (given its array) before its first update."""
        return {}

    def _gradient(self, param: Any, grad: Any, group: dict) -> Any:
        """The gradient array an update uses: negated for ``maximize``, with weight decay.

        Weight decay adds ``weight_decay * param`` to the gradient (L2), or, in a
        group with ``decoupled_weight_decay``, first shrinks ``param`` in place by
        the factor ``1 - lr * weight_decay`` (AdamW). Returns a new array when
        either applies, so ``p.grad`` itself is never changed.
        """
        weight_decay = group.get("weight_decay", 0)
        if weight_decay != 0 and group.get("decoupled_weight_decay", False):
            param *= 1 - group["lr"] * weight_decay
            weight_decay = 0
        if group.get("maximize", False):
            grad = -grad
        if weight_decay != 0:
            grad = grad + weight_decay * param
        return grad

    def _update_param(self, param: Any, grad: Any, state: dict, group: dict) -> None:
        """Apply one update to the array ``param`` (and its ``state``), in place."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _update_param")

    # ------------------------------------------------------------------- hooks
    def register_step_pre_hook(self, hook: Callable[..., Any]) -> _HookHandle:
        """Call ``hook(optimizer, args, kwargs)`` before each ``step``.

        ``args`` holds the optimizer itself, then the positional arguments of
        ``step``, as in PyTorch. The hook returns None, or a new ``(args, kwargs)``
        pair that ``step`` (and the later hooks) then get instead.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        Raises:
            RuntimeError: at ``step``, when the hook returns anything else.

        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.SGD([w], lr=0.1)
        >>> handle = opt.register_step_pre_hook(lambda o, args, kwargs: print("step", len(args)))
        >>> opt.step()
        step 1
        >>> handle.remove()
        >>> opt.step()
        """
        handle = _HookHandle(self._step_pre_hooks)
        self._step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook: Callable[..., Any]) -> _HookHandle:
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``; it returns None.

        ``args`` and ``kwargs`` are those ``step`` ran with (see
        ``register_step_pre_hook``).

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        >>> import ember
        >>> w = ember.tensor([1.0], requires_grad=True)
        >>> opt = ember.optim.SGD([w], lr=0.1)
        >>> steps = []
        >>> handle = opt.register_step_post_hook(lambda o, args, kwargs: steps.append(w.item()))
        >>> (w * w).sum().backward()
        >>> opt.step(); opt.step()
        >>> [round(v, 2) for v in steps]
        [0.8, 0.6]
        """
        handle = _HookHandle(self._step_post_hooks)
        self._step_post_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout.

        Returns:
            ``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``,
            where a parameter's index is its position counted over all groups.
            State tensors are shared with the optimizer (as in PyTorch): save or
            ``copy.deepcopy`` the dict to keep a snapshot.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state saved by ``state_dict`` (a deep copy is taken).

        The saved parameter indices are matched with this optimizer's parameters
        by position; floating state is cast to each parameter's dtype.

        Raises:
            ValueError: if the number of groups or of parameters in a group differs.
        """
        name = type(self).__name__
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise _fail(
                name,
                "loaded state dict has a different number of parameter groups "
                f"({len(saved_groups)} saved, {len(self.param_groups)} here)",
            )
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            if len(saved["params"]) != len(group["params"]):
                raise _fail(
                    name,
                    "loaded state dict contains a parameter group that doesn't match "
                    f"the size of optimizer's group ({len(saved['params'])} saved, "
                    f"{len(group['params'])} here)",
                )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in self.param_groups),
                strict=True,
            )
        )
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = _cast_state(param, value)
            else:
                state[key] = copy.deepcopy(value)
        groups = []
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            for key, default in self.defaults.items():
                saved.setdefault(key, default)
            groups.append(saved)
        self.state = state
        self.param_groups = groups
