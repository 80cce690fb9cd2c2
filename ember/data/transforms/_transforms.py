"""Transform objects (torchvision.transforms' names, arguments and random draws).

Each is a callable applied to one sample's image. The random ones draw from
Ember's seeded generator (``ember.random.default_generator``), so
``ember.manual_seed`` repeats them; inside DataLoader workers that generator
is seeded per worker.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy

from ember.data.transforms import functional as F
from ember.data.transforms._image import pair, unwrap
from ember.random import default_generator
from ember.tensor import Tensor

__all__ = [
    "CenterCrop",
    "ColorJitter",
    "Compose",
    "Lambda",
    "Normalize",
    "Pad",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RandomResizedCrop",
    "RandomRotation",
    "RandomVerticalFlip",
    "Resize",
    "ToTensor",
]


def _rng() -> numpy.random.Generator:
    # Read at every draw: manual_seed replaces the generator object.
    return default_generator.rng


def _image_size(img: Any, caller: str) -> tuple[int, int]:
    array, _ = unwrap(img, caller)
    if array.ndim < 2:
        raise ValueError(f"{caller}: expected an image of shape (..., H, W), got {array.shape}")
    return array.shape[-2], array.shape[-1]


def _describe(obj: Any, **fields: Any) -> str:
    inner = ", ".join(f"{name}={value!r}" for name, value in fields.items())
    return f"{type(obj).__name__}({inner})"


class Compose:
    """Apply transforms one after another.

    >>> import numpy as np
    >>> t = Compose([ToTensor(), Normalize([0.5], [0.5])])
    >>> t(np.zeros((2, 2), np.uint8)).tolist()
    [[[-1.0, -1.0], [-1.0, -1.0]]]
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self) -> str:
        lines = "".join(f"\n    {transform!r}" for transform in self.transforms)
        return f"Compose({lines}\n)"


class ToTensor:
    """An ``(H, W, C)`` or ``(H, W)`` image array to a ``(C, H, W)`` tensor; uint8 to [0, 1].

    See :func:`ember.data.transforms.functional.to_tensor`.
    """

    def __call__(self, pic: Any) -> Tensor:
        return F.to_tensor(pic)

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(image - mean) / std`` per channel; see :func:`~.functional.normalize`."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor: Any) -> Any:
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self) -> str:
        return _describe(self, mean=self.mean, std=self.std)


class Lambda:
    """A user function as a transform.

    >>> Lambda(lambda x: x + 1)(1)
    2
    """

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Lambda: argument lambd should be callable, got {type(lambd)!r}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return "Lambda()"


class Resize:
    """Resize to ``size``; see :func:`~.functional.resize`."""

    def __init__(self, size: Any, interpolation: Any = "bilinear", antialias: bool = True) -> None:
        self.size = size
        self.interpolation = interpolation
        self.antialias = antialias

    def __call__(self, img: Any) -> Any:
        return F.resize(img, self.size, self.interpolation, self.antialias)

    def __repr__(self) -> str:
        return _describe(self, size=self.size, interpolation=self.interpolation)


class CenterCrop:
    """The centred ``size`` window; see :func:`~.functional.center_crop`."""

    def __init__(self, size: Any) -> None:
        self.size = pair(size, "size", "CenterCrop")

    def __call__(self, img: Any) -> Any:
        return F.center_crop(img, self.size)

    def __repr__(self) -> str:
        return _describe(self, size=self.size)


class Pad:
    """Pad the borders; see :func:`~.functional.pad`."""

    def __init__(self, padding: Any, fill: float = 0, padding_mode: str = "constant") -> None:
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def __call__(self, img: Any) -> Any:
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return _describe(self, padding=self.padding, fill=self.fill, mode=self.padding_mode)


class RandomCrop:
    """A ``size`` window at a random place, after optional padding.

    Args:
        size: ``n`` or ``(h, w)``.
        padding: padding applied first (see :func:`~.functional.pad`).
        pad_if_needed: pad images smaller than ``size`` so that a crop fits.
        fill: value of padded pixels in ``constant`` mode.
        padding_mode: ``constant``, ``edge``, ``reflect`` or ``symmetric``.

    >>> import numpy as np, ember
    >>> _ = ember.manual_seed(0)
    >>> RandomCrop(28, padding=4)(np.zeros((1, 28, 28), np.float32)).shape
    (1, 28, 28)
    """

    def __init__(
        self,
        size: Any,
        padding: Any = None,
        pad_if_needed: bool = False,
        fill: float = 0,
        padding_mode: str = "constant",
    ) -> None:
        self.size = pair(size, "size", "RandomCrop")
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img: Any, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """A random ``(top, left, height, width)`` for a crop of ``output_size``."""
        height, width = _image_size(img, "RandomCrop")
        crop_height, crop_width = output_size
        if height < crop_height or width < crop_width:
            raise ValueError(
                f"RandomCrop: required crop size {(crop_height, crop_width)} is larger than the "
                f"input image size {(height, width)}"
            )
        if (height, width) == (crop_height, crop_width):
            return 0, 0, height, width
        top = int(_rng().integers(0, height - crop_height + 1))
        left = int(_rng().integers(0, width - crop_width + 1))
        return top, left, crop_height, crop_width

    def __call__(self, img: Any) -> Any:
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        height, width = _image_size(img, "RandomCrop")
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return F.crop(img, *self.get_params(img, self.size))

    def __repr__(self) -> str:
        return _describe(self, size=self.size, padding=self.padding)


class RandomHorizontalFlip:
    """Mirror left to right with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img: Any) -> Any:
        return F.hflip(img) if _rng().random() < self.p else img

    def __repr__(self) -> str:
        return _describe(self, p=self.p)


class RandomVerticalFlip:
    """Mirror top to bottom with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img: Any) -> Any:
        return F.vflip(img) if _rng().random() < self.p else img

    def __repr__(self) -> str:
        return _describe(self, p=self.p)


def _range(value: Any, name: str, caller: str) -> tuple[float, float]:
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"{caller}: if {name} is a single number, it must be non-negative")
        return -float(value), float(value)
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return float(value[0]), float(value[1])
    raise ValueError(f"{caller}: {name} must be a number or a sequence of 2 numbers, got {value!r}")


class RandomRotation:
    """Rotate by an angle drawn uniformly from ``degrees``.

    Args:
        degrees: ``d`` for ``(-d, d)``, or ``(min, max)``, counter-clockwise.
        interpolation: ``"nearest"`` (default) or ``"bilinear"``.
        expand: grow the output to hold the whole rotated image.
        center: the pivot ``(x, y)``; the image centre by default.
        fill: value (or one per channel) of pixels from outside the image.

    >>> import numpy as np, ember
    >>> _ = ember.manual_seed(0)
    >>> RandomRotation(30)(np.ones((3, 8, 8), np.float32)).shape
    (3, 8, 8)
    """

    def __init__(
        self,
        degrees: Any,
        interpolation: Any = "nearest",
        expand: bool = False,
        center: Sequence[float] | None = None,
        fill: Any = 0,
    ) -> None:
        self.degrees = _range(degrees, "degrees", "RandomRotation")
        self.interpolation = interpolation
        self.expand = expand
        self.center = center
        self.fill = fill

    @staticmethod
    def get_params(degrees: Sequence[float]) -> float:
        """A random angle in ``degrees``."""
        return float(_rng().uniform(degrees[0], degrees[1]))

    def __call__(self, img: Any) -> Any:
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, self.fill)

    def __repr__(self) -> str:
        return _describe(self, degrees=self.degrees, interpolation=self.interpolation)


class RandomResizedCrop:
    """A random window of random area and aspect ratio, resized to ``size``.

    Args:
        size: output ``n`` or ``(h, w)``.
        scale: range of the window's area as a fraction of the image's.
        ratio: range of the window's aspect ratio (width / height), drawn
            uniformly in log space.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        antialias: see :func:`~.functional.resize`.

    After 10 draws that do not fit, the centre crop of the closest valid
    ratio is used, as torchvision does.

    >>> import numpy as np, ember
    >>> _ = ember.manual_seed(0)
    >>> RandomResizedCrop(8)(np.ones((3, 20, 16), np.float32)).shape
    (3, 8, 8)
    """

    def __init__(
        self,
        size: Any,
        scale: tuple[float, float] = (0.08, 1.0),
        ratio: tuple[float, float] = (3.0 / 4.0, 4.0 / 3.0),
        interpolation: Any = "bilinear",
        antialias: bool = True,
    ) -> None:
        self.size = pair(size, "size", "RandomResizedCrop")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn(
                "RandomResizedCrop: scale and ratio should be of kind (min, max)",
                UserWarning,
                stacklevel=2,
            )
        self.scale = scale
        self.ratio = ratio
        self.interpolation = interpolation
        self.antialias = antialias

    @staticmethod
    def get_params(
        img: Any, scale: Sequence[float], ratio: Sequence[float]
    ) -> tuple[int, int, int, int]:
        """A random ``(top, left, height, width)`` window."""
        height, width = _image_size(img, "RandomResizedCrop")
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * float(_rng().uniform(scale[0], scale[1]))
            aspect = math.exp(float(_rng().uniform(log_ratio[0], log_ratio[1])))
            crop_width = round(math.sqrt(target_area * aspect))
            crop_height = round(math.sqrt(target_area / aspect))
            if 0 < crop_width <= width and 0 < crop_height <= height:
                top = int(_rng().integers(0, height - crop_height + 1))
                left = int(_rng().integers(0, width - crop_width + 1))
                return top, left, crop_height, crop_width
        in_ratio = width / height
        if in_ratio < min(ratio):
            crop_width, crop_height = width, round(width / min(ratio))
        elif in_ratio > max(ratio):
            crop_width, crop_height = round(height * max(ratio)), height
        else:
            crop_width, crop_height = width, height
        return (height - crop_height) // 2, (width - crop_width) // 2, crop_height, crop_width

    def __call__(self, img: Any) -> Any:
        top, left, height, width = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(
            img, top, left, height, width, self.size, self.interpolation, self.antialias
        )

    def __repr__(self) -> str:
        return _describe(self, size=self.size, scale=self.scale, ratio=self.ratio)


def _jitter_range(
    value: Any, name: str, center: float, bound: tuple[float, float], clip_first_on_zero: bool
) -> tuple[float, float] | None:
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"ColorJitter: if {name} is a single number, it must be non-negative")
        low, high = center - float(value), center + float(value)
        if clip_first_on_zero:
            low = max(low, 0.0)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        low, high = float(value[0]), float(value[1])
    else:
        raise TypeError(f"ColorJitter: {name} should be a single number or a sequence of length 2")
    if not bound[0] <= low <= high <= bound[1]:
        raise ValueError(f"ColorJitter: {name} values should be between {bound}, got {value!r}")
    # A range that is just the centre means "leave this property alone".
    return None if low == high == center else (low, high)


class ColorJitter:
    """Randomly change brightness, contrast, saturation and hue, in a random order.

    Args:
        brightness: ``b`` draws a factor from ``[max(0, 1 - b), 1 + b]``, or give ``(min, max)``.
        contrast: the same for contrast.
        saturation: the same for saturation.
        hue: ``h`` in ``[0, 0.5]`` draws a hue shift from ``[-h, h]``, or give ``(min, max)``.

    >>> import numpy as np, ember
    >>> _ = ember.manual_seed(0)
    >>> ColorJitter(0.4, 0.4, 0.4, 0.1)(np.full((3, 4, 4), 0.5, np.float32)).shape
    (3, 4, 4)
    """

    def __init__(
        self,
        brightness: Any = 0,
        contrast: Any = 0,
        saturation: Any = 0,
        hue: Any = 0,
    ) -> None:
        unbounded = (0.0, float("inf"))
        self.brightness = _jitter_range(brightness, "brightness", 1.0, unbounded, True)
        self.contrast = _jitter_range(contrast, "contrast", 1.0, unbounded, True)
        self.saturation = _jitter_range(saturation, "saturation", 1.0, unbounded, True)
        self.hue = _jitter_range(hue, "hue", 0.0, (-0.5, 0.5), False)

    @staticmethod
    def get_params(
        brightness: tuple[float, float] | None,
        contrast: tuple[float, float] | None,
        saturation: tuple[float, float] | None,
        hue: tuple[float, float] | None,
    ) -> tuple[list[int], float | None, float | None, float | None, float | None]:
        """The order of the four adjustments and each factor (``None``: not applied)."""
        order = _rng().permutation(4).tolist()
        factors = [
            None if bounds is None else float(_rng().uniform(bounds[0], bounds[1]))
            for bounds in (brightness, contrast, saturation, hue)
        ]
        return (order, *factors)

    def __call__(self, img: Any) -> Any:
        order, *factors = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        adjust = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)
        for which in order:
            if factors[which] is not None:
                img = adjust[which](img, factors[which])
        return img

    def __repr__(self) -> str:
        return _describe(
            self,
            brightness=self.brightness,
            contrast=self.contrast,
            saturation=self.saturation,
            hue=self.hue,
        )
