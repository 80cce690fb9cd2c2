"""Shared pieces of the training tests: seeded data, small models, scripted logs."""

import numpy

import ember
from ember import nn


def blobs(n=200, features=2, classes=2, seed=0):
    """Well-separated Gaussian clusters (centers 5 apart on a circle): (x float32, y int64)."""
    rng = numpy.random.default_rng(seed)
    angles = 2 * numpy.pi * numpy.arange(classes) / classes
    centers = numpy.zeros((classes, features))
    centers[:, :2] = 5 * numpy.stack([numpy.cos(angles), numpy.sin(angles)], axis=1)
    y = rng.integers(0, classes, size=n)
    x = centers[y] + rng.normal(size=(n, features))
    return x.astype(numpy.float32), y


def mlp(features=2, hidden=16, classes=2):
    return ember.Sequential([nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, classes)])


class Script(ember.callbacks.Callback):
    """Overwrites logged values from a script, one per epoch, so a test controls val_loss."""

    def __init__(self, **values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        for key, sequence in self.values.items():
            logs[key] = sequence[epoch]


class WeightsPerEpoch(ember.callbacks.Callback):
    """Copies of the weights at the end of each epoch."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())
