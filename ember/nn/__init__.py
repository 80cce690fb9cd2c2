"""``ember.nn``: modules, layers, initialisation and functional ops with ``torch.nn``'s names.

A PyTorch model ports by changing ``import torch.nn as nn`` to
``import ember.nn as nn``; ``state_dict()`` keys and shapes are the same.
"""

from ember.nn import containers, functional, init, layers, module, parameter, utils
from ember.nn.containers import *  # noqa: F403
from ember.nn.layers import *  # noqa: F403
from ember.nn.module import *  # noqa: F403
from ember.nn.parameter import *  # noqa: F403

__all__ = [
    "functional",
    "init",
    "utils",
    *containers.__all__,
    *layers.__all__,
    *module.__all__,
    *parameter.__all__,
]
