"""The callback protocol: ``Callback``, ``CallbackList`` and the small callbacks.

``fit``, ``evaluate`` and ``predict`` call a ``CallbackList``, which calls each
callback's hook in turn. The hooks and their arguments are Keras's, plus two
that Keras lacks, called on every training step between the backward pass and
the optimizer (``on_after_backward``) and right after the optimizer
(``on_after_optimizer_step``), where gradients and updates can be inspected.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from ember.viz import plot_history

__all__ = ["Callback", "CallbackList", "History", "LambdaCallback", "TerminateOnNaN"]

_HOOKS = (
    "on_train_begin",
    "on_train_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_after_backward",
    "on_after_optimizer_step",
    "on_test_begin",
    "on_test_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_begin",
    "on_predict_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)
# Metrics that improve upwards; anything else monitored is taken to improve downwards.
_HIGHER_IS_BETTER = ("acc", "accuracy", "auc", "precision", "recall", "f1", "f1_score")


class Callback:
    """Base class of callbacks: override the hooks you need; each does nothing here.

    ``self.model`` is the model being trained and ``self.params`` holds
    ``verbose``, ``epochs`` and ``steps`` (per epoch, None when unknown).
    Setting ``self.model.stop_training = True`` ends ``fit`` after the current
    batch.

    Hooks (``logs`` is a dict of the latest values, e.g. ``loss``, ``val_loss``):
    ``on_train_begin/end(logs)``, ``on_epoch_begin/end(epoch, logs)``,
    ``on_train_batch_begin/end(batch, logs)``, ``on_after_backward(batch,
    logs)``, ``on_after_optimizer_step(batch, logs)``, ``on_test_begin/end(logs)``,
    ``on_test_batch_begin/end(batch, logs)``, ``on_predict_begin/end(logs)``,
    ``on_predict_batch_begin/end(batch, logs)``.

    >>> import ember
    >>> class Count(ember.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(f"epoch {epoch}: loss is {'loss' in logs}")
    >>> model = ember.Sequential([ember.nn.Linear(2, 1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> _ = model.fit(ember.zeros(4, 2), ember.zeros(4, 1), epochs=2, verbose=0,
    ...               callbacks=[Count()])
    epoch 0: loss is True
    epoch 1: loss is True
    """

    def __init__(self) -> None:
        self.model: Any = None
        self.params: dict[str, Any] = {}

    def set_model(self, model: Any) -> None:
        """Called by ``fit`` before training: the model the hooks will see."""
        self.model = model

    def set_params(self, params: dict[str, Any]) -> None:
        """Called by ``fit`` before training: ``verbose``, ``epochs``, ``steps``."""
        self.params = params

    def on_train_begin(self, logs: dict | None = None) -> None:
        """At the start of ``fit``."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """At the end of ``fit``; ``logs`` are the last epoch's."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """At the start of an epoch (counted from 0)."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """At the end of an epoch: ``logs`` has the epoch's metrics and ``val_`` ones."""

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Before a training step (``batch`` counts from 0 in each epoch)."""

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """After a training step: ``logs`` has the epoch's running loss and metrics."""

    def on_after_backward(self, batch: int, logs: dict | None = None) -> None:
        """After ``loss.backward()`` and before the optimizer step: gradients are set."""

    def on_after_optimizer_step(self, batch: int, logs: dict | None = None) -> None:
        """Right after the optimizer step: the parameters hold their new values."""

    def on_test_begin(self, logs: dict | None = None) -> None:
        """At the start of ``evaluate`` (and of validation inside ``fit``)."""

    def on_test_end(self, logs: dict | None = None) -> None:
        """At the end of ``evaluate``."""

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Before an evaluation step."""

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """After an evaluation step."""

    def on_predict_begin(self, logs: dict | None = None) -> None:
        """At the start of ``predict``."""

    def on_predict_end(self, logs: dict | None = None) -> None:
        """At the end of ``predict``."""

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Before a prediction step."""

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """After a prediction step: ``logs["outputs"]`` holds the batch's outputs."""


class CallbackList:
    """Calls a hook on every callback in order; ``fit`` builds one.

    Args:
        callbacks: the callbacks, in the order their hooks run.
        model: the model given to each callback.
        **params: ``verbose``, ``epochs``, ``steps``, given to each callback.
    """

    def __init__(
        self, callbacks: Iterable[Callback] | None = None, model: Any = None, **params: Any
    ) -> None:
        self.callbacks = list(callbacks or ())
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    f"callbacks must be ember.callbacks.Callback objects, got "
                    f"{type(callback).__name__}"
                )
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback: Callback) -> None:
        """Add a callback at the end."""
        self.callbacks.append(callback)

    def set_model(self, model: Any) -> None:
        """Give every callback the model."""
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params: dict[str, Any]) -> None:
        """Give every callback the run's parameters."""
        for callback in self.callbacks:
            callback.set_params(params)

    def __iter__(self):
        return iter(self.callbacks)

    def __getattr__(self, hook: str) -> Callable[..., None]:
        # Only reached for the hook names: one forwarding method per hook, built once.
        if hook not in _HOOKS:
            raise AttributeError(f"'CallbackList' object has no attribute '{hook}'")

        def call(*args: Any) -> None:
            for callback in self.callbacks:
                getattr(callback, hook)(*args)

        object.__setattr__(self, hook, call)
        return call


class History(Callback):
    """Records the epoch logs; ``fit`` adds one and returns it.

    Attributes:
        history: ``{"loss": [...], "accuracy": [...], "val_loss": [...], ...}``,
            one value per epoch.
        epoch: the epochs run (counted from 0).
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Append each logged value to its list (a History given to several fits extends)."""
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def plot(self, path: str | None = None) -> Any:
        """Plot the curves (loss, metrics, their ``val_`` twins) with ``ember.viz``.

        Args:
            path: an image file to write; None shows nothing and returns the figure.

        Returns:
            Whatever ``ember.viz.plots.plot_history`` returns (the figure).
        """
        return plot_history(self, path)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={sorted(self.history)})"


class LambdaCallback(Callback):
    """A callback from plain functions, for one-off needs.

    Args:
        on_epoch_begin, on_epoch_end: ``f(epoch, logs)``.
        on_train_begin, on_train_end: ``f(logs)``.
        on_train_batch_begin, on_train_batch_end: ``f(batch, logs)``.
        **kwargs: any other hook by name, e.g. ``on_after_backward=f``.

    >>> import ember
    >>> seen = []
    >>> record = ember.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(e))
    >>> model = ember.Sequential([ember.nn.Linear(2, 1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> _ = model.fit(ember.zeros(4, 2), ember.zeros(4, 1), epochs=3, verbose=0,
    ...               callbacks=[record])
    >>> seen
    [0, 1, 2]
    """

    def __init__(
        self,
        on_epoch_begin: Callable | None = None,
        on_epoch_end: Callable | None = None,
        on_train_begin: Callable | None = None,
        on_train_end: Callable | None = None,
        on_train_batch_begin: Callable | None = None,
        on_train_batch_end: Callable | None = None,
        **kwargs: Callable,
    ) -> None:
        super().__init__()
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
            **kwargs,
        }
        for name, function in hooks.items():
            if name not in _HOOKS:
                raise ValueError(f"LambdaCallback: unknown hook {name!r}; hooks are {_HOOKS}")
            if function is not None:
                setattr(self, name, function)


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch's loss is NaN or infinite.

    >>> import ember
    >>> ember.callbacks.TerminateOnNaN()
    TerminateOnNaN()
    """

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Check the running loss; a NaN batch makes the running mean NaN too."""
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: invalid loss {loss}, terminating training")
            self.model.stop_training = True

    def __repr__(self) -> str:
        return "TerminateOnNaN()"


def monitor_mode(owner: str, monitor: str, mode: str) -> str:
    """``'min'`` or ``'max'``: ``mode`` itself, or for ``'auto'`` the value's direction."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    name = monitor.removeprefix("val_")
    return "max" if name in _HIGHER_IS_BETTER or name.endswith("accuracy") else "min"


def learning_rate(model: Any, owner: str) -> float:
    """The learning rate of the model's optimizer (its first parameter group)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(optimizer, "param_groups", None):
        raise ValueError(f"{owner}: the model has no optimizer; call model.compile() first")
    return float(optimizer.param_groups[0]["lr"])


def set_learning_rate(model: Any, lr: float) -> None:
    """Set the learning rate of every parameter group of the model's optimizer."""
    for group in model.optimizer.param_groups:
        group["lr"] = lr
