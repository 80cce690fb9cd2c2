"""Callbacks that record training: ``ModelCheckpoint``, ``CSVLogger``, ``TensorBoard``,
``ProgbarLogger``."""

from __future__ import annotations

import collections
import csv
import math
import os
from typing import Any

from ember.io import save
from ember.train.callbacks.base import Callback, monitor_mode
from ember.train.progress import Progbar
from ember.viz import SummaryWriter

__all__ = ["CSVLogger", "ModelCheckpoint", "ProgbarLogger", "TensorBoard"]


class ModelCheckpoint(Callback):
    """Saves the model's weights as safetensors files during training.

    Each save goes through ``ember.save``, so it is atomic: a crash mid-save
    leaves the previous file whole. The file's metadata records the epoch and
    the monitored value.

    Args:
        filepath: a path, or a pattern filled from ``epoch`` (counted from 1),
            ``batch`` and the logs, e.g. ``"ckpt-{epoch:02d}-{val_loss:.2f}.safetensors"``.
        monitor: the logged value that decides what is best.
        verbose: 1 prints a line per save.
        save_best_only: only save when the monitored value improves (a fixed
            ``filepath`` then always holds the best weights).
        save_weights_only: must be True: Ember checkpoints hold tensors only,
            never pickled code, so the model's class is rebuilt by your code and
            the weights loaded with ``model.load_state_dict(ember.load(path))``.
        mode: ``'min'``, ``'max'`` or ``'auto'`` (from the name).
        save_freq: ``'epoch'``, or a number of batches between saves.
        initial_value_threshold: with ``save_best_only``, the value to beat first.

    Raises:
        ValueError: for ``save_weights_only=False`` or a bad ``save_freq``.

    >>> import ember
    >>> ember.callbacks.ModelCheckpoint("best.safetensors", save_best_only=True).mode
    'min'
    """

    def __init__(
        self,
        filepath: str | os.PathLike,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = True,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__()
        if not save_weights_only:
            raise ValueError(
                "ModelCheckpoint: Ember saves weights only (safetensors holds tensors, not "
                "code); rebuild the model in code and load the weights into it"
            )
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(
                f"ModelCheckpoint: save_freq must be 'epoch' or a positive number of batches, "
                f"got {save_freq!r}"
            )
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.mode = monitor_mode("ModelCheckpoint", monitor, mode)
        self.save_freq = save_freq
        self.best = initial_value_threshold
        self._epoch = 0
        self._batches_seen = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Remember the epoch for batch-frequency saves."""
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Save every ``save_freq`` batches when it is a number."""
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save(self._epoch, batch, logs or {})

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Save after the epoch when ``save_freq='epoch'``."""
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _improves(self, value: float) -> bool:
        if self.best is None:
            return True
        return value < self.best if self.mode == "min" else value > self.best

    def _save(self, epoch: int, batch: int | None, logs: dict) -> None:
        try:
            path = self.filepath.format(epoch=epoch + 1, batch=batch, **logs)
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError(
                f"ModelCheckpoint: cannot fill the filepath {self.filepath!r} from epoch, batch "
                f"and the logs ({', '.join(logs)}): {err!r}"
            ) from None
        metadata = {"epoch": str(epoch + 1)}
        if self.save_best_only:
            value = logs.get(self.monitor)
            if value is None:
                raise ValueError(
                    f"ModelCheckpoint: save_best_only monitors '{self.monitor}', which is not "
                    f"in the logs ({', '.join(logs)})"
                )
            if not self._improves(float(value)):
                if self.verbose > 0:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best}")
                return
            if self.verbose > 0:
                print(
                    f"Epoch {epoch + 1}: {self.monitor} improved from {self.best} to {value}, "
                    f"saving the model to {path}"
                )
            self.best = float(value)
            metadata[self.monitor] = repr(float(value))
        elif self.verbose > 0:
            print(f"Epoch {epoch + 1}: saving the model to {path}")
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        save(self.model.state_dict(), path, metadata=metadata)


def _csv_value(value: Any) -> Any:
    # Arrays (a confusion matrix) become one quoted cell; NumPy scalars plain numbers.
    if hasattr(value, "tolist"):
        value = value.tolist()
    return str(value) if isinstance(value, (list, tuple)) else value


class CSVLogger(Callback):
    """Writes each epoch's logs as a row of a CSV file (``epoch`` first, then by name).

    Args:
        filename: the file to write.
        separator: the field separator.
        append: add to an existing file (a resumed run) instead of replacing it.

    >>> import ember
    >>> ember.callbacks.CSVLogger("training.csv").separator
    ','
    """

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.separator = separator
        self.append = append
        self.keys: list[str] | None = None
        self._file: Any = None
        self._writer: Any = None
        self._has_header = False

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Open the file; an appended file keeps its header."""
        has_header = (
            self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        )
        self._file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115
        self._writer = None
        self.keys = None
        self._has_header = has_header

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Write one row; the columns are fixed by the first epoch."""
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        if self._writer is None:
            self._writer = csv.DictWriter(
                self._file, fieldnames=["epoch", *self.keys], delimiter=self.separator
            )
            if not self._has_header:
                self._writer.writeheader()
        row = collections.OrderedDict(epoch=epoch)
        row.update((key, _csv_value(logs.get(key, "NA"))) for key in self.keys)
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs: dict | None = None) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None


class TensorBoard(Callback):
    """Logs the epoch metrics for TensorBoard through ``ember.viz.SummaryWriter``.

    As in Keras, training values go to ``log_dir/train`` and validation values
    to ``log_dir/validation`` under the same tag (``epoch_loss``,
    ``epoch_accuracy``), so TensorBoard draws them as two runs on one chart;
    the learning rate is logged as ``epoch_learning_rate``. Watch with
    ``tensorboard --logdir logs``.

    Args:
        log_dir: the folder for the event files.
        histogram_freq: every this many epochs, log a histogram of each
            parameter (0: never).
        update_freq: ``'epoch'``, or a number of batches between logs of the
            running batch values (``batch_loss``, ...).

    >>> import ember
    >>> ember.callbacks.TensorBoard("logs").update_freq
    'epoch'
    """

    def __init__(
        self,
        log_dir: str | os.PathLike = "logs",
        histogram_freq: int = 0,
        update_freq: str | int = "epoch",
    ) -> None:
        super().__init__()
        if update_freq != "epoch" and not (isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(
                f"TensorBoard: update_freq must be 'epoch' or a positive number of batches, "
                f"got {update_freq!r}"
            )
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.update_freq = update_freq
        self._writers: dict[str, Any] = {}
        self._step = 0

    def _writer(self, run: str) -> Any:
        if run not in self._writers:
            self._writers[run] = SummaryWriter(os.path.join(self.log_dir, run))
        return self._writers[run]

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Open the training run's writer."""
        self._step = 0
        self._writer("train")

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Log the running batch values every ``update_freq`` batches."""
        self._step += 1
        if self.update_freq == "epoch" or self._step % self.update_freq:
            return
        writer = self._writer("train")
        names = self.params.get("metrics")
        for key, value in _scalars(logs).items():
            if names is None or key in names:
                writer.add_scalar(f"batch_{key}", value, self._step)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Log each value to its run; histograms every ``histogram_freq`` epochs."""
        scalars = _scalars(logs)
        if "learning_rate" not in scalars and getattr(self.model, "optimizer", None) is not None:
            scalars["learning_rate"] = float(self.model.optimizer.param_groups[0]["lr"])
        for key, value in scalars.items():
            run, tag = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            self._writer(run).add_scalar(f"epoch_{tag}", value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            writer = self._writer("train")
            for name, param in self.model.network.named_parameters():
                writer.add_histogram(name, param.detach(), epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs: dict | None = None) -> None:
        """Close the writers."""
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def _scalars(logs: dict | None) -> dict[str, float]:
    return {
        key: float(value)
        for key, value in (logs or {}).items()
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    }


class ProgbarLogger(Callback):
    """Shows the progress of ``fit``, ``evaluate`` and ``predict`` (``fit`` adds one).

    The verbosity comes from ``params["verbose"]``: 1 a live bar per epoch, 2 one
    line per epoch, 0 nothing. Validation inside ``fit`` shows no bar of its
    own; its values join the epoch's line.
    """

    def __init__(self) -> None:
        super().__init__()
        self._bar: Progbar | None = None
        self._in_fit = False

    def _open(self, title: str) -> None:
        verbose = self.params.get("verbose", 1)
        self._bar = Progbar(self.params.get("steps"), verbose=verbose, title=title)

    def _shown(self, logs: dict | None) -> dict:
        """The loss and metrics only: other callbacks may add their own keys to the logs."""
        names = self.params.get("metrics")
        if names is None or logs is None:
            return logs or {}
        return {key: logs[key] for key in names if key in logs}

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Mark that evaluations from now on are validation."""
        self._in_fit = True

    def on_train_end(self, logs: dict | None = None) -> None:
        """End of fit."""
        self._in_fit = False

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Start the epoch's bar."""
        self._open(f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}")

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Advance the bar."""
        if self._bar is not None:
            self._bar.update(batch + 1, self._shown(logs))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Finish the bar with the epoch's values, validation included."""
        if self._bar is not None:
            self._bar.finish(self._shown(logs))
            self._bar = None

    def on_test_begin(self, logs: dict | None = None) -> None:
        """Start a bar for ``evaluate`` (not for validation inside ``fit``)."""
        if not self._in_fit:
            self._open("Evaluate")

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Advance the bar."""
        if not self._in_fit and self._bar is not None:
            self._bar.update(batch + 1, self._shown(logs))

    def on_test_end(self, logs: dict | None = None) -> None:
        """Finish the bar with the results."""
        if not self._in_fit and self._bar is not None:
            self._bar.finish(self._shown(logs))
            self._bar = None

    def on_predict_begin(self, logs: dict | None = None) -> None:
        """Start a bar for ``predict`` (shown with ``verbose=1`` only)."""
        if self.params.get("verbose", 1) == 1:
            self._open("Predict")

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Advance the bar."""
        if self._bar is not None:
            self._bar.update(batch + 1)

    def on_predict_end(self, logs: dict | None = None) -> None:
        """Close the bar."""
        if self._bar is not None:
            self._bar.finish()
            self._bar = None
