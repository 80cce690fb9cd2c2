"""``GradientMonitor``: watches gradients, updates and ReLUs while a model trains.

Keras has no such callback; it answers the first questions asked of a model
that does not learn: do gradients reach every layer, do they blow up, do the
weights move, are the ReLUs dead? It warns in plain words, naming the layer.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ember.nn import ReLU, ReLU6
from ember.train.callbacks.base import Callback
from ember.viz import SummaryWriter

__all__ = ["GradientMonitor", "GradientWarning"]

# How much the running mean of a gradient norm follows each new step: slow enough
# that one noisy step does not look like growth against it.
_SMOOTHING = 0.9
# Growth is judged only once the running mean has seen this many steps.
_WARM_UP = 3


class GradientWarning(UserWarning):
    """A training problem found by ``GradientMonitor`` (vanishing, exploding, NaN, dead ReLU)."""


def _norm(array: Any) -> float:
    return math.sqrt(float((array.astype("float64") ** 2).sum()))


class GradientMonitor(Callback):
    """Gradient norms, update sizes and dead-ReLU fractions, with warnings.

    Every ``every`` training steps it records, per named parameter
    (``"fc1.weight"``): the gradient norm after ``backward``, the norm of the
    change the optimizer made (``update_norm``) and that change relative to
    the parameter (``update_ratio``, healthy around 1e-3); and, per ``nn.ReLU``
    module, the fraction of its outputs that were zero (ReLUs called through
    ``F.relu`` cannot be watched). The values go into the batch's logs (keys
    ``grad_norm/<name>``, ``update_norm/<name>``, ``update_ratio/<name>``,
    ``dead_relu/<module>``), into ``self.stats``, and to ``writer`` if given.

    It warns (``GradientWarning``, once per layer and problem) when a layer's
    gradient vanishes (norm below ``vanish_below``), explodes (above
    ``explode_above``, or ``growth_factor`` times its running mean), turns
    NaN or infinite, when the loss turns NaN, or when a ReLU outputs zero for
    more than ``dead_relu_above`` of its inputs. The messages are also kept in
    ``self.warnings`` and in the batch's ``logs["gradient_warnings"]``.

    Args:
        every: watch one step in this many (1: all).
        vanish_below: a gradient norm under this has vanished.
        explode_above: a gradient norm over this has exploded.
        growth_factor: a norm this many times its running mean is exploding.
        dead_relu_above: the zero fraction that counts as a dead ReLU (None: never warn).
        writer: an ``ember.viz.SummaryWriter`` or a log folder for one (None: none).

    >>> import ember
    >>> monitor = ember.callbacks.GradientMonitor()
    >>> model = ember.Sequential([ember.nn.Linear(2, 4), ember.nn.ReLU(), ember.nn.Linear(4, 1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> _ = model.fit(ember.randn(8, 2), ember.randn(8, 1), verbose=0, callbacks=[monitor])
    >>> sorted(k for k in monitor.stats if k.startswith("grad_norm"))
    ['grad_norm/0.bias', 'grad_norm/0.weight', 'grad_norm/2.bias', 'grad_norm/2.weight']
    """

    def __init__(
        self,
        every: int = 1,
        vanish_below: float = 1e-7,
        explode_above: float = 1e3,
        growth_factor: float = 10.0,
        dead_relu_above: float | None = 0.95,
        writer: Any = None,
    ) -> None:
        super().__init__()
        if not (isinstance(every, int) and every > 0):
            raise ValueError(f"GradientMonitor: every must be a positive int, got {every!r}")
        self.every = every
        self.vanish_below = vanish_below
        self.explode_above = explode_above
        self.growth_factor = growth_factor
        self.dead_relu_above = dead_relu_above
        self.writer = writer
        self.stats: dict[str, list[float]] = {}
        self.steps: list[int] = []
        self.warnings: list[str] = []
        self._step = 0
        self._hooks: list[Any] = []
        self._relu_counts: dict[str, list[int]] = {}
        self._running: dict[str, tuple[float, int]] = {}
        self._before: dict[str, Any] = {}
        self._warned: set[tuple[str, str]] = set()
        self._step_warnings: list[str] = []

    # ------------------------------------------------------------------ set-up
    def _network(self) -> Any:
        return getattr(self.model, "network", self.model)

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Hook every ReLU module and open the writer."""
        self._step = 0
        self._warned.clear()
        self._running.clear()
        if isinstance(self.writer, (str, bytes)) or hasattr(self.writer, "__fspath__"):
            self.writer = SummaryWriter(self.writer)
        for name, module in self._network().named_modules():
            if isinstance(module, (ReLU, ReLU6)):
                self._relu_counts[name or "(model)"] = [0, 0]
                self._hooks.append(module.register_forward_hook(self._relu_hook(name)))

    def on_train_end(self, logs: dict | None = None) -> None:
        """Remove the hooks; flush the writer."""
        for handle in self._hooks:
            handle.remove()
        self._hooks = []
        if self.writer is not None:
            self.writer.flush()

    def _relu_hook(self, name: str) -> Any:
        counts = self._relu_counts.setdefault(name or "(model)", [0, 0])

        def hook(module: Any, inputs: Any, output: Any) -> None:
            # Evaluation passes do not count: the question is what training sees.
            if module.training:
                counts[0] += int((output.data == 0).sum())
                counts[1] += output.data.size

        return hook

    # --------------------------------------------------------------- each step
    def _watched(self) -> bool:
        return self._step % self.every == 0

    def _layer(self, parameter_name: str) -> str:
        path = parameter_name.rpartition(".")[0]
        try:
            kind = type(self._network().get_submodule(path)).__name__
        except AttributeError:
            return f"'{path or '(model)'}'"
        return f"'{path}' ({kind})" if path else f"the model ({kind})"

    def _warn(self, kind: str, name: str, message: str) -> None:
        if (kind, name) in self._warned:
            return
        self._warned.add((kind, name))
        self.warnings.append(message)
        self._step_warnings.append(message)
        warnings.warn(message, GradientWarning, stacklevel=2)

    def _record(self, logs: dict | None, key: str, value: float) -> None:
        self.stats.setdefault(key, []).append(value)
        if logs is not None:
            logs[key] = value
        if self.writer is not None:
            self.writer.add_scalar(key, value, self._step)

    def on_after_backward(self, batch: int, logs: dict | None = None) -> None:
        """Record and judge the gradient norms; keep the weights to measure the update."""
        if not self._watched():
            return
        self.steps.append(self._step)
        self._before = {}
        for name, param in self._network().named_parameters():
            if not param.requires_grad:
                continue
            self._before[name] = param.data.copy()
            if param.grad is None:
                self._warn(
                    "no_gradient",
                    name,
                    f"{name} in layer {self._layer(name)} received no gradient: the loss "
                    "does not depend on it (an unused layer, or a detached path)",
                )
                continue
            norm = _norm(param.grad.data)
            self._record(logs, f"grad_norm/{name}", norm)
            self._judge(name, norm)

    def _judge(self, name: str, norm: float) -> None:
        layer, step = self._layer(name), self._step
        if not math.isfinite(norm):
            self._warn(
                "nan",
                name,
                f"the gradient of {name} in layer {layer} is {norm} at step {step}: the "
                "forward or backward pass overflowed (lower the learning rate, check for "
                "log(0) or division by zero, or clip gradients)",
            )
            return
        if norm < self.vanish_below:
            self._warn(
                "vanish",
                name,
                f"vanishing gradient: the gradient of {name} in layer {layer} has norm "
                f"{norm:.3g} (below {self.vanish_below:g}) at step {step}, so this layer "
                "barely learns (try ReLU-family activations, normalization, residual "
                "connections or a different initialization)",
            )
        mean, seen = self._running.get(name, (norm, 0))
        if norm > self.explode_above:
            self._warn(
                "explode",
                name,
                f"exploding gradient: the gradient of {name} in layer {layer} has norm "
                f"{norm:.3g} (above {self.explode_above:g}) at step {step} (lower the "
                "learning rate or clip gradients with ember.nn.utils.clip_grad_norm_)",
            )
        elif seen >= _WARM_UP and mean > 0 and norm > self.growth_factor * mean:
            self._warn(
                "explode",
                name,
                f"exploding gradient: the gradient of {name} in layer {layer} has norm "
                f"{norm:.3g}, {norm / mean:.0f}x its recent average {mean:.3g}, at step {step} "
                "(lower the learning rate or clip gradients)",
            )
        self._running[name] = (_SMOOTHING * mean + (1 - _SMOOTHING) * norm, seen + 1)

    def on_after_optimizer_step(self, batch: int, logs: dict | None = None) -> None:
        """Record how far the optimizer moved each parameter."""
        if not self._watched():
            return
        for name, param in self._network().named_parameters():
            before = self._before.get(name)
            if before is None:
                continue
            update = _norm(param.data - before)
            self._record(logs, f"update_norm/{name}", update)
            size = _norm(param.data)
            self._record(logs, f"update_ratio/{name}", update / size if size else 0.0)
        self._before = {}

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Record the dead-ReLU fractions and check the loss."""
        if self._watched():
            for name, counts in self._relu_counts.items():
                if counts[1]:
                    fraction = counts[0] / counts[1]
                    self._record(logs, f"dead_relu/{name}", fraction)
                    if self.dead_relu_above is not None and fraction > self.dead_relu_above:
                        self._warn(
                            "dead_relu",
                            name,
                            f"dead ReLU: {fraction:.0%} of the outputs of '{name}' are zero at "
                            f"step {self._step}, so the layers before it get almost no "
                            "gradient (lower the learning rate, or try LeakyReLU or GELU)",
                        )
                counts[0] = counts[1] = 0
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            self._warn(
                "loss",
                "loss",
                f"the loss is {loss} at step {self._step}: training has diverged (lower the "
                "learning rate; check the inputs for NaN and the loss for log(0))",
            )
        if self._step_warnings and logs is not None:
            logs["gradient_warnings"] = list(self._step_warnings)
        self._step_warnings = []
        self._step += 1
