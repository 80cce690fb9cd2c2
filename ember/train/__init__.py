"""``ember.train``: Keras-style training, ``Model.compile/fit/evaluate/predict/summary``.

The public names are also at the top level: ``ember.Model``,
``ember.Sequential`` (a ``Model`` built from a list of layers; ``ember.nn.Sequential``
is the plain module), ``ember.callbacks`` and ``ember.metrics``.
"""

import sys

from ember.train import callbacks, data_adapter, losses, metrics, progress, summary
from ember.train.callbacks import History
from ember.train.model import Model, Sequential

# ``from ember.callbacks import EarlyStopping`` works as ``from keras.callbacks
# import ...`` does: the two modules are importable under their top-level names.
sys.modules.setdefault("ember.callbacks", callbacks)
sys.modules.setdefault("ember.metrics", metrics)

__all__ = [
    "History",
    "Model",
    "Sequential",
    "callbacks",
    "data_adapter",
    "losses",
    "metrics",
    "progress",
    "summary",
]
