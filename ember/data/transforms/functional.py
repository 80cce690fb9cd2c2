"""Image functions behind the transforms (torchvision.transforms.functional's names).

Images are Ember tensors or NumPy arrays laid out ``(..., H, W)``: ``(H, W)``,
``(C, H, W)`` or a batch ``(N, C, H, W)``; each function returns the kind it
was given. Work is done with NumPy on whole arrays (resizing is two matrix
products, rotation one gather), never a Python loop over pixels.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from typing import Any

import numpy

from ember import dtypes
from ember.data.transforms._color import (
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_saturation,
    rgb_to_grayscale,
)
from ember.data.transforms._image import (
    apply,
    check_image,
    pair,
    round_back,
    unwrap,
    working_dtype,
    wrap,
)
from ember.tensor import Tensor

__all__ = [
    "InterpolationMode",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_hue",
    "adjust_saturation",
    "center_crop",
    "crop",
    "hflip",
    "normalize",
    "pad",
    "resize",
    "resized_crop",
    "rgb_to_grayscale",
    "rotate",
    "to_tensor",
    "vflip",
]


class InterpolationMode(str, enum.Enum):
    """How pixels are resampled: ``NEAREST`` or ``BILINEAR`` (plain strings work too)."""

    NEAREST = "nearest"
    BILINEAR = "bilinear"


def _mode(interpolation: Any, caller: str) -> str:
    value = getattr(interpolation, "value", interpolation)
    if value not in ("nearest", "bilinear"):
        raise ValueError(
            f"{caller}: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}"
        )
    return value


def to_tensor(pic: Any) -> Tensor:
    """An ``(H, W, C)`` or ``(H, W)`` image array as a ``(C, H, W)`` tensor.

    uint8 images are scaled to floats in ``[0, 1]`` (the default dtype);
    images of other dtypes keep their values and dtype. Objects that NumPy
    can read as arrays (PIL images, for instance) are accepted too.

    >>> import numpy as np
    >>> t = to_tensor(np.full((4, 5, 3), 255, dtype=np.uint8))
    >>> t.shape, t.dtype, t.max().item()
    ((3, 4, 5), ember.float32, 1.0)
    """
    if isinstance(pic, Tensor):
        raise TypeError("to_tensor: expected an image array (H, W[, C]), got an ember.Tensor")
    array = numpy.asarray(pic)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3:
        raise ValueError(
            f"to_tensor: expected an image array of shape (H, W) or (H, W, C), got shape "
            f"{array.shape}"
        )
    chw = numpy.ascontiguousarray(array.transpose(2, 0, 1))
    if chw.dtype == numpy.uint8:
        default = dtypes.get_default_dtype().np
        return Tensor(chw.astype(default) / default.type(255))
    return Tensor(chw)


def normalize(
    tensor: Any, mean: Sequence[float], std: Sequence[float], inplace: bool = False
) -> Any:
    """``(image - mean) / std`` per channel of a floating ``(..., C, H, W)`` image.

    Raises:
        TypeError: for integer images (convert with ``ToTensor`` first).
        ValueError: for fewer than 3 dimensions or a zero in ``std``.

    >>> import ember
    >>> normalize(ember.ones(2, 1, 1), [0.5, 0.0], [0.5, 2.0]).flatten().tolist()
    [1.0, 0.5]
    """
    array, as_tensor = unwrap(tensor, "normalize")
    if array.dtype.kind != "f":
        raise TypeError(f"normalize: expected a floating image, got dtype {array.dtype}")
    if array.ndim < 3:
        raise ValueError(
            f"normalize: expected an image of shape (..., C, H, W), got shape {array.shape}"
        )
    mean_array = numpy.asarray(mean, dtype=array.dtype).reshape(-1, 1, 1)
    std_array = numpy.asarray(std, dtype=array.dtype).reshape(-1, 1, 1)
    if numpy.any(std_array == 0):
        raise ValueError(f"normalize: std {list(std)} contains a zero, which would divide by zero")
    if not inplace:
        return wrap((array - mean_array) / std_array, as_tensor)
    numpy.subtract(array, mean_array, out=array)
    numpy.divide(array, std_array, out=array)
    return tensor


def _padding_ltrb(padding: Any) -> tuple[int, int, int, int]:
    if isinstance(padding, (int, numpy.integer)) and not isinstance(padding, bool):
        return (int(padding),) * 4
    if isinstance(padding, (tuple, list)) and len(padding) in (1, 2, 4):
        if len(padding) == 1:
            return (int(padding[0]),) * 4
        if len(padding) == 2:
            return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
        return tuple(int(p) for p in padding)
    raise ValueError(
        f"pad: padding must be an int or a sequence of 1, 2 or 4 ints, got {padding!r}"
    )


_PAD_MODES = {
    "constant": "constant",
    "edge": "edge",
    "reflect": "reflect",
    "symmetric": "symmetric",
}


def pad(img: Any, padding: Any, fill: float = 0, padding_mode: str = "constant") -> Any:
    """Pad the last two dimensions.

    Args:
        padding: ``p`` for all sides, ``(left/right, top/bottom)`` or
            ``(left, top, right, bottom)``.
        fill: the value of new pixels in ``constant`` mode.
        padding_mode: ``constant``, ``edge``, ``reflect`` (mirror without the
            edge pixel) or ``symmetric`` (mirror with it).

    >>> import numpy as np
    >>> pad(np.ones((1, 2, 2)), (1, 0)).shape
    (1, 2, 4)
    """
    if padding_mode not in _PAD_MODES:
        raise ValueError(
            f"pad: padding_mode must be one of {sorted(_PAD_MODES)}, got {padding_mode!r}"
        )
    if not isinstance(fill, (int, float)):
        raise TypeError(f"pad: fill must be a number, got {fill!r}")
    left, top, right, bottom = _padding_ltrb(padding)
    if min(left, top, right, bottom) < 0:
        raise ValueError(f"pad: padding must be non-negative, got {padding!r}")

    def kernel(array: numpy.ndarray) -> numpy.ndarray:
        if padding_mode == "constant":
            # One fill and one copy: several times faster than numpy.pad on small images.
            rows, cols = array.shape[-2:]
            shape = (*array.shape[:-2], rows + top + bottom, cols + left + right)
            padded = numpy.full(shape, fill, dtype=array.dtype)
            padded[..., top : top + rows, left : left + cols] = array
            return padded
        widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
        return numpy.pad(array, widths, mode=padding_mode)

    return apply(img, "pad", kernel)


def _crop_array(array: numpy.ndarray, top: int, left: int, height: int, width: int) -> Any:
    rows, cols = array.shape[-2:]
    if top >= 0 and left >= 0 and top + height <= rows and left + width <= cols:
        return array[..., top : top + height, left : left + width]
    # A window reaching outside the image reads zeros there, as torchvision does.
    widths = [(0, 0)] * (array.ndim - 2)
    widths += [(max(-top, 0), max(top + height - rows, 0))]
    widths += [(max(-left, 0), max(left + width - cols, 0))]
    padded = numpy.pad(array, widths)
    top, left = max(top, 0), max(left, 0)
    return padded[..., top : top + height, left : left + width]


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The ``height x width`` window whose top-left pixel is ``(top, left)``.

    >>> import numpy as np
    >>> crop(np.arange(16).reshape(4, 4), 1, 2, 2, 2).tolist()
    [[6, 7], [10, 11]]
    """
    return apply(img, "crop", lambda array: _crop_array(array, top, left, height, width))


def center_crop(img: Any, output_size: Any) -> Any:
    """The centred window of ``output_size`` (``n`` or ``(h, w)``), zero-padded if larger.

    >>> import numpy as np
    >>> center_crop(np.arange(16).reshape(4, 4), 2).tolist()
    [[5, 6], [9, 10]]
    """
    crop_height, crop_width = pair(output_size, "output_size", "center_crop")

    def kernel(array: numpy.ndarray) -> numpy.ndarray:
        rows, cols = array.shape[-2:]
        top = round((rows - crop_height) / 2.0)
        left = round((cols - crop_width) / 2.0)
        if crop_height > rows or crop_width > cols:
            top = -((crop_height - rows) // 2) if crop_height > rows else top
            left = -((crop_width - cols) // 2) if crop_width > cols else left
        return _crop_array(array, top, left, crop_height, crop_width)

    return apply(img, "center_crop", kernel)


def hflip(img: Any) -> Any:
    """Mirror left to right (the last dimension)."""
    return apply(img, "hflip", lambda array: array[..., ::-1])


def vflip(img: Any) -> Any:
    """Mirror top to bottom (the second-to-last dimension)."""
    return apply(img, "vflip", lambda array: array[..., ::-1, :])


def _linear_weights(in_size: int, out_size: int, antialias: bool) -> numpy.ndarray:
    """The (out_size, in_size) matrix of bilinear interpolation along one axis.

    Pixel centres sit at ``i + 0.5`` (align_corners=False). When shrinking with
    ``antialias``, the triangle filter is widened by the scale so that every
    input pixel contributes (PIL's and torchvision's antialiasing); otherwise
    it spans one pixel each side. Rows are normalised, which at the borders
    equals clamping the sample position, as PyTorch's interpolate does.
    """
    scale = in_size / out_size
    support = scale if antialias and scale > 1 else 1.0
    centres = (numpy.arange(out_size) + 0.5) * scale
    distance = (numpy.arange(in_size)[None, :] + 0.5 - centres[:, None]) / support
    weights = numpy.maximum(1.0 - numpy.abs(distance), 0.0)
    return weights / weights.sum(axis=1, keepdims=True)


def _resize_array(
    array: numpy.ndarray, size: tuple[int, int], mode: str, antialias: bool
) -> numpy.ndarray:
    rows, cols = array.shape[-2:]
    out_rows, out_cols = size
    if (rows, cols) == (out_rows, out_cols):
        return array.copy()
    if mode == "nearest":
        row_index = numpy.minimum(numpy.floor(numpy.arange(out_rows) * (rows / out_rows)), rows - 1)
        col_index = numpy.minimum(numpy.floor(numpy.arange(out_cols) * (cols / out_cols)), cols - 1)
        return array[..., row_index.astype(numpy.intp)[:, None], col_index.astype(numpy.intp)]
    work = working_dtype(array.dtype)
    row_weights = _linear_weights(rows, out_rows, antialias).astype(work)
    col_weights = _linear_weights(cols, out_cols, antialias).astype(work)
    result = numpy.matmul(numpy.matmul(row_weights, array.astype(work, copy=False)), col_weights.T)
    return round_back(result, array.dtype)


def _output_size(rows: int, cols: int, size: Any) -> tuple[int, int]:
    if isinstance(size, (int, numpy.integer)) or (
        isinstance(size, (list, tuple)) and len(size) == 1
    ):
        # One number sets the shorter edge; the longer keeps the aspect ratio.
        short_target = int(size if isinstance(size, (int, numpy.integer)) else size[0])
        short, long = (cols, rows) if cols <= rows else (rows, cols)
        long_target = int(short_target * long / short)
        return (long_target, short_target) if cols <= rows else (short_target, long_target)
    return pair(size, "size", "resize")


def resize(img: Any, size: Any, interpolation: Any = "bilinear", antialias: bool = True) -> Any:
    """Resize the last two dimensions.

    Args:
        size: ``(h, w)``, or one number for the shorter edge (aspect ratio kept).
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        antialias: when shrinking bilinearly, average over all covered pixels
            (torchvision's default) instead of sampling two.

    >>> import numpy as np
    >>> resize(np.ones((3, 8, 4), np.float32), 4).shape
    (3, 8, 4)
    >>> resize(np.ones((3, 8, 4)), (2, 2))[0].tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    mode = _mode(interpolation, "resize")

    def kernel(array: numpy.ndarray) -> numpy.ndarray:
        target = _output_size(*array.shape[-2:], size)
        if min(target) <= 0:
            raise ValueError(f"resize: the output size {target} must be positive")
        return _resize_array(array, target, mode, antialias)

    return apply(img, "resize", kernel)


def resized_crop(
    img: Any,
    top: int,
    left: int,
    height: int,
    width: int,
    size: Any,
    interpolation: Any = "bilinear",
    antialias: bool = True,
) -> Any:
    """Crop (see :func:`crop`), then resize to ``size`` (see :func:`resize`)."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias)


def _rotation_matrix(angle: float, center: Sequence[float] | None, rows: int, cols: int) -> list:
    """The inverse affine map, output pixel -> input pixel, in coordinates centred on the image.

    ``angle`` is counter-clockwise in degrees; ``center`` is in pixel
    coordinates (default: the image centre), as in torchvision.
    """
    centre_x, centre_y = (0.0, 0.0)
    if center is not None:
        centre_x, centre_y = center[0] - cols * 0.5, center[1] - rows * 0.5
    radians = math.radians(-angle)
    cos, sin = math.cos(radians), math.sin(radians)
    matrix = [cos, sin, 0.0, -sin, cos, 0.0]
    matrix[2] = matrix[0] * -centre_x + matrix[1] * -centre_y + centre_x
    matrix[5] = matrix[3] * -centre_x + matrix[4] * -centre_y + centre_y
    return matrix


def _expanded_size(matrix: list, rows: int, cols: int) -> tuple[int, int]:
    """The output size that ``expand=True`` gives, computed as torchvision does.

    The image's corners are mapped and shifted by half the *input* size before
    rounding outwards (PIL's rule), so a quarter turn of a 4x5 image gives
    6x5, exactly as in torchvision.
    """
    half = numpy.array([0.5 * cols, 0.5 * rows])
    corners = numpy.array([[-1, -1], [-1, 1], [1, 1], [1, -1]]) * half
    linear = numpy.array([[matrix[0], matrix[1]], [matrix[3], matrix[4]]])
    moved = corners @ linear.T + numpy.array([matrix[2], matrix[5]]) + half
    # Truncate at 1e-4 so that an extent of 28.0000000001 does not round up to 29.
    low = numpy.floor(numpy.trunc(moved.min(axis=0) / 1e-4) * 1e-4)
    high = numpy.ceil(numpy.trunc(moved.max(axis=0) / 1e-4) * 1e-4)
    out_cols, out_rows = (high - low).astype(int)
    return int(out_rows), int(out_cols)


def _fill_values(fill: Any, count: int, caller: str) -> numpy.ndarray:
    values = numpy.atleast_1d(numpy.asarray(fill, dtype=numpy.float64))
    if values.ndim != 1 or values.size not in (1, count):
        raise ValueError(
            f"{caller}: fill must be a number or one value per channel ({count}), got {fill!r}"
        )
    return values


def _rotate_array(
    array: numpy.ndarray,
    angle: float,
    mode: str,
    expand: bool,
    center: Sequence[float] | None,
    fill: Any,
) -> numpy.ndarray:
    rows, cols = array.shape[-2:]
    matrix = _rotation_matrix(angle, center, rows, cols)
    out_rows, out_cols = _expanded_size(matrix, rows, cols) if expand else (rows, cols)
    work = working_dtype(array.dtype)
    # Output pixel centres relative to the output's centre, mapped into the input.
    ys = numpy.arange(out_rows, dtype=numpy.float64) - (out_rows - 1) / 2
    xs = numpy.arange(out_cols, dtype=numpy.float64) - (out_cols - 1) / 2
    source_x = matrix[0] * xs[None, :] + matrix[1] * ys[:, None] + matrix[2] + (cols - 1) / 2
    source_y = matrix[3] * xs[None, :] + matrix[4] * ys[:, None] + matrix[5] + (rows - 1) / 2
    if mode == "nearest":
        taps = [(numpy.rint(source_x), numpy.rint(source_y), 1.0)]
    else:
        x0, y0 = numpy.floor(source_x), numpy.floor(source_y)
        fx, fy = source_x - x0, source_y - y0
        taps = [
            (x0, y0, (1 - fx) * (1 - fy)),
            (x0 + 1, y0, fx * (1 - fy)),
            (x0, y0 + 1, (1 - fx) * fy),
            (x0 + 1, y0 + 1, fx * fy),
        ]
    flat = array.reshape(*array.shape[:-2], rows * cols).astype(work, copy=False)
    result = numpy.zeros((*array.shape[:-2], out_rows * out_cols), dtype=work)
    coverage = numpy.zeros(out_rows * out_cols, dtype=work)
    for x, y, weight in taps:
        inside = (x >= 0) & (x <= cols - 1) & (y >= 0) & (y <= rows - 1)
        index = (numpy.clip(y, 0, rows - 1) * cols + numpy.clip(x, 0, cols - 1)).astype(numpy.intp)
        tap_weight = (numpy.asarray(weight) * inside).astype(work).ravel()
        result += flat[..., index.ravel()] * tap_weight
        coverage += tap_weight
    if fill is not None:
        # Pixels from outside take the fill; bilinear edges blend towards it by how
        # much of the sample fell outside (torchvision's mask rule).
        count = 1 if array.ndim == 2 else array.shape[-3]
        values = _fill_values(fill, count, "rotate").astype(work)
        fill_image = values.reshape(-1, 1) if array.ndim > 2 else values.reshape(())
        if mode == "nearest":
            result = numpy.where(coverage < 0.5, fill_image, result)
        else:
            result = result * coverage + (1 - coverage) * fill_image
    return round_back(result.reshape(*array.shape[:-2], out_rows, out_cols), array.dtype)


def rotate(
    img: Any,
    angle: float,
    interpolation: Any = "nearest",
    expand: bool = False,
    center: Sequence[float] | None = None,
    fill: Any = None,
) -> Any:
    """Rotate the image by ``angle`` degrees counter-clockwise about its centre.

    Args:
        interpolation: ``"nearest"`` (default) or ``"bilinear"``.
        expand: grow the output to hold the whole rotated image.
        center: the pivot ``(x, y)`` in pixels; the image centre by default.
        fill: value (or one per channel) of pixels that come from outside
            the image; ``None`` leaves them 0.

    >>> import numpy as np
    >>> rotate(np.array([[1, 2], [3, 4]]), 90).tolist()
    [[2, 4], [1, 3]]
    """
    mode = _mode(interpolation, "rotate")
    array, as_tensor = unwrap(img, "rotate")
    check_image(array, "rotate")
    return wrap(_rotate_array(array, float(angle), mode, expand, center, fill), as_tensor)
