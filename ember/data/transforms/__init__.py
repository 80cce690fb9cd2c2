"""Image transforms for datasets (torchvision.transforms' names and random draws).

Images are ``(H, W, C)`` uint8 arrays before :class:`ToTensor` and ``(C, H, W)``
tensors (or arrays) after it; geometric and colour transforms work on any
``(..., H, W)`` tensor or array and return the same kind. They transform data
with NumPy and record no autograd graph.

>>> import numpy as np, ember
>>> from ember.data import transforms as T
>>> _ = ember.manual_seed(0)
>>> pipeline = T.Compose([T.ToTensor(), T.RandomHorizontalFlip(), T.Normalize([0.5], [0.5])])
>>> pipeline(np.zeros((28, 28), np.uint8)).shape
(1, 28, 28)
"""

from ember.data.transforms import _transforms, functional
from ember.data.transforms._transforms import *  # noqa: F403
from ember.data.transforms.functional import InterpolationMode

__all__ = ["InterpolationMode", "functional", *_transforms.__all__]
