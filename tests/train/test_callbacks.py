"""Callbacks: stopping, checkpoints, learning rates, logs, and the hook order."""

import csv
import importlib
import math
import os

import numpy
import pytest

import ember
from ember.train.callbacks import (
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TensorBoard,
    TerminateOnNaN,
)
from tests.train.helpers import Script, WeightsPerEpoch, blobs, mlp


def _fit(callbacks, epochs, lr=0.05, validation=True, **kwargs):
    x, y = blobs(n=32)
    model = mlp()
    model.compile(optimizer=ember.optim.SGD(model.parameters(), lr=lr), loss="cross_entropy")
    extra = {"validation_data": (x, y)} if validation else {}
    history = model.fit(
        x, y, batch_size=8, epochs=epochs, verbose=0, callbacks=callbacks, **extra, **kwargs
    )
    return model, history


def test_early_stopping_stops_after_patience_and_restores_the_best_weights():
    val_loss = [1.0, 0.8, 0.9, 0.85, 0.95, 0.5, 0.4]
    weights = WeightsPerEpoch()
    stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    model, history = _fit([Script(val_loss=val_loss), weights, stop], epochs=7)
    # Best at epoch 1; epochs 2 and 3 do not improve: stop at the end of epoch 3.
    assert history.epoch == [0, 1, 2, 3]
    assert history.history["val_loss"] == val_loss[:4]
    assert stop.stopped_epoch == 3
    assert stop.best_epoch == 1
    for restored, best in zip(model.get_weights(), weights.weights[1], strict=True):
        numpy.testing.assert_array_equal(restored, best)
    assert not numpy.array_equal(model.get_weights()[0], weights.weights[3][0])


def test_early_stopping_min_delta_mode_baseline_and_warm_up():
    stop = EarlyStopping(monitor="val_accuracy", patience=1, min_delta=0.05)
    assert stop.mode == "max"
    # +0.01 is not an improvement of more than min_delta.
    _, history = _fit([Script(val_accuracy=[0.5, 0.51, 0.9, 0.9]), stop], epochs=4)
    assert history.epoch == [0, 1]
    # Improvements that do not beat the baseline do not reset the patience.
    stop = EarlyStopping(monitor="val_loss", patience=2, baseline=0.5)
    _, history = _fit([Script(val_loss=[0.9, 0.8, 0.85, 0.82, 0.4]), stop], epochs=5)
    assert history.epoch == [0, 1, 2]
    stop = EarlyStopping(monitor="val_loss", patience=2)
    _, history = _fit([Script(val_loss=[0.9, 0.8, 0.85, 0.82, 0.4]), stop], epochs=5)
    assert history.epoch == [0, 1, 2, 3]
    stop = EarlyStopping(monitor="val_loss", patience=0, start_from_epoch=2)
    _, history = _fit([Script(val_loss=[0.1, 0.9, 0.9, 1.0, 1.1]), stop], epochs=5)
    assert history.epoch == [0, 1, 2, 3]


def test_early_stopping_warns_when_the_value_is_missing():
    with pytest.warns(UserWarning, match="monitoring 'val_auc', which is not in the logs"):
        _fit([EarlyStopping(monitor="val_auc")], epochs=1)


def test_model_checkpoint_keeps_the_best_epoch(tmp_path):
    path = tmp_path / "best.safetensors"
    weights = WeightsPerEpoch()
    checkpoint = ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    model, _ = _fit([Script(val_loss=[0.9, 0.5, 0.7, 0.6]), weights, checkpoint], epochs=4)
    saved = ember.load(path)
    keys = list(model.state_dict())
    assert sorted(saved) == sorted(keys)
    for key, best in zip(keys, weights.weights[1], strict=True):
        numpy.testing.assert_array_equal(saved[key].numpy(), best, err_msg=key)
    assert checkpoint.best == 0.5
    assert [p.name for p in tmp_path.iterdir()] == ["best.safetensors"]


def test_model_checkpoint_fills_the_pattern_every_epoch(tmp_path):
    pattern = str(tmp_path / "ckpts" / "ckpt-{epoch:02d}-{val_loss:.2f}.safetensors")
    model, _ = _fit([Script(val_loss=[0.9, 0.5]), ModelCheckpoint(pattern)], epochs=2)
    assert sorted(os.listdir(tmp_path / "ckpts")) == [
        "ckpt-01-0.90.safetensors",
        "ckpt-02-0.50.safetensors",
    ]
    last = ember.load(tmp_path / "ckpts" / "ckpt-02-0.50.safetensors")
    model.load_state_dict(last)
    assert list(last) == sorted(model.state_dict())


def test_model_checkpoint_every_few_batches(tmp_path):
    pattern = str(tmp_path / "step-{epoch}-{batch}.safetensors")
    _fit([ModelCheckpoint(pattern, save_freq=3)], epochs=2)
    # 4 batches per epoch: saves after the 3rd, 6th (2nd of epoch 2) batches.
    assert sorted(os.listdir(tmp_path)) == ["step-1-2.safetensors", "step-2-1.safetensors"]


def test_model_checkpoint_rejects_full_model_saving():
    with pytest.raises(ValueError, match="weights only"):
        ModelCheckpoint("m.safetensors", save_weights_only=False)


def test_reduce_lr_on_plateau_lowers_the_rate():
    reduce = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2)
    model, history = _fit([Script(val_loss=[1.0] * 6), reduce], epochs=6, lr=0.4)
    # The logged rate is the one each epoch trained with.
    assert history.history["learning_rate"] == [0.4, 0.4, 0.4, 0.2, 0.2, 0.1]
    assert model.optimizer.param_groups[0]["lr"] == 0.1


def test_reduce_lr_on_plateau_cooldown_and_floor():
    reduce = ReduceLROnPlateau(factor=0.1, patience=1, cooldown=1, min_lr=0.03)
    model, history = _fit([Script(val_loss=[1.0] * 6), reduce], epochs=6, lr=1.0)
    # Keras's rule: the epoch that ends the cooldown counts towards the next reduction.
    assert history.history["learning_rate"] == pytest.approx([1.0, 1.0, 0.1, 0.03, 0.03, 0.03])
    assert model.optimizer.param_groups[0]["lr"] == pytest.approx(0.03)
    with pytest.raises(ValueError, match="factor"):
        ReduceLROnPlateau(factor=1.5)


def test_learning_rate_scheduler_sets_the_rate_each_epoch():
    seen = []
    record = LambdaCallback(
        on_train_batch_begin=lambda batch, logs: seen.append(
            record.model.optimizer.param_groups[0]["lr"]
        )
    )
    schedule = LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    _, history = _fit([schedule, record], epochs=3, validation=False)
    assert seen == pytest.approx([0.1] * 4 + [0.05] * 4 + [0.1 / 3] * 4)
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3])


def test_csv_logger_writes_a_row_per_epoch_and_appends(tmp_path):
    path = tmp_path / "log.csv"
    _fit([CSVLogger(path)], epochs=3)
    with open(path, newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert [row[0] for row in rows[1:]] == ["0", "1", "2"]
    assert all(math.isfinite(float(v)) for row in rows[1:] for v in row[1:])
    _fit([CSVLogger(path, separator=";", append=True)], epochs=2)
    with open(path) as file:
        lines = file.read().splitlines()
    assert len(lines) == 6
    assert lines[4].startswith("0;")


def test_terminate_on_nan_stops_at_the_bad_batch(capsys):
    x, y = blobs(n=32)
    x[20] = numpy.nan
    batches = []
    model = mlp()
    model.compile(optimizer="sgd", loss="cross_entropy")
    record = LambdaCallback(on_train_batch_end=lambda batch, logs: batches.append(batch))
    history = model.fit(
        x,
        y,
        batch_size=8,
        epochs=3,
        shuffle=False,
        verbose=0,
        callbacks=[TerminateOnNaN(), record],
    )
    assert batches == [0, 1, 2]
    assert len(history.epoch) == 1
    assert math.isnan(history.history["loss"][0])
    assert "Batch 2: invalid loss nan" in capsys.readouterr().out


def test_hook_order_and_params():
    calls = []

    class Spy(ember.callbacks.Callback):
        def __getattribute__(self, name):
            if name.startswith("on_"):
                calls.append(name)
            return super().__getattribute__(name)

    spy = Spy()
    _fit([spy], epochs=1, validation=True)
    step = [
        "on_train_batch_begin",
        "on_after_backward",
        "on_after_optimizer_step",
        "on_train_batch_end",
    ]
    test = ["on_test_begin"] + ["on_test_batch_begin", "on_test_batch_end"] * 4 + ["on_test_end"]
    assert calls == [
        "on_train_begin",
        "on_epoch_begin",
        *step * 4,
        *test,
        "on_epoch_end",
        "on_train_end",
    ]
    assert spy.params["epochs"] == 1
    assert spy.params["steps"] == 4
    assert isinstance(spy.model, ember.Model)


def test_stop_training_from_a_batch_ends_the_epoch():
    def stop(batch, logs):
        if batch == 1:
            stopper.model.stop_training = True

    stopper = LambdaCallback(on_train_batch_end=stop)
    _, history = _fit([stopper], epochs=3)
    assert history.epoch == [0]
    assert "val_loss" in history.history


def test_callbacks_and_metrics_import_as_modules():
    callbacks = importlib.import_module("ember.callbacks")
    assert callbacks is ember.callbacks
    assert callbacks.EarlyStopping is EarlyStopping
    assert importlib.import_module("ember.metrics").AUC is ember.metrics.AUC


def test_lambda_callback_rejects_unknown_hooks():
    with pytest.raises(ValueError, match="unknown hook 'on_epoch_ending'"):
        LambdaCallback(on_epoch_ending=print)


def test_tensorboard_writes_train_and_validation_runs(tmp_path):
    pytest.importorskip("tensorboardX")
    _fit([TensorBoard(tmp_path, histogram_freq=1, update_freq=2)], epochs=2)
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    for run in ("train", "validation"):
        files = os.listdir(tmp_path / run)
        assert files and all(name.startswith("events.out.tfevents") for name in files)


def test_history_plot_writes_an_image(tmp_path):
    pytest.importorskip("matplotlib")
    _, history = _fit([], epochs=2)
    history.plot(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").stat().st_size > 0


def test_callbacks_must_be_callback_objects():
    with pytest.raises(TypeError, match=r"ember\.callbacks\.Callback objects, got function"):
        _fit([lambda logs: None], epochs=1)
