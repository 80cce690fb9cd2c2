"""Ember: eager autograd on NumPy with PyTorch's names.

>>> import ember
>>> x = ember.tensor([1.0, 2.0], requires_grad=True)
>>> (x ** 2).sum().backward()
>>> x.grad.tolist()
[2.0, 4.0]
"""

from ember import autograd, data, dtypes, errors, nn, ops, optim, random, testing, train, viz, zoo
from ember.autograd import (
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
    value_and_grad,
)
from ember.autograd import grad_transform as grad
from ember.creation import *  # noqa: F403
from ember.creation import __all__ as _creation_all
from ember.dtypes import (
    DType,
    bool_,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    result_type,
    set_default_dtype,
    uint8,
)
from ember.io import load, save
from ember.ops import *  # noqa: F403
from ember.ops import __all__ as _ops_all
from ember.random import initial_seed, manual_seed, seed
from ember.tensor import Device, Tensor
from ember.train import Model, Sequential, callbacks, metrics

# PyTorch spells it ``torch.bool``; ``bool_`` avoids shadowing the builtin inside Ember.
globals()["bool"] = bool_
double, half, long = float64, float16, int64
globals()["float"] = float32
globals()["int"] = int32

__version__ = "0.1.0"

__all__ = [
    "zoo",
    "viz",
    "data",
    "nn",
    "optim",
    "train",
    "Model",
    "Sequential",
    "callbacks",
    "metrics",
    "DType",
    "Device",
    "Tensor",
    "autograd",
    "bool_",
    "dtypes",
    "enable_grad",
    "errors",
    "float16",
    "float32",
    "float64",
    "get_default_dtype",
    "grad",
    "int8",
    "int16",
    "int32",
    "int64",
    "initial_seed",
    "is_grad_enabled",
    "load",
    "manual_seed",
    "no_grad",
    "ops",
    "promote_types",
    "random",
    "result_type",
    "save",
    "seed",
    "set_default_dtype",
    "set_grad_enabled",
    "testing",
    "uint8",
    "value_and_grad",
    *_creation_all,
    *_ops_all,
]
