"""The scheduler base class and the helpers the schedules share."""

from __future__ import annotations

from typing import Any

from ember.optim.optimizer import Optimizer, _check, _fail

__all__ = ["LRScheduler"]


def _group_lrs(optimizer: Optimizer) -> list[float]:
    return [group["lr"] for group in optimizer.param_groups]


def _check_optimizer(optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise _fail(
            "LRScheduler",
            f"expected an ember.optim.Optimizer, but got {type(optimizer).__name__}",
            TypeError,
        )


def _per_group(owner: str, name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """``value`` repeated for each parameter group, or checked to have one entry per group."""
    count = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        _check(
            owner,
            len(value) == count,
            f"{name} must have the same length as optimizer.param_groups. "
            f"{name} has {len(value)} values, param_groups has {count}.",
        )
        return list(value)
    return [value] * count


class LRScheduler:
    """Base class of the schedulers; subclasses implement ``get_lr()``.

    Args:
        optimizer: the optimizer whose learning rates are scheduled.
        last_epoch: index of the last epoch when resuming; -1 starts afresh and
            records each group's ``lr`` as its ``initial_lr``.

    Attributes:
        base_lrs: each group's ``initial_lr``.
        last_epoch: number of ``step()`` calls so far (0 after construction).

    Raises:
        TypeError: if ``optimizer`` is not an Ember optimizer.
        KeyError: when resuming (``last_epoch >= 0``) without ``initial_lr`` in the groups.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when "
                        "resuming a scheduler with last_epoch >= 0: load the optimizer's "
                        "state_dict first"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        # The construction step may only set up the schedule, not advance a
        # recursive one: get_lr() checks _is_initial for that.
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for the current ``last_epoch`` (called by ``step``)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_lr")

    def get_last_lr(self) -> list[float]:
        """The learning rate of each parameter group set by the last ``step()``."""
        return self._last_lr

    def step(self) -> None:
        """Advance the schedule by one epoch (or batch) and update the optimizer."""
        self._step_count += 1
        self._update_lr()

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = _group_lrs(self.optimizer)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's attributes except the optimizer, to resume the schedule."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes saved by ``state_dict``."""
        self.__dict__.update(state_dict)
