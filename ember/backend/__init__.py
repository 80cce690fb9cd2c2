"""Array modules: NumPy on the CPU (CuPy on a GPU comes later), and kernels they lack.

Ops are written against ``xp``, the array module of their inputs, never against
``numpy`` directly.
"""

from __future__ import annotations

import numpy

from ember.backend.allocator import keep_freed_memory
from ember.backend.kernels import erf, sigmoid

__all__ = ["erf", "get_xp", "keep_freed_memory", "numpy_module", "sigmoid"]

KEEPS_FREED_MEMORY = keep_freed_memory()

numpy_module = numpy


def get_xp(array: object) -> object:
    """The array module that owns ``array`` (only NumPy for now); NumPy for None."""
    return numpy
