"""Keras-style metrics: stateful objects fed one batch at a time.

Each metric keeps sums of counts (never an average of per-batch ratios), so its
``result()`` after any split of the data into batches equals the value computed
on all of it at once. Predictions are read as they come out of an Ember model:
class scores along dimension 1 (``(N, C)`` or ``(N, C, d1, ...)``, logits or
probabilities) against class indices, or one value per sample against a
binary target.

>>> import ember
>>> m = ember.metrics.Accuracy()
>>> m.update_state(ember.tensor([0, 1]), ember.tensor([[2.0, 1.0], [3.0, 0.0]]))
>>> m.update_state(ember.tensor([1]), ember.tensor([[0.0, 1.0]]))
>>> round(m.result(), 4)
0.6667
"""

from __future__ import annotations

from typing import Any

import numpy

from ember.errors import ShapeError, caller
from ember.tensor import Tensor

__all__ = [
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "ConfusionMatrix",
    "F1Score",
    "Mean",
    "MeanAbsoluteError",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "Metric",
    "Precision",
    "Recall",
    "TopKCategoricalAccuracy",
    "get",
]

_AVERAGES = ("binary", "macro", "micro", "weighted")


def _numpy(value: Any) -> numpy.ndarray:
    """The values of a Tensor, array or list as a NumPy array (copied off a GPU)."""
    data = value.data if isinstance(value, Tensor) else value
    if hasattr(data, "get") and not isinstance(data, numpy.ndarray):
        data = data.get()
    return numpy.asarray(data)


def _fail(metric: str, message: str) -> ShapeError:
    return ShapeError(f"{metric}: {message} (called from {caller(3)})")


def _weights(metric: str, sample_weight: Any, shape: tuple[int, ...]) -> numpy.ndarray:
    """Per-sample (or per-element) weights broadcast to ``shape``; ones when absent."""
    if sample_weight is None:
        return numpy.ones(shape)
    weights = _numpy(sample_weight).astype(numpy.float64)
    # Per-sample weights of shape (N,) stretch over the remaining dimensions.
    weights = weights.reshape(weights.shape + (1,) * (len(shape) - weights.ndim))
    try:
        return numpy.broadcast_to(weights, shape)
    except ValueError:
        raise _fail(
            metric, f"sample_weight of shape {weights.shape} does not fit values of shape {shape}"
        ) from None


def _squeeze_last(y_true: numpy.ndarray, y_pred: numpy.ndarray) -> tuple[numpy.ndarray, ...]:
    """Drop a trailing size-1 dimension that only one of the two has: ``(N, 1)`` vs ``(N,)``."""
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred[..., 0]
    elif y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return y_true, y_pred


class Metric:
    """Base class of metrics: ``update_state`` per batch, ``result`` at the end.

    Subclasses implement ``update_state``, ``result`` and ``reset_state``.
    Calling a metric updates it and returns the running result.

    Args:
        name: the key under which ``fit`` logs the metric.
    """

    name = "metric"

    def __init__(self, name: str | None = None) -> None:
        if name is not None:
            self.name = name
        self.reset_state()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add one batch of targets and predictions."""
        raise NotImplementedError(f"{type(self).__name__} must define update_state")

    def result(self) -> Any:
        """The metric over everything seen since the last ``reset_state``."""
        raise NotImplementedError(f"{type(self).__name__} must define result")

    def reset_state(self) -> None:
        """Forget everything seen so far (``fit`` calls it at each epoch's start)."""
        raise NotImplementedError(f"{type(self).__name__} must define reset_state")

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class _MeanOf(Metric):
    """A weighted mean of per-element values that subclasses compute from each batch."""

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def _values(self, y_true: numpy.ndarray, y_pred: numpy.ndarray) -> numpy.ndarray:
        raise NotImplementedError

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add one batch: ``sample_weight`` weighs samples (shape ``(N,)``) or elements."""
        values = self._values(_numpy(y_true), _numpy(y_pred))
        weights = _weights(self.name, sample_weight, values.shape)
        self.total += float((values * weights).sum())
        self.count += float(weights.sum())

    def result(self) -> float:
        """The weighted mean so far (0.0 before any update)."""
        return self.total / self.count if self.count else 0.0


class Mean(_MeanOf):
    """The weighted mean of the values given to ``update_state(values, sample_weight)``.

    ``fit`` tracks the loss with it, weighting each batch by its size.

    >>> import ember
    >>> m = ember.metrics.Mean()
    >>> m.update_state([1.0, 2.0]); m.update_state(6.0)
    >>> m.result()
    3.0
    """

    name = "mean"

    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        """Add values (a number or an array), each weighted by ``sample_weight``."""
        values = _numpy(values).astype(numpy.float64)
        weights = _weights(self.name, sample_weight, values.shape)
        self.total += float((values * weights).sum())
        self.count += float(weights.sum())

    def __call__(self, values: Any, sample_weight: Any = None) -> float:  # type: ignore[override]
        self.update_state(values, sample_weight)
        return self.result()


class Accuracy(_MeanOf):
    """The fraction of correct predictions.

    Class scores ``(N, C, ...)`` (logits or probabilities) against class indices
    ``(N, ...)`` compare the argmax over dimension 1; predictions of the target's
    shape compare values for equality.

    >>> import ember
    >>> ember.metrics.Accuracy()(ember.tensor([1, 2]), ember.tensor([1, 0]))
    0.5
    """

    name = "accuracy"

    def _values(self, y_true: numpy.ndarray, y_pred: numpy.ndarray) -> numpy.ndarray:
        if y_pred.ndim == y_true.ndim + 1 and y_pred.ndim >= 2 and y_pred.shape[1] > 1:
            y_pred = y_pred.argmax(axis=1)
        y_true, y_pred = _squeeze_last(y_true, y_pred)
        if y_true.shape != y_pred.shape:
            raise _fail(
                self.name,
                f"targets of shape {y_true.shape} do not match predictions of shape "
                f"{y_pred.shape}: expected class scores (N, C, ...) for targets (N, ...), "
                "or predictions of the targets' shape",
            )
        return (y_true == y_pred).astype(numpy.float64)


class CategoricalAccuracy(_MeanOf):
    """Accuracy against one-hot (or probability) targets: argmax of both over dimension 1.

    >>> import ember
    >>> ember.metrics.CategoricalAccuracy()([[0.0, 1.0]], [[0.2, 0.8]])
    1.0
    """

    name = "categorical_accuracy"

    def _values(self, y_true: numpy.ndarray, y_pred: numpy.ndarray) -> numpy.ndarray:
        if y_true.shape != y_pred.shape or y_pred.ndim < 2:
            raise _fail(
                self.name,
                f"expected one-hot targets of the predictions' shape (N, C, ...), got "
                f"targets {y_true.shape} and predictions {y_pred.shape}",
            )
        return (y_true.argmax(axis=1) == y_pred.argmax(axis=1)).astype(numpy.float64)


class BinaryAccuracy(_MeanOf):
    """The fraction of elements whose thresholded prediction equals the 0/1 target.

    Multi-label targets ``(N, L)`` count every label. A prediction counts as 1
    when it is greater than ``threshold``.

    Args:
        threshold: 0.5 for probabilities; 0.0 for logits.

    >>> import ember
    >>> ember.metrics.BinaryAccuracy()([1, 0, 1], [0.9, 0.2, 0.4])
    0.6666666666666666
    """

    name = "binary_accuracy"

    def __init__(self, threshold: float = 0.5, name: str | None = None) -> None:
        self.threshold = threshold
        super().__init__(name)

    def _values(self, y_true: numpy.ndarray, y_pred: numpy.ndarray) -> numpy.ndarray:
        y_true, y_pred = _squeeze_last(y_true, y_pred)
        if y_true.shape != y_pred.shape:
            raise _fail(
                self.name, f"targets {y_true.shape} and predictions {y_pred.shape} differ in shape"
            )
        return ((y_pred > self.threshold) == (y_true > 0.5)).astype(numpy.float64)


class TopKCategoricalAccuracy(_MeanOf):
    """The fraction of samples whose true class is among the ``k`` highest scores.

    Targets are class indices ``(N,)`` or one-hot ``(N, C)``; predictions are
    scores ``(N, C)``. A class counts as in the top ``k`` when fewer than ``k``
    classes score strictly higher.

    Args:
        k: how many of the highest scores count.

    >>> import ember
    >>> m = ember.metrics.TopKCategoricalAccuracy(k=2)
    >>> m([2, 0], [[0.1, 0.5, 0.4], [0.1, 0.5, 0.4]])
    0.5
    """

    name = "top_k_accuracy"

    def __init__(self, k: int = 5, name: str | None = None) -> None:
        self.k = k
        super().__init__(name)

    def _values(self, y_true: numpy.ndarray, y_pred: numpy.ndarray) -> numpy.ndarray:
        if y_true.shape == y_pred.shape:
            y_true = y_true.argmax(axis=1)
        if y_pred.ndim != 2 or y_true.shape != y_pred.shape[:1]:
            raise _fail(
                self.name,
                f"expected scores (N, C) and targets (N,) or (N, C), got predictions "
                f"{y_pred.shape} and targets {y_true.shape}",
            )
        labels = y_true.astype(numpy.int64)
        true_scores = numpy.take_along_axis(y_pred, labels[:, None], axis=1)
        higher = (y_pred > true_scores).sum(axis=1)
        return (higher < self.k).astype(numpy.float64)


class MeanAbsoluteError(_MeanOf):
    """The mean of ``|y_true - y_pred|`` over every element.

    >>> import ember
    >>> ember.metrics.MeanAbsoluteError()([1.0, 2.0], [1.5, 1.0])
    0.75
    """

    name = "mae"

    def _values(self, y_true: numpy.ndarray, y_pred: numpy.ndarray) -> numpy.ndarray:
        y_true, y_pred = _squeeze_last(y_true, y_pred)
        return numpy.abs(y_true.astype(numpy.float64) - y_pred)


class MeanSquaredError(_MeanOf):
    """The mean of ``(y_true - y_pred) ** 2`` over every element.

    >>> import ember
    >>> ember.metrics.MeanSquaredError()([1.0, 2.0], [1.5, 1.0])
    0.625
    """

    name = "mse"

    def _values(self, y_true: numpy.ndarray, y_pred: numpy.ndarray) -> numpy.ndarray:
        y_true, y_pred = _squeeze_last(y_true, y_pred)
        return numpy.square(y_true.astype(numpy.float64) - y_pred)


class ConfusionMatrix(Metric):
    """Counts of (true class, predicted class) pairs: rows are targets, columns predictions.

    Predictions are class scores ``(N, C, ...)`` (argmax over dimension 1),
    class indices of the target's shape, or, for two classes, probabilities
    compared with ``threshold``. The same layout as scikit-learn's
    ``confusion_matrix``.

    Args:
        num_classes: the number of classes; inferred from the first batch of
            scores when None.
        threshold: the cut for binary probabilities (0.0 for logits).

    >>> import ember
    >>> ember.metrics.ConfusionMatrix(2)([0, 1, 1], [0, 0, 1]).tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """

    name = "confusion_matrix"

    def __init__(
        self, num_classes: int | None = None, threshold: float = 0.5, name: str | None = None
    ) -> None:
        self.num_classes = num_classes
        self.threshold = threshold
        # A class count inferred from labels grows as larger labels turn up; a
        # given one (or one read from the scores' shape) is enforced.
        self._fixed = num_classes is not None
        super().__init__(name)

    def reset_state(self) -> None:
        self.matrix: numpy.ndarray | None = None

    def _labels(self, y_true: numpy.ndarray, y_pred: numpy.ndarray) -> tuple[numpy.ndarray, ...]:
        """Target and predicted labels of one shape; sets ``num_classes`` if unknown."""
        if y_pred.ndim == y_true.ndim + 1 and y_pred.ndim >= 2 and y_pred.shape[1] > 1:
            if not self._fixed:
                self.num_classes, self._fixed = y_pred.shape[1], True
            elif y_pred.shape[1] != self.num_classes:
                raise _fail(
                    self.name,
                    f"predictions have {y_pred.shape[1]} classes along dimension 1 but "
                    f"num_classes is {self.num_classes}",
                )
            y_pred = y_pred.argmax(axis=1)
        else:
            y_true, y_pred = _squeeze_last(y_true, y_pred)
            if y_pred.dtype.kind == "f" and self.num_classes in (None, 2):
                y_pred = y_pred > self.threshold
                self.num_classes, self._fixed = 2, True
        if y_true.shape != y_pred.shape:
            raise _fail(
                self.name,
                f"targets {y_true.shape} do not match predictions {y_pred.shape}: expected "
                "class scores (N, C, ...) or labels of the targets' shape",
            )
        y_true, y_pred = y_true.astype(numpy.int64), y_pred.astype(numpy.int64)
        if not self._fixed:
            seen = int(max(y_true.max(initial=1), y_pred.max(initial=1))) + 1
            self.num_classes = max(self.num_classes or 0, seen)
        for kind, labels in (("target", y_true), ("predicted", y_pred)):
            if labels.size and (labels.min() < 0 or labels.max() >= self.num_classes):
                raise _fail(
                    self.name,
                    f"a {kind} class lies outside [0, {self.num_classes}): got values from "
                    f"{labels.min()} to {labels.max()}",
                )
        return y_true, y_pred

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add one batch of targets and predictions (weighted by ``sample_weight``)."""
        true_labels, pred_labels = self._labels(_numpy(y_true), _numpy(y_pred))
        weights = _weights(self.name, sample_weight, true_labels.shape).ravel()
        classes = self.num_classes
        counts = numpy.bincount(
            true_labels.ravel() * classes + pred_labels.ravel(),
            weights=weights,
            minlength=classes * classes,
        ).reshape(classes, classes)
        self.matrix = counts if self.matrix is None else self._grow(self.matrix, classes) + counts

    @staticmethod
    def _grow(matrix: numpy.ndarray, classes: int) -> numpy.ndarray:
        # Labels inferred batch by batch may reveal a class seen for the first time.
        if matrix.shape[0] == classes:
            return matrix
        grown = numpy.zeros((classes, classes))
        grown[: matrix.shape[0], : matrix.shape[1]] = matrix
        return grown

    def result(self) -> numpy.ndarray:
        """The ``(C, C)`` matrix of (weighted) counts so far."""
        if self.matrix is None:
            return numpy.zeros((self.num_classes or 0,) * 2)
        return self._grow(self.matrix, self.num_classes)


class _FromConfusion(ConfusionMatrix):
    """Precision, recall and F1 read off an accumulated confusion matrix."""

    def __init__(
        self,
        average: str | None = None,
        threshold: float = 0.5,
        num_classes: int | None = None,
        name: str | None = None,
    ) -> None:
        if average is not None and average not in _AVERAGES:
            raise ValueError(
                f"{type(self).__name__}: average must be one of {_AVERAGES} or None, "
                f"got {average!r}"
            )
        self.average = average
        super().__init__(num_classes, threshold, name)

    def _scores(self, tp: numpy.ndarray, pred: numpy.ndarray, true: numpy.ndarray) -> Any:
        raise NotImplementedError

    def result(self) -> float:
        """The score so far: of class 1 for two classes (``average='binary'``), else averaged.

        ``average=None`` picks ``'binary'`` for two classes and ``'macro'``
        otherwise; a class never predicted (or never present) scores 0, as in
        scikit-learn with ``zero_division=0``.
        """
        matrix = super().result()
        if matrix.size == 0:
            return 0.0
        tp = numpy.diag(matrix)
        predicted, actual = matrix.sum(axis=0), matrix.sum(axis=1)
        average = self.average or ("binary" if matrix.shape[0] == 2 else "macro")
        if average == "binary":
            if matrix.shape[0] > 2:
                raise ValueError(
                    f"{self.name}: average='binary' needs two classes, got {matrix.shape[0]}; "
                    "use 'macro', 'micro' or 'weighted'"
                )
            return float(self._scores(tp[1:], predicted[1:], actual[1:])[0])
        if average == "micro":
            tp, predicted, actual = tp.sum(keepdims=True), predicted.sum(), actual.sum()
            return float(self._scores(tp, predicted, actual)[0])
        scores = self._scores(tp, predicted, actual)
        if average == "macro":
            return float(scores.mean())
        return float((scores * actual).sum() / actual.sum()) if actual.sum() else 0.0


def _ratio(numerator: numpy.ndarray, denominator: numpy.ndarray) -> numpy.ndarray:
    return numpy.divide(
        numerator, denominator, out=numpy.zeros(numerator.shape), where=denominator > 0
    )


class Precision(_FromConfusion):
    """Of the samples predicted as a class, the fraction that truly are.

    Binary inputs (one probability or logit per sample, 0/1 targets) give the
    precision of class 1; class scores ``(N, C)`` give an average over classes.

    Args:
        average: ``'binary'``, ``'macro'`` (unweighted mean over classes),
            ``'micro'`` (from total counts) or ``'weighted'`` (by class support);
            None picks binary for two classes, macro otherwise.
        threshold: the cut for binary predictions (0.0 for logits).
        num_classes: the number of classes (inferred when None).

    >>> import ember
    >>> ember.metrics.Precision()([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1])
    0.5
    """

    name = "precision"

    def _scores(self, tp: numpy.ndarray, pred: numpy.ndarray, true: numpy.ndarray) -> Any:
        return _ratio(tp, pred)


class Recall(_FromConfusion):
    """Of the samples of a class, the fraction predicted as that class.

    Arguments as in ``Precision``.

    >>> import ember
    >>> ember.metrics.Recall()([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1])
    0.5
    """

    name = "recall"

    def _scores(self, tp: numpy.ndarray, pred: numpy.ndarray, true: numpy.ndarray) -> Any:
        return _ratio(tp, true)


class F1Score(_FromConfusion):
    """The harmonic mean of precision and recall, ``2 tp / (2 tp + fp + fn)``.

    Arguments as in ``Precision``.

    >>> import ember
    >>> ember.metrics.F1Score(average="macro")([0, 1, 2, 2], [0, 2, 2, 1])
    0.5
    """

    name = "f1"

    def _scores(self, tp: numpy.ndarray, pred: numpy.ndarray, true: numpy.ndarray) -> Any:
        return _ratio(2 * tp, pred + true)


class AUC(Metric):
    """The area under the ROC curve of binary scores, computed exactly.

    Keras approximates the curve with 200 fixed thresholds; Ember keeps every
    score and label and computes the area from their sorted order (ties
    handled as in scikit-learn's ``roc_auc_score``), which is exact and needs
    no knowledge of the scores' range, so logits work as well as
    probabilities. Memory grows with the number of samples (16 bytes each).
    Multi-label inputs count every label as one binary decision.

    >>> import ember
    >>> ember.metrics.AUC()([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """

    name = "auc"

    def reset_state(self) -> None:
        self.scores: list[numpy.ndarray] = []
        self.labels: list[numpy.ndarray] = []
        self.weights: list[numpy.ndarray] = []

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add one batch of 0/1 targets and scores of the same shape."""
        y_true, y_pred = _squeeze_last(_numpy(y_true), _numpy(y_pred))
        if y_true.shape != y_pred.shape:
            raise _fail(
                self.name,
                f"targets {y_true.shape} and scores {y_pred.shape} differ in shape; AUC "
                "takes one score per binary target",
            )
        self.scores.append(y_pred.astype(numpy.float64).ravel())
        self.labels.append((y_true > 0.5).ravel())
        self.weights.append(_weights(self.name, sample_weight, y_true.shape).ravel())

    def result(self) -> float:
        """The area so far; 0.0 until both classes have been seen."""
        if not self.scores:
            return 0.0
        # Keep the joined arrays, so a result per batch does not re-join everything.
        self.scores = [numpy.concatenate(self.scores)]
        self.labels = [numpy.concatenate(self.labels)]
        self.weights = [numpy.concatenate(self.weights)]
        scores, labels, weights = self.scores[0], self.labels[0], self.weights[0]
        order = numpy.argsort(-scores, kind="stable")
        scores, labels, weights = scores[order], labels[order], weights[order]
        true_pos = numpy.cumsum(weights * labels)
        false_pos = numpy.cumsum(weights * ~labels)
        # One ROC point per distinct score: tied scores move the curve diagonally.
        last_of_tie = numpy.r_[numpy.flatnonzero(numpy.diff(scores)), scores.size - 1]
        tpr = numpy.r_[0.0, true_pos[last_of_tie]]
        fpr = numpy.r_[0.0, false_pos[last_of_tie]]
        if tpr[-1] <= 0 or fpr[-1] <= 0:
            return 0.0
        area = (numpy.diff(fpr) * (tpr[1:] + tpr[:-1])).sum() / 2
        return float(area / (tpr[-1] * fpr[-1]))


class MeanMetricWrapper(_MeanOf):
    """A metric from a function ``fn(y_true, y_pred)`` of per-sample (or per-element) values.

    Args:
        fn: returns an array (or Tensor) of values to average.
        name: the log key (the function's name by default).

    >>> import ember
    >>> m = ember.metrics.MeanMetricWrapper(lambda t, p: abs(p - t) < 1, name="close")
    >>> m([1.0, 5.0], [1.5, 2.0])
    0.5
    """

    def __init__(self, fn: Any, name: str | None = None) -> None:
        self.fn = fn
        super().__init__(name or getattr(fn, "__name__", "metric"))

    def _values(self, y_true: numpy.ndarray, y_pred: numpy.ndarray) -> numpy.ndarray:
        return _numpy(self.fn(y_true, y_pred)).astype(numpy.float64)


_NAMES = {
    "accuracy": Accuracy,
    "acc": Accuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "binary_accuracy": BinaryAccuracy,
    "top_k_accuracy": TopKCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "precision": Precision,
    "recall": Recall,
    "f1": F1Score,
    "f1_score": F1Score,
    "auc": AUC,
    "mae": MeanAbsoluteError,
    "mean_absolute_error": MeanAbsoluteError,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
    "confusion_matrix": ConfusionMatrix,
}


def get(identifier: str | Metric | Any, **kwargs: Any) -> Metric:
    """A metric object from its name (``"accuracy"``, ``"f1"``, ``"auc"``, ...) or itself.

    Args:
        identifier: a metric name, a ``Metric``, or a function ``fn(y_true, y_pred)``
            of per-sample values (wrapped in ``MeanMetricWrapper``).
        **kwargs: passed to the metric's constructor when built from a name.

    Raises:
        ValueError: for an unknown name (the message lists the known ones).

    >>> import ember
    >>> ember.metrics.get("mae")
    MeanAbsoluteError(name='mae')
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str) and identifier in _NAMES:
        return _NAMES[identifier](name=identifier, **kwargs)
    if callable(identifier) and not isinstance(identifier, (str, type)):
        return MeanMetricWrapper(identifier)
    raise ValueError(
        f"unknown metric {identifier!r}: pass a Metric object or one of {', '.join(sorted(_NAMES))}"
    )
