"""``Module.load_state_dict``'s checks and copies, with PyTorch's messages.

Every entry is checked before anything is copied, so a checkpoint that does
not fit leaves the module as it was.
"""

from __future__ import annotations

import itertools
from collections import namedtuple
from collections.abc import Iterator, Mapping
from typing import Any

import numpy

from ember import dtypes
from ember.autograd import no_grad
from ember.errors import StateDictError
from ember.nn.parameter import Parameter
from ember.tensor import Tensor

__all__ = ["StateDictError", "load_into"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` did not match: ``(missing_keys, unexpected_keys)``."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _as_tensor(value: Any) -> Tensor | None:
    """A checkpoint entry as a Tensor: Ember tensors, NumPy arrays, or anything with
    ``__array__`` (a PyTorch tensor from ``state_dict()``); None for anything else."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, numpy.ndarray):
        return Tensor(value)
    if hasattr(value, "__array__"):
        try:
            array = numpy.asarray(value)
        except (TypeError, ValueError, RuntimeError):
            return None
        if array.dtype in dtypes.FROM_NP:
            return Tensor(array)
    return None


def _local_names(module: Any) -> set[str]:
    """The names of ``module``'s own ``state_dict`` entries."""
    return {
        name
        for name, value in itertools.chain(module._parameters.items(), module._buffers.items())
        if value is not None and name not in module._non_persistent_buffers_set
    }


def _entries(module: Any, prefix: str = "") -> Iterator[tuple[str, Any, str, bool]]:
    """``(key, owner, name, is_parameter)`` for each ``state_dict`` entry, in its order."""
    for name, param in module._parameters.items():
        if param is not None:
            yield prefix + name, module, name, True
    for name, buffer in module._buffers.items():
        if buffer is not None and name not in module._non_persistent_buffers_set:
            yield prefix + name, module, name, False
    for name, child in module._modules.items():
        if child is not None:
            yield from _entries(child, f"{prefix}{name}.")


def _order_unexpected(root: Any, keys: list[str]) -> list[str]:
    """``keys`` in the order PyTorch reports them: by the module, in call order, whose
    prefix they extend with a name it does not have; the rest (PyTorch misses
    them, e.g. ``"fc.weight.extra"``) last."""
    if not keys:
        return keys
    rank: dict[str, int] = {}
    for position, (path, module) in enumerate(root.named_modules(remove_duplicate=False)):
        prefix = f"{path}." if path else ""
        local = _local_names(module)
        for key in keys:
            if key not in rank and key.startswith(prefix):
                head = key[len(prefix) :].split(".", 1)[0]
                if head not in module._modules and head not in local:
                    rank[key] = position
    return sorted(keys, key=lambda k: rank.get(k, float("inf")))


def load_into(
    root: Any, state_dict: Mapping[str, Any], strict: bool, assign: bool
) -> _IncompatibleKeys:
    """``root.load_state_dict(state_dict, strict, assign)``; see ``Module.load_state_dict``."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    entries = list(_entries(root))
    expected = {key for key, *_ in entries}
    missing = [key for key, *_ in entries if key not in state_dict]
    unexpected = _order_unexpected(root, [key for key in state_dict if key not in expected])
    errors, updates = [], []
    for key, owner, name, is_param in entries:
        if key not in state_dict:
            continue
        value = _as_tensor(state_dict[key])
        current = getattr(owner, name)
        if value is None:
            errors.append(
                f'While copying the parameter named "{key}", expected a Tensor or '
                f"array from checkpoint but received {type(state_dict[key])}"
            )
        elif value.shape != current.shape:
            errors.append(
                f"size mismatch for {key}: copying a param with shape {value.shape} from "
                f"checkpoint, the shape in current model is {current.shape}."
            )
        else:
            updates.append((owner, name, is_param, current, value))
    if strict:
        if unexpected:
            listed = ", ".join(f'"{k}"' for k in unexpected)
            errors.insert(0, f"Unexpected key(s) in state_dict: {listed}. ")
        if missing:
            listed = ", ".join(f'"{k}"' for k in missing)
            errors.insert(0, f"Missing key(s) in state_dict: {listed}. ")
    if errors:
        raise StateDictError(
            f"Error(s) in loading state_dict for {type(root).__name__}:\n\t" + "\n\t".join(errors)
        )
    with no_grad():
        for owner, name, is_param, current, value in updates:
            if not assign:
                current.copy_(value)
            elif is_param:
                setattr(owner, name, Parameter(value.detach(), current.requires_grad))
            else:
                setattr(owner, name, value.detach())
    return _IncompatibleKeys(missing, unexpected)
