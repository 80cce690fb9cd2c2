"""``SummaryWriter``: TensorBoard event files, as ``torch.utils.tensorboard.SummaryWriter``.

Summaries are built by tensorboardX (``pip install tensorboardX``) and written
by ``ember.viz.event_file``; Ember tensors, NumPy arrays and Python numbers are
accepted wherever PyTorch accepts a tensor. Run ``tensorboard --logdir runs``
to watch them. Installing ``crc32c`` makes logging large images much faster.
"""

from __future__ import annotations

import io
import math
import os
import socket
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import ModuleType
from typing import Any

import numpy

from ember.errors import ShapeError, caller
from ember.viz.convert import to_numpy
from ember.viz.event_file import EventFile, EventFiles
from ember.viz.hparams import check_domains, hparams_summaries

__all__ = ["SummaryWriter"]


def _summaries() -> ModuleType:
    """tensorboardX's summary builders, imported on first use.

    tensorboardX imports PyTorch when it is installed (over a second), which
    ``import ember`` must not pay for.
    """
    try:
        from tensorboardX import summary
    except ImportError as error:
        raise ImportError(
            "ember.viz.SummaryWriter builds TensorBoard summaries with tensorboardX, which "
            "is not installed: pip install tensorboardX"
        ) from error
    return summary


def _matplotlib() -> tuple[ModuleType, ModuleType]:
    """``matplotlib.image`` and ``matplotlib.pyplot``, imported when a figure is logged."""
    try:
        from matplotlib import image, pyplot
    except ImportError as error:
        raise ImportError(
            "SummaryWriter.add_figure renders figures with matplotlib, which is not "
            "installed: pip install matplotlib"
        ) from error
    return image, pyplot


def _tensorflow_bins() -> list[float]:
    """TensorBoard's default histogram edges: +-1e-12 growing by 10% up to 1e20, and 0."""
    count = math.ceil(math.log(1e20 / 1e-12, 1.1))
    positive = (1e-12 * 1.1 ** numpy.arange(count)).tolist()
    return [-edge for edge in reversed(positive)] + [0.0] + positive


_TENSORFLOW_BINS = _tensorflow_bins()


def _scalar(method: str, value: Any) -> float:
    array = to_numpy(value)
    if array.size != 1:
        raise ShapeError(
            f"{method}: expected a single number, got a value of shape {array.shape} "
            f"(called from {caller()})"
        )
    return float(array.reshape(()))


def _step(step: Any) -> int | None:
    return None if step is None else int(to_numpy(step).reshape(()))


def _default_log_dir(comment: str) -> str:
    stamp = datetime.now().strftime("%b%d_%H-%M-%S")
    return os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")


def _image_array(method: str, img_tensor: Any, dataformats: str, allowed: str) -> numpy.ndarray:
    """Check the layout of an image batch and bring it to uint8 in [0, 255].

    Floats are read as [0, 1] and clipped, as PyTorch does; uint8 is kept as is.
    """
    array = to_numpy(img_tensor)
    letters = dataformats.upper()
    if (
        len(set(letters)) != len(letters)
        or not set(letters) <= set(allowed)
        or not ({"H", "W"} <= set(letters) and (len(letters) == 2 or "C" in letters))
    ):
        raise ValueError(
            f"{method}: dataformats must name the dims with distinct letters from "
            f"'{allowed}' including H, W and C (or just 'HW'), got '{dataformats}' "
            f"(called from {caller()})"
        )
    if array.ndim != len(letters):
        raise ShapeError(
            f"{method}: an image of shape {array.shape} does not match dataformats "
            f"'{dataformats}' ({len(letters)} dims) (called from {caller()})"
        )
    if "C" in letters and array.shape[letters.index("C")] not in (1, 3, 4):
        raise ShapeError(
            f"{method}: an image of shape {array.shape} with dataformats '{dataformats}' "
            f"has {array.shape[letters.index('C')]} channels; expected 1 (grey), 3 (RGB) "
            f"or 4 (RGBA) (called from {caller()})"
        )
    if array.dtype == numpy.uint8:
        return array
    scaled = numpy.nan_to_num(array.astype(numpy.float64) * 255.0, nan=0.0)
    return numpy.clip(scaled, 0, 255).astype(numpy.uint8)


def _figure_image(figure: Any, image: ModuleType) -> numpy.ndarray:
    # A round trip through PNG leaves the figure's own canvas (maybe a GUI window) alone.
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    buffer.seek(0)
    rgba = image.imread(buffer, format="png")
    return numpy.round(rgba * 255.0).astype(numpy.uint8)


class SummaryWriter:
    """Write scalars, histograms, images, text and hyperparameters for TensorBoard.

    The same API as ``torch.utils.tensorboard.SummaryWriter``; values may be Ember
    tensors, NumPy arrays or Python numbers. Use it as a context manager, or call
    ``close()`` when done (logging after ``close()`` opens a new event file).

    Args:
        log_dir: folder of the event files; by default
            ``runs/<Mon>DD_HH-MM-SS_<hostname><comment>``.
        comment: suffix of the default ``log_dir`` (ignored when ``log_dir`` is given).
        purge_step: when resuming a crashed run at this step, hide the events
            logged at or after it by the crashed run.
        max_queue: events buffered before they are handed to the OS (at least 1).
        flush_secs: how often buffered events are handed to the OS, in seconds.
        filename_suffix: suffix of the event file names.

    Raises:
        ImportError: if tensorboardX is not installed.
        ValueError: if ``flush_secs`` is not positive.

    >>> import ember, tempfile
    >>> from ember.viz import SummaryWriter
    >>> with SummaryWriter(tempfile.mkdtemp()) as writer:
    ...     for step in range(3):
    ...         writer.add_scalar("loss", ember.tensor(1.0 / (step + 1)), step)
    """

    def __init__(
        self,
        log_dir: str | os.PathLike | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: float = 120,
        filename_suffix: str = "",
    ) -> None:
        # A missing tensorboardX is reported here rather than at the first add_*.
        _summaries()
        if not flush_secs > 0:
            raise ValueError(
                f"SummaryWriter: flush_secs must be positive, got {flush_secs!r} "
                f"(called from {caller()})"
            )
        self.log_dir = os.fspath(log_dir) if log_dir is not None else _default_log_dir(comment)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self._files: EventFiles | None = None
        self._run_file(self.log_dir)

    def _run_file(self, folder: str) -> EventFile:
        """The event file of the run in ``folder``, opening the writer's files on first use."""
        if self._files is None:
            # A purge applies once, to the first file of a resumed run, as in PyTorch.
            self._files = EventFiles(
                self.log_dir, self.purge_step, self.max_queue, self.flush_secs, self.filename_suffix
            )
            self.purge_step = None
        return self._files.get(folder)

    def get_logdir(self) -> str:
        """The folder the event files are written to."""
        return self.log_dir

    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log one number (a float, or a one-element tensor or array) under ``tag``.

        Raises:
            ShapeError: if ``scalar_value`` has more than one element.
        """
        summary = _summaries().scalar(tag, _scalar("add_scalar", scalar_value))
        self._run_file(self.log_dir).add_summary(summary, _step(global_step), walltime)

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: Mapping[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log several numbers drawn on one chart, e.g. ``{"train": 0.3, "val": 0.4}``.

        As in PyTorch, each key gets a run of its own, ``<log_dir>/<main_tag>_<key>``
        (with ``/`` in ``main_tag`` replaced by ``_``), holding the tag ``main_tag``.
        """
        values = {key: _scalar("add_scalars", value) for key, value in tag_scalar_dict.items()}
        step = _step(global_step)
        walltime = time.time() if walltime is None else walltime
        prefix = os.path.join(self.log_dir, main_tag.replace("/", "_"))
        scalar = _summaries().scalar
        for key, value in values.items():
            run_file = self._run_file(f"{prefix}_{key}")
            run_file.add_summary(scalar(main_tag, value), step, walltime)

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: str | int | Sequence[float] = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Log the distribution of ``values`` (e.g. a layer's weights).

        Args:
            bins: ``"tensorflow"`` (TensorBoard's exponential buckets), or any
                ``bins`` that ``numpy.histogram`` takes (``"auto"``, a count, edges).
            max_bins: merge neighbouring buckets down to at most this many.

        Raises:
            ValueError: if ``values`` is empty or holds NaN or Inf.
        """
        array = to_numpy(values).astype(numpy.float64)
        if array.size == 0 or not numpy.isfinite(array).all():
            problem = "is empty" if array.size == 0 else "holds NaN or Inf"
            raise ValueError(
                f"add_histogram: the values for '{tag}' (shape {array.shape}) {problem} "
                f"(called from {caller()})"
            )
        if isinstance(bins, str) and bins == "tensorflow":
            bins = _TENSORFLOW_BINS
        summary = _summaries().histogram(tag, array, bins, max_bins=max_bins)
        self._run_file(self.log_dir).add_summary(summary, _step(global_step), walltime)

    def _add_image(
        self, tag: str, image: numpy.ndarray, dataformats: str, step: Any, walltime: Any
    ) -> None:
        summary = _summaries().image(tag, image, dataformats=dataformats)
        self._run_file(self.log_dir).add_summary(summary, _step(step), walltime)

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """Log one image: floats in [0, 1] or uint8 in [0, 255], with 1, 3 or 4 channels.

        Args:
            dataformats: the layout of ``img_tensor``: ``"CHW"``, ``"HWC"`` or ``"HW"``.

        Raises:
            ShapeError: if the shape does not match ``dataformats`` or has 2 or 5+ channels.
        """
        image = _image_array("add_image", img_tensor, dataformats, "CHW")
        self._add_image(tag, image, dataformats, global_step, walltime)

    def add_images(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "NCHW",
    ) -> None:
        """Log a batch of images, shown as one grid (8 to a row).

        Args:
            dataformats: the layout of ``img_tensor``: ``"NCHW"`` or ``"NHWC"``.

        Raises:
            ShapeError: if the shape does not match ``dataformats`` or has 2 or 5+ channels.
        """
        if len(dataformats) != 4:
            raise ValueError(
                f"add_images: dataformats must name 4 dims (N, C, H and W), got "
                f"'{dataformats}' (called from {caller()})"
            )
        images = _image_array("add_images", img_tensor, dataformats, "NCHW")
        self._add_image(tag, images, dataformats, global_step, walltime)

    def add_figure(
        self,
        tag: str,
        figure: Any,
        global_step: int | None = None,
        close: bool = True,
        walltime: float | None = None,
    ) -> None:
        """Log a matplotlib figure (or a list of same-sized figures) as an image.

        Args:
            close: close the figure(s) in pyplot afterwards.

        Raises:
            ImportError: if matplotlib is not installed.
            ShapeError: if the figures of a list render to different sizes.
        """
        image, pyplot = _matplotlib()
        many = isinstance(figure, (list, tuple))
        figures = list(figure) if many else [figure]
        images = [_figure_image(f, image) for f in figures]
        if close:
            for f in figures:
                pyplot.close(f)
        if not many:
            self._add_image(tag, images[0], "HWC", global_step, walltime)
            return
        if len({image.shape for image in images}) > 1:
            raise ShapeError(
                f"add_figure: the figures of a list must have one size, got images of shapes "
                f"{[image.shape for image in images]} (called from {caller()})"
            )
        self._add_image(tag, numpy.stack(images), "NHWC", global_step, walltime)

    def add_text(
        self,
        tag: str,
        text_string: str,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log text (Markdown is rendered by TensorBoard) under ``<tag>/text_summary``."""
        summary = _summaries().text(tag, text_string)
        self._run_file(self.log_dir).add_summary(summary, _step(global_step), walltime)

    def add_hparams(
        self,
        hparam_dict: Mapping[str, Any],
        metric_dict: Mapping[str, Any],
        hparam_domain_discrete: Mapping[str, Sequence] | None = None,
        run_name: str | None = None,
        global_step: int | None = None,
    ) -> None:
        """Log a run's hyperparameters with its final metrics, for the HParams dashboard.

        As in PyTorch, they go to a run of their own, ``<log_dir>/<run_name>``, with
        each metric logged there as a scalar.

        Args:
            hparam_dict: hyperparameter name -> bool, str, int, float or
                one-element tensor; None values are left out.
            metric_dict: metric name -> number. Use names not logged with
                ``add_scalar`` already, or both show up in the dashboard.
            hparam_domain_discrete: hyperparameter name -> every value it can take.
            run_name: name of the run; by default the current time.

        Raises:
            TypeError: for a value of another type, or a domain that does not list
                values of its hyperparameter's type.
            ValueError: for a domain of a hyperparameter not in ``hparam_dict``.
        """
        if not isinstance(hparam_dict, Mapping) or not isinstance(metric_dict, Mapping):
            raise TypeError(
                f"add_hparams: hparam_dict and metric_dict must be dicts, got "
                f"{type(hparam_dict).__name__} and {type(metric_dict).__name__} "
                f"(called from {caller()})"
            )
        domains = check_domains(hparam_dict, hparam_domain_discrete)
        records = hparams_summaries(hparam_dict, metric_dict, domains)
        metrics = {tag: _scalar("add_hparams", value) for tag, value in metric_dict.items()}
        step = _step(global_step)
        run_file = EventFile(
            os.path.join(self.log_dir, run_name or str(time.time())),
            self.max_queue,
            self.filename_suffix,
        )
        try:
            for record in records:
                run_file.add_summary(record, step)
            for tag, value in metrics.items():
                run_file.add_summary(_summaries().scalar(tag, value), step)
        finally:
            run_file.close()

    def flush(self) -> None:
        """Hand every event logged so far to the OS, where TensorBoard can read it."""
        if self._files is not None:
            self._files.flush()

    def close(self) -> None:
        """Write pending events and close the event files."""
        if self._files is not None:
            self._files.close()
            self._files = None

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
