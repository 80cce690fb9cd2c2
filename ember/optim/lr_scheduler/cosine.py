"""Cosine schedules: annealing, warm restarts, and the one-cycle policy."""

from __future__ import annotations

import math
from typing import Any

from ember.optim.lr_scheduler.base import LRScheduler, _check_optimizer, _group_lrs, _per_group
from ember.optim.optimizer import Optimizer, _check, _fail

__all__ = ["CosineAnnealingLR", "CosineAnnealingWarmRestarts", "OneCycleLR"]


class CosineAnnealingLR(LRScheduler):
    """Anneal the lr from ``initial_lr`` to ``eta_min`` along half a cosine of period ``T_max``.

    The schedule is applied recursively, as in PyTorch: each step multiplies
    ``lr - eta_min`` by the ratio of consecutive cosine values, so the values
    match PyTorch's exactly (and follow changes made to ``lr`` by others). Past
    ``T_max`` the cosine continues, rising back to ``initial_lr`` at ``2 T_max``.

    Args:
        optimizer: the optimizer to schedule.
        T_max: number of epochs of the half period.
        eta_min: minimum learning rate.
        last_epoch: index of the last epoch when resuming.

    >>> import ember
    >>> opt = ember.optim.SGD([ember.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = ember.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2)
    >>> sched.step()
    >>> [round(lr, 4) for lr in sched.get_last_lr()]
    [0.5]
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The lrs one step further along the cosine."""
        groups = self.optimizer.param_groups
        epoch, t_max, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return _group_lrs(self.optimizer)
        if self._step_count == 1 and epoch > 0:
            return [
                eta_min + (base_lr - eta_min) * (1 + math.cos(epoch * math.pi / t_max)) / 2
                for base_lr in self.base_lrs
            ]
        if (epoch - 1 - t_max) % (2 * t_max) == 0:
            # At the trough the ratio below would divide by zero; step up by one
            # cosine increment instead.
            return [
                group["lr"] + (base_lr - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
                for base_lr, group in zip(self.base_lrs, groups, strict=True)
            ]
        ratio = (1 + math.cos(math.pi * epoch / t_max)) / (
            1 + math.cos(math.pi * (epoch - 1) / t_max)
        )
        return [ratio * (group["lr"] - eta_min) + eta_min for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        cosine = 1 + math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base_lr - self.eta_min) * cosine / 2 for base_lr in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing restarted every ``T_i`` epochs, with ``T_i`` growing by ``T_mult``.

    Args:
        optimizer: the optimizer to schedule.
        T_0: length of the first period.
        T_mult: factor by which each period is longer than the previous one.
        eta_min: minimum learning rate.
        last_epoch: index of the last epoch when resuming.

    Raises:
        ValueError: if ``T_0`` is not a positive int or ``T_mult`` an int >= 1.

    ``step(epoch)`` also takes a fractional epoch, e.g. ``epoch + i / iters``
    from inside an epoch.

    >>> import ember
    >>> opt = ember.optim.SGD([ember.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = ember.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2)
    >>> lrs = []
    >>> for _ in range(4):
    ...     lrs.append(round(sched.get_last_lr()[0], 4))
    ...     sched.step()
    >>> lrs
    [1.0, 0.5, 1.0, 0.5]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        name = "CosineAnnealingWarmRestarts"
        _check(
            name, isinstance(T_0, int) and T_0 > 0, f"Expected positive integer T_0, but got {T_0}"
        )
        _check(
            name,
            isinstance(T_mult, int) and T_mult >= 1,
            f"Expected integer T_mult >= 1, but got {T_mult}",
        )
        _check(
            name,
            isinstance(eta_min, (float, int)),
            f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}",
        )
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The lrs at position ``T_cur`` of the current period."""
        cosine = 1 + math.cos(math.pi * self.T_cur / self.T_i)
        return [self.eta_min + (base_lr - self.eta_min) * cosine / 2 for base_lr in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance by one epoch, or jump to ``epoch`` (which may be fractional).

        Raises:
            ValueError: for a negative epoch.
        """
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            _check(
                "CosineAnnealingWarmRestarts",
                epoch >= 0,
                f"Expected non-negative epoch, but got {epoch}",
            )
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = _group_lrs(self.optimizer)


class OneCycleLR(LRScheduler):
    """The 1cycle policy: warm up to ``max_lr``, then anneal far below the start; call per batch.

    The lr rises from ``max_lr / div_factor`` to ``max_lr`` over the first
    ``pct_start`` of the steps, then falls to ``initial_lr / final_div_factor``
    (with ``three_phase``, it first falls back to the initial lr, then to the
    minimum). With ``cycle_momentum`` the momentum (or Adam's ``beta1``) moves
    the opposite way between ``max_momentum`` and ``base_momentum``.

    Args:
        optimizer: the optimizer to schedule (needs ``momentum`` or ``betas``
            when ``cycle_momentum``).
        max_lr: peak learning rate, or one per group.
        total_steps: number of steps in the cycle (or give ``epochs`` and
            ``steps_per_epoch``).
        epochs: number of epochs, with ``steps_per_epoch``.
        steps_per_epoch: steps per epoch, with ``epochs``.
        pct_start: fraction of the cycle spent increasing the lr.
        anneal_strategy: ``"cos"`` or ``"linear"``.
        cycle_momentum: cycle the momentum inversely to the lr.
        base_momentum: lowest momentum, or one per group.
        max_momentum: highest momentum, or one per group.
        div_factor: ``initial_lr = max_lr / div_factor``.
        final_div_factor: ``min_lr = initial_lr / final_div_factor``.
        three_phase: use the three-phase variant.
        last_epoch: index of the last step when resuming.

    Raises:
        ValueError: for invalid step counts, ``pct_start`` or ``anneal_strategy``,
            or ``cycle_momentum`` with an optimizer without momentum, or more
            steps than ``total_steps``.

    >>> import ember
    >>> opt = ember.optim.SGD([ember.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    >>> sched = ember.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    >>> lrs = []
    >>> for _ in range(10):
    ...     lrs.append(sched.get_last_lr()[0])
    ...     opt.step()
    ...     sched.step()
    >>> round(lrs[0], 4), round(max(lrs), 4), round(lrs[-1], 6)
    (0.04, 1.0, 4e-06)
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        name = "OneCycleLR"
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            _check(
                name,
                isinstance(total_steps, int) and total_steps > 0,
                f"Expected positive integer total_steps, but got {total_steps}",
            )
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            _check(
                name,
                isinstance(epochs, int) and epochs > 0,
                f"Expected positive integer epochs, but got {epochs}",
            )
            _check(
                name,
                isinstance(steps_per_epoch, int) and steps_per_epoch > 0,
                f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}",
            )
            self.total_steps = epochs * steps_per_epoch
        else:
            raise _fail(name, "You must define either total_steps OR (epochs AND steps_per_epoch)")
        _check(
            name,
            isinstance(pct_start, float) and 0 <= pct_start <= 1,
            f"Expected float between 0 and 1 pct_start, but got {pct_start}",
        )
        _check(
            name,
            anneal_strategy in ("cos", "linear"),
            f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}",
        )
        warmup_end = float(pct_start * self.total_steps) - 1
        last = self.total_steps - 1
        # Each phase: (end step, lr from, lr to, momentum from, momentum to).
        if three_phase:
            self._schedule_phases = [
                (warmup_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (
                    float(2 * pct_start * self.total_steps) - 2,
                    "max_lr",
                    "initial_lr",
                    "base_momentum",
                    "max_momentum",
                ),
                (last, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._schedule_phases = [
                (warmup_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (last, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        self._anneal_func_type = anneal_strategy
        max_lrs = _per_group(name, "max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for peak, group in zip(max_lrs, optimizer.param_groups, strict=True):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _check(
                name,
                "momentum" in optimizer.defaults or "betas" in optimizer.defaults,
                "optimizer must support momentum or beta1 with `cycle_momentum` option enabled",
            )
            self.use_beta1 = "betas" in optimizer.defaults
            max_momentums = _per_group(name, "max_momentum", optimizer, max_momentum)
            base_momentums = _per_group(name, "base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for high, low, group in zip(
                    max_momentums, base_momentums, optimizer.param_groups, strict=True
                ):
                    self._set_momentum(group, high)
                    group["max_momentum"] = high
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """The lrs at the current step of the cycle (momentum is set as a side effect).

        Raises:
            ValueError: when stepped past ``total_steps``.
        """
        step = self.last_epoch
        _check(
            "OneCycleLR",
            step <= self.total_steps,
            f"Tried to step {step} times. The specified number of total steps is "
            f"{self.total_steps}",
        )
        lrs = []
        last_phase = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, (end_step, lr_from, lr_to, mom_from, mom_to) in enumerate(self._schedule_phases):
                if step <= end_step or i == last_phase:
                    pct = (step - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[lr_from], group[lr_to], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[mom_from], group[mom_to], pct))
                    break
                start_step = end_step
        return lrs
