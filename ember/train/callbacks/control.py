"""Callbacks that steer training: ``EarlyStopping``, ``ReduceLROnPlateau``,
``LearningRateScheduler``.

Each watches one logged value (``monitor``, e.g. ``"val_loss"``) whose direction
is read from its name unless ``mode`` says it: accuracies, AUC, precision,
recall and F1 improve upwards, everything else downwards.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable

from ember.train.callbacks.base import Callback, learning_rate, monitor_mode, set_learning_rate

__all__ = ["EarlyStopping", "LearningRateScheduler", "ReduceLROnPlateau"]


def _monitored(owner: str, monitor: str, logs: dict | None) -> float | None:
    value = (logs or {}).get(monitor)
    if value is None:
        available = ", ".join(sorted(logs or {})) or "none"
        warnings.warn(
            f"{owner} is monitoring '{monitor}', which is not in the logs (available: "
            f"{available}); for a val_ value pass validation_data or validation_split to fit",
            stacklevel=3,
        )
        return None
    return float(value)


class EarlyStopping(Callback):
    """Stops training when the monitored value has stopped improving.

    After each epoch (from ``start_from_epoch`` on) the value counts as an
    improvement when it beats the best so far by more than ``min_delta``;
    training stops once ``patience`` epochs in a row have not improved.

    Args:
        monitor: the logged value to watch.
        min_delta: the smallest change that counts as an improvement.
        patience: how many epochs without improvement to allow.
        verbose: 1 prints a line when training stops or weights are restored.
        mode: ``'min'``, ``'max'`` or ``'auto'`` (from the name).
        baseline: training stops if the value has not beaten this within
            ``patience`` epochs.
        restore_best_weights: at the end of training, load the weights of
            the best epoch back into the model.
        start_from_epoch: epochs to let pass before watching (warm-up).

    Attributes:
        stopped_epoch: the epoch training stopped at (0 if it ran to the end).
        best_epoch: the epoch with the best value.

    >>> import ember
    >>> ember.callbacks.EarlyStopping(patience=3, restore_best_weights=True).mode
    'min'
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__()
        self.monitor = monitor
        self.mode = monitor_mode("EarlyStopping", monitor, mode)
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.on_train_begin()

    def _improves(self, value: float, reference: float | None) -> bool:
        if reference is None:
            return True
        if self.mode == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Forget the previous run."""
        self.wait = 0
        self.stopped_epoch = 0
        self.best: float | None = None
        self.best_weights: list | None = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Compare this epoch's value with the best; stop when patience runs out."""
        if epoch < self.start_from_epoch:
            return
        value = _monitored("EarlyStopping", self.monitor, logs)
        if value is None:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Even a run that never improves restores the weights it was watching from.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._improves(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improves(value, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        """Report the stop and put the best weights back."""
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring the model weights from the end of epoch {self.best_epoch + 1}")
            self.model.set_weights(self.best_weights)


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by ``factor`` when the monitored value stalls.

    Args:
        monitor: the logged value to watch.
        factor: the multiplier, in (0, 1).
        patience: epochs without improvement before the rate is lowered.
        verbose: 1 prints a line on each reduction.
        mode: ``'min'``, ``'max'`` or ``'auto'`` (from the name).
        min_delta: the smallest change that counts as an improvement.
        cooldown: epochs to wait after a reduction before watching again.
        min_lr: the rate never goes below this.

    Raises:
        ValueError: if ``factor`` is not below 1.

    >>> import ember
    >>> ember.callbacks.ReduceLROnPlateau(factor=0.5, patience=2).factor
    0.5
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ) -> None:
        super().__init__()
        if not 0.0 <= factor < 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be in [0, 1), got {factor}")
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.mode = monitor_mode("ReduceLROnPlateau", monitor, mode)
        self.min_delta = min_delta
        self.cooldown = cooldown
        self.min_lr = min_lr
        self.on_train_begin()

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Forget the previous run."""
        self.best = math.inf if self.mode == "min" else -math.inf
        self.wait = 0
        self.cooldown_counter = 0

    def _improves(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Lower the rate after ``patience`` epochs without improvement; log the rate."""
        logs = logs if logs is not None else {}
        lr = learning_rate(self.model, "ReduceLROnPlateau")
        logs["learning_rate"] = lr
        value = _monitored("ReduceLROnPlateau", self.monitor, logs)
        if value is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improves(value):
            self.best = value
            self.wait = 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience and lr > self.min_lr:
                new_lr = max(lr * self.factor, self.min_lr)
                set_learning_rate(self.model, new_lr)
                if self.verbose > 0:
                    print(
                        f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}"
                    )
                self.cooldown_counter = self.cooldown
                self.wait = 0


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of each epoch from ``schedule``.

    Args:
        schedule: ``f(epoch, lr) -> new lr`` (or ``f(epoch) -> lr``), epochs
            counted from 0.
        verbose: 1 prints the rate at each epoch.

    >>> import ember
    >>> halve = ember.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    >>> model = ember.Sequential([ember.nn.Linear(2, 1)])
    >>> model.compile(optimizer=ember.optim.SGD(model.parameters(), lr=0.4), loss="mse")
    >>> history = model.fit(ember.zeros(4, 2), ember.zeros(4, 1), epochs=2, verbose=0,
    ...                     callbacks=[halve])
    >>> history.history["learning_rate"]
    [0.2, 0.1]
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose
        try:
            parameters = inspect.signature(schedule).parameters.values()
            self._takes_lr = len(parameters) >= 2 or any(
                p.kind is p.VAR_POSITIONAL for p in parameters
            )
        except (TypeError, ValueError):
            self._takes_lr = True

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Ask the schedule for this epoch's rate and set it."""
        lr = learning_rate(self.model, "LearningRateScheduler")
        new_lr = self.schedule(epoch, lr) if self._takes_lr else self.schedule(epoch)
        if not isinstance(new_lr, (int, float)) or not math.isfinite(new_lr):
            raise ValueError(
                f"LearningRateScheduler: the schedule must return a finite number, got "
                f"{new_lr!r} for epoch {epoch}"
            )
        set_learning_rate(self.model, float(new_lr))
        if self.verbose > 0:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {new_lr}")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Log the epoch's rate as ``learning_rate``."""
        if logs is not None:
            logs["learning_rate"] = learning_rate(self.model, "LearningRateScheduler")
