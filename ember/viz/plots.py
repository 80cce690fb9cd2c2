"""Plots of training: loss curves, filters, feature maps, confusion matrices, LR schedules.

Figures are built with matplotlib's object API (``matplotlib.figure.Figure``),
not ``pyplot``: they need no display and no backend, leave the user's pyplot
state alone, and are freed like any other object. In a notebook a returned
figure shows inline; ``path`` saves it (PNG unless the extension says otherwise),
replacing the file only once it is complete.
"""

from __future__ import annotations

import contextlib
import math
import os
import reprlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy

from ember.autograd import no_grad
from ember.creation import zeros
from ember.errors import ShapeError, caller
from ember.nn import Module, Parameter
from ember.optim import SGD, Optimizer
from ember.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
from ember.tensor import Tensor
from ember.viz.convert import to_numpy

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "plot_confusion_matrix",
    "plot_feature_maps",
    "plot_filters",
    "plot_history",
    "plot_lr_schedule",
]

_PANEL_INCHES = (4.5, 3.2)
_TILE_INCHES = 1.5


def _new_figure(function: str, width: float, height: float) -> Figure:
    # matplotlib is imported here, by the first plot, so that ``import ember`` does
    # not pay for it.
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            f"ember.viz.{function} draws with matplotlib, which is not installed: "
            "pip install matplotlib"
        ) from error
    return Figure(figsize=(width, height))


def _numbers(function: str, name: str, values: Any) -> list[float]:
    """A sequence of numbers (or one-element tensors) as floats, with a clear error if not."""
    try:
        arrays = [to_numpy(value) for value in values]
        if all(array.size == 1 for array in arrays):
            return [float(array.reshape(())) for array in arrays]
    except (TypeError, ValueError):
        pass
    raise ValueError(
        f"{function}: '{name}' must be a list of numbers, got {reprlib.repr(values)} "
        f"(called from {caller()})"
    )


def _save(figure: Figure, path: str | os.PathLike | None) -> Figure:
    """Save ``figure`` to ``path`` (if given) through a temporary file, and return it."""
    if path is None:
        return figure
    target = os.path.abspath(os.fspath(path))
    folder, name = os.path.split(target)
    extension = os.path.splitext(name)[1].lstrip(".").lower()
    temporary = os.path.join(folder, f".{name}.{os.urandom(6).hex()}.tmp")
    try:
        # "x" makes the file with the umask's permissions, unlike tempfile's 0600.
        with open(temporary, "xb") as file:
            figure.savefig(file, format=extension or "png")
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return figure


def _image_grid(
    function: str, images: Sequence[numpy.ndarray], labels: Sequence[str], title: str, **show: Any
) -> Figure:
    """One small axes per image, in a near-square grid, under one title."""
    if not images:
        raise ShapeError(f"{function}: nothing to draw for {title} (called from {caller()})")
    columns = math.ceil(math.sqrt(len(images)))
    rows = math.ceil(len(images) / columns)
    # Fixed margins in inches (not fractions), so that big grids stay compact.
    width = max(_TILE_INCHES * columns + 0.2, 3.0)
    height = _TILE_INCHES * rows + 0.8
    figure = _new_figure(function, width, height)
    axes = figure.subplots(rows, columns, squeeze=False)
    figure.subplots_adjust(
        left=0.1 / width,
        right=1 - 0.1 / width,
        bottom=0.1 / height,
        top=1 - 0.7 / height,
        wspace=0.1,
        hspace=0.25,
    )
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, image, label in zip(axes.flat[: len(images)], images, labels, strict=True):
        ax.imshow(image, interpolation="nearest", **show)
        ax.set_title(label, fontsize=8)
    figure.suptitle(title)
    return figure


def _history_dict(history: Any) -> Mapping[str, Any]:
    # Keras's ``fit`` returns a History object whose ``.history`` is this dict.
    mapping = getattr(history, "history", history)
    if not isinstance(mapping, Mapping) or not mapping:
        raise ValueError(
            "plot_history: expected a non-empty dict of metric name -> list of values per "
            f"epoch (or an object with such a .history), got {reprlib.repr(history)} "
            f"(called from {caller()})"
        )
    return mapping


def plot_history(
    history: Mapping[str, Sequence[float]], path: str | os.PathLike | None = None
) -> Figure:
    """Training curves: one panel per metric, with its ``val_`` counterpart on the same axes.

    Args:
        history: metric name -> one value per epoch, e.g. ``{"loss": [...],
            "val_loss": [...], "accuracy": [...]}``, or an object with such a
            ``history`` attribute (what Keras-style ``fit`` returns).
        path: where to save the figure.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: if ``history`` is empty or not a dict.

    >>> from ember.viz import plot_history
    >>> fig = plot_history({"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7]})
    >>> [ax.get_title() for ax in fig.axes]
    ['loss']
    """
    curves = {
        name: numpy.asarray(_numbers("plot_history", name, values))
        for name, values in _history_dict(history).items()
    }
    panels: list[str] = []
    for name in curves:
        base = name.removeprefix("val_")
        if base not in panels and (base == name or base not in curves):
            panels.append(base)
    columns = min(len(panels), 3)
    rows = math.ceil(len(panels) / columns)
    figure = _new_figure("plot_history", _PANEL_INCHES[0] * columns, _PANEL_INCHES[1] * rows)
    axes = figure.subplots(rows, columns, squeeze=False)
    for ax in axes.flat[len(panels) :]:
        ax.set_axis_off()
    for ax, metric in zip(axes.flat[: len(panels)], panels, strict=True):
        for name, style in ((metric, "-"), (f"val_{metric}", "--")):
            if name in curves:
                epochs = numpy.arange(1, len(curves[name]) + 1)
                ax.plot(epochs, curves[name], style, marker=".", label=name)
        ax.set_title(metric)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    figure.tight_layout()
    return _save(figure, path)


def _normalized(array: numpy.ndarray) -> numpy.ndarray:
    # Each filter gets its own range: weights of a layer span very different scales.
    low, high = array.min(), array.max()
    if high == low:
        return numpy.full_like(array, 0.5)
    return (array - low) / (high - low)


def plot_filters(
    weight: Any, path: str | os.PathLike | None = None, channel: int | str = 0
) -> Figure:
    """The kernels of a 2-D convolution as a grid of small images.

    Args:
        weight: a ``Conv2d`` weight of shape ``(out_channels, in_channels, kH, kW)``.
        path: where to save the figure.
        channel: which input channel to show (grey), or ``"rgb"`` to show the
            three input channels of a first layer as colours.

    Returns:
        The matplotlib ``Figure``, one panel per output channel.

    Raises:
        ShapeError: if ``weight`` is not 4-D, ``channel`` is out of range, or
            ``"rgb"`` is asked of a weight without 3 input channels.

    >>> import ember
    >>> from ember.viz import plot_filters
    >>> fig = plot_filters(ember.nn.Conv2d(3, 4, 3).weight, channel="rgb")
    >>> len(fig.axes)
    4
    """
    array = to_numpy(weight).astype(numpy.float64)
    if array.ndim != 4:
        raise ShapeError(
            f"plot_filters: expected a weight of shape (out_channels, in_channels, kH, kW), "
            f"got shape {array.shape} (called from {caller()})"
        )
    in_channels = array.shape[1]
    if channel == "rgb":
        if in_channels != 3:
            raise ShapeError(
                f"plot_filters: channel='rgb' needs 3 input channels, got a weight of "
                f"shape {array.shape} (called from {caller()})"
            )
        images = [_normalized(kernel.transpose(1, 2, 0)) for kernel in array]
        show: dict[str, Any] = {}
    elif isinstance(channel, int) and -in_channels <= channel < in_channels:
        images = [_normalized(kernel[channel]) for kernel in array]
        show = {"cmap": "gray", "vmin": 0.0, "vmax": 1.0}
    else:
        raise ShapeError(
            f"plot_filters: channel must be 'rgb' or an input channel in "
            f"[{-in_channels}, {in_channels}), got {channel!r} for a weight of shape "
            f"{array.shape} (called from {caller()})"
        )
    labels = [str(index) for index in range(len(images))]
    title = f"filters {tuple(array.shape)}, input channel {channel}"
    return _save(_image_grid("plot_filters", images, labels, title, **show), path)


def _find_layer(module: Module, layer: str | Module) -> tuple[str, Module]:
    if isinstance(layer, str):
        return layer or type(module).__name__, module.get_submodule(layer)
    for name, candidate in module.named_modules():
        if candidate is layer:
            return name or type(module).__name__, candidate
    raise ValueError(
        f"plot_feature_maps: {type(layer).__name__} is not a submodule of "
        f"{type(module).__name__} (called from {caller()})"
    )


def plot_feature_maps(
    module: Module,
    layer: str | Module,
    input: Tensor,
    path: str | os.PathLike | None = None,
    max_maps: int = 32,
) -> Figure:
    """The output channels of one layer for the first sample of ``input``.

    Runs ``module(input)`` without gradients, catching the layer's output with a
    forward hook. Call ``module.eval()`` first if it has dropout or batch norm.

    Args:
        module: the model.
        layer: the layer, or its dotted name in ``module`` (``"features.0"``).
        input: a batch the model accepts.
        path: where to save the figure.
        max_maps: the most channels to show (the first ones).

    Returns:
        The matplotlib ``Figure``, one panel per channel.

    Raises:
        AttributeError: if no submodule has the name ``layer``.
        ValueError: if ``layer`` is not part of ``module`` or did not run, or
            ``max_maps`` is not a positive int.
        ShapeError: if the layer's output is not ``(N, C, H, W)`` or ``(N, C, L)``.

    >>> import ember
    >>> from ember import nn
    >>> from ember.viz import plot_feature_maps
    >>> model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU())
    >>> fig = plot_feature_maps(model, "0", ember.randn(2, 1, 8, 8))
    >>> len(fig.axes)
    4
    """
    if not isinstance(max_maps, int) or max_maps < 1:
        raise ValueError(
            f"plot_feature_maps: max_maps must be a positive int, got {max_maps!r} "
            f"(called from {caller()})"
        )
    name, target = _find_layer(module, layer)
    outputs: list[Any] = []
    handle = target.register_forward_hook(lambda mod, args, out: outputs.append(out))
    try:
        with no_grad():
            module(input)
    finally:
        handle.remove()
    if not outputs:
        raise ValueError(
            f"plot_feature_maps: layer '{name}' was not called by {type(module).__name__}"
            f".forward (called from {caller()})"
        )
    output = outputs[0]
    maps = to_numpy(output) if isinstance(output, Tensor) else None
    if maps is None or maps.ndim not in (3, 4):
        shape = maps.shape if maps is not None else type(output).__name__
        raise ShapeError(
            f"plot_feature_maps: layer '{name}' gave {shape}; expected feature maps of "
            f"shape (N, C, H, W) or (N, C, L) (called from {caller()})"
        )
    sample = maps[0][:max_maps].astype(numpy.float64)
    title = f"{name}: {type(target).__name__} output {tuple(maps.shape)}, sample 0"
    if sample.ndim == 3:
        labels = [str(index) for index in range(len(sample))]
        figure = _image_grid("plot_feature_maps", list(sample), labels, title, cmap="viridis")
        return _save(figure, path)
    # Sequences (N, C, L): one row per channel reads better than C thin strips.
    figure = _new_figure("plot_feature_maps", *_PANEL_INCHES)
    ax = figure.subplots()
    image = ax.imshow(sample, aspect="auto", interpolation="nearest", cmap="viridis")
    figure.colorbar(image, ax=ax)
    ax.set_xlabel("position")
    ax.set_ylabel("channel")
    ax.set_title(title, fontsize=9)
    figure.tight_layout()
    return _save(figure, path)


def plot_confusion_matrix(
    matrix: Any,
    class_names: Sequence[str] | None = None,
    normalize: bool = False,
    path: str | os.PathLike | None = None,
) -> Figure:
    """A confusion matrix as a heat map with each cell's value written in it.

    Args:
        matrix: ``(K, K)`` counts; row ``i`` is the true class, column ``j`` the
            predicted one (scikit-learn's layout).
        class_names: the ``K`` class names for the axes; by default 0 .. K-1.
        normalize: divide each row by its total, showing recall per class.
        path: where to save the figure.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ShapeError: if ``matrix`` is not square or ``class_names`` has another length.

    >>> from ember.viz import plot_confusion_matrix
    >>> fig = plot_confusion_matrix([[5, 1], [2, 7]], class_names=["cat", "dog"])
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['5', '1', '2', '7']
    """
    counts = to_numpy(matrix).astype(numpy.float64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ShapeError(
            f"plot_confusion_matrix: expected a square (K, K) matrix, got shape "
            f"{counts.shape} (called from {caller()})"
        )
    size = counts.shape[0]
    names = [str(i) for i in range(size)] if class_names is None else list(class_names)
    if len(names) != size:
        raise ShapeError(
            f"plot_confusion_matrix: {len(names)} class_names for a matrix of shape "
            f"{counts.shape} (called from {caller()})"
        )
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        # A class absent from the labels has an all-zero row: leave it at zero.
        counts = numpy.divide(counts, totals, out=numpy.zeros_like(counts), where=totals != 0)
        text = "{:.2f}".format
    elif numpy.all(counts == numpy.round(counts)):
        text = "{:.0f}".format
    else:
        text = "{:.3g}".format
    side = max(4.0, 0.6 * size + 2.0)
    figure = _new_figure("plot_confusion_matrix", side + 1.0, side)
    ax = figure.subplots()
    image = ax.imshow(counts, cmap="Blues", vmin=0.0)
    figure.colorbar(image, ax=ax)
    threshold = counts.max() / 2.0
    for (row, column), value in numpy.ndenumerate(counts):
        colour = "white" if value > threshold else "black"
        ax.text(column, row, text(value), ha="center", va="center", color=colour)
    ax.set_xticks(range(size), names, rotation=45, ha="right")
    ax.set_yticks(range(size), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion matrix" + (" (normalized by row)" if normalize else ""))
    figure.tight_layout()
    return _save(figure, path)


def _schedule_lrs(
    factory: Callable[[Optimizer], LRScheduler], steps: int | None, lr: float
) -> list[float]:
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(
            f"plot_lr_schedule: steps must be a positive int for a scheduler factory, "
            f"got {steps!r} (called from {caller()})"
        )
    optimizer = SGD([Parameter(zeros(1))], lr=lr)
    scheduler = factory(optimizer)
    if isinstance(scheduler, ReduceLROnPlateau) or not isinstance(scheduler, LRScheduler):
        raise TypeError(
            f"plot_lr_schedule: the factory must return a scheduler that steps on its own, "
            f"got {type(scheduler).__name__}; for ReduceLROnPlateau pass the list of "
            f"learning rates recorded in training (called from {caller()})"
        )
    lrs = []
    for _ in range(steps):
        lrs.append(scheduler.get_last_lr()[0])
        scheduler.step()
    return lrs


def plot_lr_schedule(
    schedule: Callable[[Optimizer], LRScheduler] | Sequence[float],
    steps: int | None = None,
    path: str | os.PathLike | None = None,
    *,
    lr: float = 0.1,
) -> Figure:
    """The learning rate at each step of a schedule.

    Args:
        schedule: a function that builds a scheduler for a given optimizer
            (``lambda opt: StepLR(opt, step_size=10)``), run here on a throwaway
            SGD optimizer; or the learning rates themselves, one per step.
        steps: how many steps to show (all of a list by default; required for a factory).
        path: where to save the figure.
        lr: the initial learning rate of the throwaway optimizer.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: for a missing or bad ``steps``.
        ValueError: for a list that is not of numbers.
        TypeError: for a scheduler itself rather than a function that builds one,
            or a factory that does not return a scheduler or returns
            ``ReduceLROnPlateau``, which needs the metric of each step.

    >>> from ember.optim.lr_scheduler import StepLR
    >>> from ember.viz import plot_lr_schedule
    >>> fig = plot_lr_schedule(lambda opt: StepLR(opt, step_size=2, gamma=0.5), steps=6)
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    """
    if isinstance(schedule, LRScheduler):
        raise TypeError(
            f"plot_lr_schedule: pass a function that builds the scheduler "
            f"(lambda opt: {type(schedule).__name__}(opt, ...)), not a scheduler: stepping it "
            f"would change its optimizer's learning rate (called from {caller()})"
        )
    if callable(schedule):
        lrs = _schedule_lrs(schedule, steps, lr)
    else:
        lrs = _numbers("plot_lr_schedule", "schedule", schedule)
        if steps is not None:
            if not isinstance(steps, int) or not 1 <= steps <= len(lrs):
                raise ValueError(
                    f"plot_lr_schedule: steps must be an int in [1, {len(lrs)}] for a list "
                    f"of {len(lrs)} learning rates, got {steps!r} (called from {caller()})"
                )
            lrs = lrs[:steps]
        if not lrs:
            raise ValueError(
                f"plot_lr_schedule: the list of learning rates is empty (called from {caller()})"
            )
    figure = _new_figure("plot_lr_schedule", *_PANEL_INCHES)
    ax = figure.subplots()
    ax.plot(numpy.arange(len(lrs)), lrs, marker="." if len(lrs) <= 50 else None)
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.set_title("learning rate schedule")
    ax.grid(alpha=0.3)
    figure.tight_layout()
    return _save(figure, path)
