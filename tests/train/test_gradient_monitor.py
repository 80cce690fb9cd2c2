"""GradientMonitor: statistics per layer and plain-words warnings naming the layer."""

import math
import re
import warnings

import numpy
import pytest

import ember
from ember import nn
from ember.train.callbacks import GradientMonitor, GradientWarning


def _fit(model, monitor, x=None, y=None, lr=0.1, epochs=1, batch_size=8):
    x = numpy.random.default_rng(0).normal(size=(16, 4)).astype(numpy.float32) if x is None else x
    y = numpy.zeros((len(x), 1), numpy.float32) if y is None else y
    model.compile(optimizer=ember.optim.SGD(model.parameters(), lr=lr), loss="mse")
    return model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[monitor])


def _messages(record):
    return [str(w.message) for w in record if issubclass(w.category, GradientWarning)]


def test_records_gradient_and_update_norms_per_parameter():
    writer_calls = []

    class Writer:
        def add_scalar(self, tag, value, step):
            writer_calls.append((tag, step))

        def flush(self):
            pass

    model = ember.Sequential([nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)])
    monitor = GradientMonitor(writer=Writer())
    with warnings.catch_warnings():
        warnings.simplefilter("error", GradientWarning)
        _fit(model, monitor, lr=0.1, epochs=2)
    names = ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert monitor.steps == [0, 1, 2, 3]
    for name in names:
        assert len(monitor.stats[f"grad_norm/{name}"]) == 4
        # Plain SGD moves each parameter by lr times its gradient.
        numpy.testing.assert_allclose(
            monitor.stats[f"update_norm/{name}"],
            0.1 * numpy.array(monitor.stats[f"grad_norm/{name}"]),
            rtol=1e-4,
        )
    fractions = monitor.stats["dead_relu/1"]
    assert len(fractions) == 4 and all(0.0 <= f <= 1.0 for f in fractions)
    assert ("grad_norm/0.weight", 3) in writer_calls
    assert ("dead_relu/1", 0) in writer_calls


def test_every_skips_steps_and_stats_reach_the_batch_logs():
    seen = []
    monitor = GradientMonitor(every=2)
    logger = ember.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(logs))
    model = ember.Sequential([nn.Linear(4, 1)])
    model.compile(optimizer="sgd", loss="mse")
    x = numpy.ones((16, 4), numpy.float32)
    model.fit(x, x[:, :1], batch_size=4, verbose=0, callbacks=[monitor, logger])
    assert monitor.steps == [0, 2]
    assert "grad_norm/0.weight" in seen[0] and "grad_norm/0.weight" not in seen[1]


def test_warns_on_vanishing_gradients_naming_the_layer():
    model = ember.Sequential([nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1)])
    with ember.no_grad():
        model[2].weight.mul_(1e-9)
    monitor = GradientMonitor()
    with pytest.warns(GradientWarning) as record:
        _fit(model, monitor)
    messages = _messages(record)
    assert any(
        m.startswith("vanishing gradient: the gradient of 0.weight in layer '0' (Linear)")
        for m in messages
    ), messages
    # One warning per layer and problem, not one per step.
    assert sum("0.weight" in m and "vanishing" in m for m in messages) == 1
    assert monitor.warnings == messages


def test_warns_on_exploding_gradients():
    model = ember.Sequential([nn.Linear(4, 4), nn.Linear(4, 1)])
    with ember.no_grad():
        model[1].weight.fill_(1e3)
    with pytest.warns(GradientWarning) as record:
        _fit(model, GradientMonitor(), lr=0.0)
    pattern = r"exploding gradient: the gradient of 0\.weight in layer '0' \(Linear\) has norm "
    assert any(re.match(pattern + r".* \(above 1000\)", m) for m in _messages(record))


class Growing(ember.Model):
    """A model whose output scale grows tenfold at every call, and its gradients with it."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)
        self.scale = 1.0

    def forward(self, x):
        self.scale *= 10.0
        return self.fc(x) * self.scale


def test_warns_when_gradients_grow_fast_against_their_running_mean():
    monitor = GradientMonitor(explode_above=math.inf)
    with pytest.warns(GradientWarning) as record:
        _fit(Growing(), monitor, lr=0.0, batch_size=2)
    messages = _messages(record)
    assert any(
        "exploding gradient: the gradient of fc.weight in layer 'fc' (Linear)" in m
        and "its recent average" in m
        for m in messages
    ), messages


def test_warns_on_nan_loss_and_gradients():
    x = numpy.ones((8, 4), numpy.float32)
    x[3, 1] = numpy.nan
    seen = []
    logger = ember.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(logs))
    model = ember.Sequential([nn.Linear(4, 1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(GradientWarning) as record:
        model.fit(x, x[:, :1] * 0, batch_size=8, verbose=0, callbacks=[GradientMonitor(), logger])
    messages = _messages(record)
    assert any(
        m.startswith("the gradient of 0.weight in layer '0' (Linear) is nan") for m in messages
    )
    assert any(m.startswith("the loss is nan at step 0") for m in messages)
    assert seen[0]["gradient_warnings"] == messages


def test_warns_on_dead_relus_and_removes_its_hooks():
    model = ember.Sequential([nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1)])
    with ember.no_grad():
        model[0].bias.fill_(-100.0)
    monitor = GradientMonitor()
    with pytest.warns(GradientWarning) as record:
        _fit(model, monitor)
    assert monitor.stats["dead_relu/1"] == [1.0, 1.0]
    assert any(
        m.startswith("dead ReLU: 100% of the outputs of '1' are zero") for m in _messages(record)
    )
    assert not model[1]._forward_hooks


def test_warns_on_parameters_left_without_gradient():
    class Unused(ember.Model):
        def __init__(self):
            super().__init__()
            self.used = nn.Linear(4, 1)
            self.spare = nn.Linear(4, 1)

        def forward(self, x):
            return self.used(x)

    with pytest.warns(GradientWarning) as record:
        _fit(Unused(), GradientMonitor())
    assert [m.split(" in layer")[0] for m in _messages(record)] == ["spare.weight", "spare.bias"]
    assert "received no gradient" in _messages(record)[0]
