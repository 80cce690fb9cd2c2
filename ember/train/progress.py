"""Progress display for ``fit``, ``evaluate`` and ``predict``.

``verbose=1`` draws a bar per epoch with the running loss and metrics, the
time left and the steps per second (through tqdm when it is installed, else a
plain bar redrawn in place); ``verbose=2`` prints one line per epoch, which
suits logs and notebooks that keep every redraw; ``verbose="auto"`` picks 1 on
a terminal and 2 otherwise.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Mapping
from typing import Any, TextIO

try:
    import tqdm
except ImportError:
    tqdm = None

__all__ = ["Progbar", "format_logs", "resolve_verbose"]

# The plain bar redraws at most this often, so that fast steps cost no terminal time.
_REDRAW_SECONDS = 0.1
_BAR_WIDTH = 30


def resolve_verbose(verbose: int | str) -> int:
    """0, 1 or 2 from ``verbose``; ``"auto"`` is 1 on a terminal and 2 otherwise.

    >>> resolve_verbose(0)
    0
    """
    if verbose == "auto":
        isatty = getattr(sys.stdout, "isatty", None)
        return 1 if isatty is not None and isatty() else 2
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto', got {verbose!r}")
    return int(verbose)


def _format_value(value: float) -> str:
    if value == 0 or not math.isfinite(value) or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4f}"
    return f"{value:.4e}"


def format_logs(logs: Mapping[str, Any]) -> str:
    """``"loss: 0.1234 - accuracy: 0.9500"``: the scalar values of ``logs``, in order.

    >>> format_logs({"loss": 0.5, "accuracy": 1.0, "matrix": [[1, 0], [0, 1]]})
    'loss: 0.5000 - accuracy: 1.0000'
    """
    return " - ".join(
        f"{key}: {_format_value(float(value))}"
        for key, value in logs.items()
        if isinstance(value, (int, float)) and not isinstance(value, bool)
    )


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{seconds:.1f}s" if seconds < 10 else f"{seconds:.0f}s"


class Progbar:
    """The progress of one pass over the data (an epoch, an evaluation).

    Args:
        target: the number of steps, or None when unknown.
        verbose: 1 for a live bar, 2 for one line when the pass ends, 0 for nothing.
        title: text in front, e.g. ``"Epoch 3/10"``.
        file: where to write; ``sys.stdout`` when None.

    >>> import io
    >>> out = io.StringIO()
    >>> bar = Progbar(4, verbose=2, title="Epoch 1/1", file=out)
    >>> for step in range(1, 5):
    ...     bar.update(step, {"loss": 1.0 / step})
    >>> bar.finish({"loss": 0.25})
    >>> out.getvalue().startswith("Epoch 1/1 - 4/4 steps")
    True
    """

    def __init__(
        self, target: int | None, verbose: int = 1, title: str = "", file: TextIO | None = None
    ) -> None:
        self.target = target
        self.verbose = verbose
        self.title = title
        self.file = file if file is not None else sys.stdout
        self.start = time.perf_counter()
        self.current = 0
        self._last_draw = 0.0
        self._bar = None
        if verbose == 1 and tqdm is not None:
            self._bar = tqdm.tqdm(
                total=target,
                desc=title,
                unit="step",
                file=self.file,
                leave=True,
                dynamic_ncols=True,
            )

    def update(self, current: int, values: Mapping[str, Any] | None = None) -> None:
        """Record that ``current`` steps are done; ``values`` are the running logs."""
        steps, self.current = current - self.current, current
        if self.verbose != 1:
            return
        if self._bar is not None:
            self._bar.set_postfix_str(format_logs(values or {}), refresh=False)
            self._bar.update(steps)
            return
        now = time.perf_counter()
        if now - self._last_draw >= _REDRAW_SECONDS:
            self._last_draw = now
            self.file.write("\r" + self._plain_line(values or {}, done=False))
            self.file.flush()

    def finish(self, values: Mapping[str, Any] | None = None) -> None:
        """End the pass: show the final ``values`` (which may add the ``val_`` ones)."""
        if self.verbose == 0:
            return
        if self._bar is not None:
            self._bar.set_postfix_str(format_logs(values or {}), refresh=False)
            self._bar.close()
            return
        prefix = "\r" if self.verbose == 1 else ""
        self.file.write(prefix + self._plain_line(values or {}, done=True) + "\n")
        self.file.flush()

    def _plain_line(self, values: Mapping[str, Any], done: bool) -> str:
        elapsed = time.perf_counter() - self.start
        rate = self.current / elapsed if elapsed > 0 else 0.0
        parts = [self.title] if self.title else []
        if self.verbose == 2:
            total = self.target if self.target is not None else self.current
            parts.append(f"{self.current}/{total} steps")
        elif self.target:
            filled = min(_BAR_WIDTH, _BAR_WIDTH * self.current // self.target)
            arrow = ">" if filled < _BAR_WIDTH else ""
            bar = "=" * filled + arrow + "." * (_BAR_WIDTH - filled - len(arrow))
            parts.append(f"{self.current}/{self.target} [{bar}]")
        else:
            parts.append(f"{self.current} steps")
        if done:
            parts.append(_duration(elapsed))
        elif self.target and rate > 0:
            parts.append(f"ETA: {_duration((self.target - self.current) / rate)}")
        parts.append(f"{rate:.1f} steps/s" if rate >= 1 or rate == 0 else f"{1 / rate:.2f} s/step")
        logs = format_logs(values)
        if logs:
            parts.append(logs)
        return " - ".join(parts)
