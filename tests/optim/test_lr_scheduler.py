"""Every scheduler and option against torch.optim.lr_scheduler: the same lr sequence."""

from __future__ import annotations

import copy

import pytest
import torch

import ember
import ember.optim
from ember.optim import lr_scheduler

STEPS = 60


def _sequential(m, opt):
    return m.SequentialLR(
        opt,
        [m.LinearLR(opt, start_factor=0.1, total_iters=10), m.CosineAnnealingLR(opt, T_max=40)],
        milestones=[10],
    )


def _sequential3(m, opt):
    return m.SequentialLR(
        opt,
        [
            m.ConstantLR(opt, factor=0.5, total_iters=3),
            m.ExponentialLR(opt, gamma=0.9),
            m.StepLR(opt, step_size=4, gamma=0.5),
        ],
        milestones=[5, 20],
    )


def _chained(m, opt):
    return m.ChainedScheduler(
        [m.ConstantLR(opt, factor=0.5, total_iters=8), m.ExponentialLR(opt, gamma=0.95)]
    )


# (id, optimizer name, factory(scheduler module, optimizer)).
CASES = [
    ("StepLR", "SGD", lambda m, o: m.StepLR(o, step_size=7)),
    ("StepLR-gamma", "SGD", lambda m, o: m.StepLR(o, step_size=3, gamma=0.7)),
    ("MultiStepLR", "SGD", lambda m, o: m.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3)),
    ("ExponentialLR", "SGD", lambda m, o: m.ExponentialLR(o, gamma=0.93)),
    ("CosineAnnealingLR", "SGD", lambda m, o: m.CosineAnnealingLR(o, T_max=60)),
    ("CosineAnnealingLR-periodic", "SGD", lambda m, o: m.CosineAnnealingLR(o, T_max=10)),
    (
        "CosineAnnealingLR-eta_min",
        "SGD",
        lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
    ),
    ("CosineAnnealingWarmRestarts", "SGD", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=7)),
    (
        "CosineAnnealingWarmRestarts-T_mult",
        "SGD",
        lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.001),
    ),
    ("OneCycleLR", "SGD", lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=STEPS + 1)),
    (
        "OneCycleLR-linear",
        "SGD",
        lambda m, o: m.OneCycleLR(
            o, max_lr=[1.0, 0.5], total_steps=STEPS + 1, anneal_strategy="linear"
        ),
    ),
    (
        "OneCycleLR-three_phase",
        "SGD",
        lambda m, o: m.OneCycleLR(
            o,
            max_lr=0.8,
            epochs=6,
            steps_per_epoch=11,
            pct_start=0.25,
            three_phase=True,
            div_factor=10.0,
            final_div_factor=100.0,
        ),
    ),
    (
        "OneCycleLR-no-momentum",
        "SGD",
        lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=STEPS + 1, cycle_momentum=False),
    ),
    (
        "OneCycleLR-adam-betas",
        "Adam",
        lambda m, o: m.OneCycleLR(
            o, max_lr=0.01, total_steps=STEPS + 5, base_momentum=[0.8, 0.7], max_momentum=0.9
        ),
    ),
    ("LinearLR", "SGD", lambda m, o: m.LinearLR(o)),
    (
        "LinearLR-options",
        "SGD",
        lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=20),
    ),
    ("ConstantLR", "SGD", lambda m, o: m.ConstantLR(o)),
    ("ConstantLR-options", "SGD", lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=10)),
    ("LambdaLR", "SGD", lambda m, o: m.LambdaLR(o, lambda epoch: 0.95**epoch)),
    (
        "LambdaLR-per-group",
        "SGD",
        lambda m, o: m.LambdaLR(o, [lambda e: 1 / (1 + e), lambda e: 0.9 ** (e // 4)]),
    ),
    ("MultiplicativeLR", "SGD", lambda m, o: m.MultiplicativeLR(o, lambda epoch: 0.97)),
    ("PolynomialLR", "SGD", lambda m, o: m.PolynomialLR(o)),
    ("PolynomialLR-power", "SGD", lambda m, o: m.PolynomialLR(o, total_iters=30, power=2.0)),
    ("SequentialLR", "SGD", _sequential),
    ("SequentialLR-three", "SGD", _sequential3),
    ("ChainedScheduler", "SGD", _chained),
]
IDS = [case[0] for case in CASES]


def make_optimizer(framework, name):
    """Two groups with different lrs, so per-group values are checked too."""
    tensor = ember.zeros if framework is ember else torch.zeros
    groups = [
        {"params": [tensor(2, requires_grad=True)], "lr": 0.1},
        {"params": [tensor(3, requires_grad=True)], "lr": 0.05},
    ]
    if name == "SGD":
        return framework.optim.SGD(groups, momentum=0.9)
    return framework.optim.Adam(groups)


def schedule(opt, sched, steps):
    """The lr, momentum and betas of every group after each of ``steps`` steps."""
    seen = []
    for _ in range(steps):
        opt.step()
        sched.step()
        seen.append(
            (
                list(sched.get_last_lr()),
                [(g["lr"], g.get("momentum"), g.get("betas")) for g in opt.param_groups],
            )
        )
    return seen


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_lr_sequence_matches_torch(case):
    _, name, factory = case
    opt, topt = make_optimizer(ember, name), make_optimizer(torch, name)
    sched, tsched = factory(lr_scheduler, opt), factory(torch.optim.lr_scheduler, topt)
    assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-13)
    # Same formulas on Python floats: the values agree to the last bit.
    assert schedule(opt, sched, STEPS) == schedule(topt, tsched, STEPS)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_state_dict_round_trip(case):
    _, name, factory = case
    opt = make_optimizer(ember, name)
    sched = factory(lr_scheduler, opt)
    expected = schedule(opt, sched, STEPS)

    opt = make_optimizer(ember, name)
    sched = factory(lr_scheduler, opt)
    first = schedule(opt, sched, 25)
    saved_opt, saved_sched = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    assert "optimizer" not in saved_sched
    opt = make_optimizer(ember, name)
    sched = factory(lr_scheduler, opt)
    opt.load_state_dict(saved_opt)
    sched.load_state_dict(saved_sched)
    assert first + schedule(opt, sched, STEPS - 25) == expected


def test_warm_restarts_with_fractional_epochs_matches_torch():
    opt, topt = make_optimizer(ember, "SGD"), make_optimizer(torch, "SGD")
    sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=3, T_mult=2)
    for i in range(40):
        sched.step(i / 4)
        tsched.step(i / 4)
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-13)
        assert sched.last_epoch == tsched.last_epoch


def _metrics():
    """A noisy, mostly decreasing validation loss with plateaus."""
    values, value = [], 1.0
    for i in range(STEPS):
        value *= 0.97 if i % 9 < 4 else 1.0
        values.append(value + 0.001 * ((i * 7) % 5))
    return values


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"patience": 2},
        {"mode": "max", "patience": 3, "factor": 0.5},
        {"patience": 1, "threshold": 0.01, "threshold_mode": "abs"},
        {"mode": "max", "threshold_mode": "abs", "patience": 0},
        {"patience": 1, "cooldown": 3, "factor": 0.3},
        {"patience": 0, "min_lr": [0.02, 0.001]},
        {"patience": 0, "min_lr": 0.004, "eps": 1e-3},
    ],
    ids=str,
)
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    opt, topt = make_optimizer(ember, "SGD"), make_optimizer(torch, "SGD")
    sched = lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    metrics = _metrics()
    for step, metric in enumerate(metrics):
        sched.step(metric)
        tsched.step(metric)
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-13), step
        assert (sched.num_bad_epochs, sched.cooldown_counter, sched.best) == (
            tsched.num_bad_epochs,
            tsched.cooldown_counter,
            tsched.best,
        )
        if step == 30:
            saved = copy.deepcopy(sched.state_dict())
            opt = make_optimizer(ember, "SGD")
            opt.load_state_dict(copy.deepcopy(topt.state_dict()))
            sched = lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
            sched.load_state_dict(saved)


def test_lambda_state_dict_keeps_callable_objects_state():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate**epoch

    opt = make_optimizer(ember, "SGD")
    decay = Decay()
    sched = lr_scheduler.LambdaLR(opt, [decay, lambda e: 1.0])
    decay.rate = 0.25
    saved = sched.state_dict()
    assert saved["lr_lambdas"] == [{"rate": 0.25}, None]
    other = Decay()
    sched2 = lr_scheduler.LambdaLR(make_optimizer(ember, "SGD"), [other, lambda e: 1.0])
    sched2.load_state_dict(saved)
    assert other.rate == 0.25


@pytest.mark.parametrize(
    "make, error, message",
    [
        (
            lambda o: lr_scheduler.StepLR(object(), 1),
            TypeError,
            "expected an ember.optim.Optimizer",
        ),
        (lambda o: lr_scheduler.ConstantLR(o, factor=1.5), ValueError, "between 0 and 1"),
        (lambda o: lr_scheduler.LinearLR(o, start_factor=0), ValueError, "Starting"),
        (lambda o: lr_scheduler.LinearLR(o, end_factor=2), ValueError, "Ending"),
        (
            lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0),
            ValueError,
            "positive integer T_0",
        ),
        (
            lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
            ValueError,
            "T_mult >= 1",
        ),
        (lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0), ValueError, "total_steps OR"),
        (
            lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1),
            ValueError,
            "pct_start",
        ),
        (
            lambda o: lr_scheduler.OneCycleLR(o, 1.0, 10, anneal_strategy="exp"),
            ValueError,
            "anneal_strategy",
        ),
        (
            lambda o: lr_scheduler.OneCycleLR(o, max_lr=[1.0], total_steps=10),
            ValueError,
            "max_lr must have the same length",
        ),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="avg"), ValueError, "mode avg"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "min_lrs"),
        (lambda o: lr_scheduler.LambdaLR(o, [lambda e: 1.0]), ValueError, "same length"),
        (lambda o: lr_scheduler.MultiplicativeLR(o, 0.9), TypeError, "should be a function"),
        (lambda o: lr_scheduler.StepLR(o, 2, last_epoch=3), KeyError, "initial_lr"),
        (
            lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.StepLR(o, 2)], milestones=[3]),
            ValueError,
            "number of milestones",
        ),
        (
            lambda o: lr_scheduler.SequentialLR(
                o, [lr_scheduler.ReduceLROnPlateau(o), lr_scheduler.StepLR(o, 2)], [3]
            ),
            ValueError,
            "ReduceLROnPlateau",
        ),
        (
            lambda o: lr_scheduler.ChainedScheduler(
                [lr_scheduler.StepLR(o, 2), lr_scheduler.StepLR(make_optimizer(ember, "SGD"), 2)]
            ),
            ValueError,
            "same optimizer",
        ),
    ],
)
def test_invalid_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make(make_optimizer(ember, "SGD"))


def test_one_cycle_refuses_to_step_past_the_end():
    opt = make_optimizer(ember, "SGD")
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    sched.step()
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        sched.step()


def test_resuming_with_last_epoch_continues_the_schedule():
    opt = make_optimizer(ember, "SGD")
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    for _ in range(3):
        sched.step()
    resumed = lr_scheduler.ExponentialLR(opt, gamma=0.5, last_epoch=sched.last_epoch)
    assert resumed.base_lrs == [0.1, 0.05]
    resumed.step()
    assert resumed.get_last_lr() == pytest.approx([0.1 * 0.5**4, 0.05 * 0.5**4])
