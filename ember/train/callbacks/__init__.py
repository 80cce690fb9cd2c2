"""``ember.callbacks``: Keras's training callbacks, plus ``GradientMonitor``.

Pass them to ``fit(callbacks=[...])``; ``History`` and ``ProgbarLogger`` are
added by ``fit`` itself.

>>> import ember
>>> stop = ember.callbacks.EarlyStopping(monitor="val_loss", patience=3)
>>> isinstance(stop, ember.callbacks.Callback)
True
"""

from ember.train.callbacks.base import (
    Callback,
    CallbackList,
    History,
    LambdaCallback,
    TerminateOnNaN,
)
from ember.train.callbacks.control import EarlyStopping, LearningRateScheduler, ReduceLROnPlateau
from ember.train.callbacks.gradient_monitor import GradientMonitor, GradientWarning
from ember.train.callbacks.loggers import CSVLogger, ModelCheckpoint, ProgbarLogger, TensorBoard

__all__ = [
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "GradientMonitor",
    "GradientWarning",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TensorBoard",
    "TerminateOnNaN",
]
