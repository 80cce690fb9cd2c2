"""What every image function shares: arrays in and out, dtypes, and the image-shape checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy

from ember.tensor import Tensor

__all__: list[str] = []


def unwrap(img: Any, caller: str) -> tuple[numpy.ndarray, bool]:
    """The image's NumPy array, and whether it came as an Ember tensor."""
    if isinstance(img, Tensor):
        return numpy.asarray(img.data), True
    if isinstance(img, numpy.ndarray):
        return img, False
    raise TypeError(
        f"{caller}: expected an ember.Tensor or a numpy.ndarray image of shape (..., H, W), "
        f"got {type(img).__name__}"
    )


def wrap(array: numpy.ndarray, as_tensor: bool) -> Any:
    """Give the result back in the kind the image came in."""
    return Tensor(numpy.ascontiguousarray(array)) if as_tensor else array


def check_image(array: numpy.ndarray, caller: str) -> None:
    if array.ndim < 2:
        raise ValueError(
            f"{caller}: expected an image of shape (..., H, W) with at least 2 dimensions, "
            f"got shape {array.shape}"
        )


def channels(array: numpy.ndarray, caller: str) -> int:
    """The channel count of a (..., C, H, W) image (an (H, W) image has one)."""
    check_image(array, caller)
    return 1 if array.ndim == 2 else array.shape[-3]


def max_value(dtype: numpy.dtype) -> float:
    """The value of full intensity: 1 for floating images, the top of the range for integers."""
    if dtype.kind == "f":
        return 1.0
    if dtype.kind == "b":
        return 1.0
    return float(numpy.iinfo(dtype).max)


def working_dtype(dtype: numpy.dtype) -> numpy.dtype:
    """Integer images are resampled in float32 and rounded back, as torchvision does."""
    return dtype if dtype.kind == "f" else numpy.dtype(numpy.float32)


def round_back(result: numpy.ndarray, dtype: numpy.dtype) -> numpy.ndarray:
    if dtype.kind == "f":
        return result.astype(dtype, copy=False)
    info = numpy.iinfo(dtype)
    return numpy.clip(numpy.rint(result), info.min, info.max).astype(dtype)


def apply(img: Any, caller: str, kernel: Callable[[numpy.ndarray], numpy.ndarray]) -> Any:
    """Run ``kernel`` on the image's array and return the result as the same kind."""
    array, as_tensor = unwrap(img, caller)
    check_image(array, caller)
    return wrap(kernel(array), as_tensor)


def pair(value: Any, name: str, caller: str) -> tuple[int, int]:
    """A size given as ``n``, ``(n,)`` or ``(h, w)`` as ``(h, w)``."""
    if isinstance(value, (int, numpy.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) in (1, 2):
        if len(value) == 1:
            return int(value[0]), int(value[0])
        return int(value[0]), int(value[1])
    raise ValueError(f"{caller}: {name} must be an int or a sequence (h, w), got {value!r}")
