"""Metrics accumulated over uneven batches equal scikit-learn's on all the data at once."""

import numpy
import pytest
from sklearn import metrics as sk

import ember
from ember.train.metrics import (
    AUC,
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    ConfusionMatrix,
    F1Score,
    MeanAbsoluteError,
    MeanSquaredError,
    Precision,
    Recall,
    TopKCategoricalAccuracy,
)

SIZES = [7, 13, 1, 29, 50, 100]  # 200 samples in uneven batches
N, CLASSES = sum(SIZES), 4
RNG = numpy.random.default_rng(0)
LABELS = RNG.integers(0, CLASSES, size=N)
SCORES = RNG.normal(size=(N, CLASSES)) + 1.5 * numpy.eye(CLASSES)[LABELS]
BINARY = RNG.integers(0, 2, size=N)
PROBS = numpy.clip(0.5 * BINARY + 0.7 * RNG.random(N) - 0.1, 0, 1)
WEIGHTS = RNG.random(N) + 0.1


def _accumulate(metric, y_true, y_pred, weights=None, as_tensors=True):
    metric.reset_state()
    start = 0
    for size in SIZES:
        part = slice(start, start + size)
        t, p = y_true[part], y_pred[part]
        if as_tensors:
            t, p = ember.tensor(t), ember.tensor(p)
        metric.update_state(t, p, None if weights is None else weights[part])
        start += size
    return metric.result()


@pytest.mark.parametrize("weighted", [False, True])
def test_accuracy_of_class_scores(weighted):
    weights = WEIGHTS if weighted else None
    expected = sk.accuracy_score(LABELS, SCORES.argmax(1), sample_weight=weights)
    assert _accumulate(Accuracy(), LABELS, SCORES, weights) == pytest.approx(expected)
    # Predicted labels of the targets' shape compare by equality.
    assert _accumulate(Accuracy(), LABELS, SCORES.argmax(1), weights) == pytest.approx(expected)
    one_hot = numpy.eye(CLASSES)[LABELS]
    assert _accumulate(CategoricalAccuracy(), one_hot, SCORES, weights) == pytest.approx(expected)


def test_binary_accuracy_single_and_multi_label():
    expected = sk.accuracy_score(BINARY, PROBS > 0.5)
    assert _accumulate(BinaryAccuracy(), BINARY, PROBS) == pytest.approx(expected)
    assert _accumulate(BinaryAccuracy(), BINARY[:, None], PROBS[:, None]) == pytest.approx(expected)
    multi_true = RNG.integers(0, 2, size=(N, 3))
    multi_pred = RNG.random((N, 3))
    elementwise = ((multi_pred > 0.3) == multi_true).mean()
    got = _accumulate(BinaryAccuracy(threshold=0.3), multi_true, multi_pred)
    assert got == pytest.approx(elementwise)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_accuracy(k):
    expected = sk.top_k_accuracy_score(LABELS, SCORES, k=k, labels=range(CLASSES))
    assert _accumulate(TopKCategoricalAccuracy(k=k), LABELS, SCORES) == pytest.approx(expected)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    ("metric", "reference"),
    [(Precision, sk.precision_score), (Recall, sk.recall_score), (F1Score, sk.f1_score)],
)
def test_binary_precision_recall_f1(metric, reference, weighted):
    weights = WEIGHTS if weighted else None
    expected = reference(BINARY, PROBS > 0.5, sample_weight=weights)
    assert _accumulate(metric(), BINARY, PROBS, weights) == pytest.approx(expected)
    expected = reference(BINARY, PROBS > 0.7, sample_weight=weights)
    assert _accumulate(metric(threshold=0.7), BINARY, PROBS, weights) == pytest.approx(expected)


@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
@pytest.mark.parametrize(
    ("metric", "reference"),
    [(Precision, sk.precision_score), (Recall, sk.recall_score), (F1Score, sk.f1_score)],
)
def test_multiclass_averages(metric, reference, average):
    expected = reference(LABELS, SCORES.argmax(1), average=average)
    assert _accumulate(metric(average=average), LABELS, SCORES) == pytest.approx(expected)
    weighted = reference(LABELS, SCORES.argmax(1), average=average, sample_weight=WEIGHTS)
    got = _accumulate(metric(average=average), LABELS, SCORES, WEIGHTS)
    assert got == pytest.approx(weighted)


def test_a_class_never_predicted_scores_zero_as_in_sklearn():
    y_true, y_pred = numpy.array([0, 1, 2, 2]), numpy.array([0, 0, 2, 2])
    expected = sk.precision_score(y_true, y_pred, average="macro", zero_division=0)
    assert Precision(average="macro", num_classes=3)(y_true, y_pred) == pytest.approx(expected)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ties", [False, True])
def test_auc_is_exact(weighted, ties):
    weights = WEIGHTS if weighted else None
    scores = numpy.round(PROBS, 1) if ties else PROBS
    expected = sk.roc_auc_score(BINARY, scores, sample_weight=weights)
    assert _accumulate(AUC(), BINARY, scores, weights) == pytest.approx(expected, rel=1e-12)
    # Logits rank as their probabilities do.
    logits = numpy.log(scores + 1e-3) - numpy.log1p(1e-3 - scores)
    assert _accumulate(AUC(), BINARY, logits, weights) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_regression_errors(weighted):
    weights = WEIGHTS if weighted else None
    y_true = RNG.normal(size=(N, 3))
    y_pred = y_true + RNG.normal(size=(N, 3))
    mae = sk.mean_absolute_error(y_true, y_pred, sample_weight=weights)
    mse = sk.mean_squared_error(y_true, y_pred, sample_weight=weights)
    assert _accumulate(MeanAbsoluteError(), y_true, y_pred, weights) == pytest.approx(mae)
    assert _accumulate(MeanSquaredError(), y_true, y_pred, weights) == pytest.approx(mse)


@pytest.mark.parametrize("weighted", [False, True])
def test_confusion_matrix(weighted):
    weights = WEIGHTS if weighted else None
    expected = sk.confusion_matrix(LABELS, SCORES.argmax(1), sample_weight=weights)
    got = _accumulate(ConfusionMatrix(CLASSES), LABELS, SCORES, weights)
    numpy.testing.assert_allclose(got, expected)
    # Without num_classes the count grows with the largest label seen.
    got = _accumulate(ConfusionMatrix(), LABELS, SCORES.argmax(1), weights, as_tensors=False)
    numpy.testing.assert_allclose(got, expected)
    binary = sk.confusion_matrix(BINARY, PROBS > 0.5)
    numpy.testing.assert_allclose(_accumulate(ConfusionMatrix(2), BINARY, PROBS), binary)


def test_reset_and_names():
    metric = Accuracy()
    metric.update_state([1], [[0.0, 1.0]])
    assert metric.result() == 1.0
    metric.reset_state()
    assert metric.result() == 0.0
    assert ember.metrics.get("f1").name == "f1"
    assert isinstance(ember.metrics.get("top_k_accuracy", k=2), TopKCategoricalAccuracy)
    with pytest.raises(ValueError, match="unknown metric 'f2'"):
        ember.metrics.get("f2")
    with pytest.raises(ValueError, match="average must be one of"):
        F1Score(average="samples")


def test_shape_errors_name_the_shapes():
    with pytest.raises(ember.errors.ShapeError, match=r"targets of shape \(3,\).*\(4,\)"):
        Accuracy()([0, 1, 1], [0, 1, 1, 0])
    with pytest.raises(ember.errors.ShapeError, match=r"outside \[0, 3\)"):
        ConfusionMatrix(3)([0, 5], [0, 1])
