"""Helpers shared by the layer files: making parameters, PyTorch's default bias, and the
size arguments and input checks of the convolution and pooling layers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ember.creation import empty
from ember.nn import init
from ember.nn.module import Module
from ember.nn.parameter import Parameter
from ember.tensor import Tensor

_SPATIAL_NAMES = {1: "L", 2: "H, W", 3: "D, H, W"}


def _parameter(*shape: int, device: Any, dtype: Any) -> Parameter:
    """An uninitialised Parameter of ``shape``, made as a layer's ``device=``/``dtype=`` ask.

    Shared by the layers with weights; ``reset_parameters`` fills it.

    Raises:
        ValueError: for a device other than the CPU.
    """
    if device is not None and str(device) != "cpu":
        raise ValueError(f"device '{device}' is not available; Ember runs on the cpu")
    return Parameter(empty(*shape, dtype=dtype))


def _weight_and_bias(
    module: Module,
    weight_shape: tuple[int, ...],
    out_features: int,
    bias: bool,
    device: Any,
    dtype: Any,
) -> None:
    """Register ``module``'s uninitialised ``weight`` of ``weight_shape`` and, if ``bias``,
    its ``bias`` of ``(out_features,)`` (else a declared None), in PyTorch's order."""
    module.weight = _parameter(*weight_shape, device=device, dtype=dtype)
    module.register_parameter(
        "bias", _parameter(out_features, device=device, dtype=dtype) if bias else None
    )


def _uniform_bias(bias: Tensor | None, fan_in: int) -> None:
    """PyTorch's default bias: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` (zero for no fan-in)."""
    if bias is not None:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


def _ntuple(name: str, value: Any, nd: int) -> tuple[int, ...]:
    """``value`` (an int, or ``nd`` ints) as a tuple of ``nd`` ints, as PyTorch stores it.

    Raises:
        ValueError: for a sequence of another length.
    """
    if isinstance(value, Sequence) and not isinstance(value, str):
        values = tuple(value)
        if len(values) != nd:
            raise ValueError(f"{name} must be an int or {nd} ints, got {value!r}")
        return values
    return (value,) * nd


def _check_spatial(module: Module, input: Tensor, nd: int, channels: int | None = None) -> None:
    """Raise ``module``'s input error unless ``input`` is ``(N, C, *spatial)`` or unbatched
    ``(C, *spatial)`` with ``nd`` spatial dimensions and, when given, ``channels`` channels."""
    if input.ndim not in (nd + 1, nd + 2):
        names = _SPATIAL_NAMES[nd]
        raise module._input_error(
            f"got input of shape {input.shape}: expected a {nd + 2}-D (N, C, {names}) input "
            f"or an unbatched {nd + 1}-D (C, {names}) one"
        )
    if channels is not None and input.shape[-nd - 1] != channels:
        raise module._input_error(
            f"got input of shape {input.shape}: expected {channels} channels in dimension "
            f"{input.ndim - nd - 1}, got {input.shape[-nd - 1]}"
        )
