"""Every optimizer and option against torch.optim: same trajectory, same state, same checkpoints."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

import ember
import ember.optim
from ember.errors import GraphError
from tests.optim.problem import (
    assert_params_close,
    ember_loss,
    ember_params,
    ember_step,
    torch_params,
    torch_step,
    values,
)

STEPS = 20

# (optimizer name, keyword arguments): every option of every optimizer appears.
CASES = [
    ("SGD", {}),
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.05, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.9), "eps": 1e-6}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "maximize": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adam", {"lr": 0.05, "betas": (0.3, 0.9)}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.2, "amsgrad": True}),
    ("AdamW", {"lr": 0.05, "betas": (0.85, 0.95), "eps": 1e-6, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.9, "eps": 1e-6}),
    ("RMSprop", {"lr": 0.005, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.8}),
    ("RMSprop", {"lr": 0.005, "centered": True}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.5, "centered": True, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}),
    ("Adagrad", {"lr": 0.1, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4}),
    ("Adadelta", {"weight_decay": 0.1}),
    ("Adadelta", {"maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.05, "betas": (0.8, 0.95), "eps": 1e-6}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.05, "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.05, "betas": (0.8, 0.95), "eps": 1e-6}),
    ("NAdam", {"lr": 0.05, "momentum_decay": 0.05}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"lr": 0.05, "maximize": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.05, "betas": (0.8, 0.9), "eps": 1e-6}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.05, "maximize": True}),
]

# Options that only set how torch runs: the plain per-tensor loop.
_TORCH_EXTRAS = {"foreach": False}


def case_id(case: tuple) -> str:
    name, kwargs = case
    return name + "".join(f"-{k}={v}" for k, v in kwargs.items())


def make_pair(name: str, kwargs: dict) -> tuple:
    ours, theirs = ember_params(), torch_params()
    opt = getattr(ember.optim, name)(ours, **kwargs)
    topt = getattr(torch.optim, name)(theirs, **kwargs, **_TORCH_EXTRAS)
    return ours, opt, theirs, topt


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_trajectory_matches_torch(case):
    ours, opt, theirs, topt = make_pair(*case)
    for step in range(STEPS):
        loss = ember_step(opt, ours)
        tloss = torch_step(topt, theirs)
        assert loss == pytest.approx(tloss, rel=1e-6)
        assert_params_close(ours, theirs, step)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_state_dict_matches_torch_layout(case):
    ours, opt, theirs, topt = make_pair(*case)
    for _ in range(3):
        ember_step(opt, ours)
        torch_step(topt, theirs)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["state"].keys() == tsd["state"].keys()
    for index, tstate in tsd["state"].items():
        assert sd["state"][index].keys() == tstate.keys()
        for key, tvalue in tstate.items():
            np.testing.assert_allclose(np.asarray(sd["state"][index][key]), tvalue.numpy())
    [group], [tgroup] = sd["param_groups"], tsd["param_groups"]
    assert group["params"] == tgroup["params"] == [0, 1, 2, 3]
    for key, value in group.items():
        assert tgroup[key] == value, key


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_state_dict_round_trip_resumes_exactly(case):
    name, kwargs = case
    ours = ember_params()
    opt = getattr(ember.optim, name)(ours, **kwargs)
    for _ in range(STEPS // 2):
        ember_step(opt, ours)
    saved = pickle.loads(pickle.dumps(opt.state_dict()))
    resumed = ember_params(values(ours))
    opt2 = getattr(ember.optim, name)(resumed, **kwargs)
    opt2.load_state_dict(saved)
    for step in range(STEPS // 2):
        ember_step(opt, ours)
        ember_step(opt2, resumed)
        for a, b in zip(values(ours), values(resumed), strict=True):
            assert np.array_equal(a, b), step


@pytest.mark.parametrize("case", CASES[::4], ids=case_id)
def test_loads_a_torch_state_dict(case):
    ours, opt, theirs, topt = make_pair(*case)
    for _ in range(STEPS // 2):
        torch_step(topt, theirs)
    ours = ember_params(values(theirs))
    opt = getattr(ember.optim, case[0])(ours, **case[1])
    opt.load_state_dict(topt.state_dict())
    for step in range(STEPS // 2):
        ember_step(opt, ours)
        torch_step(topt, theirs)
        assert_params_close(ours, theirs, step)


@pytest.mark.parametrize(
    "name, group_options",
    [
        ("SGD", [{"lr": 0.1, "momentum": 0.9}, {"lr": 0.01}]),
        ("Adam", [{"lr": 0.05}, {"lr": 0.01, "betas": (0.8, 0.9), "amsgrad": True}]),
        ("RMSprop", [{"lr": 0.01, "centered": True}, {"lr": 0.001, "momentum": 0.5}]),
        ("NAdam", [{"lr": 0.05}, {"lr": 0.002, "weight_decay": 0.1}]),
        # torch starts every sum at the constructor's value, whatever a group sets.
        ("Adagrad", [{"lr": 0.1}, {"lr": 0.05, "initial_accumulator_value": 0.5}]),
    ],
)
def test_param_groups_with_their_own_options(name, group_options):
    ours, theirs = ember_params(), torch_params()
    groups = [dict(group_options[0], params=ours[:2]), dict(group_options[1], params=ours[2:])]
    tgroups = [dict(group_options[0], params=theirs[:2]), dict(group_options[1], params=theirs[2:])]
    opt = getattr(ember.optim, name)(groups, lr=0.5)
    topt = getattr(torch.optim, name)(tgroups, lr=0.5, foreach=False)
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups]
    for step in range(STEPS):
        ember_step(opt, ours)
        torch_step(topt, theirs)
        assert_params_close(ours, theirs, step)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2, 3]]


def test_add_param_group_midway_matches_torch():
    ours, theirs = ember_params(), torch_params()
    opt = ember.optim.Adam(ours[:2], lr=0.05)
    topt = torch.optim.Adam(theirs[:2], lr=0.05, foreach=False)
    for step in range(STEPS):
        if step == 5:
            opt.add_param_group({"params": ours[2:], "lr": 0.01, "amsgrad": True})
            topt.add_param_group({"params": theirs[2:], "lr": 0.01, "amsgrad": True})
        ember_step(opt, ours)
        torch_step(topt, theirs)
        assert_params_close(ours, theirs, step)
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)


def test_adagrad_group_added_midway_matches_torch():
    ours, theirs = ember_params(), torch_params()
    opt = ember.optim.Adagrad(ours[:2], lr=0.1, initial_accumulator_value=0.2)
    topt = torch.optim.Adagrad(theirs[:2], lr=0.1, initial_accumulator_value=0.2, foreach=False)
    for step in range(STEPS):
        if step == 5:
            opt.add_param_group({"params": ours[2:], "initial_accumulator_value": 1.0})
            topt.add_param_group({"params": theirs[2:], "initial_accumulator_value": 1.0})
        ember_step(opt, ours)
        torch_step(topt, theirs)
        assert_params_close(ours, theirs, step)


def test_parameters_without_grad_are_skipped():
    a = ember.tensor([1.0], requires_grad=True)
    b = ember.tensor([1.0], requires_grad=True)
    opt = ember.optim.Adam([a, b], lr=0.1)
    (a * 2).sum().backward()
    opt.step()
    assert b.tolist() == [1.0] and b not in opt.state
    assert opt.state[a]["step"] == 1.0


def test_named_parameters_are_accepted():
    ours = ember_params()
    opt = ember.optim.SGD([(f"p{i}", p) for i, p in enumerate(ours)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["p0", "p1", "p2", "p3"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["p0", "p1", "p2", "p3"]


def test_zero_grad():
    ours = ember_params()
    opt = ember.optim.SGD(ours)
    ember_loss(ours).backward()
    grad = ours[0].grad
    opt.zero_grad(set_to_none=False)
    assert ours[0].grad is grad and not grad.numpy().any()
    opt.zero_grad()
    assert all(p.grad is None for p in ours)


def test_step_returns_closure_loss_and_enables_grad():
    ours = ember_params()
    opt = ember.optim.SGD(ours, lr=0.1)
    before = ember_loss(ours).item()

    def closure():
        opt.zero_grad()
        loss = ember_loss(ours)
        loss.backward()
        return loss

    with ember.no_grad():
        loss = opt.step(closure)
    assert loss.item() == before
    assert ember_loss(ours).item() < before
    assert opt.step() is None


def test_step_bumps_version_and_stale_graphs_fail():
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    opt = ember.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    stale = (w * w).sum()
    before = w._version
    opt.step()
    assert w._version == before + 1
    with pytest.raises(GraphError, match="modified by an in-place operation"):
        stale.backward()


def test_float32_parameters_stay_float32():
    w = ember.tensor([1.0, -2.0], requires_grad=True)
    opt = ember.optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert w.dtype == ember.float32
    assert opt.state[w]["exp_avg"].dtype == ember.float32


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: ember.optim.SGD(p, lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda p: ember.optim.SGD(p, momentum=-1), "Invalid momentum value: -1"),
        (lambda p: ember.optim.SGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda p: ember.optim.SGD(p, nesterov=True), "Nesterov momentum requires a momentum"),
        (lambda p: ember.optim.Adam(p, eps=-1.0), "Invalid epsilon value: -1.0"),
        (lambda p: ember.optim.Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
        (lambda p: ember.optim.AdamW(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1"),
        (lambda p: ember.optim.RMSprop(p, alpha=-0.5), "Invalid alpha value: -0.5"),
        (lambda p: ember.optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
        (
            lambda p: ember.optim.Adagrad(p, initial_accumulator_value=-1),
            "Invalid initial_accumulator_value value: -1",
        ),
        (lambda p: ember.optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
        (lambda p: ember.optim.NAdam(p, momentum_decay=-1), "Invalid momentum_decay value: -1"),
        (lambda p: ember.optim.RAdam(p, lr=float("nan")), "Invalid learning rate: nan"),
        (lambda p: ember.optim.Lion(p, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda p: ember.optim.LBFGS(p, line_search_fn="armijo"), "only 'strong_wolfe'"),
        (lambda p: ember.optim.SGD([]), "empty parameter list"),
        (lambda p: ember.optim.SGD([p[0], p[0]]), "duplicate parameters"),
        (
            lambda p: ember.optim.SGD([{"params": p[:1]}, {"params": p[:1]}]),
            "more than one parameter group",
        ),
        (lambda p: ember.optim.SGD([p[0] * 2]), "can't optimize a non-leaf Tensor"),
        (
            lambda p: ember.optim.LBFGS([{"params": p[:1]}, {"params": p[1:]}]),
            "doesn't support per-parameter options",
        ),
    ],
)
def test_invalid_arguments_raise_value_error_naming_the_caller(make, message):
    with pytest.raises(ValueError, match=message) as info:
        make(ember_params())
    assert "test_optimizers.py" in str(info.value)


# Several options wrong at once: the message names the one torch checks first.
INVALID_OPTIONS = [
    ("SGD", {"lr": -1.0, "momentum": -1.0}),
    ("SGD", {"momentum": -0.5, "weight_decay": -1.0}),
    ("SGD", {"weight_decay": -1.0, "nesterov": True}),
    ("Adam", {"eps": -1.0, "betas": (1.5, 0.9)}),
    ("Adam", {"betas": (0.9, 1.0), "weight_decay": -1.0}),
    ("AdamW", {"lr": -1.0, "eps": -1.0}),
    ("Adamax", {"betas": (-0.1, 0.9), "weight_decay": -2.0}),
    ("RAdam", {"eps": -1e-8, "weight_decay": -0.1}),
    ("NAdam", {"weight_decay": -0.1, "momentum_decay": -1.0}),
    ("NAdam", {"momentum_decay": -1.0}),
    ("RMSprop", {"eps": -1.0, "momentum": -1.0}),
    ("RMSprop", {"momentum": -1.0, "weight_decay": -1.0, "alpha": -1.0}),
    ("RMSprop", {"weight_decay": -1.0, "alpha": -1.0}),
    ("Adagrad", {"lr_decay": -1.0, "weight_decay": -1.0}),
    ("Adagrad", {"weight_decay": -1.0, "initial_accumulator_value": -1.0}),
    ("Adagrad", {"initial_accumulator_value": -1.0, "eps": -1.0}),
    ("Adagrad", {"eps": -1.0}),
    ("Adadelta", {"lr": -1.0, "rho": 2.0}),
    ("Adadelta", {"rho": -0.1, "eps": -1.0}),
    ("Adadelta", {"eps": -1.0, "weight_decay": -1.0}),
    ("LBFGS", {"lr": -1.0}),
]


@pytest.mark.parametrize("case", INVALID_OPTIONS, ids=case_id)
def test_invalid_options_give_torchs_message(case):
    name, kwargs = case
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)(torch_params(), **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(ember.optim, name)(ember_params(), **kwargs)
    assert str(ours.value).startswith(f"{name}: {theirs.value} (called from ")


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: ember.optim.SGD(p[0]), "iterable of Tensors or dicts"),
        (lambda p: ember.optim.SGD([1.0]), "can only optimize Tensors"),
        (lambda p: ember.optim.SGD(set(p)), "ordered collections"),
    ],
)
def test_invalid_params_raise_type_error(make, message):
    with pytest.raises(TypeError, match=message):
        make(ember_params())


def test_load_state_dict_checks_group_sizes():
    opt = ember.optim.SGD(ember_params(), momentum=0.9)
    other = ember.optim.SGD(ember_params()[:3], momentum=0.9)
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(other.state_dict())
    two_groups = ember.optim.SGD([{"params": ember_params()[:2]}, {"params": ember_params()[2:]}])
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(two_groups.state_dict())


def test_required_option_must_be_given():
    class Plain(ember.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": ember.optim.optimizer.required})

    with pytest.raises(ValueError, match="didn't specify a value of required"):
        Plain(ember_params())
    assert Plain([{"params": ember_params(), "lr": 1.0}]).param_groups[0]["lr"] == 1.0


def test_repr_lists_groups():
    text = repr(ember.optim.SGD(ember_params(), lr=0.5))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.5" in text


def test_deepcopy_of_state_dict_is_a_snapshot():
    ours = ember_params()
    opt = ember.optim.Adam(ours, lr=0.1)
    ember_step(opt, ours)
    snapshot = copy.deepcopy(opt.state_dict())
    ember_step(opt, ours)
    assert snapshot["state"][0]["step"] == 1.0
    assert not np.array_equal(
        snapshot["state"][0]["exp_avg"].numpy(), opt.state[ours[0]]["exp_avg"].numpy()
    )
