"""Step pre- and post-hooks against torch.optim's: calls, arguments, rewriting, removal."""

from __future__ import annotations

import copy
import pickle

import pytest
import torch

import ember
import ember.optim
from tests.optim.problem import (
    assert_params_close,
    ember_closure,
    ember_loss,
    ember_params,
    torch_closure,
    torch_loss,
    torch_params,
)


def pair(name="SGD", **kwargs):
    ours, theirs = ember_params(), torch_params()
    opt = getattr(ember.optim, name)(ours, **kwargs)
    topt = getattr(torch.optim, name)(theirs, **kwargs)
    return (
        (opt, ember_closure(opt, ours), ours),
        (topt, torch_closure(topt, theirs), theirs),
    )


def record_calls(opt, events):
    """Register two pre-hooks and two post-hooks that log (hook, args after self, kwargs)."""

    def logger(tag):
        def hook(optimizer, args, kwargs):
            assert optimizer is opt and args[0] is opt
            events.append((tag, len(args) - 1, sorted(kwargs)))

        return hook

    return [
        opt.register_step_pre_hook(logger("pre1")),
        opt.register_step_pre_hook(logger("pre2")),
        opt.register_step_post_hook(logger("post1")),
        opt.register_step_post_hook(logger("post2")),
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda opt, closure: opt.step(),
        lambda opt, closure: opt.step(closure),
        lambda opt, closure: opt.step(closure=closure),
    ],
    ids=["no-closure", "closure-positional", "closure-keyword"],
)
def test_hooks_see_the_same_calls_as_torch(call):
    (opt, closure, ours), (topt, tclosure, theirs) = pair(lr=0.1)
    ember_loss(ours).backward()
    torch_loss(theirs).backward()
    events, tevents = [], []
    record_calls(opt, events)
    record_calls(topt, tevents)
    for _ in range(2):
        call(opt, closure)
        call(topt, tclosure)
    assert events == tevents
    assert [tag for tag, _, _ in events[:4]] == ["pre1", "pre2", "post1", "post2"]
    assert_params_close(ours, theirs, step=1)


def test_post_hook_runs_after_the_update():
    (opt, _, ours), (topt, _, theirs) = pair(lr=0.1)
    seen, tseen = [], []
    opt.register_step_pre_hook(lambda o, a, k: seen.append(ours[3].tolist()))
    opt.register_step_post_hook(lambda o, a, k: seen.append(ours[3].tolist()))
    topt.register_step_pre_hook(lambda o, a, k: tseen.append(theirs[3].tolist()))
    topt.register_step_post_hook(lambda o, a, k: tseen.append(theirs[3].tolist()))
    ember_loss(ours).backward()
    torch_loss(theirs).backward()
    opt.step()
    topt.step()
    assert seen[0] != seen[1]
    for a, b in zip(seen, tseen, strict=True):
        assert a == pytest.approx(b, rel=1e-6)


def test_pre_hook_can_replace_the_arguments():
    (opt, closure, ours), (topt, tclosure, theirs) = pair(lr=0.1)
    # The step is called without a closure; the hook supplies one, and the
    # post-hook then sees the rewritten arguments.
    opt.register_step_pre_hook(lambda o, args, kwargs: (args, {"closure": closure}))
    topt.register_step_pre_hook(lambda o, args, kwargs: (args, {"closure": tclosure}))
    post, tpost = [], []
    opt.register_step_post_hook(lambda o, args, kwargs: post.append(sorted(kwargs)))
    topt.register_step_post_hook(lambda o, args, kwargs: tpost.append(sorted(kwargs)))
    loss, tloss = opt.step(), topt.step()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-6)
    assert post == tpost == [["closure"]]
    assert_params_close(ours, theirs, step=0)


@pytest.mark.parametrize("bad", [3, (1, 2, 3), [(), {}]], ids=repr)
def test_pre_hook_returning_something_else_raises_like_torch(bad):
    (opt, _, _), (topt, _, _) = pair()
    opt.register_step_pre_hook(lambda o, a, k: bad)
    topt.register_step_pre_hook(lambda o, a, k: bad)
    with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args"):
        topt.step()
    with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args") as info:
        opt.step()
    assert "test_step_hooks.py" in str(info.value)


def test_removed_hooks_are_not_called():
    (opt, _, _), (topt, _, _) = pair()
    events, tevents = [], []
    handles, thandles = record_calls(opt, events), record_calls(topt, tevents)
    handles[0].remove()
    handles[3].remove()
    thandles[0].remove()
    thandles[3].remove()
    handles[0].remove()  # removing twice does nothing, as in torch
    thandles[0].remove()
    opt.step()
    topt.step()
    assert events == tevents
    assert [tag for tag, _, _ in events] == ["pre2", "post1"]


def test_a_step_that_raises_skips_the_post_hooks():
    (opt, _, _), (topt, _, _) = pair()
    events, tevents = [], []
    record_calls(opt, events)
    record_calls(topt, tevents)

    def failing():
        raise KeyError("closure failed")

    with pytest.raises(KeyError):
        opt.step(failing)
    with pytest.raises(KeyError):
        topt.step(failing)
    assert events == tevents == [("pre1", 1, []), ("pre2", 1, [])]
    opt.step()
    assert [tag for tag, _, _ in events[2:]] == ["pre1", "pre2", "post1", "post2"]


@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adagrad", "Lion", "LBFGS"])
def test_every_optimizer_runs_the_hooks(name):
    ours = ember_params()
    opt = getattr(ember.optim, name)(ours)
    events = []
    record_calls(opt, events)
    opt.step(ember_closure(opt, ours))
    assert [tag for tag, _, _ in events] == ["pre1", "pre2", "post1", "post2"]


def test_subclass_step_calling_super_runs_the_hooks_once():
    class Counting(ember.optim.SGD):
        def step(self, closure=None):
            self.calls = getattr(self, "calls", 0) + 1
            return super().step(closure)

    ours = ember_params()
    opt = Counting(ours, lr=0.1)
    events = []
    record_calls(opt, events)
    opt.step()
    assert opt.calls == 1
    assert [tag for tag, _, _ in events] == ["pre1", "pre2", "post1", "post2"]


def test_copies_of_an_optimizer_drop_its_hooks_as_in_torch():
    (opt, _, _), (topt, _, _) = pair(momentum=0.9)
    events, tevents = [], []
    record_calls(opt, events)
    record_calls(topt, tevents)
    for copied, tcopied in [
        (copy.deepcopy(opt), copy.deepcopy(topt)),
        (pickle.loads(pickle.dumps(opt)), None),
    ]:
        copied.step()
        if tcopied is not None:
            tcopied.step()
        assert events == tevents == []
        copied.register_step_post_hook(lambda o, a, k: events.append("copy"))
        copied.step()
        assert events == ["copy"]
        events.clear()
    opt.step()
    assert len(events) == 4
