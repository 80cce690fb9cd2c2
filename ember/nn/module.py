"""``Module``: the base class of every layer and model, with ``torch.nn.Module``'s API.

A module registers the Parameters, buffers and submodules assigned to it, so
that ``parameters()``, ``state_dict()``, ``train()`` and ``to()`` reach the
whole tree; ``state_dict()`` keys are the attribute paths, as in PyTorch.

Calling a module keeps a stack of the modules being called, so that an error
raised inside a layer can say where in the model it happened
(``Linear(...) in model.fc1 got input of shape ...``).
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ember import dtypes
from ember.autograd import no_grad
from ember.errors import DTypeError, ShapeError, caller
from ember.nn._state_dict import _IncompatibleKeys, load_into
from ember.nn.parameter import Parameter
from ember.ops.core import to_dtype
from ember.tensor import Device, Tensor

__all__ = ["Module"]


class _CallStack(threading.local):
    """The modules whose ``__call__`` is running in this thread, outermost first.

    Only read when an error is being built; one per thread so that models run
    from several threads do not mix their paths.
    """

    def __init__(self) -> None:
        self.modules: list[Module] = []


_CALLS = _CallStack()
# Set on an error once it names the module it escaped from, so outer modules
# pass it on unchanged.
_LOCATED = "_ember_located"
_HOOK_IDS = itertools.count()
_DEVICE_NAMES = ("cpu", "cuda", "mps")


class _HookHandle:
    """Returned by ``register_forward_hook`` and friends; ``remove()`` unregisters the hook."""

    __slots__ = ("hooks_dicts", "id")

    def __init__(self, *hooks_dicts: dict) -> None:
        self.hooks_dicts = hooks_dicts
        self.id = next(_HOOK_IDS)

    def remove(self) -> None:
        """Unregister the hook (doing nothing if it is already gone)."""
        for hooks in self.hooks_dicts:
            hooks.pop(self.id, None)

    def __enter__(self) -> _HookHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _typename(value: Any) -> str:
    if isinstance(value, Parameter):
        return "ember.nn.Parameter"
    if isinstance(value, Tensor):
        return "ember.Tensor"
    cls = type(value)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _add_indent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * spaces
    return "\n".join([lines[0], *(pad + line for line in lines[1:])])


def _check_member_name(kind: str, name: Any) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')


class Module:
    """Base class of layers and models; subclasses set attributes and define ``forward``.

    Parameters, buffers and submodules assigned as attributes are registered,
    in order, so that the methods below reach the whole tree.

    >>> import ember
    >>> from ember import nn
    >>> class Scale(nn.Module):
    ...     def __init__(self, size):
    ...         super().__init__()
    ...         self.weight = nn.Parameter(ember.ones(size))
    ...     def forward(self, x):
    ...         return x * self.weight
    >>> model = Scale(2)
    >>> model(ember.tensor([1.0, 2.0]))
    tensor([1., 2.], grad_fn=<MulBackward>)
    >>> list(model.state_dict())
    ['weight']
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _modules: dict[str, Module | None]

    def __init__(self) -> None:
        # Straight into __dict__: __setattr__ needs these dicts to exist already.
        self.__dict__.update(
            training=True,
            _parameters={},
            _buffers={},
            _non_persistent_buffers_set=set(),
            _modules={},
            _forward_pre_hooks={},
            _forward_pre_hooks_with_kwargs=set(),
            _forward_hooks={},
            _forward_hooks_with_kwargs=set(),
        )

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of this module; every subclass defines it."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    # ------------------------------------------------------------------ calling
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        stack = _CALLS.modules
        stack.append(self)
        try:
            if self._forward_pre_hooks or self._forward_hooks:
                return self._call_with_hooks(args, kwargs)
            return self.forward(*args, **kwargs)
        except (ShapeError, DTypeError) as err:
            if getattr(err, _LOCATED, False):
                raise
            located = type(err)(f"{err} (in {self._path()}: {self._one_line_repr()})")
            setattr(located, _LOCATED, True)
            raise located from None
        finally:
            stack.pop()

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        # Iterate over copies: a hook may remove itself (or another) while running.
        for hook_id, hook in tuple(self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of "
                            f"(new_args, new_kwargs), but got {result}."
                        )
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook_id, hook in tuple(self._forward_hooks.items()):
            if hook_id in self._forward_hooks_with_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def _path(self) -> str:
        """Where this module sits in the model being called: ``model.features.3``.

        The outermost module on the call stack is ``model``; each module called
        inside it adds the name its caller registered it under.
        """
        stack = _CALLS.modules
        end = next((i for i in range(len(stack) - 1, -1, -1) if stack[i] is self), None)
        # ``forward`` may also be called directly, from the forward of the stack's top.
        chain = stack[: end + 1] if end is not None else [*stack, self]
        path = "model"
        for parent, child in itertools.pairwise(chain):
            path = f"{path}.{parent._name_of(child)}"
        return path

    def _name_of(self, child: Module) -> str:
        for name, module in self._modules.items():
            if module is child:
                return name
        # A parent may call a grandchild directly (``self.layers[0](x)``).
        for name, module in self.named_modules():
            if module is child and name:
                return name
        return f"<unregistered {type(child).__name__}>"

    def _one_line_repr(self) -> str:
        return f"{self._get_name()}({', '.join(self.extra_repr().splitlines())})"

    def _input_error(
        self, message: str, kind: type[ShapeError | DTypeError] = ShapeError
    ) -> ShapeError | DTypeError:
        """An error about this module's input, naming the module, its path and the caller.

        Layers raise it from ``forward``: ``raise self._input_error("got input of
        shape (32, 100): the last dimension must be 784")``; ``kind=DTypeError`` for
        an input of the wrong dtype.
        """
        error = kind(
            f"{self._one_line_repr()} in {self._path()} {message} (called from {caller()})"
        )
        setattr(error, _LOCATED, True)
        return error

    # ------------------------------------------------------------- registration
    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None, a declared but absent parameter) under ``name``.

        Raises:
            KeyError: if the name is empty, has a dot, or is taken by another attribute.
            TypeError: if ``param`` is not a Parameter.
            ValueError: if ``param`` is not a leaf.
        """
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_member_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                "(ember.nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters "
                "must be created explicitly: wrap the values with nn.Parameter(t.detach())."
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a tensor that is state but not a parameter (e.g. running statistics).

        Args:
            name: the attribute name.
            tensor: the buffer, or None.
            persistent: whether ``state_dict()`` includes it.

        Raises:
            KeyError: if the name is empty, has a dot, or is taken by another attribute.
            TypeError: if ``tensor`` is not a Tensor.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_member_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                "(ember.Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (or None) as a child under ``name``.

        Raises:
            TypeError: if ``module`` is not a Module.
            KeyError: if the name is empty, has a dot, or is taken by another attribute.
        """
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        _check_member_name("module", name)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep="_parameters")
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as parameter '{name}' "
                    "(ember.nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            if d.get("_modules") is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep="_modules")
            d["_modules"][name] = value
        elif name in d.get("_modules", ()):
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as child module '{name}' "
                    "(ember.nn.Module or None expected)"
                )
            d["_modules"][name] = None
        elif name in d.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as buffer '{name}' "
                    "(ember.Tensor or None expected)"
                )
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: str) -> None:
        """Drop ``name`` from every place but ``keep``, before it is registered there."""
        d = self.__dict__
        d.pop(name, None)
        for kind in ("_parameters", "_buffers", "_modules"):
            if kind != keep:
                d[kind].pop(name, None)
        d["_non_persistent_buffers_set"].discard(name)

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails, i.e. for registered members.
        d = self.__dict__
        params = d.get("_parameters")
        if params is not None:
            if name in params:
                return params[name]
            buffers = d["_buffers"]
            if name in buffers:
                return buffers[name]
            modules = d["_modules"]
            if name in modules:
                return modules[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        names = [
            *dir(type(self)),
            *self.__dict__,
            *self._parameters,
            *self._buffers,
            *self._modules,
        ]
        return sorted({n for n in names if not n[:1].isdigit()})

    # ---------------------------------------------------------------- traversal
    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """Yield ``(path, module)`` for this module and every descendant, depth first.

        A module reachable by several paths is yielded once unless
        ``remove_duplicate=False``.
        """
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                child_prefix = f"{prefix}.{name}" if prefix else name
                yield from module.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """Yield this module and every descendant, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for each direct child, each once."""
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """Yield each direct child once."""
        for _, module in self.named_children():
            yield module

    def _named_members(
        self, kind: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        owners = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for owner_prefix, owner in owners:
            for name, value in owner.__dict__[kind].items():
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (f"{owner_prefix}.{name}" if owner_prefix else name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(path, parameter)`` pairs, e.g. ``("fc1.weight", ...)``.

        Args:
            prefix: prepended to every name.
            recurse: include the parameters of descendants.
            remove_duplicate: yield a shared parameter once.
        """
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield the parameters (each once), as an optimizer takes them.

        >>> import ember
        >>> from ember import nn
        >>> m = nn.Module(); m.w = nn.Parameter(ember.zeros(3))
        >>> [p.shape for p in m.parameters()]
        [(3,)]
        """
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """Yield ``(path, buffer)`` pairs, persistent or not."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Yield the buffers (each once)."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def get_submodule(self, target: str) -> Module:
        """The descendant at a dotted path (``"features.3"``); ``""`` is this module.

        Raises:
            AttributeError: naming the first part of the path that is not a module.
        """
        module = self
        if target == "":
            return module
        for item in target.split("."):
            if not hasattr(module, item):
                raise AttributeError(f"{module._get_name()} has no attribute `{item}`")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path (``"fc1.weight"``).

        Raises:
            AttributeError: if the path leads to no parameter.
        """
        owner, name = self._owner_of(target)
        value = getattr(owner, name)
        if not isinstance(value, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return value

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at a dotted path (``"bn.running_mean"``).

        Raises:
            AttributeError: if the path leads to no buffer.
        """
        owner, name = self._owner_of(target)
        value = getattr(owner, name)
        if name not in owner._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return value

    def _owner_of(self, target: str) -> tuple[Module, str]:
        module_path, _, name = target.rpartition(".")
        owner = self.get_submodule(module_path)
        if not hasattr(owner, name):
            raise AttributeError(f"{owner._get_name()} has no attribute `{name}`")
        return owner, name

    # -------------------------------------------------------------- state dicts
    def state_dict(
        self, *, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict[str, Tensor]:
        """The module's state: parameters and persistent buffers, by dotted path.

        Keys are those ``torch.nn`` gives the same architecture: own parameters,
        own persistent buffers, then each child's entries. Values are detached
        tensors sharing memory with the module (``keep_vars=True`` keeps the
        Parameters themselves).

        >>> import ember
        >>> from ember import nn
        >>> m = nn.Module(); m.w = nn.Parameter(ember.zeros(2))
        >>> m.register_buffer("step", ember.tensor(0))
        >>> dict(m.state_dict())
        {'w': tensor([0., 0.]), 'step': tensor(0)}
        """
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(
                    destination=destination, prefix=f"{prefix}{name}.", keep_vars=keep_vars
                )
        return destination

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ) -> _IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` into this module, in place.

        Values may be Ember tensors, NumPy arrays or anything NumPy can read
        (a PyTorch ``state_dict()``); they are cast to each parameter's dtype.
        Nothing is copied unless every entry fits.

        Args:
            state_dict: a mapping from ``state_dict()`` keys to values.
            strict: whether missing and unexpected keys are errors.
            assign: replace the parameters and buffers by the given values
                instead of copying into them.

        Returns:
            A named tuple ``(missing_keys, unexpected_keys)``.

        Raises:
            StateDictError: a RuntimeError, as in PyTorch, listing missing and
                unexpected keys (when ``strict``) and entries whose shape differs.

        >>> import ember
        >>> from ember import nn
        >>> m = nn.Module(); m.w = nn.Parameter(ember.zeros(2))
        >>> m.load_state_dict({"w": ember.tensor([1.0, 2.0])})
        <All keys matched successfully>
        >>> m.w.tolist()
        [1.0, 2.0]
        """
        return load_into(self, state_dict, strict, assign)

    # ------------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=True``) or evaluation mode on the whole tree.

        Layers such as Dropout and BatchNorm behave differently in each.
        """
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode on the whole tree (``train(False)``)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (e.g. to freeze a backbone)."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter: to None, or to zeros in place."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad.detach_()
                param.grad.zero_()

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every descendant (children first) and then on this module.

        Typically used to initialise weights: ``model.apply(init_weights)``.
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ dtypes
    def _apply(self, convert: Callable[[Tensor], Tensor]) -> Module:
        """Convert every parameter, gradient and buffer with ``convert``.

        Parameters stay the same objects (their ``data`` is replaced), so an
        optimizer built before the conversion still holds them.
        """
        for module in self.children():
            module._apply(convert)
        with no_grad():
            for param in self._parameters.values():
                if param is None:
                    continue
                param.data = convert(param).data
                if param.grad is not None:
                    param.grad.data = convert(param.grad).data
            buffers = self._buffers
            for name, buffer in buffers.items():
                if buffer is not None:
                    buffers[name] = convert(buffer)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Convert floating parameters and buffers to a dtype, in place: ``m.to(ember.float64)``.

        Accepts a dtype, a device (only ``"cpu"`` for now), or a tensor whose
        dtype to take, positionally or as ``dtype=`` / ``device=``.

        Raises:
            TypeError: if the dtype is not a floating dtype.
            ValueError: if the device is not the CPU.
        """
        dtype, device = kwargs.pop("dtype", None), kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype, device = arg.dtype, arg.device
            elif isinstance(arg, Device) or (
                isinstance(arg, str) and arg.split(":")[0] in _DEVICE_NAMES
            ):
                device = arg
            else:
                dtype = arg
        if device is not None and str(device) != "cpu":
            raise ValueError(f"to(): device '{device}' is not available; Ember runs on the cpu")
        if dtype is None:
            return self
        dtype = dtypes.to_dtype(dtype)
        if not dtype.is_floating_point:
            raise TypeError(
                f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}"
            )
        return self._to_floating(dtype)

    def _to_floating(self, dtype: dtypes.DType) -> Module:
        return self._apply(lambda t: to_dtype(t, dtype) if t.is_floating_point() else t)

    def float(self) -> Module:
        """Convert floating parameters and buffers to float32."""
        return self._to_floating(dtypes.float32)

    def double(self) -> Module:
        """Convert floating parameters and buffers to float64."""
        return self._to_floating(dtypes.float64)

    def half(self) -> Module:
        """Convert floating parameters and buffers to float16."""
        return self._to_floating(dtypes.float16)

    def cpu(self) -> Module:
        """Move to the CPU (where Ember's tensors already live)."""
        return self

    # ------------------------------------------------------------------- hooks
    def register_forward_pre_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> _HookHandle:
        """Call ``hook(module, args)`` before each ``forward``.

        The hook may return a new input (a tuple, or one value that becomes a
        1-tuple); with ``with_kwargs=True`` it is called as
        ``hook(module, args, kwargs)`` and may return ``(args, kwargs)``.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        return self._add_hook(
            self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs, hook, prepend, with_kwargs
        )

    def register_forward_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> _HookHandle:
        """Call ``hook(module, args, output)`` after each ``forward``.

        The hook may return a new output; with ``with_kwargs=True`` it is called
        as ``hook(module, args, kwargs, output)``.

        Returns:
            A handle whose ``remove()`` unregisters the hook.

        >>> import ember
        >>> from ember import nn
        >>> class Double(nn.Module):
        ...     def forward(self, x):
        ...         return x * 2
        >>> m = Double()
        >>> handle = m.register_forward_hook(lambda module, args, out: out + 1)
        >>> m(ember.tensor([1.0]))
        tensor([3.])
        >>> handle.remove(); m(ember.tensor([1.0]))
        tensor([2.])
        """
        return self._add_hook(
            self._forward_hooks, self._forward_hooks_with_kwargs, hook, prepend, with_kwargs
        )

    @staticmethod
    def _add_hook(
        hooks: dict, with_kwargs_ids: set, hook: Callable, prepend: bool, with_kwargs: bool
    ) -> _HookHandle:
        handle = _HookHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            items = list(hooks.items())
            hooks.clear()
            hooks[handle.id] = hook
            hooks.update(items[:-1])
        if with_kwargs:
            with_kwargs_ids.add(handle.id)
        return handle

    # -------------------------------------------------------------------- repr
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The module's own settings for its repr, e.g. ``in_features=4, out_features=3``."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): {_add_indent(repr(module), 2)}" for name, module in self._modules.items()
        ]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"
