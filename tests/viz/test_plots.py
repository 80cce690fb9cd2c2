"""ember.viz plots: each returns a Figure and saves a valid PNG atomically."""

import os

import matplotlib.image
import numpy as np
import pytest
from matplotlib.figure import Figure

import ember
from ember import nn
from ember.errors import ShapeError
from ember.optim.lr_scheduler import ExponentialLR, ReduceLROnPlateau, StepLR
from ember.viz import (
    plot_confusion_matrix,
    plot_feature_maps,
    plot_filters,
    plot_history,
    plot_lr_schedule,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def check_png(path, figure):
    """``path`` is a PNG of ``figure``'s size in pixels, and nothing else is left beside it."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 0
    pixels = matplotlib.image.imread(path)
    width, height = figure.get_size_inches() * figure.dpi
    assert pixels.shape[:2] == (round(height), round(width))
    assert os.listdir(path.parent) == [path.name]


HISTORY = {
    "loss": [1.0, 0.6, 0.4],
    "val_loss": [1.1, 0.8, 0.7],
    "accuracy": [0.5, 0.7, 0.8],
    "val_accuracy": [0.4, 0.6, 0.7],
    "lr": [0.1, 0.1, 0.05],
}


def test_plot_history_pairs_each_metric_with_its_validation(tmp_path):
    path = tmp_path / "history.png"
    figure = plot_history(HISTORY, path=path)
    assert isinstance(figure, Figure)
    check_png(path, figure)
    panels = [ax for ax in figure.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["loss", "accuracy", "lr"]
    loss = panels[0]
    assert [line.get_label() for line in loss.lines] == ["loss", "val_loss"]
    np.testing.assert_allclose(loss.lines[1].get_ydata(), HISTORY["val_loss"])
    np.testing.assert_array_equal(loss.lines[0].get_xdata(), [1, 2, 3])


def test_plot_history_accepts_a_history_object_and_tensors():
    class History:
        def __init__(self):
            self.history = {"val_loss": [ember.tensor(1.0), ember.tensor(0.5)]}

    figure = plot_history(History())
    assert [ax.get_title() for ax in figure.axes] == ["loss"]
    assert [line.get_label() for line in figure.axes[0].lines] == ["val_loss"]
    np.testing.assert_allclose(figure.axes[0].lines[0].get_ydata(), [1.0, 0.5])


@pytest.mark.parametrize(
    "history", [{}, [1, 2], None, {"loss": 0.5}, {"loss": ["low"]}, {"loss": [[1, 2]]}]
)
def test_plot_history_rejects_what_is_not_a_history(history):
    with pytest.raises(ValueError, match="plot_history"):
        plot_history(history)


def test_plot_filters_one_channel_normalized_per_filter(tmp_path):
    weight = np.arange(2 * 2 * 3 * 3, dtype=np.float64).reshape(2, 2, 3, 3)
    weight[1, 1] *= -1
    path = tmp_path / "filters.png"
    figure = plot_filters(ember.tensor(weight), path=path, channel=1)
    check_png(path, figure)
    shown = [ax.images[0].get_array() for ax in figure.axes if ax.images]
    assert len(shown) == 2
    for kernel, image in zip(weight[:, 1], shown, strict=True):
        expected = (kernel - kernel.min()) / (kernel.max() - kernel.min())
        np.testing.assert_allclose(image, expected)


def test_plot_filters_rgb(tmp_path):
    conv = nn.Conv2d(3, 5, 3)
    path = tmp_path / "rgb.png"
    figure = plot_filters(conv.weight, path=path, channel="rgb")
    check_png(path, figure)
    images = [ax.images[0].get_array() for ax in figure.axes if ax.images]
    assert len(images) == 5
    assert images[0].shape == (3, 3, 3)
    assert all(image.min() >= 0.0 and image.max() <= 1.0 for image in images)


def test_plot_filters_constant_kernel_is_mid_grey():
    figure = plot_filters(np.ones((1, 1, 2, 2)))
    np.testing.assert_allclose(figure.axes[0].images[0].get_array(), 0.5)


@pytest.mark.parametrize(
    "shape, channel, match",
    [
        ((4, 3, 3), 0, r"got shape \(4, 3, 3\)"),
        ((4, 1, 3, 3), "rgb", "needs 3 input channels"),
        ((4, 2, 3, 3), 2, r"in \[-2, 2\), got 2"),
        ((4, 2, 3, 3), "red", "got 'red'"),
    ],
)
def test_plot_filters_errors(shape, channel, match):
    with pytest.raises(ShapeError, match=match):
        plot_filters(np.zeros(shape), channel=channel)


class Net(nn.Module):
    """conv (known weights) -> relu -> a second conv, so the hooked layer matters."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, bias=False)
        kernel = np.zeros((2, 1, 3, 3), dtype=np.float32)
        kernel[0, 0, 1, 1] = 1.0
        kernel[1, 0, 1, 1] = -2.0
        self.conv.weight = nn.Parameter(ember.tensor(kernel))
        self.relu = nn.ReLU()
        self.head = nn.Conv2d(2, 4, 3)

    def forward(self, x):
        return self.head(self.relu(self.conv(x)))


def feature_images(figure):
    return [ax.images[0].get_array() for ax in figure.axes if ax.images]


@pytest.mark.parametrize("layer", ["conv", "relu"])
def test_plot_feature_maps_shows_the_named_layer(tmp_path, layer):
    model = Net()
    x = ember.tensor(np.arange(2 * 25, dtype=np.float32).reshape(2, 1, 5, 5))
    path = tmp_path / "maps.png"
    figure = plot_feature_maps(model, layer, x, path=path)
    check_png(path, figure)
    inner = x.numpy()[0, 0, 1:-1, 1:-1]
    expected = [inner, -2 * inner] if layer == "conv" else [inner, np.zeros_like(inner)]
    maps = feature_images(figure)
    assert len(maps) == 2
    for image, want in zip(maps, expected, strict=True):
        np.testing.assert_allclose(image, want)
    assert not model.conv._forward_hooks and not model.relu._forward_hooks


def test_plot_feature_maps_takes_the_module_itself_and_caps_the_count():
    model = Net()
    figure = plot_feature_maps(model, model.head, ember.randn(1, 1, 7, 7), max_maps=3)
    assert len(feature_images(figure)) == 3
    assert figure.get_suptitle().startswith("head: Conv2d output (1, 4, 3, 3)")


def test_plot_feature_maps_of_a_sequence_layer():
    conv = nn.Conv1d(2, 3, 3)
    figure = plot_feature_maps(conv, "", ember.randn(2, 2, 9))
    (image,) = feature_images(figure)
    assert image.shape == (3, 7)


def test_plot_feature_maps_leaves_no_hook_when_forward_fails():
    model = Net()
    with pytest.raises(ShapeError):
        plot_feature_maps(model, "conv", ember.zeros(1, 3, 5, 5))
    assert not model.conv._forward_hooks


class Skips(nn.Module):
    def __init__(self):
        super().__init__()
        self.used = nn.Linear(4, 2)
        self.unused = nn.Conv2d(1, 1, 1)

    def forward(self, x):
        return self.used(x)


@pytest.mark.parametrize(
    "layer, error, match",
    [
        ("unused", ValueError, "was not called"),
        ("used", ShapeError, r"gave \(3, 2\)"),
        ("missing", AttributeError, "missing"),
        (nn.Linear(4, 2), ValueError, "not a submodule"),
    ],
)
def test_plot_feature_maps_errors(layer, error, match):
    with pytest.raises(error, match=match):
        plot_feature_maps(Skips(), layer, ember.zeros(3, 4))


@pytest.mark.parametrize("max_maps", [0, -1, 2.5])
def test_plot_feature_maps_max_maps_must_be_positive(max_maps):
    with pytest.raises(ValueError, match="max_maps must be a positive int"):
        plot_feature_maps(Net(), "conv", ember.zeros(1, 1, 5, 5), max_maps=max_maps)


def test_plot_filters_of_an_empty_weight():
    with pytest.raises(ShapeError, match="nothing to draw"):
        plot_filters(np.zeros((0, 1, 3, 3)))


def test_long_lists_are_shortened_in_errors():
    with pytest.raises(ValueError) as info:
        plot_lr_schedule(["x"] * 10_000)
    assert len(str(info.value)) < 300


def test_plot_confusion_matrix_annotates_every_cell(tmp_path):
    matrix = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 0]])
    path = tmp_path / "confusion.png"
    figure = plot_confusion_matrix(ember.tensor(matrix), ["cat", "dog", "owl"], path=path)
    check_png(path, figure)
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.texts] == [str(v) for v in matrix.flat]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "owl"]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"


def test_plot_confusion_matrix_normalized_by_row():
    figure = plot_confusion_matrix([[3, 1], [0, 0]], normalize=True)
    assert [t.get_text() for t in figure.axes[0].texts] == ["0.75", "0.25", "0.00", "0.00"]
    np.testing.assert_allclose(figure.axes[0].images[0].get_array(), [[0.75, 0.25], [0, 0]])


@pytest.mark.parametrize(
    "matrix, names, match",
    [
        (np.zeros((2, 3)), None, r"square .* got shape \(2, 3\)"),
        (np.zeros(4), None, r"got shape \(4,\)"),
        (np.zeros((2, 2)), ["a"], "1 class_names"),
    ],
)
def test_plot_confusion_matrix_errors(matrix, names, match):
    with pytest.raises(ShapeError, match=match):
        plot_confusion_matrix(matrix, class_names=names)


def test_plot_lr_schedule_runs_the_factory(tmp_path):
    path = tmp_path / "lr.png"
    figure = plot_lr_schedule(lambda opt: ExponentialLR(opt, gamma=0.5), 4, path, lr=1.0)
    check_png(path, figure)
    np.testing.assert_allclose(figure.axes[0].lines[0].get_ydata(), [1.0, 0.5, 0.25, 0.125])


def test_plot_lr_schedule_from_a_list():
    figure = plot_lr_schedule([0.1, 0.2, ember.tensor(0.3), 0.4], steps=3)
    np.testing.assert_allclose(figure.axes[0].lines[0].get_ydata(), [0.1, 0.2, 0.3])
    np.testing.assert_array_equal(figure.axes[0].lines[0].get_xdata(), [0, 1, 2])


@pytest.mark.parametrize(
    "schedule, steps, error, match",
    [
        (lambda opt: StepLR(opt, 2), None, ValueError, "positive int"),
        (lambda opt: StepLR(opt, 2), 0, ValueError, "positive int"),
        (lambda opt: ReduceLROnPlateau(opt), 5, TypeError, "ReduceLROnPlateau"),
        (lambda opt: opt, 5, TypeError, "got SGD"),
        ([0.1, 0.2], 3, ValueError, r"in \[1, 2\]"),
        ([], None, ValueError, "empty"),
        (["fast"], None, ValueError, "list of numbers"),
    ],
)
def test_plot_lr_schedule_errors(schedule, steps, error, match):
    with pytest.raises(error, match=match):
        plot_lr_schedule(schedule, steps)


def test_plot_lr_schedule_refuses_a_live_scheduler():
    w = nn.Parameter(ember.zeros(1))
    optimizer = ember.optim.SGD([w], lr=0.1)
    with pytest.raises(TypeError, match="not a scheduler"):
        plot_lr_schedule(StepLR(optimizer, 2), 5)
    assert optimizer.param_groups[0]["lr"] == 0.1


def test_save_replaces_an_existing_file(tmp_path):
    path = tmp_path / "plot.png"
    path.write_bytes(b"old")
    figure = plot_lr_schedule([1.0, 0.5], path=str(path))
    check_png(path, figure)


def test_save_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "plot.notaformat"
    path.write_bytes(b"old")
    with pytest.raises(ValueError, match="notaformat"):
        plot_lr_schedule([1.0, 0.5], path=path)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == [path.name]


def test_save_into_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        plot_lr_schedule([1.0], path=tmp_path / "missing" / "lr.png")


def test_save_other_formats_by_extension(tmp_path):
    path = tmp_path / "lr.svg"
    plot_lr_schedule([1.0, 0.5], path=path)
    assert path.read_bytes().lstrip().startswith(b"<?xml")


def test_missing_matplotlib_names_the_package(hide_package):
    hide_package("matplotlib")
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_lr_schedule([1.0])
