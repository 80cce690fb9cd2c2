"""``Model`` and ``Sequential``: Keras's one-call training on any ``ember.nn.Module``.

``Model(net)`` wraps an existing module (or subclass ``Model`` and define
``forward`` as for any module); ``compile`` picks the optimizer, loss and
metrics; ``fit`` trains, ``evaluate`` scores and ``predict`` runs the model on
new data, in batches, with progress bars and callbacks, as in Keras.

>>> import ember
>>> _ = ember.manual_seed(0)
>>> x = ember.randn(64, 2)
>>> y = (x[:, 0] > 0).long()
>>> model = ember.Sequential([ember.nn.Linear(2, 2)])
>>> model.compile(optimizer=ember.optim.Adam(model.parameters(), lr=0.1),
...               loss="cross_entropy", metrics=["accuracy"])
>>> history = model.fit(x, y, batch_size=16, epochs=20, verbose=0)
>>> history.history["accuracy"][-1] > 0.9
True
>>> model.predict(x[:3]).shape
(3, 2)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy

from ember import dtypes, optim
from ember.autograd import no_grad
from ember.errors import caller
from ember.nn import Module
from ember.nn import Sequential as _ModuleChain
from ember.ops.shape import cat
from ember.tensor import Tensor
from ember.train import losses as _losses
from ember.train import metrics as _metrics
from ember.train.callbacks import CallbackList, History, ProgbarLogger
from ember.train.data_adapter import Batches, class_sample_weights, make_batches, split_arrays
from ember.train.progress import resolve_verbose
from ember.train.summary import example_inputs, summarize

__all__ = ["Model", "Sequential"]

# Keras's default learning rates; every other setting is the ember.optim (PyTorch) default.
_OPTIMIZERS = {
    "sgd": (optim.SGD, 0.01),
    "adam": (optim.Adam, 0.001),
    "adamw": (optim.AdamW, 0.001),
    "rmsprop": (optim.RMSprop, 0.001),
    "adagrad": (optim.Adagrad, 0.001),
    "adadelta": (optim.Adadelta, 0.001),
    "adamax": (optim.Adamax, 0.001),
    "nadam": (optim.NAdam, 0.001),
    "radam": (optim.RAdam, 0.001),
    "lion": (optim.Lion, 0.001),
}
_LOGIT_LOSSES = ("bce_with_logits", "binary_cross_entropy_with_logits")
_BINARY_LOSSES = ("binary_cross_entropy", "binary_crossentropy", *_LOGIT_LOSSES)
# Metric names that read a binary decision from one score per sample: with a logit
# loss the decision is at 0, not at the probability 0.5.
_THRESHOLDED = ("binary_accuracy", "precision", "recall", "f1", "f1_score", "confusion_matrix")


def _fail(method: str, message: str, kind: type[Exception] = ValueError) -> Exception:
    return kind(f"{method}: {message} (called from {caller(3)})")


def _outputs(value: Any) -> list[Tensor]:
    return list(value) if isinstance(value, (tuple, list)) else [value]


class Model(Module):
    """A module with Keras's ``compile``, ``fit``, ``evaluate``, ``predict`` and ``summary``.

    Args:
        module: the network to train; None when subclassing ``Model`` and
            defining ``forward`` (and the layers) yourself.

    When wrapping, ``state_dict()`` and ``load_state_dict()`` are the wrapped
    network's, so a checkpoint loads into the bare network and back.

    Attributes:
        optimizer: the ``ember.optim`` optimizer set by ``compile``.
        history: the ``History`` of the last ``fit``.
        stop_training: set to True (by a callback) to end ``fit`` after the
            current batch.

    Raises:
        TypeError: if ``module`` is not an ``ember.nn.Module``.
    """

    def __init__(self, module: Module | None = None) -> None:
        super().__init__()
        if module is not None and not isinstance(module, Module):
            raise _fail(
                "Model", f"expected an ember.nn.Module, got {type(module).__name__}", TypeError
            )
        if module is not None:
            self.module = module
        self.optimizer: Any = None
        self.compiled_loss: _losses.CompiledLoss | None = None
        self.compiled_metrics: list[_metrics.Metric] = []
        self.jit_compile: bool | str = "auto"
        self.history: History | None = None
        self.stop_training = False
        self._loss_tracker = _metrics.Mean(name="loss")
        self._callbacks = CallbackList()
        self._batch = 0
        self._batch_logs: dict[str, Any] = {}
        self._example: tuple[Tensor, ...] | None = None

    # ------------------------------------------------------------------ network
    @property
    def network(self) -> Module:
        """The module being trained: the wrapped one, or the model itself when subclassed."""
        wrapped = self._modules.get("module")
        return self if wrapped is None else wrapped

    def _wraps(self) -> bool:
        return self._modules.get("module") is not None

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the wrapped network; a subclass of ``Model`` defines its own."""
        if not self._wraps():
            raise NotImplementedError(
                f"{type(self).__name__} has no forward: pass a module, ember.Model(net), or "
                "define forward() in your Model subclass"
            )
        return self.module(*args, **kwargs)

    def state_dict(self, *args: Any, **kwargs: Any) -> Any:
        """The parameters and buffers by name (the wrapped network's names when wrapping)."""
        if self._wraps():
            return self.module.state_dict(*args, **kwargs)
        return super().state_dict(*args, **kwargs)

    def load_state_dict(self, state_dict: Mapping[str, Any], *args: Any, **kwargs: Any) -> Any:
        """Load ``state_dict`` (keys as ``state_dict()`` gives them) in place."""
        if self._wraps():
            return self.module.load_state_dict(state_dict, *args, **kwargs)
        return super().load_state_dict(state_dict, *args, **kwargs)

    def get_weights(self) -> list[numpy.ndarray]:
        """Copies of the weights (parameters and buffers), in ``state_dict`` order."""
        return [value.data.copy() for value in self.state_dict().values()]

    def set_weights(self, weights: list[Any]) -> None:
        """Load weights from ``get_weights()`` back into the model, in place.

        Raises:
            ValueError: if the number of arrays differs from ``state_dict()``'s.
        """
        keys = list(self.state_dict())
        if len(keys) != len(weights):
            raise _fail(
                "set_weights",
                f"expected {len(keys)} arrays (one per state_dict entry), got {len(weights)}",
            )
        self.load_state_dict(dict(zip(keys, weights, strict=True)))

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        optimizer: str | optim.Optimizer = "rmsprop",
        loss: Any = None,
        metrics: Iterable[Any] | None = None,
        jit: bool | str = "auto",
    ) -> None:
        """Choose how to train: the optimizer, the loss and the metrics to report.

        Args:
            optimizer: an ``ember.optim`` optimizer over this model's parameters,
                or a name (``"sgd"``, ``"adam"``, ``"adamw"``, ``"rmsprop"``,
                ``"adagrad"``, ``"adadelta"``, ``"adamax"``, ``"nadam"``,
                ``"radam"``, ``"lion"``) built with Keras's default learning rate
                (0.01 for SGD, 0.001 for the rest) and PyTorch's other defaults.
            loss: a name (``"cross_entropy"``, ``"sparse_categorical_crossentropy"``,
                ``"categorical_crossentropy"``, ``"mse"``, ``"mae"``/``"l1"``,
                ``"binary_cross_entropy"``, ``"bce_with_logits"``, ``"huber"``,
                ``"smooth_l1"``, ``"nll"``), an ``ember.nn`` loss module, or a
                callable ``loss(y_pred, y_true)``. Classification losses take
                logits, as in PyTorch (see ``ember.train.losses``).
            metrics: names (``"accuracy"``, ``"binary_accuracy"``,
                ``"top_k_accuracy"``, ``"precision"``, ``"recall"``, ``"f1"``,
                ``"auc"``, ``"mae"``, ``"mse"``, ``"confusion_matrix"``),
                ``ember.metrics`` objects, or functions ``fn(y_true, y_pred)``.
                ``"accuracy"`` follows the loss, as in Keras: binary accuracy for
                binary losses, categorical for ``"categorical_crossentropy"``;
                with ``"bce_with_logits"`` the thresholded metrics cut at 0.
            jit: ``"auto"``, True or False. Accepted for Keras compatibility;
                training currently runs eagerly whatever the value, until
                ``ember.jit`` can compile a training step.

        Raises:
            ValueError: for an unknown optimizer, loss or metric name, or a bad ``jit``.
        """
        if jit not in ("auto", True, False):
            raise _fail("compile", f"jit must be 'auto', True or False, got {jit!r}")
        self.jit_compile = jit
        self.optimizer = self._build_optimizer(optimizer)
        self.compiled_loss = None if loss is None else _losses.get(loss)
        loss_name = loss if isinstance(loss, str) else None
        self.compiled_metrics = []
        names = {"loss"}
        for identifier in metrics or ():
            metric = self._build_metric(identifier, loss_name)
            name, suffix = metric.name, 1
            while metric.name in names:
                metric.name = f"{name}_{suffix}"
                suffix += 1
            names.add(metric.name)
            self.compiled_metrics.append(metric)

    def _build_optimizer(self, optimizer: Any) -> optim.Optimizer:
        if isinstance(optimizer, optim.Optimizer):
            return optimizer
        if isinstance(optimizer, str) and optimizer.lower() in _OPTIMIZERS:
            kind, lr = _OPTIMIZERS[optimizer.lower()]
            parameters = [p for p in self.parameters() if p.requires_grad]
            if not parameters:
                raise _fail("compile", "the model has no trainable parameters")
            return kind(parameters, lr=lr)
        raise _fail(
            "compile",
            f"unknown optimizer {optimizer!r}: pass an ember.optim optimizer or one of "
            f"{', '.join(_OPTIMIZERS)}",
        )

    @staticmethod
    def _build_metric(identifier: Any, loss_name: str | None) -> _metrics.Metric:
        if not isinstance(identifier, str):
            return _metrics.get(identifier)
        logits = loss_name in _LOGIT_LOSSES
        if identifier in ("accuracy", "acc"):
            if loss_name in _BINARY_LOSSES:
                return _metrics.BinaryAccuracy(threshold=0.0 if logits else 0.5, name=identifier)
            if loss_name == "categorical_crossentropy":
                return _metrics.CategoricalAccuracy(name=identifier)
        if identifier in _THRESHOLDED and logits:
            return _metrics.get(identifier, threshold=0.0)
        try:
            return _metrics.get(identifier)
        except ValueError as err:
            raise _fail("compile", str(err)) from None

    @property
    def metrics_names(self) -> list[str]:
        """``["loss", *metric names]``: the order of ``evaluate``'s list."""
        return ["loss", *(m.name for m in self.compiled_metrics)]

    def reset_metrics(self) -> None:
        """Reset the loss tracker and every metric."""
        self._loss_tracker.reset_state()
        for metric in self.compiled_metrics:
            metric.reset_state()

    def _check_compiled(self, method: str) -> None:
        if self.optimizer is None or self.compiled_loss is None:
            raise _fail(
                method,
                "the model must be compiled with an optimizer and a loss first: "
                'model.compile(optimizer="adam", loss="cross_entropy")',
                RuntimeError,
            )

    def _float_dtype(self) -> numpy.dtype:
        for parameter in self.parameters():
            if parameter.data.dtype.kind == "f":
                return parameter.data.dtype
        return dtypes.get_default_dtype().np

    # -------------------------------------------------------------------- steps
    def compute_loss(self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        """The training loss of one batch; override for losses that need more than (y, y_pred).

        Raises:
            ValueError: if there are no targets ``y``.
        """
        if y is None:
            raise _fail(
                "fit",
                "no targets: pass y, or a dataset/loader yielding (x, y); to train "
                "without targets, override compute_loss",
            )
        return self.compiled_loss(y_pred, y, sample_weight)

    def _call(self, x: Any) -> Any:
        return self(*x) if isinstance(x, tuple) else self(x)

    def _track(self, loss: Tensor, y: Any, y_pred: Any, size: int) -> dict[str, Any]:
        self._loss_tracker.update_state(loss.item(), sample_weight=size)
        if y is not None:
            prediction = _outputs(y_pred)[0].detach()
            for metric in self.compiled_metrics:
                metric.update_state(y, prediction)
        return self._results()

    def _results(self) -> dict[str, Any]:
        logs = {"loss": self._loss_tracker.result()}
        logs.update((m.name, m.result()) for m in self.compiled_metrics)
        return logs

    @staticmethod
    def _size(x: Any) -> int:
        first = x[0] if isinstance(x, tuple) else x
        return first.shape[0] if first.ndim else 1

    def train_step(self, data: tuple) -> dict[str, Any]:
        """One optimizer step on a batch ``(x, y, sample_weight)``; returns the running logs.

        Between ``backward`` and the optimizer step the callbacks'
        ``on_after_backward`` runs, and ``on_after_optimizer_step`` right after it.
        """
        x, y, sample_weight = data
        self.optimizer.zero_grad()
        y_pred = self._call(x)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        loss.backward()
        self._callbacks.on_after_backward(self._batch, self._batch_logs)
        self.optimizer.step()
        self._callbacks.on_after_optimizer_step(self._batch, self._batch_logs)
        return self._track(loss, y, y_pred, self._size(x))

    def test_step(self, data: tuple) -> dict[str, Any]:
        """Score one batch ``(x, y, sample_weight)`` (under ``no_grad``); returns running logs."""
        x, y, sample_weight = data
        y_pred = self._call(x)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        return self._track(loss, y, y_pred, self._size(x))

    def predict_step(self, data: tuple) -> Any:
        """The model's output for one batch ``(x, ...)`` (under ``no_grad``)."""
        return self._call(data[0])

    # ---------------------------------------------------------------------- fit
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = 32,
        epochs: int = 1,
        verbose: int | str = "auto",
        callbacks: Iterable[Any] | None = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        class_weight: Mapping[int, float] | None = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
    ) -> History:
        """Train for ``epochs`` passes over the data; returns the ``History``.

        Args:
            x: inputs (a NumPy array, an Ember tensor, a tuple of them for a
                model with several inputs), or a ``Dataset`` or ``DataLoader``
                (or any iterable of batches) yielding ``(x, y)``; y is then None.
            y: targets matching ``x`` in length.
            batch_size: samples per step (for arrays and Datasets).
            epochs: the epoch to stop at (with ``initial_epoch``, as in Keras).
            verbose: 0 silent, 1 a progress bar per epoch, 2 one line per
                epoch, ``"auto"``: 1 on a terminal, else 2.
            callbacks: ``ember.callbacks`` objects; ``History`` and
                ``ProgbarLogger`` are added.
            validation_split: the fraction of the samples held out for
                validation: the last ones, taken before shuffling (Keras's rule).
            validation_data: ``(x_val, y_val)``, ``(x_val, y_val, weights)``, or
                a Dataset/DataLoader, scored after each epoch (``val_`` logs).
            shuffle: reshuffle the training arrays each epoch (with Ember's seeded
                generator: ``ember.manual_seed`` makes runs repeat).
            class_weight: ``{class: weight}``, multiplying the loss of each
                sample of that class (classes absent weigh 1).
            sample_weight: a weight per training sample (arrays only).
            initial_epoch: the epoch to start from (to resume a run).
            steps_per_epoch: batches per epoch (default: the whole data).
            validation_steps: batches per validation (default: all).
            validation_batch_size: batch size for validation (default: ``batch_size``).
            validation_freq: validate every this many epochs.

        Returns:
            The ``History``: ``history.history["loss"]``, ``["val_loss"]``, ...

        Raises:
            RuntimeError: if the model is not compiled.
            ValueError: for data that does not fit (mismatched lengths, a
                ``y`` with a DataLoader, ``validation_split`` with a DataLoader).
        """
        self._check_compiled("fit")
        float_dtype = self._float_dtype()
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = split_arrays(
                "fit", x, y, sample_weight, validation_split
            )
        train = make_batches(
            "fit",
            x,
            y,
            sample_weight,
            batch_size=batch_size,
            shuffle=shuffle,
            steps=steps_per_epoch,
            float_dtype=float_dtype,
        )
        validation = None
        if validation_data is not None:
            validation = self._validation_batches(
                validation_data, validation_batch_size or batch_size, validation_steps, float_dtype
            )
        verbose = resolve_verbose(verbose)
        history = History()
        callback_list = self._callback_list(callbacks, verbose, history)
        shown = self.metrics_names
        callback_list.set_params(
            {
                "verbose": verbose,
                "epochs": epochs,
                "steps": train.steps,
                "metrics": [*shown, *(f"val_{n}" for n in shown)] if validation else shown,
            }
        )
        self.history = next(c for c in callback_list if isinstance(c, History))
        self.stop_training = False
        was_training = self.training
        self._callbacks = callback_list
        epoch_logs: dict[str, Any] = {}
        try:
            callback_list.on_train_begin()
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                self.train()
                callback_list.on_epoch_begin(epoch)
                for step, (batch_x, batch_y, weights) in enumerate(train.epoch()):
                    if self._example is None:
                        self._remember_example(batch_x)
                    if class_weight is not None and batch_y is not None:
                        per_class = class_sample_weights(batch_y, class_weight)
                        weights = per_class if weights is None else weights * per_class
                    self._batch, self._batch_logs = step, {}
                    callback_list.on_train_batch_begin(step, self._batch_logs)
                    self._batch_logs.update(self.train_step((batch_x, batch_y, weights)))
                    callback_list.on_train_batch_end(step, self._batch_logs)
                    if self.stop_training:
                        break
                epoch_logs = self._results()
                if validation is not None and (epoch + 1) % validation_freq == 0:
                    scores = self._evaluate(validation, callback_list)
                    epoch_logs.update((f"val_{k}", v) for k, v in scores.items())
                callback_list.on_epoch_end(epoch, epoch_logs)
                if self.stop_training:
                    break
            callback_list.on_train_end(epoch_logs)
        finally:
            self._callbacks = CallbackList()
            self.train(was_training)
        return self.history

    def _validation_batches(
        self, data: Any, batch_size: int | None, steps: int | None, float_dtype: Any
    ) -> Batches:
        if isinstance(data, tuple) and len(data) in (2, 3):
            weights = data[2] if len(data) == 3 else None
            return make_batches(
                "fit",
                data[0],
                data[1],
                weights,
                batch_size=batch_size,
                steps=steps,
                float_dtype=float_dtype,
            )
        return make_batches(
            "fit", data, batch_size=batch_size, steps=steps, float_dtype=float_dtype
        )

    def _callback_list(
        self, callbacks: Any, verbose: int, history: History | None = None
    ) -> CallbackList:
        given = list(callbacks or ())
        if history is not None and not any(isinstance(c, History) for c in given):
            given.append(history)
        if verbose and not any(isinstance(c, ProgbarLogger) for c in given):
            given.append(ProgbarLogger())
        return CallbackList(given, model=self)

    def _remember_example(self, x: Any) -> None:
        # summary() without arguments shows shapes for the data the model was fitted on.
        inputs = x if isinstance(x, tuple) else (x,)
        self._example = tuple(Tensor(t.data[:1].copy()) for t in inputs)

    # ----------------------------------------------------------------- evaluate
    def _evaluate(self, batches: Any, callback_list: CallbackList) -> dict[str, Any]:
        was_training = self.training
        self.eval()
        self.reset_metrics()
        logs: dict[str, Any] = {}
        callback_list.on_test_begin()
        try:
            with no_grad():
                for step, batch in enumerate(batches.epoch()):
                    callback_list.on_test_batch_begin(step)
                    logs = self.test_step(batch)
                    callback_list.on_test_batch_end(step, logs)
        finally:
            self.train(was_training)
        logs = self._results()
        callback_list.on_test_end(logs)
        return logs

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = 32,
        verbose: int | str = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: Iterable[Any] | None = None,
        return_dict: bool = False,
    ) -> Any:
        """The loss and metrics on ``(x, y)``, in evaluation mode and without gradients.

        Args:
            x, y: as in ``fit``.
            batch_size: samples per step.
            verbose: 0 silent, 1 a progress bar, 2 one line at the end.
            sample_weight: a weight per sample for the loss.
            steps: batches to score (default: all).
            callbacks: callbacks whose ``on_test_*`` hooks run.
            return_dict: return ``{"loss": ..., "accuracy": ...}``.

        Returns:
            The loss alone when there are no metrics, else ``[loss, *metrics]``
            (Keras's rule), or the dict.

        Raises:
            RuntimeError: if the model is not compiled.
        """
        self._check_compiled("evaluate")
        batches = make_batches(
            "evaluate",
            x,
            y,
            sample_weight,
            batch_size=batch_size,
            steps=steps,
            float_dtype=self._float_dtype(),
        )
        verbose = resolve_verbose(verbose)
        callback_list = self._callback_list(callbacks, verbose)
        callback_list.set_params(
            {"verbose": verbose, "steps": batches.steps, "metrics": self.metrics_names}
        )
        logs = self._evaluate(batches, callback_list)
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names]
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------------------ predict
    def predict(
        self,
        x: Any,
        batch_size: int | None = 32,
        verbose: int | str = "auto",
        steps: int | None = None,
        callbacks: Iterable[Any] | None = None,
    ) -> Any:
        """The model's outputs for ``x``, batch by batch, joined along the first dimension.

        Runs in evaluation mode under ``no_grad``. ``x`` may be a DataLoader
        yielding ``(x, y)``: the targets are ignored.

        Args:
            x: inputs, as in ``fit``.
            batch_size: samples per step.
            verbose: 1 shows a progress bar; otherwise nothing is printed.
            steps: batches to run (default: all).
            callbacks: callbacks whose ``on_predict_*`` hooks run.

        Returns:
            An Ember tensor (a tuple of them for a model with several outputs).

        Raises:
            ValueError: if there is no data.
        """
        batches = make_batches(
            "predict", x, batch_size=batch_size, steps=steps, float_dtype=self._float_dtype()
        )
        verbose = resolve_verbose(verbose)
        callback_list = self._callback_list(callbacks, verbose)
        callback_list.set_params({"verbose": verbose, "steps": batches.steps})
        parts: list[list[Tensor]] = []
        was_training = self.training
        self.eval()
        callback_list.on_predict_begin()
        try:
            with no_grad():
                for step, batch in enumerate(batches.epoch()):
                    callback_list.on_predict_batch_begin(step)
                    outputs = self.predict_step(batch)
                    parts.append(_outputs(outputs))
                    callback_list.on_predict_batch_end(step, {"outputs": outputs})
        finally:
            self.train(was_training)
        callback_list.on_predict_end()
        if not parts:
            raise _fail("predict", "there is no data to predict on")
        joined = [cat(column) for column in zip(*parts, strict=True)]
        return joined[0] if not isinstance(outputs, (tuple, list)) else tuple(joined)

    # ------------------------------------------------------------------ summary
    def summary(self, input_size: Any = None, print_fn: Any = print) -> str:
        """Print and return a table of the layers: output shapes, parameters, FLOPs, memory.

        Args:
            input_size: a shape with the batch (``(1, 784)``), a list of shapes
                for several inputs, or example tensors. None uses one sample of
                the data last given to ``fit``, or shows parameters only.
            print_fn: called with the text (None: print nothing).

        Returns:
            The table as a string.

        >>> import ember
        >>> model = ember.Sequential([ember.nn.Linear(4, 3), ember.nn.ReLU()])
        >>> text = model.summary((1, 4), print_fn=None)
        >>> "Total params: 15" in text
        True
        """
        example = example_inputs(input_size, self._float_dtype()) or self._example
        text = summarize(self.network, example, type(self.network).__name__)
        if print_fn is not None:
            print_fn(text)
        return text


class Sequential(Model):
    """A ``Model`` over a plain chain of layers, built from a list as in Keras.

    ``state_dict()`` keys are those of ``ember.nn.Sequential`` (``"0.weight"``),
    which differs from ``ember.Sequential`` only in adding the training API.

    Args:
        layers: the modules, in order.

    >>> import ember
    >>> model = ember.Sequential([ember.nn.Linear(4, 8), ember.nn.ReLU()])
    >>> model.add(ember.nn.Linear(8, 2))
    >>> model(ember.zeros(1, 4)).shape
    (1, 2)
    >>> list(model.state_dict())
    ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, layers: Iterable[Module] | None = None) -> None:
        layers = list(layers or ())
        for layer in layers:
            if not isinstance(layer, Module):
                raise _fail(
                    "Sequential",
                    f"layers must be ember.nn modules, got {type(layer).__name__}",
                    TypeError,
                )
        super().__init__(_ModuleChain(*layers))

    def add(self, layer: Module) -> None:
        """Append a layer at the end.

        Raises:
            TypeError: if ``layer`` is not a module.
        """
        if not isinstance(layer, Module):
            raise _fail(
                "Sequential.add",
                f"expected an ember.nn module, got {type(layer).__name__}",
                TypeError,
            )
        self.module.append(layer)

    @property
    def layers(self) -> list[Module]:
        """The layers, in order."""
        return list(self.module)

    def __len__(self) -> int:
        return len(self.module)

    def __getitem__(self, index: int) -> Module:
        return self.module[index]
