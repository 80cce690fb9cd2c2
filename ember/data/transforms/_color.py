"""Colour adjustments on ``(..., C, H, W)`` images, with torchvision's definitions.

Brightness blends with black, contrast with the mean grey level, saturation
with the greyscale image; results are clipped to the valid range (``[0, 1]``
for floats, ``[0, 255]`` for uint8). Hue rotates the HSV hue.
"""

from __future__ import annotations

from typing import Any

import numpy

from ember.data.transforms._image import apply, channels, max_value

__all__ = [
    "adjust_brightness",
    "adjust_contrast",
    "adjust_hue",
    "adjust_saturation",
    "rgb_to_grayscale",
]

# ITU-R 601-2 luma weights, as PIL and torchvision use.
_LUMA = (0.2989, 0.587, 0.114)


def _check_channels(array: numpy.ndarray, caller: str) -> int:
    count = channels(array, caller)
    if count not in (1, 3):
        raise ValueError(
            f"{caller}: expected an image with 1 or 3 channels in dimension -3, got shape "
            f"{array.shape}"
        )
    return count


def _gray(array: numpy.ndarray) -> numpy.ndarray:
    red, green, blue = array[..., 0, :, :], array[..., 1, :, :], array[..., 2, :, :]
    luma = _LUMA[0] * red + _LUMA[1] * green + _LUMA[2] * blue
    return luma.astype(array.dtype)[..., None, :, :]


def _blend(image: numpy.ndarray, other: Any, ratio: float) -> numpy.ndarray:
    mixed = ratio * image + (1.0 - ratio) * other
    return numpy.clip(mixed, 0, max_value(image.dtype)).astype(image.dtype)


def rgb_to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """The luma of an RGB image, as 1 channel or repeated to 3.

    >>> import numpy as np
    >>> rgb_to_grayscale(np.ones((3, 2, 2), np.float32)).shape
    (1, 2, 2)
    """
    if num_output_channels not in (1, 3):
        raise ValueError(
            f"rgb_to_grayscale: num_output_channels must be 1 or 3, got {num_output_channels}"
        )

    def kernel(array: numpy.ndarray) -> numpy.ndarray:
        if _check_channels(array, "rgb_to_grayscale") == 1:
            gray = array if array.ndim > 2 else array[None]
        else:
            gray = _gray(array)
        return numpy.repeat(gray, num_output_channels, axis=-3)

    return apply(img, "rgb_to_grayscale", kernel)


def _check_factor(value: float, caller: str, name: str) -> float:
    value = float(value)
    if value < 0:
        raise ValueError(f"{caller}: {name} must be non-negative, got {value}")
    return value


def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    """Scale intensities by ``brightness_factor`` (0 gives black, 1 the original).

    >>> import numpy as np
    >>> adjust_brightness(np.full((3, 1, 1), 0.6, np.float32), 2.0).ravel().tolist()
    [1.0, 1.0, 1.0]
    """
    factor = _check_factor(brightness_factor, "adjust_brightness", "brightness_factor")
    return apply(img, "adjust_brightness", lambda array: _blend(array, 0.0, factor))


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    """Blend with the image's mean grey level (0 gives flat grey, 1 the original).

    >>> import numpy as np
    >>> img = np.array([[[0.25, 0.75]]])
    >>> adjust_contrast(img, 0.0)[0].tolist()
    [[0.5, 0.5]]
    """
    factor = _check_factor(contrast_factor, "adjust_contrast", "contrast_factor")

    def kernel(array: numpy.ndarray) -> numpy.ndarray:
        count = _check_channels(array, "adjust_contrast")
        work = array.dtype if array.dtype.kind == "f" else numpy.float32
        gray = _gray(array) if count == 3 else array
        axes = (-3, -2, -1) if array.ndim > 2 else (-2, -1)
        mean = gray.astype(work).mean(axis=axes, keepdims=True)
        return _blend(array, mean, factor)

    return apply(img, "adjust_contrast", kernel)


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    """Blend with the greyscale image (0 gives grey, 1 the original, 2 doubles saturation).

    >>> import numpy as np
    >>> img = np.array([[[1.0]], [[0.0]], [[0.0]]])
    >>> adjust_saturation(img, 0.0).ravel().tolist()
    [0.2989, 0.2989, 0.2989]
    """
    factor = _check_factor(saturation_factor, "adjust_saturation", "saturation_factor")

    def kernel(array: numpy.ndarray) -> numpy.ndarray:
        if _check_channels(array, "adjust_saturation") == 1:
            return array.copy()
        return _blend(array, _gray(array), factor)

    return apply(img, "adjust_saturation", kernel)


def _rgb_to_hsv(rgb: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    red, green, blue = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    value = rgb.max(axis=-3)
    chroma = value - rgb.min(axis=-3)
    grey = chroma == 0
    # Grey pixels have no hue; divide by one there instead of by zero.
    safe_chroma = numpy.where(grey, 1, chroma)
    saturation = chroma / numpy.where(grey, 1, value)
    sector = numpy.where(
        value == red,
        (green - blue) / safe_chroma,
        numpy.where(
            value == green, 2 + (blue - red) / safe_chroma, 4 + (red - green) / safe_chroma
        ),
    )
    hue = numpy.where(grey, 0, (sector / 6.0) % 1.0)
    return hue, saturation, value


def _hsv_to_rgb(hue: numpy.ndarray, saturation: numpy.ndarray, value: numpy.ndarray) -> Any:
    scaled = hue * 6.0
    sector = numpy.floor(scaled)
    fraction = scaled - sector
    sector = sector.astype(numpy.int64) % 6
    low = numpy.clip(value * (1 - saturation), 0, 1)
    falling = numpy.clip(value * (1 - saturation * fraction), 0, 1)
    rising = numpy.clip(value * (1 - saturation * (1 - fraction)), 0, 1)
    # For each of the six hue sectors, which of (value, falling, low, rising) is R, G and B.
    table = numpy.stack([value, falling, low, rising])
    order = numpy.array(
        [[0, 3, 2], [1, 0, 2], [2, 0, 3], [2, 1, 0], [3, 2, 0], [0, 2, 1]], dtype=numpy.intp
    )
    picks = order[sector]
    return numpy.stack(
        [numpy.take_along_axis(table, picks[None, ..., c], axis=0)[0] for c in range(3)], axis=-3
    )


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Shift the hue by ``hue_factor`` turns (in ``[-0.5, 0.5]``); grey images are unchanged.

    >>> import numpy as np
    >>> red = np.array([[[1.0]], [[0.0]], [[0.0]]], np.float32)
    >>> np.round(adjust_hue(red, 1 / 3).ravel(), 4).tolist()
    [0.0, 1.0, 0.0]
    """
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"adjust_hue: hue_factor must be in [-0.5, 0.5], got {hue_factor}")

    def kernel(array: numpy.ndarray) -> numpy.ndarray:
        if _check_channels(array, "adjust_hue") == 1:
            return array.copy()
        floating = array.dtype.kind == "f"
        rgb = array if floating else array.astype(numpy.float32) / max_value(array.dtype)
        hue, saturation, value = _rgb_to_hsv(rgb)
        shifted = _hsv_to_rgb((hue + hue_factor) % 1.0, saturation, value)
        if floating:
            return shifted.astype(array.dtype)
        return (shifted * max_value(array.dtype)).astype(array.dtype)

    return apply(img, "adjust_hue", kernel)
