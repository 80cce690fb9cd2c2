"""Model.compile / fit / evaluate / predict on small problems."""

import numpy
import pytest
from sklearn.datasets import load_digits

import ember
from ember import nn
from ember.data import DataLoader, TensorDataset
from tests.train.helpers import blobs, mlp


def _cross_entropy(logits, y):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - numpy.log(numpy.exp(shifted).sum(axis=1, keepdims=True))
    return -log_probs[numpy.arange(len(y)), y]


def test_mlp_learns_separable_blobs():
    x, y = blobs(classes=3)
    model = mlp(classes=3)
    optimizer = ember.optim.Adam(model.parameters(), lr=0.01)
    model.compile(optimizer=optimizer, loss="cross_entropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=10, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy > 0.9
    assert loss < history.history["loss"][0]


def test_mlp_learns_digits_held_out():
    digits = load_digits()
    order = numpy.random.default_rng(0).permutation(len(digits.target))
    x = (digits.data[order] / 16.0).astype(numpy.float32)
    y = digits.target[order]
    model = ember.Sequential([nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)])
    optimizer = ember.optim.Adam(model.parameters(), lr=3e-3)
    model.compile(optimizer=optimizer, loss="cross_entropy", metrics=["accuracy"])
    history = model.fit(
        x[:1400],
        y[:1400],
        batch_size=64,
        epochs=8,
        verbose=0,
        validation_data=(x[1400:], y[1400:]),
    )
    assert history.history["val_accuracy"][-1] > 0.9
    assert model.evaluate(x[1400:], y[1400:], verbose=0, return_dict=True)["accuracy"] > 0.9


def test_binary_logits_with_thresholded_metrics():
    x, y = blobs(n=120)
    model = mlp(classes=1)
    model.compile(optimizer="adam", loss="bce_with_logits", metrics=["accuracy", "auc", "f1"])
    history = model.fit(x, y.astype(numpy.float32), epochs=10, verbose=0)
    # "accuracy" became binary accuracy cutting logits at 0.
    assert isinstance(model.compiled_metrics[0], ember.metrics.BinaryAccuracy)
    assert model.compiled_metrics[0].threshold == 0.0
    assert history.history["accuracy"][-1] > 0.9
    assert history.history["auc"][-1] > 0.95


def test_regression_with_targets_of_one_dimension():
    x = numpy.random.default_rng(0).normal(size=(64, 3)).astype(numpy.float32)
    y = x @ numpy.array([1.0, -2.0, 0.5], dtype=numpy.float32)
    model = ember.Sequential([nn.Linear(3, 1)])
    model.compile(
        optimizer=ember.optim.SGD(model.parameters(), lr=0.1), loss="mse", metrics=["mae"]
    )
    history = model.fit(x, y, batch_size=16, epochs=20, verbose=0)
    assert history.history["loss"][-1] < 1e-3
    assert model.predict(x, verbose=0).shape == (64, 1)


def test_history_keys_and_epochs():
    x, y = blobs(n=40)
    model = mlp()
    model.compile(optimizer="sgd", loss="cross_entropy", metrics=["accuracy", "f1"])
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    keys = {"loss", "accuracy", "f1", "val_loss", "val_accuracy", "val_f1"}
    assert set(history.history) == keys
    assert history.epoch == [0, 1, 2]
    assert all(len(values) == 3 for values in history.history.values())
    assert model.history is history


def test_initial_epoch_and_steps_per_epoch():
    x, y = blobs(n=64)
    model = mlp()
    model.compile(optimizer="sgd", loss="cross_entropy")
    steps = []
    counter = ember.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: steps.append(b))
    history = model.fit(
        x,
        y,
        batch_size=8,
        epochs=5,
        initial_epoch=3,
        steps_per_epoch=2,
        verbose=0,
        callbacks=[counter],
    )
    assert history.epoch == [3, 4]
    assert steps == [0, 1, 0, 1]


class Recorder(ember.Model):
    """Remembers the inputs it saw in training and in evaluation mode."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1, 1)
        self.seen_train = []
        self.seen_eval = []

    def forward(self, x):
        (self.seen_train if self.training else self.seen_eval).append(x.numpy().copy())
        return self.fc(x)


def test_validation_split_takes_the_last_samples_before_shuffling():
    x = numpy.arange(10, dtype=numpy.float32).reshape(10, 1)
    y = numpy.zeros((10, 1), dtype=numpy.float32)
    model = Recorder()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=3, epochs=1, validation_split=0.2, shuffle=True, verbose=0)
    assert numpy.concatenate(model.seen_eval).ravel().tolist() == [8.0, 9.0]
    assert sorted(numpy.concatenate(model.seen_train).ravel().tolist()) == list(range(8))
    assert model.training


def test_shuffle_reorders_each_epoch_and_repeats_with_the_seed():
    x = numpy.arange(12, dtype=numpy.float32).reshape(12, 1)
    y = numpy.zeros((12, 1), dtype=numpy.float32)

    def orders():
        ember.manual_seed(3)
        model = Recorder()
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, y, batch_size=12, epochs=2, verbose=0)
        return [seen.ravel().tolist() for seen in model.seen_train]

    first = orders()
    assert first == orders()
    assert first[0] != first[1]
    assert sorted(first[0]) == list(range(12))


@pytest.mark.parametrize("how", ["class_weight", "sample_weight"])
def test_weights_scale_each_sample_loss(how):
    rng = numpy.random.default_rng(1)
    x = rng.normal(size=(6, 3)).astype(numpy.float32)
    y = numpy.array([0, 1, 1, 0, 1, 1])
    model = ember.Sequential([nn.Linear(3, 2)])
    model.compile(optimizer=ember.optim.SGD(model.parameters(), lr=0.0), loss="cross_entropy")
    class_weight = {0: 3.0, 1: 0.5}
    weights = numpy.array([class_weight[c] for c in y])
    extra = {"class_weight": class_weight} if how == "class_weight" else {"sample_weight": weights}
    history = model.fit(x, y, batch_size=6, epochs=1, shuffle=False, verbose=0, **extra)
    losses = _cross_entropy(model.predict(x, verbose=0).numpy().astype(numpy.float64), y)
    # Keras's rule: the weighted losses summed, divided by the number of samples.
    assert history.history["loss"][0] == pytest.approx((weights * losses).mean(), rel=1e-5)
    assert history.history["loss"][0] != pytest.approx(losses.mean(), rel=1e-3)


def test_fit_with_a_dataloader_and_a_dataset():
    x, y = blobs(n=160)
    loader = DataLoader(
        TensorDataset(ember.tensor(x), ember.tensor(y)), batch_size=16, shuffle=True
    )
    model = mlp()
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    history = model.fit(loader, epochs=8, verbose=0, validation_data=loader)
    assert history.history["val_accuracy"][-1] > 0.9
    dataset = TensorDataset(ember.tensor(x), ember.tensor(y))
    _, accuracy = model.evaluate(dataset, batch_size=50, verbose=0)
    assert accuracy > 0.9
    assert model.predict(loader, verbose=0).shape == (160, 2)


def test_predict_and_evaluate_shapes_and_modes():
    x, y = blobs(n=50, features=4, classes=3)
    model = ember.Sequential([nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3)])
    model.compile(optimizer="sgd", loss="cross_entropy", metrics=["accuracy", "top_k_accuracy"])
    out = model.predict(x, batch_size=7, verbose=0)
    assert isinstance(out, ember.Tensor)
    assert out.shape == (50, 3)
    assert not out.requires_grad
    # Dropout is off in predict: the outputs repeat and match a plain forward in eval mode.
    numpy.testing.assert_allclose(out.numpy(), model.predict(x, verbose=0).numpy(), rtol=1e-6)
    results = model.evaluate(x, y, batch_size=9, verbose=0)
    assert len(results) == 3
    assert set(model.evaluate(x, y, verbose=0, return_dict=True)) == {
        "loss",
        "accuracy",
        "top_k_accuracy",
    }
    model.compile(optimizer="sgd", loss="cross_entropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    assert model.training


def test_model_wraps_a_module_and_keeps_its_state_dict_keys():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    model = ember.Model(net)
    assert list(model.state_dict()) == list(net.state_dict())
    assert model.network is net
    model.set_weights([w * 0 for w in model.get_weights()])
    assert float(net[0].weight.abs().sum()) == 0.0


def test_several_inputs_as_a_tuple():
    class Pair(ember.Model):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 1)
            self.b = nn.Linear(3, 1)

        def forward(self, left, right):
            return self.a(left) + self.b(right)

    model = Pair()
    model.compile(optimizer="sgd", loss="mse")
    left, right = numpy.ones((10, 2), numpy.float32), numpy.ones((10, 3), numpy.float32)
    model.fit((left, right), numpy.zeros((10, 1)), batch_size=4, verbose=0)
    assert model.predict((left, right), verbose=0).shape == (10, 1)


def test_compile_names_and_errors():
    model = mlp()
    model.compile(optimizer="rmsprop", loss="cross_entropy")
    assert isinstance(model.optimizer, ember.optim.RMSprop)
    assert model.optimizer.param_groups[0]["lr"] == 0.001
    model.compile(optimizer="sgd", loss=nn.CrossEntropyLoss(), metrics=["accuracy", "accuracy"])
    assert model.metrics_names == ["loss", "accuracy", "accuracy_1"]
    assert model.optimizer.param_groups[0]["lr"] == 0.01
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match="unknown loss 'crossentropy'"):
        model.compile(optimizer="sgd", loss="crossentropy")
    with pytest.raises(ValueError, match="unknown metric 'acuracy'"):
        model.compile(optimizer="sgd", loss="mse", metrics=["acuracy"])
    with pytest.raises(ValueError, match="jit must be"):
        model.compile(loss="mse", jit="always")
    with pytest.raises(RuntimeError, match="must be compiled"):
        mlp().fit(*blobs(n=8), verbose=0)


def test_data_errors_name_the_problem():
    model = mlp()
    model.compile(optimizer="sgd", loss="cross_entropy")
    x, y = blobs(n=10)
    with pytest.raises(ValueError, match=r"same number of samples.*\(10, 2\).*\(9,\)"):
        model.fit(x, y[:9], verbose=0)
    loader = DataLoader(TensorDataset(ember.tensor(x), ember.tensor(y)), batch_size=4)
    with pytest.raises(ValueError, match="y and sample_weight must be None"):
        model.fit(loader, y, verbose=0)
    with pytest.raises(ValueError, match="validation_split needs x and y as arrays"):
        model.fit(loader, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="need per-sample losses"):
        model.compile(optimizer="sgd", loss=lambda p, t: ((p - t) ** 2).mean())
        model.fit(x, y, class_weight={0: 1.0}, verbose=0)


def test_progress_output(capsys):
    x, y = blobs(n=20)
    model = mlp()
    model.compile(optimizer="sgd", loss="cross_entropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=10, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, batch_size=10, epochs=2, verbose=2, validation_split=0.5)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Epoch 1/2 - 1/1 steps")
    assert "loss: " in lines[1] and "accuracy: " in lines[1] and "val_accuracy: " in lines[1]
    model.fit(x, y, batch_size=5, epochs=1, verbose=1)
    bar = capsys.readouterr()
    assert "Epoch 1/1" in bar.out + bar.err
    assert "4/4" in bar.out + bar.err
    # Not a terminal under pytest: "auto" prints one line per epoch.
    model.fit(x, y, epochs=2)
    assert len(capsys.readouterr().out.strip().splitlines()) == 2


def test_sequential_add_and_len():
    model = ember.Sequential()
    model.add(nn.Linear(2, 2))
    model.add(nn.Tanh())
    assert len(model) == 2
    assert isinstance(model[1], nn.Tanh)
    assert model(ember.zeros(1, 2)).shape == (1, 2)
    with pytest.raises(TypeError, match=r"ember\.nn module"):
        model.add("relu")
