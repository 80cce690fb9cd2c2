"""``ember.nn.functional``: the stateless functions behind the layers, as ``torch.nn.functional``.

Use it as ``import ember.nn.functional as F``. Primitives live in the op table
(``ember.ops.conv``, ``pool``, ``resample``, ``nn``, ``activation``); the
activations and losses written in Ember ops live in this package.
"""

from ember.nn.functional import activations, ctc, losses
from ember.nn.functional.activations import *  # noqa: F403
from ember.nn.functional.ctc import *  # noqa: F403
from ember.nn.functional.losses import *  # noqa: F403
from ember.ops import conv, nn, pool, resample
from ember.ops import dropout as dropout_ops
from ember.ops.activation import log_softmax, softmax
from ember.ops.conv import *  # noqa: F403
from ember.ops.dropout import *  # noqa: F403
from ember.ops.nn import *  # noqa: F403
from ember.ops.pool import *  # noqa: F403
from ember.ops.resample import *  # noqa: F403
from ember.ops.shape import pad

__all__ = [
    "log_softmax",
    "pad",
    "softmax",
    *activations.__all__,
    *conv.__all__,
    *dropout_ops.__all__,
    *ctc.__all__,
    *losses.__all__,
    *nn.__all__,
    *pool.__all__,
    *resample.__all__,
]
