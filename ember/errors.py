"""Error types and the caller's ``file:line`` that every user-facing error names."""

from __future__ import annotations

import os
import sys

__all__ = [
    "AnomalyError",
    "CheckpointError",
    "DTypeError",
    "EmberError",
    "GraphError",
    "ShapeError",
    "StateDictError",
    "caller",
]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class EmberError(Exception):
    """Base of Ember's own errors."""


class ShapeError(EmberError, ValueError):
    """An op got inputs whose shapes (or attributes) it cannot work with."""


class DTypeError(EmberError, TypeError):
    """An op got inputs of a dtype it does not support."""


class GraphError(EmberError, RuntimeError):
    """Autograd cannot do what was asked (freed graph, in-place change, no grad)."""


class AnomalyError(EmberError, RuntimeError):
    """Anomaly mode found a NaN or Inf produced by an op."""


class StateDictError(EmberError, RuntimeError):
    """``load_state_dict`` found missing, unexpected or mismatched entries."""


class CheckpointError(EmberError, ValueError):
    """A checkpoint file is truncated, corrupt, or not a safetensors file."""


def caller(depth: int = 2) -> str:
    """``file:line`` of the innermost frame outside the ``ember`` package.

    Only called when an error is being built, never on the fast path.
    """
    frame = sys._getframe(depth)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE_DIR):
            return f"{os.path.basename(filename)}:{frame.f_lineno}"
        frame = frame.f_back
    return "<ember>"
