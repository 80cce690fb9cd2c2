"""Schedulers made of schedulers: one after another, or several at once."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from ember.optim.lr_scheduler.base import LRScheduler, _group_lrs
from ember.optim.lr_scheduler.plateau import ReduceLROnPlateau
from ember.optim.optimizer import Optimizer, _check, _fail

__all__ = ["ChainedScheduler", "SequentialLR"]


class _SchedulerList(LRScheduler):
    """Shared by SequentialLR and ChainedScheduler: a list of schedulers of one optimizer."""

    def _check_schedulers(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler]) -> None:
        name = type(self).__name__
        _check(name, len(schedulers) >= 1, "expects at least one scheduler, but got none")
        for i, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler):
                raise _fail(name, f"the scheduler at index {i} is not an LRScheduler", TypeError)
            _check(
                name,
                not isinstance(scheduler, ReduceLROnPlateau),
                f"does not support ReduceLROnPlateau (at index {i}): its step() needs the metric",
            )
            _check(
                name,
                scheduler.optimizer is optimizer,
                f"expects all schedulers to belong to the same optimizer, but the "
                f"{type(scheduler).__name__} at index {i} has another one",
            )

    def state_dict(self) -> dict[str, Any]:
        """The state of this scheduler and of each scheduler it holds."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore this scheduler and each scheduler it holds."""
        state = dict(state_dict)
        saved = state.pop("_schedulers")
        self.__dict__.update(state)
        for scheduler, scheduler_state in zip(self._schedulers, saved, strict=True):
            scheduler.load_state_dict(scheduler_state)


class SequentialLR(_SchedulerList):
    """Run ``schedulers`` one after another, switching at each of ``milestones``.

    Each scheduler starts from its own epoch 0 when its turn comes.

    Args:
        optimizer: the optimizer every scheduler belongs to.
        schedulers: the schedulers, in order.
        milestones: the epochs at which to switch (one fewer than schedulers).
        last_epoch: index of the last epoch when resuming.

    Raises:
        ValueError: for a wrong number of milestones or a scheduler of another optimizer.

    >>> import ember
    >>> from ember.optim import lr_scheduler
    >>> opt = ember.optim.SGD([ember.zeros(1, requires_grad=True)], lr=1.0)
    >>> warmup = lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> decay = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> sched = lr_scheduler.SequentialLR(opt, [warmup, decay], milestones=[2])
    >>> lrs = []
    >>> for _ in range(4):
    ...     lrs.append(sched.get_last_lr()[0])
    ...     sched.step()
    >>> lrs
    [0.5, 0.75, 1.0, 0.5]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: list[LRScheduler],
        milestones: list[int],
        last_epoch: int = -1,
    ) -> None:
        self._check_schedulers(optimizer, schedulers)
        _check(
            "SequentialLR",
            len(milestones) == len(schedulers) - 1,
            "expects number of schedulers provided to be one more than the number of "
            f"milestone points, but got number of schedulers {len(schedulers)} and the "
            f"number of milestones to be equal to {len(milestones)}",
        )
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # Building each scheduler already stepped it once; undo that so the
        # first one starts afresh from the initial lrs.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:
            _undo_epoch(scheduler)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:
        """Advance one epoch, switching scheduler at a milestone."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


def _undo_epoch(scheduler: LRScheduler) -> None:
    if isinstance(scheduler, _SchedulerList):
        for inner in scheduler._schedulers:
            _undo_epoch(inner)
    else:
        scheduler.last_epoch -= 1


class ChainedScheduler(_SchedulerList):
    """Step several schedulers together, so their effects on the lr multiply.

    Args:
        schedulers: the schedulers to step, in order.
        optimizer: their optimizer (default: the first scheduler's).

    Raises:
        ValueError: if the schedulers belong to different optimizers.

    >>> import ember
    >>> from ember.optim import lr_scheduler
    >>> opt = ember.optim.SGD([ember.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = lr_scheduler.ChainedScheduler(
    ...     [lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2),
    ...      lr_scheduler.ExponentialLR(opt, gamma=0.5)]
    ... )
    >>> sched.step()
    >>> sched.get_last_lr()
    [0.25]
    """

    def __init__(
        self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None
    ) -> None:
        _check("ChainedScheduler", len(schedulers) >= 1, "expects at least one scheduler")
        optimizer = optimizer or schedulers[0].optimizer
        self._check_schedulers(optimizer, schedulers)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = _group_lrs(optimizer)

    def step(self) -> None:
        """Step every scheduler once."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = _group_lrs(self.optimizer)
