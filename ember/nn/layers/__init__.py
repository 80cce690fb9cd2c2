"""Layers (``torch.nn`` modules): each file holds one kind, as ``torch/nn/modules`` does."""

from ember.nn.layers import (
    activation,
    attention,
    conv,
    dropout,
    linear,
    loss,
    normalization,
    pooling,
    rnn,
    shape,
    sparse,
    transformer,
)
from ember.nn.layers.activation import *  # noqa: F403
from ember.nn.layers.attention import *  # noqa: F403
from ember.nn.layers.conv import *  # noqa: F403
from ember.nn.layers.dropout import *  # noqa: F403
from ember.nn.layers.linear import *  # noqa: F403
from ember.nn.layers.loss import *  # noqa: F403
from ember.nn.layers.normalization import *  # noqa: F403
from ember.nn.layers.pooling import *  # noqa: F403
from ember.nn.layers.rnn import *  # noqa: F403
from ember.nn.layers.shape import *  # noqa: F403
from ember.nn.layers.sparse import *  # noqa: F403
from ember.nn.layers.transformer import *  # noqa: F403

__all__ = [
    *activation.__all__,
    *attention.__all__,
    *conv.__all__,
    *dropout.__all__,
    *linear.__all__,
    *loss.__all__,
    *normalization.__all__,
    *pooling.__all__,
    *rnn.__all__,
    *shape.__all__,
    *sparse.__all__,
    *transformer.__all__,
]
